#include "fuzz/feedback.h"

#include <linux/kvm.h>

/* 1024 distinct edges. Each case holds an asm statement with its own
 * immediate, which the compiler can neither merge nor turn into a table,
 * so every case stays its own instrumented basic block. */
#define FB1(n)                                   \
	case (n):                                \
		__asm__ volatile("" : : "i"(n)); \
		break;
#define FB4(n) FB1(n) FB1((n) + 1) FB1((n) + 2) FB1((n) + 3)
#define FB16(n) FB4(n) FB4((n) + 4) FB4((n) + 8) FB4((n) + 12)
#define FB64(n) FB16(n) FB16((n) + 16) FB16((n) + 32) FB16((n) + 48)
#define FB256(n) FB64(n) FB64((n) + 64) FB64((n) + 128) FB64((n) + 192)

static __attribute__((noinline)) void edge(unsigned int v)
{
	switch (v & 1023U) {
		FB256(0)
		FB256(256)
		FB256(512)
		FB256(768)
	default:
		break;
	}
}

/* Feature regions inside the 1024 edges. */
#define R_REASON 0U    /* 64: exit reason */
#define R_PAIR 64U     /* 256: (previous reason, reason) */
#define R_PORT 320U    /* 128: port, direction, size */
#define R_MMIO 448U    /* 128: MMIO page, direction, length */
#define R_VERDICT 576U /* 16 */
#define R_ERRNO 592U   /* 64: failing call and errno */
#define R_COUNT 656U   /* 32: exit count: none, one, several */
#define R_SUBCODE 688U /* 64: internal-error suberror / event type */
#define R_FINDING 752U /* 16 */
#define R_OUTPUT 768U  /* 32: console output: none, some */

/* Engines without coverage control (libFuzzer, replay, tests). */
__attribute__((weak)) void fuzz_coverage_off(void)
{
}

__attribute__((weak)) void fuzz_coverage_on(void)
{
}

static uint32_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (uint32_t)v;
}

/* 0, 1, 2 for none, one, several: what a run did, not how long it ran
 * (log2 buckets of counts made inputs interesting merely for running
 * longer: a loop one exit longer reached the next bucket). */
static unsigned int few_bucket(uint64_t v)
{
	return v < 2 ? (unsigned int)v : 2U;
}

void fuzz_feedback_begin(struct fuzz_feedback *f)
{
	f->prev_reason = 0xFFFFFFFFU;
	f->nheld = 0;
}

/* Held until the run's end (more than fit: lit now). */
static void hold(struct fuzz_feedback *f, unsigned int v)
{
	if (f->nheld < FUZZ_FEEDBACK_HELD)
		f->held[f->nheld++] = (uint16_t)v;
	else
		edge(v);
}

void fuzz_feedback_exit(struct fuzz_feedback *f, const struct vmm_exit *x)
{
	hold(f, R_REASON + (x->reason & 63U));
	hold(f,
	     R_PAIR + (mix((uint64_t)f->prev_reason << 32 | x->reason) & 255U));
	f->prev_reason = x->reason;
	if (x->reason == KVM_EXIT_IO)
		hold(f,
		     R_PORT + (mix((uint64_t)x->u.io.port << 16 |
				   (uint64_t)x->u.io.dir << 8 | x->u.io.size) &
			       127U));
	else if (x->reason == KVM_EXIT_MMIO)
		hold(f, R_MMIO + (mix((x->u.mmio.gpa >> 12) << 8 |
				      (uint64_t)x->u.mmio.is_write << 4 |
				      x->u.mmio.len) &
				  127U));
	else if (x->reason == KVM_EXIT_INTERNAL_ERROR)
		hold(f, R_SUBCODE + (x->u.internal.code & 31U));
	else if (x->reason == KVM_EXIT_SYSTEM_EVENT)
		hold(f, R_SUBCODE + 32U + (x->u.system_event.code & 31U));
}

int fuzz_feedback_end(struct fuzz_feedback *f,
		      const struct vmm_input_outcome *o)
{
	if (!o->decoded)
		return 1;
	/* A timed-out run stops wherever the deadline found it: its exits,
	 * counts and VMM code are timing, not behaviour. A finding is kept
	 * whatever ended the run. */
	edge(R_VERDICT + ((unsigned int)o->result.verdict & 15U));
	if (o->result.verdict == VMM_V_TIMEOUT)
		return o->finding != VMM_FIND_NONE;
	/* an exhausted budget's count is the budget */
	for (uint32_t i = 0; i < f->nheld; i++)
		edge(f->held[i]);
	if (o->result.err.err)
		edge(R_ERRNO + (mix((uint64_t)o->result.err.err << 8 |
				    (uint64_t)o->result.err.cls) &
				63U));
	if (o->result.verdict != VMM_V_BUDGET)
		edge(R_COUNT + few_bucket(o->result.exits));
	edge(R_OUTPUT + (o->result.output_bytes != 0));
	edge(R_FINDING + ((unsigned int)o->finding & 15U));
	return 1;
}
