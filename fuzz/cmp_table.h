/* Comparisons the VMM made, by the value compared (an input-to-state
 * table, as Redqueen/CmpLog keep one): for each value the code compared
 * with a constant, the last few constants it was compared with. The
 * libFuzzer targets fill it from the compiler's comparison tracing
 * (fuzz/cmp_hook.c); the mutator (fuzz/mutator.c, the "cmp" operator)
 * looks up the values a guest operand, a register or the input stream
 * holds and puts a constant in their place. The AFL++ target fills a
 * table in a shared file instead (fuzz_cmp_share, fed by AFL++'s CmpLog
 * instruction hooks: fuzz/cmp_hook_afl.c), which the custom mutator,
 * running inside afl-fuzz, copies in (fuzz_cmp_load). Elsewhere (the
 * replay drivers) it stays empty and the mutator does not use it. A
 * second part keys constants by the device register written (below:
 * fuzz_cmp_site_key), for the "pin" operator.
 *
 * Why not libFuzzer's own table (TORC): it holds 32 pairs per width,
 * indexed by the pair's XOR, reached from LLVMFuzzerMutate through 1 of
 * its ~13 mutators, 1 of 4 tables, a random slot, and a random choice of
 * byte order and +-1: measured here, an 8-byte operand run through
 * LLVMFuzzerMutate right after the comparison came back as the constant
 * 1.2 times in 10,000 (docs/bugbench.md). */
#ifndef VMM_FUZZ_CMP_TABLE_H
#define VMM_FUZZ_CMP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_CMP_SLOTS 16384U /* values, a power of two */
#define FUZZ_CMP_PER 4U	      /* constants kept per value */
#define FUZZ_CMP_ZERO_WIDE 8U /* wide constants compared with 0 kept */
#define FUZZ_CMP_BYTE_PER 8U  /* per byte value, of 1-byte comparisons */
/* what fuzz_cmp_find can return at most */
#define FUZZ_CMP_FIND_MAX (FUZZ_CMP_PER + FUZZ_CMP_BYTE_PER)
#define FUZZ_CMP_SITES 4096U /* device registers, a power of two */
#define FUZZ_CMP_SITE_PER 8U /* constants kept per register */

/* `var` was compared with the constant `c` (a comparison of width
 * `width` bytes; both zero-extended). Equal pairs and c == 0 are not
 * kept. 1-byte comparisons go to a table of their own, the last
 * FUZZ_CMP_BYTE_PER constants per byte value: a small value is compared
 * with constants all over the VMM (sizes, counts, exit reasons, in
 * 4- and 8-byte comparisons), and in the main table the byte a device
 * register was compared with was gone within a run (a divisor byte of 1,
 * compared with its check constant, had 4 other constants in its slot by
 * the next OUT). Safe to call from any thread (a lost update is
 * harmless). */
void fuzz_cmp_note(uint64_t c, uint64_t var, unsigned int width);

/* The constants `var` was compared with (up to `max`), most recent
 * table state, then for a value below 256 those of 1-byte comparisons;
 * returns how many. */
unsigned int fuzz_cmp_find(uint64_t var, uint64_t *out, unsigned int max);

/* The last constants above 16 bits compared with 0 (up to `max`): 0's
 * own slot turns over many times in a run. */
unsigned int fuzz_cmp_find_zero_wide(uint64_t *out, unsigned int max);

/* Which constants a device register's written value was compared with:
 * a second table, by where the guest wrote (port or guest-physical
 * address, and width) instead of by what. The value-keyed table above
 * serves an operand the input holds (an immediate, input bytes); a
 * value the guest computed (a sum, a value read from memory or another
 * device, a counter) is in no place the mutator can rewrite, and the
 * value itself is different in every mutant. Keyed by the register,
 * what the VMM checked a write against is known wherever the guest
 * writes there, and the mutator loads that constant into the register
 * right before the write (the "pin" operator) or has a new access write
 * it (fuzz_emit_access sequences). A comparison counts as a check of the
 * write when it is made while the VMM services the write and its
 * compared value equals the written one (at the comparison's width).
 * Matched as they are noted (the pipeline's on_service hook says which
 * write is being serviced): a console's loop comparing each byte of a
 * long string OUT cannot push the device's check out of a buffer. */

/* The key of a written register: port I/O (`mmio` 0) or MMIO, the
 * access width in bytes, the port or address; `any`: every address of
 * that kind and width (a write whose address the mutator cannot tell,
 * `out dx, ax` with DX computed). */
static inline uint64_t fuzz_cmp_site_key(unsigned int mmio, unsigned int width,
					 uint64_t addr, int any)
{
	return (uint64_t)(mmio != 0) << 63 | (uint64_t)(any != 0) << 62 |
	       (uint64_t)(width & 0xfU) << 56 |
	       (any ? 0 : addr & 0xffffffffffffffULL);
}

/* A site key's fields: MMIO (else port I/O), the access width, and the
 * port or address. */
static inline unsigned int fuzz_cmp_site_mmio(uint64_t key)
{
	return (unsigned int)(key >> 63);
}

static inline unsigned int fuzz_cmp_site_width(uint64_t key)
{
	return (unsigned int)(key >> 56 & 0xfU);
}

/* A site key's port or address (0 in an `any` key). */
static inline uint64_t fuzz_cmp_site_addr(uint64_t key)
{
	return key & 0xffffffffffffffULL;
}

/* Around the VMM's service of exit `x` on this thread (the pipeline's
 * on_service and on_exit hooks, fuzz/fuzz_pipeline.c): while a port OUT
 * or an MMIO write is serviced, a comparison noted of a value it wrote
 * (a string OUT: any of its first 8 elements), or of such a value's low
 * bytes, also goes into the register's slot and into its kind and
 * width's `any` slot. */
struct vmm_exit;
void fuzz_cmp_site_begin(const struct vmm_exit *x);
void fuzz_cmp_site_end(void);

/* After the VMM serviced exit `x` on this thread (on_exit): if its reply
 * came from the input stream (x->in_from), the value and where, so that a
 * check of that value written back (an echo) knows the stream's place. */
void fuzz_cmp_read(const struct vmm_exit *x);

/* The constants register `key` was compared with (up to `max`); returns
 * how many. */
unsigned int fuzz_cmp_site_find(uint64_t key, uint64_t *out, unsigned int max);

/* The kind and width part of a site key (its `any` key). */
static inline uint64_t fuzz_cmp_site_any(uint64_t key)
{
	return (key & ~0xffffffffffffffULL) | 1ULL << 62;
}

/* Inputs that showed a new check. A device's state machine compares a
 * written value with its next step's constant only once a guest got the
 * earlier steps right: the constant comes to light in the run of the one
 * input that got that far, and only that input can use it at once. An
 * engine picks it for mutation among thousands (libFuzzer, AFL++ queue
 * schedules), and then a "pin" must fall on that write. So a run that
 * shows a constant never before compared with a value written to a
 * register of that kind and width keeps its input, with the register,
 * the constant and the value written (each of the run's first 4 such
 * checks, an entry each; a later one stays new, for the next run that
 * shows it), in a ring of FUZZ_FRESH_N; the mutator tries that constant
 * at that write of that input, a few dozen times, right away
 * (fuzz/mutator.c, "fresh"). New by kind and width, not by register: a
 * check every port gets (a word OUT's) would otherwise keep an input at
 * each new port; measured, 3.1% of a 300-s libFuzzer trial's runs kept
 * one that way, and 33 inputs in 72,477 runs of 90 s the way it is.
 * A new input pushes out an entry the mutator gave all its tries, else
 * one it gave its first 4, else the oldest (in ring order most entries
 * went before their first try: kept inputs come faster than the
 * mutator takes them), and the mutator gives each entry its first 4
 * tries before it goes back to one it tried.
 * An entry pushed out of the ring before the mutator gave it all its
 * tries leaves its check new again unless its pair is common
 * (FUZZ_FRESH_COMMON, below), and so does an input too long to keep:
 * an engine's first pass over a trial's corpus (6,176 inputs) kept 125
 * inputs, and the checks of all but the ring's last 16 were lost for
 * the rest of the process. The AFL++ shared file carries the ring. */
#define FUZZ_FRESH_N 16U
/* bytes kept of an input (fuzz_pipeline's max_len); a longer one is not
 * kept */
#define FUZZ_FRESH_MAX 16384U

/* Around one input's run (fuzz/fuzz_pipeline.c): _begin forgets the
 * last run's new checks; _end keeps `data` with each this run showed. */
void fuzz_cmp_fresh_begin(void);
void fuzz_cmp_fresh_end(const uint8_t *data, size_t size);

/* Inputs kept since the start or the last clear. */
uint64_t fuzz_cmp_fresh_kept(void);

/* Rounds. A check is new once: the input that showed it first gets its
 * FRESH_TRIES mutations and no later input is kept for it. A later
 * input that shows it again is often a better place for the constant
 * (deeper into the device's conversation, another vCPU's code), and a
 * check whose tries all fell flat had one chance. So every
 * FUZZ_FRESH_ROUND_S seconds (the first run after the start or a clear
 * starts the clock) every check is new again and the next input that
 * shows it is kept: a round. libFuzzer started its seen bits over at
 * each restart (after each crash it reported: 9-12 times in a 600-s
 * benchmark trial, never in a job that finds nothing); an AFL++ job is
 * one shared file for good. With rounds neither depends on crashes.
 * In the shared file, one writer starts the round (the others see the
 * new deadline). */
#define FUZZ_FRESH_ROUND_S 60U

/* The round's length in milliseconds (0: no rounds); set again to the
 * same length, the round goes on. */
void fuzz_cmp_fresh_rounds(uint64_t ms);

/* Rounds started since the start or the last clear. */
uint64_t fuzz_cmp_fresh_round(void);

/* A kept input's check: the register (site key), the constant, and the
 * value the guest wrote there (at the write's width) when the VMM
 * compared it with the constant. An address check (the key has
 * FUZZ_CMP_SITE_ADDR): an MMIO access's offset in its page was compared
 * with another offset, or a port access's offset from an aligned base
 * (a device decoding its registers); `var` is the address or port
 * accessed and `c` the same page or base at the other offset. For a
 * higher byte of a port OUT (a byte register device takes each at the
 * next port), `var` is that byte's port, above the key's. */
#define FUZZ_CMP_SITE_ADDR (1ULL << 61)
/* A width check (the key has FUZZ_CMP_SITE_WIDTH): the access's width was
 * compared with another width (1, 2, 4 or 8: a device that answers only
 * accesses of one size); `var` is the address or port accessed and `c`
 * the width compared with. */
#define FUZZ_CMP_SITE_WIDTH (1ULL << 60)
#define FUZZ_FRESH_ALT 3U
struct fuzz_fresh_check {
	uint64_t key, c, var;
	/* 1 + the input stream offset `var` was read from (the value the
	 * guest's last read on that thread took from the stream, written
	 * back); 0 if it was not */
	uint64_t from;
	/* Other registers of that kind and width whose written values the
	 * same run compared with `c` (0: none). A handler may compare every
	 * value written with a constant before it looks at the register (a
	 * compiler evaluates `reg == R && v == K` without a branch): then
	 * the check came with the device's first write, and the register
	 * the constant is for is one of these. */
	uint64_t alt[FUZZ_FRESH_ALT];
};

/* Common checks. Each pair (kind and width, constant) counts the times a
 * written value or an accessed address was compared with it this round.
 * A pair compared FUZZ_FRESH_COMMON times or more is one many inputs
 * show: an entry of it pushed out untried leaves it seen until the next
 * round (any later input shows it again), and its input is no frontier.
 * Re-armed at every push-out, common pairs took the ring over: in a
 * libFuzzer process started on a 600-s trial's corpus (7,165 inputs),
 * 72,965 entries were pushed out in 57,426 runs, 65,874 of them
 * untried, about 1,900 pairs each kept 39 times on average (byte-wide
 * width checks 3,400 times), and a device's deepest step, reached by
 * one corpus input, was kept 9 times and tried once. */
#define FUZZ_FRESH_COMMON 64U

/* Of the kept inputs tried fewer than `budget` times, one short of its
 * first 4 tries (or `budget`, if fewer) first, then the one whose
 * check's pair was compared the fewest times this round when it was
 * kept, the newest of those: copied into `out` (if it fits `max`), with
 * its check; counts a try, and at the 4th and the last marks the entry
 * where the writer sees it (a reader of a copy, fuzz_cmp_load, writes
 * the mark into the file). Returns its size, or 0 if there is none. */
size_t fuzz_cmp_fresh_take(uint8_t *out, size_t max, unsigned int budget,
			   struct fuzz_fresh_check *f);

/* Constants stored since the start or the last clear (0: the table is
 * not in use). */
uint64_t fuzz_cmp_noted(void);

/* Empty the table (tests; a failed fuzz_cmp_load). */
void fuzz_cmp_clear(void);

/* The table shared across processes through the file `path` (the
 * VMM_CMP_SHM environment variable of the AFL++ job): the writer (the
 * AFL++ target, before its forkserver starts, so every forked child
 * writes there) maps it read-write, creating it if missing or empty.
 * The file is a header (magic, version, the table's geometry, the
 * count of constants noted) and the slots. Returns 0, or -1 with
 * `why` (if not NULL) set to a short reason: a file of another size or
 * geometry is left alone and the process keeps its private table. */
int fuzz_cmp_share(const char *path, const char **why);

/* The reader (the AFL++ custom mutator): copies the shared table in the
 * file `path` into this process's table with pread (a snapshot: a file
 * truncated or rewritten meanwhile cannot fault the reader, and the
 * table does not change under a mutation). Returns 0, or -1 with `why`
 * set, the table then being empty (the "cmp" and "pin" operators off). */
int fuzz_cmp_load(const char *path, const char **why);

#endif
