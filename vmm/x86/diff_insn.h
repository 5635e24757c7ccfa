/* Instruction classes of the differential oracle (vmm/diff.h), from
 * Capstone's decoding: which instructions end the comparison (and why),
 * and which rflags bits an instruction leaves undefined. Internal to
 * vmm/x86/diff*.c. */
#ifndef VMM_X86_DIFF_INSN_H
#define VMM_X86_DIFF_INSN_H

#include <capstone/capstone.h>
#include <stdint.h>

/* NULL: the instruction runs on both sides and must agree. Otherwise why
 * the comparison stops before it (a CPL0 guest and a CPL3 process, or a
 * guest without CPUID and the host, legitimately differ on it). cr0/cr4
 * are the guest's. */
const char *vmm_diff_insn_stop(csh cs, const cs_insn *in, uint64_t cr0,
			       uint64_t cr4);

/* rflags bits (CF PF AF ZF SF OF) the instruction leaves undefined: not
 * compared after it, and the host child takes KVM's values. */
uint64_t vmm_diff_insn_undef_flags(const cs_insn *in);

/* The tag of a divergence this instruction is known to show (triaged in
 * docs/diff-oracle.md: KVM bug candidates with reproducers), or NULL. */
#define VMM_DIFF_KNOWN_FTW 1  /* the divergence is in the x87 tag word */
#define VMM_DIFF_KNOWN_MMIO 2 /* KVM's side ended in an MMIO exit */
#define VMM_DIFF_KNOWN_LONG 4 /* the guest runs in 64-bit mode */
const char *vmm_diff_insn_known(const cs_insn *in, int ctx);

/* A REP/REPNE-prefixed string instruction: single-step traps after each
 * iteration on the CPU, after the whole instruction (or a batch) in KVM's
 * emulator, so both sides are stepped until it completes. Returns 1 and
 * the iteration count register's width in bytes (4 with a 67 prefix). */
int vmm_diff_insn_rep_string(const cs_insn *in, unsigned int *count_bytes);

/* A control transfer (jmp, jcc, call, ret, loop, ...). */
int vmm_diff_insn_branch(csh cs, const cs_insn *in);

#endif
