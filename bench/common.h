/* What every benchmark and the soak set up the same way: the corpus
 * (its .kvms files, in name order) and a KVM handle with the hang
 * watchdog (a run past its limit aborts the benchmark: its figures would
 * be meaningless). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/kvm.h"
#include "vmm/sys.h"
#include "vmm/watchdog.h"

#define BENCH_MAX_SEEDS 64

struct bench_corpus {
	unsigned int n;
	uint8_t *buf[BENCH_MAX_SEEDS];
	size_t len[BENCH_MAX_SEEDS];
	char name[BENCH_MAX_SEEDS][80]; /* file name, without the directory */
};

/* The .kvms files of `dir` (at most BENCH_MAX_SEEDS, each at most `max`
 * bytes), in name order. Returns how many were loaded; says why on stderr
 * when none was. */
unsigned int bench_corpus_load(struct bench_corpus *c, const char *dir,
			       size_t max);
void bench_corpus_free(struct bench_corpus *c);

/* Open KVM through `ops` (NULL: libc) and start the watchdog. 0, or 3
 * after one line "bench: <why>" on stderr. */
int bench_open(struct vmm_kvm *k, const struct vmm_sysops *ops,
	       struct vmm_watchdog *wd);

#endif
