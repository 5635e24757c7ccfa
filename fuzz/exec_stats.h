/* Where a fuzzing process's time goes: wall time per verdict and the
 * distribution of per-exec times, kept by fuzz_pipeline (printed at exit
 * as libFuzzer-style "stat::" lines, read by fuzz/run.sh) and by the
 * mutated-input benchmark (bench/bench_mutated.c).
 * No allocation: a fixed histogram of 1 us buckets up to
 * EXEC_STATS_HIST_US, one overflow bucket above. */
#ifndef VMM_FUZZ_EXEC_STATS_H
#define VMM_FUZZ_EXEC_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "vmm/pipeline.h"

#define EXEC_STATS_HIST_US 200000U
#define EXEC_STATS_UNDECODED VMM_V_COUNT /* inputs that are no scenario */

struct exec_stats {
	uint64_t start_ns;	      /* exec_stats_init() */
	uint64_t n[VMM_V_COUNT + 1];  /* execs per verdict */
	uint64_t ns[VMM_V_COUNT + 1]; /* their wall time */
	uint64_t execs, exec_ns;
	uint32_t hist[EXEC_STATS_HIST_US + 1]; /* execs per whole us */
};

uint64_t exec_stats_now_ns(void);
void exec_stats_init(struct exec_stats *s);
/* One exec that took `ns` and ended with `verdict` (EXEC_STATS_UNDECODED
 * when the input did not decode). */
void exec_stats_add(struct exec_stats *s, unsigned int verdict, uint64_t ns);
/* Median exec time in whole microseconds (0 without execs). */
uint64_t exec_stats_median_us(const struct exec_stats *s);
/* Share of `wall_ns` spent in runs that ended by their timeout. */
double exec_stats_timeout_share(const struct exec_stats *s, uint64_t wall_ns);
/* "stat::vmm_..." lines: execs, wall time, timeout_share, median, and per
 * verdict its count and time share. wall_ns 0: since exec_stats_init(). */
void exec_stats_print(const struct exec_stats *s, FILE *f, uint64_t wall_ns);

#endif
