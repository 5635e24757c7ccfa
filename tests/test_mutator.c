/* The mutator and the feedback, without KVM:
 *  - vCPUs of mutated scenarios start on the input's code: of the mutants
 *    of the shipped corpus (fixed seeds, four generations each), at most
 *    one vCPU entry in 50 lies outside every blob and fill (zeroed memory
 *    runs until the timeout; one in 16 is left there on purpose);
 *  - a real-mode mutant gets HLTs where a fault through a zero vector
 *    table lands (0, and 0xf4 for vector 0): at most one in 8 of them
 *    leaves the table zero (one in 16 per generation on purpose);
 *  - every mutant decodes and validates;
 *  - a run the clock ended is not kept by the engine (fuzz_feedback_end
 *    returns 0), whatever else it did; every other outcome is, and a
 *    finding is kept whatever ended its run.
 * Usage: test_mutator CORPUS_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/feedback.h"
#include "fuzz/mutator.h"
#include "tests/check.h"
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
	check_keep();
	check_actions(argv[1]);
	return check_report("test_mutator");
}
