/* fuzz_pipeline: the full pipeline on real /dev/kvm. Each input is a
 * scenario run by vmm_run_input_pool() - what `vmm replay` runs.
 * A finding (kernel-contract, ioctl-anomaly, vcpu-hang, host-kernel-log)
 * aborts with "FINDING <signature>" so the engine saves the input.
 * Environment: VMM_FUZZ_KMSG=1 adds the /dev/kmsg oracle;
 * VMM_FUZZ_MODE=fresh creates a VM per input instead of the default reset
 * mode (one VM per worker and vCPU count, restored between inputs:
 * vmm/session.h); VMM_FUZZ_MODE=concurrent runs each input on a fresh VM
 * in concurrent mode (vmm/pipeline.h concurrent_seed: a thread per vCPU,
 * the action records fired at random times; opt-in, nondeterministic); VMM_FUZZ_WATCH=PATTERNS makes runs whose outcome matches
 * findings (watched-outcome: vmm/oracle.h), e.g. "KVM_EXIT_SHUTDOWN vcpu1";
 * VMM_FUZZ_ORACLE=diff adds the differential oracle (vmm/diff.h: eligible
 * long64 inputs run again, single-stepped, against the host CPU; finding
 * emulator-divergence, its report on stderr; divergences already triaged
 * in docs/diff-oracle.md are counted, not findings) and the mutator's
 * unprivileged-code mode.
 *
 * Without usable KVM (no /dev/kvm: ClusterFuzz bots, containers without
 * --device /dev/kvm) the target says so in one line and then accepts every
 * input without running it: the engine keeps fuzzing with nothing to find,
 * so no bot reports a crash or a start-up failure (exiting would fail
 * OSS-Fuzz's build check, which wants libFuzzer's "Done N runs").
 *
 * Where the time goes (fuzz/exec_stats.h): wall time per verdict and the
 * median exec time, printed as "stat::vmm_*" lines at exit (libFuzzer
 * builds always, the others with VMM_FUZZ_STATS=1; fuzz/run.sh reads
 * them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/cmp_table.h"
#include "fuzz/exec_stats.h"
#include "fuzz/feedback.h"
#include "fuzz/finding_log.h"
#include "fuzz/target.h"
#include "vmm/closer.h"
#include "vmm/num.h"
#include "vmm/oracle.h"
#include "vmm/session.h"

struct target_state {
	int ready;
	int kvm_open;
	int no_kvm; /* KVM unavailable: every input is a no-op */
	struct vmm_kvm kvm;
	struct vmm_watchdog wd;
	struct vmm_kmsg km;
	int use_kmsg;
	struct fuzz_feedback fb;
	struct vmm_input_outcome out;
	struct vmm_session_pool pool; /* reset mode: a VM per vCPU count */
	int reset;
	int concurrent;	   /* VMM_FUZZ_MODE=concurrent */
	uint64_t runs;	   /* inputs run (concurrent mode: each one's seed) */
	const char *watch; /* VMM_FUZZ_WATCH */
	int diff;	   /* VMM_FUZZ_ORACLE=diff */
	/* the differential oracle's figures: inputs compared, agreeing,
	 * triaged divergences, instructions compared */
	uint64_t diff_runs, diff_agree, diff_known, diff_insns;
	/* the input being run, for the watchdog's report */
	const uint8_t *cur;
	size_t cur_len;
};

static struct target_state st;
static struct exec_stats stats;

static void print_stats(void)
{
	struct vmm_closer_stats cs;

	exec_stats_print(&stats, stderr, 0);
	vmm_closer_stats(&st.kvm, &cs);
	(void)fprintf(stderr,
		      "stat::vmm_closer_queued: %llu\n"
		      "stat::vmm_closer_inline_full: %llu\n"
		      "stat::vmm_closer_max_pending: %u\n"
		      "stat::vmm_cmp_fresh_kept: %llu\n"
		      "stat::vmm_cmp_fresh_rounds: %llu\n",
		      (unsigned long long)cs.queued,
		      (unsigned long long)cs.inline_full, cs.max_pending,
		      (unsigned long long)fuzz_cmp_fresh_kept(),
		      (unsigned long long)fuzz_cmp_fresh_round());
	if (st.diff)
		(void)fprintf(stderr,
			      "stat::vmm_diff_compared: %llu\n"
			      "stat::vmm_diff_agree: %llu\n"
			      "stat::vmm_diff_known: %llu\n"
			      "stat::vmm_diff_instructions: %llu\n",
			      (unsigned long long)st.diff_runs,
			      (unsigned long long)st.diff_agree,
			      (unsigned long long)st.diff_known,
			      (unsigned long long)st.diff_insns);
}

static void on_hang(void *ctx, uint64_t limit_ms)
{
	char sig[96];

	(void)ctx;
	(void)snprintf(sig, sizeof(sig), "vcpu-hang KVM_RUN (limit %llu ms)",
		       (unsigned long long)limit_ms);
	fuzz_finding_log(st.cur, st.cur_len, sig);
	(void)fprintf(stderr,
		      "FINDING vcpu-hang: KVM_RUN did not return within "
		      "%llu ms\n",
		      (unsigned long long)limit_ms);
	abort();
}

static void on_exit_record(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	(void)vcpu;
	fuzz_cmp_site_end();
	fuzz_cmp_read(x);
	fuzz_feedback_exit(ctx, x);
}

/* What the VMM compares a written value with while it services the
 * write, by the register written (fuzz/cmp_table.h); nothing where no
 * table is filled. */
static void on_service(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	(void)ctx;
	(void)vcpu;
	fuzz_cmp_site_begin(x);
}

/* Reset mode: restoring the session after the previous input is that
 * input's doing, not this one's; the engine does not count it. */
static void on_untracked_work(void *ctx, int begin)
{
	(void)ctx;
	if (begin)
		fuzz_coverage_off();
	else
		fuzz_coverage_on();
}

/* Open KVM and run the mode probes and the dirty-ring self-test (reset
 * mode's choice of ring or bitmap) once, before any engine fork, so every
 * execution finds the same cached state: run in each child, the self-test
 * came out differently from one child to the next on a host whose ring
 * works only sometimes. */
static void open_kvm(void)
{
	struct vmm_error e;

	if (st.kvm_open || st.no_kvm)
		return;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&st.kvm, NULL, NULL, &e) < 0) {
		if (e.cls != VMM_ERR_HOST) {
			(void)fprintf(stderr,
				      "fuzz_pipeline: cannot use KVM: "
				      "%s\n",
				      e.msg);
			exit(3);
		}
		(void)fprintf(stderr,
			      "fuzz_pipeline: KVM is unavailable, "
			      "inputs are accepted and not run: %s\n",
			      e.msg);
		st.no_kvm = 1;
		return;
	}
	{
		/* probe the host once up front: the first input is not special */
		char probe[2048];

		(void)vmm_arch_host_report(&st.kvm, probe, sizeof(probe));
	}
	if (vmm_kvm_cap(&st.kvm, VMM_CAP_DIRTY_LOG_RING) > 0)
		(void)vmm_dirty_ring_check(&st.kvm, &e);
	st.kvm_open = 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	open_kvm();
	return 0;
}

const char *fuzz_target_unavailable(void)
{
	open_kvm();
	return st.no_kvm ? "no KVM on this host" : NULL;
}

/* fuzz/target.h: no closer threads (AFL++ persistent mode) */
static int close_inline;

void fuzz_target_close_inline(void)
{
	close_inline = 1;
}

/* Threads do not survive fork: the watchdog starts in the process that
 * runs the inputs. */
void fuzz_target_start(void)
{
	struct vmm_error e;
	const char *km = getenv("VMM_FUZZ_KMSG");
	const char *mode = getenv("VMM_FUZZ_MODE");

	if (st.ready)
		return;
	vmm_err_clear(&e);
	open_kvm();
	if (st.no_kvm)
		return;
	exec_stats_init(&stats);
#ifdef VMM_FUZZ_LIBFUZZER
	(void)atexit(print_stats);
#else
	{
		const char *sv = getenv("VMM_FUZZ_STATS");

		if (sv && strcmp(sv, "1") == 0)
			(void)atexit(print_stats);
	}
#endif
	/* threads, so here too: irqchip VMs close off the run's path */
	if (vmm_watchdog_start(&st.wd, on_hang, NULL, &e) < 0 ||
	    (!close_inline && vmm_closer_start(&st.kvm, &e) < 0)) {
		(void)fprintf(stderr, "fuzz_pipeline: %s\n", e.msg);
		exit(3);
	}
	st.km.fd = -1;
	st.watch = getenv("VMM_FUZZ_WATCH");
	{
		/* rounds of the comparison table's new checks (cmp_table.h) */
		const char *rs = getenv("VMM_CMP_ROUND_S");
		uint64_t sec = 0;

		if (rs && (vmm_num_parse(rs, &sec) != 0 || sec > 86400)) {
			(void)fprintf(
				stderr,
				"fuzz_pipeline: VMM_CMP_ROUND_S=%s: not a "
				"number of seconds from 0 (no rounds) "
				"to 86400\n",
				rs);
			exit(2);
		}
		if (rs)
			fuzz_cmp_fresh_rounds(sec * 1000U);
	}
	{
		const char *oracle = getenv("VMM_FUZZ_ORACLE");
		char why[256];

		if (oracle && strcmp(oracle, "diff") != 0) {
			(void)fprintf(stderr,
				      "fuzz_pipeline: VMM_FUZZ_ORACLE=%s: "
				      "unknown oracle (diff)\n",
				      oracle);
			exit(2);
		}
		if (oracle && !vmm_diff_built(why, sizeof(why))) {
			(void)fprintf(stderr, "fuzz_pipeline: %s\n", why);
			exit(3);
		}
		st.diff = oracle != NULL;
	}
	if (mode && strcmp(mode, "concurrent") == 0) {
		if (st.diff) {
			(void)fprintf(stderr,
				      "fuzz_pipeline: VMM_FUZZ_MODE=concurrent "
				      "and VMM_FUZZ_ORACLE=diff do not mix\n");
			exit(2);
		}
		st.concurrent = 1;
	} else if (mode && strcmp(mode, "fresh") != 0 &&
		   strcmp(mode, "reset") != 0) {
		(void)fprintf(stderr,
			      "fuzz_pipeline: VMM_FUZZ_MODE=%s: unknown mode "
			      "(reset, fresh, concurrent)\n",
			      mode);
		exit(2);
	}
	if (!st.concurrent && (!mode || strcmp(mode, "fresh") != 0)) {
		if (vmm_session_pool_init(&st.pool, &st.kvm, 0, &e) < 0) {
			(void)fprintf(stderr, "fuzz_pipeline: reset mode: %s\n",
				      e.msg);
			exit(3);
		}
		st.reset = 1;
	}
	if (km && strcmp(km, "1") == 0) {
		if (vmm_kmsg_open(&st.km, NULL, &e) < 0) {
			(void)fprintf(stderr, "fuzz_pipeline: %s\n", e.msg);
			exit(3);
		}
		st.use_kmsg = 1;
	}
	st.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_hooks hooks;
	uint64_t t0;
	int keep;

	if (!st.ready) {
		/* drivers that cannot call it before their first input
		 * (libFuzzer, OSS-Fuzz's AFL++ driver): not this input's
		 * coverage either */
		fuzz_coverage_off();
		fuzz_target_start();
		fuzz_coverage_on();
	}
	if (st.no_kvm)
		return 0;
	t0 = exec_stats_now_ns();
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_exit = on_exit_record;
	hooks.on_service = on_service;
	hooks.untracked_work = on_untracked_work;
	hooks.ctx = &st.fb;
	hooks.skip_state = 1; /* neither the oracle nor feedback reads it */
	hooks.watch = st.watch;
	hooks.diff = st.diff;
	if (st.concurrent) /* a new seed per input */
		hooks.concurrent_seed = 0x9E3779B97F4A7C15ULL * ++st.runs;
	st.cur = data;
	st.cur_len = size;
	fuzz_feedback_begin(&st.fb);
	fuzz_cmp_fresh_begin();
	if (st.reset)
		vmm_run_input_pool(&st.kvm, &st.pool, data, size, &hooks,
				   st.use_kmsg ? &st.km : NULL, &st.wd,
				   &st.out);
	else
		vmm_run_input(&st.kvm, data, size, &hooks,
			      st.use_kmsg ? &st.km : NULL, &st.wd, &st.out);
	exec_stats_add(&stats,
		       st.out.decoded ? (unsigned int)st.out.result.verdict
				      : EXEC_STATS_UNDECODED,
		       exec_stats_now_ns() - t0);
	keep = fuzz_feedback_end(&st.fb, &st.out);
	/* an input that showed a check no input had: the mutator's next */
	fuzz_cmp_fresh_end(data, size);
	if (st.out.diff_ran && st.out.diff.status != VMM_DIFF_INELIGIBLE) {
		st.diff_runs++;
		st.diff_agree += st.out.diff.status == VMM_DIFF_AGREE;
		st.diff_insns += st.out.diff.steps;
	}
	if (st.out.finding == VMM_FIND_EMULATOR_DIVERGENCE &&
	    st.out.diff.known[0]) {
		st.diff_known++; /* triaged: not a new finding */
		return keep ? 0 : -1;
	}
	if (st.out.finding == VMM_FIND_EMULATOR_DIVERGENCE)
		(void)fprintf(stderr, "%s", st.out.diff.report);
	if (st.out.finding != VMM_FIND_NONE) {
		fuzz_finding_log(data, size, st.out.sig);
		(void)fprintf(stderr, "FINDING %s\n", st.out.sig);
		abort();
	}
	return keep ? 0 : -1; /* -1: libFuzzer does not keep the input */
}

FUZZ_CUSTOM_MUTATOR
