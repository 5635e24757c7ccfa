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

/* fuzz_mutate with one operator only, by name: "access_seq" (device-access
 * sequences), "operand" (a mov immediate), "cmp" (a value the VMM
 * compared with a constant, from fuzz/cmp_table.h, replaced by that
 * constant); 0 for another name. For tests;
 * not thread-safe. */
size_t fuzz_mutate_op(uint8_t *data, size_t size, size_t max, unsigned int seed,
		      fuzz_byte_mutator bm, const char *op);

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

/* One device access as guest code (fuzz/access.c): the mutator inserts
 * sequences of them (2-8 to the same device, often) into guest code. */
enum fuzz_acc_kind {
	FUZZ_ACC_PIO,	 /* x86 OUT/IN at port `addr` */
	FUZZ_ACC_MMIO,	 /* a store/load at guest-physical `addr` */
	FUZZ_ACC_STRING, /* x86 REP OUTS/INS at port `addr`, `count` times */
};

struct fuzz_access {
	uint64_t addr;	/* the port or the guest-physical address */
	uint64_t value; /* what a write writes (the low `width` bytes) */
	uint64_t buf;	/* string I/O: the guest buffer (DI/EDI, SI/ESI) */
	uint32_t count; /* string I/O: the repeat count (CX/ECX) */
	uint8_t kind;	/* enum fuzz_acc_kind */
	uint8_t write;	/* OUT, store, OUTS (else IN, load, INS) */
	uint8_t width;	/* 1, 2, 4; 8 for MMIO from long64 and arm64 */
	uint8_t keep;	/* a write of whatever the register holds (what an
			 * earlier read got): no value loaded */
};

/* Guest code for access `a` in `mode` of `arch` (x86: 0 real16, 1 prot32,
 * 2 paged32, 3 long64, with the presets' flat segments; arm64: 0 aarch64)
 * into out[0..max): its length, or 0 when the mode cannot express it (a
 * width or an address it cannot reach, port I/O on arm64, aarch32) or it
 * does not fit. Registers it uses: x86 AX, BX, CX, DX, SI, DI, FS
 * (real16 MMIO); arm64 x1, x2. */
size_t fuzz_emit_access(unsigned int arch, unsigned int mode,
			const struct fuzz_access *a, uint8_t *out, size_t max);

/* `mov reg, imm` for `mode` of `arch` into out[0..max): x86 the register
 * numbered `reg` (0-7; width 1: al, cl, dl, bl; 8: long mode only) loaded
 * with the low `width` bytes of `v`; arm64 (aarch64) xN by movz/movk.
 * Its length, or 0 when the mode cannot express it. */
size_t fuzz_emit_mov(unsigned int arch, unsigned int mode, unsigned int reg,
		     unsigned int width, uint64_t v, uint8_t *out, size_t max);

/* x86: the first element an OUTS of `width` bytes reads, set to `v`
 * (mov [si]/[esi]/[rsi], imm, DS) for `mode`; its length, or 0. */
size_t fuzz_emit_outs_first(unsigned int mode, unsigned int width, uint64_t v,
			    uint8_t *out, size_t max);

#endif
