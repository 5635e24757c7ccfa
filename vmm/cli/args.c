#include "vmm/cli/args.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/file.h"
#include "vmm/num.h"

int vmm_parse_u64(const char *s, uint64_t *out)
{
	return vmm_num_parse(s, out);
}

int vmm_parse_size(const char *s, uint64_t *out)
{
	const char *end = NULL;
	uint64_t v;
	unsigned int shift = 0;

	if (vmm_num_parse_prefix(s, &v, &end) < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			return -1;
		}
		if (end[1] != '\0')
			return -1;
		if (v > (UINT64_MAX >> shift))
			return -1;
	}
	*out = v << shift;
	return 0;
}

int vmm_cli_getopt(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, const char *cmd, int *state,
		   const char **value)
{
	char spec[64];
	int c;

	if (*state == 0) {
		optind = 0; /* GNU: a full re-initialisation per command */
		*state = 1;
	}
	/* ':' first: a missing value is reported as ':', not printed */
	(void)snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	*value = optarg;
	if (c == -1) {
		*state = optind;
		return VMM_OPT_END;
	}
	if (c == ':') {
		(void)fprintf(stderr, "vmm: error: option %s needs a value\n",
			      argv[optind - 1]);
		return VMM_OPT_ERROR;
	}
	if (c == '?') {
		if (optopt)
			(void)fprintf(stderr,
				      "vmm: error: unknown %s%soption "
				      "'-%c'\n",
				      cmd, *cmd ? " " : "", optopt);
		else
			(void)fprintf(stderr,
				      "vmm: error: unknown %s%soption "
				      "'%s'\n",
				      cmd, *cmd ? " " : "", argv[optind - 1]);
		return VMM_OPT_ERROR;
	}
	return c;
}

int vmm_cli_file_error(const char *what, const char *path,
		       const struct vmm_error *e)
{
	(void)fprintf(stderr, "vmm: error: %s%s%s: %s%s%s\n", what,
		      path ? " " : "", path ? path : "", e->msg,
		      e->err ? ": " : "", e->err ? strerror(e->err) : "");
	return e->cls == VMM_ERR_NOMEM ? 3 : 2;
}

int vmm_cli_read_file(const char *path, uint64_t max, const char *what,
		      int stdin_ok, uint8_t **buf, uint64_t *len)
{
	struct vmm_error e;

	vmm_err_clear(&e);
	if (stdin_ok && strcmp(path, "-") == 0) {
		if (vmm_fd_load(STDIN_FILENO, max, buf, len, &e) < 0)
			return vmm_cli_file_error(what, "(standard input)", &e);
		return 0;
	}
	if (vmm_file_load(NULL, path, max, buf, len, &e) < 0)
		return vmm_cli_file_error(what, path, &e);
	return 0;
}
