/* The differential oracle over generated unprivileged code: N scenarios
 * from vmm_diff_gen_scenario() (seeded, the same on every run), each run
 * through vmm_diff_run() (KVM single-stepped against the host CPU).
 * Prints how comparisons ended (by kind), every divergence signature with
 * its count and first input, and last:
 *   bench: diff inputs=N agree=N diverge=N other=N instructions=N
 *          inputs_per_sec=N instructions_per_sec=N seconds=S
 * Usage: bench_diff [N [SEED [SECONDS [INSNS [MODE]]]]] (10000 1 0 64
 * long64; SECONDS 0: no time limit, else stop after that many seconds;
 * MODE long64, prot32 (32-bit code), or mixed: every other input prot32).
 * BENCH_SAVE=DIR: each divergent input as DIR/diverge-I.kvms (replay it
 * with `vmm replay FILE --diff`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/diff.h"
#include "vmm/kvm.h"

#define MAX_KINDS 64

struct count {
	char key[128];
	uint64_t n;
	uint32_t first;
};

static struct count kinds[MAX_KINDS], sigs[MAX_KINDS], noemu[MAX_KINDS],
	faults[MAX_KINDS];

static void bump(struct count *t, const char *key, uint32_t at)
{
	for (int i = 0; i < MAX_KINDS; i++) {
		if (t[i].n && strcmp(t[i].key, key) != 0)
			continue;
		if (!t[i].n) {
			(void)snprintf(t[i].key, sizeof(t[i].key), "%s", key);
			t[i].first = at;
		}
		t[i].n++;
		return;
	}
}

static double now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void save(const char *dir, uint32_t i, const struct vmm_scenario *s)
{
	static uint8_t buf[65536];
	struct vmm_error e;
	char path[512];
	size_t n;
	FILE *f;

	vmm_err_clear(&e);
	n = vmm_scenario_encode(s, buf, sizeof(buf), &e);
	if (n == 0 || n > sizeof(buf)) {
		(void)fprintf(stderr, "bench_diff: input %u: %s\n", i, e.msg);
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/diverge-%u.kvms", dir, i);
	f = fopen(path, "wb");
	if (!f)
		return;
	(void)fwrite(buf, 1, n, f);
	(void)fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t code[8192];
	static struct vmm_diff_result d;
	struct vmm_kvm k;
	struct vmm_error e;
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
	uint64_t rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	double limit = argc > 3 ? strtod(argv[3], NULL) : 0;
	uint32_t insns = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 64;
	const char *mname = argc > 5 ? argv[5] : "long64";
	int mode = strcmp(mname, "prot32") == 0	 ? 1
		   : strcmp(mname, "mixed") == 0 ? 2
						 : 0;
	const char *dir = getenv("BENCH_SAVE");
	uint64_t counts[VMM_DIFF_STATUS_COUNT] = { 0 }, steps = 0;
	uint32_t done = 0;
	double t0, dt;
	char why[256];

	if (!vmm_diff_built(why, sizeof(why))) {
		(void)fprintf(stderr, "bench_diff: %s\n", why);
		return 3;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "bench_diff: %s\n", e.msg);
		return 3;
	}
	rng = rng ? rng : 1;
	t0 = now();
	for (uint32_t i = 0; i < n; i++) {
		struct vmm_scenario s;
		char key[128];

		if (limit > 0 && now() - t0 > limit)
			break;
		if (vmm_diff_gen_scenario_mode(
			    &rng, &s, code, sizeof(code), insns,
			    mode == 2 ? (int)(i & 1) : mode) < 0)
			break;
		(void)vmm_diff_run(&k, &s, NULL, &d);
		done++;
		counts[d.status]++;
		steps += d.steps;
		if (d.status == VMM_DIFF_DIVERGE) {
			(void)snprintf(key, sizeof(key), "%s after %.60s",
				       vmm_diff_field_name(d.field), d.insn);
			bump(sigs, key, i);
			if (dir)
				save(dir, i, &s);
			continue;
		}
		if (d.status != VMM_DIFF_AGREE) {
			(void)snprintf(key, sizeof(key), "%s: %.100s",
				       vmm_diff_status_name(d.status), d.why);
			bump(kinds, key, i);
			continue;
		}
		(void)snprintf(key, sizeof(key), "%.*s",
			       (int)strcspn(d.stop, ":"), d.stop);
		bump(kinds, key, i);
		if (strncmp(d.stop, "kvm-cannot-emulate: ", 20) == 0) {
			const char *m = d.stop + 20;

			(void)snprintf(key, sizeof(key), "%.*s",
				       (int)strcspn(m, " "), m);
			bump(noemu, key, i);
		}
		if (strncmp(d.stop, "fault: ", 7) == 0) {
			(void)snprintf(key, sizeof(key), "%.*s %.*s",
				       (int)strcspn(d.stop + 7, " "),
				       d.stop + 7, (int)strcspn(d.insn, " "),
				       d.insn);
			bump(faults, key, i);
		}
	}
	dt = now() - t0;
	(void)printf("how comparisons ended:\n");
	for (int i = 0; i < MAX_KINDS && kinds[i].n; i++)
		(void)printf("  %8llu  %s\n", (unsigned long long)kinds[i].n,
			     kinds[i].key);
	(void)printf("instructions KVM could not emulate (first %d "
		     "mnemonics):\n",
		     MAX_KINDS);
	for (int i = 0; i < MAX_KINDS && noemu[i].n; i++)
		(void)printf("  %8llu  %s\n", (unsigned long long)noemu[i].n,
			     noemu[i].key);
	(void)printf("faults that ended both sides (KVM exit, instruction; "
		     "first %d):\n",
		     MAX_KINDS);
	for (int i = 0; i < MAX_KINDS && faults[i].n; i++)
		(void)printf("  %8llu  %s\n", (unsigned long long)faults[i].n,
			     faults[i].key);
	(void)printf("mode: %s\n", mname);
	(void)printf("divergences:\n");
	for (int i = 0; i < MAX_KINDS && sigs[i].n; i++)
		(void)printf("  %8llu  %s (first: input %u)\n",
			     (unsigned long long)sigs[i].n, sigs[i].key,
			     sigs[i].first);
	(void)printf("bench: diff inputs=%u agree=%llu diverge=%llu other=%llu "
		     "instructions=%llu inputs_per_sec=%.0f "
		     "instructions_per_sec=%.0f seconds=%.1f\n",
		     done, (unsigned long long)counts[VMM_DIFF_AGREE],
		     (unsigned long long)counts[VMM_DIFF_DIVERGE],
		     (unsigned long long)(done - counts[VMM_DIFF_AGREE] -
					  counts[VMM_DIFF_DIVERGE]),
		     (unsigned long long)steps, dt > 0 ? done / dt : 0.0,
		     dt > 0 ? (double)steps / dt : 0.0, dt);
	vmm_kvm_close(&k);
	return 0;
}
