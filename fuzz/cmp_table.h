/* Comparisons the VMM made, by the value compared (an input-to-state
 * table, as Redqueen/CmpLog keep one): for each value the code compared
 * with a constant, the last few constants it was compared with. The
 * libFuzzer targets fill it from the compiler's comparison tracing
 * (fuzz/cmp_hook.c); the mutator (fuzz/mutator.c, the "cmp" operator)
 * looks up the values a guest operand, a register or the input stream
 * holds and puts a constant in their place. Elsewhere (the AFL++ custom
 * mutator, the replay drivers) it stays empty and the mutator does not
 * use it.
 *
 * Why not libFuzzer's own table (TORC): it holds 32 pairs per width,
 * indexed by the pair's XOR, reached from LLVMFuzzerMutate through 1 of
 * its ~13 mutators, 1 of 4 tables, a random slot, and a random choice of
 * byte order and +-1: measured here, an 8-byte operand run through
 * LLVMFuzzerMutate right after the comparison came back as the constant
 * 1.2 times in 10,000 (docs/bugbench.md). */
#ifndef VMM_FUZZ_CMP_TABLE_H
#define VMM_FUZZ_CMP_TABLE_H

#include <stdint.h>

#define FUZZ_CMP_SLOTS 16384U /* values, a power of two */
#define FUZZ_CMP_PER 4U	      /* constants kept per value */

/* `var` was compared with the constant `c` (a comparison of width
 * `width` bytes; both zero-extended). Equal pairs and c == 0 are not
 * kept. Safe to call from any thread (a lost update is harmless). */
void fuzz_cmp_note(uint64_t c, uint64_t var, unsigned int width);

/* The constants `var` was compared with (up to `max`), most recent
 * table state; returns how many. */
unsigned int fuzz_cmp_find(uint64_t var, uint64_t *out, unsigned int max);

/* Constants stored since the start or the last clear (0: the table is
 * not in use). */
uint64_t fuzz_cmp_noted(void);

/* Empty the table (tests). */
void fuzz_cmp_clear(void);

#endif
