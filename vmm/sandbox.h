/* seccomp-bpf sandbox for the run phase.
 *
 * vmm_sandbox_enter() sets no_new_privs and installs, on every thread of the
 * process (TSYNC; threads started later inherit it), a filter that allows
 * only what the run loop and teardown need: KVM_RUN / KVM_GET_REGS /
 * KVM_GET_SREGS (and TCGETS for stdio) ioctls and the spin check's,
 * read/write, memory management without PROT_EXEC, timers and clocks,
 * futex, signal return, close/munmap, exit. Anything else - opening files,
 * sockets, exec, fork, creating VMs or vCPUs - kills the process (SIGSYS).
 * Callers enter it after setup, through the pipeline's before_run hook
 * (`vmm run` does by default).
 *
 * `needs` widens it for what this run does, and only then (the narrowest
 * filter per run; vmm_sandbox_needs() says what a scenario needs):
 *  - VMM_SANDBOX_ACTIONS: the ioctls action records make (x86);
 *  - VMM_SANDBOX_IRQCHIP: the halt check's reads of an in-kernel
 *    interrupt controller (x86 irqchip record);
 *  - VMM_SANDBOX_THREADS: concurrent mode's threads - clone with thread
 *    flags only (clone3 gets ENOSYS: its flags are out of the filter's
 *    sight), their start-up calls and run-deadline timers.
 *
 * Sanitizer builds also admit the calls the sanitizer runtimes make at exit
 * (LeakSanitizer stops the world with a ptrace helper and reads /proc);
 * release builds do not.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "vmm/err.h"

struct vmm_kvm;
struct vmm_scenario;

#define VMM_SANDBOX_ACTIONS 1U
#define VMM_SANDBOX_IRQCHIP 2U
#define VMM_SANDBOX_THREADS 4U

/* What a run of `s` needs (concurrent: in concurrent mode). */
unsigned int vmm_sandbox_needs(const struct vmm_scenario *s, int concurrent);
int vmm_sandbox_enter(unsigned int needs, struct vmm_error *e);
/* The once-per-process probes the pipeline makes before a before_run hook
 * (x86: the MSR list spin detection reads, on a scratch VM), made now:
 * a caller that forks a sandboxed process per run calls it before the
 * first fork, so that no child repeats them (~26,000 ioctls each). */
int vmm_sandbox_prepare(struct vmm_kvm *k, struct vmm_error *e);

#endif
