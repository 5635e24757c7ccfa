/* What an outcome means, in one place: error class -> verdict -> `vmm`
 * exit code, and finding -> `vmm replay` exit code. Every name table is
 * here, indexed by its enum and checked complete at compile time, so a new
 * class, verdict or finding is one row (and a build error until it has
 * one). README's exit-code table documents the same rows.
 */
#ifndef VMM_OUTCOME_H
#define VMM_OUTCOME_H

#include "vmm/err.h"
#include "vmm/oracle.h"
#include "vmm/pipeline.h"

/* `vmm run` / `caps` / `decode` / `encode` exit codes */
enum vmm_rc {
	VMM_RC_OK = 0,	     /* the guest halted (or powered off) */
	VMM_RC_GUEST = 1,    /* the guest failed, timeout, exit budget */
	VMM_RC_USAGE = 2,    /* usage or input error */
	VMM_RC_HOST = 3,     /* the host cannot do it */
	VMM_RC_CONTRACT = 4, /* kernel contract violation (a finding) */
};

struct vmm_err_class_info {
	const char *name;	     /* "kernel-contract" */
	enum vmm_verdict before_run; /* the verdict of a failure in set-up */
	enum vmm_verdict in_run;     /* ... once the guest ran */
	const char *cli_head;	     /* "vmm: <head>: <message>" */
};

struct vmm_verdict_info {
	const char *name; /* "guest-failure" */
	int clean;	  /* the guest ended the run itself */
	enum vmm_rc rc;	  /* `vmm run`'s exit code */
};

struct vmm_finding_info {
	const char *name; /* "ioctl-anomaly" */
	int replay_rc;	  /* `vmm replay`'s exit code */
};

const struct vmm_err_class_info *vmm_err_class_info(enum vmm_err_class c);
const struct vmm_verdict_info *vmm_verdict_info(enum vmm_verdict v);
const struct vmm_finding_info *vmm_finding_info(enum vmm_finding f);

/* The verdict a run that failed with class `c` gets. */
enum vmm_verdict vmm_verdict_of(enum vmm_err_class c, int in_run);

#endif
