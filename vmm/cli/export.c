/* `vmm export-c FILE [-o OUT.c]`: the scenario in FILE as a standalone C
 * reproducer (vmm/export_c.h), on stdout or in OUT.c. An x86 input the
 * differential oracle can compare gets its host side too (`./repro
 * --diff`): the oracle runs once here, in a fresh VM, to record the
 * instructions it steps; any other x86 input is exported with the KVM
 * side only and a note on stderr that says why. */
#include "vmm/cli/export.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/args.h"
#include "vmm/export_c.h"
#include "vmm/kvm.h"
#include "vmm/limits.h"
#include "vmm/scenario.h"

enum { RC_OK = 0, RC_USAGE = 2, RC_HOST = 3 };

static int export_usage(const char *msg, const char *arg)
{
	(void)fprintf(stderr, "vmm: error: %s%s%s (see 'vmm help')\n", msg,
		      arg ? " " : "", arg ? arg : "");
	return RC_USAGE;
}

/* The oracle's run for the host side, or why there is none (stderr). */
static void diff_side(const struct vmm_scenario *s, struct vmm_export_diff *x)
{
	struct vmm_kvm k;
	struct vmm_error e;
	const char *path = getenv("VMM_KVM_PATH");

	memset(x, 0, sizeof(*x));
	if (!vmm_diff_built(x->why, sizeof(x->why)) ||
	    !vmm_diff_eligible(s, x->why, sizeof(x->why))) {
		/* nothing to run */
	} else {
		vmm_err_clear(&e);
		if (vmm_kvm_open(&k, path, NULL, &e) < 0) {
			(void)snprintf(x->why, sizeof(x->why),
				       "no KVM at export time: %.200s", e.msg);
		} else {
			vmm_export_diff_prepare(&k, s, x);
			vmm_kvm_close(&k);
		}
	}
	if (!x->comparable)
		(void)fprintf(stderr,
			      "vmm: note: the reproducer has the KVM side "
			      "only (no --diff): %s\n",
			      x->why);
}

int cmd_export_c(int argc, char **argv)
{
	const char *path = NULL, *outpath = NULL;
	struct vmm_scenario *s;
	struct vmm_export_diff *diff = NULL;
	struct vmm_error e;
	FILE *out = stdout;
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	uint8_t *buf;
	uint64_t len;
	int rc, st = 0;

	for (;;) {
		const char *v;
		int c = vmm_cli_getopt(argc, argv, "o:", longopts, "export-c",
				       &st, &v);

		if (c == VMM_OPT_END)
			break;
		if (c == VMM_OPT_ERROR)
			return RC_USAGE;
		outpath = v; /* -o: the last one wins */
	}
	for (int i = st; i < argc; i++) {
		if (path)
			return export_usage("unexpected argument", argv[i]);
		path = argv[i];
	}
	if (!path)
		return export_usage("export-c needs a scenario FILE", NULL);
	rc = vmm_cli_read_file(path, VMM_SCENARIO_MAX_BYTES, "scenario", 0,
			       &buf, &len);
	if (rc != RC_OK)
		return rc;
	s = malloc(sizeof(*s));
	if (!s) {
		free(buf);
		(void)fprintf(stderr, "vmm: error: out of memory\n");
		return RC_HOST;
	}
	vmm_err_clear(&e);
	if (vmm_scenario_decode(buf, len, s, &e) < 0) {
		(void)fprintf(stderr, "vmm: error: %s: %s\n", path, e.msg);
		rc = RC_USAGE;
		goto done;
	}
	if (outpath) {
		out = fopen(outpath, "w");
		if (!out) {
			(void)fprintf(stderr,
				      "vmm: error: cannot write %s: %s\n",
				      outpath, strerror(errno));
			rc = RC_USAGE;
			goto done;
		}
	}
	if (s->arch == VMM_ARCH_X86_64) {
		diff = malloc(sizeof(*diff));
		if (!diff) {
			(void)fprintf(stderr, "vmm: error: out of memory\n");
			rc = RC_HOST;
			goto done;
		}
		diff_side(s, diff);
	}
	if (vmm_export_c_diff(s, path, diff, out, &e) < 0) {
		char line[VMM_ERR_MSG_MAX + 64];

		vmm_err_format(&e, line, sizeof(line));
		(void)fprintf(stderr, "vmm: error: %s\n", line);
		rc = e.cls == VMM_ERR_INPUT ? RC_USAGE : RC_HOST;
	}
	if (outpath && fclose(out) != 0 && rc == RC_OK) {
		(void)fprintf(stderr, "vmm: error: cannot write %s: %s\n",
			      outpath, strerror(errno));
		rc = RC_HOST;
	}
done:
	free(diff);
	free(s);
	free(buf);
	return rc;
}
