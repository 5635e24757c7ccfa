/* Mutated-input benchmark: what the default fuzzing job's inputs cost, not
 * a HLT guest's. Every scenario of CORPUS_DIR, then N mutants made by the
 * project's own mutator (fuzz/mutator.c) in a fixed order from SEED (each
 * from a corpus scenario, as `fuzz_pipeline_replay -mutate=N:SEED` does),
 * run in reset mode through vmm_run_input_pool() exactly as fuzz_pipeline
 * runs them (no finding oracle beyond the classifier, no kernel log).
 * Prints the time per verdict and, last:
 *   bench: mutated execs_per_sec=N timeout_share=P median_exec_us=N
 * Then the reset sessions' resets, fallbacks (fresh VMs) and the inputs
 * whose action records took a fresh VM of their own (action_fresh).
 * The inputs are the same on every run; the figures depend on the host.
 * Usage: bench_mutated [CORPUS_DIR [N [SEED]]] (corpus/scenarios 1000 11)
 * BENCH_TRACE=1: also one line per exec on stderr, "exec I VERDICT US
 * EXITS TIMEOUT_MS MAX_EXITS" (how long inputs need, to choose limits).
 * BENCH_SAVE=DIR: the inputs that timed out, as DIR/timeout-I.kvms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/common.h"
#include "fuzz/exec_stats.h"
#include "fuzz/mutator.h"
#include "vmm/closer.h"
#include "vmm/limits.h"
#include "vmm/oracle.h"
#include "vmm/session.h"

#define BUF 65536

static struct bench_corpus corpus;

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus/scenarios";
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	unsigned int seed =
		argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : 11;
	static struct exec_stats st;
	static struct vmm_input_outcome out;
	static uint8_t work[BUF];
	struct vmm_session_pool pool;
	struct vmm_kvm k;
	struct vmm_error e;
	struct vmm_hooks hooks;
	uint64_t t_all;
	double secs;
	const char *tr = getenv("BENCH_TRACE");
	int trace = tr && strcmp(tr, "1") == 0;
	const char *save = getenv("BENCH_SAVE");
	const char *closer = getenv("BENCH_CLOSER");
	struct vmm_closer_stats cs;

	if (bench_corpus_load(&corpus, dir, BUF) == 0)
		return 2;
	vmm_err_clear(&e);
	/* BENCH_CLOSER=0: VMs close in the run (for an A/B figure) */
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0 ||
	    (!(closer && strcmp(closer, "0") == 0) &&
	     vmm_closer_start(&k, &e) < 0) ||
	    vmm_session_pool_init(&pool, &k, 0, &e) < 0) {
		(void)fprintf(stderr, "bench_mutated: %s\n", e.msg);
		return e.cls == VMM_ERR_HOST ? 77 : 3;
	}
	{
		char probe[2048]; /* the host probes, before the clock starts */

		(void)vmm_arch_host_report(&k, probe, sizeof(probe));
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.skip_state = 1;
	exec_stats_init(&st);
	t_all = exec_stats_now_ns();
	for (unsigned long i = 0; i < corpus.n + n; i++) {
		size_t len;
		uint64_t t0;

		if (i < corpus.n) {
			len = corpus.len[i];
			memcpy(work, corpus.buf[i], len);
		} else {
			unsigned long m = i - corpus.n;
			unsigned int s =
				(unsigned int)((m * 2654435761UL + seed) %
					       (corpus.n ? corpus.n : 1));

			len = corpus.len[s];
			memcpy(work, corpus.buf[s], len);
			len = fuzz_mutate(work, len, BUF,
					  seed + (unsigned int)m, NULL);
		}
		t0 = exec_stats_now_ns();
		vmm_run_input_pool(&k, &pool, work, len, &hooks, NULL, NULL,
				   &out);
		t0 = exec_stats_now_ns() - t0;
		exec_stats_add(&st,
			       out.decoded ? (unsigned int)out.result.verdict
					   : EXEC_STATS_UNDECODED,
			       t0);
		if (save && out.decoded &&
		    out.result.verdict == VMM_V_TIMEOUT) {
			char path[4096];
			FILE *f;

			(void)snprintf(path, sizeof(path),
				       "%s/timeout-%lu.kvms", save, i);
			f = fopen(path, "wbe");
			if (f) {
				(void)fwrite(work, 1, len, f);
				(void)fclose(f);
			}
		}
		if (trace && out.decoded)
			(void)fprintf(
				stderr, "exec %lu %s %llu %llu %u %llu\n", i,
				vmm_verdict_name(out.result.verdict),
				(unsigned long long)(t0 / 1000),
				(unsigned long long)out.result.exits,
				out.scenario.timeout_ms,
				(unsigned long long)out.scenario.max_exits);
	}
	t_all = exec_stats_now_ns() - t_all;
	secs = (double)t_all / 1e9;
	exec_stats_print(&st, stdout, t_all);
	(void)printf("bench: mutated execs_per_sec=%.0f timeout_share=%.3f "
		     "median_exec_us=%llu\n",
		     (double)st.execs / secs,
		     exec_stats_timeout_share(&st, t_all),
		     (unsigned long long)exec_stats_median_us(&st));
	{
		uint64_t resets = 0, fallbacks = 0, action_fresh = 0;

		for (int i = 0; i < VMM_POOL_SESSIONS; i++) {
			const struct vmm_session *ss = pool.by_nvcpus[i];

			if (!ss)
				continue;
			resets += ss->resets;
			fallbacks += ss->fallbacks;
			action_fresh += ss->action_fresh;
		}
		(void)printf("bench: sessions resets=%llu fallbacks=%llu "
			     "action_fresh=%llu\n",
			     (unsigned long long)resets,
			     (unsigned long long)fallbacks,
			     (unsigned long long)action_fresh);
	}
	vmm_closer_stats(&k, &cs);
	(void)printf("bench: closer queued=%llu inline_full=%llu "
		     "max_pending=%u\n",
		     (unsigned long long)cs.queued,
		     (unsigned long long)cs.inline_full, cs.max_pending);
	vmm_session_pool_destroy(&pool);
	vmm_kvm_close(&k);
	bench_corpus_free(&corpus);
	return 0;
}
