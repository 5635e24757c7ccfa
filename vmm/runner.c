/* The input runner: bytes -> scenario -> pipeline -> classified outcome,
 * exactly what the fuzz targets and `vmm replay` run. */
#include "vmm/oracle.h"

#include <stdio.h>
#include <string.h>

#include "vmm/session.h"

void vmm_run_input(struct vmm_kvm *k, const uint8_t *buf, size_t len,
		   const struct vmm_hooks *hooks, struct vmm_kmsg *km,
		   struct vmm_watchdog *wd, struct vmm_input_outcome *o)
{
	vmm_run_input_session(k, NULL, buf, len, hooks, km, wd, o);
}

/* The differential oracle on a decoded input; a divergence is a finding
 * whose signature is the field and the instruction's mnemonic. */
static void run_diff(struct vmm_kvm *k, struct vmm_input_outcome *o)
{
	struct vmm_diff_result *d = &o->diff;

	o->diff_ran = 1;
	if (!vmm_diff_eligible(&o->scenario, d->why, sizeof(d->why))) {
		d->status = VMM_DIFF_INELIGIBLE;
		d->steps = 0;
		d->stop[0] = d->report[0] = '\0';
		return;
	}
	if (vmm_diff_run(k, &o->scenario, NULL, d) != VMM_DIFF_DIVERGE)
		return;
	o->finding = VMM_FIND_EMULATOR_DIVERGENCE;
	(void)snprintf(o->sig, sizeof(o->sig), "emulator-divergence %s %.*s",
		       vmm_diff_field_name(d->field),
		       (int)strcspn(d->insn, " "), d->insn);
}

static void run_input(struct vmm_kvm *k, struct vmm_session *ss,
		      struct vmm_session_pool *pool, const uint8_t *buf,
		      size_t len, const struct vmm_hooks *hooks,
		      struct vmm_kmsg *km, struct vmm_watchdog *wd,
		      struct vmm_input_outcome *o)
{
	char line[160];
	struct vmm_hooks h = { 0 };

	o->decoded = 0;
	o->finding = VMM_FIND_NONE;
	o->sig[0] = '\0';
	o->diff_ran = 0;
	vmm_err_clear(&o->decode_err);
	memset(&o->result, 0, sizeof(o->result));
	if (vmm_scenario_decode(buf, len, &o->scenario, &o->decode_err) < 0) {
		(void)snprintf(o->sig, sizeof(o->sig), "none undecodable");
		return;
	}
	o->decoded = 1;
	if (km)
		(void)vmm_kmsg_scan(km, NULL, 0); /* forget older lines */
	/* Finding or making the session (a VM is made the first time a
	 * shape of input comes along) is the pool's state, not this input's:
	 * untracked, as resetting it is (vmm/pipeline.h). */
	if (pool) {
		vmm_hooks_untracked(hooks, 1);
		ss = vmm_session_pool_get(pool, &o->scenario);
		vmm_hooks_untracked(hooks, 0);
	}
	/* the watchdog covers guest execution only: the pipeline arms it */
	if (hooks)
		h = *hooks;
	h.watchdog = wd;
	if (ss)
		(void)vmm_pipeline_run_reset(ss, &o->scenario, &h, &o->result);
	else
		(void)vmm_pipeline_run(k, &o->scenario, &h, &o->result);
	o->finding = vmm_oracle_classify(&o->result, o->sig, sizeof(o->sig));
	if (o->finding == VMM_FIND_NONE && km &&
	    vmm_kmsg_scan(km, line, sizeof(line)) > 0) {
		o->finding = VMM_FIND_HOST_KERNEL_LOG;
		(void)snprintf(o->sig, sizeof(o->sig), "host-kernel-log %.120s",
			       line);
	}
	if (o->finding == VMM_FIND_NONE && hooks && hooks->watch) {
		vmm_outcome_describe(&o->result, line, sizeof(line));
		if (vmm_outcome_watched(line, hooks->watch)) {
			o->finding = VMM_FIND_WATCHED;
			(void)snprintf(o->sig, sizeof(o->sig),
				       "watched-outcome %.140s", line);
		}
	}
	o->diff_ran = 0;
	if (o->finding == VMM_FIND_NONE && hooks && hooks->diff)
		run_diff(k, o);
}

void vmm_run_input_session(struct vmm_kvm *k, struct vmm_session *ss,
			   const uint8_t *buf, size_t len,
			   const struct vmm_hooks *hooks, struct vmm_kmsg *km,
			   struct vmm_watchdog *wd, struct vmm_input_outcome *o)
{
	run_input(k, ss, NULL, buf, len, hooks, km, wd, o);
}

void vmm_run_input_pool(struct vmm_kvm *k, struct vmm_session_pool *pool,
			const uint8_t *buf, size_t len,
			const struct vmm_hooks *hooks, struct vmm_kmsg *km,
			struct vmm_watchdog *wd, struct vmm_input_outcome *o)
{
	run_input(k, NULL, pool, buf, len, hooks, km, wd, o);
}
