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

/* The commands' option parsing: getopt_long (GNU: options and operands in
 * any order, "--opt value" or "--opt=value", "--" ends the options) with
 * the command's own one-line errors instead of getopt's. Call with
 * *state = 0 first; returns the next option's `val`, VMM_OPT_END when the
 * options are done (operands are then argv[*state .. argc)), or
 * VMM_OPT_ERROR after printing "vmm: error: unknown CMD option 'X'" or
 * "vmm: error: option X needs a value". */
/* Every command reads its files through these (vmm/file.h: a FIFO or a
 * device is refused without blocking, the size is checked before
 * allocating). read_file: a whole regular file of 1..max bytes, or
 * standard input for "-" where stdin_ok; 0 or the exit code after one
 * line "vmm: error: <what> <path>: <problem>". file_error prints that line
 * for a failure in *e and returns the exit code (3 out of memory, else
 * 2). */
struct vmm_error;
int vmm_cli_file_error(const char *what, const char *path,
		       const struct vmm_error *e);
int vmm_cli_read_file(const char *path, uint64_t max, const char *what,
		      int stdin_ok, uint8_t **buf, uint64_t *len);

struct option;
#define VMM_OPT_END (-1)
#define VMM_OPT_ERROR (-2)
int vmm_cli_getopt(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, const char *cmd, int *state,
		   const char **value);

#endif
