/* seccomp-bpf sandbox for the run phase.
 *
 * vmm_sandbox_enter() sets no_new_privs and installs, on every thread of the
 * process (TSYNC), a filter that allows only what the run loop and teardown
 * need: KVM_RUN / KVM_GET_REGS / KVM_GET_SREGS (and TCGETS for stdio)
 * ioctls, read/write, memory management without PROT_EXEC, timers and
 * clocks, futex, signal return, close/munmap, exit. Anything else - opening
 * files, sockets, exec, creating VMs or vCPUs, changing memory slots -
 * kills the process (SIGSYS). Callers enter it after setup, through the
 * pipeline's before_run hook (`vmm run` does by default).
 *
 * Sanitizer builds also admit the calls the sanitizer runtimes make at exit
 * (LeakSanitizer stops the world with a ptrace helper and reads /proc);
 * release builds do not.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "vmm/err.h"

int vmm_sandbox_enter(struct vmm_error *e);

#endif
