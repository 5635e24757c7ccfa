#include "vmm/cli/args.h"

#include <stddef.h>

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
