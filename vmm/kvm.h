/* /dev/kvm system context: API version, capability table, kvm_run size.
 *
 * No global state: everything the library learns about the host lives in a
 * `struct vmm_kvm` the caller owns (a fuzzer keeps one per worker).
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/host_state.h"
#include "vmm/err.h"
#include "vmm/limits.h"
#include "vmm/sys.h"

#define VMM_KVM_API_VERSION 12
#define VMM_KVM_DEFAULT_PATH "/dev/kvm"

/* Indices into the capability table (vmm/kvm.c, vmm_caps[]). */
enum vmm_cap {
	VMM_CAP_USER_MEMORY,
	VMM_CAP_IMMEDIATE_EXIT,
	VMM_CAP_SET_TSS_ADDR,
	VMM_CAP_SET_IDENTITY_MAP_ADDR,
	VMM_CAP_NR_MEMSLOTS,
	VMM_CAP_NR_VCPUS,
	VMM_CAP_MAX_VCPUS,
	VMM_CAP_READONLY_MEM,
	VMM_CAP_SYNC_REGS,
	VMM_CAP_DIRTY_LOG_RING,
	VMM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	VMM_CAP_SET_GUEST_DEBUG,
	VMM_CAP_USER_MEMORY2,
	VMM_CAP_ARM_PSCI_0_2,
	VMM_CAP_ARM_EL1_32BIT,
	VMM_CAP_ARM_PMU_V3,
	VMM_CAP_ARM_NISV_TO_USER,
	VMM_CAP_X86_TRIPLE_FAULT_EVENT,
	VMM_CAP_EXT_CPUID,
	VMM_CAP_DEBUGREGS,
	VMM_CAP_EXCEPTION_PAYLOAD,
	VMM_CAP_X86_SMM,
	VMM_CAP_X86_USER_SPACE_MSR,
	VMM_CAP_X86_MSR_FILTER,
	VMM_CAP_EXIT_HYPERCALL,
	VMM_CAP_SET_GUEST_DEBUG2,
	VMM_CAP_XSAVE,
	VMM_CAP_XSAVE2,
	VMM_CAP_XCRS,
	VMM_CAP_IRQCHIP,
	VMM_CAP_SPLIT_IRQCHIP,
	VMM_CAP_PIT2,
	VMM_CAP_SIGNAL_MSI,
	VMM_CAP_MP_STATE,
	VMM_CAP_COUNT
};

/* Pointers first, then the small fields: no padding between members. */
struct vmm_cap_desc {
	const char *name; /* "KVM_CAP_*" */
	const char *use;  /* what the project uses it for */
	int id;		  /* KVM_CAP_* */
	bool required;	  /* the VMM refuses to start without it */
};

/* Table entry for a capability index (never NULL for a valid index). */
const struct vmm_cap_desc *vmm_cap_desc(enum vmm_cap cap);

struct vmm_kvm {
	int fd;
	int api_version;
	size_t run_mmap_size;
	const struct vmm_sysops *ops;
	int cap[VMM_CAP_COUNT]; /* KVM_CHECK_EXTENSION result, 0 = absent */
	/* dirty-ring self-test (vmm/session.c), run once */
	enum vmm_probe_state ring_probe;
	char ring_probe_why[192];
	/* single-stepping for spin detection (vmm/x86/spin.c): OK once a step
	 * came back as KVM_EXIT_DEBUG, FAILS if KVM_SET_GUEST_DEBUG refused
	 * it or its first VMM_SPIN_STEP_MISSES checks never got a step back */
	enum vmm_probe_state step_probe;
	/* spin checks whose first step did not come back, before any step
	 * ever did (VMM_SPIN_STEP_MISSES of them: the host does not step) */
	uint32_t step_misses;
	struct vmm_kvm_arch arch; /* vmm/<arch>/host_state.h */
	/* VMs closed off the run's path, once started (vmm/closer.h) */
	struct vmm_closer *closer;
};

/* Open the device (O_CLOEXEC), check the API version, probe every
 * capability of the table and the vcpu mmap size. On failure nothing stays
 * open. `ops` may be NULL for the libc table. Host problems (absent device,
 * permission, version, missing required capability) are VMM_ERR_HOST with a
 * hint in the message. */
int vmm_kvm_open(struct vmm_kvm *k, const char *path,
		 const struct vmm_sysops *ops, struct vmm_error *e);
void vmm_kvm_close(struct vmm_kvm *k);

/* Value of a capability (0 when absent). */
int vmm_kvm_cap(const struct vmm_kvm *k, enum vmm_cap cap);

#endif
