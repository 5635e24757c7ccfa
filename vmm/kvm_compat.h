/* Constants newer than the build machine's <linux/kvm.h> (Linux 6.1).
 * Values are from the upstream UAPI; each is used only after a run-time
 * KVM_CHECK_EXTENSION says the running kernel has it. */
#ifndef VMM_KVM_COMPAT_H
#define VMM_KVM_COMPAT_H

#include <linux/kvm.h>

/* x86 only in the uapi headers (__KVM_HAVE_DEBUGREGS): probed on every
 * host, absent elsewhere */
/* x86 only in the uapi header (__KVM_HAVE_XSAVE, __KVM_HAVE_XCRS): the
 * capability table names them on every architecture */
#ifndef KVM_CAP_XSAVE
#define KVM_CAP_XSAVE 55
#endif
#ifndef KVM_CAP_XCRS
#define KVM_CAP_XCRS 56
#endif
/* x86 only (__KVM_HAVE_PIT): the irqchip record's capability */
#ifndef KVM_CAP_PIT2
#define KVM_CAP_PIT2 33
#endif
#ifndef KVM_CAP_DEBUGREGS
#define KVM_CAP_DEBUGREGS 50
#endif
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_EXIT_LOONGARCH_IOCSR
#define KVM_EXIT_LOONGARCH_IOCSR 38
#endif
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX 40
#endif
#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL 7
#endif

#endif
