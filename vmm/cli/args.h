/* Number arguments of the command line: the core library's strict parser
 * (vmm/num.h) plus the size suffixes only the command line takes. */
#ifndef VMM_CLI_ARGS_H
#define VMM_CLI_ARGS_H

#include <stdint.h>

/* Whole-string unsigned number, as vmm_num_parse() (vmm/num.h): decimal or
 * 0x hex; no octal ("010"), sign, whitespace, second prefix, trailing junk
 * or overflow. 0 on success. */
int vmm_parse_u64(const char *s, uint64_t *out);
/* Same, with an optional K/M/G suffix (binary units). */
int vmm_parse_size(const char *s, uint64_t *out);

#endif
