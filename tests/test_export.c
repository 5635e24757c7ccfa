/* vmm export-c end to end: every corpus scenario and NRANDOM scenarios from
 * the project's mutator are exported (vmm_export_c), compiled with
 * `CC -Wall -Wextra -Werror` (two at a time), run, and the program's
 *     repro: verdict=V exits=N trace_hash=0xH
 * line (and its finding class) compared with what `vmm replay --mode fresh`
 * reports (vmm_run_input, the function replay calls). Inputs whose outcome
 * is not deterministic - a timeout, or two replays that disagree - are
 * skipped and counted. A mismatch prints the scenario as `vmm decode`
 * would.
 *
 * The host side: every input the differential oracle can compare is
 * exported with it (vmm_export_diff_prepare, as `vmm export-c` does), and
 * the program's `--diff` verdict (agree / diverge) must be the oracle's.
 * With DIFF_DIR (tests/diff), each triaged divergence's reproducer must
 * print that divergence (its field among those it lists, exit 16), the
 * agreeing guest agreement (exit 0) and the ineligible one why (exit 2).
 *
 *   test_export CORPUS_DIR NRANDOM WORKDIR CC [DIFF_DIR]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz/mutator.h"
#include "tests/guest_files.h"
#include "vmm/export_c.h"
#include "vmm/kvm.h"
#include "vmm/oracle.h"

#define MAX_CORPUS 64
#define BUF (1U << 20)
#define MAX_CASES 1024
/* limits under which a run's outcome is the host's speed as much as the
 * input (VMM_SPIN_MIN_TIMEOUT_MS: no spin checks below it either) */
#define SHORT_LIMIT_MS 5U

struct input {
	uint8_t *buf;
	size_t len;
	char name[96];
};

struct expect {
	uint8_t *buf; /* the scenario bytes, for the report */
	size_t len;
	int mutated;
	char line[160]; /* "verdict=V exits=N trace_hash=0xH" */
	char finding[32];
	char diff[16]; /* the oracle's verdict at export: agree, diverge, or
			* "" (not comparable) */
	uint32_t timeout_ms; /* the scenario's limit */
};

static struct input corpus[MAX_CORPUS];
static int ncorpus;
static struct expect cases[MAX_CASES];
static int ncases;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct input *)a)->name,
		      ((const struct input *)b)->name);
}

static int load_corpus(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && ncorpus < MAX_CORPUS) {
		char path[512];
		FILE *f;
		struct input *in = &corpus[ncorpus];

		if (!strstr(de->d_name, ".kvms"))
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rbe");
		if (!f)
			continue;
		in->buf = malloc(BUF);
		if (!in->buf) {
			(void)fclose(f);
			break;
		}
		in->len = fread(in->buf, 1, BUF, f);
		(void)fclose(f);
		(void)snprintf(in->name, sizeof(in->name), "%.90s", de->d_name);
		ncorpus++;
	}
	(void)closedir(d);
	qsort(corpus, (size_t)ncorpus, sizeof(corpus[0]), by_name);
	return ncorpus > 0 ? 0 : -1;
}

static void describe(const struct vmm_input_outcome *o, char *line, size_t len,
		     char *finding, size_t flen)
{
	(void)snprintf(line, len, "verdict=%s exits=%llu trace_hash=0x%016llx",
		       vmm_verdict_name(o->result.verdict),
		       (unsigned long long)o->result.exits,
		       (unsigned long long)o->result.trace_hash);
	(void)snprintf(finding, flen, "%s", vmm_finding_name(o->finding));
}

static void dump_text(const uint8_t *buf, size_t len)
{
	struct vmm_scenario *s = malloc(sizeof(*s));
	struct vmm_error e;
	char *text;
	size_t n;

	vmm_err_clear(&e);
	if (!s || vmm_scenario_decode(buf, len, s, &e) < 0) {
		free(s);
		return;
	}
	n = vmm_scenario_format_text(s, NULL, 0);
	text = malloc(n + 1);
	if (text) {
		(void)vmm_scenario_format_text(s, text, n + 1);
		(void)fprintf(stderr, "%s", text);
	}
	free(text);
	free(s);
}

/* A run the deadline may end is timing-dependent; a first run with the
 * time limit cut to this finds those without waiting for a long limit
 * (mutated scenarios ask for up to 10 s). */
#define QUICK_TIMEOUT_MS 250U

/* Replay twice; 1 if comparable (the expectation filled in), 0 if skipped
 * as non-deterministic, -1 if not a scenario. */
static int expect_of(struct vmm_kvm *k, const uint8_t *buf, size_t len,
		     struct vmm_input_outcome *o, struct expect *x,
		     int *timeouts)
{
	char line2[160], f2[32];
	struct vmm_error e;

	vmm_err_clear(&e);
	if (vmm_scenario_decode(buf, len, &o->scenario, &e) < 0)
		return -1;
	if (o->scenario.timeout_ms > QUICK_TIMEOUT_MS) {
		o->scenario.timeout_ms = QUICK_TIMEOUT_MS;
		(void)vmm_pipeline_run(k, &o->scenario, NULL, &o->result);
		if (o->result.verdict == VMM_V_TIMEOUT) {
			(*timeouts)++;
			return 0;
		}
	}
	vmm_run_input(k, buf, len, NULL, NULL, NULL, o);
	if (!o->decoded)
		return -1;
	if (o->result.verdict == VMM_V_TIMEOUT) {
		(*timeouts)++;
		return 0;
	}
	describe(o, x->line, sizeof(x->line), x->finding, sizeof(x->finding));
	x->timeout_ms = o->scenario.timeout_ms;
	vmm_run_input(k, buf, len, NULL, NULL, NULL, o);
	describe(o, line2, sizeof(line2), f2, sizeof(f2));
	return strcmp(x->line, line2) == 0 && strcmp(x->finding, f2) == 0;
}

static int export_one(struct vmm_kvm *k, const char *dir, int idx,
		      const uint8_t *buf, size_t len, const char *name,
		      char *diff, size_t dlen)
{
	struct vmm_scenario *s = malloc(sizeof(*s));
	struct vmm_export_diff *x = malloc(sizeof(*x));
	struct vmm_error e;
	char path[512];
	FILE *f;
	int rc = -1;

	(void)snprintf(path, sizeof(path), "%s/c%04d.c", dir, idx);
	vmm_err_clear(&e);
	f = fopen(path, "we");
	if (s && x && f && vmm_scenario_decode(buf, len, s, &e) == 0) {
		vmm_export_diff_prepare(k, s, x);
		(void)snprintf(diff, dlen, "%s",
			       !x->comparable ? ""
			       : strncmp(x->expect, "agree", 5) == 0
				       ? "agree"
				       : "diverge");
		if (vmm_export_c_diff(s, name, x, f, &e) == 0)
			rc = 0;
	}
	if (rc < 0)
		(void)fprintf(stderr, "export of %s failed: %s\n", name, e.msg);
	if (f)
		(void)fclose(f);
	free(x);
	free(s);
	return rc;
}

/* `prog --diff`: its "repro: diff=V ..." verdict V in `verdict`, the
 * fields it lists in `fields`; returns the exit code (-1: not run). */
static int run_diff(const char *prog, char *verdict, size_t vlen, char *fields,
		    size_t flen)
{
	char cmd[600], buf[1024];
	FILE *p;
	int rc = -1;

	verdict[0] = fields[0] = '\0';
	(void)snprintf(cmd, sizeof(cmd), "%s --diff 2>/dev/null; echo rc=$?",
		       prog);
	p = popen(cmd, "r"); /* NOLINT(cert-env33-c): the program just built */
	if (!p)
		return -1;
	while (fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "repro: diff=", 12) == 0) {
			const char *f = strstr(buf, " fields=");

			(void)snprintf(verdict, vlen, "%.*s",
				       (int)strcspn(buf + 12, " :"), buf + 12);
			if (f)
				(void)snprintf(fields, flen, "%.*s",
					       (int)strcspn(f + 8, " "), f + 8);
		} else if (strncmp(buf, "rc=", 3) == 0) {
			rc = (int)strtol(buf + 3, NULL, 10);
		}
	}
	(void)pclose(p);
	return rc;
}

/* The triaged divergences of tests/diff exported and run with --diff: the
 * reproducer must print each one's divergence. Returns the failures. */
static int check_diff_dir(struct vmm_kvm *k, const char *diffdir,
			  const char *dir, const char *cc)
{
	static const struct {
		const char *name, *verdict, *field;
		int rc;
	} want[] = {
		{ "d1_reserved_nop", "diverge", "rip", 16 },
		{ "d2_movnti_66", "diverge", "event", 16 },
		{ "d3_cmpxchg_r32", "diverge", "rbx", 16 },
		{ "d4_mmx_fault_ftw", "diverge", "ftw", 16 },
		{ "d5_enter_66", "diverge", "rsp", 16 },
		{ "d5_enter_66_prot32", "diverge", "rbp", 16 },
		{ "d6_aad_flags", "diverge", "rflags", 16 },
		{ "d7_pusha_mmio", "diverge", "rsp", 16 },
		{ "agree_alu", "agree", "", 0 },
		{ "agree_prot32", "agree", "", 0 },
		{ "agree_call_mmio", "agree", "", 0 },
		{ "n1_rflags_reserved", "ineligible", "", 2 },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char path[512], prog[512], cmd[1400], verdict[32], fields[256];
		char expect_diff[16];
		uint8_t *buf = malloc(BUF);
		size_t len = 0;
		FILE *f;
		int rc;

		(void)snprintf(path, sizeof(path), "%s/%s.kvms", diffdir,
			       want[i].name);
		f = fopen(path, "rbe");
		if (buf && f)
			len = fread(buf, 1, BUF, f);
		if (f)
			(void)fclose(f);
		(void)snprintf(prog, sizeof(prog), "%s/diff_%s", dir,
			       want[i].name);
		if (!len || export_one(k, dir, 9000 + (int)i, buf, len, path,
				       expect_diff, sizeof(expect_diff)) < 0) {
			(void)fprintf(stderr, "FAIL: cannot export %s\n", path);
			free(buf);
			bad++;
			continue;
		}
		free(buf);
		(void)snprintf(cmd, sizeof(cmd),
			       "%s -Wall -Wextra -Werror -O2 -o %s %s/c%04d.c",
			       cc, prog, dir, 9000 + (int)i);
		/* NOLINTNEXTLINE(cert-env33-c): the compiler */
		if (system(cmd) != 0) {
			(void)fprintf(stderr, "FAIL: %s does not build\n",
				      prog);
			bad++;
			continue;
		}
		rc = run_diff(prog, verdict, sizeof(verdict), fields,
			      sizeof(fields));
		if (rc != want[i].rc || strcmp(verdict, want[i].verdict) != 0 ||
		    (want[i].field[0] && !strstr(fields, want[i].field))) {
			(void)fprintf(stderr,
				      "FAIL: %s --diff: want diff=%s (%s) "
				      "exit %d, got diff=%s fields=%s exit "
				      "%d\n",
				      prog, want[i].verdict, want[i].field,
				      want[i].rc, verdict, fields, rc);
			bad++;
		}
	}
	(void)printf("test_export: tests/diff reproducers with --diff (%zu), "
		     "%d wrong\n",
		     sizeof(want) / sizeof(want[0]), bad);
	return bad;
}

/* The program's outcome: "verdict=... exits=... trace_hash=..." and the
 * finding class ("none" without a finding line). */
static int run_repro(const char *dir, int idx, char *line, size_t len,
		     char *finding, size_t flen)
{
	char cmd[600], buf[512];
	FILE *p;

	line[0] = '\0';
	(void)snprintf(finding, flen, "none");
	(void)snprintf(cmd, sizeof(cmd), "%s/c%04d 2>/dev/null", dir, idx);
	p = popen(cmd, "r"); /* NOLINT(cert-env33-c): the program just built */
	if (!p)
		return -1;
	while (fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "repro: verdict=", 15) == 0)
			(void)snprintf(line, len, "%.150s", buf + 7);
		else if (strncmp(buf, "repro: finding=", 15) == 0)
			(void)snprintf(finding, flen, "%.*s",
				       (int)strcspn(buf + 15, " "), buf + 15);
	}
	(void)pclose(p);
	return line[0] ? 0 : -1;
}

/* The reproducer's findings: c0000 (the first corpus scenario) run with an
 * ioctl() that lies (an LD_PRELOAD shim): KVM_RUN failing with EIO must be
 * reported as ioctl-anomaly (exit 12), KVM_RUN returning 5 as
 * kernel-contract (exit 11). Returns the number of failed checks. */
static int check_findings(const char *dir, const char *cc)
{
	static const char shim[] =
		"#define _GNU_SOURCE\n"
		"#include <dlfcn.h>\n"
		"#include <errno.h>\n"
		"#include <stdarg.h>\n"
		"#include <stdlib.h>\n"
		"#include <linux/kvm.h>\n"
		"int ioctl(int fd, unsigned long req, ...)\n"
		"{\n"
		"\tstatic int (*real)(int, unsigned long, void *);\n"
		"\tconst char *m = getenv(\"SHIM_KVM_RUN\");\n"
		"\tva_list ap;\n"
		"\tvoid *arg;\n"
		"\n"
		"\tva_start(ap, req);\n"
		"\targ = va_arg(ap, void *);\n"
		"\tva_end(ap);\n"
		"\tif (req == KVM_RUN && m && m[0] == 'e') {\n"
		"\t\terrno = EIO;\n"
		"\t\treturn -1;\n"
		"\t}\n"
		"\tif (req == KVM_RUN && m && m[0] == 'p')\n"
		"\t\treturn 5;\n"
		"\tif (!real)\n"
		"\t\treal = (int (*)(int, unsigned long, void *))dlsym(\n"
		"\t\t\tRTLD_NEXT, \"ioctl\");\n"
		"\treturn real(fd, req, arg);\n"
		"}\n";
	static const struct {
		const char *mode, *want;
		int rc;
	} lies[] = {
		{ "eio", "repro: finding=ioctl-anomaly KVM_RUN EIO", 12 },
		{ "positive", "repro: finding=kernel-contract KVM_RUN", 11 },
	};
	char path[512], cmd[1200], buf[512];
	int bad = 0;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/shim.c", dir);
	f = fopen(path, "we");
	if (!f || fputs(shim, f) < 0) {
		if (f)
			(void)fclose(f);
		return 1;
	}
	(void)fclose(f);
	(void)snprintf(cmd, sizeof(cmd),
		       "cd %s && %s -shared -fPIC -o shim.so shim.c -ldl", dir,
		       cc);
	/* NOLINTNEXTLINE(cert-env33-c): the compiler */
	if (system(cmd) != 0) {
		(void)fprintf(stderr, "FAIL: the ioctl shim does not build\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		int seen = 0, rc;
		FILE *p;

		(void)snprintf(cmd, sizeof(cmd),
			       "SHIM_KVM_RUN=%s LD_PRELOAD=%s/shim.so %s/c0000 "
			       "2>/dev/null; echo \"rc=$?\"",
			       lies[i].mode, dir, dir);
		p = popen(cmd, "r"); /* NOLINT(cert-env33-c) */
		if (!p)
			return bad + 1;
		rc = -1;
		while (fgets(buf, sizeof(buf), p)) {
			seen |= strncmp(buf, lies[i].want,
					strlen(lies[i].want)) == 0;
			if (strncmp(buf, "rc=", 3) == 0)
				rc = (int)strtol(buf + 3, NULL, 10);
		}
		(void)pclose(p);
		if (!seen || rc != lies[i].rc) {
			(void)fprintf(stderr,
				      "FAIL: KVM_RUN %s: want '%s' and exit "
				      "%d, got exit %d\n",
				      lies[i].mode, lies[i].want, lies[i].rc,
				      rc);
			bad++;
		}
	}
	(void)printf("test_export: findings reported by the reproducer "
		     "(%zu cases), %d wrong\n",
		     sizeof(lies) / sizeof(lies[0]), bad);
	return bad;
}

int main(int argc, char **argv)
{
	static struct vmm_input_outcome outcome;
	static uint8_t cur[BUF];
	struct vmm_input_outcome *o = &outcome;
	struct vmm_kvm k;
	struct vmm_error e;
	struct timespec t0, t1;
	long nrandom;
	int skipped = 0, timeouts = 0, mism = 0, from_mutator = 0,
	    cmp_corpus = 0, cmp_mutated = 0, diff_cmp = 0, repro_timeouts = 0,
	    irqchip_mutants = 0;
	char cmd[1024];

	if (argc != 5 && argc != 6) {
		(void)fprintf(stderr, "usage: test_export CORPUS_DIR NRANDOM "
				      "WORKDIR CC [DIFF_DIR]\n");
		return 2;
	}
	if (!kvm_present()) {
		(void)printf("SKIP: no /dev/kvm\n");
		return 77;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	nrandom = strtol(argv[2], NULL, 10);
	if (load_corpus(argv[1]) < 0) {
		(void)fprintf(stderr, "cannot load the corpus %s\n", argv[1]);
		return 1;
	}
	(void)mkdir(argv[3], 0755);
	(void)snprintf(cmd, sizeof(cmd), "rm -f %s/c[0-9]*", argv[3]);
	if (system(cmd) != 0) /* NOLINT(cert-env33-c): the test's own paths */
		return 1;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "cannot open KVM: %s\n", e.msg);
		return 1;
	}

	/* 1. expectations from two replays, and the exported programs */
	/* until NRANDOM mutated scenarios are comparable */
	for (long n = -ncorpus;
	     n < 20 * nrandom && from_mutator < nrandom && ncases < MAX_CASES;
	     n++) {
		const uint8_t *buf;
		size_t len;
		char name[128];
		int rc;

		if (n < 0) {
			const struct input *in = &corpus[n + ncorpus];

			buf = in->buf;
			len = in->len;
			(void)snprintf(name, sizeof(name), "corpus/%s",
				       in->name);
		} else {
			const struct input *in = &corpus[n % ncorpus];

			memcpy(cur, in->buf, in->len);
			len = fuzz_mutate(cur, in->len, BUF,
					  (unsigned int)(n * 7919 + 1), NULL);
			buf = cur;
			(void)snprintf(name, sizeof(name),
				       "mutated scenario %ld "
				       "(seed %s)",
				       n, in->name);
		}
		rc = expect_of(&k, buf, len, o, &cases[ncases], &timeouts);
		if (rc < 0)
			continue;
		/* a mutant with an in-kernel irqchip races its LAPIC timer or
		 * PIT against the guest (single-stepped, the interrupt lands
		 * on another step each run: two replays of one such mutant
		 * gave two trace hashes), as test_reset's random comparisons
		 * say; the corpus's irqchip entries, which wait in HLT, are
		 * compared */
		if (n >= 0 && o->scenario.has_irqchip) {
			skipped++;
			irqchip_mutants++;
			continue;
		}
		if (rc == 0) {
			skipped++;
			continue;
		}
		if (n >= 0)
			from_mutator++;
		if (export_one(&k, argv[3], ncases, buf, len, name,
			       cases[ncases].diff,
			       sizeof(cases[ncases].diff)) < 0)
			return 1;
		cases[ncases].buf = malloc(len);
		if (!cases[ncases].buf)
			return 1;
		memcpy(cases[ncases].buf, buf, len);
		cases[ncases].len = len;
		cases[ncases].mutated = n >= 0;
		ncases++;
	}

	/* 2. compile them all, two at a time */
	(void)snprintf(
		cmd, sizeof(cmd),
		"cd %s && ls c[0-9]*.c | xargs -P2 -n16 sh -c 'for f; do "
		"%s -Wall -Wextra -Werror -O0 -o \"${f%%.c}\" \"$f\" || "
		"exit 255; done' sh",
		argv[3], argv[4]);
	/* NOLINTNEXTLINE(cert-env33-c): xargs -P2 runs the compilers */
	if (system(cmd) != 0) {
		(void)fprintf(stderr,
			      "FAIL: a reproducer does not compile "
			      "(%s)\n",
			      argv[3]);
		return 1;
	}

	/* the corpus programs again as the issue promises users they build:
	 * -O2 (its extra warnings included); those binaries are the ones run */
	for (int i = 0; i < ncases; i++) {
		if (cases[i].mutated)
			continue;
		(void)snprintf(cmd, sizeof(cmd),
			       "cd %s && %s -Wall -Wextra -Werror -O2 -o c%04d "
			       "c%04d.c",
			       argv[3], argv[4], i, i);
		/* NOLINTNEXTLINE(cert-env33-c): the compiler */
		if (system(cmd) != 0) {
			(void)fprintf(stderr,
				      "FAIL: %s/c%04d.c does not build with "
				      "-O2\n",
				      argv[3], i);
			return 1;
		}
	}

	/* 3. run each, compare */
	for (int i = 0; i < ncases; i++) {
		char line[160], finding[32];

		if (run_repro(argv[3], i, line, sizeof(line), finding,
			      sizeof(finding)) == 0 &&
		    strcmp(line, cases[i].line) == 0 &&
		    strcmp(finding, cases[i].finding) == 0) {
			cmp_mutated += cases[i].mutated;
			cmp_corpus += !cases[i].mutated;
			continue;
		}
		/* once more, both ways, before calling it a mismatch */
		{
			struct expect again;
			int tmo = 0;

			if (expect_of(&k, cases[i].buf, cases[i].len, o, &again,
				      &tmo) != 1 ||
			    strcmp(again.line, cases[i].line) != 0) {
				skipped++;
				continue;
			}
		}
		if (run_repro(argv[3], i, line, sizeof(line), finding,
			      sizeof(finding)) == 0 &&
		    strcmp(line, cases[i].line) == 0 &&
		    strcmp(finding, cases[i].finding) == 0) {
			cmp_mutated += cases[i].mutated;
			cmp_corpus += !cases[i].mutated;
			continue;
		}
		/* a limit of a few ms is the host's speed: a reproducer
		 * (another process, its own clock) that runs out of it under
		 * load where replay did not is timing, not the export (seen:
		 * timeout_ms=1, 50 of 64 exits at load 5) */
		if (cases[i].timeout_ms < SHORT_LIMIT_MS &&
		    strncmp(line, "verdict=timeout ", 16) == 0) {
			skipped++;
			repro_timeouts++;
			continue;
		}
		cmp_mutated += cases[i].mutated;
		cmp_corpus += !cases[i].mutated;
		mism++;
		(void)fprintf(stderr,
			      "MISMATCH %s/c%04d.c: repro '%s' finding "
			      "%s, replay '%s' finding %s; the scenario:\n",
			      argv[3], i, line, finding, cases[i].line,
			      cases[i].finding);
		dump_text(cases[i].buf, cases[i].len);
	}
	/* 4. the host side: --diff gives the oracle's verdict */
	for (int i = 0; i < ncases; i++) {
		char prog[512], verdict[32], fields[256], again[16];
		int rc;

		if (!cases[i].diff[0])
			continue;
		(void)snprintf(prog, sizeof(prog), "%s/c%04d", argv[3], i);
		rc = run_diff(prog, verdict, sizeof(verdict), fields,
			      sizeof(fields));
		if (strcmp(verdict, cases[i].diff) == 0 &&
		    rc == (verdict[0] == 'a' ? 0 : 16)) {
			diff_cmp++;
			continue;
		}
		/* the oracle once more: an input it does not judge the same
		 * way twice is skipped */
		if (export_one(&k, argv[3], 8000 + i, cases[i].buf,
			       cases[i].len, "again", again,
			       sizeof(again)) < 0 ||
		    strcmp(again, cases[i].diff) != 0) {
			skipped++;
			continue;
		}
		diff_cmp++;
		mism++;
		(void)fprintf(stderr,
			      "MISMATCH %s --diff: diff=%s (exit %d), the "
			      "oracle at export: %s; the scenario:\n",
			      prog, verdict, rc, cases[i].diff);
		dump_text(cases[i].buf, cases[i].len);
	}
	if (argc == 6)
		mism += check_diff_dir(&k, argv[5], argv[3], argv[4]);
	vmm_kvm_close(&k);
	mism += check_findings(argv[3], argv[4]);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	(void)printf("test_export: compared %d (%d corpus, %d mutated; %d "
		     "with --diff), skipped %d as non-deterministic (%d "
		     "timeouts, %d of them the reproducer's under a short "
		     "limit; %d irqchip mutants), %d mismatches, %.1f s\n",
		     cmp_corpus + cmp_mutated, cmp_corpus, cmp_mutated,
		     diff_cmp, skipped, timeouts + repro_timeouts,
		     repro_timeouts, irqchip_mutants, mism,
		     (double)(t1.tv_sec - t0.tv_sec) +
			     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* skipping must stay the exception: a reproducer that timed out
	 * everywhere would otherwise pass */
	if (repro_timeouts * 10 > cmp_corpus + cmp_mutated) {
		(void)fprintf(stderr,
			      "FAIL: %d reproducers timed out where replay "
			      "did not (over a tenth of %d compared)\n",
			      repro_timeouts, cmp_corpus + cmp_mutated);
		mism++;
	}
	return mism ? 1 : 0;
}
