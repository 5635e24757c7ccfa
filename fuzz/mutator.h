/* Structure-aware mutation of scenarios: decode, change fields (blobs,
 * slots, fills, modes, registers, control-register bits, segments, limits,
 * the input stream, vCPU count), re-encode canonically. Most outputs decode,
 * so the fuzzer spends its time in the pipeline rather than the decoder.
 * Used by LLVMFuzzerCustomMutator/CrossOver and by the AFL++ custom
 * mutator library. */
#ifndef VMM_FUZZ_MUTATOR_H
#define VMM_FUZZ_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

/* Byte-level mutator for blob/input contents (LLVMFuzzerMutate, or a small
 * havoc when NULL). Returns the new size (<= max). */
typedef size_t (*fuzz_byte_mutator)(uint8_t *data, size_t size, size_t max);

/* Mutate `data` (size bytes, buffer of `max`) in place; returns new size. */
size_t fuzz_mutate(uint8_t *data, size_t size, size_t max, unsigned int seed,
		   fuzz_byte_mutator bm);

/* Combine two inputs into `out`; returns its size (0: could not). */
size_t fuzz_crossover(const uint8_t *a, size_t asz, const uint8_t *b,
		      size_t bsz, uint8_t *out, size_t max, unsigned int seed);

/* x86 action records put in canonical order: records naming vCPUs the
 * scenario lacks or with fields their kind refuses dropped, the rest
 * sorted, duplicates dropped (the mutator does this after each change). */
struct vmm_scenario;
void fuzz_actions_canonical(struct vmm_scenario *s);

/* A fresh valid random scenario; returns its size (0 if max is too small). */
size_t fuzz_generate(uint8_t *out, size_t max, unsigned int seed);

#endif
