#include "vmm/sandbox.h"

#include "vmm/scenario.h"
#include "vmm/vcpu_state.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || \
	__has_feature(undefined_behavior_sanitizer)
#define VMM_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VMM_SANITIZED 1
#endif

/* The ioctls that read the final vCPU state after a run. */
#if defined(__x86_64__)
#define VMM_AUDIT_ARCH AUDIT_ARCH_X86_64
#define STATE_IOCTL_1 KVM_GET_REGS
#define STATE_IOCTL_2 KVM_GET_SREGS
#define SPIN_IOCTL_1 KVM_GET_DEBUGREGS
#define SPIN_IOCTL_2 KVM_GET_XSAVE
#define SPIN_IOCTL_3 KVM_GET_MSRS
#elif defined(__aarch64__)
#define VMM_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define STATE_IOCTL_1 KVM_GET_ONE_REG
#define STATE_IOCTL_2 KVM_GET_ONE_REG
#define SPIN_IOCTL_1 KVM_GET_ONE_REG
#define SPIN_IOCTL_2 KVM_GET_ONE_REG
#define SPIN_IOCTL_3 KVM_GET_ONE_REG
#endif

/* ---- the allow-lists -------------------------------------------------
 * Every rule says why the run phase needs it. What is not here kills the
 * process (SIGSYS). */
struct rule {
	long nr;
	const char *why;
};

struct ioctl_rule {
	unsigned long req;
	const char *why;
};

/* Every run: the run loop, the final state, spin detection. */
static const struct ioctl_rule ioctls[] = {
	{ KVM_RUN, "the run loop, and the flush before a reset" },
	{ STATE_IOCTL_1, "the final vCPU state after the run" },
	{ STATE_IOCTL_2, "the final vCPU state after the run" },
	{ TCGETS, "stdio asks whether stdout is a terminal on first use" },
	/* spin detection (vmm/x86/spin.c): guest pages written, the state
	 * sync regs do not carry, single-stepping; fresh mode turns dirty
	 * logging on for a slot it already has */
	{ KVM_GET_DIRTY_LOG, "spin check: pages the guest wrote" },
	{ KVM_CLEAR_DIRTY_LOG, "spin check: pages the guest wrote" },
	{ KVM_RESET_DIRTY_RINGS, "spin check: pages the guest wrote (ring)" },
	{ KVM_SET_USER_MEMORY_REGION, "spin check: dirty logging on" },
	{ SPIN_IOCTL_1, "spin check: state sync regs do not carry" },
	{ SPIN_IOCTL_2, "spin check: state sync regs do not carry" },
	{ SPIN_IOCTL_3, "spin check: state sync regs do not carry" },
	{ KVM_SET_GUEST_DEBUG, "spin check: single-stepping" },
};

#if defined(__x86_64__)
/* VMM_SANDBOX_ACTIONS: the calls x86 action records (vmm/x86/action.c)
 * make between two guest entries, or while the vCPUs run (concurrent
 * mode); slot and dirty-log changes are in ioctls[] already. */
static const struct ioctl_rule action_ioctls[] = {
	{ KVM_SET_REGS, "action records: a register" },
	{ KVM_SET_SREGS, "action records: an sregs field" },
	{ KVM_GET_VCPU_EVENTS, "action records: events" },
	{ KVM_SET_VCPU_EVENTS, "action records: events" },
	{ KVM_SET_DEBUGREGS, "action records: a debug register" },
	{ KVM_GET_LAPIC, "action records: a LAPIC field" },
	{ KVM_SET_LAPIC, "action records: a LAPIC field" },
	{ KVM_IRQ_LINE, "action records: an interrupt line" },
	{ KVM_SIGNAL_MSI, "action records: an MSI" },
	{ KVM_NMI, "action records: an NMI" },
	{ KVM_SMI, "action records: an SMI" },
	{ KVM_INTERRUPT, "action records: an interrupt" },
};

/* VMM_SANDBOX_IRQCHIP: the halt check's reads (vmm/x86/irq.c: a HLT
 * stays in an in-kernel LAPIC; whether an interrupt can still end it). */
static const struct ioctl_rule irqchip_ioctls[] = {
	{ KVM_GET_MP_STATE, "halt check: is the vCPU halted" },
	{ KVM_GET_LAPIC, "halt check: LAPIC timer armed, IRR pending" },
	{ KVM_GET_PIT2, "halt check: PIT channel 0 programmed" },
	{ KVM_GET_IRQCHIP, "halt check: PIC and IOAPIC masks" },
};
#define NACTION_IOCTLS N(action_ioctls)
#define NIRQCHIP_IOCTLS N(irqchip_ioctls)
#else
/* arm64 has neither action records nor halt checks */
#define NACTION_IOCTLS 0
#define NIRQCHIP_IOCTLS 0
#endif

static const struct rule always[] = {
	{ __NR_read, "stdio, /dev/kmsg (kernel-log oracle)" },
	{ __NR_write, "guest console output, the one-line reports" },
	{ __NR_writev, "stdio" },
	{ __NR_close, "teardown: VM, vCPU and kmsg fds" },
	{ __NR_munmap, "teardown: guest memory, kvm_run areas" },
	{ __NR_brk, "malloc" },
	{ __NR_madvise, "malloc; reset mode gives guest pages back" },
	{ __NR_mremap, "malloc (large reallocs)" },
	{ __NR_rt_sigreturn, "return from the run-timeout signal" },
	{ __NR_rt_sigprocmask, "the C library around signals" },
	{ __NR_timer_settime, "arming and disarming the run deadline" },
	{ __NR_timer_gettime, "the run deadline" },
	{ __NR_timer_delete, "teardown of the run deadline" },
	{ __NR_clock_gettime,
	  "deadline checks (when the vDSO is bypassed), "
	  "the thread's CPU time (CLOCK_THREAD_CPUTIME_ID)" },
	{ __NR_getrusage, "deadline checks: whether the thread slept "
			  "(RUSAGE_THREAD voluntary context switches)" },
	{ __NR_clock_nanosleep, "the watchdog thread's wait" },
	{ __NR_nanosleep, "the watchdog thread's wait" },
	{ __NR_futex, "the watchdog's lock and condition variable" },
	{ __NR_sched_yield, "the C library's locks" },
	{ __NR_restart_syscall, "a sleep interrupted by the deadline signal" },
#ifdef __NR_fstat
	{ __NR_fstat, "stdio on first use" },
#endif
#ifdef __NR_newfstatat
	{ __NR_newfstatat, "stdio on first use" },
#endif
	{ __NR_lseek, "stdio" },
	{ __NR_gettid, "abort() and the deadline's thread check" },
	{ __NR_getpid, "abort()" },
	{ __NR_tgkill, "abort(): a finding ends the process" },
	{ __NR_exit, "thread exit (watchdog stop)" },
	{ __NR_exit_group, "process exit" },
};

#ifdef VMM_SANITIZED
/* LeakSanitizer stops the world with a ptrace helper thread and reads
 * /proc at exit; the sanitizers' reports open files and query limits. */
static const struct rule sanitizer[] = {
	{ __NR_clone, "LeakSanitizer's stop-the-world helper" },
	{ __NR_ptrace, "LeakSanitizer's stop-the-world helper" },
	{ __NR_wait4, "LeakSanitizer's stop-the-world helper" },
#ifdef __NR_open
	{ __NR_open, "sanitizer reports read /proc/self/maps" },
#endif
	{ __NR_openat, "sanitizer reports read /proc/self/maps" },
#ifdef __NR_getdents
	{ __NR_getdents, "LeakSanitizer lists /proc/self/task" },
#endif
	{ __NR_getdents64, "LeakSanitizer lists /proc/self/task" },
	{ __NR_prctl, "LeakSanitizer's helper (PR_SET_PTRACER, dumpable)" },
	{ __NR_sigaltstack, "sanitizer signal handling" },
	{ __NR_rt_sigaction, "sanitizer signal handling" },
	{ __NR_sched_getaffinity, "sanitizer runtime queries" },
#ifdef __NR_readlink
	{ __NR_readlink, "symbolizer: /proc/self/exe" },
#endif
	{ __NR_readlinkat, "symbolizer: /proc/self/exe" },
	{ __NR_getppid, "sanitizer runtime queries" },
	{ __NR_kill, "LeakSanitizer's helper" },
	{ __NR_set_robust_list, "the helper thread's start-up" },
	{ __NR_pipe2, "LeakSanitizer's helper" },
#ifdef __NR_dup2
	{ __NR_dup2, "sanitizer report output" },
#endif
	{ __NR_dup3, "sanitizer report output" },
	{ __NR_getrlimit, "sanitizer runtime queries" },
	{ __NR_prlimit64, "sanitizer runtime queries" },
	{ __NR_uname, "sanitizer runtime queries" },
	{ __NR_sched_getparam, "sanitizer runtime queries" },
	{ __NR_sched_getscheduler, "sanitizer runtime queries" },
	{ __NR_process_vm_readv, "LeakSanitizer reads the stopped threads" },
	{ __NR_mincore, "sanitizer runtime queries" },
};
#endif

/* VMM_SANDBOX_THREADS: concurrent mode starts a thread per vCPU and one
 * for the actions once the filter is in (vmm/pipeline.c concurrent_loop);
 * clone itself is checked below (threads only). */
static const struct rule threads[] = {
	{ __NR_set_robust_list, "a new thread's start-up (glibc)" },
#ifdef __NR_rseq
	{ __NR_rseq, "a new thread's start-up (glibc registers rseq)" },
#endif
	{ __NR_timer_create, "each vCPU thread's own run deadline "
			     "(SIGEV_THREAD_ID)" },
	{ __NR_rt_sigaction, "each vCPU thread checks the deadline "
			     "handler is installed (SIGSYS cannot be caught: "
			     "the filter's kill stays)" },
};

/* A thread: these flags at least (glibc and musl set all of them), and
 * nothing outside the allowed set - no new process, no namespace, no
 * tracing, no vfork, and exit signal 0. */
#define CLONE_NEEDED \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_ALLOWED                                                        \
	(CLONE_NEEDED | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED)

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NIOCTL_MAX (N(ioctls) + NACTION_IOCTLS + NIRQCHIP_IOCTLS)
#ifdef VMM_SANITIZED
#define NSAN N(sanitizer)
#else
#define NSAN 0
#endif
/* arch check 3, ioctl block 5 + NIOCTL_MAX, mmap/mprotect 6, 1 load,
 * 2 per allowed call, clone3 2, clone 8, final kill */
#define PROG_MAX                                                            \
	(3 + 5 + NIOCTL_MAX + 6 + 1 + 2 * (N(always) + NSAN + N(threads)) + \
	 2 + 8 + 1)

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, t, f) \
	((struct sock_filter)BPF_JUMP((code), (k), (t), (f)))
#define LD(off) STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(off))
#define RET(v) STMT(BPF_RET | BPF_K, (v))
#define JEQ(k, t, f) JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(k), (t), (f))

static size_t allow_calls(struct sock_filter *f, size_t n, const struct rule *r,
			  size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		f[n++] = JEQ(r[i].nr, 0, 1);
		f[n++] = RET(SECCOMP_RET_ALLOW);
	}
	return n;
}

static size_t add_ioctls(unsigned long *req, size_t n,
			 const struct ioctl_rule *r, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		size_t j = 0;

		while (j < n && req[j] != r[i].req)
			j++;
		if (j == n) /* once (KVM_GET_LAPIC is in two lists) */
			req[n++] = r[i].req;
	}
	return n;
}

int vmm_sandbox_prepare(struct vmm_kvm *k, struct vmm_error *e)
{
#if defined(__x86_64__)
	return vmm_arch_msr_list(k, e); /* a scratch VM: not in the filter */
#else
	(void)k;
	(void)e;
	return 0;
#endif
}

unsigned int vmm_sandbox_needs(const struct vmm_scenario *s, int concurrent)
{
	unsigned int needs = concurrent ? VMM_SANDBOX_THREADS : 0U;

	if (s && s->nactions)
		needs |= VMM_SANDBOX_ACTIONS;
	if (s && s->has_irqchip)
		needs |= VMM_SANDBOX_IRQCHIP;
	return needs;
}

int vmm_sandbox_enter(unsigned int needs, struct vmm_error *e)
{
	struct sock_filter f[PROG_MAX];
	unsigned long req[NIOCTL_MAX];
	struct sock_fprog prog;
	size_t n = 0, nreq;

	nreq = add_ioctls(req, 0, ioctls, N(ioctls));
#if defined(__x86_64__)
	if (needs & VMM_SANDBOX_ACTIONS)
		nreq = add_ioctls(req, nreq, action_ioctls, N(action_ioctls));
	if (needs & VMM_SANDBOX_IRQCHIP)
		nreq = add_ioctls(req, nreq, irqchip_ioctls, N(irqchip_ioctls));
#endif

	/* the right architecture, or die */
	f[n++] = LD(offsetof(struct seccomp_data, arch));
	f[n++] = JEQ(VMM_AUDIT_ARCH, 1, 0);
	f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
	/* ioctl: only the requests in req[] (low 32 bits compared) */
	f[n++] = LD(offsetof(struct seccomp_data, nr));
	f[n++] = JEQ(__NR_ioctl, 0, (uint8_t)(nreq + 3));
	f[n++] = LD(offsetof(struct seccomp_data, args[1]));
	for (size_t i = 0; i < nreq; i++)
		f[n++] = JEQ((uint32_t)req[i], (uint8_t)(nreq - i), 0);
	f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
	f[n++] = RET(SECCOMP_RET_ALLOW);
	/* mmap / mprotect: allowed, never with PROT_EXEC (no new code) */
	f[n++] = JEQ(__NR_mmap, 1, 0);
	f[n++] = JEQ(__NR_mprotect, 0, 4);
	f[n++] = LD(offsetof(struct seccomp_data, args[2]));
	f[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1);
	f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
	f[n++] = RET(SECCOMP_RET_ALLOW);
	/* everything else: the tables */
	f[n++] = LD(offsetof(struct seccomp_data, nr));
	n = allow_calls(f, n, always, N(always));
#ifdef VMM_SANITIZED
	/* (its clone rule comes first: LeakSanitizer's helper is no thread) */
	n = allow_calls(f, n, sanitizer, N(sanitizer));
#endif
	if (needs & VMM_SANDBOX_THREADS) {
		n = allow_calls(f, n, threads, N(threads));
		/* clone3 passes its flags in memory, out of the filter's
		 * sight: ENOSYS, and the C library falls back to clone */
		f[n++] = JEQ(__NR_clone3, 0, 1);
		f[n++] = RET(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
		/* clone: a thread of this process, nothing else */
		f[n++] = JEQ(__NR_clone, 0, 7);
		f[n++] = LD(offsetof(struct seccomp_data, args[0]));
		f[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K,
			      (uint32_t) ~(uint32_t)CLONE_ALLOWED, 0, 1);
		f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
		f[n++] = STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_NEEDED);
		f[n++] = JEQ(CLONE_NEEDED, 1, 0);
		f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
		f[n++] = RET(SECCOMP_RET_ALLOW);
	}
	f[n++] = RET(SECCOMP_RET_KILL_PROCESS);
	prog.len = (unsigned short)n;
	prog.filter = f;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "prctl", errno,
			    "cannot set no_new_privs for the sandbox");
		return -1;
	}
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "seccomp", errno,
			    "cannot install the seccomp filter");
		return -1;
	}
	return 0;
}
