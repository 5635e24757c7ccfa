/* Guest behaviour as coverage: exit reasons, exit-reason pairs, port and
 * MMIO address buckets, verdicts (spin is one), errno, and whether a run
 * had no, one or several exits and any console output each light a
 * distinct code edge, so both libFuzzer and AFL++ keep inputs that make
 * KVM do something new even when they reach no new VMM code. Nothing
 * grows with a run's length: an input is not interesting for merely
 * running longer. */
#ifndef VMM_FUZZ_FEEDBACK_H
#define VMM_FUZZ_FEEDBACK_H

#include <stdint.h>

#include "vmm/exit.h"
#include "vmm/oracle.h"

#define FUZZ_FEEDBACK_HELD 4096

struct fuzz_feedback {
	uint32_t prev_reason;
	/* The run's exit edges, lit at its end unless the clock ended it: the
	 * exits a timed-out run makes before the deadline depend on the
	 * host's speed (AFL++ saw them as unstable). */
	uint32_t nheld;
	uint16_t held[FUZZ_FEEDBACK_HELD];
};

void fuzz_feedback_begin(struct fuzz_feedback *f);
void fuzz_feedback_exit(struct fuzz_feedback *f, const struct vmm_exit *x);
/* Lights the run's edges; returns 0 for a run the engine should not keep
 * whatever coverage it showed: a run the clock ended. Where the deadline
 * finds a guest, and so which VMM code it reached, depends on the host's
 * speed; kept, such inputs filled a third of a 60 s job's corpus and
 * their mutants timed out in turn. libFuzzer is told so (the target
 * returns -1). AFL++ is not: its __AFL_COVERAGE_SKIP clears the whole map,
 * so an input that times out on one calibration run and not on the next
 * made every edge it shares with other inputs (decoding, set-up) count as
 * unstable (stability 74% -> 31-40%, fuzz/afl-stability.sh UNSTABLE=1);
 * there a timed-out run keeps its VMM coverage and loses only its exit
 * edges. 1 otherwise. */
int fuzz_feedback_end(struct fuzz_feedback *f,
		      const struct vmm_input_outcome *o);

/* Code run between fuzz_coverage_off() and fuzz_coverage_on() is not part
 * of the input's coverage: work that depends on the inputs run before this
 * one. AFL++ builds: fuzz/afl_coverage.c; no-ops elsewhere. */
void fuzz_coverage_off(void);
void fuzz_coverage_on(void);

#endif
