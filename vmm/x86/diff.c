/* The differential oracle on x86 (vmm/diff.h): KVM single-stepped against
 * a ptrace-controlled child on the host CPU. The reasoning behind each
 * stop and mask is in docs/diff-oracle.md. */
#include "vmm/diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const field_names[VMM_DF_COUNT] = {
	[VMM_DF_NONE] = "none",	  [VMM_DF_EVENT] = "event",
	[VMM_DF_RIP] = "rip",	  [VMM_DF_RFLAGS] = "rflags",
	[VMM_DF_MXCSR] = "mxcsr", [VMM_DF_FCW] = "fcw",
	[VMM_DF_FSW] = "fsw",	  [VMM_DF_FTW] = "ftw",
	[VMM_DF_MEM] = "memory",
};

const char *vmm_diff_field_name(enum vmm_diff_field f)
{
	static const char *const xmm[16] = {
		"xmm0",	 "xmm1",  "xmm2",  "xmm3",  "xmm4",  "xmm5",
		"xmm6",	 "xmm7",  "xmm8",  "xmm9",  "xmm10", "xmm11",
		"xmm12", "xmm13", "xmm14", "xmm15",
	};
	static const char *const st[8] = { "st0", "st1", "st2", "st3",
					   "st4", "st5", "st6", "st7" };

	/* struct kvm_regs order, as vmm_x86_reg_name() (x86 builds only) */
	static const char *const gpr[16] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
	};

	if (f >= VMM_DF_GPR0 && f < VMM_DF_RIP)
		return gpr[f - VMM_DF_GPR0];
	if (f >= VMM_DF_XMM0 && f < VMM_DF_MXCSR)
		return xmm[f - VMM_DF_XMM0];
	if (f >= VMM_DF_ST0 && f < VMM_DF_MEM)
		return st[f - VMM_DF_ST0];
	if ((unsigned int)f < VMM_DF_COUNT && field_names[f])
		return field_names[f];
	return "?";
}

const char *vmm_diff_status_name(enum vmm_diff_status s)
{
	static const char *const n[VMM_DIFF_STATUS_COUNT] = {
		"agree", "diverge", "ineligible", "unavailable", "error"
	};

	return (unsigned int)s < VMM_DIFF_STATUS_COUNT ? n[s] : "?";
}

#ifndef VMM_HAVE_CAPSTONE

int vmm_diff_built(char *why, size_t len)
{
#if defined(__x86_64__)
	(void)snprintf(why, len,
		       "the differential oracle is not built: this vmm was "
		       "not built with capstone (install libcapstone-dev "
		       "and reconfigure)");
#else
	(void)snprintf(why, len,
		       "the differential oracle is x86-only (the host CPU "
		       "runs the guest's code)");
#endif
	return 0;
}

enum vmm_diff_status vmm_diff_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_diff_opts *o,
				  struct vmm_diff_result *d)
{
	(void)k;
	(void)s;
	(void)o;
	memset(d, 0, sizeof(*d));
	d->status = VMM_DIFF_UNAVAILABLE;
	(void)vmm_diff_built(d->why, sizeof(d->why));
	return d->status;
}

int vmm_diff_eligible(const struct vmm_scenario *s, char *why, size_t len)
{
	(void)s;
	return vmm_diff_built(why, len);
}

#else /* VMM_HAVE_CAPSTONE */

#include <capstone/capstone.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/pipeline.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/diff_insn.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

int vmm_diff_built(char *why, size_t len)
{
	if (len)
		why[0] = '\0';
	return 1;
}

/* rflags bits both sides hold the same way: CF PF AF ZF SF DF OF. IF, IOPL,
 * TF, RF, AC, NT, VM, VIF, VIP and ID are the CPL's or the tracer's. */
#define FLAGS_CMP 0xcd5ULL
#define DR6_BS 0x4000ULL
#define RFLAGS_TF 0x100ULL
/* always 0 on the CPU; KVM_SET_REGS on kvm-pvm takes them */
#define RFLAGS_RESERVED (0x8ULL | 0x20ULL | 0x8000ULL | ~0x3fffffULL)
/* CR4 bits a scenario may set: none changes what an unprivileged
 * instruction computes at CPL0 with the VMM's identity map (SMEP, SMAP,
 * PKE, LA57, CET would). */
#define CR4_ALLOWED \
	0x50fffULL /* VME PVI TSD DE PSE PAE MCE PGE PCE
				 * OSFXSR OSXMMEXCPT UMIP FSGSBASE OSXSAVE */
#define CR0_PE 0x1ULL
#define CR0_EM 0x4ULL
#define RFLAGS_VM 0x20000ULL
#define CR0_TS 0x8ULL
#define TASK_TOP 0x7ffffffff000ULL
#define PAGE 0x1000ULL
#define TRACE_KEEP 16U
#define REP_MAX 4096U /* REP string iterations stepped at most */
#define CHUNK 65536U
#define USER32_CS 0x23ULL /* Linux x86-64: GDT_ENTRY_DEFAULT_USER32_CS, RPL 3 */
#define USER_DS 0x2bULL	  /* GDT_ENTRY_DEFAULT_USER_DS, RPL 3 */

/* child set-up failures, as its exit status */
enum {
	CHILD_BUSY = 100, /* an address of guest memory is in use */
	CHILD_LOW,	  /* below mmap_min_addr without CAP_SYS_RAWIO */
	CHILD_MOVE,	  /* mremap failed */
	CHILD_PROT,	  /* mprotect failed */
	CHILD_TRACE,	  /* PTRACE_TRACEME failed */
};

/* ---- eligibility ----------------------------------------------------------- */

int vmm_diff_eligible(const struct vmm_scenario *s, char *why, size_t len)
{
	const struct vmm_vcpu_spec *v = &s->vcpus[0];
	const uint32_t sregs_ok = (1U << VMM_SREG_CR2) | (1U << VMM_SREG_CR4) |
				  (1U << VMM_SREG_CR8);
	uint64_t total = 0;

	if (s->arch != VMM_ARCH_X86_64) {
		(void)snprintf(why, len, "not an x86 scenario");
		return 0;
	}
	if (s->nvcpus != 1) {
		(void)snprintf(why, len, "%u vCPUs (the oracle compares one)",
			       s->nvcpus);
		return 0;
	}
	if (v->mode != VMM_MODE_LONG64 && v->mode != VMM_MODE_PROT32 &&
	    v->mode != VMM_MODE_PAGED32) {
		(void)snprintf(why, len,
			       "vCPU mode %s (long64, prot32 and paged32 only)",
			       vmm_x86_mode_name((enum vmm_x86_mode)v->mode));
		return 0;
	}
	if (v->seg_mask) {
		(void)snprintf(why, len,
			       "segment overrides (the host child has flat "
			       "user segments)");
		return 0;
	}
	/* state the host child cannot be given: its MSRs, CPUID and debug
	 * registers are the host's, and nothing can be pending for it */
	/* exits the oracle's host child has no counterpart for */
	if (s->nmsr_exits || s->has_hypercall || v->has_gdbg) {
		(void)snprintf(why, len,
			       "msr_exits, hypercall or guest_debug records "
			       "(exits the host child cannot give)");
		return 0;
	}
	if (v->nmsrs || v->ncpuid || v->has_dregs || v->has_events) {
		(void)snprintf(why, len,
			       "msr, cpuid, debugregs or events records (the "
			       "host child runs with the host CPU's state and "
			       "no pending event)");
		return 0;
	}
	/* the fpu record's state reaches the child (KVM_GET_FPU, then
	 * PTRACE_SETFPREGS); XCR0, XSTATE_BV and the YMM upper halves do not
	 * (the legacy FXSAVE area is all PTRACE_SETFPREGS sets) */
	if (v->has_xsave || v->has_xcr) {
		(void)snprintf(why, len,
			       "xsave or xcr records (the host child runs "
			       "with the host's XCR0, and PTRACE_SETFPREGS "
			       "sets no XSTATE_BV or YMM upper halves)");
		return 0;
	}
	/* action records: changes between exits (slots, registers,
	 * interrupts) the single-stepping comparison does not make */
	if (s->nactions) {
		(void)snprintf(why, len,
			       "action records (mid-run changes the host child "
			       "cannot be given)");
		return 0;
	}
	/* interrupt controllers: timers and interrupts the host child
	 * cannot be given, and HLT stays in KVM */
	if (s->has_irqchip || s->nirqs || v->nlapic) {
		(void)snprintf(why, len,
			       "irqchip, irq or lapic records (the host child "
			       "has no LAPIC, PIC or PIT to take interrupts "
			       "from)");
		return 0;
	}
	if (v->sreg_mask & ~sregs_ok) {
		(void)snprintf(why, len,
			       "sreg overrides other than cr2/cr4/cr8 (the "
			       "identity map and long mode must hold)");
		return 0;
	}
	if ((v->sreg_mask & (1U << VMM_SREG_CR4)) &&
	    (v->sregs[VMM_SREG_CR4] & ~CR4_ALLOWED)) {
		(void)snprintf(why, len,
			       "cr4=0x%llx sets bits that change unprivileged "
			       "results at CPL0 (SMEP/SMAP/PKE/LA57/CET)",
			       (unsigned long long)v->sregs[VMM_SREG_CR4]);
		return 0;
	}
	for (uint32_t i = 0; i < s->nslots; i++) {
		total += s->slots[i].size;
		if (s->slots[i].gpa + s->slots[i].size >
		    VMM_X86_IDENTITY_SPAN) {
			(void)snprintf(why, len,
				       "slot at 0x%llx beyond the identity map",
				       (unsigned long long)s->slots[i].gpa);
			return 0;
		}
	}
	if (total > VMM_DIFF_MAX_MEM) {
		(void)snprintf(why, len,
			       "%llu bytes of guest memory (at most %llu)",
			       (unsigned long long)total,
			       (unsigned long long)VMM_DIFF_MAX_MEM);
		return 0;
	}
	if (len)
		why[0] = '\0';
	return 1;
}

/* ---- the run --------------------------------------------------------------- */

struct side {
	struct kvm_regs regs;
	int stepped;	      /* 1: the instruction completed with a trap */
	uint32_t exit_reason; /* KVM: the exit when not stepped */
	int sig;	      /* host: the signal when not stepped (0: gone) */
	int code;	      /* host: si_code; KVM: internal suberror */
	uint64_t addr;	      /* host: si_addr; KVM: mmio/io address */
};

struct trace_ent {
	uint64_t rip;
	char text[64];
	char bytes[32];
};

struct dctx {
	const struct vmm_scenario *s;
	const struct vmm_diff_opts *o;
	struct vmm_diff_result *d;
	csh cs;
	pid_t pid;
	struct vmm_vm *vm;
	struct vmm_vcpu *v;
	struct kvm_sregs sregs;
	uint8_t *stub;
	uint32_t max_steps;
	/* the VMM's GDT and page tables: KVM's page walks set accessed and
	 * dirty bits there, the child has no such tables (not compared) */
	uint64_t sys_lo, sys_hi, sys_pages;
	const cs_insn *known_insn; /* the last instruction run */
	int m32;    /* 32-bit protected mode: the child runs in compatibility
		  * mode; eax..edi, esp, ebp, eip compared (r8-r15 and the
		  * upper halves are not the guest's) */
	int driven; /* set-up done, the drive hook ran */
	struct trace_ent trace[TRACE_KEEP];
	uint32_t ntrace;
	size_t rlen; /* report length */
};

static void rep(struct dctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rep(struct dctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->rlen >= sizeof(c->d->report) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->d->report + c->rlen, sizeof(c->d->report) - c->rlen,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		c->rlen += (size_t)n;
	if (c->rlen > sizeof(c->d->report) - 1)
		c->rlen = sizeof(c->d->report) - 1;
}

static void put_imm(uint8_t **p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*(*p)++ = (uint8_t)(v >> (8 * i));
}

static void emit_munmap(uint8_t **p, uint64_t a, uint64_t b)
{
	if (b <= a)
		return;
	*(*p)++ = 0xb8; /* mov eax, SYS_munmap */
	put_imm(p, SYS_munmap, 4);
	*(*p)++ = 0x48; /* mov rdi, a */
	*(*p)++ = 0xbf;
	put_imm(p, a, 8);
	*(*p)++ = 0x48; /* mov rsi, b - a */
	*(*p)++ = 0xbe;
	put_imm(p, b - a, 8);
	*(*p)++ = 0x0f; /* syscall */
	*(*p)++ = 0x05;
}

/* The child's last code, on a page of its own: unmap everything but the
 * guest's memory and this page, forbid every system call, stop. */
static int build_stub(struct dctx *c, struct vmm_error *e)
{
	uint64_t lo[VMM_MAX_SLOTS + 1], hi[VMM_MAX_SLOTS + 1];
	uint32_t n = 0;
	uint8_t *p;
	struct sock_filter *filt;
	struct sock_fprog *prog;
	uint64_t cur = 0;

	c->stub = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->stub == MAP_FAILED) {
		c->stub = NULL;
		vmm_err_set(e, VMM_ERR_NOMEM, "mmap", errno,
			    "diff: no page for the child's stub");
		return -1;
	}
	if ((uint64_t)(uintptr_t)c->stub < VMM_X86_IDENTITY_SPAN) {
		vmm_err_set(e, VMM_ERR_HOST, "mmap", 0,
			    "diff: the stub page landed in the guest's "
			    "identity-mapped range");
		return -1;
	}
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *sl = &c->vm->slots[i];
		uint32_t j;

		if (!sl->used)
			continue;
		for (j = n; j > 0 && lo[j - 1] > sl->gpa; j--) {
			lo[j] = lo[j - 1];
			hi[j] = hi[j - 1];
		}
		lo[j] = sl->gpa;
		hi[j] = sl->gpa + sl->size;
		n++;
	}
	{
		uint64_t sp = (uint64_t)(uintptr_t)c->stub;
		uint32_t j;

		for (j = n; j > 0 && lo[j - 1] > sp; j--) {
			lo[j] = lo[j - 1];
			hi[j] = hi[j - 1];
		}
		lo[j] = sp;
		hi[j] = sp + PAGE;
		n++;
	}
	p = c->stub;
	for (uint32_t i = 0; i < n; i++) {
		emit_munmap(&p, cur, lo[i]);
		cur = hi[i];
	}
	emit_munmap(&p, cur, TASK_TOP);
	/* prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) */
	*p++ = 0xb8;
	put_imm(&p, SYS_prctl, 4);
	*p++ = 0xbf;
	put_imm(&p, PR_SET_NO_NEW_PRIVS, 4);
	*p++ = 0xbe;
	put_imm(&p, 1, 4);
	*p++ = 0x31; /* xor edx, edx */
	*p++ = 0xd2;
	*p++ = 0x45; /* xor r10d, r10d */
	*p++ = 0x31;
	*p++ = 0xd2;
	*p++ = 0x45; /* xor r8d, r8d */
	*p++ = 0x31;
	*p++ = 0xc0;
	*p++ = 0x0f;
	*p++ = 0x05;
	/* seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) */
	filt = (struct sock_filter *)(void *)(c->stub + 2048);
	prog = (struct sock_fprog *)(void *)(c->stub + 2048 + 64);
	filt[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					       SECCOMP_RET_KILL_PROCESS);
	prog->len = 1;
	prog->filter = filt;
	*p++ = 0xb8;
	put_imm(&p, SYS_seccomp, 4);
	*p++ = 0xbf;
	put_imm(&p, SECCOMP_SET_MODE_FILTER, 4);
	*p++ = 0x31; /* xor esi, esi */
	*p++ = 0xf6;
	*p++ = 0x48; /* mov rdx, prog */
	*p++ = 0xba;
	put_imm(&p, (uint64_t)(uintptr_t)prog, 8);
	*p++ = 0x0f;
	*p++ = 0x05;
	*p++ = 0xcc; /* int3: the tracer takes over */
	*p++ = 0x0f; /* ud2 */
	*p++ = 0x0b;
	return 0;
}

/* In the forked child: raw system calls only (no allocation, nothing a
 * sanitizer intercepts), then the stub. Never returns. */
__attribute__((noreturn)) static void child_main(struct dctx *c)
{
	(void)syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *sl = &c->vm->slots[i];
		long r;
		int prot = PROT_READ | PROT_EXEC;

		if (!sl->used)
			continue;
		r = syscall(SYS_mmap, sl->gpa, sl->size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    -1, 0);
		if (r == -1)
			_exit(errno == EPERM || errno == EACCES ? CHILD_LOW
								: CHILD_BUSY);
		if ((uint64_t)r != sl->gpa)
			_exit(CHILD_BUSY);
		r = syscall(SYS_mremap, sl->host, sl->size, sl->size,
			    MREMAP_MAYMOVE | MREMAP_FIXED, sl->gpa);
		if (r == -1 || (uint64_t)r != sl->gpa)
			_exit(CHILD_MOVE);
		if (!(sl->flags & VMM_SLOT_READONLY))
			prot |= PROT_WRITE;
		if (syscall(SYS_mprotect, sl->gpa, sl->size, prot) != 0)
			_exit(CHILD_PROT);
	}
	/* glibc's rseq area goes with the unmapping: the kernel would fail
	 * to update it on the way back to user mode and send SIGSEGV */
	if (__rseq_size > 0) {
		char *area = (char *)__builtin_thread_pointer() + __rseq_offset;

		if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER,
			    RSEQ_SIG) != 0)
			(void)syscall(SYS_rseq, area, 32U, RSEQ_FLAG_UNREGISTER,
				      RSEQ_SIG);
	}
	(void)syscall(SYS_close_range, 3U, ~0U, 0U);
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != 0)
		_exit(CHILD_TRACE);
	if (syscall(SYS_mprotect, c->stub, PAGE, PROT_READ | PROT_EXEC) != 0)
		_exit(CHILD_PROT);
	((void (*)(void))(void *)c->stub)();
	_exit(CHILD_PROT);
}

static void host_to_kvm(const struct user_regs_struct *u, struct kvm_regs *r)
{
	r->rax = u->rax;
	r->rbx = u->rbx;
	r->rcx = u->rcx;
	r->rdx = u->rdx;
	r->rsi = u->rsi;
	r->rdi = u->rdi;
	r->rsp = u->rsp;
	r->rbp = u->rbp;
	r->r8 = u->r8;
	r->r9 = u->r9;
	r->r10 = u->r10;
	r->r11 = u->r11;
	r->r12 = u->r12;
	r->r13 = u->r13;
	r->r14 = u->r14;
	r->r15 = u->r15;
	r->rip = u->rip;
	r->rflags = u->eflags;
}

static void kvm_to_host(const struct kvm_regs *r, struct user_regs_struct *u)
{
	u->rax = r->rax;
	u->rbx = r->rbx;
	u->rcx = r->rcx;
	u->rdx = r->rdx;
	u->rsi = r->rsi;
	u->rdi = r->rdi;
	u->rsp = r->rsp;
	u->rbp = r->rbp;
	u->r8 = r->r8;
	u->r9 = r->r9;
	u->r10 = r->r10;
	u->r11 = r->r11;
	u->r12 = r->r12;
	u->r13 = r->r13;
	u->r14 = r->r14;
	u->r15 = r->r15;
	u->rip = r->rip;
	u->eflags = (u->eflags & ~FLAGS_CMP) | (r->rflags & FLAGS_CMP);
}

static int child_error(struct dctx *c, int status)
{
	const char *why = "the child could not be set up";

	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case CHILD_BUSY:
			why = "guest memory collides with a mapping of this "
			      "process";
			break;
		case CHILD_LOW:
			why = "guest memory lies below vm.mmap_min_addr and "
			      "this process lacks CAP_SYS_RAWIO";
			break;
		case CHILD_MOVE:
			why = "mremap of guest memory failed";
			break;
		case CHILD_TRACE:
			why = "PTRACE_TRACEME failed";
			break;
		default:
			break;
		}
		(void)snprintf(c->d->why, sizeof(c->d->why), "%s", why);
		c->d->status = WEXITSTATUS(status) == CHILD_BUSY ||
					       WEXITSTATUS(status) == CHILD_LOW
				       ? VMM_DIFF_INELIGIBLE
				       : VMM_DIFF_ERROR;
		return -1;
	}
	(void)snprintf(c->d->why, sizeof(c->d->why),
		       "the host child stopped during set-up (status 0x%x)",
		       (unsigned int)status);
	c->d->status = VMM_DIFF_ERROR;
	return -1;
}

static int spawn(struct dctx *c, const struct kvm_regs *kr,
		 const struct kvm_fpu *kf, struct vmm_error *e)
{
	struct user_regs_struct u;
	struct user_fpregs_struct f;
	int status;

	if (build_stub(c, e) < 0)
		return -1;
	c->pid = fork();
	if (c->pid < 0) {
		vmm_err_set(e, VMM_ERR_SYS, "fork", errno,
			    "diff: cannot fork the host child");
		return -1;
	}
	if (c->pid == 0)
		child_main(c);
	if (waitpid(c->pid, &status, 0) != c->pid) {
		vmm_err_set(e, VMM_ERR_SYS, "waitpid", errno,
			    "diff: lost the host child");
		return -1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		return child_error(c, status);
	if (ptrace(PTRACE_GETREGS, c->pid, 0, &u) != 0 ||
	    ptrace(PTRACE_GETFPREGS, c->pid, 0, &f) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "ptrace", errno,
			    "diff: cannot read the host child's registers");
		return -1;
	}
	if (u.rax != 0) {
		(void)snprintf(c->d->why, sizeof(c->d->why),
			       "the host child's seccomp filter was refused "
			       "(%lld)",
			       (long long)u.rax);
		c->d->status = VMM_DIFF_ERROR;
		return -1;
	}
	kvm_to_host(kr, &u);
	u.orig_rax = (unsigned long long)-1;
	u.fs_base = c->sregs.fs.base;
	u.gs_base = c->sregs.gs.base;
	if (c->m32) {
		/* compatibility mode: Linux's flat 32-bit user code segment
		 * and flat data segments, the guest's flat segments at CPL3 */
		u.cs = USER32_CS;
		u.ss = u.ds = u.es = u.fs = u.gs = USER_DS;
		u.fs_base = u.gs_base = 0;
	}
	f.cwd = kf->fcw;
	f.swd = kf->fsw;
	f.ftw = kf->ftwx;
	f.fop = kf->last_opcode;
	f.rip = kf->last_ip;
	f.rdp = kf->last_dp;
	f.mxcsr = kf->mxcsr & (f.mxcr_mask ? f.mxcr_mask : 0xffbfU);
	memcpy(f.st_space, kf->fpr, sizeof(f.st_space));
	memcpy(f.xmm_space, kf->xmm, sizeof(f.xmm_space));
	if (ptrace(PTRACE_SETREGS, c->pid, 0, &u) != 0 ||
	    ptrace(PTRACE_SETFPREGS, c->pid, 0, &f) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "ptrace", errno,
			    "diff: cannot set the host child's registers");
		return -1;
	}
	return 0;
}

static void reap(struct dctx *c)
{
	int status;

	if (c->pid > 0) {
		(void)kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, &status, 0);
	}
	c->pid = 0;
	if (c->stub)
		(void)munmap(c->stub, PAGE);
	c->stub = NULL;
}

/* One step of the child. 0 (h filled), -1 error. */
static int host_step(struct dctx *c, struct side *h, struct vmm_error *e)
{
	int status;
	siginfo_t si;
	struct user_regs_struct u;

	memset(h, 0, sizeof(*h));
	if (ptrace(PTRACE_SINGLESTEP, c->pid, 0, 0) != 0 ||
	    waitpid(c->pid, &status, 0) != c->pid) {
		vmm_err_set(e, VMM_ERR_SYS, "ptrace", errno,
			    "diff: cannot single-step the host child");
		return -1;
	}
	if (!WIFSTOPPED(status)) {
		h->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		c->pid = 0; /* gone */
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, c->pid, 0, &u) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "ptrace", errno,
			    "diff: cannot read the host child's registers");
		return -1;
	}
	host_to_kvm(&u, &h->regs);
	memset(&si, 0, sizeof(si));
	(void)ptrace(PTRACE_GETSIGINFO, c->pid, 0, &si);
	if (WSTOPSIG(status) == SIGTRAP && si.si_code == TRAP_TRACE) {
		h->stepped = 1;
		return 0;
	}
	h->sig = WSTOPSIG(status);
	h->code = si.si_code;
	h->addr = (uint64_t)(uintptr_t)si.si_addr;
	return 0;
}

/* One step of KVM. 0 (k filled), -1 error (e; a timeout too). */
static int kvm_step(struct dctx *c, struct side *k, struct vmm_deadline *dl,
		    struct vmm_error *e)
{
	struct vmm_exit x;
	int r;

	memset(k, 0, sizeof(*k));
	do {
		r = vmm_vcpu_run(c->v, dl, &x, e);
	} while (r == 1);
	if (r < 0)
		return -1;
	if (x.reason == KVM_EXIT_DEBUG && (x.u.debug.dr6 & DR6_BS))
		k->stepped = 1;
	else
		k->exit_reason = x.reason;
	if (x.reason == KVM_EXIT_MMIO)
		k->addr = x.u.mmio.gpa;
	if (x.reason == KVM_EXIT_INTERNAL_ERROR)
		k->code = (int)x.u.internal.code; /* suberror */
	return vmm_vcpu_get_regs(c->v, &k->regs, e);
}

/* Steps of KVM until rip leaves `stay` (a REP string instruction's
 * iterations; ~0: one step). 0, 1 the run's deadline passed, -1. */
static int kvm_steps(struct dctx *c, struct side *k, struct vmm_deadline *dl,
		     uint64_t stay, struct vmm_error *e)
{
	for (uint32_t it = 0; it <= REP_MAX + 1; it++) {
		if (kvm_step(c, k, dl, e) < 0) {
			if (e->cls != VMM_ERR_TIMEOUT)
				return -1;
			vmm_err_clear(e);
			return 1;
		}
		if (!k->stepped || k->regs.rip != stay)
			break;
	}
	return 0;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case 0:
		return "gone";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGSYS:
		return "SIGSYS";
	case SIGKILL:
		return "SIGKILL";
	default:
		return "signal";
	}
}

static void describe(const struct side *s, int host, char *buf, size_t len)
{
	if (s->stepped)
		(void)snprintf(buf, len, "stepped");
	else if (host)
		(void)snprintf(buf, len, "%s code=%d addr=0x%llx",
			       sig_name(s->sig), s->code,
			       (unsigned long long)s->addr);
	else if (s->exit_reason == KVM_EXIT_MMIO)
		(void)snprintf(buf, len, "%s gpa=0x%llx",
			       vmm_exit_reason_name(s->exit_reason),
			       (unsigned long long)s->addr);
	else
		(void)snprintf(buf, len, "%s",
			       vmm_exit_reason_name(s->exit_reason));
}

/* Do a KVM exit and a host signal end the same instruction the same way?
 * A fault ends both: KVM (no IDT) as a triple fault, or as an MMIO exit
 * where the address has no RAM; the child with a signal. */
static int events_match(const struct side *k, const struct side *h)
{
	switch (k->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		return h->sig == SIGSEGV || h->sig == SIGBUS ||
		       h->sig == SIGILL || h->sig == SIGFPE ||
		       h->sig == SIGTRAP;
	case KVM_EXIT_MMIO:
		return h->sig == SIGSEGV || h->sig == SIGBUS;
	default:
		return 0;
	}
}

static void trace_add(struct dctx *c, uint64_t rip, const char *text,
		      const cs_insn *in)
{
	struct trace_ent *t = &c->trace[c->ntrace % TRACE_KEEP];
	size_t o = 0;

	t->rip = rip;
	(void)snprintf(t->text, sizeof(t->text), "%s", text);
	for (uint16_t i = 0; i < in->size && o + 3 <= sizeof(t->bytes); i++)
		o += (size_t)snprintf(t->bytes + o, sizeof(t->bytes) - o,
				      "%02x", in->bytes[i]);
	t->bytes[o] = '\0';
	c->ntrace++;
}

/* The bits of register i (struct kvm_regs order) both sides hold. */
static uint64_t reg_bits(int m32, unsigned int i, uint64_t fmask)
{
	if (i == 17)
		return fmask;
	if (!m32)
		return ~0ULL;
	return i >= 8 && i < 16 ? 0 : 0xffffffffULL;
}

static void report_regs(struct dctx *c, const struct kvm_regs *k,
			const struct kvm_regs *h, uint64_t fmask)
{
	rep(c, "  %-7s %-20s %-20s\n", "reg", "kvm", "host");
	for (unsigned int i = 0; i < VMM_X86_NREGS; i++) {
		uint64_t a = vmm_x86_reg_get(k, i), b = vmm_x86_reg_get(h, i);
		int differs = ((a ^ b) & reg_bits(c->m32, i, fmask)) != 0;

		rep(c, "%c %-7s 0x%016llx   0x%016llx\n", differs ? '*' : ' ',
		    vmm_x86_reg_name(i), (unsigned long long)a,
		    (unsigned long long)b);
	}
	rep(c, "  rflags compared under mask 0x%llx%s\n",
	    (unsigned long long)fmask,
	    c->m32 ? "; 32-bit mode: the low halves of rax..rbp and rip" : "");
}

static void report_trace(struct dctx *c)
{
	uint32_t n = c->ntrace < TRACE_KEEP ? c->ntrace : TRACE_KEEP;

	rep(c, "  instructions (last %u of %u):\n", n, c->ntrace);
	for (uint32_t i = c->ntrace - n; i < c->ntrace; i++)
		rep(c, "    #%u 0x%llx: %-30s [%s]\n", i + 1,
		    (unsigned long long)c->trace[i % TRACE_KEEP].rip,
		    c->trace[i % TRACE_KEEP].text,
		    c->trace[i % TRACE_KEEP].bytes);
}

static void diverge(struct dctx *c, enum vmm_diff_field f)
{
	if (c->d->status == VMM_DIFF_DIVERGE)
		return;
	c->d->status = VMM_DIFF_DIVERGE;
	c->d->field = f;
}

/* GPRs, rip, rflags under fmask: the first differing field, or NONE. */
static enum vmm_diff_field cmp_regs(const struct kvm_regs *k,
				    const struct kvm_regs *h, uint64_t fmask,
				    int m32)
{
	for (unsigned int i = 0; i < 17; i++)
		if ((vmm_x86_reg_get(k, i) ^ vmm_x86_reg_get(h, i)) &
		    reg_bits(m32, i, 0))
			return (enum vmm_diff_field)(VMM_DF_GPR0 + i);
	if ((k->rflags ^ h->rflags) & fmask)
		return VMM_DF_RFLAGS;
	return VMM_DF_NONE;
}

/* The vCPU's x87/SSE state as the host child takes it: KVM_GET_FPU,
 * whose MXCSR KVM never fills in (it stays 0), with MXCSR from the XSAVE
 * legacy area. */
static int kvm_fpu(struct dctx *c, struct kvm_fpu *kf, struct vmm_error *e)
{
	struct kvm_xsave xs;
	uint32_t mxcsr;

	memset(kf, 0, sizeof(*kf));
	if (VCPU_IOCTL(c->v, KVM_GET_FPU, kf, e) < 0)
		return -1;
	if (!vmm_kvm_cap(c->v->vm->kvm, VMM_CAP_XSAVE))
		return 0;
	memset(&xs, 0, sizeof(xs));
	if (VCPU_IOCTL(c->v, KVM_GET_XSAVE, &xs, e) < 0)
		return -1;
	memcpy(&mxcsr, (const uint8_t *)xs.region + VMM_XSAVE_MXCSR_OFF,
	       sizeof(mxcsr));
	kf->mxcsr = mxcsr;
	return 0;
}

static int host_fpu(struct dctx *c, struct user_fpregs_struct *f,
		    struct vmm_error *e)
{
	if (ptrace(PTRACE_GETFPREGS, c->pid, 0, f) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "ptrace", errno,
			    "diff: cannot read the host child's FPU state");
		return -1;
	}
	return 0;
}

static void hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", p[n - 1 - i]);
}

static void cmp_fpu(struct dctx *c, struct kvm_fpu *kf,
		    const struct user_fpregs_struct *f)
{
	char a[40], b[40];

	for (int i = 0; i < 16; i++) {
		const uint8_t *hx =
			(const uint8_t *)f->xmm_space + (size_t)16 * i;

		if (memcmp(kf->xmm[i], hx, 16) != 0) {
			diverge(c, (enum vmm_diff_field)(VMM_DF_XMM0 + i));
			hex(kf->xmm[i], 16, a, sizeof(a));
			hex(hx, 16, b, sizeof(b));
			rep(c, "* xmm%-2d   kvm=0x%s host=0x%s\n", i, a, b);
		}
	}
	if (kf->mxcsr != f->mxcsr) {
		diverge(c, VMM_DF_MXCSR);
		rep(c, "* mxcsr   kvm=0x%x host=0x%x\n", kf->mxcsr, f->mxcsr);
	}
	if (kf->fcw != f->cwd) {
		diverge(c, VMM_DF_FCW);
		rep(c, "* fcw     kvm=0x%x host=0x%x\n", kf->fcw, f->cwd);
	}
	if (kf->fsw != f->swd) {
		diverge(c, VMM_DF_FSW);
		rep(c, "* fsw     kvm=0x%x host=0x%x\n", kf->fsw, f->swd);
	}
	if (kf->ftwx != (f->ftw & 0xff)) {
		diverge(c, VMM_DF_FTW);
		rep(c, "* ftw     kvm=0x%x host=0x%x\n", kf->ftwx, f->ftw);
	}
	for (int i = 0; i < 8; i++) {
		const uint8_t *hs =
			(const uint8_t *)f->st_space + (size_t)16 * i;

		/* st registers are 80 bits; the rest is padding */
		if (memcmp(kf->fpr[i], hs, 10) != 0) {
			diverge(c, (enum vmm_diff_field)(VMM_DF_ST0 + i));
			hex(kf->fpr[i], 10, a, sizeof(a));
			hex(hs, 10, b, sizeof(b));
			rep(c, "* st%d     kvm=0x%s host=0x%s\n", i, a, b);
		}
	}
}

/* Every byte of every slot, KVM's copy against the child's. */
static int cmp_mem(struct dctx *c, struct vmm_error *e)
{
	static __thread uint8_t buf[CHUNK];
	uint32_t shown = 0;
	uint64_t pages = 0;

	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *sl = &c->vm->slots[i];

		if (!sl->used)
			continue;
		for (uint64_t off = 0; off < sl->size; off += CHUNK) {
			size_t n = sl->size - off < CHUNK
					   ? (size_t)(sl->size - off)
					   : CHUNK;
			struct iovec lv = { buf, n };
			struct iovec rv = { (void *)(uintptr_t)(sl->gpa + off),
					    n };

			if (process_vm_readv(c->pid, &lv, 1, &rv, 1, 0) !=
			    (ssize_t)n) {
				vmm_err_set(e, VMM_ERR_SYS, "process_vm_readv",
					    errno,
					    "diff: cannot read the host "
					    "child's memory at 0x%llx",
					    (unsigned long long)sl->gpa + off);
				return -1;
			}
			if (memcmp(buf, sl->host + off, n) == 0)
				continue;
			for (size_t p = 0; p < n; p += PAGE) {
				size_t pl = n - p < PAGE ? n - p : PAGE;
				size_t b = 0;
				uint64_t gpa = sl->gpa + off + p;

				if (memcmp(buf + p, sl->host + off + p, pl) ==
				    0)
					continue;
				if (gpa >= c->sys_lo && gpa < c->sys_hi) {
					/* the CPU's accessed/dirty bits */
					c->sys_pages++;
					continue;
				}
				pages++;
				diverge(c, VMM_DF_MEM);
				while (buf[p + b] == sl->host[off + p + b])
					b++;
				if (shown++ < 4)
					rep(c,
					    "* memory  0x%llx: kvm=%02x "
					    "host=%02x (page differs)\n",
					    (unsigned long long)gpa + b,
					    sl->host[off + p + b], buf[p + b]);
			}
		}
	}
	if (pages)
		rep(c, "  %llu page(s) of guest memory differ\n",
		    (unsigned long long)pages);
	return 0;
}

static void perturb_regs(const struct dctx *c, struct kvm_regs *r)
{
	enum vmm_diff_field f = c->o->perturb;

	if (f >= VMM_DF_GPR0 && f < VMM_DF_RIP)
		vmm_x86_reg_set(
			r, (unsigned int)(f - VMM_DF_GPR0),
			vmm_x86_reg_get(r, (unsigned int)(f - VMM_DF_GPR0)) ^
				1);
	else if (f == VMM_DF_RIP)
		r->rip ^= 1;
	else if (f == VMM_DF_RFLAGS)
		r->rflags ^= 0x1; /* CF */
}

static void perturb_fpu(const struct dctx *c, struct kvm_fpu *f)
{
	enum vmm_diff_field p = c->o->perturb;

	if (p >= VMM_DF_XMM0 && p < VMM_DF_MXCSR)
		f->xmm[p - VMM_DF_XMM0][5] ^= 0x10;
	else if (p == VMM_DF_MXCSR)
		f->mxcsr ^= 0x1; /* IE */
	else if (p == VMM_DF_FCW)
		f->fcw ^= 0x1;
	else if (p == VMM_DF_FSW)
		f->fsw ^= 0x1;
	else if (p == VMM_DF_FTW)
		f->ftwx ^= 0x1;
	else if (p >= VMM_DF_ST0 && p < VMM_DF_MEM)
		f->fpr[p - VMM_DF_ST0][0] ^= 0x1;
}

/* Guest-linear = guest-physical (the VMM's identity map). */
static size_t code_at(struct dctx *c, uint64_t rip, const uint8_t **p)
{
	for (size_t n = 15; n > 0; n--) {
		*p = vmm_vm_hva(c->vm, rip, n);
		if (*p)
			return n;
	}
	return 0;
}

/* The final comparison at the point both sides stopped. */
static int final_cmp(struct dctx *c, struct side *k, struct side *h,
		     uint64_t fmask, struct vmm_error *e)
{
	struct kvm_fpu kf;
	struct user_fpregs_struct hf;
	enum vmm_diff_field f;
	char a[96], b[96];
	int gone = c->pid == 0;

	if (c->o->perturb == VMM_DF_EVENT)
		k->stepped = !k->stepped;
	perturb_regs(c, &k->regs);
	if (k->stepped != h->stepped)
		diverge(c, VMM_DF_EVENT);
	f = cmp_regs(&k->regs, &h->regs, fmask, c->m32);
	if (f != VMM_DF_NONE && !gone)
		diverge(c, f);
	if (c->d->status == VMM_DIFF_DIVERGE) {
		describe(k, 0, a, sizeof(a));
		describe(h, 1, b, sizeof(b));
		rep(c, "  event   kvm=%s host=%s\n", a, b);
		report_regs(c, &k->regs, &h->regs, fmask);
	}
	if (gone)
		return 0;
	if (kvm_fpu(c, &kf, e) < 0 || host_fpu(c, &hf, e) < 0)
		return -1;
	perturb_fpu(c, &kf);
	cmp_fpu(c, &kf, &hf);
	if (c->o->perturb == VMM_DF_MEM) {
		uint8_t *m = vmm_vm_hva(c->vm, c->o->perturb_gpa, 1);

		if (m)
			*m ^= 0x01;
	}
	return cmp_mem(c, e);
}

static void stop(struct dctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void stop(struct dctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->d->stop, sizeof(c->d->stop), fmt, ap);
	va_end(ap);
}

/* Flat: base 0, limit 4 GiB, present, not a null selector. */
static int flat(const struct kvm_segment *sg)
{
	return sg->base == 0 && sg->limit == 0xffffffffU && sg->present &&
	       !sg->unusable;
}

/* 64-bit mode, or (c->m32) 32-bit protected mode at CPL0 with flat
 * 32-bit segments (the child's compatibility mode has the same), no TF,
 * no virtual-8086 mode. */
static int mode_ok(const struct dctx *c, const struct kvm_regs *r)
{
	const struct kvm_sregs *sr = &c->sregs;

	if (r->rflags & (RFLAGS_TF | RFLAGS_VM))
		return 0;
	if (!c->m32)
		return (sr->efer & VMM_EFER_LMA) && sr->cs.l;
	return !(sr->efer & VMM_EFER_LMA) && (sr->cr0 & CR0_PE) && sr->cs.db &&
	       !sr->cs.l && sr->cs.dpl == 0 && sr->ss.db && flat(&sr->cs) &&
	       flat(&sr->ss) && flat(&sr->ds) && flat(&sr->es) &&
	       flat(&sr->fs) && flat(&sr->gs);
}

static int drive(void *ctx, struct vmm_vm *vm, struct vmm_vcpu *vcpus,
		 struct vmm_deadline *dl, struct vmm_error *e)
{
	struct dctx *c = ctx;
	struct side k, h;
	struct kvm_fpu kf;
	uint64_t fmask = FLAGS_CMP;
	cs_insn *insn = NULL;
	int rc = -1;

	c->driven = 1;
	c->vm = vm;
	c->v = &vcpus[0];
	memset(&k, 0, sizeof(k));
	memset(&h, 0, sizeof(h));
	memset(&kf, 0, sizeof(kf));
	if (vmm_vcpu_get_regs(c->v, &k.regs, e) < 0 ||
	    vmm_vcpu_get_sregs(c->v, &c->sregs, e) < 0 ||
	    kvm_fpu(c, &kf, e) < 0)
		return -1;
	if (!mode_ok(c, &k.regs)) {
		c->d->status = VMM_DIFF_INELIGIBLE;
		(void)snprintf(c->d->why, sizeof(c->d->why),
			       "the vCPU is not in 64-bit mode or flat 32-bit "
			       "protected mode without TF");
		return 0;
	}
	{
		struct kvm_debugregs dr;

		/* breakpoints armed by the guest's own debug registers would
		 * fire in KVM only (the child's are the host kernel's) */
		memset(&dr, 0, sizeof(dr));
		if (VCPU_IOCTL(c->v, KVM_GET_DEBUGREGS, &dr, e) < 0)
			return -1;
		if (dr.dr7 & 0xffULL) {
			c->d->status = VMM_DIFF_INELIGIBLE;
			(void)snprintf(c->d->why, sizeof(c->d->why),
				       "dr7=0x%llx enables guest breakpoints",
				       (unsigned long long)dr.dr7);
			return 0;
		}
	}
	if (k.regs.rflags & RFLAGS_RESERVED) {
		c->d->status = VMM_DIFF_INELIGIBLE;
		(void)snprintf(c->d->why, sizeof(c->d->why),
			       "rflags=0x%llx sets reserved bits (3, 5, 15, "
			       "22-63): the CPU cannot hold them, this KVM "
			       "took them (docs/diff-oracle.md, N1)",
			       (unsigned long long)k.regs.rflags);
		return 0;
	}
	c->sys_lo = c->sregs.gdt.base & ~(PAGE - 1);
	c->sys_hi = c->sys_lo + vmm_x86_sysarea_size(
					(enum vmm_x86_mode)c->s->vcpus[0].mode);
	c->d->sys_lo = c->sys_lo;
	c->d->sys_hi = c->sys_hi;
	if (vmm_vcpu_guest_debug(c->v, KVM_GUESTDBG_ENABLE |
					       KVM_GUESTDBG_SINGLESTEP) != 0) {
		c->d->status = VMM_DIFF_UNAVAILABLE;
		(void)snprintf(c->d->why, sizeof(c->d->why),
			       "this host's KVM refuses single-stepping "
			       "(KVM_SET_GUEST_DEBUG: %s)",
			       vmm_errno_name(errno));
		return 0;
	}
	if (spawn(c, &k.regs, &kf, e) < 0)
		goto out;
	insn = cs_malloc(c->cs);
	if (!insn) {
		vmm_err_set(e, VMM_ERR_NOMEM, "cs_malloc", 0,
			    "diff: capstone allocation");
		goto out;
	}
	h.regs = k.regs;
	h.stepped = k.stepped = 1;
	for (;;) {
		const uint8_t *code;
		size_t n;
		uint64_t rip = k.regs.rip, addr;
		const char *why;
		char text[64];
		unsigned int cbytes = 8;
		int rep_str, ks;
		enum vmm_diff_field f;

		if (c->d->steps >= c->max_steps) {
			stop(c, "limit: %u instructions", c->max_steps);
			break;
		}
		n = code_at(c, rip, &code);
		addr = rip;
		if (n == 0 || !cs_disasm_iter(c->cs, &code, &n, &addr, insn)) {
			stop(c, "undecodable at 0x%llx",
			     (unsigned long long)rip);
			break;
		}
		(void)snprintf(text, sizeof(text), "%.31s %.31s",
			       insn->mnemonic, insn->op_str);
		why = c->o->step_all
			      ? NULL
			      : vmm_diff_insn_stop(c->cs, insn, c->sregs.cr0,
						   c->sregs.cr4);
		if (why) {
			stop(c, "before %s: %s", insn->mnemonic, why);
			break;
		}
		trace_add(c, rip, text, insn);
		c->known_insn = insn;
		rep_str = vmm_diff_insn_rep_string(insn, &cbytes);
		if (c->m32) /* ecx, or cx with a 67 prefix */
			cbytes = cbytes == 8 ? 4 : 2;
		if (rep_str && (cbytes == 2   ? k.regs.rcx & 0xffffULL
				: cbytes == 4 ? k.regs.rcx & 0xffffffffULL
					      : k.regs.rcx) > REP_MAX) {
			c->ntrace--;
			stop(c,
			     "before %s: iteration count over %u (stepped "
			     "per iteration on the CPU)",
			     insn->mnemonic, REP_MAX);
			break;
		}
		c->d->at = rip;
		(void)snprintf(c->d->insn, sizeof(c->d->insn), "%s", text);
		fmask = FLAGS_CMP & ~vmm_diff_insn_undef_flags(insn);
		if (c->o->log && c->d->nlog < c->o->log_cap) {
			struct vmm_diff_step *l = &c->o->log[c->d->nlog++];

			l->rip = rip;
			l->flags_cmp = fmask;
			l->rep_bytes = rep_str ? cbytes : 0;
		}
		ks = kvm_steps(c, &k, dl, rep_str ? rip : ~0ULL, e);
		if (ks < 0)
			goto out;
		if (ks == 1) {
			stop(c, "timeout");
			break;
		}
		if (k.exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			/* not run by KVM (its emulator lacks it): neither is
			 * it on the host */
			stop(c, "kvm-cannot-emulate: %s (suberror %d)", text,
			     k.code);
			h.stepped = k.stepped = 0;
			break;
		}
		if (host_step(c, &h, e) < 0)
			goto out;
		for (uint32_t it = 0; rep_str && h.stepped &&
				      h.regs.rip == rip && it <= REP_MAX + 1;
		     it++)
			if (host_step(c, &h, e) < 0)
				goto out;
		if (k.stepped && h.stepped) {
			c->d->steps++;
			f = cmp_regs(&k.regs, &h.regs, fmask, c->m32);
			if (f != VMM_DF_NONE)
				break; /* final_cmp reports it */
			if ((k.regs.rflags ^ h.regs.rflags) & FLAGS_CMP) {
				/* undefined flags: the host takes KVM's */
				struct user_regs_struct u;

				if (ptrace(PTRACE_GETREGS, c->pid, 0, &u) != 0)
					goto out;
				kvm_to_host(&k.regs, &u);
				if (ptrace(PTRACE_SETREGS, c->pid, 0, &u) != 0)
					goto out;
				h.regs.rflags = (h.regs.rflags & ~FLAGS_CMP) |
						(k.regs.rflags & FLAGS_CMP);
			}
			continue;
		}
		if (k.stepped != h.stepped)
			break;
		/* KVM exits for an MMIO write once the instruction is done
		 * (rip, rsp, rsi/rdi already updated, a CALL's branch taken);
		 * the child faulted before it: registers are not compared at
		 * an MMIO exit, the address is (for a fault without one: rip
		 * within one instruction's length; Capstone 4 gets some
		 * lengths wrong, e.g. 66 68 push) */
		if (k.exit_reason == KVM_EXIT_MMIO &&
		    (h.code == SEGV_MAPERR || h.code == SEGV_ACCERR
			     ? k.addr == h.addr
			     : k.regs.rip >= rip && k.regs.rip <= rip + 15))
			k.regs = h.regs;
		if (!events_match(&k, &h)) {
			diverge(c, VMM_DF_EVENT);
			break;
		}
		stop(c, "fault: %s / %s at 0x%llx",
		     vmm_exit_reason_name(k.exit_reason), sig_name(h.sig),
		     (unsigned long long)rip);
		break;
	}
	if (final_cmp(c, &k, &h, fmask, e) < 0)
		goto out;
	if (c->d->status == VMM_DIFF_DIVERGE) {
		int kctx =
			(c->d->field == VMM_DF_FTW ? VMM_DIFF_KNOWN_FTW : 0) |
			(k.exit_reason == KVM_EXIT_MMIO ? VMM_DIFF_KNOWN_MMIO
							: 0) |
			(c->m32 ? 0 : VMM_DIFF_KNOWN_LONG);
		const char *known =
			c->known_insn ? vmm_diff_insn_known(c->known_insn, kctx)
				      : NULL;

		if (known && c->o->perturb == VMM_DF_NONE) {
			(void)snprintf(c->d->known, sizeof(c->d->known), "%s",
				       known);
			rep(c, "  known: %s (docs/diff-oracle.md)\n", known);
		}
		rep(c, "  comparison ended: %s\n",
		    c->d->stop[0] ? c->d->stop : "at the difference");
		report_trace(c);
	} else {
		c->d->status = VMM_DIFF_AGREE;
	}
	rc = 0;
out:
	if (insn)
		cs_free(insn, 1);
	reap(c);
	(void)vmm_vcpu_guest_debug(c->v, 0);
	return rc;
}

enum vmm_diff_status vmm_diff_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_diff_opts *o,
				  struct vmm_diff_result *d)
{
	static const struct vmm_diff_opts defaults = { 0, VMM_DF_NONE, 0,
						       0, NULL,	       0 };
	struct vmm_hooks h;
	struct vmm_result *r;
	struct vmm_scenario *sc;
	struct dctx c;
	char head[256];

	memset(d, 0, sizeof(*d));
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.o = o ? o : &defaults;
	c.d = d;
	c.max_steps = c.o->max_steps ? c.o->max_steps : VMM_DIFF_DEFAULT_STEPS;
	if (c.max_steps > VMM_DIFF_MAX_STEPS)
		c.max_steps = VMM_DIFF_MAX_STEPS;
	d->status = VMM_DIFF_ERROR;
	if (!vmm_diff_eligible(s, d->why, sizeof(d->why))) {
		d->status = VMM_DIFF_INELIGIBLE;
		return d->status;
	}
	c.m32 = s->vcpus[0].mode != VMM_MODE_LONG64;
	if (cs_open(CS_ARCH_X86, c.m32 ? CS_MODE_32 : CS_MODE_64, &c.cs) !=
	    CS_ERR_OK) {
		(void)snprintf(d->why, sizeof(d->why), "capstone: cs_open");
		return d->status;
	}
	(void)cs_option(c.cs, CS_OPT_DETAIL, CS_OPT_ON);
	r = malloc(sizeof(*r));
	sc = malloc(sizeof(*sc));
	if (!r || !sc) {
		free(r);
		free(sc);
		(void)cs_close(&c.cs);
		(void)snprintf(d->why, sizeof(d->why), "out of memory");
		return d->status;
	}
	memset(&h, 0, sizeof(h));
	h.drive = drive;
	h.drive_ctx = &c;
	h.skip_state = 1;
	/* stepping costs two round trips per instruction: the guest's own
	 * timeout (2 ms for mutated inputs) is not the comparison's */
	*sc = *s;
	sc->timeout_ms = VMM_DIFF_TIMEOUT_MS;
	(void)vmm_pipeline_run(k, sc, &h, r);
	if (r->err.cls != VMM_ERR_NONE &&
	    (d->status == VMM_DIFF_ERROR || d->status == VMM_DIFF_AGREE)) {
		/* set-up failures (a scenario KVM refuses, a mode this host
		 * cannot run) leave nothing to compare */
		d->status = !c.driven || r->err.cls == VMM_ERR_INPUT ||
					    r->err.cls == VMM_ERR_HOST
				    ? VMM_DIFF_INELIGIBLE
				    : VMM_DIFF_ERROR;
		(void)snprintf(d->why, sizeof(d->why), "the KVM run: %.200s",
			       r->err.msg);
	}
	free(r);
	free(sc);
	(void)cs_close(&c.cs);
	if (d->status == VMM_DIFF_DIVERGE) {
		/* the headline first */
		int n = snprintf(head, sizeof(head),
				 "emulator-divergence: %s after %u "
				 "instruction(s), last 0x%llx: %s\n",
				 vmm_diff_field_name(d->field), d->steps,
				 (unsigned long long)d->at, d->insn);

		if (n > 0 && (size_t)n < sizeof(head)) {
			size_t rl = strlen(d->report);

			if (rl + (size_t)n >= sizeof(d->report))
				rl = sizeof(d->report) - (size_t)n - 1;
			memmove(d->report + n, d->report, rl);
			memcpy(d->report, head, (size_t)n);
			d->report[n + rl] = '\0';
		}
	}
	return d->status;
}

#endif /* VMM_HAVE_CAPSTONE */
