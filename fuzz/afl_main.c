/* AFL++ driver: persistent mode with shared-memory test cases. Built with
 * afl-clang-fast (see fuzz/run-afl.sh); the target's state (KVM fd, the
 * watchdog thread) is created in the forked child by fuzz_target_start(),
 * before the first __AFL_LOOP clears the coverage map. */
#include <stdint.h>
#include <unistd.h>

#include "fuzz/target.h"

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
	unsigned char *buf;

	(void)LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
	fuzz_target_start();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		int len = __AFL_FUZZ_TESTCASE_LEN;

		if (len >= 0)
			(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	}
	return 0;
}
