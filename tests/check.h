/* Minimal test assertions: each failure prints file:line and the values,
 * and the test binary exits non-zero at the end if any check failed. */
#ifndef VMM_TESTS_CHECK_H
#define VMM_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                        \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			check_failures++;                                  \
			(void)fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
				      __FILE__, __LINE__, #cond);          \
		}                                                          \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                   \
	do {                                                                 \
		uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);           \
		check_count++;                                               \
		if (va_ != vb_) {                                            \
			check_failures++;                                    \
			(void)fprintf(stderr,                                \
				      "%s:%d: %s == %s failed: 0x%" PRIx64   \
				      " != 0x%" PRIx64 "\n",                 \
				      __FILE__, __LINE__, #a, #b, va_, vb_); \
		}                                                            \
	} while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                        \
	do {                                                                   \
		const char *h_ = (hay), *n_ = (needle);                        \
		check_count++;                                                 \
		if (!h_ || !strstr(h_, n_)) {                                  \
			check_failures++;                                      \
			(void)fprintf(                                         \
				stderr, "%s:%d: '%s' does not contain '%s'\n", \
				__FILE__, __LINE__, h_ ? h_ : "(null)", n_);   \
		}                                                              \
	} while (0)

/* Call at the end of main. */
static inline int check_report(const char *name)
{
	(void)printf("%s: %d checks, %d failed\n", name, check_count,
		     check_failures);
	return check_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Exit code ctest treats as "skipped" (SKIP_RETURN_CODE). */
#define CHECK_SKIP_RC 77

#endif
