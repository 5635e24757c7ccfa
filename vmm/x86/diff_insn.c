/* Instruction classes of the differential oracle: docs/diff-oracle.md has
 * the reason for every entry. */
#ifdef VMM_HAVE_CAPSTONE

#include "vmm/x86/diff_insn.h"

#include <stddef.h>

#define CR0_EM 0x4ULL
#define CR0_TS 0x8ULL
#define CR4_OSFXSR 0x200ULL

#define F_CF 0x1ULL
#define F_PF 0x4ULL
#define F_AF 0x10ULL
#define F_ZF 0x40ULL
#define F_SF 0x80ULL
#define F_OF 0x800ULL

/* By instruction id: stopped before, with the reason. */
static const struct {
	unsigned int id;
	const char *why;
} stops[] = {
	{ X86_INS_CPUID, "CPUID reports the guest's (empty) CPUID table in "
			 "KVM and the host's on the host" },
	{ X86_INS_RDTSC, "time stamp counter: differs by construction" },
	{ X86_INS_RDTSCP, "time stamp counter and TSC_AUX" },
	{ X86_INS_RDRAND, "random numbers" },
	{ X86_INS_RDSEED, "random numbers" },
	{ X86_INS_RDPMC, "performance counters (CR4.PCE, CPL-dependent)" },
	{ X86_INS_XGETBV, "XCR0 differs (guest: KVM's default, host: the "
			  "kernel's)" },
	{ X86_INS_XSAVE, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVE64, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVEC, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVEC64, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVEOPT, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVEOPT64, "XSAVE state depends on XCR0" },
	{ X86_INS_XSAVES, "XSAVE state depends on XCR0 (privileged)" },
	{ X86_INS_XSAVES64, "XSAVE state depends on XCR0 (privileged)" },
	{ X86_INS_XRSTOR, "XSAVE state depends on XCR0" },
	{ X86_INS_XRSTOR64, "XSAVE state depends on XCR0" },
	{ X86_INS_XRSTORS, "XSAVE state depends on XCR0 (privileged)" },
	{ X86_INS_XRSTORS64, "XSAVE state depends on XCR0 (privileged)" },
	{ X86_INS_FXSAVE, "FXSAVE stores x87 pointer selectors (CS/DS) and "
			  "needs guest CPUID FXSR in KVM" },
	{ X86_INS_FXSAVE64, "FXSAVE needs guest CPUID FXSR in KVM" },
	{ X86_INS_FXRSTOR, "FXRSTOR needs guest CPUID FXSR in KVM" },
	{ X86_INS_FXRSTOR64, "FXRSTOR needs guest CPUID FXSR in KVM" },
	{ X86_INS_FNSTENV, "x87 environment holds selectors that differ" },
	{ X86_INS_FNSAVE, "x87 state image holds selectors that differ" },
	{ X86_INS_FLDENV, "x87 environment holds selectors" },
	{ X86_INS_FRSTOR, "x87 state image holds selectors" },
	{ X86_INS_PUSHF, "rflags IF/IOPL are CPL-dependent" },
	{ X86_INS_PUSHFD, "rflags IF/IOPL are CPL-dependent" },
	{ X86_INS_PUSHFQ, "rflags IF/IOPL are CPL-dependent" },
	{ X86_INS_POPF, "POPF changes IF/IOPL only at CPL0" },
	{ X86_INS_POPFD, "POPF changes IF/IOPL only at CPL0" },
	{ X86_INS_POPFQ, "POPF changes IF/IOPL only at CPL0" },
	{ X86_INS_SYSCALL, "system call: a real one on the host" },
	{ X86_INS_SYSENTER, "system call" },
	{ X86_INS_SYSEXIT, "privileged" },
	{ X86_INS_SYSRET, "privileged" },
	{ X86_INS_LAR, "descriptor tables differ (guest GDT vs host GDT)" },
	{ X86_INS_LSL, "descriptor tables differ" },
	{ X86_INS_VERR, "descriptor tables differ" },
	{ X86_INS_VERW, "descriptor tables differ" },
	{ X86_INS_SGDT, "descriptor table registers differ (and UMIP)" },
	{ X86_INS_SIDT, "descriptor table registers differ (and UMIP)" },
	{ X86_INS_SLDT, "descriptor table registers differ (and UMIP)" },
	{ X86_INS_STR, "task register differs (and UMIP)" },
	{ X86_INS_SMSW, "CR0 differs (and UMIP)" },
	{ X86_INS_LDS, "loads a segment register (32-bit mode)" },
	{ X86_INS_LES, "loads a segment register (32-bit mode)" },
	{ X86_INS_LFS, "loads a segment register" },
	{ X86_INS_LGS, "loads a segment register" },
	{ X86_INS_LSS, "loads a segment register" },
	{ X86_INS_LJMP, "far transfer: segment selectors differ" },
	{ X86_INS_LCALL, "far transfer: segment selectors differ" },
	{ X86_INS_RETF, "far transfer: segment selectors differ" },
	{ X86_INS_RETFQ, "far transfer: segment selectors differ" },
	{ X86_INS_IRET, "privilege-level change" },
	{ X86_INS_IRETD, "privilege-level change" },
	{ X86_INS_IRETQ, "privilege-level change" },
	{ X86_INS_IN, "I/O: a VM exit in KVM, #GP at CPL3" },
	{ X86_INS_INSB, "I/O" },
	{ X86_INS_INSW, "I/O" },
	{ X86_INS_INSD, "I/O" },
	{ X86_INS_OUT, "I/O" },
	{ X86_INS_OUTSB, "I/O" },
	{ X86_INS_OUTSW, "I/O" },
	{ X86_INS_OUTSD, "I/O" },
	{ X86_INS_HLT, "privileged (HLT ends the guest)" },
	{ X86_INS_CLI, "IF: CPL/IOPL-dependent" },
	{ X86_INS_STI, "IF: CPL/IOPL-dependent" },
	{ X86_INS_CLAC, "privileged" },
	{ X86_INS_STAC, "privileged" },
	{ X86_INS_CLTS, "privileged" },
	{ X86_INS_INVD, "privileged" },
	{ X86_INS_WBINVD, "privileged" },
	{ X86_INS_SWAPGS, "privileged" },
	{ X86_INS_MONITOR, "privileged at CPL3 on Linux" },
	{ X86_INS_MWAIT, "privileged at CPL3 on Linux" },
	{ X86_INS_INT, "software interrupt: IDT differs (a real system call "
		       "on the host for int 0x80)" },
	{ X86_INS_INT1, "debug trap: IDT differs" },
	{ X86_INS_INT3, "breakpoint: IDT differs" },
	{ X86_INS_INTO, "software interrupt" },
	{ X86_INS_RDFSBASE, "CR4.FSGSBASE differs" },
	{ X86_INS_RDGSBASE, "CR4.FSGSBASE differs" },
	{ X86_INS_WRFSBASE, "CR4.FSGSBASE differs" },
	{ X86_INS_WRGSBASE, "CR4.FSGSBASE differs" },
	{ X86_INS_XBEGIN, "transactional memory: aborts are host-dependent" },
	{ X86_INS_XEND, "transactional memory" },
	{ X86_INS_XABORT, "transactional memory" },
	{ X86_INS_XTEST, "transactional memory" },
	{ X86_INS_MOVBE, "KVM checks guest CPUID MOVBE (empty table: #UD)" },
	{ X86_INS_RDMSR,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_WRMSR,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_LGDT,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_LIDT,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_LLDT,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_LTR,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_LMSW,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_INVLPG,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_INVLPGA,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_INVPCID,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_RSM,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_XSETBV,
	  "privileged (listed: Capstone 4 does not always group it)" },
	{ X86_INS_ENCLS, "SGX" },
	{ X86_INS_GETSEC, "SMX: #UD without CR4.SMXE, differs by world" },
};

static int has_group(const cs_insn *in, unsigned int g)
{
	const cs_detail *d = in->detail;

	for (uint8_t i = 0; d && i < d->groups_count; i++)
		if (d->groups[i] == g)
			return 1;
	return 0;
}

static int reg_operand_in(const cs_insn *in, unsigned int lo, unsigned int hi)
{
	const cs_x86 *x = &in->detail->x86;

	for (uint8_t i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_REG &&
		    (unsigned int)x->operands[i].reg >= lo &&
		    (unsigned int)x->operands[i].reg <= hi)
			return 1;
	return 0;
}

static int seg_operand(const cs_insn *in)
{
	static const unsigned int segs[] = {
		X86_REG_CS, X86_REG_DS, X86_REG_ES,
		X86_REG_FS, X86_REG_GS, X86_REG_SS
	};

	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (reg_operand_in(in, segs[i], segs[i]))
			return 1;
	return 0;
}

const char *vmm_diff_insn_stop(csh cs, const cs_insn *in, uint64_t cr0,
			       uint64_t cr4)
{
	(void)cs;
	if (!in->detail)
		return "no decoding detail";
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (stops[i].id == in->id)
			return stops[i].why;
	if (has_group(in, X86_GRP_PRIVILEGE))
		return "privileged";
	if (has_group(in, X86_GRP_INT) || has_group(in, X86_GRP_IRET))
		return "interrupt or interrupt return";
	if (has_group(in, X86_GRP_VM))
		return "virtualization instruction";
	if (has_group(in, X86_GRP_SGX))
		return "SGX";
	if (has_group(in, X86_GRP_AVX) || has_group(in, X86_GRP_AVX2) ||
	    has_group(in, X86_GRP_AVX512) || has_group(in, X86_GRP_FMA) ||
	    has_group(in, X86_GRP_FMA4) || has_group(in, X86_GRP_F16C) ||
	    has_group(in, X86_GRP_XOP) || has_group(in, X86_GRP_CDI) ||
	    has_group(in, X86_GRP_ERI) || has_group(in, X86_GRP_PFI) ||
	    has_group(in, X86_GRP_DQI) || has_group(in, X86_GRP_BWI) ||
	    has_group(in, X86_GRP_VLX))
		return "AVX: the guest has no XSAVE-enabled state (CR4.OSXSAVE, "
		       "XCR0), the host does";
	if (has_group(in, X86_GRP_RTM))
		return "transactional memory";
	if (has_group(in, X86_GRP_3DNOW) || has_group(in, X86_GRP_SSE4A) ||
	    has_group(in, X86_GRP_TBM))
		return "AMD-only extension";
	if (reg_operand_in(in, X86_REG_CR0, X86_REG_CR15) ||
	    reg_operand_in(in, X86_REG_DR0, X86_REG_DR15))
		return "control or debug register";
	if (seg_operand(in))
		return "segment register: selectors and descriptors differ";
	if ((has_group(in, X86_GRP_SSE1) || has_group(in, X86_GRP_SSE2) ||
	     has_group(in, X86_GRP_SSE3) || has_group(in, X86_GRP_SSSE3) ||
	     has_group(in, X86_GRP_SSE41) || has_group(in, X86_GRP_SSE42) ||
	     has_group(in, X86_GRP_AES) || has_group(in, X86_GRP_PCLMUL) ||
	     has_group(in, X86_GRP_SHA)) &&
	    (!(cr4 & CR4_OSFXSR) || (cr0 & (CR0_EM | CR0_TS))))
		return "SSE with CR4.OSFXSR clear or CR0.EM/TS set: #UD/#NM in "
		       "the guest only";
	if ((has_group(in, X86_GRP_MMX) || has_group(in, X86_GRP_FPU)) &&
	    (cr0 & (CR0_EM | CR0_TS)))
		return "x87/MMX with CR0.EM/TS set: #NM in the guest only";
	return NULL;
}

uint64_t vmm_diff_insn_undef_flags(const cs_insn *in)
{
	uint64_t f = 0, e = in->detail ? in->detail->x86.eflags : 0;

	if (e & X86_EFLAGS_UNDEFINED_OF)
		f |= F_OF;
	if (e & X86_EFLAGS_UNDEFINED_SF)
		f |= F_SF;
	if (e & X86_EFLAGS_UNDEFINED_ZF)
		f |= F_ZF;
	if (e & X86_EFLAGS_UNDEFINED_PF)
		f |= F_PF;
	if (e & X86_EFLAGS_UNDEFINED_AF)
		f |= F_AF;
	if (e & X86_EFLAGS_UNDEFINED_CF)
		f |= F_CF;
	/* The SDM's undefined flags where Capstone 4's table is silent. */
	switch (in->id) {
	case X86_INS_SHL:
	case X86_INS_SAL:
	case X86_INS_SHR:
	case X86_INS_SAR:
		f |= F_OF | F_AF; /* OF for counts > 1; AF for counts != 0 */
		break;
	case X86_INS_SHLD:
	case X86_INS_SHRD:
		f |= F_OF | F_AF; /* and everything for counts > size */
		f |= F_CF | F_PF | F_ZF | F_SF;
		break;
	case X86_INS_ROL:
	case X86_INS_ROR:
	case X86_INS_RCL:
	case X86_INS_RCR:
		f |= F_OF; /* for counts > 1 */
		break;
	case X86_INS_MUL:
	case X86_INS_IMUL:
		f |= F_SF | F_ZF | F_AF | F_PF;
		break;
	case X86_INS_DIV:
	case X86_INS_IDIV:
		f |= F_CF | F_OF | F_SF | F_ZF | F_AF | F_PF;
		break;
	case X86_INS_BSF:
	case X86_INS_BSR:
		f |= F_CF | F_OF | F_SF | F_AF | F_PF;
		break;
	case X86_INS_BT:
	case X86_INS_BTC:
	case X86_INS_BTR:
	case X86_INS_BTS:
		f |= F_OF | F_SF | F_AF | F_PF;
		break;
	case X86_INS_AAA:
	case X86_INS_AAS:
		f |= F_OF | F_SF | F_ZF | F_PF;
		break;
	case X86_INS_DAA:
	case X86_INS_DAS:
		f |= F_OF;
		break;
	case X86_INS_AAM:
	case X86_INS_AAD:
		f |= F_OF | F_AF | F_CF;
		break;
	case X86_INS_AND:
	case X86_INS_OR:
	case X86_INS_XOR:
	case X86_INS_TEST:
		f |= F_AF;
		break;
	default:
		break;
	}
	return f;
}

int vmm_diff_insn_rep_string(const cs_insn *in, unsigned int *count_bytes)
{
	const cs_x86 *x = in->detail ? &in->detail->x86 : NULL;
	int rep = 0, a32 = 0;
	uint16_t i;

	/* the prefixes from the bytes: Capstone 4 drops F2 on MOVS/STOS/...,
	 * which the CPU runs as REP */
	for (i = 0; i < in->size; i++) {
		uint8_t b = in->bytes[i];

		if (b == 0xf2 || b == 0xf3)
			rep = 1;
		else if (b == 0x67)
			a32 = 1;
		else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e &&
			 b != 0x64 && b != 0x65 && b != 0x66 && b != 0xf0 &&
			 (b & 0xf0) != 0x40)
			break;
	}
	if (!x || !rep || x->opcode[1] != 0)
		return 0;
	switch (x->opcode[0]) {
	case 0xa4: /* movs */
	case 0xa5:
	case 0xa6: /* cmps */
	case 0xa7:
	case 0xaa: /* stos */
	case 0xab:
	case 0xac: /* lods */
	case 0xad:
	case 0xae: /* scas */
	case 0xaf:
		*count_bytes = a32 ? 4U : 8U;
		return 1;
	default:
		return 0;
	}
}

const char *vmm_diff_insn_known(const cs_insn *in, int ctx)
{
	int field_is_ftw = (ctx & VMM_DIFF_KNOWN_FTW) != 0;

	const cs_x86 *x = in->detail ? &in->detail->x86 : NULL;
	uint8_t op0 = x ? x->opcode[0] : 0, op1 = x ? x->opcode[1] : 0;

	if (!x)
		return NULL;
	/* reserved-NOP space 0F 19..0F 1E: KVM runs a different length
	 * and misses the single-step trap (diff-oracle.md, D1) */
	if (op0 == 0x0f && op1 >= 0x19 && op1 <= 0x1e)
		return "D1 reserved-nop 0f19-0f1e";
	/* MOVNTI with a 66 prefix: #UD on the CPU, a store in KVM (D2) */
	if (in->id == X86_INS_MOVNTI && x->prefix[2] == 0x66)
		return "D2 movnti-66";
	/* CMPXCHG r32 that fails: KVM zero-extends the destination (D3) */
	if (in->id == X86_INS_CMPXCHG && x->op_count == 2 &&
	    x->operands[0].type == X86_OP_REG && x->operands[0].size == 4)
		return "D3 cmpxchg-r32";
	/* ENTER with a 66 prefix: KVM pushes all of RBP and writes all of
	 * it (stack size), the CPU pushes and writes BP (D5) */
	if (in->id == X86_INS_ENTER && x->prefix[2] == 0x66)
		return "D5 enter-66";
	/* an MMX instruction that faults: KVM's emulator has already made
	 * the x87 tags valid (D4) */
	if (field_is_ftw && has_group(in, X86_GRP_MMX))
		return "D4 mmx-fault-ftw";
	/* a near JMP/Jcc/CALL/RET with a 66 prefix in 64-bit mode: KVM's
	 * emulator ignores the prefix (Intel), AMD CPUs honour it: a 16-bit
	 * displacement and a 16-bit RIP (D8) */
	if ((ctx & VMM_DIFF_KNOWN_LONG) && x->prefix[2] == 0x66 &&
	    (in->id == X86_INS_JMP || in->id == X86_INS_CALL ||
	     in->id == X86_INS_RET || has_group(in, X86_GRP_BRANCH_RELATIVE)))
		return "D8 near-branch-66";
	/* AAM/AAD (32-bit mode): KVM sets SF/ZF from AX or EAX, the CPU
	 * from AL (D6) */
	if (in->id == X86_INS_AAM || in->id == X86_INS_AAD)
		return "D6 aam-aad-flags";
	/* PUSHA into MMIO (32-bit mode): each of KVM's eight writes replaces
	 * the last as the MMIO exit, which reports the final push only (D7) */
	if ((ctx & VMM_DIFF_KNOWN_MMIO) &&
	    (in->id == X86_INS_PUSHAL || in->id == X86_INS_PUSHAW))
		return "D7 pusha-mmio";
	return NULL;
}

int vmm_diff_insn_branch(csh cs, const cs_insn *in)
{
	(void)cs;
	return has_group(in, X86_GRP_JUMP) || has_group(in, X86_GRP_CALL) ||
	       has_group(in, X86_GRP_RET) ||
	       has_group(in, X86_GRP_BRANCH_RELATIVE) ||
	       in->id == X86_INS_LOOP || in->id == X86_INS_LOOPE ||
	       in->id == X86_INS_LOOPNE || in->id == X86_INS_JRCXZ ||
	       in->id == X86_INS_JECXZ || in->id == X86_INS_JCXZ;
}

#endif /* VMM_HAVE_CAPSTONE */
