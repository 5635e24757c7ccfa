/* Soak: the pipeline over the corpus and random scenarios (from the
 * structure-aware mutator) for N executions, printing RSS and the open-fd
 * count at the start (after warm-up) and the end, and periodically.
 * Figures, not assertions: the expectation is RSS within 1 MiB of the
 * warm-up value and an identical fd count.
 *
 * SOAK_MODE=concurrent runs every input in concurrent mode instead
 * (vmm/pipeline.h concurrent_seed: a thread per vCPU and one firing the
 * action records at random times, a new seed per input, as
 * VMM_FUZZ_MODE=concurrent does; seeds with their timeout capped at
 * SOAK_CONC_TIMEOUT_MS, mutants have the mutator's), and adds the thread count to each
 * figure (the run's threads are joined: it should not move either).
 * SOAK_SECONDS=N stops after N seconds even if EXECS are not done. VMs
 * with in-kernel devices close on vmm/closer.c's threads in both modes
 * (bench_open starts it, as the fuzz targets do); the closer is drained
 * before each figure so that VMs still queued there do not count.
 * Usage: soak [EXECS (default 1000000)] [CORPUS_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/common.h"
#include "fuzz/mutator.h"
#include "tests/proc_util.h"
#include "vmm/closer.h"
#include "vmm/oracle.h"
#include "vmm/session.h"

#define BUF_MAX 16384
/* Concurrent mode: a seed's timeout at most this. It has no halt checks,
 * so a guest halted in the in-kernel LAPIC waits for its timeout (the
 * irq seeds: 1 s, against 2-7 ms for the action seeds); mutants have the
 * mutator's 1 ms already. */
#define SOAK_CONC_TIMEOUT_MS 10U

static struct bench_corpus corpus;

/* Start VmHWM (peak RSS) anew (proc(5): clear_refs, value 5). */
static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "we");

	if (f) {
		(void)fputs("5", f);
		(void)fclose(f);
	}
}

/* Resident memory of reset mode's session pool against fresh VMs: inputs
 * that fill 160 MiB, alternating between one and two vCPUs (one pool
 * session each), RSS sampled after every input. The pool gives the memory
 * of the session it switches away from back to the kernel, so its peak
 * should be about one input's worth, as in fresh mode. */
static void pool_memory(struct vmm_kvm *k, struct vmm_watchdog *wd)
{
	static uint8_t buf[BUF_MAX];
	static struct vmm_input_outcome out;
	static struct vmm_session_pool pool;
	struct vmm_scenario s;
	struct vmm_error e;
	long base, max_reset = 0, max_fresh = 0, peak_reset = 0, peak_fresh;
	int found = 0;

	for (unsigned int i = 0; i < corpus.n && !found; i++)
		found = vmm_scenario_decode(corpus.buf[i], corpus.len[i], &s,
					    &e) == 0 &&
			s.nvcpus == 1 && s.nslots == 1 && s.slots[0].gpa == 0 &&
			!s.mmio_console;
	vmm_err_clear(&e);
	if (!found || vmm_session_pool_init(&pool, k, 0, &e) < 0) {
		(void)printf("soak: pool memory not measured (%s)\n",
			     found ? e.msg : "no one-vCPU, one-slot seed");
		return;
	}
	s.slots[0].size = 192U << 20;
	s.nfills = 1;
	s.fills[0] = (struct vmm_fill_spec){ .gpa = 16U << 20,
					     .len = 160U << 20,
					     .pattern = { 0x90 },
					     .pattern_len = 1 };
	s.vcpus[1] = s.vcpus[0];
	base = proc_status_kb("VmRSS:");
	reset_peak();
	for (int round = 0; round < 20; round++) {
		size_t n;
		long rss;

		s.nvcpus = 1 + (uint32_t)(round % 2);
		n = vmm_scenario_encode(&s, buf, sizeof(buf), &e);
		if (n == 0 || n > sizeof(buf))
			break;
		if (round < 10)
			vmm_run_input_pool(k, &pool, buf, n, NULL, NULL, wd,
					   &out);
		else
			vmm_run_input(k, buf, n, NULL, NULL, wd, &out);
		rss = proc_status_kb("VmRSS:") - base;
		if (round < 10 && rss > max_reset)
			max_reset = rss;
		if (round >= 10 && rss > max_fresh)
			max_fresh = rss;
		if (round == 9) {
			vmm_session_pool_destroy(&pool);
			peak_reset = proc_status_kb("VmHWM:") - base;
			reset_peak();
		}
	}
	peak_fresh = proc_status_kb("VmHWM:") - base;
	(void)printf("soak: pool memory: 10 inputs filling 160 MiB at 1 and 2 "
		     "vCPUs, KiB above the start: between inputs reset=%ld "
		     "fresh=%ld, peak reset=%ld fresh=%ld\n",
		     max_reset, max_fresh, peak_reset, peak_fresh);
}

/* Concurrent mode: the seed's timeout capped (SOAK_CONC_TIMEOUT_MS).
 * Returns its new length (the old one if it does not decode). */
static size_t cap_timeout(uint8_t *buf, size_t n)
{
	static struct vmm_scenario s;
	struct vmm_error e;
	size_t m;

	vmm_err_clear(&e);
	if (vmm_scenario_decode(buf, n, &s, &e) < 0 ||
	    s.timeout_ms <= SOAK_CONC_TIMEOUT_MS)
		return n;
	s.timeout_ms = SOAK_CONC_TIMEOUT_MS;
	m = vmm_scenario_encode(&s, buf, BUF_MAX, &e);
	return m > 0 && m <= BUF_MAX ? m : n;
}

/* RSS, fds and threads, with every VM handed to the closer closed. */
static void sample(struct vmm_kvm *k, long *rss, int *fds, long *threads)
{
	vmm_closer_drain(k);
	*rss = proc_status_kb("VmRSS:");
	*fds = proc_fd_count();
	*threads = proc_status_kb("Threads:");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long execs = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000UL;
	const char *dir = argc > 2 ? argv[2] : "corpus/scenarios";
	const char *mode = getenv("SOAK_MODE");
	const char *secs_env = getenv("SOAK_SECONDS");
	static uint8_t buf[BUF_MAX];
	static struct vmm_input_outcome out;
	unsigned long findings = 0, verdicts[VMM_V_COUNT] = { 0 }, done = 0;
	unsigned long every, actions = 0;
	double max_secs = secs_env ? strtod(secs_env, NULL) : 0.0;
	struct vmm_hooks hooks;
	struct vmm_kvm k;
	struct vmm_watchdog wd;
	struct timespec t0;
	int fd0, concurrent;
	long rss0, thr0;

	if (mode && strcmp(mode, "concurrent") != 0 &&
	    strcmp(mode, "fresh") != 0) {
		(void)fprintf(stderr,
			      "soak: SOAK_MODE=%s: unknown mode (fresh, "
			      "concurrent)\n",
			      mode);
		return 2;
	}
	concurrent = mode && strcmp(mode, "concurrent") == 0;
	/* concurrent runs are slower: a figure every 10,000 of them */
	every = concurrent ? 10000UL : 100000UL;
	if (bench_corpus_load(&corpus, dir, BUF_MAX) == 0 || execs == 0) {
		(void)fprintf(stderr, "soak: no seeds in %s or no execs\n",
			      dir);
		return 2;
	}
	if (bench_open(&k, NULL, &wd) != 0)
		return 3;
	memset(&hooks, 0, sizeof(hooks));
	(void)printf("soak: mode=%s execs=%lu seeds=%u\n",
		     concurrent ? "concurrent" : "fresh", execs, corpus.n);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rss0 = 0;
	fd0 = 0;
	thr0 = 0;
	for (unsigned long i = 0; i < execs; i++) {
		int s = (int)(i % (unsigned long)corpus.n);
		size_t n = corpus.len[s];

		memcpy(buf, corpus.buf[s], n);
		if (i % 2) /* every other run: a random scenario */
			n = fuzz_mutate(buf, n, sizeof(buf), (unsigned int)i,
					NULL);
		else if (concurrent)
			n = cap_timeout(buf, n);
		/* a new seed per input, as the fuzz target's concurrent mode */
		hooks.concurrent_seed =
			concurrent ? 0x9E3779B97F4A7C15ULL * (i + 1) : 0;
		vmm_run_input(&k, buf, n, &hooks, NULL, &wd, &out);
		verdicts[out.result.verdict]++;
		actions += out.decoded ? out.result.actions_fired : 0;
		if (out.finding != VMM_FIND_NONE) {
			findings++;
			(void)printf("soak: finding at exec %lu: %s\n", i + 1,
				     out.sig);
		}
		done = i + 1;
		if (i + 1 == 1000 || (i + 1 == execs && execs < 1000)) {
			sample(&k, &rss0, &fd0, &thr0);
			(void)printf(
				"soak: warm-up done at %lu execs: rss_kb=%ld "
				"fds=%d threads=%ld\n",
				i + 1, rss0, fd0, thr0);
		}
		if ((i + 1) % every == 0) {
			long rss, thr;
			int fds;

			sample(&k, &rss, &fds, &thr);
			(void)printf("soak: %lu execs seconds=%.0f rss_kb=%ld "
				     "fds=%d threads=%ld\n",
				     i + 1, seconds_since(&t0), rss, fds, thr);
		}
		(void)fflush(stdout);
		if (max_secs > 0 && (i + 1) % 64 == 0 &&
		    seconds_since(&t0) >= max_secs)
			break;
	}
	{
		double secs = seconds_since(&t0);
		long rss1, thr1;
		int fd1;

		sample(&k, &rss1, &fd1, &thr1);
		if (done < 1000) { /* stopped by SOAK_SECONDS before warm-up */
			rss0 = rss1;
			fd0 = fd1;
			thr0 = thr1;
		}
		(void)printf("soak: verdicts halt=%lu guest=%lu timeout=%lu "
			     "budget=%lu input=%lu host=%lu sys=%lu "
			     "actions_fired=%lu\n",
			     verdicts[VMM_V_HALT], verdicts[VMM_V_GUEST],
			     verdicts[VMM_V_TIMEOUT], verdicts[VMM_V_BUDGET],
			     verdicts[VMM_V_INPUT], verdicts[VMM_V_HOST],
			     verdicts[VMM_V_SYS], actions);
		(void)printf("soak: mode=%s execs=%lu seconds=%.0f "
			     "execs_per_sec=%.0f findings=%lu rss_start_kb=%ld "
			     "rss_end_kb=%ld rss_growth_kb=%ld fds_start=%d "
			     "fds_end=%d threads_start=%ld threads_end=%ld\n",
			     concurrent ? "concurrent" : "fresh", done, secs,
			     (double)done / secs, findings, rss0, rss1,
			     rss1 - rss0, fd0, fd1, thr0, thr1);
	}
	if (!concurrent) /* reset mode's pool: no concurrent counterpart */
		pool_memory(&k, &wd);
	vmm_watchdog_stop(&wd);
	vmm_kvm_close(&k);
	return 0;
}
