#include "vmm/outcome.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct vmm_err_class_info classes[] = {
	[VMM_ERR_NONE] = { "none", VMM_V_HALT, VMM_V_HALT, "error" },
	[VMM_ERR_INPUT] = { "input", VMM_V_INPUT, VMM_V_INPUT, "error" },
	[VMM_ERR_HOST] = { "host", VMM_V_HOST, VMM_V_HOST,
			   "host cannot run this" },
	/* a failed call once the guest ran is the guest's doing (e.g.
	 * KVM_RUN refusing a state it reached) */
	[VMM_ERR_SYS] = { "syscall", VMM_V_SYS, VMM_V_GUEST, "error" },
	[VMM_ERR_CONTRACT] = { "kernel-contract", VMM_V_CONTRACT,
			       VMM_V_CONTRACT, "FINDING" },
	[VMM_ERR_GUEST] = { "guest", VMM_V_GUEST, VMM_V_GUEST, "guest failed" },
	[VMM_ERR_TIMEOUT] = { "timeout", VMM_V_TIMEOUT, VMM_V_TIMEOUT,
			      "guest failed" },
	[VMM_ERR_BUDGET] = { "exit-budget", VMM_V_BUDGET, VMM_V_BUDGET,
			     "guest failed" },
	[VMM_ERR_NOMEM] = { "nomem", VMM_V_SYS, VMM_V_SYS, "error" },
};
_Static_assert(N(classes) == VMM_ERR_COUNT, "a class without its row");

static const struct vmm_verdict_info verdicts[] = {
	[VMM_V_HALT] = { "halt", 1, VMM_RC_OK },
	[VMM_V_POWEROFF] = { "poweroff", 1, VMM_RC_OK },
	[VMM_V_RESET] = { "reset", 1, VMM_RC_OK },
	[VMM_V_GUEST] = { "guest-failure", 0, VMM_RC_GUEST },
	[VMM_V_TIMEOUT] = { "timeout", 0, VMM_RC_GUEST },
	[VMM_V_BUDGET] = { "exit-budget", 0, VMM_RC_GUEST },
	[VMM_V_INPUT] = { "input-error", 0, VMM_RC_USAGE },
	[VMM_V_HOST] = { "host-unsupported", 0, VMM_RC_HOST },
	[VMM_V_SYS] = { "syscall-error", 0, VMM_RC_HOST },
	[VMM_V_CONTRACT] = { "kernel-contract-violation", 0, VMM_RC_CONTRACT },
	/* provably loops forever without an exit: ended early, clean */
	[VMM_V_SPIN] = { "spin", 1, VMM_RC_OK },
};
_Static_assert(N(verdicts) == VMM_V_COUNT, "a verdict without its row");

/* replay exit codes are fixed numbers, not an enum's order */
static const struct vmm_finding_info findings[] = {
	[VMM_FIND_NONE] = { "none", 0 },
	[VMM_FIND_KERNEL_CONTRACT] = { "kernel-contract", 11 },
	[VMM_FIND_IOCTL_ANOMALY] = { "ioctl-anomaly", 12 },
	[VMM_FIND_VCPU_HANG] = { "vcpu-hang", 13 },
	[VMM_FIND_HOST_KERNEL_LOG] = { "host-kernel-log", 14 },
	[VMM_FIND_WATCHED] = { "watched-outcome", 15 },
	[VMM_FIND_EMULATOR_DIVERGENCE] = { "emulator-divergence", 16 },
};
_Static_assert(N(findings) == VMM_FIND_COUNT, "a finding without its row");

static const struct vmm_err_class_info unknown_class = { "unknown", VMM_V_SYS,
							 VMM_V_SYS, "error" };
static const struct vmm_verdict_info unknown_verdict = { "?", 0, VMM_RC_HOST };
static const struct vmm_finding_info unknown_finding = { "?", 1 };

const struct vmm_err_class_info *vmm_err_class_info(enum vmm_err_class c)
{
	return (unsigned int)c < N(classes) && classes[c].name ? &classes[c]
							       : &unknown_class;
}

const struct vmm_verdict_info *vmm_verdict_info(enum vmm_verdict v)
{
	return (unsigned int)v < N(verdicts) && verdicts[v].name
		       ? &verdicts[v]
		       : &unknown_verdict;
}

const struct vmm_finding_info *vmm_finding_info(enum vmm_finding f)
{
	return (unsigned int)f < N(findings) && findings[f].name
		       ? &findings[f]
		       : &unknown_finding;
}

enum vmm_verdict vmm_verdict_of(enum vmm_err_class c, int in_run)
{
	const struct vmm_err_class_info *i = vmm_err_class_info(c);

	return in_run ? i->in_run : i->before_run;
}
