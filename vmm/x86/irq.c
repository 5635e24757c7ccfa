/* x86 interrupt controllers as scenario input (irqchip, irq and lapic
 * records) and what an in-kernel LAPIC changes in the run.
 *
 *  - irqchip: KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2 (mode kernel) or
 *    KVM_ENABLE_CAP KVM_CAP_SPLIT_IRQCHIP (mode split: the LAPIC in KVM,
 *    IOAPIC and PIC in user space, where this VMM has none: an EOI KVM
 *    broadcasts, KVM_EXIT_IOAPIC_EOI, is traced and the guest goes on),
 *    after the slots and before any vCPU;
 *  - lapic: KVM_GET_LAPIC, the record's fields over the page,
 *    KVM_SET_LAPIC;
 *  - irq: KVM_IRQ_LINE or KVM_SIGNAL_MSI, in order, once every vCPU is
 *    set up (before the first KVM_RUN);
 *  - HLT no longer exits: vmm_arch_halt_check, at the run's kicks. */
#include <errno.h>
#include <string.h>

#include "vmm/kvm_compat.h"
#include "vmm/pipeline_ctx.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/vcpu_state.h"

#define EFLAGS_IF 0x200ULL
#define APIC_SPIV 0xF0U
#define APIC_SPIV_ENABLE 0x100U
#define APIC_LVTT 0x320U
#define APIC_LVT_MASKED 0x10000U
#define APIC_LVTT_MODE(v) (((v) >> 17) & 3U)
#define APIC_TMICT 0x380U
#define APIC_TMCCT 0x390U
#define APIC_IRR 0x200U
#define PIT_NO_MODE 0xFFU
#define IOAPIC_MASKED (1ULL << 16)

int vmm_arch_vm_irqchip(struct vmm_vm *vm, const struct vmm_scenario *s,
			struct vmm_error *e)
{
	const struct vmm_sysops *ops = vm->kvm->ops;

	if (!s->has_irqchip)
		return 0;
	if (s->irqchip_mode == VMM_IRQCHIP_SPLIT) {
		struct kvm_enable_cap cap;

		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_SPLIT_IRQCHIP;
		cap.args[0] = s->irqchip_routes;
		return VMM_IOCTL(ops, vm->fd, KVM_ENABLE_CAP, &cap, e) < 0 ? -1
									   : 1;
	} else {
		struct kvm_pit_config pit;

		/* the PIC, IOAPIC and PIT sit on KVM's I/O buses: taking
		 * them off at close waits for grace periods (vmm/closer.h) */
		vm->close_waits = 1;
		if (VMM_IOCTL_VAL(ops, vm->fd, KVM_CREATE_IRQCHIP, 0, e) < 0)
			return -1;
		memset(&pit, 0, sizeof(pit));
		pit.flags = s->pit_flags;
		return VMM_IOCTL(ops, vm->fd, KVM_CREATE_PIT2, &pit, e) < 0 ? -1
									    : 1;
	}
}

/* What the host lacks for the scenario's irqchip and irq records, or
 * NULL (vmm_arch_host_check: host-unsupported before any VM exists). */
const char *vmm_x86_irq_missing(const struct vmm_kvm *k,
				const struct vmm_scenario *s)
{
	if (!s->has_irqchip)
		return NULL;
	if (s->irqchip_mode == VMM_IRQCHIP_SPLIT &&
	    !vmm_kvm_cap(k, VMM_CAP_SPLIT_IRQCHIP))
		return "KVM_CAP_SPLIT_IRQCHIP (irqchip mode=split)";
	if (s->irqchip_mode == VMM_IRQCHIP_KERNEL &&
	    (!vmm_kvm_cap(k, VMM_CAP_IRQCHIP) || !vmm_kvm_cap(k, VMM_CAP_PIT2)))
		return "KVM_CAP_IRQCHIP and KVM_CAP_PIT2 (irqchip mode=kernel)";
	if (!vmm_kvm_cap(k, VMM_CAP_MP_STATE))
		return "KVM_CAP_MP_STATE (a halted vCPU ends the run)";
	for (uint32_t q = 0; q < s->nirqs; q++)
		if (s->irqs[q].type == VMM_IRQ_MSI &&
		    !vmm_kvm_cap(k, VMM_CAP_SIGNAL_MSI))
			return "KVM_CAP_SIGNAL_MSI (an irq record type=msi)";
	return NULL;
}

/* vCPU i with an in-kernel LAPIC: runnable at its entry point like
 * without one (KVM leaves vCPUs other than 0 waiting for INIT/SIPI), then
 * its lapic records through KVM_GET_LAPIC / KVM_SET_LAPIC. KVM refuses a
 * page it finds inconsistent (an x2APIC ID that is not the vCPU's) with
 * EINVAL: an input error. */
int vmm_x86_lapic_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_lapic_state la;

	if (!c->s->has_irqchip)
		return 0;
	if (VCPU_IOCTL(v, KVM_SET_MP_STATE, &mp, e) < 0)
		return -1;
	if (vs->nlapic == 0)
		return 0;
	if (VCPU_IOCTL(v, KVM_GET_LAPIC, &la, e) < 0)
		return -1;
	for (uint32_t l = 0; l < vs->nlapic; l++) {
		uint32_t val = vs->lapic[l].value;

		memcpy(&la.regs[vs->lapic[l].offset], &val, sizeof(val));
	}
	if (VCPU_IOCTL(v, KVM_SET_LAPIC, &la, e) < 0) {
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	return 0;
}

/* The irq records, in order, once every vCPU is set up. KVM_SIGNAL_MSI
 * returns how many LAPICs took the message (0: the guest blocked it, a
 * result, not an error); it refuses an MSI with EINVAL (an input error).
 * Counted for the trace in the result. */
int vmm_arch_irqs_send(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_sysops *ops = c->k->ops;

	for (uint32_t q = 0; q < c->s->nirqs; q++) {
		const struct vmm_irq_spec *r = &c->s->irqs[q];

		if (r->type == VMM_IRQ_LINE) {
			struct kvm_irq_level lv;

			memset(&lv, 0, sizeof(lv));
			lv.irq = r->gsi;
			lv.level = r->level;
			if (VMM_IOCTL(ops, c->vm->fd, KVM_IRQ_LINE, &lv, e) < 0)
				return -1;
		} else {
			struct kvm_msi msi;
			int rc;

			memset(&msi, 0, sizeof(msi));
			msi.address_lo = (uint32_t)r->address;
			msi.address_hi = (uint32_t)(r->address >> 32);
			msi.data = r->data;
			rc = vmm_ioctl(ops, c->vm->fd, KVM_SIGNAL_MSI,
				       "KVM_SIGNAL_MSI", &msi, e);
			if (rc < 0)
				return -1;
			if (rc > 0)
				c->r->msi_delivered++;
		}
		c->r->irqs_sent++;
	}
	return 0;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *la, uint32_t off)
{
	uint32_t v;

	memcpy(&v, &la->regs[off], sizeof(v));
	return v;
}

/* An interrupt the LAPIC accepted and has not delivered yet (IRR, eight
 * 32-bit registers from 0x200): it comes as soon as the guest lets it. */
static int lapic_irr_pending(const struct kvm_lapic_state *la)
{
	for (uint32_t r = 0; r < 8; r++)
		if (lapic_reg(la, APIC_IRR + r * 0x10U))
			return 1;
	return 0;
}

/* The LAPIC timer can still fire: enabled, unmasked, and one-shot with
 * time left, periodic, or TSC-deadline (the deadline MSR is not read:
 * taken as armed). */
static int lapic_timer_armed(const struct kvm_lapic_state *la)
{
	uint32_t lvtt = lapic_reg(la, APIC_LVTT);

	if (!(lapic_reg(la, APIC_SPIV) & APIC_SPIV_ENABLE) ||
	    (lvtt & APIC_LVT_MASKED))
		return 0;
	switch (APIC_LVTT_MODE(lvtt)) {
	case 0: /* one-shot: KVM_GET_LAPIC gives the current count */
		return lapic_reg(la, APIC_TMCCT) != 0;
	case 1: /* periodic */
		return lapic_reg(la, APIC_TMICT) != 0;
	default:
		return 1;
	}
}

/* The in-kernel PIC holds a request for the CPU, or its PIT may still
 * raise IRQ 0 and reach a CPU: channel 0 programmed (KVM's mode 0xff until
 * the guest does) and the line unmasked at the PIC or the IOAPIC. A
 * one-shot count that ran out counts too: KVM_GET_PIT2 does not say
 * (count_load_time reads 0 here), so a guest that waits in HLT with IF set
 * after its one-shot PIT fired ends by the run's timeout
 * (docs/security.md). */
static int pit_armed(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_sysops *ops = c->k->ops;
	struct kvm_pit_state2 ps;
	struct kvm_irqchip pic, ioapic;
	const struct kvm_pit_channel_state *ch = &ps.channels[0];

	if (c->s->irqchip_mode != VMM_IRQCHIP_KERNEL)
		return 0;
	if (VMM_IOCTL(ops, c->vm->fd, KVM_GET_PIT2, &ps, e) < 0)
		return -1;
	memset(&pic, 0, sizeof(pic));
	pic.chip_id = KVM_IRQCHIP_PIC_MASTER;
	if (VMM_IOCTL(ops, c->vm->fd, KVM_GET_IRQCHIP, &pic, e) < 0)
		return -1;
	/* a request the master PIC holds for the CPU */
	if (pic.chip.pic.irr & ~pic.chip.pic.imr)
		return 1;
	if (ch->mode == PIT_NO_MODE || !ch->gate)
		return 0;
	memset(&ioapic, 0, sizeof(ioapic));
	ioapic.chip_id = KVM_IRQCHIP_IOAPIC;
	if (VMM_IOCTL(ops, c->vm->fd, KVM_GET_IRQCHIP, &ioapic, e) < 0)
		return -1;
	/* IRQ 0 goes to PIC pin 0 and IOAPIC pin 2 */
	return !(pic.chip.pic.imr & 1U) ||
	       !(ioapic.chip.ioapic.redirtbl[2].bits & IOAPIC_MASKED);
}

/* Whether an interrupt can still reach vCPU i while only it runs: IF set
 * and a timer armed. 1, 0, -1. */
static int may_be_interrupted(struct run_ctx *c, uint32_t i,
			      struct vmm_error *e)
{
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_regs regs;
	struct kvm_lapic_state la;
	int rc;

	if (VCPU_IOCTL(v, KVM_GET_REGS, &regs, e) < 0)
		return -1;
	if (!(regs.rflags & EFLAGS_IF))
		return 0;
	if (VCPU_IOCTL(v, KVM_GET_LAPIC, &la, e) < 0)
		return -1;
	if (lapic_timer_armed(&la) || lapic_irr_pending(&la))
		return 1;
	rc = pit_armed(c, e);
	return rc;
}

/* Halted, and no interrupt can reach it: 1, 0, -1. */
static int halted_for_good(struct run_ctx *c, uint32_t i, int *running,
			   struct vmm_error *e)
{
	struct kvm_mp_state mp;
	int rc;

	if (VCPU_IOCTL(&c->vcpus[i], KVM_GET_MP_STATE, &mp, e) < 0)
		return -1;
	rc = may_be_interrupted(c, i, e);
	if (rc < 0)
		return -1;
	*running = mp.mp_state != KVM_MP_STATE_HALTED;
	return !*running && !rc ? 1 : rc ? 2 : 0;
}

int vmm_arch_halt_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e)
{
	struct vmm_vcpu *v = &c->vcpus[i];
	int running, rc, r;

	if (!c->s->has_irqchip)
		return 0;
	rc = halted_for_good(c, i, &running, e);
	if (rc < 0)
		return -1;
	if (rc == 2) /* a timer is armed: it may break a loop the spin
		      * check would call endless, or end a HLT */
		return 3;
	if (rc == 0)
		return 0;
	/* a second look after a KVM_RUN, which delivers a timer that ran
	 * out just before the first (the caller extended the deadline) */
	if (vmm_deadline_kick_after(c->deadline, VMM_HALT_RECHECK_US, e) < 0)
		return -1;
	r = vmm_vcpu_run(v, c->deadline, x, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return 2; /* it woke and exited: that exit, to be serviced */
	rc = halted_for_good(c, i, &running, e);
	if (rc < 0)
		return -1;
	if (rc != 1)
		return rc == 2 ? 3 : 0;
	c->arch.halts_in_kernel++;
	memset(x, 0, sizeof(*x));
	x->reason = KVM_EXIT_HLT;
	x->u.hlt_in_kernel = 1;
	return 2;
}

size_t vmm_x86_irq_caps(const struct vmm_kvm *k, char *buf, size_t len,
			size_t off)
{
	int halt = vmm_kvm_cap(k, VMM_CAP_MP_STATE) != 0;
	int kern = vmm_kvm_cap(k, VMM_CAP_IRQCHIP) &&
		   vmm_kvm_cap(k, VMM_CAP_PIT2) && halt;
	int split = vmm_kvm_cap(k, VMM_CAP_SPLIT_IRQCHIP) && halt;

	off = vmm_fmt_append(
		buf, len, off,
		"record irqchip=%s (mode kernel: %s; mode split: %s; "
		"reset mode: a fresh VM per input)\n",
		kern || split ? "ok" : "unsupported",
		kern   ? "ok (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2)"
		: halt ? "unsupported: no KVM_CAP_IRQCHIP/KVM_CAP_PIT2"
		       : "unsupported: no KVM_CAP_MP_STATE",
		split  ? "ok (KVM_CAP_SPLIT_IRQCHIP)"
		: halt ? "unsupported: no KVM_CAP_SPLIT_IRQCHIP"
		       : "unsupported: no KVM_CAP_MP_STATE");
	off = vmm_fmt_append(buf, len, off,
			     "record irq=%s (line: KVM_IRQ_LINE; msi: %s)\n",
			     kern || split ? "ok" : "unsupported",
			     vmm_kvm_cap(k, VMM_CAP_SIGNAL_MSI)
				     ? "ok (KVM_SIGNAL_MSI)"
				     : "unsupported: no KVM_CAP_SIGNAL_MSI");
	return vmm_fmt_append(buf, len, off, "record lapic=%s\n",
			      kern || split
				      ? "ok (KVM_GET_LAPIC, KVM_SET_LAPIC)"
				      : "unsupported: no in-kernel LAPIC");
}
