/* AFL++ builds only: coverage control through AFL++'s selective coverage
 * (__AFL_COVERAGE_OFF/ON: instrumentation/README.instrument_list.md). Not
 * instrumented itself (fuzz/afl-denylist.txt). */
#include "fuzz/feedback.h"

__AFL_COVERAGE();

void fuzz_coverage_off(void)
{
	__AFL_COVERAGE_OFF();
}

void fuzz_coverage_on(void)
{
	__AFL_COVERAGE_ON();
}
