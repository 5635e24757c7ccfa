/* AFL++ custom mutator library (AFL_CUSTOM_MUTATOR_LIBRARY): the same
 * structure-aware mutator the libFuzzer builds use. The comparison table
 * its "cmp" and "pin" operators draw on is filled by the target
 * (fuzz/afl_main.c,
 * fuzz/cmp_hook_afl.c) in the file VMM_CMP_SHM names: copied in at the
 * first call and then at most every 20 ms; no variable, or a file
 * missing, short or of another build, leaves the table empty and the
 * operators off (retried 20 ms later).
 *
 * Why 20 ms: AFL++ gives a queue entry one stage of some hundred
 * mutations, a fraction of a second here; the entry's own comparisons
 * reach the file only as its mutants run. Copied in once a second, the
 * table the operator drew from was mostly that of earlier entries: on
 * the whole corpus, AFL++ reached P01-P03 of the planted-bug benchmark
 * (docs/bugbench.md) in every trial and exposed none, while a run on one
 * seed holding a word OUT exposed P01 in 14 s. A copy (0.9 MiB, pread)
 * every 20 ms cost under 1% of the time. The register slots added
 * 0.4 MiB, and the inputs that showed a new check 0.25 MiB, copied
 * only when the target kept one: a 300-s AFL++ trial of the planted
 * benchmark made 168,791 execs with both, 167,706 with the register
 * slots alone. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz/cmp_table.h"
#include "fuzz/mutator.h"

struct afl_mut {
	unsigned int seed;
	uint8_t *buf;
	size_t cap;
	const char *cmp_path;  /* VMM_CMP_SHM, or NULL */
	int64_t cmp_loaded_ns; /* when the table was last copied in; -1: never */
};

#define CMP_RELOAD_NS 20000000LL

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void cmp_refresh(struct afl_mut *m)
{
	int64_t now;

	if (!m->cmp_path)
		return;
	now = mono_ns();
	if (m->cmp_loaded_ns >= 0 && now - m->cmp_loaded_ns < CMP_RELOAD_NS)
		return;
	m->cmp_loaded_ns = now;
	(void)fuzz_cmp_load(m->cmp_path, NULL);
}

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size);
uint32_t afl_custom_fuzz_count(void *data, const uint8_t *buf, size_t buf_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct afl_mut *m = calloc(1, sizeof(*m));

	(void)afl;
	if (m) {
		const char *p = getenv("VMM_CMP_SHM");

		m->seed = seed;
		m->cmp_path = p && *p ? p : NULL;
		m->cmp_loaded_ns = -1;
	}
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size)
{
	struct afl_mut *m = data;
	size_t n = 0;

	if (max_size > m->cap) {
		uint8_t *nb = realloc(m->buf, max_size);

		if (!nb) {
			*out_buf = buf;
			return buf_size;
		}
		m->buf = nb;
		m->cap = max_size;
	}
	cmp_refresh(m);
	m->seed = m->seed * 1103515245U + 12345U;
	if (add_buf && add_buf_size && (m->seed >> 16) % 8 == 0)
		n = fuzz_crossover(buf, buf_size, add_buf, add_buf_size, m->buf,
				   max_size, m->seed);
	if (n == 0) {
		n = buf_size < max_size ? buf_size : max_size;
		memcpy(m->buf, buf, n);
		n = fuzz_mutate(m->buf, n, max_size, m->seed, NULL);
	}
	*out_buf = m->buf;
	return n;
}

/* AFL++ gives the custom stage 256 mutations times the entry's score, and
 * doubles it (up to 64 times) whenever the stage finds something new;
 * havoc then does the same. Here a new queue entry comes every 10-100
 * mutations, so the stages always grow to their cap: in a 300-s run of
 * the planted-bug benchmark one instance fuzzed 5 queue entries (32,768
 * custom and 32,768 havoc mutations each; havoc found 26 paths in 32,768,
 * the custom stage 850 in 69,100) and left all 279 favoured entries
 * untried. With a fixed count the stage does not grow; fuzz/run-afl.sh
 * also turns havoc off (AFL_CUSTOM_MUTATOR_ONLY): the same run fuzzed
 * 346 entries (docs/bugbench.md, item 22). */
#define AFL_MUT_PER_ENTRY 256U

uint32_t afl_custom_fuzz_count(void *data, const uint8_t *buf, size_t buf_size)
{
	(void)data;
	(void)buf;
	(void)buf_size;
	return AFL_MUT_PER_ENTRY;
}

void afl_custom_deinit(void *data)
{
	struct afl_mut *m = data;

	if (m)
		free(m->buf);
	free(m);
}
