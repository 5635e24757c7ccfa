/* What counts as a finding, decided in one place for the fuzz targets and
 * `vmm replay` alike.
 *
 *   kernel-contract  a kvm_run field or an ioctl return value outside its
 *                    documented bounds (the exit validator, the ioctl seam)
 *   ioctl-anomaly    an ioctl failed with an errno the documentation does not
 *                    allow for that call in that state (EINVAL from
 *                    KVM_SET_SREGS for a bad register combination is an
 *                    expected rejection, not a finding; EIO from KVM_RUN -
 *                    the VM was killed by KVM - is a finding)
 *   vcpu-hang        a vCPU did not come back within the hard timeout
 *                    (scenario timeout + grace), seen by the watchdog
 *   host-kernel-log  new WARNING/BUG/general protection lines in /dev/kmsg
 *                    during the run (optional)
 *   watched-outcome  a run whose outcome the user asked to treat as a
 *                    finding (vmm_hooks.watch, VMM_FUZZ_WATCH, `vmm
 *                    replay --watch`): hunting one behaviour, or a
 *                    stand-in for a real bug when measuring whether
 *                    findings replay
 *   emulator-divergence  the differential oracle (vmm/diff.h, with
 *                    vmm_hooks.diff: VMM_FUZZ_ORACLE=diff, `vmm replay
 *                    --diff`) saw KVM and the host CPU compute different
 *                    results for the same guest instructions
 * Sanitizer reports are findings too; the sanitizer runtime reports them.
 */
#ifndef VMM_ORACLE_H
#define VMM_ORACLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/diff.h"
#include "vmm/kmsg.h"
#include "vmm/pipeline.h"
#include "vmm/watchdog.h"

enum vmm_finding {
	VMM_FIND_NONE = 0,
	VMM_FIND_KERNEL_CONTRACT,
	VMM_FIND_IOCTL_ANOMALY,
	VMM_FIND_VCPU_HANG,
	VMM_FIND_HOST_KERNEL_LOG,
	VMM_FIND_WATCHED,
	VMM_FIND_EMULATOR_DIVERGENCE,
	VMM_FIND_COUNT
};

#define VMM_SIG_MAX 256

const char *vmm_finding_name(enum vmm_finding f);

/* Is the failure's errno one the KVM API allows that call (ioctls by
 * request number) to fail with for inputs a scenario can produce? */
int vmm_errno_expected(const struct vmm_error *e);
/* The same for a call an action record made (x86 action records): its
 * documented refusals are the action's result, not a finding. */
int vmm_action_errno_expected(const struct vmm_error *e);

/* The outcome of a run in words, as watch patterns see it:
 * "<verdict> <last exit reason> vcpu<N>" ("guest-failure
 * KVM_EXIT_SHUTDOWN vcpu1"), or just the verdict if no exit happened. */
void vmm_outcome_describe(const struct vmm_result *r, char *buf, size_t len);
/* Does the outcome match `watch`: comma-separated patterns, each matching
 * when it occurs in the description ("KVM_EXIT_SHUTDOWN vcpu1,timeout")?
 * An empty pattern matches nothing. */
int vmm_outcome_watched(const char *desc, const char *watch);

/* Classify a finished run; writes a stable one-line signature (class and
 * location, no run-specific values) for grouping. */
enum vmm_finding vmm_oracle_classify(const struct vmm_result *r, char *sig,
				     size_t len);

/* ---- one input, end to end ---------------------------------------------- */
struct vmm_input_outcome {
	int decoded; /* 0: the bytes are not a scenario */
	struct vmm_error decode_err;
	struct vmm_scenario scenario;
	struct vmm_result result;
	enum vmm_finding finding;
	char sig[VMM_SIG_MAX];
	/* with vmm_hooks.diff and no other finding: the differential
	 * oracle's result (status INELIGIBLE with why when it could not
	 * compare the input) */
	int diff_ran;
	struct vmm_diff_result diff;
};

/* Decode `buf` and, if it is a scenario, run it through vmm_pipeline_run()
 * and classify the outcome. `km` (optional) adds the kernel-log oracle; `wd`
 * (optional) is armed for the run. This is exactly what the fuzz targets
 * and `vmm replay` run. */
void vmm_run_input(struct vmm_kvm *k, const uint8_t *buf, size_t len,
		   const struct vmm_hooks *hooks, struct vmm_kmsg *km,
		   struct vmm_watchdog *wd, struct vmm_input_outcome *o);

/* The same in reset mode when `ss` is non-NULL (vmm/session.h). */
struct vmm_session;
void vmm_run_input_session(struct vmm_kvm *k, struct vmm_session *ss,
			   const uint8_t *buf, size_t len,
			   const struct vmm_hooks *hooks, struct vmm_kmsg *km,
			   struct vmm_watchdog *wd,
			   struct vmm_input_outcome *o);

/* Reset mode on the pool's session for the input's vCPU count (a fresh VM
 * if that session cannot be made: out of memory). */
struct vmm_session_pool;
void vmm_run_input_pool(struct vmm_kvm *k, struct vmm_session_pool *pool,
			const uint8_t *buf, size_t len,
			const struct vmm_hooks *hooks, struct vmm_kmsg *km,
			struct vmm_watchdog *wd, struct vmm_input_outcome *o);

#endif
