/* `vmm export-c FILE [-o OUT.c]`: the scenario in FILE as a standalone C
 * reproducer (vmm/export_c.h), on stdout or in OUT.c. */
#include "vmm/cli/export.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/args.h"
#include "vmm/export_c.h"
#include "vmm/limits.h"
#include "vmm/scenario.h"

enum { RC_OK = 0, RC_USAGE = 2, RC_HOST = 3 };

static int export_usage(const char *msg, const char *arg)
{
	(void)fprintf(stderr, "vmm: error: %s%s%s (see 'vmm help')\n", msg,
		      arg ? " " : "", arg ? arg : "");
	return RC_USAGE;
}

int cmd_export_c(int argc, char **argv)
{
	const char *path = NULL, *outpath = NULL;
	struct vmm_scenario *s;
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
	if (vmm_export_c(s, path, out, &e) < 0) {
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
	free(s);
	free(buf);
	return rc;
}
