/* Standalone C reproducers: a scenario as one C program that does, with
 * raw KVM ioctls and nothing from this project, what the pipeline does for
 * it in fresh mode (vmm_pipeline_run), and prints
 *
 *     repro: verdict=V exits=N trace_hash=0xH
 *
 * with the values `vmm replay FILE --mode fresh` prints, plus the finding
 * class (and a non-zero exit) when the run is one.
 *
 * What the VMM computes itself (x86: the GDT and page tables it writes into
 * guest memory, the sregs of each CPU mode preset) is computed here, at
 * export time, by the pipeline's own set-up code, and written into the
 * program as data. The program's fixed part (devices, exit checks, run
 * loop) is vmm/export_c.tmpl. */
#ifndef VMM_EXPORT_C_H
#define VMM_EXPORT_C_H

#include <stdio.h>

#include "vmm/diff.h"
#include "vmm/err.h"
#include "vmm/scenario.h"

struct vmm_kvm;

/* The host side of a differential comparison (vmm/diff.h) for the
 * reproducer's `--diff` option: what the oracle stepped at export time.
 * The reproducer repeats the comparison with its own fork and ptrace. */
#define VMM_EXPORT_DIFF_STEPS (VMM_DIFF_DEFAULT_STEPS + 1U)
struct vmm_export_diff {
	int comparable; /* 0: the KVM side only, `why` says why */
	char why[256];
	struct vmm_diff_step steps[VMM_EXPORT_DIFF_STEPS];
	uint32_t nsteps;
	uint64_t sys_lo, sys_hi; /* the VMM's pages, not compared */
	int m32; /* 32-bit protected mode: the child in compatibility mode */
	char stop[128];	  /* how the oracle's comparison ended */
	char expect[192]; /* its verdict: "agree", "diverge: rsp ..." */
};

/* Run the oracle on `s` (a fresh VM, vmm_diff_run) and record what the
 * reproducer needs in *x. Never fails: an input the oracle cannot compare
 * (or a build or host without it) gets x->comparable = 0 and the reason. */
void vmm_export_diff_prepare(struct vmm_kvm *k, const struct vmm_scenario *s,
			     struct vmm_export_diff *x);

/* vmm_export_c() with the host side: `diff` from vmm_export_diff_prepare
 * (NULL: none; the program's --diff then says it was not exported). */
int vmm_export_c_diff(const struct vmm_scenario *s, const char *source,
		      const struct vmm_export_diff *diff, FILE *out,
		      struct vmm_error *e);

/* Write the program for `s` to `out`; `source` (may be NULL) names the
 * input in the program's comments. x86_64 scenarios can be exported on an
 * x86_64 host only (the set-up code runs at export time); arm64 ones on
 * any host. 0, or -1 with VMM_ERR_HOST (wrong host), VMM_ERR_NOMEM or
 * VMM_ERR_SYS (a write to `out` failed) in *e. */
int vmm_export_c(const struct vmm_scenario *s, const char *source, FILE *out,
		 struct vmm_error *e);

#endif
