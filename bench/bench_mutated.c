/* Mutated-input benchmark: what the default fuzzing job's inputs cost, not
 * a HLT guest's. Every scenario of CORPUS_DIR, then N mutants made by the
 * project's own mutator (fuzz/mutator.c) in a fixed order from SEED (each
 * from a corpus scenario, as `fuzz_pipeline_replay -mutate=N:SEED` does),
 * run in reset mode through vmm_run_input_pool() exactly as fuzz_pipeline
 * runs them (no finding oracle beyond the classifier, no kernel log).
 * Prints the time per verdict and, last:
 *   bench: mutated execs_per_sec=N timeout_share=P median_exec_us=N
 * The inputs are the same on every run; the figures depend on the host.
 * Usage: bench_mutated [CORPUS_DIR [N [SEED]]] (corpus/scenarios 1000 11)
 * BENCH_TRACE=1: also one line per exec on stderr, "exec I VERDICT US
 * EXITS TIMEOUT_MS MAX_EXITS" (how long inputs need, to choose limits).
 * BENCH_SAVE=DIR: the inputs that timed out, as DIR/timeout-I.kvms. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/exec_stats.h"
#include "fuzz/mutator.h"
#include "vmm/limits.h"
#include "vmm/oracle.h"
#include "vmm/session.h"

#define MAX_SEEDS 64
#define BUF 65536

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static char *seed_name[MAX_SEEDS];
static unsigned int nseeds;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;

	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
		size_t n = strlen(ent->d_name);

		if (n > 5 && strcmp(ent->d_name + n - 5, ".kvms") == 0)
			seed_name[nseeds++] = strdup(ent->d_name);
	}
	(void)closedir(d);
	qsort(seed_name, nseeds, sizeof(seed_name[0]), cmp_names);
	for (unsigned int i = 0; i < nseeds; i++) {
		char path[4096];
		FILE *f;

		(void)snprintf(path, sizeof(path), "%s/%s", dir, seed_name[i]);
		seeds[i] = malloc(BUF);
		f = fopen(path, "rbe");
		if (!f || !seeds[i]) {
			if (f)
				(void)fclose(f);
			return -1;
		}
		seed_len[i] = fread(seeds[i], 1, BUF, f);
		(void)fclose(f);
	}
	return nseeds ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus/scenarios";
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	unsigned int seed = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : 11;
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

	if (load(dir) < 0 || nseeds == 0) {
		(void)fprintf(stderr, "bench_mutated: no scenarios in %s\n", dir);
		return 2;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0 ||
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
	for (unsigned long i = 0; i < nseeds + n; i++) {
		size_t len;
		uint64_t t0;

		if (i < nseeds) {
			len = seed_len[i];
			memcpy(work, seeds[i], len);
		} else {
			unsigned long m = i - nseeds;
			unsigned int s = (unsigned int)((m * 2654435761UL + seed) %
							(nseeds ? nseeds : 1));

			len = seed_len[s];
			memcpy(work, seeds[s], len);
			len = fuzz_mutate(work, len, BUF, seed + (unsigned int)m,
					  NULL);
		}
		t0 = exec_stats_now_ns();
		vmm_run_input_pool(&k, &pool, work, len, &hooks, NULL, NULL, &out);
		t0 = exec_stats_now_ns() - t0;
		exec_stats_add(&st, out.decoded ? (unsigned int)out.result.verdict
						: EXEC_STATS_UNDECODED, t0);
		if (save && out.decoded && out.result.verdict == VMM_V_TIMEOUT) {
			char path[4096];
			FILE *f;

			(void)snprintf(path, sizeof(path), "%s/timeout-%lu.kvms",
				       save, i);
			f = fopen(path, "wbe");
			if (f) {
				(void)fwrite(work, 1, len, f);
				(void)fclose(f);
			}
		}
		if (trace && out.decoded)
			(void)fprintf(stderr, "exec %lu %s %llu %llu %u %llu\n", i,
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
		     "median_exec_us=%llu\n", (double)st.execs / secs,
		     exec_stats_timeout_share(&st, t_all),
		     (unsigned long long)exec_stats_median_us(&st));
	vmm_session_pool_destroy(&pool);
	vmm_kvm_close(&k);
	for (unsigned int i = 0; i < nseeds; i++) {
		free(seeds[i]);
		free(seed_name[i]);
	}
	return 0;
}
