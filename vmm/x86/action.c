/* x86 action records: one change made between two guest entries
 * (docs/scenario-format.md "action"). Each goes through the VMM's
 * wrappers (vmm/vm.c for slots, VCPU_IOCTL / VMM_IOCTL for the rest); a
 * refusal with an errno the API documents for that call
 * (vmm_action_errno_expected) or a VMM-side refusal (a slot the VM does
 * not have, an overlap) is the action's result, traced, and the run goes
 * on; any other failure ends the run with the error (an ioctl-anomaly
 * finding, vmm/oracle.c). */
#include <errno.h>
#include <string.h>

#include "vmm/kvm_compat.h"
#include "vmm/arch.h"
#include "vmm/oracle.h"
#include "vmm/pipeline_ctx.h"
#include "vmm/session.h"
#include "vmm/x86/regs.h"
#include "vmm/x86/vcpu_state.h"

static int slot_action(struct run_ctx *c, const struct vmm_action_spec *a,
		       struct vmm_action_event *ev, struct vmm_error *e)
{
	switch (a->kind) {
	case VMM_AK_SLOT_ADD:
		return vmm_vm_add_slot(c->vm, a->idx, a->a, a->b, 0, e);
	case VMM_AK_SLOT_DELETE:
		return vmm_vm_remove_slot(c->vm, a->idx, e);
	case VMM_AK_SLOT_MOVE:
		return vmm_vm_move_slot(c->vm, a->idx, a->a, e);
	case VMM_AK_SLOT_RESIZE:
		return vmm_vm_resize_slot(c->vm, a->idx, a->b, e);
	case VMM_AK_SLOT_FLAGS:
		return vmm_vm_set_slot_flags(c->vm, a->idx, (uint32_t)a->a, e);
	case VMM_AK_DIRTY_GET:
		return vmm_vm_get_dirty_log(c->vm, a->idx, &ev->value, e);
	default: /* VMM_AK_DIRTY_CLEAR */
		return vmm_vm_clear_dirty_log(c->vm, a->idx, a->a,
					      (uint32_t)a->b, e);
	}
}

static int irq_action(struct run_ctx *c, const struct vmm_action_spec *a,
		      struct vmm_action_event *ev, struct vmm_error *e)
{
	const struct vmm_sysops *ops = c->k->ops;

	if (a->kind == VMM_AK_IRQ_LINE) {
		struct kvm_irq_level lv;

		memset(&lv, 0, sizeof(lv));
		lv.irq = a->idx;
		lv.level = (uint32_t)a->a;
		return VMM_IOCTL(ops, c->vm->fd, KVM_IRQ_LINE, &lv, e) < 0 ? -1
									   : 0;
	} else {
		struct kvm_msi msi;
		int rc;

		memset(&msi, 0, sizeof(msi));
		msi.address_lo = (uint32_t)a->a;
		msi.address_hi = (uint32_t)(a->a >> 32);
		msi.data = (uint32_t)a->b;
		rc = VMM_IOCTL(ops, c->vm->fd, KVM_SIGNAL_MSI, &msi, e);
		if (rc < 0)
			return -1;
		ev->value = (uint64_t)rc; /* LAPICs that took it */
		return 0;
	}
}

static int reg_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
		      struct vmm_error *e)
{
	struct kvm_regs r;

	if (vmm_vcpu_get_regs(v, &r, e) < 0)
		return -1;
	vmm_x86_reg_set(&r, a->idx, a->a);
	return vmm_vcpu_set_regs(v, &r, e);
}

static int sreg_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
		       struct vmm_error *e)
{
	struct kvm_sregs sr;
	__u64 *fields[VMM_SREG_COUNT] = {
		&sr.cr0, &sr.cr2,      &sr.cr3,	      &sr.cr4,
		&sr.cr8, &sr.efer,     &sr.apic_base, &sr.gdt.base,
		NULL,	 &sr.idt.base, NULL,
	};

	if (vmm_vcpu_get_sregs(v, &sr, e) < 0)
		return -1;
	if (a->idx == VMM_SREG_GDT_LIMIT)
		sr.gdt.limit = (uint16_t)a->a;
	else if (a->idx == VMM_SREG_IDT_LIMIT)
		sr.idt.limit = (uint16_t)a->a;
	else
		*fields[a->idx] = a->a;
	return vmm_vcpu_set_sregs(v, &sr, e);
}

/* The record's parts over the vCPU's events, with only the flags for
 * what it sets (the rest stays as KVM has it). */
static int events_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
			 struct vmm_error *e)
{
	struct kvm_vcpu_events ev;

	if (VCPU_IOCTL(v, KVM_GET_VCPU_EVENTS, &ev, e) < 0)
		return -1;
	ev.flags = 0;
	if (a->idx & VMM_EV_EXC) {
		ev.exception.injected = 1;
		ev.exception.pending = 0;
		ev.exception.nr = (uint8_t)a->a;
		ev.exception.has_error_code = (a->idx & VMM_EV_ERRCODE) != 0;
		ev.exception.error_code = (uint32_t)a->b;
	}
	if (a->idx & VMM_EV_NMI_PENDING) {
		ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
		ev.nmi.pending = 1;
	}
	if (a->idx & VMM_EV_NMI_MASKED)
		ev.nmi.masked = 1;
	if (a->idx & VMM_EV_IRQ) {
		ev.interrupt.injected = 1;
		ev.interrupt.nr = (uint8_t)(a->a >> 8);
		ev.interrupt.soft = 0;
	}
	return VCPU_IOCTL(v, KVM_SET_VCPU_EVENTS, &ev, e);
}

static int dreg_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
		       struct vmm_error *e)
{
	struct kvm_debugregs d;

	if (VCPU_IOCTL(v, KVM_GET_DEBUGREGS, &d, e) < 0)
		return -1;
	if (a->idx < 4)
		d.db[a->idx] = a->a;
	else if (a->idx == 4)
		d.dr6 = a->a;
	else
		d.dr7 = a->a;
	d.flags = 0;
	return VCPU_IOCTL(v, KVM_SET_DEBUGREGS, &d, e);
}

static int gdbg_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
		       struct vmm_error *e)
{
	struct kvm_guest_debug g;

	memset(&g, 0, sizeof(g));
	g.control = (uint32_t)a->a;
	g.arch.debugreg[a->idx] = a->b;
	return VCPU_IOCTL(v, KVM_SET_GUEST_DEBUG, &g, e);
}

static int lapic_action(struct vmm_vcpu *v, const struct vmm_action_spec *a,
			struct vmm_error *e)
{
	struct kvm_lapic_state la;
	uint32_t val = (uint32_t)a->a;

	if (VCPU_IOCTL(v, KVM_GET_LAPIC, &la, e) < 0)
		return -1;
	memcpy(&la.regs[a->idx], &val, sizeof(val));
	return VCPU_IOCTL(v, KVM_SET_LAPIC, &la, e);
}

static int vcpu_action(struct run_ctx *c, const struct vmm_action_spec *a,
		       struct vmm_error *e)
{
	struct vmm_vcpu *v = &c->vcpus[a->target];

	switch (a->kind) {
	case VMM_AK_NMI:
		return VMM_IOCTL_VAL(v->vm->kvm->ops, v->fd, KVM_NMI, 0, e) < 0
			       ? -1
			       : 0;
	case VMM_AK_SMI:
		return VMM_IOCTL_VAL(v->vm->kvm->ops, v->fd, KVM_SMI, 0, e) < 0
			       ? -1
			       : 0;
	case VMM_AK_INTERRUPT: {
		struct kvm_interrupt irq = { .irq = a->idx };

		return VCPU_IOCTL(v, KVM_INTERRUPT, &irq, e);
	}
	case VMM_AK_REG:
		return reg_action(v, a, e);
	case VMM_AK_SREG:
		return sreg_action(v, a, e);
	case VMM_AK_EVENTS:
		return events_action(v, a, e);
	case VMM_AK_DEBUGREG:
		return dreg_action(v, a, e);
	case VMM_AK_GUEST_DEBUG:
		return gdbg_action(v, a, e);
	case VMM_AK_LAPIC:
		return lapic_action(v, a, e);
	default: /* VMM_AK_IMMEDIATE_EXIT: at its next entry */
		c->imm_exit[a->target] = 1;
		return 0;
	}
}

/* Reset mode: vCPU i's set-up state may still wait in kvm_run for its
 * first KVM_RUN (KVM_CAP_SYNC_REGS), where it would land over an action's
 * change. Before an action on it, it goes in by ioctl, as a fresh VM's
 * set-up put it: sregs, the creation events, registers. */
static int land_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	struct vmm_vcpu *v = &c->vcpus[i];

	if (!vmm_vcpu_sync_pending(v))
		return 0;
	vmm_session_note_state_set(c->ss, i);
	if ((c->arch.sregs_synced[i] &&
	     vmm_vcpu_set_sregs(v, &c->arch.set_sregs[i], e) < 0) ||
	    vmm_vcpu_set_events(v, &c->ss->init[i].events, e) < 0 ||
	    vmm_vcpu_set_regs(v, &c->arch.set_regs[i], e) < 0)
		return -1;
	c->arch.sregs_synced[i] = 0;
	vmm_vcpu_sync_clear(v);
	return 0;
}

/* Reset mode: what the session must undo after this action. A slot
 * action's slot is dropped and made again at the next prepare (whatever
 * the action did to it, even if KVM refused it); a vCPU action's target is
 * restored at the next prepare even if it never runs again (debug
 * registers); registers, sregs and events (pending NMI and interrupt
 * included) are set on every run anyway. guest_debug: turned off at the
 * next prepare, unless the vCPU enters the guest again with it: then the
 * VM is not reused (a fresh VM for the next input, counted as a
 * fallback) - as with the guest_debug record: on this project's host a
 * vCPU that single-stepped through a port write keeps something of it
 * that KVM_SET_GUEST_DEBUG with control 0 does not clear (the next
 * input's first OUT on that vCPU made no exit: check_action_records, 3
 * exits instead of a fresh VM's 4). */
static int note_undo(struct run_ctx *c, const struct vmm_action_spec *a,
		     struct vmm_error *e)
{
	if (a->kind <= VMM_AK_DIRTY_CLEAR) {
		vmm_session_note_slot_action(c->ss, a->idx);
		return 0;
	}
	if (a->kind <= VMM_AK_MSI || a->kind == VMM_AK_IMMEDIATE_EXIT)
		return 0; /* VM-wide (a fresh VM with an irqchip), or none */
	if (land_setup(c, a->target, e) < 0) {
		vmm_err_prefix(e, "vCPU %u set-up before an action", a->target);
		return -1;
	}
	vmm_session_note_restore(c->ss, a->target);
	if (a->kind == VMM_AK_GUEST_DEBUG)
		vmm_session_note_guest_debug(c->ss, a->target);
	return 0;
}

int vmm_arch_action(struct run_ctx *c, const struct vmm_action_spec *a,
		    struct vmm_action_event *ev, struct vmm_error *e)
{
	int rc;

	if (a->target >= c->nvcpus_live) /* validated; defensive */
		return vmm_scenario_reject(e, "action target %u", a->target);
	if (c->ss && note_undo(c, a, e) < 0)
		return -1;
	if (a->kind <= VMM_AK_DIRTY_CLEAR)
		rc = slot_action(c, a, ev, e);
	else if (a->kind <= VMM_AK_MSI)
		rc = irq_action(c, a, ev, e);
	else
		rc = vcpu_action(c, a, e);
	if (rc == 0)
		return 0;
	if (e->cls == VMM_ERR_INPUT) { /* the VMM refused it */
		ev->err = -1;
		ev->call = e->call;
	} else if (e->cls == VMM_ERR_SYS && vmm_action_errno_expected(e)) {
		ev->err = e->err;
		ev->call = e->call;
	} else {
		vmm_err_prefix(e, "action %u (%s)", ev->index,
			       vmm_action_kind_name(a->kind));
		return -1;
	}
	vmm_err_clear(e);
	return 0;
}

/* What the host lacks for the scenario's actions, or NULL (host check:
 * host-unsupported before any VM exists). */
const char *vmm_x86_action_missing(const struct vmm_kvm *k,
				   const struct vmm_scenario *s)
{
	for (uint32_t q = 0; q < s->nactions; q++) {
		const struct vmm_action_spec *a = &s->actions[q];

		if (a->kind == VMM_AK_SMI && !vmm_kvm_cap(k, VMM_CAP_X86_SMM))
			return "KVM_CAP_X86_SMM (an action kind=smi)";
		if (a->kind == VMM_AK_SLOT_FLAGS &&
		    (a->a & VMM_SLOT_READONLY) &&
		    !vmm_kvm_cap(k, VMM_CAP_READONLY_MEM))
			return "KVM_CAP_READONLY_MEM (an action kind=slot_flags "
			       "readonly)";
		if (a->kind == VMM_AK_GUEST_DEBUG &&
		    !vmm_kvm_cap(k, VMM_CAP_SET_GUEST_DEBUG))
			return "KVM_CAP_SET_GUEST_DEBUG (an action "
			       "kind=guest_debug)";
		if (a->kind == VMM_AK_DEBUGREG &&
		    !vmm_kvm_cap(k, VMM_CAP_DEBUGREGS))
			return "KVM_CAP_DEBUGREGS (an action kind=debugreg)";
	}
	return NULL;
}

size_t vmm_x86_action_caps(const struct vmm_kvm *k, char *buf, size_t len,
			   size_t off)
{
	return vmm_fmt_append(
		buf, len, off,
		"record action=ok (slots, dirty log, irq_line/msi/lapic with "
		"an irqchip, nmi, interrupt, reg, sreg, events, debugreg%s, "
		"immediate_exit; smi: %s; readonly flips: %s; reset mode: "
		"undone by the reset, the VM not reused after a vCPU ran "
		"with guest_debug, smi a fresh VM per input)\n",
		vmm_kvm_cap(k, VMM_CAP_SET_GUEST_DEBUG) ? ", guest_debug" : "",
		vmm_kvm_cap(k, VMM_CAP_X86_SMM)
			? "ok (KVM_SMI)"
			: "unsupported: no KVM_CAP_X86_SMM",
		vmm_kvm_cap(k, VMM_CAP_READONLY_MEM)
			? "ok"
			: "unsupported: no KVM_CAP_READONLY_MEM");
}
