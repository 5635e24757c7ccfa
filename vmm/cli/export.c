/* `vmm export-c FILE [-o OUT.c]`: the scenario in FILE as a standalone C
 * reproducer (vmm/export_c.h), on stdout or in OUT.c. */
#include "vmm/cli/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The whole file, at most VMM_SCENARIO_MAX_BYTES; 0 or an exit code. */
static int slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = VMM_SCENARIO_MAX_BYTES + 1;

	*buf = NULL;
	*len = 0;
	if (!f) {
		(void)fprintf(stderr, "vmm: error: cannot open scenario %s: %s\n",
			      path, strerror(errno));
		return RC_USAGE;
	}
	*buf = malloc(cap);
	if (!*buf) {
		(void)fclose(f);
		(void)fprintf(stderr, "vmm: error: out of memory reading %s\n",
			      path);
		return RC_HOST;
	}
	*len = fread(*buf, 1, cap, f);
	if (ferror(f) || *len == 0 || *len > VMM_SCENARIO_MAX_BYTES) {
		int bad = ferror(f);

		(void)fclose(f);
		(void)fprintf(stderr, "vmm: error: scenario %s %s\n", path,
			      bad ? "cannot be read" : *len == 0 ? "is empty" :
			      "is larger than the 1 MiB scenario limit");
		free(*buf);
		*buf = NULL;
		return RC_USAGE;
	}
	(void)fclose(f);
	return RC_OK;
}

int cmd_export_c(int argc, char **argv)
{
	const char *path = NULL, *outpath = NULL;
	struct vmm_scenario *s;
	struct vmm_error e;
	FILE *out = stdout;
	uint8_t *buf;
	size_t len;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0) {
			if (i + 1 >= argc)
				return export_usage("-o needs a file name", NULL);
			outpath = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return export_usage("unknown export-c option", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			return export_usage("unexpected argument", argv[i]);
		}
	}
	if (!path)
		return export_usage("export-c needs a scenario FILE", NULL);
	rc = slurp(path, &buf, &len);
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
			(void)fprintf(stderr, "vmm: error: cannot write %s: %s\n",
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
