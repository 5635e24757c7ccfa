/* vmm reach [--json|--short] DIR_OR_FILE...: what a set of inputs reached
 * in KVM's interface (vmm/reach.h), for hosts without KCOV. Every input
 * runs as `vmm replay --mode fresh` runs it. Files that are not scenarios
 * count as inputs and reach nothing (fuzzer corpora hold such files).
 *
 * Exit codes: 0 report printed; 2 usage, or a path that cannot be read;
 * 3 the host cannot run KVM; 13 an input hung a vCPU (as `vmm replay`). */
#include "vmm/cli/reach.h"

#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/cli/args.h"
#include "vmm/exit.h"
#include "vmm/file.h"
#include "vmm/limits.h"
#include "vmm/reach.h"

enum { OUT_TEXT, OUT_JSON, OUT_SHORT };

static const char *hang_path; /* the input running, for the hang line */

static void reach_hang(void *ctx, uint64_t limit_ms)
{
	(void)ctx;
	(void)fprintf(stderr,
		      "FINDING vcpu-hang: KVM_RUN did not return within "
		      "%llu ms (input %s)\n",
		      (unsigned long long)limit_ms,
		      hang_path ? hang_path : "?");
	_exit(10 + VMM_FIND_VCPU_HANG);
}

static int reach_usage(const char *what)
{
	(void)fprintf(stderr, "vmm: error: %s (see 'vmm help')\n", what);
	return 2;
}

struct run {
	struct vmm_reach *r;
	struct vmm_kvm *k;
	struct vmm_watchdog *wd;
	struct vmm_input_outcome *o;
};

static int run_file(struct run *x, const char *path)
{
	uint8_t *buf;
	uint64_t len = 0;
	int rc;

	/* one byte more than a scenario may have: the decoder says what is
	 * wrong with a larger file */
	rc = vmm_cli_read_file(path, VMM_SCENARIO_MAX_BYTES + 1ULL, "input", 0,
			       &buf, &len);
	if (rc != 0)
		return rc;
	hang_path = path;
	vmm_reach_input(x->r, x->k, buf, (size_t)len, x->wd, x->o);
	hang_path = NULL;
	free(buf);
	return 0;
}

static int run_one(const char *path, void *ctx)
{
	return run_file(ctx, path);
}

/* The regular files directly in `dir` (not dot-files), in name order. */
static int run_dir(struct run *x, const char *dir)
{
	struct vmm_error e;
	int rc;

	vmm_err_clear(&e);
	rc = vmm_dir_each(dir, run_one, x, &e);
	if (rc < 0)
		return vmm_cli_file_error("directory", dir, &e);
	return rc;
}

/* ---- output ------------------------------------------------------------ */

static void print_text(const struct vmm_reach *r)
{
	(void)printf("reach: inputs=%u scenarios=%u mode=fresh\n", r->inputs,
		     r->scenarios);
	for (uint32_t i = 0; i < VMM_REACH_EXIT_MAX; i++)
		if (vmm_exit_reason_known(i) || r->exits[i])
			(void)printf("exit %s inputs=%u\n",
				     vmm_exit_reason_name(i), r->exits[i]);
	if (r->exit_other)
		(void)printf("exit other inputs=%u\n", r->exit_other);
	for (uint32_t i = 0; i < r->nioctl; i++) {
		const struct vmm_reach_ioctl *c = &r->ioctl[i];
		const char *n = vmm_kvm_ioctl_name(c->req);

		if (n)
			(void)printf("ioctl %s %s inputs=%u calls=%llu\n", n,
				     vmm_reach_result_name(c->err), c->inputs,
				     (unsigned long long)c->calls);
		else
			(void)printf("ioctl 0x%lx %s inputs=%u calls=%llu\n",
				     c->req, vmm_reach_result_name(c->err),
				     c->inputs, (unsigned long long)c->calls);
	}
	if (r->ioctl_dropped)
		(void)printf("ioctl uncounted calls=%u\n", r->ioctl_dropped);
	for (unsigned int v = 0; v < VMM_V_COUNT; v++)
		(void)printf("verdict %s inputs=%u\n",
			     vmm_verdict_name((enum vmm_verdict)v),
			     r->verdicts[v]);
	for (unsigned int f = 0; f < VMM_FIND_COUNT; f++)
		(void)printf("finding %s inputs=%u\n",
			     vmm_finding_name((enum vmm_finding)f),
			     r->findings[f]);
	for (unsigned int k = 0; k < VMM_REC_COUNT; k++)
		(void)printf("record %s inputs=%u\n", vmm_reach_record_name(k),
			     r->records[k]);
}

/* Three lines for the end of a fuzzing job: what was reached, compactly. */
static void print_short(const struct vmm_reach *r)
{
	uint32_t nexit = 0, nerr = 0;

	for (uint32_t i = 0; i < VMM_REACH_EXIT_MAX; i++)
		nexit += r->exits[i] != 0;
	for (uint32_t i = 0; i < r->nioctl; i++)
		nerr += r->ioctl[i].err != 0;
	(void)printf("reach: inputs=%u scenarios=%u exit_reasons=%u "
		     "ioctl_results=%u ioctl_errors=%u\n",
		     r->inputs, r->scenarios, nexit + (r->exit_other != 0),
		     r->nioctl, nerr);
	(void)printf("reach: exits");
	for (uint32_t i = 0; i < VMM_REACH_EXIT_MAX; i++)
		if (r->exits[i])
			(void)printf(" %s:%u", vmm_exit_reason_name(i),
				     r->exits[i]);
	(void)printf("\nreach: verdicts");
	for (unsigned int v = 0; v < VMM_V_COUNT; v++)
		if (r->verdicts[v])
			(void)printf(" %s:%u",
				     vmm_verdict_name((enum vmm_verdict)v),
				     r->verdicts[v]);
	(void)printf("\nreach: ioctl errors");
	for (uint32_t i = 0; i < r->nioctl; i++) {
		const struct vmm_reach_ioctl *c = &r->ioctl[i];
		const char *n = vmm_kvm_ioctl_name(c->req);

		if (c->err == 0)
			continue;
		if (n)
			(void)printf(" %s/%s:%u", n,
				     vmm_reach_result_name(c->err), c->inputs);
		else
			(void)printf(" 0x%lx/%s:%u", c->req,
				     vmm_reach_result_name(c->err), c->inputs);
	}
	(void)printf("%s\n", nerr ? "" : " none");
}

/* Names are identifiers (KVM_*, errno names, verdicts): no escaping. */
static void print_json(const struct vmm_reach *r)
{
	const char *sep = "";

	(void)printf("{\n  \"inputs\": %u,\n  \"scenarios\": %u,\n"
		     "  \"mode\": \"fresh\",\n  \"exits\": {",
		     r->inputs, r->scenarios);
	for (uint32_t i = 0; i < VMM_REACH_EXIT_MAX; i++) {
		if (!vmm_exit_reason_known(i) && !r->exits[i])
			continue;
		(void)printf("%s\n    \"%s\": %u", sep, vmm_exit_reason_name(i),
			     r->exits[i]);
		sep = ",";
	}
	if (r->exit_other)
		(void)printf("%s\n    \"other\": %u", sep, r->exit_other);
	(void)printf("\n  },\n  \"ioctls\": [");
	sep = "";
	for (uint32_t i = 0; i < r->nioctl; i++) {
		const struct vmm_reach_ioctl *c = &r->ioctl[i];
		const char *n = vmm_kvm_ioctl_name(c->req);
		char hex[32];

		if (!n) {
			(void)snprintf(hex, sizeof(hex), "0x%lx", c->req);
			n = hex;
		}
		(void)printf(
			"%s\n    {\"ioctl\": \"%s\", \"request\": %lu, "
			"\"result\": \"%s\", \"inputs\": %u, \"calls\": %llu}",
			sep, n, c->req, vmm_reach_result_name(c->err),
			c->inputs, (unsigned long long)c->calls);
		sep = ",";
	}
	(void)printf("\n  ],\n  \"ioctl_uncounted\": %u,\n  \"verdicts\": {",
		     r->ioctl_dropped);
	sep = "";
	for (unsigned int v = 0; v < VMM_V_COUNT; v++) {
		(void)printf("%s\n    \"%s\": %u", sep,
			     vmm_verdict_name((enum vmm_verdict)v),
			     r->verdicts[v]);
		sep = ",";
	}
	(void)printf("\n  },\n  \"findings\": {");
	sep = "";
	for (unsigned int f = 0; f < VMM_FIND_COUNT; f++) {
		(void)printf("%s\n    \"%s\": %u", sep,
			     vmm_finding_name((enum vmm_finding)f),
			     r->findings[f]);
		sep = ",";
	}
	(void)printf("\n  },\n  \"records\": {");
	sep = "";
	for (unsigned int k = 0; k < VMM_REC_COUNT; k++) {
		(void)printf("%s\n    \"%s\": %u", sep,
			     vmm_reach_record_name(k), r->records[k]);
		sep = ",";
	}
	(void)printf("\n  }\n}\n");
}

/* ---- the command ------------------------------------------------------- */

int cmd_reach(int argc, char **argv)
{
	struct vmm_reach *r = NULL;
	struct vmm_input_outcome *o = NULL;
	struct vmm_watchdog wd;
	struct vmm_error e;
	struct vmm_kvm k;
	struct run x;
	int out = OUT_TEXT, npaths = 0, rc = 0;

	enum { O_JSON = 256, O_SHORT };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "short", no_argument, NULL, O_SHORT },
		{ NULL, 0, NULL, 0 },
	};
	int first = 0;

	for (;;) {
		const char *v;
		int c = vmm_cli_getopt(argc, argv, "", longopts, "reach",
				       &first, &v);

		if (c == VMM_OPT_END)
			break;
		if (c == VMM_OPT_ERROR)
			return 2;
		out = c == O_JSON ? OUT_JSON : OUT_SHORT;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			(void)fprintf(stderr,
				      "vmm: error: cannot open input "
				      "%s\n",
				      argv[i]);
			return 2;
		}
		npaths++;
	}
	if (npaths == 0)
		return reach_usage("reach needs a DIR or FILE of inputs");
	r = malloc(sizeof(*r));
	o = malloc(sizeof(*o));
	if (!r || !o) {
		(void)fprintf(stderr, "vmm: error: out of memory\n");
		rc = 3;
		goto out_free;
	}
	vmm_reach_init(r, NULL);
	vmm_err_clear(&e);
	if (vmm_reach_open(r, &k, getenv("VMM_KVM_PATH"), &e) < 0) {
		char line[VMM_ERR_MSG_MAX + 128];

		vmm_err_format(&e, line, sizeof(line));
		(void)fprintf(stderr, "vmm: error: %s\n", line);
		rc = 3;
		goto out_free;
	}
	if (vmm_watchdog_start(&wd, reach_hang, NULL, &e) < 0) {
		(void)fprintf(stderr, "vmm: error: %s\n", e.msg);
		rc = 3;
		goto out_kvm;
	}
	x.r = r;
	x.k = &k;
	x.wd = &wd;
	x.o = o;
	for (int i = first; i < argc && rc == 0; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = run_dir(&x, argv[i]);
		else
			rc = run_file(&x, argv[i]);
	}
	vmm_watchdog_stop(&wd);
	if (rc == 0) {
		vmm_reach_sort(r);
		if (out == OUT_JSON)
			print_json(r);
		else if (out == OUT_SHORT)
			print_short(r);
		else
			print_text(r);
	}
out_kvm:
	vmm_kvm_close(&k);
out_free:
	free(o);
	free(r);
	return rc;
}
