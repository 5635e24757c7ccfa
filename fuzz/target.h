/* Shared declarations for the fuzz targets. */
#ifndef VMM_FUZZ_TARGET_H
#define VMM_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz/mutator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Per-process state that cannot be made before the AFL++ fork server forks
 * (threads do not survive fork): the AFL++ drivers call this in the
 * process that runs the inputs, before their first __AFL_LOOP, so that
 * one-time set-up is never counted as the first input's coverage (that
 * input would look unstable every time a new persistent child starts).
 * Targets also do it lazily on their first input, for the other drivers. */
void fuzz_target_start(void);
/* AFL++ persistent mode stops the whole process (SIGSTOP) after every
 * input. A VM being closed on another thread then keeps the stop from
 * ever completing: its KVM worker (the NX huge page recovery thread, a
 * vhost task of this process) stops, and the closing thread waits for it
 * in the kernel, so afl-fuzz sees a 5-s hang (docs/host-notes.md). The
 * AFL++ drivers call this before fuzz_target_start(): VMs are then closed
 * on the thread that runs the inputs, none in flight at a stop. */
void fuzz_target_close_inline(void);
/* NULL when the target can run here, else why not ("no KVM on this host"):
 * such a target accepts every input without running it (fuzzing engines
 * keep going with nothing to find); the replay driver reports a skip. */
const char *fuzz_target_unavailable(void);

#ifdef VMM_FUZZ_LIBFUZZER
/* libFuzzer builds: the structure-aware mutator, with libFuzzer's own
 * byte mutator for blob and input contents. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1,
				 const uint8_t *d2, size_t s2, uint8_t *out,
				 size_t max, unsigned int seed);
#define FUZZ_CUSTOM_MUTATOR                                                    \
	size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, \
				       unsigned int seed)                      \
	{                                                                      \
		return fuzz_mutate(data, size, max, seed, LLVMFuzzerMutate);   \
	}                                                                      \
	size_t LLVMFuzzerCustomCrossOver(                                      \
		const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,    \
		uint8_t *out, size_t max, unsigned int seed)                   \
	{                                                                      \
		return fuzz_crossover(d1, s1, d2, s2, out, max, seed);         \
	}
#else
#define FUZZ_CUSTOM_MUTATOR
#endif
/* Targets whose inputs have no structure to keep (fuzz_exit). */
#define FUZZ_CUSTOM_MUTATOR_NONE

#endif
