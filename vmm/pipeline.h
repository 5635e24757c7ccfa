/* The one pipeline: run a scenario end to end.
 *
 * validate (before any allocation) -> check the host can run the modes ->
 * create VM -> add slots -> load blobs -> write the VMM's tables -> create
 * vCPUs -> set state -> run under the limits, servicing exits through the
 * validated exit record -> collect final state -> tear everything down.
 *
 * `vmm run`, `vmm replay`, the fuzz targets and the tests all call
 * vmm_pipeline_run(); what the fuzzer ran is exactly what replay runs.
 */
#ifndef VMM_PIPELINE_H
#define VMM_PIPELINE_H

#include <stdint.h>

#include "vmm/cpu_state.h"
#include "vmm/devices.h"
#include "vmm/exit.h"
#include "vmm/kvm.h"
#include "vmm/scenario.h"
#include "vmm/vm.h"

struct vmm_vcpu;
struct vmm_deadline;

#define VMM_TRACE_KEEP 32

enum vmm_verdict {
	VMM_V_HALT = 0, /* every vCPU executed HLT */
	VMM_V_POWEROFF, /* guest asked to power off (system event) */
	VMM_V_RESET,	/* guest asked for a system reset (system event) */
	VMM_V_GUEST,	/* guest failed: shutdown, fail entry, unhandled... */
	VMM_V_TIMEOUT,
	VMM_V_BUDGET,
	VMM_V_INPUT,	/* the scenario is invalid */
	VMM_V_HOST,	/* the host cannot run it */
	VMM_V_SYS,	/* a system call failed unexpectedly */
	VMM_V_CONTRACT, /* kernel contract violation */
	VMM_V_SPIN,	/* a vCPU provably loops forever without an exit */
	VMM_V_COUNT
};

const char *vmm_verdict_name(enum vmm_verdict v);
/* halt, poweroff, reset or spin: the guest ended the run itself, or can
 * provably never change it again. */
int vmm_verdict_clean(enum vmm_verdict v);

struct vmm_result {
	enum vmm_verdict verdict;
	struct vmm_error err; /* why, when the verdict is not a clean stop */
	uint64_t exits;	      /* exits serviced */
	uint64_t trace_hash;  /* FNV-1a over every exit record, in order */
	/* The exit trace's tail: record k of the run is recent[k % KEEP] for
	 * the last min(exits, KEEP) records (the whole trace goes through
	 * hooks->on_exit as it happens). */
	struct vmm_exit recent[VMM_TRACE_KEEP];
	int have_last_exit;
	struct vmm_exit last_exit;
	uint32_t last_vcpu;
	int have_state;		    /* final state of vCPU 0 */
	struct vmm_cpu_state state; /* vmm/<arch>/cpu_state.h */
	uint64_t sys_gpa,
		sys_size; /* where the VMM's tables went (0 size: none) */
	uint64_t output_bytes;
	uint64_t mem_hash; /* with hooks->hash_memory: all slots' contents */
	uint32_t msrs_refused; /* x86 MSR records KVM_SET_MSRS refused */
	/* x86 irq records sent, and MSIs a LAPIC took (KVM_SIGNAL_MSI > 0) */
	uint32_t irqs_sent, msi_delivered;
	/* x86 action records fired, and those KVM or the VMM refused with a
	 * documented error (traced, not a finding) */
	uint32_t actions_fired, actions_refused;
};

/* One action record fired (x86 action records, hooks->on_action). */
struct vmm_action_event {
	uint64_t vcpu_exit; /* the vCPU's exit it fired at (1-based) */
	uint64_t value;	    /* dirty_get: the dirty pages; msi: LAPICs */
	const char *call;   /* the call that refused it, or NULL */
	uint32_t index;	    /* the record's number in the list */
	uint32_t vcpu;
	int err;      /* 0 done, an errno KVM refused it with, -1 the VMM did */
	uint8_t kind; /* enum vmm_action_kind */
};

struct vmm_hooks {
	struct vmm_output out; /* guest console bytes */
	/* Called once after setup (VM, slots, vCPUs, run timer), right before
	 * the first guest entry; a non-zero return aborts the run with *e
	 * (e.g. vmm_sandbox_enter). */
	int (*before_run)(void *ctx, struct vmm_error *e);
	int skip_state;	 /* do not read the final registers (saves 2 ioctls) */
	int hash_memory; /* fill result.mem_hash (equivalence tests) */
	/* Called for every exit right before the VMM services it (the
	 * record as KVM gave it: a write's data, no reply yet). */
	void (*on_service)(void *ctx, uint32_t vcpu, const struct vmm_exit *x);
	/* Called for every exit, once it is serviced (a read's reply, an
	 * RDMSR's value or a hypercall's ret are in the record). */
	void (*on_exit)(void *ctx, uint32_t vcpu, const struct vmm_exit *x);
	/* Called for every action record fired, after it took effect. */
	void (*on_action)(void *ctx, const struct vmm_action_event *ev);
	/* Called with 1 before and 0 after work whose path depends on
	 * anything but this input, which fuzz targets keep out of the
	 * input's coverage: in reset mode, what earlier inputs left behind
	 * (vmm_session_prepare: their slots, the pages they dirtied, their
	 * last exit; loading a vCPU's state through KVM_SET_SREGS, or with
	 * the next KVM_RUN when these sregs were accepted before; finding or
	 * making the session, vmm_session_pool_get); in both modes, the
	 * clock (a spin check, done where a kick landed). */
	void (*untracked_work)(void *ctx, int begin);
	void *ctx;
	/* Armed for guest execution only (first KVM_RUN to last exit) with
	 * the scenario's timeout + VMM_HANG_GRACE_MS (vmm/watchdog.h). */
	struct vmm_watchdog *watchdog;
	/* The input runner (vmm/oracle.h): outcomes that count as findings
	 * (vmm_outcome_watched), or NULL. */
	const char *watch;
	/* The input runner: after the run, the differential oracle (a second,
	 * fresh run of an eligible input: vmm/diff.h). */
	int diff;
	/* Instead of the run loop: drive the set-up vCPUs itself (the
	 * differential oracle, vmm/diff.h: single-steps vCPU 0). Called where
	 * the run loop would be, with the run's deadline armed; 0, or -1 with
	 * *e (the run's verdict follows from it as for the run loop). */
	int (*drive)(void *drive_ctx, struct vmm_vm *vm, struct vmm_vcpu *vcpus,
		     struct vmm_deadline *deadline, struct vmm_error *e);
	void *drive_ctx;
	/* Concurrent mode (not 0: its random seed; opt-in, nondeterministic
	 * by nature): one thread per vCPU and one that fires the input's
	 * action records at random times while the vCPUs run, instead of
	 * at their exits; no spin or halt checks; a fresh VM even in reset
	 * mode (docs/scenario-format.md "Concurrent mode"). */
	uint64_t concurrent_seed;
};

/* Run it. Returns the verdict (also in r->verdict). `hooks` may be NULL. */
enum vmm_verdict vmm_pipeline_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *hooks,
				  struct vmm_result *r);

struct vmm_session;
/* The same pipeline in reset mode: the session's VM, vCPUs and slots are
 * reused and brought back to the scenario's initial state (vmm/session.h)
 * instead of being created and destroyed. */
enum vmm_verdict vmm_pipeline_run_reset(struct vmm_session *ss,
					const struct vmm_scenario *s,
					const struct vmm_hooks *hooks,
					struct vmm_result *r);

/* What this host's KVM can run, one "name=ok" or "name=unsupported: why"
 * line per item (x86: a probe guest per CPU mode; arm64: the preferred
 * target and the vCPU features). Returns the length written. */
size_t vmm_arch_host_report(struct vmm_kvm *k, char *buf, size_t len);

/* h->untracked_work(h->ctx, begin), if h has one. */
void vmm_hooks_untracked(const struct vmm_hooks *h, int begin);

#endif
