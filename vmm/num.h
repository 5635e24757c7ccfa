/* The one strict unsigned-number parser: the command line (vmm/cli/args.c)
 * and the scenario text form (vmm/scenario_text.c) both use it.
 *
 * Accepted: decimal digits, or 0x/0X followed by hex digits. Nothing else:
 * no leading whitespace, no sign, no second prefix ("0x0x10"), no empty
 * digits ("0x"), no leading zero before more decimal digits ("010": octal
 * in C, decimal to people), no overflow. No strtoull: its leniencies
 * (whitespace, signs with wrap-around, a 0x prefix accepted again in base
 * 16) are exactly what this refuses. */
#ifndef VMM_NUM_H
#define VMM_NUM_H

#include <stdint.h>

/* Parses the number at the start of `s`; *end points just past its last
 * digit (the caller decides what may follow). 0 on success, -1 otherwise
 * (*out and *end untouched). */
int vmm_num_parse_prefix(const char *s, uint64_t *out, const char **end);

/* The whole string is one number: nothing may follow it. */
int vmm_num_parse(const char *s, uint64_t *out);

#endif
