/* The comparison table (fuzz/cmp_table.h). Built without comparison
 * tracing in the libFuzzer trees (fuzz/CMakeLists.txt): it runs inside
 * the tracing hooks. */
#include "fuzz/cmp_table.h"

#include <string.h>

struct cmp_slot {
	uint64_t var;
	uint64_t c[FUZZ_CMP_PER];
	uint8_t n;    /* constants held */
	uint8_t next; /* the one replaced next when full */
};

static struct cmp_slot table[FUZZ_CMP_SLOTS];
static uint64_t noted;

static uint32_t slot_of(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (uint32_t)v & (FUZZ_CMP_SLOTS - 1U);
}

void fuzz_cmp_note(uint64_t c, uint64_t var, unsigned int width)
{
	struct cmp_slot *s;
	unsigned int n;

	(void)width;
	if (c == var || c == 0)
		return;
	s = &table[slot_of(var)];
	if (s->n == 0 || s->var != var) {
		/* a newer value takes the slot */
		s->var = var;
		s->c[0] = c;
		s->n = 1;
		s->next = 0;
		noted++;
		return;
	}
	/* vCPU threads may note at once: the count is read once and every
	 * index stays below FUZZ_CMP_PER whatever another thread did */
	n = __atomic_load_n(&s->n, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < n && i < FUZZ_CMP_PER; i++)
		if (s->c[i] == c)
			return;
	noted++;
	if (n < FUZZ_CMP_PER) {
		s->c[n] = c;
		s->n = (uint8_t)(n + 1U);
		return;
	}
	s->c[s->next % FUZZ_CMP_PER] = c;
	s->next = (uint8_t)((s->next + 1U) % FUZZ_CMP_PER);
}

unsigned int fuzz_cmp_find(uint64_t var, uint64_t *out, unsigned int max)
{
	const struct cmp_slot *s = &table[slot_of(var)];
	unsigned int k = 0;

	if (s->n == 0 || s->var != var)
		return 0;
	for (unsigned int i = 0; i < s->n && i < FUZZ_CMP_PER && k < max; i++)
		out[k++] = s->c[i];
	return k;
}

uint64_t fuzz_cmp_noted(void)
{
	return noted;
}

void fuzz_cmp_clear(void)
{
	memset(table, 0, sizeof(table));
	noted = 0;
}
