#include "vmm/cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Decimal, or hex with a 0x/0X prefix. A leading zero followed by more
 * digits ("010") is rejected as ambiguous (octal in C, decimal to people). */
static int parse(const char *s, uint64_t *out, const char **end_out)
{
	char *end = NULL;
	unsigned long long v;
	int base = 10;
	const char *digits = s;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1; /* rejects "", "-1", "+1", " 1" */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
		if (!isxdigit((unsigned char)digits[0]))
			return -1;
	} else if (s[0] == '0' && isdigit((unsigned char)s[1])) {
		return -1;
	}
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE || end == digits)
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
