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

#include "vmm/err.h"
#include "vmm/scenario.h"

/* Write the program for `s` to `out`; `source` (may be NULL) names the
 * input in the program's comments. x86_64 scenarios can be exported on an
 * x86_64 host only (the set-up code runs at export time); arm64 ones on
 * any host. 0, or -1 with VMM_ERR_HOST (wrong host), VMM_ERR_NOMEM or
 * VMM_ERR_SYS (a write to `out` failed) in *e. */
int vmm_export_c(const struct vmm_scenario *s, const char *source, FILE *out,
		 struct vmm_error *e);

#endif
