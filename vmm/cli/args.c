#include "vmm/cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *s, uint64_t *out, const char **end_out)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1; /* rejects "", "-1", "+1", " 1" */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE || end == s)
		return -1;
	*out = v;
	*end_out = end;
	return 0;
}

int vmm_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (parse(s, &v, &end) < 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int vmm_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	unsigned int shift = 0;

	if (parse(s, &v, &end) < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
		if (v > (UINT64_MAX >> shift))
			return -1;
	}
	*out = v << shift;
	return 0;
}
