/* Comparison tracing into the comparison table (fuzz/cmp_table.h), for
 * the libFuzzer trees: the targets are linked with
 * -Wl,--wrap=__sanitizer_cov_trace_const_cmpN (fuzz/CMakeLists.txt), so
 * every comparison with a constant in the instrumented code (the VMM's
 * exit handling and devices among them) comes here first and then goes
 * on to the engine's own hook (value profile, TORC) unchanged. Only
 * comparisons with a compile-time constant are noted: those are the
 * "is it this value" checks; comparisons of two variables are mostly
 * bounds and loop counters. The hooks themselves are never traced; a
 * per-thread flag keeps a traced comparison inside the table's code
 * (a build that traces cmp_table.c) from coming back here. */
#include <stdint.h>

#include "fuzz/cmp_table.h"

#if defined(__clang__)
#define NO_TRACE __attribute__((no_sanitize("coverage")))
#else
#define NO_TRACE
#endif

#define CMP_HOOK(n, t)                                                    \
	void __real___sanitizer_cov_trace_const_cmp##n(t a, t b);         \
	void __wrap___sanitizer_cov_trace_const_cmp##n(t a, t b);         \
	NO_TRACE void __wrap___sanitizer_cov_trace_const_cmp##n(t a, t b) \
	{                                                                 \
		if (!busy) {                                              \
			busy = 1;                                         \
			fuzz_cmp_note((uint64_t)a, (uint64_t)b, n);       \
			busy = 0;                                         \
		}                                                         \
		__real___sanitizer_cov_trace_const_cmp##n(a, b);          \
	}

static __thread int busy;

CMP_HOOK(1, uint8_t)
CMP_HOOK(2, uint16_t)
CMP_HOOK(4, uint32_t)
CMP_HOOK(8, uint64_t)
