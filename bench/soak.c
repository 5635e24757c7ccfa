/* Soak: the pipeline over the corpus and random scenarios (from the
 * structure-aware mutator) for N executions, printing RSS and the open-fd
 * count at the start (after warm-up) and the end, and periodically.
 * Figures, not assertions: the expectation is RSS within 1 MiB of the
 * warm-up value and an identical fd count.
 * Usage: soak [EXECS (default 1000000)] [CORPUS_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/common.h"
#include "fuzz/mutator.h"
#include "tests/proc_util.h"
#include "vmm/oracle.h"
#include "vmm/session.h"

#define BUF_MAX 16384

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

int main(int argc, char **argv)
{
	unsigned long execs = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000UL;
	const char *dir = argc > 2 ? argv[2] : "corpus/scenarios";
	static uint8_t buf[BUF_MAX];
	static struct vmm_input_outcome out;
	unsigned long findings = 0, verdicts[VMM_V_COUNT] = { 0 };
	struct vmm_kvm k;
	struct vmm_watchdog wd;
	struct timespec t0, t1;
	int fd0;
	long rss0;

	if (bench_corpus_load(&corpus, dir, BUF_MAX) == 0 || execs == 0) {
		(void)fprintf(stderr, "soak: no seeds in %s or no execs\n",
			      dir);
		return 2;
	}
	if (bench_open(&k, NULL, &wd) != 0)
		return 3;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rss0 = 0;
	fd0 = 0;
	for (unsigned long i = 0; i < execs; i++) {
		int s = (int)(i % (unsigned long)corpus.n);
		size_t n = corpus.len[s];

		memcpy(buf, corpus.buf[s], n);
		if (i % 2) /* every other run: a random scenario */
			n = fuzz_mutate(buf, n, sizeof(buf), (unsigned int)i,
					NULL);
		vmm_run_input(&k, buf, n, NULL, NULL, &wd, &out);
		verdicts[out.result.verdict]++;
		findings += out.finding != VMM_FIND_NONE;
		if (i + 1 == 1000 || (i + 1 == execs && execs < 1000)) {
			rss0 = proc_status_kb("VmRSS:");
			fd0 = proc_fd_count();
			(void)printf(
				"soak: warm-up done at %lu execs: rss_kb=%ld "
				"fds=%d\n",
				i + 1, rss0, fd0);
		}
		if ((i + 1) % 100000 == 0)
			(void)printf("soak: %lu execs rss_kb=%ld fds=%d\n",
				     i + 1, proc_status_kb("VmRSS:"),
				     proc_fd_count());
		(void)fflush(stdout);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		long rss1 = proc_status_kb("VmRSS:");
		int fd1 = proc_fd_count();

		(void)printf("soak: verdicts halt=%lu guest=%lu timeout=%lu "
			     "budget=%lu input=%lu host=%lu sys=%lu\n",
			     verdicts[VMM_V_HALT], verdicts[VMM_V_GUEST],
			     verdicts[VMM_V_TIMEOUT], verdicts[VMM_V_BUDGET],
			     verdicts[VMM_V_INPUT], verdicts[VMM_V_HOST],
			     verdicts[VMM_V_SYS]);
		(void)printf("soak: execs=%lu seconds=%.0f execs_per_sec=%.0f "
			     "findings=%lu rss_start_kb=%ld rss_end_kb=%ld "
			     "rss_growth_kb=%ld fds_start=%d fds_end=%d\n",
			     execs, secs, (double)execs / secs, findings, rss0,
			     rss1, rss1 - rss0, fd0, fd1);
	}
	pool_memory(&k, &wd);
	vmm_watchdog_stop(&wd);
	vmm_kvm_close(&k);
	return 0;
}
