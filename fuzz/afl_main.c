/* AFL++ driver: persistent mode with shared-memory test cases. Built with
 * afl-clang-fast (see fuzz/run-afl.sh); the target's state (KVM fd, the
 * watchdog thread) is created in the forked child by fuzz_target_start(),
 * before the first __AFL_LOOP clears the coverage map. With VMM_CMP_SHM
 * set, the comparison table (fuzz/cmp_table.h) is that file, mapped here
 * before the forkserver starts so that every child notes its comparisons
 * where the custom mutator reads them (fuzz/afl_mutator.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz/cmp_table.h"
#include "fuzz/target.h"

__AFL_FUZZ_INIT();

#ifdef VMM_AFL_CMP_HOOK
int fuzz_cmp_afl_enable(void); /* fuzz/cmp_hook_afl.c */
#endif

int main(int argc, char **argv)
{
	unsigned char *buf;

	(void)LLVMFuzzerInitialize(&argc, &argv);
#ifdef VMM_AFL_CMP_HOOK
	{
		const char *path = getenv("VMM_CMP_SHM"), *why = "";

		if (path && *path && fuzz_cmp_share(path, &why) != 0)
			fprintf(stderr,
				"afl: VMM_CMP_SHM=%s: %s; no comparison table\n",
				path, why);
		else if (path && *path && fuzz_cmp_afl_enable() != 0)
			fprintf(stderr, "afl: no memory for the comparison "
					"hooks; no comparison table\n");
	}
#endif
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
	fuzz_target_close_inline(); /* stopped after every input */
	fuzz_target_start();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		int len = __AFL_FUZZ_TESTCASE_LEN;

		if (len >= 0)
			(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	}
	return 0;
}
