#include "vmm/num.h"

#include <stddef.h>

static int digit_value(char c, unsigned int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)v < base ? v : -1;
}

int vmm_num_parse_prefix(const char *s, uint64_t *out, const char **end)
{
	unsigned int base = 10;
	const char *p;
	uint64_t v = 0;

	if (!s || s[0] < '0' || s[0] > '9')
		return -1; /* "", " 1", "+1", "-1" */
	p = s;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		p = s + 2;
	} else if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		return -1; /* "010" */
	}
	if (digit_value(*p, base) < 0)
		return -1; /* "0x", "0xg", "0x 1", "0x-1" */
	for (; digit_value(*p, base) >= 0; p++) {
		unsigned int d = (unsigned int)digit_value(*p, base);

		if (v > (UINT64_MAX - d) / base)
			return -1; /* overflow */
		v = v * base + d;
	}
	*out = v;
	*end = p;
	return 0;
}

int vmm_num_parse(const char *s, uint64_t *out)
{
	const char *end = NULL;
	uint64_t v;

	if (vmm_num_parse_prefix(s, &v, &end) < 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
