/* The mutator and the feedback, without KVM:
 *  - vCPUs of mutated scenarios start on the input's code: of the mutants
 *    of the shipped corpus (fixed seeds, four generations each), at most
 *    one vCPU entry in 50 lies outside every blob and fill (zeroed memory
 *    runs until the timeout; one in 16 is left there on purpose);
 *  - a real-mode mutant gets HLTs where a fault through a zero vector
 *    table lands (0, and 0xf4 for vector 0): at most one in 8 of them
 *    leaves the table zero (one in 16 per generation on purpose);
 *  - every mutant decodes and validates;
 *  - with a byte mutator (libFuzzer's LLVMFuzzerMutate, whose comparison
 *    tables give values the VMM compared), what it returns reaches guest
 *    code as a mov immediate and the vCPU registers as a reg value: a
 *    stand-in that always returns one value shows up in both;
 *  - crossover splices another input's device accesses into the code
 *    where vCPU 0 starts: a run of two accesses fuzz_emit_access wrote,
 *    found among other bytes, comes over whole;
 *  - the comparison table (fuzz/cmp_table.h) keeps the last 4 constants
 *    each value was compared with, not equal pairs or 0; the "cmp"
 *    operator puts a noted constant (or its neighbour +-1) where the input
 *    holds the compared value: a mov immediate at the width the exit carries (the bytes
 *    above stay), a register, the input stream; the whole mutator does so
 *    often with a filled table and never with an empty one;
 *  - a general-purpose register the input does not set (reset value 0)
 *    that was compared with a constant gets a `reg` record with it: the
 *    "cmp" operator adds one (any such register, not rbx only: the input
 *    sets rbx) and leaves set registers alone;
 *  - the AFL++ route: a table another process noted in a shared file
 *    (fuzz_cmp_share, as the AFL++ target does) is what the AFL++ custom
 *    mutator (fuzz/afl_mutator.c, VMM_CMP_SHM) draws its constants from;
 *    a missing, short, foreign-size or garbage file leaves the operator
 *    off (no constant in 1000 mutants) and never faults;
 *  - the table by site: comparisons made while an OUT or MMIO write is
 *    serviced, of a value it wrote (zero-extended or its low bytes; a string OUT's
 *    first elements, among 200 other comparisons), are kept for the
 *    register written and for any register of its kind and width; not a
 *    read's, nor those of another value, nor those outside a service; a
 *    shared file carries them to the custom mutator;
 *  - the "pin" operator loads such a constant into the register a write
 *    writes, right before it (an OUT of a computed value in real16, a
 *    long64 store through [rbx] to a known address, an arm64 STR; a REP
 *    OUTSW gets its first element stored at [si]): in most
 *    of 300 mutants with the table, in none without;
 *  - a run that shows a new check (a constant a register's written value
 *    was compared with, never seen there before) keeps its input; the
 *    mutator, handed another input, gives the kept one that constant
 *    right before its write to that register (not before its other
 *    write), or where its input stream holds the value written (a value
 *    read and echoed; at the stream's end for open bus), 64 times, then goes back to the input handed; a
 *    check seen again, or its constant at another register of that kind
 *    and width, keeps nothing; an MMIO read whose offset was compared
 *    with another offset is kept too, and gets the other address where
 *    the code holds it; the shared file carries the kept inputs;
 *  - a run the clock ended is not kept by the engine (fuzz_feedback_end
 *    returns 0), whatever else it did; every other outcome is, and a
 *    finding is kept whatever ended its run.
 * Usage: test_mutator CORPUS_DIR */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/feedback.h"
#include "fuzz/cmp_table.h"
#include "fuzz/mutator.h"
#include "tests/check.h"
#include "tests/exit_builder.h"
#include "tests/scenario_builder.h"
#include "vmm/exit.h"
#include "vmm/file.h"
#include "vmm/scenario.h"

#define MAX_INPUT 65536
#define MUTANTS_PER_SEED 400
#define GENERATIONS 4

struct tally {
	unsigned long seeds, mutants, invalid, entries, off_code;
	unsigned long real16, open_ivt; /* real-mode mutants; zero at 0 */
};

/* A real16 vCPU and a slot at 0 that the input leaves zero at the first
 * vector table entries (a fault would run the table as code) or puts the
 * mutator's two HLTs in (at 0, and at 0xf4 for vector 0). */
static void tally_ivt(struct tally *t, const struct vmm_scenario *s)
{
	int real16 = 0, slot0 = 0;

	for (uint32_t c = 0; c < s->nvcpus; c++)
		real16 |= s->vcpus[c].mode == 0;
	for (uint32_t i = 0; i < s->nslots; i++)
		slot0 |= s->slots[i].gpa == 0;
	if (s->arch != VMM_ARCH_X86_64 || !real16 || !slot0)
		return;
	for (uint32_t i = 0; i < s->nfills; i++)
		if (s->fills[i].gpa < 0xf5)
			return;
	for (uint32_t i = 0; i < s->nblobs; i++) {
		const struct vmm_blob_spec *b = &s->blobs[i];

		if (b->gpa == 0 && b->len == 0xf5 && b->data[0] == 0xf4 &&
		    b->data[0xf4] == 0xf4) {
			t->real16++;
			return;
		}
		if (b->gpa < 0xf5)
			return; /* the input's own bytes there */
	}
	t->real16++;
	t->open_ivt++;
}

static int one_seed(const char *path, void *ctx)
{
	struct tally *t = ctx;
	static uint8_t buf[MAX_INPUT];
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t *seed = NULL;
	uint64_t len = 0;

	if (vmm_file_load(NULL, path, MAX_INPUT, &seed, &len, &e) < 0) {
		(void)fprintf(stderr, "%s: %s\n", path, e.msg);
		CHECK(0);
		return 0;
	}
	if (vmm_scenario_decode(seed, len, &s, &e) < 0) {
		free(seed); /* not a scenario: not this test's input */
		return 0;
	}
	t->seeds++;
	for (unsigned int k = 1; k <= MUTANTS_PER_SEED; k++) {
		size_t n;

		memcpy(buf, seed, len);
		n = len;
		for (unsigned int g = 0; g < GENERATIONS; g++)
			n = fuzz_mutate(buf, n, sizeof(buf), k * 7919U + g,
					NULL);
		t->mutants++;
		if (vmm_scenario_decode(buf, n, &s, &e) < 0 ||
		    vmm_scenario_validate(&s, &e) < 0) {
			t->invalid++;
			continue;
		}
		tally_ivt(t, &s);
		for (uint32_t c = 0; c < s.nvcpus; c++) {
			t->entries++;
			t->off_code +=
				vmm_scenario_code_end(&s, s.vcpus[c].entry,
						      NULL) == s.vcpus[c].entry;
		}
	}
	free(seed);
	return 0;
}

/* A byte mutator that answers every 8-byte buffer (an operand or register
 * the mutator hands it, zero-extended) with one value. */
static const uint64_t cmp_value = 0x0123456789abcdefULL;

static size_t fixed_bm(uint8_t *data, size_t size, size_t max)
{
	if (size == 8 && max >= 8)
		memcpy(data, &cmp_value, 8);
	return size;
}

struct cmp_tally {
	unsigned long mutants, in_code, in_regs;
};

static int cmp_seed(const char *path, void *ctx)
{
	struct cmp_tally *t = ctx;
	static uint8_t buf[MAX_INPUT];
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t *seed = NULL;
	uint64_t len = 0;

	if (vmm_file_load(NULL, path, MAX_INPUT, &seed, &len, &e) < 0)
		return 0;
	if (vmm_scenario_decode(seed, len, &s, &e) < 0 ||
	    s.arch != VMM_ARCH_X86_64) {
		free(seed);
		return 0;
	}
	for (unsigned int k = 1; k <= 100; k++) {
		size_t n;
		int code = 0, reg = 0;

		memcpy(buf, seed, len);
		n = fuzz_mutate(buf, len, sizeof(buf), k * 31337U, fixed_bm);
		t->mutants++;
		if (vmm_scenario_decode(buf, n, &s, &e) < 0)
			continue;
		/* mov r8/r16/r32, imm with the value's low bytes */
		for (uint32_t b = 0; b < s.nblobs; b++)
			for (uint64_t i = 0; i + 3 <= s.blobs[b].len; i++)
				code |= s.blobs[b].data[i] >= 0xb0 &&
					s.blobs[b].data[i] <= 0xbf &&
					s.blobs[b].data[i + 1] == 0xef &&
					s.blobs[b].data[i + 2] == 0xcd;
		for (uint32_t c = 0; c < s.nvcpus; c++)
			for (unsigned int r = 0; r < VMM_MAX_REGS; r++)
				reg |= (s.vcpus[c].reg_mask >> r & 1) &&
				       s.vcpus[c].regs[r] == cmp_value;
		t->in_code += (unsigned long)code;
		t->in_regs += (unsigned long)reg;
	}
	free(seed);
	return 0;
}

static void check_cmp_values(const char *dir)
{
	struct cmp_tally t;
	struct vmm_error e;

	memset(&t, 0, sizeof(t));
	CHECK(vmm_dir_each(dir, cmp_seed, &t, &e) == 0);
	(void)printf("%lu mutants with a byte mutator: its value in a mov "
		     "immediate %lu, in a register %lu\n",
		     t.mutants, t.in_code, t.in_regs);
	CHECK(t.in_code * 100 >= t.mutants);
	CHECK(t.in_regs * 200 >= t.mutants);
}

/* One prot32 scenario: `code` at 0x1000, where vCPU 0 starts. */
static size_t one_blob(const uint8_t *code, size_t n, uint8_t *out, size_t max)
{
	struct vmm_scenario s;
	struct vmm_error e;

	vmm_scenario_init(&s);
	s.max_exits = 64;
	s.timeout_ms = 100;
	s.nslots = 1;
	s.slots[0].size = 0x10000;
	s.nblobs = 1;
	s.blobs[0] = (struct vmm_blob_spec){ 0x1000, code, n };
	s.nvcpus = 1;
	s.vcpus[0].mode = 1;
	s.vcpus[0].entry = 0x1000;
	n = vmm_scenario_encode(&s, out, max, &e);
	return n <= max ? n : 0;
}

static void check_splice(void)
{
	static const uint8_t hlt[] = { 0x90, 0x90, 0xf4 };
	static uint8_t a[4096], b[4096], out[8192], code[256];
	const struct fuzz_access acc[2] = {
		{ .kind = FUZZ_ACC_PIO,
		  .write = 1,
		  .width = 2,
		  .addr = 0x3fb,
		  .value = 0x5a5a },
		{ .kind = FUZZ_ACC_MMIO,
		  .write = 1,
		  .width = 4,
		  .addr = 0x20000000,
		  .value = 0x12345678 },
	};
	size_t an, bn, n = 0, run;
	unsigned long hits = 0;

	/* other bytes, the two accesses, other bytes */
	memset(code, 0x90, 16);
	n = 16;
	for (unsigned int i = 0; i < 2; i++)
		n += fuzz_emit_access(VMM_ARCH_X86_64, 1, &acc[i], code + n,
				      sizeof(code) - n);
	run = n - 16;
	CHECK(run > 10);
	memset(code + n, 0x90, 16);
	code[n + 16] = 0xf4;
	n += 17;
	an = one_blob(hlt, sizeof(hlt), a, sizeof(a));
	bn = one_blob(code, n, b, sizeof(b));
	CHECK(an > 0 && bn > 0);
	for (unsigned int k = 1; k <= 200; k++) {
		struct vmm_scenario s;
		struct vmm_error e;
		size_t on = fuzz_crossover(a, an, b, bn, out, sizeof(out), k);

		if (!on || vmm_scenario_decode(out, on, &s, &e) < 0)
			continue;
		for (uint32_t i = 0; i < s.nblobs; i++) {
			const struct vmm_blob_spec *bl = &s.blobs[i];
			uint64_t at;

			if (bl->gpa != 0x1000 || s.vcpus[0].entry != 0x1000)
				continue;
			/* at the entry, or before the HLT after it */
			for (at = 0; at + run <= bl->len; at++)
				if (memcmp(bl->data + at, code + 16, run) ==
					    0 &&
				    (at == 0 || at == 2)) {
					hits++;
					break;
				}
		}
	}
	(void)printf("crossover: the other input's two accesses spliced in "
		     "%lu of 200\n",
		     hits);
	CHECK(hits >= 20);
}

static void check_keep(void)
{
	static struct fuzz_feedback fb;
	static struct vmm_input_outcome o;

	memset(&o, 0, sizeof(o));
	o.decoded = 1;
	o.result.verdict = VMM_V_TIMEOUT;
	fuzz_feedback_begin(&fb);
	CHECK_EQ_U64(fuzz_feedback_end(&fb, &o), 0);
	o.finding = VMM_FIND_VCPU_HANG;
	fuzz_feedback_begin(&fb);
	CHECK_EQ_U64(fuzz_feedback_end(&fb, &o), 1);
	o.finding = VMM_FIND_NONE;
	for (int v = 0; v < VMM_V_COUNT; v++) {
		if (v == VMM_V_TIMEOUT)
			continue;
		o.result.verdict = (enum vmm_verdict)v;
		fuzz_feedback_begin(&fb);
		CHECK_EQ_U64(fuzz_feedback_end(&fb, &o), 1);
	}
	o.decoded = 0; /* undecodable input: kept like any other */
	CHECK_EQ_U64(fuzz_feedback_end(&fb, &o), 1);
}

/* Action records: mutating the corpus's two-vCPU dirty-log seed (four
 * actions) and a seed without any, the mutator adds, drops and changes
 * actions, reaches every kind and both triggers, and every mutant decodes
 * (canonical order included). fuzz_actions_canonical sorts and drops
 * duplicates and records naming missing vCPUs. */
static void check_actions(const char *dir)
{
	static uint8_t buf[MAX_INPUT], seed[MAX_INPUT];
	static const char *const seeds[] = { "long64_act_dirty_two_vcpus",
					     "long64_hello" };
	unsigned long added = 0, dropped = 0, changed = 0, bad = 0;
	unsigned int kinds = 0, triggers = 0;
	struct vmm_scenario a, b;
	struct vmm_error e;

	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		char path[512];
		uint8_t *p = NULL;
		uint64_t n = 0;

		(void)snprintf(path, sizeof(path), "%s/%s.kvms", dir, seeds[k]);
		if (vmm_file_load(NULL, path, MAX_INPUT, &p, &n, &e) < 0) {
			CHECK(0);
			continue;
		}
		memcpy(seed, p, n);
		free(p);
		CHECK(vmm_scenario_decode(seed, n, &a, &e) == 0);
		for (unsigned int i = 0; i < 3000; i++) {
			size_t m;

			memcpy(buf, seed, n);
			m = fuzz_mutate(buf, n, sizeof(buf), i * 7919U + 1,
					NULL);
			if (vmm_scenario_decode(buf, m, &b, &e) < 0) {
				bad++;
				continue;
			}
			for (uint32_t q = 0; q < b.nactions; q++) {
				kinds |= 1U << b.actions[q].kind;
				triggers |= 1U << b.actions[q].trigger;
			}
			if (b.nactions > a.nactions)
				added++;
			else if (b.nactions < a.nactions)
				dropped++;
			else if (b.nactions &&
				 memcmp(b.actions, a.actions,
					b.nactions * sizeof(b.actions[0])) != 0)
				changed++;
		}
	}
	(void)printf("action mutations: %lu added, %lu dropped, %lu changed, "
		     "%lu undecodable, kinds 0x%x\n",
		     added, dropped, changed, bad, kinds);
	CHECK(added > 0 && dropped > 0 && changed > 0);
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(kinds, (1U << VMM_AK_COUNT) - 1);
	CHECK_EQ_U64(triggers, 3);

	/* canonical: out of order, a duplicate, a missing vCPU */
	vmm_scenario_init(&a);
	a.nvcpus = 1;
	a.nactions = 4;
	memset(a.actions, 0, sizeof(a.actions));
	a.actions[0].kind = VMM_AK_NMI;
	a.actions[0].when = 5;
	a.actions[1].kind = VMM_AK_NMI;
	a.actions[1].when = 2;
	a.actions[2] = a.actions[0];
	a.actions[3].kind = VMM_AK_NMI;
	a.actions[3].when = 1;
	a.actions[3].vcpu = 1;
	fuzz_actions_canonical(&a);
	CHECK_EQ_U64(a.nactions, 2);
	CHECK_EQ_U64(a.actions[0].when, 2);
	CHECK_EQ_U64(a.actions[1].when, 5);
}

/* A byte compared in a 1-byte comparison keeps its constant while the
 * same small value goes through wider comparisons with other constants
 * (sizes, counts, exit reasons): the main slot turns over, the byte
 * table holds the last FUZZ_CMP_BYTE_PER 1-byte ones. */
static void check_cmp_bytes(void)
{
	uint64_t c[FUZZ_CMP_FIND_MAX];
	unsigned int n, a7 = 0;

	fuzz_cmp_clear();
	fuzz_cmp_note(0xa7, 0x01, 1);
	for (uint64_t k = 2; k <= 9; k++) /* wider comparisons of 1 */
		fuzz_cmp_note(k, 0x01, 4);
	n = fuzz_cmp_find(0x01, c, FUZZ_CMP_FIND_MAX);
	CHECK_EQ_U64(n, FUZZ_CMP_PER + 1);
	for (unsigned int i = 0; i < n; i++)
		a7 += c[i] == 0xa7;
	CHECK_EQ_U64(a7, 1);
	/* the byte table keeps the last 8 of its own */
	for (uint64_t k = 0x10; k < 0x10 + FUZZ_CMP_BYTE_PER + 1; k++)
		fuzz_cmp_note(k, 0x01, 1);
	n = fuzz_cmp_find(0x01, c, FUZZ_CMP_FIND_MAX);
	CHECK_EQ_U64(n, FUZZ_CMP_FIND_MAX);
	for (unsigned int i = FUZZ_CMP_PER; i < n; i++)
		CHECK(c[i] >= 0x11 && c[i] <= 0x10 + FUZZ_CMP_BYTE_PER);
	/* a value above a byte never reads it */
	CHECK_EQ_U64(fuzz_cmp_find(0x101, c, FUZZ_CMP_FIND_MAX), 0);
	fuzz_cmp_clear();
	CHECK_EQ_U64(fuzz_cmp_find(0x01, c, FUZZ_CMP_FIND_MAX), 0);
}

static void check_cmp_table(void)
{
	uint64_t c[8];

	fuzz_cmp_clear();
	CHECK_EQ_U64(fuzz_cmp_find(0x1234, c, 8), 0);
	fuzz_cmp_note(0x1234, 0x1234, 2); /* equal: nothing to learn */
	fuzz_cmp_note(0, 0x1234, 2);	  /* 0: not kept */
	CHECK_EQ_U64(fuzz_cmp_noted(), 0);
	for (uint64_t k = 1; k <= 6; k++)
		fuzz_cmp_note(0x100 + k, 0x1234, 2);
	fuzz_cmp_note(0x106, 0x1234, 2); /* already held */
	CHECK_EQ_U64(fuzz_cmp_noted(), 6);
	CHECK_EQ_U64(fuzz_cmp_find(0x1234, c, 8), 4);
	for (unsigned int i = 0; i < 4; i++) /* the last four */
		CHECK(c[i] >= 0x103 && c[i] <= 0x106);
	CHECK_EQ_U64(fuzz_cmp_find(0x1235, c, 8), 0);
	fuzz_cmp_clear();
	CHECK_EQ_U64(fuzz_cmp_noted(), 0);
	CHECK_EQ_U64(fuzz_cmp_find(0x1234, c, 8), 0);
	/* a full slot gives up the constant compared most often: one that
	 * only a deeper check compared (once) stays while new ones come */
	fuzz_cmp_note(0x5e5e, 0x77, 2);
	for (unsigned int i = 0; i < 10; i++) {
		fuzz_cmp_note(0x4, 0x77, 2);
		fuzz_cmp_note(0x8, 0x77, 2);
		fuzz_cmp_note(0xb, 0x77, 2);
	}
	fuzz_cmp_note(0x9, 0x77, 2);
	fuzz_cmp_note(0xa, 0x77, 2);
	CHECK_EQ_U64(fuzz_cmp_find(0x77, c, 8), 4);
	{
		unsigned int rare = 0, fresh = 0;

		for (unsigned int i = 0; i < 4; i++) {
			rare += c[i] == 0x5e5e;
			fresh += c[i] == 0x9 || c[i] == 0xa;
		}
		CHECK_EQ_U64(rare, 1);
		CHECK_EQ_U64(fresh, 2);
	}
	fuzz_cmp_clear();
	check_cmp_bytes();
}

static uint64_t blob_le(const struct vmm_scenario *s, uint64_t at,
			unsigned int w)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < w; i++)
		v |= (uint64_t)s->blobs[0].data[at + i] << (8 * i);
	return v;
}

/* An input of one vCPU running `code` at 0x1000 in `mode` of `arch` (64
 * KiB of RAM, 64 exits), with `flags` and the input stream in[0..inlen)
 * (none if inlen is 0), encoded into out[0..max): its size, 0 if it
 * does not fit. */
static size_t code_input(uint8_t *out, size_t max, unsigned int arch,
			 unsigned int mode, const uint8_t *code, size_t len,
			 uint32_t flags, const uint8_t *in, size_t inlen)
{
	struct vmm_scenario s;
	struct vmm_error e;
	size_t n;

	sb_begin(&s, 0x10000, 100);
	s.arch = (uint8_t)arch;
	s.max_exits = 64;
	s.flags = flags;
	(void)sb_code(&s, mode, 0x1000, code, len);
	if (inlen) {
		s.has_input = 1;
		s.input = in;
		s.input_len = inlen;
	}
	n = vmm_scenario_encode(&s, out, max, &e);
	return n <= max ? n : 0;
}

/* prot32: mov dx, 0x80; mov eax, 0x1234abcd; out dx, ax; hlt - and rbx,
 * an input stream holding 0x77665544 at offset 3 */
static size_t cmp_input(uint8_t *out, size_t max)
{
	static const uint8_t code[] = { 0x66, 0xba, 0x80, 0x00, 0xb8, 0xcd,
					0xab, 0x34, 0x12, 0x66, 0xef, 0xf4 };
	static const uint8_t in[] = { 1, 2, 3, 0x44, 0x55, 0x66, 0x77, 9 };
	struct vmm_scenario s;
	struct vmm_error e;
	size_t n;

	sb_begin(&s, 0x10000, 100);
	s.max_exits = 64;
	s.flags = VMM_SCN_PERMISSIVE;
	(void)sb_code(&s, 1, 0x1000, code, sizeof(code));
	s.vcpus[0].reg_mask = 1ULL << 1; /* rbx */
	s.vcpus[0].regs[1] = 0x1122334455667788ULL;
	s.has_input = 1;
	s.input = in;
	s.input_len = sizeof(in);
	n = vmm_scenario_encode(&s, out, max, &e);
	return n <= max ? n : 0;
}

/* v is c or its neighbour (the operator writes c +-1 half the time) */
static int near(uint64_t v, uint64_t c)
{
	return v == c || v == c + 1 || v == c - 1;
}

static uint64_t in_le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24;
}

static void check_cmp_operator(void)
{
	static uint8_t seed[4096], buf[4096];
	size_t len = cmp_input(seed, sizeof(seed));
	unsigned long code = 0, reg = 0, input = 0, other = 0, whole = 0;
	struct vmm_scenario s;
	struct vmm_error e;

	CHECK(len > 0);
	fuzz_cmp_clear();
	/* what an exit's compare saw: the OUT's 16 bits; rbx at 64 bits; a
	 * 32-bit read from the input stream */
	fuzz_cmp_note(0x5a5a, 0xabcd, 8);
	fuzz_cmp_note(0x0badf00dcafe1234ULL, 0x1122334455667788ULL, 8);
	fuzz_cmp_note(0x31323334, 0x77665544, 4);
	fuzz_cmp_note(0x123456789ULL, 0xabcd, 8); /* does not fit 16 bits */
	for (unsigned int k = 1; k <= 300; k++) {
		size_t n;

		memcpy(buf, seed, len);
		n = fuzz_mutate_op(buf, len, sizeof(buf), k, NULL, "cmp");
		CHECK(n > 0);
		if (vmm_scenario_decode(buf, n, &s, &e) < 0) {
			CHECK(0);
			continue;
		}
		{
			int a = near(blob_le(&s, 5, 4), 0x12345a5a);
			int b = near(s.vcpus[0].regs[1], 0x0badf00dcafe1234ULL);
			int c = s.has_input && s.input_len == 8 &&
				near(in_le(s.input + 3), 0x31323334);

			code += (unsigned long)a;
			reg += (unsigned long)b;
			input += (unsigned long)c;
			other += (unsigned long)!(a || b || c);
		}
	}
	(void)printf("cmp operator, 300 mutants: constant (+-1) in the mov "
		     "immediate %lu, in rbx %lu, in the input %lu, else %lu\n",
		     code, reg, input, other);
	CHECK(code >= 60 && reg >= 60 && input >= 60);
	CHECK_EQ_U64(other, 0);
	/* the whole mutator: often with the table, never without */
	for (int filled = 1; filled >= 0; filled--) {
		unsigned long hits = 0;

		if (!filled)
			fuzz_cmp_clear();
		for (unsigned int k = 1; k <= 1000; k++) {
			size_t n;

			memcpy(buf, seed, len);
			n = fuzz_mutate(buf, len, sizeof(buf), k, NULL);
			hits += n && (memmem(buf, n, "\x59\x5a\x34\x12", 4) ||
				      memmem(buf, n, "\x5a\x5a\x34\x12", 4) ||
				      memmem(buf, n, "\x5b\x5a\x34\x12", 4));
		}
		(void)printf("whole mutator, 1000 mutants, table %s: the "
			     "constant in the immediate %lu\n",
			     filled ? "filled" : "empty", hits);
		if (filled)
			whole = hits;
		else
			CHECK_EQ_U64(hits, 0);
	}
	CHECK(whole >= 20);
}

/* An OUT of a value loaded from memory (mov eax, [0x1010]): no mov
 * immediate holds it, but the blob's bytes do, and the operator writes
 * the constant over them. */
static void check_cmp_blob_bytes(void)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0x80, 0x00,		   /* mov dx, 0x80 */
		0xa1, 0x10, 0x10, 0x00, 0x00,	   /* mov eax, [0x1010] */
		0xef, 0xf4, 0xf4, 0xf4, 0xf4,	   /* out dx, eax; hlt */
		0xf4, 0xf4, 0x11, 0x22, 0x33, 0x44 /* at 0x1010 */
	};
	static uint8_t seed[4096], buf[4096];
	struct vmm_scenario s;
	struct vmm_error e;
	size_t len = code_input(seed, sizeof(seed), VMM_ARCH_X86_64, 1, code,
				sizeof(code), VMM_SCN_PERMISSIVE, NULL, 0);
	unsigned long hits = 0, empty = 0;

	CHECK(len > 0 && len <= sizeof(seed));
	for (int filled = 1; filled >= 0 && len <= sizeof(seed); filled--) {
		fuzz_cmp_clear();
		if (filled)
			fuzz_cmp_note(0x0badcafe, 0x44332211, 4);
		for (unsigned int k = 1; k <= 300; k++) {
			size_t n;

			memcpy(buf, seed, len);
			n = fuzz_mutate_op(buf, len, sizeof(buf), k, NULL,
					   "cmp");
			if (vmm_scenario_decode(buf, n, &s, &e) < 0)
				continue;
			if (near(blob_le(&s, 0x10, 4), 0x0badcafe))
				*(filled ? &hits : &empty) += 1;
		}
	}
	(void)printf("cmp operator, 300 mutants: the constant over a value "
		     "in the blob's data %lu (empty table %lu)\n",
		     hits, empty);
	CHECK(hits >= 100);
	CHECK_EQ_U64(empty, 0);
	fuzz_cmp_clear();
}

/* a one-element port exit and an MMIO write of the value v */
static struct vmm_exit io_exit(uint8_t dir, uint16_t port, uint8_t size,
			       uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	return xb_io(dir, port, size, 1, b);
}

static struct vmm_exit mmio_exit(uint64_t gpa, uint8_t len, uint64_t v)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return xb_mmio(gpa, len, 1, b);
}

static unsigned int site_has(uint64_t key, uint64_t c)
{
	uint64_t got[FUZZ_CMP_SITE_PER];
	unsigned int n = fuzz_cmp_site_find(key, got, FUZZ_CMP_SITE_PER);

	for (unsigned int i = 0; i < n; i++)
		if (got[i] == c)
			return n;
	return 0;
}

/* comparison (c, var, w) made while the VMM services exit x */
static void serviced(const struct vmm_exit *x, uint64_t c, uint64_t var,
		     unsigned int w)
{
	fuzz_cmp_site_begin(x);
	fuzz_cmp_note(c, var, w);
	fuzz_cmp_site_end();
}

static void check_site_table(void)
{
	const uint64_t e9 = fuzz_cmp_site_key(0, 2, 0xe9, 0);
	const uint64_t any2 = fuzz_cmp_site_key(0, 2, 0, 1);
	const uint64_t mm = fuzz_cmp_site_key(1, 4, 0xd0000004ULL, 0);
	struct vmm_exit x;

	fuzz_cmp_clear();
	x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	serviced(&x, 0x1357, 0x37, 2);	 /* the value the OUT wrote */
	serviced(&x, 0x2468, 0x99, 2);	 /* another value */
	serviced(&x, 0x7531, 0x37, 8);	 /* the value, zero-extended */
	serviced(&x, 0x123456, 0x37, 8); /* wider than the OUT */
	CHECK_EQ_U64(site_has(e9, 0x1357), 2);
	CHECK_EQ_U64(site_has(e9, 0x7531), 2);
	CHECK_EQ_U64(site_has(any2, 0x1357), 2);
	CHECK_EQ_U64(site_has(fuzz_cmp_site_key(0, 2, 0x3f8, 0), 0x1357), 0);
	CHECK_EQ_U64(site_has(fuzz_cmp_site_key(0, 1, 0xe9, 0), 0x1357), 0);
	/* outside a service, or in a read's: not kept */
	fuzz_cmp_note(0x1111, 0x37, 2);
	x = io_exit(KVM_EXIT_IO_IN, 0xe9, 2, 0x37);
	serviced(&x, 0x1112, 0x37, 2);
	CHECK_EQ_U64(site_has(e9, 0x1111), 0);
	CHECK_EQ_U64(site_has(e9, 0x1112), 0);
	CHECK_EQ_U64(site_has(e9, 0x1357), 2);
	/* an MMIO write; a comparison of its low byte counts */
	x = mmio_exit(0xd0000004ULL, 4, 0x11223344);
	serviced(&x, 0xa5, 0x44, 1);
	serviced(&x, 0x0badcafe, 0x11223344, 4);
	CHECK_EQ_U64(site_has(mm, 0xa5), 2);
	CHECK_EQ_U64(site_has(mm, 0x0badcafe), 2);
	CHECK_EQ_U64(site_has(fuzz_cmp_site_key(1, 4, 0, 1), 0xa5), 2);
	/* a string OUT: any of its first elements, whatever else the
	 * service compares (a console comparing each byte) */
	x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x1234);
	x.u.io.count = 3;
	x.u.io.bytes = 6;
	x.u.io.data[4] = 0x99;
	x.u.io.data[5] = 0x99;
	fuzz_cmp_site_begin(&x);
	fuzz_cmp_note(0x2222, 0x9999, 2);
	for (unsigned int i = 0; i < 200; i++)
		fuzz_cmp_note(0x0a, i & 0xff, 1);
	fuzz_cmp_site_end();
	CHECK(site_has(e9, 0x2222) > 0);
}

/* the blob of a mutant holds mov[0..n) right before at[0..k) (k 0, at
 * NULL: mov[] anywhere) */
static int has_before(const struct vmm_scenario *s, const uint8_t *mov,
		      size_t n, const uint8_t *at, size_t k)
{
	const struct vmm_blob_spec *b = &s->blobs[0];

	for (uint64_t i = 0; i + n + k <= b->len; i++)
		if (!memcmp(b->data + i, mov, n) &&
		    (!k || !memcmp(b->data + i + n, at, k)))
			return 1;
	return 0;
}

/* 300 "pin" mutants of `code` (arch, mode), with the site table as it is
 * and then empty: how many hold mov[] right before at[] */
static void pin_hits(unsigned int arch, unsigned int mode, const uint8_t *code,
		     size_t len, const uint8_t *mov, size_t n,
		     const uint8_t *at, size_t k, unsigned long *hits,
		     unsigned long *empty)
{
	static uint8_t seed[4096], buf[4096];
	struct vmm_scenario s;
	struct vmm_error e;
	size_t sl = code_input(seed, sizeof(seed), arch, mode, code, len, 0,
			       NULL, 0);

	*hits = *empty = 0;
	CHECK(sl > 0 && sl <= sizeof(seed));
	if (sl == 0 || sl > sizeof(seed))
		return;
	for (int filled = 1; filled >= 0; filled--) {
		if (!filled)
			fuzz_cmp_clear();
		for (unsigned int i = 1; i <= 300; i++) {
			size_t m;

			memcpy(buf, seed, sl);
			m = fuzz_mutate_op(buf, sl, sizeof(buf), i, NULL,
					   "pin");
			if (vmm_scenario_decode(buf, m, &s, &e) == 0 &&
			    has_before(&s, mov, n, at, k))
				*(filled ? hits : empty) += 1;
		}
	}
}

/* Two blobs, the vCPU starting in the second: a mutant (one or more
 * pins) has one there (the code the vCPU runs) far more often than in
 * the other. */
static void check_pin_entry(void)
{
	/* real16: mov dx, 0x80; out dx, ax - code no vCPU starts in */
	static const uint8_t other[] = { 0xba, 0x80, 0x00, 0xef, 0xf4 };
	static const uint8_t code[] = { 0xba, 0xe9, 0x00, 0xef, 0xf4 };
	static uint8_t seed[4096], buf[4096];
	struct vmm_scenario s;
	struct vmm_error e;
	struct vmm_exit x;
	unsigned long in_entry = 0, other_blob = 0;
	size_t sl;

	fuzz_cmp_clear();
	x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	serviced(&x, 0x1357, 0x37, 2);
	sb_begin(&s, 0x10000, 100);
	s.max_exits = 64;
	sb_blob(&s, 0x1000, other, sizeof(other));
	(void)sb_code(&s, 0, 0x2000, code, sizeof(code));
	sl = vmm_scenario_encode(&s, seed, sizeof(seed), &e);
	CHECK(sl > 0 && sl <= sizeof(seed));
	for (unsigned int i = 1; sl <= sizeof(seed) && i <= 300; i++) {
		size_t m;

		memcpy(buf, seed, sl);
		m = fuzz_mutate_op(buf, sl, sizeof(buf), i, NULL, "pin");
		if (vmm_scenario_decode(buf, m, &s, &e) != 0)
			continue;
		/* (a real-mode mutant also gets a vector table blob) */
		for (uint32_t b = 0; b < s.nblobs; b++)
			if (s.blobs[b].len > 5 && s.blobs[b].gpa == 0x2000)
				in_entry++;
			else if (s.blobs[b].len > 5 && s.blobs[b].gpa == 0x1000)
				other_blob++;
	}
	(void)printf("pin operator, 300 mutants of two blobs: in the vCPU's "
		     "code %lu, in the other %lu\n",
		     in_entry, other_blob);
	CHECK(in_entry >= 230 && other_blob * 2 < in_entry);
}

/* A run of input data[0..len) whose one comparison (c, var, w) is made
 * while the VMM services exit x: kept if that is a new check. */
static void run_noting(const struct vmm_exit *x, uint64_t c, uint64_t var,
		       unsigned int w, const uint8_t *data, size_t len)
{
	fuzz_cmp_fresh_begin();
	serviced(x, c, var, w);
	fuzz_cmp_fresh_end(data, len);
}

/* Mutant `seed` of in[0..len) by the "fresh" path alone, decoded into
 * s (valid until the next call): 0, or -1, a failed check. */
static int fresh_mutant(const uint8_t *in, size_t len, unsigned int seed,
			struct vmm_scenario *s)
{
	static uint8_t buf[4096];
	struct vmm_error e;
	size_t m;

	CHECK(len <= sizeof(buf));
	if (len > sizeof(buf))
		return -1;
	memcpy(buf, in, len);
	m = fuzz_mutate_op(buf, len, sizeof(buf), seed, NULL, "fresh");
	if (!m || vmm_scenario_decode(buf, m, s, &e) != 0) {
		CHECK(0);
		return -1;
	}
	return 0;
}

/* Inputs kept by one run of in[0..len) in which, while `x` was serviced,
 * var1 was compared with c1 and then var2 with c2 (8-byte comparisons),
 * after a clear */
static uint64_t kept_after(const struct vmm_exit *x, uint64_t c1, uint64_t var1,
			   uint64_t c2, uint64_t var2, const uint8_t *in,
			   size_t len)
{
	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	serviced(x, c1, var1, 8);
	serviced(x, c2, var2, 8);
	fuzz_cmp_fresh_end(in, len);
	return fuzz_cmp_fresh_kept();
}

/* 64 "fresh" mutants of in[0..len): how many hold mov[] right before
 * at[] (an address check's other address or port in the code; with k
 * 0, a width check's access remade) */
static unsigned long moved_hits(const uint8_t *in, size_t len,
				const uint8_t *mov, size_t n, const uint8_t *at,
				size_t k)
{
	struct vmm_scenario s;
	unsigned long hits = 0;

	for (unsigned int i = 1; i <= 64; i++)
		if (fresh_mutant(in, len, i, &s) == 0)
			hits += has_before(&s, mov, n, at, k);
	return hits;
}

/* An MMIO read whose offset in the page the VMM compared with another
 * offset (prot32: mov ebx, 0xd0000004; mov al, [ebx]): the run keeps its
 * input, and the mutator puts the other address where the code holds
 * the address; a written value's check in the same run comes first, and
 * two in one run are both kept. */
static void check_fresh_addr(void)
{
	static const uint8_t code[] = { 0xbb, 0x04, 0x00, 0x00,
					0xd0, 0x8a, 0x03, 0xf4 };
	static const uint8_t moved[] = { 0xbb, 0x08, 0x00, 0x00, 0xd0 };
	static uint8_t a[4096], buf[4096];
	struct vmm_exit x = xb_mmio(0xd0000004ULL, 1, 0, NULL);
	struct vmm_exit w4 = xb_mmio(0xd0000004ULL, 4, 0, NULL);
	struct vmm_exit y = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	struct fuzz_fresh_check f;
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, code,
			       sizeof(code), 0, NULL, 0);
	unsigned long hits = 0;

	CHECK(al > 0);
	if (!al)
		return;
	/* offset 4 against 8; then against something that is no offset */
	CHECK_EQ_U64(kept_after(&x, 8, 4, 0x2000, 4, a, al), 1);
	hits = moved_hits(a, al, moved, sizeof(moved), code + 5, 2);
	(void)printf("fresh, an MMIO read's offset checked, 64 mutations: "
		     "the other address in the code %lu\n",
		     hits);
	CHECK_EQ_U64(hits, 64);
	/* a 4-byte access at +4: 4 against 8 is its width against another
	 * (`len == 8`, check_fresh_width), no offset; against 0xc, its
	 * offset */
	CHECK_EQ_U64(kept_after(&w4, 8, 4, 0x2000, 4, a, al), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.key & FUZZ_CMP_SITE_ADDR, 0);
	CHECK(f.key & FUZZ_CMP_SITE_WIDTH);
	CHECK_EQ_U64(kept_after(&w4, 0xc, 4, 0x2000, 4, a, al), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK(f.key & FUZZ_CMP_SITE_ADDR);
	CHECK_EQ_U64(f.c, 0xd000000cULL);
	/* both kinds in one run: the written value's is kept */
	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	serviced(&y, 0x1357, 0x37, 2);
	serviced(&x, 8, 4, 8);
	fuzz_cmp_fresh_end(a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.c, 0x1357);
	CHECK_EQ_U64(f.key & FUZZ_CMP_SITE_ADDR, 0);
	/* two new checks in one run: each kept, the later one does not
	 * push the earlier one out */
	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	serviced(&y, 0x4242, 0x37, 8);
	serviced(&y, 0x5, 0x37, 8);
	fuzz_cmp_fresh_end(a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.c, 0x5);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.c, 0x4242);
	fuzz_cmp_clear();
}

/* A port access's offset from its device's base compared with another
 * offset (real16: mov dx, 0x3fb; mov al, 0x41; out dx, al): the other port
 * goes where the code holds the port; an offset that leaves no aligned
 * base is none. */
static void check_fresh_port(void)
{
	static const uint8_t code[] = {
		0xba, 0xfb, 0x03, 0xb0, 0x41, 0xee, 0xf4
	};
	static const uint8_t moved[] = { 0xba, 0xff, 0x03 };
	static uint8_t a[4096], buf[4096];
	struct fuzz_fresh_check f;
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0x3fb, 1, 0x41);
	struct vmm_exit y = io_exit(KVM_EXIT_IO_OUT, 0x3f9, 1, 0x41);
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code,
			       sizeof(code), 0, NULL, 0);
	unsigned long hits = 0;

	CHECK(al > 0);
	if (!al)
		return;
	/* 0x3f9 + 2 against 7 (no base aligned to 8); COM1 + 3 against 7 */
	CHECK_EQ_U64(kept_after(&x, 7, 2, 7, 3, a, al), 1);
	hits = moved_hits(a, al, moved, sizeof(moved), code + 3, 2);
	(void)printf("fresh, a port's offset checked, 64 mutations: the "
		     "other port in the code %lu\n",
		     hits);
	CHECK_EQ_U64(hits, 64);
	/* a 1-byte OUT to COM1 + 1: 1 against 2 is its width against
	 * another, no offset; against 3, its offset */
	CHECK_EQ_U64(kept_after(&y, 2, 1, 0x2000, 1, a, al), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.key & (FUZZ_CMP_SITE_ADDR | FUZZ_CMP_SITE_WIDTH),
		     FUZZ_CMP_SITE_WIDTH);
	CHECK_EQ_U64(f.c, 2);
	CHECK_EQ_U64(kept_after(&y, 3, 1, 0x2000, 1, a, al), 1);
	fuzz_cmp_clear();
}

/* A run of in[0..len) making comparison (c, var, w) while exit x is
 * serviced keeps one input, handed back with its check in *f; then the
 * same again, so that the entry has all its tries. */
static void keep_one(const struct vmm_exit *x, uint64_t c, uint64_t var,
		     unsigned int w, const uint8_t *in, size_t len,
		     struct fuzz_fresh_check *f)
{
	static uint8_t buf[4096];

	memset(f, 0, sizeof(*f));
	fuzz_cmp_clear();
	run_noting(x, c, var, w, in, len);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, f), len);
	fuzz_cmp_clear();
	run_noting(x, c, var, w, in, len);
}

/* A byte register reached by a higher byte of a wider write: a word OUT
 * at COM1's THR writes its IER too, and a 1-byte comparison of that byte
 * (real16: mov dx, 0x3f8; mov ax, 0x0042; out dx, ax) is a check of the
 * whole word with that byte the constant; the mutator then writes it. */
static void check_fresh_byte_lane(void)
{
	static const uint8_t code[] = { 0xba, 0xf8, 0x03, 0xb8,
					0x42, 0x00, 0xef, 0xf4 };
	static const uint8_t word[] = { 0xb8, 0x42, 0x6b };
	static uint8_t a[4096], buf[4096];
	const uint64_t key = fuzz_cmp_site_key(0, 2, 0x3f8, 0);
	struct fuzz_fresh_check f;
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0x3f8, 2, 0x0042);
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code,
			       sizeof(code), 0, NULL, 0);
	unsigned long hits;

	CHECK(al > 0);
	if (!al)
		return;
	keep_one(&x, 0x6b, 0x00, 1, a, al, &f);
	CHECK_EQ_U64(f.key, key);
	CHECK_EQ_U64(f.c, 0x6b42);
	CHECK_EQ_U64(f.var, 0x0042);
	/* new by its byte and lane, not by the whole value (which holds
	 * whatever else the guest wrote), and kept out of the site slots */
	CHECK_EQ_U64(site_has(key, 0x6b42), 0);
	{
		struct vmm_exit x2 = io_exit(KVM_EXIT_IO_OUT, 0x3f8, 2, 0x0043);

		run_noting(&x2, 0x6b, 0x00, 1, a, al);
		CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
		run_noting(&x2, 0x6c, 0x00, 1, a, al);
		CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
		fuzz_cmp_clear();
		run_noting(&x, 0x6b, 0x00, 1, a, al);
	}
	hits = moved_hits(a, al, word, sizeof(word), NULL, 0);
	(void)printf("fresh, a higher byte of a word OUT checked, 64 "
		     "mutations: the word with that byte in the code %lu\n",
		     hits);
	CHECK_EQ_U64(hits, 64);
	/* a dword OUT's second byte checked (prot32: mov dx, 0x3f8; mov eax,
	 * 0x42; out dx, eax): pinned, the OUT is made a word OUT, so that
	 * the bytes after the checked one (writes to the next registers)
	 * do not follow it */
	{
		static const uint8_t code32[] = { 0x66, 0xba, 0xf8, 0x03,
						  0xb8, 0x42, 0x00, 0x00,
						  0x00, 0xef, 0xf4 };
		static const uint8_t narrowed[] = { 0x66, 0xb8, 0x42,
						    0x6b, 0x66, 0xef };
		static const uint8_t wide[] = { 0xb8, 0x42, 0x6b,
						0x00, 0x00, 0xef };
		struct vmm_exit d = io_exit(KVM_EXIT_IO_OUT, 0x3f8, 4, 0x42);
		size_t dl = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, code32,
				       sizeof(code32), 0, NULL, 0);
		unsigned long as_word, as_dword;

		CHECK(dl > 0);
		fuzz_cmp_clear();
		run_noting(&d, 0x6b, 0x00, 1, a, dl);
		as_word = as_dword = 0;
		for (unsigned int i = 1; i <= 64; i++) {
			struct vmm_scenario ms;

			if (fresh_mutant(a, dl, i, &ms) != 0)
				continue;
			as_word += has_before(&ms, narrowed, sizeof(narrowed),
					      NULL, 0);
			as_dword +=
				has_before(&ms, wide, sizeof(wide), NULL, 0);
		}
		(void)printf("fresh, a dword OUT's second byte checked, 64 "
			     "mutations: pinned as a word OUT %lu, the "
			     "dword's immediate %lu\n",
			     as_word, as_dword);
		CHECK(as_word >= 16);
		CHECK(as_dword >= 16);
		/* (a sequence after the pinned word may write the dword
		 * too) */
		CHECK(as_word + as_dword >= 64);
	}
	/* the low byte is taken first; a wider comparison is of the whole
	 * value (and so not of the high byte); a higher byte that neither
	 * byte holds is no check */
	fuzz_cmp_clear();
	run_noting(&x, 0x4d, 0x42, 1, a, al);
	CHECK(site_has(key, 0x4d) > 0);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.c, 0x4d);
	run_noting(&x, 0x6b, 0x00, 2, a, al);
	run_noting(&x, 0x6c, 0x01, 1, a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	/* a byte OUT has no higher byte; an MMIO write is taken whole */
	x = io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 0x42);
	run_noting(&x, 0x6b, 0x00, 1, a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	x = mmio_exit(0xd0000004ULL, 4, 0x0042);
	run_noting(&x, 0x6b, 0x00, 1, a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	fuzz_cmp_clear();
}

/* A dword OUT at COM1 + 3 (prot32: mov dx, 0x3fb; mov eax, 0x41; out dx,
 * eax) writes its second byte at COM1 + 4; the device compares that
 * register's offset (4) with another's (7): an address check of that
 * byte. Fresh mutants make the OUT a byte OUT and write the other
 * register right after it. */
static void check_fresh_lane_addr(void)
{
	static const uint8_t code[] = { 0x66, 0xba, 0xfb, 0x03, 0xb8, 0x41,
					0x00, 0x00, 0x00, 0xef, 0xf4 };
	/* out dx, al; then the byte write to COM1 + 7 (mov dx, 0x3ff) */
	static const uint8_t split[] = { 0xee, 0x66, 0xba, 0xff, 0x03 };
	static uint8_t a[4096], buf[4096];
	struct fuzz_fresh_check f;
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0x3fb, 4, 0x41);
	struct vmm_exit y = io_exit(KVM_EXIT_IO_IN, 0x3fb, 4, 0x41);
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, code,
			       sizeof(code), 0, NULL, 0);
	unsigned long hits;

	CHECK(al > 0);
	if (!al)
		return;
	keep_one(&x, 7, 4, 4, a, al, &f);
	CHECK_EQ_U64(f.key,
		     fuzz_cmp_site_key(0, 4, 0x3fb, 0) | FUZZ_CMP_SITE_ADDR);
	CHECK_EQ_U64(f.var, 0x3fc);
	CHECK_EQ_U64(f.c, 0x3ff);
	hits = moved_hits(a, al, split, sizeof(split), NULL, 0);
	(void)printf("fresh, a dword OUT's second byte at the wrong "
		     "register, 64 mutations: a byte OUT and a write to the "
		     "other %lu\n",
		     hits);
	CHECK_EQ_U64(hits, 64);
	/* the low byte's own offset is the usual address check; a read's
	 * higher bytes are not looked at */
	CHECK_EQ_U64(kept_after(&x, 7, 3, 0x2000, 1, a, al), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.var, 0x3fb);
	CHECK_EQ_U64(kept_after(&y, 7, 4, 0x2000, 1, a, al), 0);
	fuzz_cmp_clear();
}

/* An access's width compared with another width (a device that answers
 * a register only at one size, `len == 1`): the run keeps its input and
 * the mutator makes that access again at the other width, the address
 * kept; a write's value is then one the VMM compared at that width
 * (prot32: mov ebx, 0xd0000004; mov eax, [ebx], then a 4-byte MMIO
 * write and a 1-byte OUT). */
static void check_fresh_width(void)
{
	static const uint8_t rd[] = { 0xbb, 0x04, 0x00, 0x00,
				      0xd0, 0x8b, 0x03, 0xf4 };
	static const uint8_t rd1[] = {
		0xbb, 0x04, 0x00, 0x00, 0xd0, 0x8a, 0x03
	};
	static const uint8_t wr[] = { 0xbb, 0x04, 0x00, 0x00, 0xd0, 0xb8, 0x11,
				      0x22, 0x33, 0x44, 0x89, 0x03, 0xf4 };
	static const uint8_t wr2[] = { 0xbb, 0x04, 0x00, 0x00, 0xd0, 0x66,
				       0xb8, 0x34, 0x12, 0x66, 0x89, 0x03 };
	static const uint8_t out[] = { 0x66, 0xba, 0xf9, 0x03,
				       0xb0, 0x41, 0xee, 0xf4 };
	/* mov dx, 0x3f9; mov ax, imm16; out dx, ax */
	static const uint8_t out2[] = { 0x66, 0xba, 0xf9, 0x03, 0x66, 0xb8 };
	static uint8_t a[4096];
	struct vmm_exit r4 = xb_mmio(0xd0000004ULL, 4, 0, NULL);
	struct vmm_exit w4 = mmio_exit(0xd0000004ULL, 4, 0x44332211);
	struct vmm_exit o1 = io_exit(KVM_EXIT_IO_OUT, 0x3f9, 1, 0x41);
	struct vmm_scenario s;
	unsigned long hits = 0, whits = 0, ohits = 0;
	size_t al;

	al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, rd, sizeof(rd), 0,
			NULL, 0);
	CHECK(al > 0);
	if (!al)
		return;
	CHECK_EQ_U64(kept_after(&r4, 1, 4, 0x2000, 4, a, al), 1);
	hits = moved_hits(a, al, rd1, sizeof(rd1), rd1, 0);
	/* a 4-byte write there: 4 against 2, and the VMM compared 2-byte
	 * writes there with 0x1234 */
	al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, wr, sizeof(wr), 0,
			NULL, 0);
	CHECK(al > 0);
	fuzz_cmp_clear();
	{
		struct vmm_exit w2 = mmio_exit(0xd0000004ULL, 2, 0x77);

		serviced(&w2, 0x1234, 0x77, 2);
	}
	fuzz_cmp_fresh_begin();
	serviced(&w4, 2, 4, 8);
	fuzz_cmp_fresh_end(a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	whits = moved_hits(a, al, wr2, sizeof(wr2), wr2, 0);
	/* a 1-byte OUT to COM1 + 1 (prot32: its mov dx has a 66) against 2 */
	al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 1, out, sizeof(out), 0,
			NULL, 0);
	CHECK(al > 0);
	CHECK_EQ_U64(kept_after(&o1, 2, 1, 0x2000, 1, a, al), 1);
	for (unsigned int i = 1; i <= 64; i++) {
		const struct vmm_blob_spec *b = &s.blobs[0];

		if (fresh_mutant(a, al, i, &s) != 0)
			continue;
		for (uint64_t k = 0; k + sizeof(out2) + 4 <= b->len; k++)
			if (!memcmp(b->data + k, out2, sizeof(out2)) &&
			    b->data[k + 8] == 0x66 && b->data[k + 9] == 0xef) {
				ohits++;
				break;
			}
	}
	(void)printf("fresh, an access's width checked, 64 mutations each: "
		     "a 1-byte read %lu, a 2-byte write of the compared "
		     "value %lu, a 2-byte OUT %lu\n",
		     hits, whits, ohits);
	CHECK_EQ_U64(hits, 64);
	CHECK_EQ_U64(whits, 64);
	CHECK_EQ_U64(ohits, 64);
	fuzz_cmp_clear();
}

/* The edit operator ("access_edit") finds the code's accesses exactly:
 * prot32, a dword MMIO store of 0x66112233 (the byte before the opcode,
 * 0x66, is the value's last, not an operand-size prefix): every mutant
 * remakes it; long64, a qword store of a value whose bytes 3-7 read as
 * `mov ebx, imm32` before the store's own `48 89 03` (an echo store, if
 * taken for an access of its own): no mutant leaves the real access's
 * `mov ebx` and `movabs` head in place, as remaking the inner one would. */
static void check_edit_exact(void)
{
	static const uint8_t wr66[] = { 0xbb, 0x04, 0x00, 0x00, 0xd0,
					0xb8, 0x33, 0x22, 0x11, 0x66,
					0x89, 0x03, 0xf4 };
	static const uint8_t inner[] = { 0xbb, 0x00, 0x10, 0x00, 0xd0,
					 0x48, 0xb8, 0x01, 0x02, 0x03,
					 0xbb, 0x00, 0x20, 0x00, 0xd0,
					 0x48, 0x89, 0x03, 0xf4 };
	static uint8_t a[4096], buf[4096];
	const uint8_t *codes[2] = { wr66, inner };
	const size_t lens[2] = { sizeof(wr66), sizeof(inner) };
	unsigned long changed = 0, head_kept = 0;

	for (unsigned int c = 0; c < 2; c++) {
		size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, c ? 3 : 1,
				       codes[c], lens[c], 0, NULL, 0);

		CHECK(al > 0);
		for (unsigned int i = 1; al && i <= 64; i++) {
			struct vmm_scenario s;
			struct vmm_error e;
			size_t m;

			memcpy(buf, a, al);
			m = fuzz_mutate_op(buf, al, sizeof(buf), i, NULL,
					   "access_edit");
			if (vmm_scenario_decode(buf, m, &s, &e) != 0) {
				CHECK(0);
				continue;
			}
			if (!c) /* the access's 12 bytes (terminate_code
				 * may add HLTs after them) */
				changed +=
					s.blobs[0].len < 12 ||
					memcmp(s.blobs[0].data, wr66, 12) != 0;
			else
				head_kept +=
					s.blobs[0].len >= 10 &&
					!memcmp(s.blobs[0].data, inner, 10);
		}
	}
	(void)printf("access_edit, 64 mutants each: a store whose value "
		     "ends in 0x66 remade %lu; an access inside a movabs "
		     "value taken for one %lu\n",
		     changed, head_kept);
	CHECK_EQ_U64(changed, 64);
	CHECK_EQ_U64(head_kept, 0);
}

/* A kept check of a value the guest read from the input stream and
 * wrote back (real16: mov dx, 0x80; in ax, dx; out dx, ax): the constant
 * goes where the input stream holds the value, or is pinned at the OUT
 * (then the OUT no longer echoes the read). */
static void check_fresh_echo(void)
{
	static const uint8_t code[] = { 0xba, 0x80, 0x00, 0xed, 0xef, 0xf4 };
	static const uint8_t in[] = { 0x11, 0x37, 0x00, 0x22 };
	static const uint8_t pinned[] = { 0xb8, 0x57, 0x13, 0xef };
	static const uint8_t open_bus[] = { 0x11, 0xff, 0xff, 0x57, 0x13 };
	static const uint8_t at_read[] = { 0x11, 0x57, 0x13, 0x22 };
	static uint8_t a[4096];
	struct vmm_scenario s;
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0x80, 2, 0x37), rd;
	size_t al =
		code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code, sizeof(code),
			   VMM_SCN_PERMISSIVE, in, sizeof(in));
	unsigned long stream = 0, pin = 0;

	CHECK(al > 0);
	if (!al)
		return;
	fuzz_cmp_clear();
	run_noting(&x, 0x1357, 0x37, 8, a, al);
	for (unsigned int i = 1; i <= 64; i++) {
		if (fresh_mutant(a, al, i, &s) != 0)
			continue;
		stream += s.has_input && s.input_len == 4 &&
			  s.input[1] == 0x57 && s.input[2] == 0x13;
		pin += has_before(&s, pinned, 3, pinned + 3, 1);
	}
	(void)printf("fresh, a value read and echoed, 64 mutations: the "
		     "constant in the input stream %lu, pinned %lu\n",
		     stream, pin);
	CHECK(stream >= 16);
	CHECK(pin >= 16);
	CHECK_EQ_U64(stream + pin, 64);
	/* the stream ran dry: the read got 0xffff (open bus) at offset 3,
	 * an earlier read having taken offsets 1 and 2 past the end */
	fuzz_cmp_clear();
	al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code, sizeof(code),
			VMM_SCN_PERMISSIVE, in, 1);
	x = io_exit(KVM_EXIT_IO_OUT, 0x80, 2, 0xffff);
	rd = io_exit(KVM_EXIT_IO_IN, 0x80, 2, 0xffff);
	rd.in_from = 1 + 3;
	fuzz_cmp_fresh_begin();
	fuzz_cmp_read(&rd);
	serviced(&x, 0x1357, 0xffff, 8);
	fuzz_cmp_fresh_end(a, al);
	stream = 0;
	for (unsigned int i = 1; al && i <= 64; i++) {
		if (fresh_mutant(a, al, i, &s) != 0)
			continue;
		stream += s.has_input && s.input_len == 5 &&
			  !memcmp(s.input, open_bus, sizeof(open_bus));
	}
	(void)printf("fresh, an echo of open bus (the stream used up), 64 "
		     "mutations: the constant where the read was %lu\n",
		     stream);
	CHECK(stream >= 16);
	/* the same read at offset 1, in the stream: the constant there */
	fuzz_cmp_clear();
	al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code, sizeof(code),
			VMM_SCN_PERMISSIVE, in, sizeof(in));
	x = io_exit(KVM_EXIT_IO_OUT, 0x80, 2, 0x37);
	rd = io_exit(KVM_EXIT_IO_IN, 0x80, 2, 0x37);
	rd.in_from = 1 + 1;
	fuzz_cmp_fresh_begin();
	fuzz_cmp_read(&rd);
	serviced(&x, 0x1357, 0x37, 8);
	fuzz_cmp_fresh_end(a, al);
	stream = pin = 0;
	for (unsigned int i = 1; al && i <= 64; i++) {
		if (fresh_mutant(a, al, i, &s) != 0)
			continue;
		stream += s.has_input && s.input_len == 4 &&
			  !memcmp(s.input, at_read, sizeof(at_read));
		pin += has_before(&s, pinned, 3, pinned + 3, 1);
	}
	(void)printf("fresh, an echo of the stream's offset 1, 64 mutations: "
		     "the constant there %lu, pinned %lu\n",
		     stream, pin);
	CHECK(stream >= 16);
	CHECK_EQ_U64(stream + pin, 64);
	fuzz_cmp_clear();
}

/* A run shows more new checks than it has entries (4): the rest are
 * not lost, the next run that shows one keeps it (marked seen with the
 * first run, the last steps of a state machine, compared last, were
 * never kept) */
static void check_fresh_full(void)
{
	static const uint8_t in[] = { 1, 2, 3 };
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);

	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	for (uint64_t c = 0x1000; c < 0x1006; c++)
		serviced(&x, c, 0x37, 2);
	fuzz_cmp_fresh_end(in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 4);
	run_noting(&x, 0x1004, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 5);
	run_noting(&x, 0x1004, 0x37, 2, in, sizeof(in));
	run_noting(&x, 0x1000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 5);
	run_noting(&x, 0x1005, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 6);
	fuzz_cmp_clear();
}

/* An entry pushed out of the ring before the mutator gave it all its
 * tries leaves its check new, for the next run that shows it; one that
 * got them does not; an input too long to keep keeps its checks new. */
static void check_fresh_evicted(void)
{
	static const uint8_t in[] = { 1, 2, 3 };
	static uint8_t big[FUZZ_FRESH_MAX + 1], buf[64];
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	struct fuzz_fresh_check f;

	fuzz_cmp_clear();
	for (uint64_t c = 0x2000; c < 0x2000 + FUZZ_FRESH_N + 1; c++)
		run_noting(&x, c, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 1);
	/* 0x2000's entry went untried: kept again; 0x2001's is still in */
	run_noting(&x, 0x2000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 2);
	run_noting(&x, 0x2005, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 2);
	/* every entry given its (one) try, then all pushed out */
	for (unsigned int i = 0; i < FUZZ_FRESH_N; i++)
		CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f),
			     sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), 0);
	for (uint64_t c = 0x3000; c < 0x3000 + FUZZ_FRESH_N; c++)
		run_noting(&x, c, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2 * FUZZ_FRESH_N + 2);
	run_noting(&x, 0x2005, 0x37, 2, in, sizeof(in));
	run_noting(&x, 0x2000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2 * FUZZ_FRESH_N + 2);
	/* too long to keep: the next run that shows the check keeps it */
	run_noting(&x, 0x4000, 0x37, 2, big, sizeof(big));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2 * FUZZ_FRESH_N + 2);
	run_noting(&x, 0x4000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2 * FUZZ_FRESH_N + 3);
	fuzz_cmp_clear();
}

/* Common checks: a pair compared FUZZ_FRESH_COMMON times this round,
 * its entry pushed out untried, is not kept again (a rare one is, see
 * check_fresh_evicted); the mutator takes the input whose check the
 * fewest runs showed, before a newer one of a commoner check. */
static void check_fresh_common(void)
{
	static const uint8_t in[] = { 1, 2, 3 }, rare[] = { 4, 5 };
	static const uint8_t common[] = { 6, 7, 8, 9 };
	uint8_t buf[16];
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	struct fuzz_fresh_check f;

	fuzz_cmp_clear();
	fuzz_cmp_fresh_rounds(0);
	for (unsigned int i = 0; i < FUZZ_FRESH_COMMON; i++)
		run_noting(&x, 0x6000, 0x37, 2, in, sizeof(in));
	run_noting(&x, 0x6001, 0x37, 2, in, sizeof(in));
	for (unsigned int i = 1; i < FUZZ_FRESH_COMMON / 2; i++)
		run_noting(&x, 0x6001, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
	/* both pushed out untried */
	for (uint64_t c = 0x7000; c < 0x7000 + FUZZ_FRESH_N; c++)
		run_noting(&x, c, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 2);
	run_noting(&x, 0x6000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 2);
	/* 0x6001, compared half as often, is kept again, with the later
	 * input; then 0x6002, new, with another: taken first though older */
	run_noting(&x, 0x6002, 0x37, 2, rare, sizeof(rare));
	run_noting(&x, 0x6001, 0x37, 2, common, sizeof(common));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 4);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f),
		     sizeof(rare));
	CHECK_EQ_U64(f.c, 0x6002);
	/* the entries of 0x7000.. (compared once each) before 0x6001's */
	for (unsigned int i = 0; i < FUZZ_FRESH_N - 2; i++) {
		CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f),
			     sizeof(in));
		CHECK(f.c >= 0x7000 && f.c < 0x7000 + FUZZ_FRESH_N);
	}
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f),
		     sizeof(common));
	CHECK_EQ_U64(f.c, 0x6001);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), 0);
	/* the next round: every pair new and rare again */
	fuzz_cmp_fresh_rounds(1);
	run_noting(&x, 0x6003, 0x37, 2, in, sizeof(in));
	(void)usleep(5000);
	run_noting(&x, 0x6000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 6);
	fuzz_cmp_fresh_rounds((uint64_t)FUZZ_FRESH_ROUND_S * 1000U);
	fuzz_cmp_clear();
}

/* The ring keeps what the mutator has not tried: an input kept pushes
 * out an entry that had its first tries (4), not the oldest untried
 * one; and the mutator gives an entry those first tries before it
 * goes back to one it tried. */
static void check_fresh_victim(void)
{
	static const uint8_t in[] = { 1, 2, 3 };
	uint8_t buf[16];
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	struct fuzz_fresh_check f;

	fuzz_cmp_clear();
	fuzz_cmp_fresh_rounds(0);
	for (uint64_t c = 0x8000; c < 0x8000 + FUZZ_FRESH_N; c++)
		run_noting(&x, c, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N);
	/* the newest first, 4 times; then the next newest */
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 64, &f),
			     sizeof(in));
		CHECK_EQ_U64(f.c, 0x8000 + FUZZ_FRESH_N - 1);
	}
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 64, &f), sizeof(in));
	CHECK_EQ_U64(f.c, 0x8000 + FUZZ_FRESH_N - 2);
	/* a new input pushes out the entry tried 4 times: the oldest,
	 * untried, is still in (its check not new again) */
	run_noting(&x, 0x9000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 1);
	run_noting(&x, 0x8000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), FUZZ_FRESH_N + 1);
	/* every entry in gets its first tries: 0x9000's and 0x8000's
	 * among them, never the one pushed out */
	{
		int saw_new = 0, saw_old = 0, saw_gone = 0;

		for (unsigned int i = 0; i < 4 * FUZZ_FRESH_N; i++) {
			if (fuzz_cmp_fresh_take(buf, sizeof(buf), 64, &f) !=
			    sizeof(in))
				break;
			saw_new |= f.c == 0x9000;
			saw_old |= f.c == 0x8000;
			saw_gone |= f.c == 0x8000 + FUZZ_FRESH_N - 1;
		}
		CHECK(saw_new);
		CHECK(saw_old);
		CHECK(!saw_gone);
	}
	fuzz_cmp_fresh_rounds((uint64_t)FUZZ_FRESH_ROUND_S * 1000U);
	fuzz_cmp_clear();
}

/* Rounds: within one a check is kept once; once it is over the next
 * run that shows the check keeps it again; with rounds off, never. */
static void check_fresh_rounds(void)
{
	static const uint8_t in[] = { 1, 2, 3 };
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);

	fuzz_cmp_clear();
	fuzz_cmp_fresh_rounds((uint64_t)3600U * 1000U);
	run_noting(&x, 0x5000, 0x37, 2, in, sizeof(in));
	run_noting(&x, 0x5000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	CHECK_EQ_U64(fuzz_cmp_fresh_round(), 0);
	/* a 1-ms round: its clock starts at the next run; the same length
	 * set again (an AFL++ child's start) does not start it over */
	fuzz_cmp_fresh_rounds(1);
	run_noting(&x, 0x5000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	(void)usleep(5000);
	fuzz_cmp_fresh_rounds(1);
	run_noting(&x, 0x5000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
	CHECK_EQ_U64(fuzz_cmp_fresh_round(), 1);
	/* the new entry is the later input's */
	{
		static const uint8_t later[] = { 4, 5, 6, 7 };
		uint8_t buf[16];
		struct fuzz_fresh_check f;

		(void)usleep(5000);
		run_noting(&x, 0x5000, 0x37, 2, later, sizeof(later));
		CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 3);
		CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f),
			     sizeof(later));
		CHECK(!memcmp(buf, later, sizeof(later)));
		CHECK_EQ_U64(f.c, 0x5000);
	}
	fuzz_cmp_fresh_rounds(0);
	(void)usleep(5000);
	run_noting(&x, 0x5000, 0x37, 2, in, sizeof(in));
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 3);
	CHECK_EQ_U64(fuzz_cmp_fresh_round(), 2);
	fuzz_cmp_fresh_rounds((uint64_t)FUZZ_FRESH_ROUND_S * 1000U);
	fuzz_cmp_clear();
}

/* The constant of a new check compared again in the same run with a
 * value written to another register of that kind and width (a handler
 * comparing every write): the entry has that register too, and the
 * mutator pins the constant at either. */
static void check_fresh_alt(void)
{
	/* real16: mov dx, 0x80; out dx, ax; mov dx, 0xe9; out dx, ax; hlt */
	static const uint8_t code[] = { 0xba, 0x80, 0x00, 0xef, 0xba,
					0xe9, 0x00, 0xef, 0xf4 };
	static const uint8_t at_e9[] = { 0xba, 0xe9, 0x00, 0xb8,
					 0x57, 0x13, 0xef };
	static const uint8_t at_80[] = { 0xba, 0x80, 0x00, 0xb8,
					 0x57, 0x13, 0xef };
	static uint8_t a[4096], buf[4096];
	struct vmm_scenario s;
	struct vmm_exit x80 = io_exit(KVM_EXIT_IO_OUT, 0x80, 2, 0x37);
	struct vmm_exit xe9 = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x38);
	struct vmm_exit xb = io_exit(KVM_EXIT_IO_OUT, 0xe9, 1, 0x38);
	struct fuzz_fresh_check f;
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code,
			       sizeof(code), 0, NULL, 0);
	unsigned long e9 = 0, p80 = 0;

	CHECK(al > 0);
	if (!al)
		return;
	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	serviced(&x80, 0x1357, 0x37, 2);
	serviced(&xe9, 0x1357, 0x38, 2); /* the same constant at 0xe9 */
	serviced(&x80, 0x1357, 0x37, 2); /* 0x80 again: no second alt */
	serviced(&xb, 0x57, 0x38, 1);	 /* a byte OUT: another kind */
	fuzz_cmp_fresh_end(a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.key, fuzz_cmp_site_key(0, 1, 0xe9, 0));
	CHECK_EQ_U64(f.alt[0], 0);
	CHECK_EQ_U64(fuzz_cmp_fresh_take(buf, sizeof(buf), 1, &f), al);
	CHECK_EQ_U64(f.key, fuzz_cmp_site_key(0, 2, 0x80, 0));
	CHECK_EQ_U64(f.alt[0], fuzz_cmp_site_key(0, 2, 0xe9, 0));
	CHECK_EQ_U64(f.alt[1], 0);
	/* mutants of the kept input: the constant at both OUTs */
	fuzz_cmp_clear();
	fuzz_cmp_fresh_begin();
	serviced(&x80, 0x1357, 0x37, 2);
	serviced(&xe9, 0x1357, 0x38, 2);
	fuzz_cmp_fresh_end(a, al);
	for (unsigned int i = 1; i <= 64; i++)
		if (fresh_mutant(a, al, i, &s) == 0) {
			e9 += has_before(&s, at_e9, 3, at_e9 + 3, 4);
			p80 += has_before(&s, at_80, 3, at_80 + 3, 4);
		}
	(void)printf("fresh, a constant compared at two word OUTs, 64 "
		     "mutations: before the OUT to 0xe9 %lu, to 0x80 %lu\n",
		     e9, p80);
	CHECK(e9 >= 16 && p80 >= 16);
	CHECK_EQ_U64(e9 + p80, 64);
	fuzz_cmp_clear();
}

/* A run that shows a new check keeps its input (fuzz/cmp_table.h,
 * "fresh"); the mutator then gives that input the check's constant
 * right before the write to that register (a quarter of the time any
 * write of its kind and width), FRESH_TRIES (64) times, whatever input
 * it was handed. A check seen again, in its slot or after
 * the slot gave it up, keeps nothing; nor does the same constant checked
 * at another register of that kind and width. */
static void check_fresh(void)
{
	/* real16: mov dx, 0x80; out dx, ax; mov dx, 0xe9; out dx, ax; hlt */
	static const uint8_t code[] = { 0xba, 0x80, 0x00, 0xef, 0xba,
					0xe9, 0x00, 0xef, 0xf4 };
	static const uint8_t other[] = { 0x90, 0x90, 0xf4 };
	/* mov ax, 0x1357, then the OUT to 0xe9 */
	static const uint8_t pinned[] = { 0xba, 0xe9, 0x00, 0xb8,
					  0x57, 0x13, 0xef };
	static const uint8_t wrong[] = { 0xba, 0x80, 0x00, 0xb8, 0x57, 0x13 };
	static uint8_t a[4096], b[4096];
	struct vmm_scenario s;
	struct vmm_exit x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	size_t al = code_input(a, sizeof(a), VMM_ARCH_X86_64, 0, code,
			       sizeof(code), 0, NULL, 0);
	size_t bl = code_input(b, sizeof(b), VMM_ARCH_X86_64, 0, other,
			       sizeof(other), 0, NULL, 0);
	unsigned long got = 0, at_e9 = 0, at_80 = 0, handed = 0;

	CHECK(al > 0 && bl > 0);
	if (!al || !bl)
		return;
	fuzz_cmp_clear();
	run_noting(&x, 0x1357, 0x37, 2, a, al);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	/* the same check again: in its slot, then back after 8 others
	 * took the slot over */
	run_noting(&x, 0x1357, 0x37, 2, b, bl);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	for (uint64_t c = 0x2000; c < 0x2008; c++)
		serviced(&x, c, 0x37, 2);
	CHECK_EQ_U64(site_has(fuzz_cmp_site_key(0, 2, 0xe9, 0), 0x1357), 0);
	run_noting(&x, 0x1357, 0x37, 2, b, bl);
	CHECK(site_has(fuzz_cmp_site_key(0, 2, 0xe9, 0), 0x1357) > 0);
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	{
		struct vmm_exit y = io_exit(KVM_EXIT_IO_OUT, 0x80, 2, 0x37);

		run_noting(&y, 0x1357, 0x37, 2, b, bl);
		CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 1);
	}
	/* handed input b, the mutator works on a */
	for (unsigned int i = 1; i <= 80; i++) {
		int is_b = 0;

		if (fresh_mutant(b, bl, i, &s) != 0)
			continue;
		for (uint32_t k = 0; k < s.nblobs; k++)
			if (s.blobs[k].gpa == 0x1000 &&
			    s.blobs[k].len >= sizeof(other) &&
			    !memcmp(s.blobs[k].data, other, sizeof(other)))
				is_b = 1;
		if (is_b) {
			handed++;
			continue;
		}
		got++;
		at_e9 += has_before(&s, pinned, 3, pinned + 3, 4);
		at_80 += has_before(&s, wrong, 3, wrong + 3, 3);
	}
	(void)printf("fresh: 80 mutations of another input: the kept input "
		     "%lu times, the constant before its OUT to 0xe9 %lu, "
		     "to 0x80 %lu; then the input handed %lu\n",
		     got, at_e9, at_80, handed);
	CHECK_EQ_U64(got, 64);
	/* a quarter of the time at any word OUT, so one in eight at 0x80 */
	CHECK_EQ_U64(at_e9 + at_80, 64);
	CHECK(at_80 >= 2 && at_80 <= 16);
	CHECK_EQ_U64(handed, 16);
	fuzz_cmp_clear();
	CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 0);
	check_fresh_echo();
	check_fresh_addr();
	check_fresh_width();
	check_edit_exact();
	check_fresh_port();
	check_fresh_byte_lane();
	check_fresh_lane_addr();
	check_fresh_full();
	check_fresh_evicted();
	check_fresh_rounds();
	check_fresh_common();
	check_fresh_victim();
	check_fresh_alt();
}

static void check_pin(void)
{
	/* real16: mov dx, 0xe9; mov al, '0'; add al, bl; out dx, ax */
	static const uint8_t r16[] = { 0xba, 0xe9, 0x00, 0xb0, 0x30,
				       0x00, 0xd8, 0xef, 0xf4, 0xf4 };
	static const uint8_t r16_mov[] = { 0xb8, 0x57, 0x13 };
	static const uint8_t r16_at[] = { 0xef };
	/* long64: mov ebx, 0xd0001000; mov [rbx], rax */
	static const uint8_t l64[] = { 0xbb, 0x00, 0x10, 0x00, 0xd0,
				       0x48, 0x89, 0x03, 0xf4 };
	static const uint8_t l64_mov[] = { 0x48, 0xb8, 0xef, 0xcd, 0xab,
					   0x89, 0x67, 0x45, 0x23, 0x01 };
	static const uint8_t l64_at[] = { 0x48, 0x89, 0x03 };
	/* arm64: str w1, [x2] (the address unknown: any 4-byte store) */
	static const uint8_t a64[] = { 0x41, 0x00, 0x00, 0xb9,
				       0x00, 0x00, 0x20, 0xd4 };
	/* movz w1, #0x5678; movk w1, #0x1234, lsl 16 (x forms) */
	static const uint8_t a64_mov[] = { 0x01, 0xcf, 0x8a, 0xd2,
					   0x81, 0x46, 0xa2, 0xf2 };
	static const uint8_t a64_at[] = { 0x41, 0x00, 0x00, 0xb9 };
	/* real16: mov dx, 0xe9; mov si, 0x2000; mov cx, 3; rep outsw */
	static const uint8_t outs[] = { 0xba, 0xe9, 0x00, 0xbe, 0x00, 0x20,
					0xb9, 0x03, 0x00, 0xf3, 0x6f, 0xf4 };
	static const uint8_t outs_mov[] = { 0xc7, 0x04, 0x57, 0x13 };
	static const uint8_t outs_at[] = { 0xf3, 0x6f };
	unsigned long h[4], z[4];
	struct vmm_exit x;

	fuzz_cmp_clear();
	x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	serviced(&x, 0x1357, 0x37, 2);
	pin_hits(VMM_ARCH_X86_64, 0, r16, sizeof(r16), r16_mov, sizeof(r16_mov),
		 r16_at, sizeof(r16_at), &h[0], &z[0]);
	x = mmio_exit(0xd0001000ULL, 8, 0x42);
	serviced(&x, 0x0123456789abcdefULL, 0x42, 8);
	pin_hits(VMM_ARCH_X86_64, 3, l64, sizeof(l64), l64_mov, sizeof(l64_mov),
		 l64_at, sizeof(l64_at), &h[1], &z[1]);
	x = mmio_exit(0x9000000ULL, 4, 0x9);
	serviced(&x, 0x12345678, 0x9, 4);
	pin_hits(VMM_ARCH_ARM64, 0, a64, sizeof(a64), a64_mov, sizeof(a64_mov),
		 a64_at, sizeof(a64_at), &h[2], &z[2]);
	x = io_exit(KVM_EXIT_IO_OUT, 0xe9, 2, 0x37);
	serviced(&x, 0x1357, 0x37, 2);
	pin_hits(VMM_ARCH_X86_64, 0, outs, sizeof(outs), outs_mov,
		 sizeof(outs_mov), outs_at, sizeof(outs_at), &h[3], &z[3]);
	(void)printf("pin operator, 300 mutants: the constant loaded right "
		     "before the write: real16 OUT %lu, long64 store %lu, "
		     "arm64 STR %lu, real16 REP OUTSW (first element) %lu "
		     "(empty table %lu, %lu, %lu, %lu)\n",
		     h[0], h[1], h[2], h[3], z[0], z[1], z[2], z[3]);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK(h[i] >= 150);
		CHECK_EQ_U64(z[i], 0);
	}
	check_pin_entry();
	fuzz_cmp_clear();
}

/* a register the input does not set, compared at an exit while 0 */
static void check_cmp_unset_reg(void)
{
	static uint8_t seed[4096], buf[4096];
	const uint64_t k = 0x7e57c0de0badd00dULL;
	size_t len = cmp_input(seed, sizeof(seed));
	unsigned long added = 0, other = 0, regs_seen = 0, wide = 0;
	struct vmm_scenario s;
	struct vmm_error e;

	CHECK(len > 0);
	fuzz_cmp_clear();
	fuzz_cmp_note(k, 0, 8);
	/* later comparisons of other zeros with small constants take 0's
	 * slot over: the wide one is kept apart */
	for (unsigned int i = 1; i <= 12; i++)
		fuzz_cmp_note(i, 0, 4);
	for (unsigned int n = 1; n <= 300; n++) {
		size_t m;
		uint64_t fresh;

		memcpy(buf, seed, len);
		m = fuzz_mutate_op(buf, len, sizeof(buf), n, NULL, "cmp");
		if (!m || vmm_scenario_decode(buf, m, &s, &e) < 0) {
			CHECK(0);
			continue;
		}
		fresh = s.vcpus[0].reg_mask & ~(1ULL << 1);
		if (s.vcpus[0].regs[1] != 0x1122334455667788ULL) {
			other++; /* rbx, set by the input, is not a place */
			continue;
		}
		/* the operator runs 1-3 times per mutant: each new
		 * register holds the wide constant (or +-1) or one of the
		 * small ones still in 0's slot */
		{
			int all = fresh && fresh < (1ULL << 16);

			for (unsigned int i = 0; all && i < 16; i++)
				if (fresh >> i & 1)
					all = near(s.vcpus[0].regs[i], k) ||
					      s.vcpus[0].regs[i] <= 13;
			if (all) {
				wide += near(
					s.vcpus[0].regs[__builtin_ctzll(fresh)],
					k);
				added++;
				regs_seen |= (unsigned long)fresh;
			} else {
				other++;
			}
		}
	}
	(void)printf("cmp operator, 300 mutants, a constant compared with 0: "
		     "a reg record for an unset register %lu (registers "
		     "0x%lx), the wide constant in %lu, else %lu\n",
		     added, regs_seen, wide, other);
	CHECK(added >= 250);
	CHECK(wide >= 100);
	CHECK(__builtin_popcountl(regs_seen) >= 8);
	CHECK_EQ_U64(other, 300 - added);
	fuzz_cmp_clear();
}

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size);
uint32_t afl_custom_fuzz_count(void *data, const uint8_t *buf, size_t buf_size);
void afl_custom_deinit(void *data);

/* what a process that shares the table notes (the AFL++ target's forked
 * child): run in a child process, its status says whether it could */
static int share_and_note(const char *path, uint64_t c, uint64_t v)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		if (fuzz_cmp_share(path, NULL) != 0)
			_exit(1);
		struct vmm_exit x = mmio_exit(0xd0000000ULL, 8, v);
		uint8_t in[8];

		memcpy(in, &c, 8);
		fuzz_cmp_fresh_begin();
		serviced(&x, c, v, 8); /* while a write of v there */
		fuzz_cmp_fresh_end(in, sizeof(in)); /* the input: c */
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A writer (forkserver child) on the file `path`: n runs with a new
 * check each (constants base, base+1, ...), then a run showing the
 * check of constant `again`. Returns 1 if that last run kept its input,
 * 0 if not, -1 on failure. */
static int share_push(const char *path, uint64_t base, unsigned int n,
		      uint64_t again)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		struct vmm_exit x = mmio_exit(0xd0000000ULL, 8, 0x77);
		uint8_t in[8] = { 0 };
		uint64_t kept;

		if (fuzz_cmp_share(path, NULL) != 0)
			_exit(2);
		for (unsigned int i = 0; i < n; i++)
			run_noting(&x, base + i, 0x77, 8, in, sizeof(in));
		kept = fuzz_cmp_fresh_kept();
		run_noting(&x, again, 0x77, 8, in, sizeof(in));
		_exit(fuzz_cmp_fresh_kept() - kept == 1 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) > 1)
		return -1;
	return WEXITSTATUS(st);
}

/* mutants of the cmp seed from the AFL++ custom mutator holding the OUT's
 * constant (or +-1) in the mov immediate */
static unsigned long afl_hits(const char *shm)
{
	static uint8_t seed[4096];
	size_t len = cmp_input(seed, sizeof(seed));
	unsigned long hits = 0;
	void *m;

	fuzz_cmp_clear(); /* only what the file holds */
	if (shm)
		setenv("VMM_CMP_SHM", shm, 1);
	else
		unsetenv("VMM_CMP_SHM");
	m = afl_custom_init(NULL, 7);
	CHECK(m != NULL);
	for (unsigned int k = 0; m && k < 1000; k++) {
		uint8_t in[4096], *out = NULL;
		size_t n;

		memcpy(in, seed, len);
		n = afl_custom_fuzz(m, in, len, &out, NULL, 0, sizeof(in));
		hits += n && out &&
			(memmem(out, n, "\x59\x5a\x34\x12", 4) ||
			 memmem(out, n, "\x5a\x5a\x34\x12", 4) ||
			 memmem(out, n, "\x5b\x5a\x34\x12", 4));
	}
	afl_custom_deinit(m);
	unsetenv("VMM_CMP_SHM");
	return hits;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void check_cmp_shared(void)
{
	char dir[] = "/tmp/test_mutator-XXXXXX", path[64], bad[64];
	static uint8_t junk[2U << 20];
	const char *why = NULL;
	uint64_t c[FUZZ_CMP_PER];
	struct stat st;
	unsigned long with, without;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/cmp", dir);
	(void)snprintf(bad, sizeof(bad), "%s/bad", dir);
	/* no file yet: the reader's table is empty, with a reason */
	fuzz_cmp_note(0x99, 0x98, 1);
	CHECK(fuzz_cmp_load(path, &why) == -1 && why && *why);
	CHECK_EQ_U64(fuzz_cmp_noted(), 0);
	/* two writers one after the other (forkserver children), one file */
	CHECK(share_and_note(path, 0x5a5a, 0xabcd) == 0);
	CHECK(share_and_note(path, 0x0badf00dcafe1234ULL,
			     0x1122334455667788ULL) == 0);
	CHECK(fuzz_cmp_load(path, &why) == 0);
	/* two constants, each also kept for its written register and its
	 * kind and width */
	CHECK_EQ_U64(fuzz_cmp_noted(), 6);
	CHECK_EQ_U64(fuzz_cmp_find(0xabcd, c, FUZZ_CMP_PER), 1);
	CHECK_EQ_U64(c[0], 0x5a5a);
	CHECK_EQ_U64(site_has(fuzz_cmp_site_key(1, 8, 0xd0000000ULL, 0),
			      0x0badf00dcafe1234ULL),
		     2);
	/* each run showed a new check: both inputs are in the file, the
	 * newest first */
	{
		uint8_t in[16];
		uint64_t v = 0;
		struct fuzz_fresh_check f;

		CHECK_EQ_U64(fuzz_cmp_fresh_kept(), 2);
		CHECK_EQ_U64(fuzz_cmp_fresh_take(in, sizeof(in), 1, &f), 8);
		memcpy(&v, in, 8);
		CHECK_EQ_U64(v, 0x0badf00dcafe1234ULL);
		CHECK_EQ_U64(f.c, v);
		CHECK_EQ_U64(f.var, 0x1122334455667788ULL);
		CHECK_EQ_U64(f.key, fuzz_cmp_site_key(1, 8, 0xd0000000ULL, 0));
		CHECK_EQ_U64(fuzz_cmp_fresh_take(in, sizeof(in), 1, &f), 8);
		CHECK_EQ_U64(f.c, 0x5a5a);
		CHECK_EQ_U64(fuzz_cmp_fresh_take(in, sizeof(in), 1, &f), 0);
	}
	/* the reader marked both tried in the file: pushed out, their
	 * checks stay seen; 16 entries pushed out untried are new again */
	CHECK_EQ_U64(share_push(path, 0x7000, FUZZ_FRESH_N, 0x5a5a), 0);
	CHECK_EQ_U64(share_push(path, 0x8000, FUZZ_FRESH_N, 0x7003), 1);
	CHECK_EQ_U64(share_push(path, 0x9000, 0, 0x8003), 0);
	CHECK(fuzz_cmp_load(path, &why) == 0);
	/* the AFL++ custom mutator reads it: its cmp operator is on */
	with = afl_hits(path);
	without = afl_hits(NULL);
	(void)printf("AFL++ custom mutator, 1000 mutants: the constant in the "
		     "immediate %lu with the shared table, %lu without\n",
		     with, without);
	CHECK(with >= 20);
	CHECK_EQ_U64(without, 0);
	/* a fixed stage per queue entry, whatever the entry (AFL++'s own
	 * grows it up to 64 times while it finds paths: on this target
	 * always, and one entry took the whole run) */
	{
		static const uint8_t one[1] = { 0 };
		static uint8_t big[4096];
		uint32_t c1 = afl_custom_fuzz_count(NULL, one, sizeof(one)),
			 c2 = afl_custom_fuzz_count(NULL, big, sizeof(big));

		CHECK(c1 >= 64 && c1 <= 1024);
		CHECK_EQ_U64(c1, c2);
	}
	/* bad files: operator off, nothing faults, a writer leaves them */
	memset(junk, 0xa5, sizeof(junk));
	CHECK(write_file(bad, junk, sizeof(junk)) == 0);
	CHECK(fuzz_cmp_load(bad, &why) == -1);
	CHECK_EQ_U64(afl_hits(bad), 0);
	CHECK(share_and_note(bad, 1, 2) == -1);
	CHECK(stat(bad, &st) == 0 && st.st_size == (off_t)sizeof(junk));
	CHECK(write_file(bad, junk, 100) == 0); /* short */
	CHECK(fuzz_cmp_load(bad, &why) == -1);
	CHECK(share_and_note(bad, 1, 2) == -1);
	CHECK_EQ_U64(afl_hits(bad), 0);
	CHECK(fuzz_cmp_load(dir, &why) == -1); /* a directory */
	CHECK(share_and_note(dir, 1, 2) == -1);
	/* the right file cut short after its header: a reader copies none */
	CHECK(truncate(path, 4096) == 0);
	CHECK(fuzz_cmp_load(path, &why) == -1);
	CHECK_EQ_U64(fuzz_cmp_noted(), 0);
	CHECK_EQ_U64(afl_hits(path), 0);
	(void)unlink(path);
	(void)unlink(bad);
	(void)rmdir(dir);
	fuzz_cmp_clear();
}

int main(int argc, char **argv)
{
	struct tally t;
	struct vmm_error e;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: test_mutator CORPUS_DIR\n");
		return 2;
	}
	memset(&t, 0, sizeof(t));
	CHECK(vmm_dir_each(argv[1], one_seed, &t, &e) == 0);
	CHECK(t.seeds >= 5);
	CHECK_EQ_U64(t.invalid, 0);
	(void)printf("%lu seeds, %lu mutants: %lu of %lu vCPU entries off "
		     "the input's code\n",
		     t.seeds, t.mutants, t.off_code, t.entries);
	CHECK(t.entries > 0 && t.off_code * 50 <= t.entries);
	(void)printf("%lu real-mode mutants with RAM at 0: %lu leave the "
		     "vector table zero\n",
		     t.real16, t.open_ivt);
	CHECK(t.real16 > 0 && t.open_ivt * 8 <= t.real16);
	check_cmp_values(argv[1]);
	check_splice();
	check_cmp_table();
	check_cmp_operator();
	check_cmp_unset_reg();
	check_cmp_blob_bytes();
	check_site_table();
	check_pin();
	check_fresh();
	check_cmp_shared();
	check_keep();
	check_actions(argv[1]);
	return check_report("test_mutator");
}
