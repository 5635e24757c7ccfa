/* Random runs of unprivileged instructions for the differential oracle
 * (vmm/diff.h): random candidate encodings, kept when Capstone decodes
 * them to an instruction the oracle runs on both sides. */
#include "vmm/diff.h"

#include <string.h>

#ifndef VMM_HAVE_CAPSTONE

size_t vmm_diff_gen_code(uint64_t *rng, uint8_t *out, size_t cap, uint32_t n)
{
	(void)rng;
	(void)out;
	(void)cap;
	(void)n;
	return 0;
}

int vmm_diff_gen_scenario(uint64_t *rng, struct vmm_scenario *s, uint8_t *code,
			  size_t cap, uint32_t n)
{
	return vmm_diff_gen_scenario_mode(rng, s, code, cap, n, 0);
}

int vmm_diff_gen_scenario_mode(uint64_t *rng, struct vmm_scenario *s,
			       uint8_t *code, size_t cap, uint32_t n, int m32)
{
	(void)rng;
	(void)s;
	(void)code;
	(void)cap;
	(void)n;
	(void)m32;
	return -1;
}

#else

#include "vmm/x86/diff_insn.h"
#include "vmm/x86/mode.h"

/* The generated scenario's layout (one 4 MiB slot at 4 MiB). */
#define GEN_SLOT_GPA 0x400000ULL
#define GEN_SLOT_SIZE 0x400000ULL
#define GEN_CODE_GPA 0x401000ULL
#define GEN_DATA_GPA 0x600000ULL
#define GEN_DATA_SIZE 0x10000ULL
#define GEN_STACK_TOP 0x700000ULL
#define GEN_CR4 0x620ULL /* PAE | OSFXSR | OSXMMEXCPT */
#define GEN_CR0 0x80050033ULL

static uint64_t next(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Memory operands: a base register and a small displacement (the
 * registers point into the data area), no RIP-relative or absolute
 * addresses and no index register (those leave guest memory at once). */
static int operands_ok(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	for (uint8_t i = 0; i < x->op_count; i++) {
		const cs_x86_op *o = &x->operands[i];

		if (o->type != X86_OP_MEM)
			continue;
		if (o->mem.base == X86_REG_INVALID ||
		    o->mem.base == X86_REG_RIP ||
		    o->mem.index != X86_REG_INVALID)
			return 0;
		if (o->mem.disp > 0x1000 || o->mem.disp < -0x1000)
			return 0;
	}
	return 1;
}

static int vector_or_x87(const cs_insn *in)
{
	const cs_detail *d = in->detail;

	for (uint8_t i = 0; i < d->groups_count; i++)
		switch (d->groups[i]) {
		case X86_GRP_SSE1:
		case X86_GRP_SSE2:
		case X86_GRP_SSE3:
		case X86_GRP_SSSE3:
		case X86_GRP_SSE41:
		case X86_GRP_SSE42:
		case X86_GRP_MMX:
		case X86_GRP_FPU:
		case X86_GRP_AES:
		case X86_GRP_PCLMUL:
		case X86_GRP_SHA:
			return 1;
		default:
			break;
		}
	return 0;
}

static size_t candidate(uint64_t *rng, uint8_t *b)
{
	uint64_t r = next(rng);
	size_t n = 0;

	if ((r & 7) == 0)
		b[n++] = 0x66;
	if (((r >> 3) & 3) == 0)
		b[n++] = (uint8_t)(0x40 | ((r >> 5) & 0xf));
	if (((r >> 9) & 3) == 0)
		b[n++] = 0x0f;
	r = next(rng);
	for (int i = 0; i < 8; i++)
		b[n++] = (uint8_t)(r >> (8 * i));
	return n;
}

static size_t gen_code(uint64_t *rng, uint8_t *out, size_t cap, uint32_t n,
		       int m32)
{
	csh cs;
	cs_insn *in;
	size_t len = 0;
	uint32_t got = 0, tries = 0;

	if (cs_open(CS_ARCH_X86, m32 ? CS_MODE_32 : CS_MODE_64, &cs) !=
	    CS_ERR_OK)
		return 0;
	(void)cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs_malloc(cs);
	while (in && got < n && tries < n * 64U) {
		uint8_t b[16];
		const uint8_t *p = b;
		size_t bl = candidate(rng, b);
		uint64_t at = GEN_CODE_GPA + len;

		tries++;
		if (!cs_disasm_iter(cs, &p, &bl, &at, in))
			continue;
		if (in->size > cap - len ||
		    vmm_diff_insn_stop(cs, in, GEN_CR0, GEN_CR4) ||
		    vmm_diff_insn_branch(cs, in) || !operands_ok(in) ||
		    vmm_diff_insn_known(in, 0))
			continue;
		/* KVM's emulator lacks most SSE/MMX/x87 arithmetic (the
		 * comparison stops there): keep one in eight */
		if (vector_or_x87(in) && (next(rng) & 7) != 0)
			continue;
		memcpy(out + len, in->bytes, in->size);
		len += in->size;
		got++;
	}
	if (in)
		cs_free(in, 1);
	(void)cs_close(&cs);
	return len;
}

size_t vmm_diff_gen_code(uint64_t *rng, uint8_t *out, size_t cap, uint32_t n)
{
	return gen_code(rng, out, cap, n, 0);
}

int vmm_diff_gen_scenario(uint64_t *rng, struct vmm_scenario *s, uint8_t *code,
			  size_t cap, uint32_t n)
{
	return vmm_diff_gen_scenario_mode(rng, s, code, cap, n, 0);
}

int vmm_diff_gen_scenario_mode(uint64_t *rng, struct vmm_scenario *s,
			       uint8_t *code, size_t cap, uint32_t n, int m32)
{
	struct vmm_vcpu_spec *v;
	size_t len;
	uint64_t pat;

	if (cap < 2)
		return -1;
	len = gen_code(rng, code, cap - 1, n, m32);
	code[len++] = 0xf4; /* hlt */
	vmm_scenario_init(s);
	s->nslots = 1;
	s->slots[0].gpa = GEN_SLOT_GPA;
	s->slots[0].size = GEN_SLOT_SIZE;
	s->timeout_ms = 2000;
	s->max_exits = 1000;
	s->nfills = 1;
	s->fills[0].gpa = GEN_DATA_GPA;
	s->fills[0].len = (uint32_t)GEN_DATA_SIZE;
	s->fills[0].pattern_len = 8;
	pat = next(rng);
	for (int i = 0; i < 8; i++)
		s->fills[0].pattern[i] = (uint8_t)(pat >> (8 * i));
	s->nblobs = 1;
	s->blobs[0].gpa = GEN_CODE_GPA;
	s->blobs[0].data = code;
	s->blobs[0].len = len;
	s->nvcpus = 1;
	v = &s->vcpus[0];
	v->mode = m32 ? VMM_MODE_PROT32 : VMM_MODE_LONG64;
	v->entry = GEN_CODE_GPA;
	/* rax..r15 into the data area (rsp: the stack), rflags' arithmetic
	 * flags and DF at random */
	for (unsigned int i = 0; i < 16; i++) {
		v->regs[i] = GEN_DATA_GPA + 0x1000 +
			     (next(rng) % (GEN_DATA_SIZE - 0x2000));
		if (i == 6)
			v->regs[i] = GEN_STACK_TOP - (next(rng) & 0xff8);
		else if ((next(rng) & 7) == 0)
			v->regs[i] =
				next(rng); /* a plain number now and then */
		v->reg_mask |= 1ULL << i;
	}
	v->regs[17] = 0x2 | (next(rng) & 0xcd5);
	v->reg_mask |= 1ULL << 17;
	v->sregs[VMM_SREG_CR4] = GEN_CR4;
	v->sreg_mask |= 1U << VMM_SREG_CR4;
	return 0;
}

#endif
