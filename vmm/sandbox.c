#include "vmm/sandbox.h"

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
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
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

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG_LO(i)                                                        \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                  \
		 offsetof(struct seccomp_data, args[i]))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define KILL BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
/* if the loaded argument == req: allow, else fall through */
#define ALLOW_ARG(req) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(req), 0, 1), ALLOW
#define N_RUN_IOCTLS 12 /* ALLOW_ARG lines in the ioctl block */
/* if nr == n: allow, else fall through */
#define ALLOW_NR(n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), ALLOW

int vmm_sandbox_enter(struct vmm_error *e)
{
	struct sock_filter f[] = {
		/* right architecture, or die */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VMM_AUDIT_ARCH, 1, 0),
		KILL,
		LD_NR,
		/* ioctl: only the run-time KVM requests and TCGETS (stdio) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
			 2 * N_RUN_IOCTLS + 2),
		LD_ARG_LO(1),
		ALLOW_ARG(KVM_RUN),
		ALLOW_ARG(STATE_IOCTL_1),
		ALLOW_ARG(STATE_IOCTL_2),
		ALLOW_ARG(TCGETS),
		/* spin detection (vmm/x86/spin.c): guest pages written, the
		 * state sync regs do not carry, single-stepping; fresh mode
		 * turns dirty logging on for a slot it already has */
		ALLOW_ARG(KVM_GET_DIRTY_LOG),
		ALLOW_ARG(KVM_CLEAR_DIRTY_LOG),
		ALLOW_ARG(KVM_RESET_DIRTY_RINGS),
		ALLOW_ARG(KVM_SET_USER_MEMORY_REGION),
		ALLOW_ARG(SPIN_IOCTL_1),
		ALLOW_ARG(SPIN_IOCTL_2),
		ALLOW_ARG(SPIN_IOCTL_3),
		ALLOW_ARG(KVM_SET_GUEST_DEBUG),
		KILL,
		/* mmap / mprotect: never executable */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
		LD_ARG_LO(2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
		KILL,
		ALLOW,
		LD_NR,
		ALLOW_NR(__NR_read),
		ALLOW_NR(__NR_write),
		ALLOW_NR(__NR_writev),
		ALLOW_NR(__NR_close),
		ALLOW_NR(__NR_munmap),
		ALLOW_NR(__NR_brk),
		ALLOW_NR(__NR_madvise),
		ALLOW_NR(__NR_mremap),
		ALLOW_NR(__NR_rt_sigreturn),
		ALLOW_NR(__NR_rt_sigprocmask),
		ALLOW_NR(__NR_timer_settime),
		ALLOW_NR(__NR_timer_gettime),
		ALLOW_NR(__NR_timer_delete),
		ALLOW_NR(__NR_clock_gettime),
		ALLOW_NR(__NR_clock_nanosleep),
		ALLOW_NR(__NR_nanosleep),
		ALLOW_NR(__NR_futex),
		ALLOW_NR(__NR_sched_yield),
		ALLOW_NR(__NR_restart_syscall),
#ifdef __NR_fstat
		ALLOW_NR(__NR_fstat),
#endif
#ifdef __NR_newfstatat
		ALLOW_NR(__NR_newfstatat),
#endif
		ALLOW_NR(__NR_lseek),
		ALLOW_NR(__NR_gettid),
		ALLOW_NR(__NR_getpid),
		ALLOW_NR(__NR_tgkill), /* abort() */
		ALLOW_NR(__NR_exit),
		ALLOW_NR(__NR_exit_group),
#ifdef VMM_SANITIZED
		/* sanitizer runtimes: leak check at exit, reports */
		ALLOW_NR(__NR_clone),
		ALLOW_NR(__NR_ptrace),
		ALLOW_NR(__NR_wait4),
#ifdef __NR_open
		ALLOW_NR(__NR_open),
#endif
		ALLOW_NR(__NR_openat),
#ifdef __NR_getdents
		ALLOW_NR(__NR_getdents),
#endif
		ALLOW_NR(__NR_getdents64),
		ALLOW_NR(__NR_prctl),
		ALLOW_NR(__NR_sigaltstack),
		ALLOW_NR(__NR_rt_sigaction),
		ALLOW_NR(__NR_sched_getaffinity),
#ifdef __NR_readlink
		ALLOW_NR(__NR_readlink),
#endif
		ALLOW_NR(__NR_readlinkat),
		ALLOW_NR(__NR_getppid),
		ALLOW_NR(__NR_kill),
		ALLOW_NR(__NR_set_robust_list),
		ALLOW_NR(__NR_pipe2),
#ifdef __NR_dup2
		ALLOW_NR(__NR_dup2),
#endif
		ALLOW_NR(__NR_dup3),
		ALLOW_NR(__NR_getrlimit),
		ALLOW_NR(__NR_prlimit64),
		ALLOW_NR(__NR_uname),
		ALLOW_NR(__NR_sched_getparam),
		ALLOW_NR(__NR_sched_getscheduler),
		ALLOW_NR(__NR_process_vm_readv),
		ALLOW_NR(__NR_mincore),
#endif
		KILL,
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(f) / sizeof(f[0])),
		.filter = f,
	};

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
