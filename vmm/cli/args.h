/* Strict number parsing for the command line and text formats. */
#ifndef VMM_CLI_ARGS_H
#define VMM_CLI_ARGS_H

#include <stdint.h>

/* Whole-string unsigned number: decimal or 0x hex (no octal: "010" is rejected); no sign, no
 * trailing junk, no overflow. 0 on success. */
int vmm_parse_u64(const char *s, uint64_t *out);
/* Same, with an optional K/M/G suffix (binary units). */
int vmm_parse_size(const char *s, uint64_t *out);

#endif
