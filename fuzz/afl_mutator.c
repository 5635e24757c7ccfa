/* AFL++ custom mutator library (AFL_CUSTOM_MUTATOR_LIBRARY): the same
 * structure-aware mutator the libFuzzer builds use. */
#include <stdlib.h>
#include <string.h>

#include "fuzz/mutator.h"

struct afl_mut {
	unsigned int seed;
	uint8_t *buf;
	size_t cap;
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct afl_mut *m = calloc(1, sizeof(*m));

	(void)afl;
	if (m)
		m->seed = seed;
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

void afl_custom_deinit(void *data)
{
	struct afl_mut *m = data;

	if (m)
		free(m->buf);
	free(m);
}
