/* The AFL++ tree's VMM core is compiled with the compiler's comparison
 * tracing as well as AFL++'s instrumentation (fuzz/CMakeLists.txt), and
 * that tracing needs a coverage kind of its own: 8-bit counters, whose
 * start-up call this is. AFL++'s instrumentation does the coverage, so the
 * counters are left alone. */
#include <stdint.h>

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop)
{
	(void)start;
	(void)stop;
}
