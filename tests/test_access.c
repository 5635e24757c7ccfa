/* The mutator's device-access sequences on real KVM (fuzz/access.c,
 * fuzz/mutator.c mut_access_seq):
 *  - the code fuzz_emit_access writes, run in each x86 mode, makes exactly
 *    the exit it stands for: an OUT/IN of the width at the port with the
 *    value, a string IN read ahead with its repeat count, an OUTS element
 *    by element, an MMIO store/load of the width at the address with the
 *    value, an OUT that keeps the register echoes what an IN read; what a
 *    mode cannot express is refused (0 bytes);
 *  - the edit operator makes one access of the code again with its
 *    direction, width or register changed, the rest of the code kept;
 *  - mutants of the shipped corpus (the AFL++ path: no byte mutator)
 *    reach what the sequences are for: string IN with a count, 8-byte MMIO
 *    writes, word/dword OUTs, and 2+ accesses to one device in a row.
 * Usage: test_access CORPUS_DIR */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/mutator.h"
#include "tests/check.h"
#include "tests/guest_files.h"
#include "tests/scenario_builder.h"
#include "vmm/file.h"
#include "vmm/pipeline.h"
#include "vmm/x86/mode.h"

#define MAXREC 64
#define MAX_CODE_INPUT 4096

struct rec {
	uint32_t n;
	struct vmm_exit x[MAXREC];
};

static void on_exit_rec(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct rec *r = ctx;

	(void)vcpu;
	if (r->n < MAXREC)
		r->x[r->n++] = *x;
}

static enum vmm_verdict run_rec(struct vmm_kvm *k, const struct vmm_scenario *s,
				struct rec *rc)
{
	static struct vmm_result r;
	struct vmm_hooks h;

	memset(&h, 0, sizeof(h));
	memset(rc, 0, sizeof(*rc));
	h.on_exit = on_exit_rec;
	h.ctx = rc;
	h.skip_state = 1;
	return vmm_pipeline_run(k, s, &h, &r);
}

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static const uint8_t input_bytes[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
				       0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc };

/* Run one access (then HLT) in `mode`; the exits in *rc. */
static enum vmm_verdict run_access(struct vmm_kvm *k, unsigned int mode,
				   const struct fuzz_access *a, struct rec *rc)
{
	static uint8_t code[256];
	struct vmm_scenario s;
	size_t n = fuzz_emit_access(VMM_ARCH_X86_64, mode, a, code,
				    sizeof(code) - 1);

	CHECK(n > 0);
	code[n++] = 0xf4;
	sb_begin(&s, mode == VMM_MODE_REAL16 ? 0x10000 : 0x200000, 5000);
	s.flags |= VMM_SCN_PERMISSIVE;
	s.has_input = 1;
	s.input = input_bytes;
	s.input_len = sizeof(input_bytes);
	(void)sb_code(&s, (uint8_t)mode, 0x1000, code, n);
	return run_rec(k, &s, rc);
}

static void check_modes(struct vmm_kvm *k)
{
	static const uint8_t widths[] = { 1, 2, 4, 8 };
	struct rec rc;

	for (unsigned int mode = 0; mode < VMM_MODE_COUNT; mode++) {
		uint64_t unbacked =
			mode == VMM_MODE_REAL16 ? 0x80010 : 0x20000100;
		struct vmm_error e;

		if (vmm_host_mode_check(k, (enum vmm_x86_mode)mode, &e) != 0) {
			(void)printf("note: %s\n", e.msg);
			continue;
		}

		for (unsigned int i = 0; i < 4; i++) {
			unsigned int w = widths[i];
			struct fuzz_access a = {
				.kind = FUZZ_ACC_PIO,
				.write = 1,
				.width = (uint8_t)w,
				.addr = 0x1234,
				.value = 0xa1b2c3d4e5f60718ULL,
			};
			uint64_t mask = w == 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
			uint8_t buf[64];

			/* OUT dx, al/ax/eax with the value; no 8-byte port I/O */
			if (w == 8) {
				CHECK_EQ_U64(fuzz_emit_access(VMM_ARCH_X86_64,
							      mode, &a, buf,
							      sizeof(buf)),
					     0);
			} else {
				CHECK_EQ_U64(run_access(k, mode, &a, &rc),
					     VMM_V_HALT);
				CHECK_EQ_U64(rc.n, 2);
				CHECK_EQ_U64(rc.x[0].reason, KVM_EXIT_IO);
				CHECK_EQ_U64(rc.x[0].u.io.dir, KVM_EXIT_IO_OUT);
				CHECK_EQ_U64(rc.x[0].u.io.size, w);
				CHECK_EQ_U64(rc.x[0].u.io.port, 0x1234);
				CHECK_EQ_U64(rc.x[0].u.io.count, 1);
				CHECK_EQ_U64(le(rc.x[0].u.io.data, w),
					     a.value & mask);
				/* IN al/ax/eax, dx */
				a.write = 0;
				CHECK_EQ_U64(run_access(k, mode, &a, &rc),
					     VMM_V_HALT);
				CHECK_EQ_U64(rc.x[0].reason, KVM_EXIT_IO);
				CHECK_EQ_U64(rc.x[0].u.io.dir, KVM_EXIT_IO_IN);
				CHECK_EQ_U64(rc.x[0].u.io.size, w);
				CHECK_EQ_U64(rc.x[0].u.io.port, 0x1234);
			}
			/* a store of the width at an unbacked address */
			a.kind = FUZZ_ACC_MMIO;
			a.write = 1;
			a.addr = unbacked;
			if (w == 8 && mode != VMM_MODE_LONG64) {
				CHECK_EQ_U64(fuzz_emit_access(VMM_ARCH_X86_64,
							      mode, &a, buf,
							      sizeof(buf)),
					     0);
				continue;
			}
			CHECK_EQ_U64(run_access(k, mode, &a, &rc), VMM_V_HALT);
			CHECK_EQ_U64(rc.n, 2);
			CHECK_EQ_U64(rc.x[0].reason, KVM_EXIT_MMIO);
			CHECK_EQ_U64(rc.x[0].u.mmio.gpa, unbacked);
			CHECK_EQ_U64(rc.x[0].u.mmio.len, w);
			CHECK_EQ_U64(rc.x[0].u.mmio.is_write, 1);
			CHECK_EQ_U64(le(rc.x[0].u.mmio.data, w),
				     a.value & mask);
			/* and a load */
			a.write = 0;
			CHECK_EQ_U64(run_access(k, mode, &a, &rc), VMM_V_HALT);
			CHECK_EQ_U64(rc.x[0].reason, KVM_EXIT_MMIO);
			CHECK_EQ_U64(rc.x[0].u.mmio.gpa, unbacked);
			CHECK_EQ_U64(rc.x[0].u.mmio.len, w);
			CHECK_EQ_U64(rc.x[0].u.mmio.is_write, 0);
		}
		{
			/* rep insw, 5 times: one exit with the count (KVM
			 * reads a string IN ahead) */
			struct fuzz_access a = { .kind = FUZZ_ACC_STRING,
						 .width = 2,
						 .addr = 0x1234,
						 .count = 5,
						 .buf = 0x3000 };

			CHECK_EQ_U64(run_access(k, mode, &a, &rc), VMM_V_HALT);
			CHECK_EQ_U64(rc.x[0].reason, KVM_EXIT_IO);
			CHECK_EQ_U64(rc.x[0].u.io.dir, KVM_EXIT_IO_IN);
			CHECK_EQ_U64(rc.x[0].u.io.size, 2);
			CHECK_EQ_U64(rc.x[0].u.io.count, 5);
			CHECK_EQ_U64(rc.x[0].u.io.port, 0x1234);
			/* rep outsb, 3 times: 3 OUT exits of one byte */
			a.write = 1;
			a.width = 1;
			a.count = 3;
			CHECK_EQ_U64(run_access(k, mode, &a, &rc), VMM_V_HALT);
			CHECK_EQ_U64(rc.n, 4);
			for (unsigned int i = 0; i < 3; i++) {
				CHECK_EQ_U64(rc.x[i].reason, KVM_EXIT_IO);
				CHECK_EQ_U64(rc.x[i].u.io.dir, KVM_EXIT_IO_OUT);
				CHECK_EQ_U64(rc.x[i].u.io.size, 1);
			}
		}
	}
	{
		/* an IN, then an OUT that keeps the register: the input
		 * stream's word goes back out (an echo) */
		static uint8_t code[128];
		struct fuzz_access in = { .kind = FUZZ_ACC_PIO,
					  .width = 2,
					  .addr = 0x1234 };
		struct fuzz_access out = { .kind = FUZZ_ACC_PIO,
					   .write = 1,
					   .width = 2,
					   .addr = 0x1235,
					   .keep = 1 };
		struct vmm_scenario s;
		size_t n = fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32,
					    &in, code, sizeof(code));

		n += fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32, &out,
				      code + n, sizeof(code) - n - 1);
		code[n++] = 0xf4;
		sb_begin(&s, 0x200000, 5000);
		s.flags |= VMM_SCN_PERMISSIVE;
		s.has_input = 1;
		s.input = input_bytes;
		s.input_len = sizeof(input_bytes);
		(void)sb_code(&s, VMM_MODE_PROT32, 0x1000, code, n);
		CHECK_EQ_U64(run_rec(k, &s, &rc), VMM_V_HALT);
		CHECK_EQ_U64(rc.n, 3);
		CHECK_EQ_U64(rc.x[1].reason, KVM_EXIT_IO);
		CHECK_EQ_U64(rc.x[1].u.io.dir, KVM_EXIT_IO_OUT);
		CHECK_EQ_U64(rc.x[1].u.io.port, 0x1235);
		CHECK_EQ_U64(le(rc.x[1].u.io.data, 2), 0x2211);
	}
	{
		/* what a mode cannot express */
		uint8_t buf[64];
		struct fuzz_access far = { .kind = FUZZ_ACC_MMIO,
					   .write = 1,
					   .width = 4,
					   .addr = 0x100000,
					   .value = 1 };
		struct fuzz_access pio = { .kind = FUZZ_ACC_PIO,
					   .write = 1,
					   .width = 1,
					   .addr = 0x80,
					   .value = 1 };

		CHECK_EQ_U64(fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_REAL16,
					      &far, buf, sizeof(buf)),
			     0);
		CHECK_EQ_U64(fuzz_emit_access(VMM_ARCH_ARM64, 0, &pio, buf,
					      sizeof(buf)),
			     0);
		CHECK_EQ_U64(fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32,
					      &pio, buf, 3),
			     0); /* does not fit */
	}
}

/* ---- sequences that go on with the device of the code before ---- */

/* `code` (then HLT) as a permissive scenario with an input stream, encoded
 * into enc; returns its length (0: could not). */
static size_t encode_code(unsigned int mode, uint8_t *code, size_t n,
			  uint8_t *enc, size_t cap)
{
	struct vmm_scenario s;
	struct vmm_error e;
	size_t len;

	code[n++] = 0xf4;
	sb_begin(&s, mode == VMM_MODE_REAL16 ? 0x10000 : 0x200000, 5000);
	s.max_exits = 64;
	s.flags |= VMM_SCN_PERMISSIVE;
	s.has_input = 1;
	s.input = input_bytes;
	s.input_len = sizeof(input_bytes);
	(void)sb_code(&s, (uint8_t)mode, 0x1000, code, n);
	len = vmm_scenario_encode(&s, enc, cap, &e);
	CHECK(len > 0 && len <= cap);
	return len <= cap ? len : 0;
}

/* What a mutant's exits must show to count. */
typedef int (*exits_pred)(const struct rec *rc, const struct fuzz_access *a,
			  const struct fuzz_access *b);

/* Mutant `m` of enc[0..len) by operator `op` alone, run: 0 and its
 * exits in *rc, or -1 if it is not a valid scenario. */
static int run_mutant(struct vmm_kvm *k, const uint8_t *enc, size_t len,
		      unsigned int m, const char *op, struct rec *rc)
{
	static uint8_t buf[MAX_CODE_INPUT];
	struct vmm_scenario s;
	struct vmm_error e;
	size_t bn;

	memcpy(buf, enc, len);
	bn = fuzz_mutate_op(buf, len, sizeof(buf), m * 7919U, NULL, op);
	if (vmm_scenario_decode(buf, bn, &s, &e) < 0 ||
	    vmm_scenario_validate(&s, &e) < 0)
		return -1;
	(void)run_rec(k, &s, rc);
	return 0;
}

/* `count` access_seq mutants of enc run; returns those run, *hits those
 * whose exits `pred` accepts. */
static unsigned long seq_mutants(struct vmm_kvm *k, const uint8_t *enc,
				 size_t len, unsigned int count,
				 exits_pred pred, const struct fuzz_access *a,
				 const struct fuzz_access *b,
				 unsigned long *hits)
{
	static struct rec rc;
	unsigned long ran = 0;

	*hits = 0;
	for (unsigned int m = 1; m <= count && len; m++) {
		if (run_mutant(k, enc, len, m, "access_seq", &rc) != 0)
			continue;
		ran++;
		*hits += (unsigned long)pred(&rc, a, b);
	}
	return ran;
}

/* an exit at the register right after access a */
static int touches_next(const struct rec *rc, const struct fuzz_access *a,
			const struct fuzz_access *b)
{
	uint64_t want = a->addr + a->width;

	(void)b;
	for (uint32_t i = 0; i < rc->n; i++) {
		const struct vmm_exit *x = &rc->x[i];

		if (a->kind == FUZZ_ACC_MMIO
			    ? x->reason == KVM_EXIT_MMIO &&
				      x->u.mmio.gpa == want
			    : x->reason == KVM_EXIT_IO && x->u.io.port == want)
			return 1;
	}
	return 0;
}

/* after a's exit and before b's, an exit at the MMIO register after a */
static int next_between(const struct rec *rc, const struct fuzz_access *a,
			const struct fuzz_access *b)
{
	int seen_a = 0;

	for (uint32_t i = 0; i < rc->n; i++) {
		const struct vmm_exit *x = &rc->x[i];

		if (x->reason == KVM_EXIT_MMIO && x->u.mmio.gpa == a->addr)
			seen_a = 1;
		else if (x->reason == KVM_EXIT_IO && x->u.io.port == b->addr)
			return 0;
		else if (seen_a && x->reason == KVM_EXIT_MMIO &&
			 x->u.mmio.gpa == a->addr + a->width)
			return 1;
	}
	return 0;
}

/* One access then HLT: the sequence operator's mutants that go on with
 * that device touch the register right after it (its address plus its
 * width), which a device drawn afresh (a port in 65536, an unbacked page
 * in 2^20) practically never does. Covers the decoding of each form the
 * emitter writes: real16 MMIO through FS, a prefixed word OUT and REP
 * INS in 32-bit code, a 64-bit store. */
static void check_continue(struct vmm_kvm *k)
{
	static const struct {
		unsigned int mode;
		struct fuzz_access a;
	} cases[] = {
		{ VMM_MODE_REAL16,
		  { .kind = FUZZ_ACC_MMIO,
		    .write = 1,
		    .width = 4,
		    .addr = 0x80020,
		    .value = 0x11223344 } },
		{ VMM_MODE_PROT32,
		  { .kind = FUZZ_ACC_PIO,
		    .write = 1,
		    .width = 2,
		    .addr = 0x5a0,
		    .value = 0x1357 } },
		{ VMM_MODE_PROT32,
		  { .kind = FUZZ_ACC_STRING,
		    .write = 0,
		    .width = 2,
		    .addr = 0x6b0,
		    .count = 3,
		    .buf = 0x8000 } },
		{ VMM_MODE_LONG64,
		  { .kind = FUZZ_ACC_MMIO,
		    .write = 1,
		    .width = 8,
		    .addr = 0x20000100,
		    .value = 0x0102030405060708ULL } },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct fuzz_access *a = &cases[c].a;
		unsigned int mode = cases[c].mode;
		static uint8_t code[256], enc[MAX_CODE_INPUT];
		struct vmm_error e;
		size_t n = fuzz_emit_access(VMM_ARCH_X86_64, mode, a, code,
					    sizeof(code) - 1),
		       len;
		unsigned long ran, next;

		if (vmm_host_mode_check(k, (enum vmm_x86_mode)mode, &e) != 0)
			continue;
		CHECK(n > 0);
		len = encode_code(mode, code, n, enc, sizeof(enc));
		ran = seq_mutants(k, enc, len, 300, touches_next, a, NULL,
				  &next);
		(void)printf("continue case %zu (mode %u): %lu of %lu mutants "
			     "touch the register after the access\n",
			     c, mode, next, ran);
		CHECK(ran >= 250);
		CHECK(next * 30 >= ran);
	}
}

/* Code talking to two devices, A then B, then more code: mutants go on
 * with A right after A's access, before B's, which the insertion points
 * at the entry, before the HLT and at a random byte hardly ever give. */
static void check_continue_mid(struct vmm_kvm *k)
{
	static const struct fuzz_access a = { .kind = FUZZ_ACC_MMIO,
					      .write = 1,
					      .width = 4,
					      .addr = 0x20000100,
					      .value = 0x11223344 },
					b = { .kind = FUZZ_ACC_PIO,
					      .write = 1,
					      .width = 1,
					      .addr = 0x5a0,
					      .value = 0x42 };
	static uint8_t code[512], enc[MAX_CODE_INPUT];
	size_t n = fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32, &a, code,
				    sizeof(code)),
	       len;
	unsigned long ran, mid;

	n += fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32, &b, code + n,
			      sizeof(code) - n - 1);
	/* more code after B (NOPs), as a guest has: a byte picked at
	 * random rarely falls between A and B */
	memset(code + n, 0x90, 160);
	n += 160;
	len = encode_code(VMM_MODE_PROT32, code, n, enc, sizeof(enc));
	ran = seq_mutants(k, enc, len, 600, next_between, &a, &b, &mid);
	(void)printf("continue in the middle: %lu of %lu mutants touch A's "
		     "next register between A and B\n",
		     mid, ran);
	CHECK(ran >= 500);
	CHECK(mid * 60 >= ran);
}

/* ---- mutants of the corpus ---- */

#define MUTANTS_PER_SEED 60
#define MAX_INPUT 65536

struct reach {
	struct vmm_kvm *k;
	const char *op; /* one operator (fuzz_mutate_op), or all */
	unsigned long mutants, ran;
	unsigned long string_in, mmio8, out_wide, same_device;
};

static void tally(struct reach *t, const struct rec *rc)
{
	int s_in = 0, m8 = 0, wide = 0, same = 0;

	for (uint32_t i = 0; i < rc->n; i++) {
		const struct vmm_exit *x = &rc->x[i];

		if (x->reason == KVM_EXIT_IO) {
			s_in |= x->u.io.dir == KVM_EXIT_IO_IN &&
				x->u.io.count > 1;
			wide |= x->u.io.dir == KVM_EXIT_IO_OUT &&
				x->u.io.size >= 2 && x->u.io.count == 1;
		}
		if (x->reason == KVM_EXIT_MMIO)
			m8 |= x->u.mmio.is_write && x->u.mmio.len == 8;
		if (i && x->reason == rc->x[i - 1].reason &&
		    ((x->reason == KVM_EXIT_IO &&
		      x->u.io.port != rc->x[i - 1].u.io.port &&
		      x->u.io.port / 8 == rc->x[i - 1].u.io.port / 8) ||
		     (x->reason == KVM_EXIT_MMIO &&
		      x->u.mmio.gpa != rc->x[i - 1].u.mmio.gpa &&
		      x->u.mmio.gpa / 4096 == rc->x[i - 1].u.mmio.gpa / 4096)))
			same = 1;
	}
	t->string_in += (unsigned long)s_in;
	t->mmio8 += (unsigned long)m8;
	t->out_wide += (unsigned long)wide;
	t->same_device += (unsigned long)same;
}

static int one_seed(const char *path, void *ctx)
{
	struct reach *t = ctx;
	static uint8_t buf[MAX_INPUT];
	static struct rec rc;
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t *seed = NULL;
	uint64_t len = 0;

	if (vmm_file_load(NULL, path, MAX_INPUT, &seed, &len, &e) < 0)
		return 0;
	if (vmm_scenario_decode(seed, len, &s, &e) < 0 || s.has_irqchip) {
		free(seed); /* irqchip VMs are slow to close: left out */
		return 0;
	}
	for (unsigned int k = 1; k <= MUTANTS_PER_SEED; k++) {
		size_t n;

		memcpy(buf, seed, len);
		n = t->op ? fuzz_mutate_op(buf, len, sizeof(buf), k * 104729U,
					   NULL, t->op)
			  : fuzz_mutate(buf, len, sizeof(buf), k * 104729U,
					NULL);
		t->mutants++;
		if (vmm_scenario_decode(buf, n, &s, &e) < 0 || s.has_irqchip ||
		    vmm_scenario_validate(&s, &e) < 0)
			continue;
		t->ran++;
		(void)run_rec(t->k, &s, &rc);
		tally(t, &rc);
	}
	free(seed);
	return 0;
}

static void mutants(struct vmm_kvm *k, const char *dir, const char *op,
		    struct reach *t)
{
	struct vmm_error e;

	memset(t, 0, sizeof(*t));
	t->k = k;
	t->op = op;
	CHECK(vmm_dir_each(dir, one_seed, t, &e) == 0);
	(void)printf("%s: %lu mutants (%lu run): string IN with a count %lu, "
		     "8-byte MMIO write %lu, word/dword OUT %lu, two accesses "
		     "to one device %lu\n",
		     op ? op : "all operators", t->mutants, t->ran,
		     t->string_in, t->mmio8, t->out_wide, t->same_device);
	CHECK(t->ran * 10 >= t->mutants * 9);
}

static void check_mutants(struct vmm_kvm *k, const char *dir)
{
	struct reach all, seq;

	/* the whole mutator, and the sequence operator alone */
	mutants(k, dir, NULL, &all);
	mutants(k, dir, "access_seq", &seq);
	/* every mutant gets a sequence: string IN, 8-byte MMIO writes
	 * (long64 seeds), word/dword OUTs and device sequences are common
	 * (all operators: 7, 6, 26, 61 of 1440 here) */
	CHECK(seq.string_in * 40 >= seq.ran);
	CHECK(seq.mmio8 * 40 >= seq.ran);
	CHECK(seq.out_wide * 8 >= seq.ran);
	CHECK(seq.same_device * 4 >= seq.ran);
	CHECK(seq.string_in > 3 * all.string_in);
	CHECK(seq.same_device > 3 * all.same_device);
}

/* ---- an access of the code made again, one attribute or more changed ---- */

/* what exit `x` shows: direction, width, port or address, a write's value */
static void exit_access(const struct vmm_exit *x, int *write, uint64_t *width,
			uint64_t *addr, uint64_t *value)
{
	if (x->reason == KVM_EXIT_MMIO) {
		*write = x->u.mmio.is_write;
		*width = x->u.mmio.len;
		*addr = x->u.mmio.gpa;
		*value = *write ? le(x->u.mmio.data, x->u.mmio.len) : 0;
	} else {
		*write = x->u.io.dir == KVM_EXIT_IO_OUT;
		*width = x->u.io.size;
		*addr = x->u.io.port;
		*value = *write ? le(x->u.io.data, x->u.io.size) : 0;
	}
}

/* prot32: a 4-byte MMIO write of 0x11223344 at 0x20000100, a 2-byte IN
 * from 0x1234, HLT. Each "access_edit" mutation (a mutant has 1-3) makes
 * one of the two again with its direction, width or register changed
 * (one or more of them), and the code stays two accesses and a HLT; a
 * write that stays a write at another register or width keeps its
 * value's low bytes half the time. */
static void check_edit(struct vmm_kvm *k)
{
	static uint8_t code[128], enc[MAX_CODE_INPUT];
	static struct rec rc;
	struct fuzz_access wr = { .kind = FUZZ_ACC_MMIO,
				  .write = 1,
				  .width = 4,
				  .addr = 0x20000100,
				  .value = 0x11223344 };
	struct fuzz_access in = { .kind = FUZZ_ACC_PIO,
				  .width = 2,
				  .addr = 0x1234 };
	const struct fuzz_access *orig[2] = { &wr, &in };
	unsigned long ran = 0, two = 0, one = 0, dir = 0, width = 0, addr = 0,
		      kept_value = 0, new_value = 0;
	size_t n, len;

	n = fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32, &wr, code,
			     sizeof(code));
	n += fuzz_emit_access(VMM_ARCH_X86_64, VMM_MODE_PROT32, &in, code + n,
			      sizeof(code) - n - 1);
	len = encode_code(VMM_MODE_PROT32, code, n, enc, sizeof(enc));
	for (unsigned int m = 1; m <= 70 && len; m++) {
		unsigned int changed = 0;

		if (run_mutant(k, enc, len, m, "access_edit", &rc) != 0)
			continue;
		ran++;
		if (rc.n != 3 || rc.x[2].reason != KVM_EXIT_HLT)
			continue;
		two++;
		for (unsigned int i = 0; i < 2; i++) {
			const struct fuzz_access *a = orig[i];
			uint64_t w, ad, v;
			int wrt;

			exit_access(&rc.x[i], &wrt, &w, &ad, &v);
			if (wrt == a->write && w == a->width && ad == a->addr &&
			    (!wrt || v == a->value))
				continue;
			changed++;
			dir += wrt != a->write;
			width += w != a->width;
			addr += ad != a->addr;
			if (wrt && a->write && (w != a->width || ad != a->addr))
				*(v == (a->value &
					(w < 8 ? (1ULL << (8 * w)) - 1 : ~0ULL))
					  ? &kept_value
					  : &new_value) += 1;
		}
		one += changed == 1;
	}
	(void)printf("access_edit: %lu mutants run, two accesses and a HLT "
		     "%lu, one access changed %lu; changed: direction %lu, "
		     "width %lu, register %lu; a write moved, value kept %lu, "
		     "new %lu\n",
		     ran, two, one, dir, width, addr, kept_value, new_value);
	CHECK(ran >= 60);
	CHECK_EQ_U64(two, ran);
	CHECK(one * 3 >= ran);
	CHECK(dir * 4 >= ran && width * 4 >= ran && addr * 4 >= ran);
	CHECK(kept_value > 0 && new_value > 0);
}

int main(int argc, char **argv)
{
	struct vmm_kvm k;
	struct vmm_error e;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "cannot open KVM: %s\n", e.msg);
		return 1;
	}
	check_modes(&k);
	check_continue(&k);
	check_continue_mid(&k);
	check_edit(&k);
	check_mutants(&k, argv[1]);
	vmm_kvm_close(&k);
	return check_report("test_access");
}
