/* The differential oracle: KVM's instruction emulator against the host CPU.
 *
 * An x86 long-mode scenario's guest code runs twice, instruction by
 * instruction, from the same state: in KVM, single-stepped with
 * KVM_SET_GUEST_DEBUG (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP), and
 * on the host CPU in a forked child that holds nothing but the guest's
 * memory at its guest-physical (= identity-mapped linear) addresses,
 * traced with PTRACE_SINGLESTEP and sandboxed (seccomp: every system call
 * kills it). Before each step the next instruction is decoded with
 * Capstone; the comparison ends before an instruction whose result
 * legitimately differs between a CPL0 guest and a CPL3 process (privileged,
 * I/O, CPUID, RDTSC, ...: docs/diff-oracle.md lists each with its reason),
 * at the first event that leaves straight-line execution on either side
 * (a KVM exit other than the single-step debug exit, a signal in the
 * child), or after a bounded number of instructions. Compared: after every
 * step the general registers, rip and rflags (under the instruction's
 * undefined-flags mask), the event kinds and addresses; at the end the
 * SSE/x87 registers and every byte of guest memory.
 *
 * The library never prints: the result carries a report of both states.
 * Built without Capstone, vmm_diff_run() says so (VMM_DIFF_UNAVAILABLE).
 */
#ifndef VMM_DIFF_H
#define VMM_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/scenario.h"

struct vmm_kvm;

enum vmm_diff_status {
	VMM_DIFF_AGREE = 0,   /* no difference up to the comparison's end */
	VMM_DIFF_DIVERGE,     /* a difference: finding emulator-divergence */
	VMM_DIFF_INELIGIBLE,  /* the scenario cannot be compared (why) */
	VMM_DIFF_UNAVAILABLE, /* not built with Capstone, or the host cannot
			       * single-step (why) */
	VMM_DIFF_ERROR,	      /* the run failed before comparing (why) */
	VMM_DIFF_STATUS_COUNT
};

/* What differed. GPR fields follow struct kvm_regs order (rax .. r15,
 * then rip, rflags), as vmm_x86_reg_name() names them. */
enum vmm_diff_field {
	VMM_DF_NONE = 0,
	VMM_DF_EVENT, /* one side stepped, the other stopped (or both
		       * stopped differently) */
	VMM_DF_GPR0,
	VMM_DF_RIP = VMM_DF_GPR0 + 16,
	VMM_DF_RFLAGS,
	VMM_DF_XMM0,
	VMM_DF_MXCSR = VMM_DF_XMM0 + 16,
	VMM_DF_FCW,
	VMM_DF_FSW,
	VMM_DF_FTW,
	VMM_DF_ST0,
	VMM_DF_MEM = VMM_DF_ST0 + 8,
	VMM_DF_COUNT
};

/* "rax", "xmm3", "st7", "memory", "event", ... */
const char *vmm_diff_field_name(enum vmm_diff_field f);
const char *vmm_diff_status_name(enum vmm_diff_status s);

#define VMM_DIFF_DEFAULT_STEPS 256U
#define VMM_DIFF_MAX_STEPS 100000U
#define VMM_DIFF_TIMEOUT_MS 10000U /* the stepped KVM run's deadline */
/* Guest memory the child maps (and the comparison reads) at most. */
#define VMM_DIFF_MAX_MEM (64ULL << 20)

/* One instruction the comparison ran (KVM stepped it), as `vmm export-c`
 * writes the comparison into a reproducer: the reproducer has no decoder,
 * so it steps what the oracle stepped, under the same flag masks. */
struct vmm_diff_step {
	uint64_t rip;
	uint64_t flags_cmp; /* rflags bits compared after it: CF PF AF ZF SF
			     * DF OF less the instruction's undefined ones */
	uint32_t rep_bytes; /* a REP string instruction: the width of its
			     * count register (4 or 8), stepped until rip
			     * leaves it; else 0 */
};

struct vmm_diff_opts {
	uint32_t max_steps; /* 0: VMM_DIFF_DEFAULT_STEPS */
	/* Test hook: change this field of the KVM side's final state before
	 * the last comparison (one bit of a register, one byte of guest
	 * memory at perturb_gpa, or the event), which must then be reported
	 * as that field's divergence. */
	enum vmm_diff_field perturb;
	uint64_t perturb_gpa;
	/* Test hook: step every decodable instruction, also those that end
	 * the comparison (a SYSCALL then reaches the child's sandbox). */
	int step_all;
	/* Optional: each instruction KVM was stepped through, in order, up
	 * to log_cap of them (d->nlog says how many). */
	struct vmm_diff_step *log;
	uint32_t log_cap;
};

struct vmm_diff_result {
	enum vmm_diff_status status;
	enum vmm_diff_field field; /* the first difference found */
	uint32_t steps;		   /* instructions both sides executed */
	uint64_t at;		   /* address of the last instruction run */
	char insn[64];		   /* its disassembly ("add rax, rbx") */
	/* How the comparison ended: "limit", "before cpuid: ...",
	 * "fault: KVM_EXIT_SHUTDOWN / SIGSEGV", "kvm-cannot-emulate: ...",
	 * "undecodable", ... (the first word is the kind) */
	char stop[128];
	char why[256]; /* ineligible / unavailable / error */
	/* a divergence after an instruction with a known, triaged one (a
	 * KVM bug candidate in docs/diff-oracle.md): its tag, else "" */
	char known[64];
	uint32_t nlog; /* entries written to o->log */
	/* the VMM's GDT and page-table pages [sys_lo, sys_hi): not compared
	 * (only KVM's page walks set accessed and dirty bits there) */
	uint64_t sys_lo, sys_hi;
	/* both states and the instructions leading to the difference */
	char report[8192];
};

/* 1 if this build has the oracle (x86 with Capstone), else 0 with why. */
int vmm_diff_built(char *why, size_t len);

/* Can the oracle compare `s` (checks that need no KVM)? 1, or 0 with why. */
int vmm_diff_eligible(const struct vmm_scenario *s, char *why, size_t len);

/* Run `s` both ways (a fresh VM through vmm_pipeline_run) and compare.
 * Returns d->status. `o` may be NULL (defaults). */
enum vmm_diff_status vmm_diff_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_diff_opts *o,
				  struct vmm_diff_result *d);

/* ---- generator (the mutator's unprivileged mode, tests, benchmark) ------ */

/* Write up to `cap` bytes of random instructions that the oracle runs on
 * both sides (Capstone-classified: decodable, not a stop, no branch),
 * `n` of them at most; returns the bytes written. *rng is a xorshift64
 * state (non-zero). 0 when not built with Capstone. */
size_t vmm_diff_gen_code(uint64_t *rng, uint8_t *out, size_t cap, uint32_t n);

/* A whole eligible scenario: one RAM slot, long64 with SSE enabled
 * (CR4.OSFXSR), registers pointing into a data area, `n` generated
 * instructions and a HLT. The code bytes go into `code` (cap bytes, kept
 * by the scenario). 0, or -1 when not built with Capstone. */
int vmm_diff_gen_scenario(uint64_t *rng, struct vmm_scenario *s, uint8_t *code,
			  size_t cap, uint32_t n);

/* The same with m32 = 1 in 32-bit protected mode (prot32: flat segments,
 * no paging; 32-bit code, which the host child runs in compatibility
 * mode); m32 = 0 is vmm_diff_gen_scenario(). */
int vmm_diff_gen_scenario_mode(uint64_t *rng, struct vmm_scenario *s,
			       uint8_t *code, size_t cap, uint32_t n, int m32);

#endif
