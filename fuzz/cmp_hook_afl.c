/* Comparison tracing into the comparison table (fuzz/cmp_table.h) for the
 * AFL++ target, the counterpart of fuzz/cmp_hook.c: afl-clang-fast strips
 * -fsanitize-coverage=trace-cmp, so the AFL++ tree compiles the VMM core
 * with AFL++'s own CmpLog instruction pass (fuzz/CMakeLists.txt), which
 * calls __cmplog_ins_hookN(a, b, attr) on integer comparisons, and the
 * target is linked with -Wl,--wrap=__cmplog_ins_hookN. The pass calls a
 * hook only while AFL++'s CmpLog map pointer (__afl_cmp_map) is set,
 * which outside AFL++'s own CmpLog run it is not: fuzz_cmp_afl_enable()
 * points it at a placeholder (0 on success), and the wrappers note the pair and hand it
 * on to AFL++'s hook only when the map is a real one. AFL++'s selective
 * coverage (fuzz/afl_coverage.c) clears that pointer and restores it from
 * __afl_cmp_map_backup (set here too), so the code run with coverage off
 * notes nothing either. The pass does not say which
 * operand is a constant; LLVM puts a constant on the right, so `b` is
 * noted as what `a` was compared with (a comparison of two variables is
 * noted the same way, as Redqueen does), except two values above 4 GiB
 * within 16 MiB of each other: pointers (a cursor against an end, the
 * stack), which would take most of the table's slots and never be an
 * operand the guest writes. The table lives in the file
 * VMM_CMP_SHM names (fuzz_cmp_share, fuzz/afl_main.c), where the custom
 * mutator reads it. Never traced itself; a per-thread flag keeps a
 * traced comparison inside the table's code from coming back here. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "fuzz/cmp_table.h"

/* AFL++'s (afl-compiler-rt): its CmpLog map, or NULL; and what
 * __afl_coverage_on() puts back there after __afl_coverage_off() */
extern void *__afl_cmp_map;
extern void *__afl_cmp_map_backup;

/* AFL++'s __afl_coverage_skip/_discard clear the whole CmpLog map when
 * the pointer is set (0x4080000 bytes in 4.04c): the placeholder is that
 * large and more, reserved and never touched otherwise */
#define PLACEHOLDER_SIZE (128UL << 20)

static void *placeholder;

int fuzz_cmp_afl_enable(void);

int fuzz_cmp_afl_enable(void)
{
	if (!placeholder) {
		void *p = mmap(NULL, PLACEHOLDER_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);

		if (p == MAP_FAILED)
			return -1;
		placeholder = p;
	}
	if (!__afl_cmp_map)
		__afl_cmp_map = placeholder;
	if (!__afl_cmp_map_backup)
		__afl_cmp_map_backup = __afl_cmp_map;
	return 0;
}

#define CMPLOG_HOOK(n, t)                                               \
	void __real___cmplog_ins_hook##n(t a, t b, uint8_t attr);       \
	void __wrap___cmplog_ins_hook##n(t a, t b, uint8_t attr);       \
	void __wrap___cmplog_ins_hook##n(t a, t b, uint8_t attr)        \
	{                                                               \
		if (!busy && !pointer_pair((uint64_t)a, (uint64_t)b)) { \
			busy = 1;                                       \
			fuzz_cmp_note((uint64_t)b, (uint64_t)a, n);     \
			busy = 0;                                       \
		}                                                       \
		if (__afl_cmp_map != placeholder)                       \
			__real___cmplog_ins_hook##n(a, b, attr);        \
	}

static __thread int busy;

static int pointer_pair(uint64_t a, uint64_t b)
{
	return a >> 32 && b >> 32 && (a > b ? a - b : b - a) < (1ULL << 24);
}

CMPLOG_HOOK(1, uint8_t)
CMPLOG_HOOK(2, uint16_t)
CMPLOG_HOOK(4, uint32_t)
CMPLOG_HOOK(8, uint64_t)

/* 1-byte comparisons. The CmpLog instruction pass leaves them out (an
 * 8-bit `icmp` gets no hook: AFL++ finds single bytes by its own
 * stages), but a device decodes most of its registers' values a byte at
 * a time. The AFL++ tree therefore also compiles the VMM core with the
 * compiler's own comparison tracing (fuzz/CMakeLists.txt): its 1-byte
 * comparisons with a constant are noted here; the wider ones and the
 * compiler's other comparison hooks are the instruction pass's already
 * and only go on to AFL++'s runtime (which logs into the CmpLog map)
 * when that map is a real one. Like the pass's hooks, nothing is noted
 * while the map pointer is cleared (selective coverage off). */
#define SANCOV_HOOK(name, params, args, note)               \
	void __real___sanitizer_cov_##name params;          \
	void __wrap___sanitizer_cov_##name params;          \
	void __wrap___sanitizer_cov_##name params           \
	{                                                   \
		if (!__afl_cmp_map)                         \
			return;                             \
		note;                                       \
		if (__afl_cmp_map != placeholder)           \
			__real___sanitizer_cov_##name args; \
	}

static void note_byte(uint8_t c, uint8_t v)
{
	if (!busy) {
		busy = 1;
		fuzz_cmp_note(c, v, 1);
		busy = 0;
	}
}

SANCOV_HOOK(trace_const_cmp1, (uint8_t a, uint8_t b), (a, b), note_byte(a, b))
SANCOV_HOOK(trace_const_cmp2, (uint16_t a, uint16_t b), (a, b), (void)0)
SANCOV_HOOK(trace_const_cmp4, (uint32_t a, uint32_t b), (a, b), (void)0)
SANCOV_HOOK(trace_const_cmp8, (uint64_t a, uint64_t b), (a, b), (void)0)
SANCOV_HOOK(trace_cmp1, (uint8_t a, uint8_t b), (a, b), (void)0)
SANCOV_HOOK(trace_cmp2, (uint16_t a, uint16_t b), (a, b), (void)0)
SANCOV_HOOK(trace_cmp4, (uint32_t a, uint32_t b), (a, b), (void)0)
SANCOV_HOOK(trace_cmp8, (uint64_t a, uint64_t b), (a, b), (void)0)
SANCOV_HOOK(trace_switch, (uint64_t v, uint64_t *cases), (v, cases), (void)0)
