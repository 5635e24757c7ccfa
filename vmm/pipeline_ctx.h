/* Internal to the pipeline: the state of one run, shared by vmm/pipeline.c
 * (the generic stages) and vmm/<arch>/setup.c (the architecture's stages).
 * Not part of the library's interface.
 *
 * Each architecture implements, with the same names:
 *  - vmm_arch_plan():  checks and placements that need no KVM (x86: where
 *    the GDT/page tables go); may reject the scenario;
 *  - vmm_arch_host_check(): can this host run the scenario's vCPUs (x86: a
 *    per-mode probe guest; arm64: the capabilities of the vCPU features);
 *  - vmm_arch_vcpu_setup(): put vCPU i in the scenario's initial state;
 *  - vmm_arch_settle_unentered(): reset mode, before vCPU 0's final state
 *    is read: what set-up gave it but never reached KVM (no KVM_RUN
 *    happened) is applied as a fresh VM would have it;
 *  - vmm_cpu_state_get() (vmm/<arch>/cpu_state.h): the final state.
 */
#ifndef VMM_PIPELINE_CTX_H
#define VMM_PIPELINE_CTX_H

#include "vmm/pipeline.h"
#include "vmm/vcpu.h"

struct run_ctx {
	struct vmm_kvm *k;
	const struct vmm_scenario *s;
	const struct vmm_hooks *h;
	struct vmm_result *r;
	struct vmm_session *ss; /* reset mode, or NULL (fresh) */
	struct vmm_vm *vm;	/* ss->vm or own_vm */
	struct vmm_vcpu *vcpus; /* ss->vcpus or own_vcpus */
	struct vmm_vm own_vm;
	int vm_live; /* own_vm exists */
	struct vmm_vcpu own_vcpus[VMM_MAX_VCPUS];
	uint32_t nvcpus_live; /* vCPUs usable for the final state */
	uint32_t last_reason[VMM_MAX_VCPUS];
	int prepared;		  /* the session was touched by this run */
	uint32_t nsetup;	  /* vCPUs fully set up */
	int state_rejected;	  /* a vCPU state ioctl said EINVAL: KVM checks
			     * before it changes anything, the vCPU is intact */
	struct vmm_arch_run arch; /* the architecture's per-run state */
	struct vmm_devices dev;
	struct vmm_deadline own_deadline;
	struct vmm_deadline *deadline; /* ss->deadline or own_deadline */
	uint32_t kick_us; /* spin detection: the next check this far on */
	/* action records: each vCPU's exits so far, the records fired (a
	 * reason trigger fires once), a pending immediate_exit per vCPU */
	uint64_t vexits[VMM_MAX_VCPUS];
	uint8_t act_fired[VMM_MAX_SCN_ACTIONS];
	/* slot actions fired so far, and per vCPU their count when its
	 * current instruction began: an entry that completes an MMIO or
	 * port access goes on with the same instruction, whose next
	 * fragment KVM sends as MMIO whatever slot now backs it */
	uint64_t layout_gen;
	uint64_t gen_at[VMM_MAX_VCPUS];
	uint8_t imm_exit[VMM_MAX_VCPUS];
};

int vmm_arch_plan(struct run_ctx *c, struct vmm_error *e);
int vmm_arch_host_check(struct run_ctx *c, struct vmm_error *e);
int vmm_arch_vcpu_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e);
void vmm_arch_settle_unentered(struct run_ctx *c);
/* Spin detection, after a kick interrupted vCPU i (vmm/x86/spin.c): 1 the
 * vCPU can never leave the loop it is in (it is left in the loop's
 * canonical state), 0 not shown (run on), 2 a real exit happened while
 * checking (in *x, to be serviced), -1 (*e). */
int vmm_arch_spin_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e);
/* An in-kernel LAPIC (x86 irqchip record), at a kick of vCPU i
 * (vmm/x86/irq.c): 0 nothing to say (the spin check may run), 2 an exit
 * in *x: the vCPU is halted and no interrupt can wake it (seen so twice,
 * a KVM_RUN of VMM_HALT_RECHECK_US between: a KVM_EXIT_HLT flagged
 * hlt_in_kernel), or it woke and exited in between (a real exit), 3 an
 * interrupt may come (no spin check: run on), -1 (*e). Architectures
 * without one: 0. */
int vmm_arch_halt_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e);
/* Once every vCPU is set up, before the first KVM_RUN: the scenario's
 * interrupts (x86 irq records). */
int vmm_arch_irqs_send(struct run_ctx *c, struct vmm_error *e);
/* One action record, fired after an exit of its vCPU was serviced
 * (vmm/x86/action.c): 0 done or refused with a documented error (in
 * ev->err, ev->call; *e clear), -1 (*e: an anomaly, no memory...). */
int vmm_arch_action(struct run_ctx *c, const struct vmm_action_spec *a,
		    struct vmm_action_event *ev, struct vmm_error *e);
/* Right before a before_run hook (which may enter the sandbox): what the
 * run-time checks need that the sandbox would forbid (x86: the MSR list). */
int vmm_arch_before_hook(struct run_ctx *c, struct vmm_error *e);
/* hooks->untracked_work(ctx, begin), if there is one (vmm/pipeline.h). */
void vmm_run_untracked(struct run_ctx *c, int begin);
/* Guest pages written since the last call in this run (the first call
 * counts from the run's start in reset mode, from nothing in fresh mode). */
int vmm_run_dirty_poll(struct run_ctx *c, uint64_t *pages, struct vmm_error *e);

/* The pipeline without the host check (the x86 mode probes run through
 * it). */
enum vmm_verdict vmm_pipeline_run_unchecked(struct vmm_kvm *k,
					    const struct vmm_scenario *s,
					    struct vmm_result *r);

#endif
