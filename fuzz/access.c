/* Guest code for one device access (fuzz/mutator.h, fuzz_emit_access):
 * the register set-up and the access instruction, encoded for the CPU
 * mode the code runs in. */
#include "fuzz/mutator.h"

#include "vmm/scenario.h"

struct em {
	uint8_t *p;
	size_t n, max;
	int full; /* ran out of room */
	int m16;  /* 16-bit default operand and address size (real16) */
	int m64;  /* long mode: REX.W works */
};

static void eb(struct em *e, uint8_t b)
{
	if (e->n < e->max)
		e->p[e->n++] = b;
	else
		e->full = 1;
}

static void eimm(struct em *e, uint64_t v, unsigned int w)
{
	for (unsigned int i = 0; i < w; i++)
		eb(e, (uint8_t)(v >> (8 * i)));
}

/* The operand-size prefix a 16- or 32-bit operand needs in this mode. */
static void eosz(struct em *e, unsigned int w)
{
	if ((w == 2) != e->m16)
		eb(e, 0x66);
}

/* x86 registers by number */
enum { R_AX = 0, R_CX = 1, R_DX = 2, R_BX = 3, R_SI = 6, R_DI = 7 };

/* mov reg, imm (width 1: the low byte register; 8: REX.W, long mode) */
static void emov(struct em *e, unsigned int reg, unsigned int w, uint64_t v)
{
	if (w == 1) {
		eb(e, (uint8_t)(0xb0 + reg));
		eimm(e, v, 1);
		return;
	}
	if (w == 8) {
		eb(e, 0x48);
		eb(e, (uint8_t)(0xb8 + reg));
		eimm(e, v, 8);
		return;
	}
	eosz(e, w);
	eb(e, (uint8_t)(0xb8 + reg));
	eimm(e, v, w);
}

/* A one-byte opcode whose byte form is `op` and word/dword form op + 1. */
static void esized(struct em *e, uint8_t op, unsigned int w)
{
	if (w == 1) {
		eb(e, op);
		return;
	}
	eosz(e, w);
	eb(e, (uint8_t)(op + 1));
}

static int x86_pio(struct em *e, const struct fuzz_access *a)
{
	if (a->width > 4 || a->addr > 0xffff)
		return -1;
	emov(e, R_DX, 2, a->addr);
	if (a->write) {
		if (!a->keep)
			emov(e, R_AX, a->width, a->value);
		esized(e, 0xee, a->width); /* out dx, al/ax/eax */
	} else {
		esized(e, 0xec, a->width); /* in al/ax/eax, dx */
	}
	return 0;
}

static int x86_string(struct em *e, const struct fuzz_access *a)
{
	unsigned int aw = e->m16 ? 2 : 4;

	if (a->width > 4 || a->addr > 0xffff ||
	    (e->m16 && (a->count > 0xffff || a->buf > 0xffff)) ||
	    a->buf > 0xffffffffULL)
		return -1;
	eb(e, 0xfc); /* cld */
	emov(e, R_DX, 2, a->addr);
	emov(e, R_CX, aw, a->count);
	emov(e, a->write ? R_SI : R_DI, aw, a->buf);
	eb(e, 0xf3);				     /* rep */
	esized(e, a->write ? 0x6e : 0x6c, a->width); /* outs / ins */
	return 0;
}

/* mov [ebx]/[rbx] (32/64-bit code) or fs:[bx] (real16), with al/ax/eax/rax */
static void emem(struct em *e, int write, unsigned int w)
{
	if (e->m16)
		eb(e, 0x64); /* fs: */
	if (w == 8)
		eb(e, 0x48);
	else if (w > 1)
		eosz(e, w);
	eb(e, (uint8_t)((write ? 0x88 : 0x8a) + (w > 1)));
	eb(e, e->m16 ? 0x07 : 0x03); /* [bx] / [ebx] */
}

static int x86_mmio(struct em *e, const struct fuzz_access *a)
{
	unsigned int w = a->width;

	if (w != 1 && w != 2 && w != 4 && w != 8)
		return -1;
	if (w == 8 && !e->m64)
		return -1;
	if (e->m16) {
		/* fs = addr >> 4, bx = addr & 15: below 1 MiB */
		if (a->addr >= 0x100000)
			return -1;
		emov(e, R_AX, 2, a->addr >> 4);
		eb(e, 0x8e); /* mov fs, ax */
		eb(e, 0xe0);
		emov(e, R_BX, 2, a->addr & 0xf);
	} else {
		/* mov ebx, addr (zero-extended into rbx): below 4 GiB, what
		 * the paged modes map */
		if (a->addr > 0xffffffffULL)
			return -1;
		emov(e, R_BX, 4, a->addr);
	}
	if (a->write && !a->keep)
		emov(e, R_AX, w, a->value);
	emem(e, a->write, w);
	return 0;
}

/* arm64: movz/movk of a 64-bit value into xN */
static void a64w(struct em *e, uint32_t w)
{
	eimm(e, w, 4);
}

static void a64_movimm(struct em *e, unsigned int rd, uint64_t v)
{
	int first = 1;

	for (unsigned int hw = 0; hw < 4; hw++) {
		uint32_t imm = (uint32_t)(v >> (16 * hw)) & 0xffffU;

		if (!imm && !(first && hw == 3))
			continue;
		a64w(e, (first ? 0xd2800000U : 0xf2800000U) | hw << 21 |
				imm << 5 | rd);
		first = 0;
	}
}

static int a64_mmio(struct em *e, const struct fuzz_access *a)
{
	/* strb/strh/str w/str x w1, [x2]; ldr the same with bit 22 */
	static const uint32_t str[] = { 0x39000041U, 0x79000041U, 0,
					0xb9000041U, 0,		  0,
					0,	     0xf9000041U };
	unsigned int w = a->width;

	if (a->kind != FUZZ_ACC_MMIO || w == 0 || w > 8 || !str[w - 1])
		return -1;
	a64_movimm(e, 2, a->addr);
	if (a->write && !a->keep)
		a64_movimm(e, 1, a->value);
	a64w(e, str[w - 1] | (a->write ? 0 : 1U << 22));
	return 0;
}

size_t fuzz_emit_mov(unsigned int arch, unsigned int mode, unsigned int reg,
		     unsigned int width, uint64_t v, uint8_t *out, size_t max)
{
	struct em e = { out, 0, max, 0, mode == 0, mode == 3 };

	if (arch == VMM_ARCH_ARM64) {
		if (mode != 0 || reg > 30)
			return 0;
		a64_movimm(&e, reg,
			   width >= 8 ? v : v & ((1ULL << (8 * width)) - 1));
	} else {
		if (mode > 3 || reg > 7 || (width == 8 && !e.m64) ||
		    (width != 1 && width != 2 && width != 4 && width != 8))
			return 0;
		emov(&e, reg, width, v);
	}
	return e.full ? 0 : e.n;
}

size_t fuzz_emit_outs_first(unsigned int mode, unsigned int width, uint64_t v,
			    uint8_t *out, size_t max)
{
	struct em e = { out, 0, max, 0, mode == 0, mode == 3 };

	if (mode > 3 || (width != 1 && width != 2 && width != 4))
		return 0;
	/* mov byte/word/dword [si] (c6/c7 04, 16-bit addressing) or
	 * [esi]/[rsi] (c6/c7 06) */
	esized(&e, 0xc6, width);
	eb(&e, e.m16 ? 0x04 : 0x06);
	eimm(&e, v, width);
	return e.full ? 0 : e.n;
}

size_t fuzz_emit_access(unsigned int arch, unsigned int mode,
			const struct fuzz_access *a, uint8_t *out, size_t max)
{
	struct em e = { out, 0, max, 0, 0, 0 };
	int rc;

	if (arch == VMM_ARCH_ARM64) {
		if (mode != 0) /* aarch32 code: not generated */
			return 0;
		rc = a64_mmio(&e, a);
	} else {
		if (mode > 3)
			return 0;
		e.m16 = mode == 0;
		e.m64 = mode == 3;
		switch (a->kind) {
		case FUZZ_ACC_PIO:
			rc = x86_pio(&e, a);
			break;
		case FUZZ_ACC_STRING:
			rc = x86_string(&e, a);
			break;
		case FUZZ_ACC_MMIO:
			rc = x86_mmio(&e, a);
			break;
		default:
			rc = -1;
			break;
		}
	}
	return rc < 0 || e.full ? 0 : e.n;
}
