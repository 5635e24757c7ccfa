/* 1-byte comparisons in the AFL++ tree's comparison table
 * (fuzz/cmp_hook_afl.c): AFL++'s CmpLog instruction pass hooks no 8-bit
 * comparison, so the tree adds the compiler's own comparison tracing
 * through a response file (fuzz/CMakeLists.txt). This file is compiled
 * the way the VMM core is there (the response file, not the pass) and
 * linked with the hooks:
 *  - a byte compared with a constant is noted once the target's table
 *    is on (fuzz_cmp_afl_enable), in the byte value's slot;
 *  - before that, and while the map pointer is cleared (AFL++'s
 *    selective coverage off), nothing is noted.
 * Usage: test_byte_cmp_afl */
#include <stdint.h>
#include <stdio.h>

#include "fuzz/cmp_table.h"
#include "tests/check.h"

int fuzz_cmp_afl_enable(void);	       /* fuzz/cmp_hook_afl.c */
extern void *__afl_cmp_map;	       /* AFL++'s runtime */
int decode(uint8_t v, uint8_t *state); /* not inlined: a real compare */

/* a device register's decoder: one written byte against a constant */
__attribute__((noinline)) int decode(uint8_t v, uint8_t *state)
{
	if (v == 0xa5) {
		*state = 1;
		return 1;
	}
	*state = 0;
	return 0;
}

static int noted_with(uint64_t var, uint64_t c)
{
	uint64_t got[FUZZ_CMP_FIND_MAX];
	unsigned int n = fuzz_cmp_find(var, got, FUZZ_CMP_FIND_MAX);

	for (unsigned int i = 0; i < n; i++)
		if (got[i] == c)
			return 1;
	return 0;
}

int main(void)
{
	volatile uint8_t in = 0x3c;
	uint8_t state = 9;
	void *map;

	fuzz_cmp_clear();
	CHECK_EQ_U64((uint64_t)decode(in, &state), 0);
	CHECK(!noted_with(0x3c, 0xa5)); /* no table yet */

	CHECK_EQ_U64((uint64_t)fuzz_cmp_afl_enable(), 0);
	map = __afl_cmp_map;
	__afl_cmp_map = NULL; /* selective coverage off */
	CHECK_EQ_U64((uint64_t)decode(in, &state), 0);
	CHECK(!noted_with(0x3c, 0xa5));
	__afl_cmp_map = map;

	CHECK_EQ_U64((uint64_t)decode(in, &state), 0);
	(void)printf("0x3c compared with 0xa5: %s\n",
		     noted_with(0x3c, 0xa5) ? "noted" : "not noted");
	CHECK(noted_with(0x3c, 0xa5));
	CHECK(!noted_with(0x3d, 0xa5));
	CHECK_EQ_U64(state, 0);
	return check_report("test_byte_cmp_afl");
}
