/* The arm64 stages of the pipeline (vmm/pipeline_ctx.h): the preferred
 * target once per VM, KVM_ARM_VCPU_INIT with the scenario's features (and
 * EL1_32BIT for aarch32), the PMU initialised when asked for, PC and the
 * scenario's registers through KVM_SET_ONE_REG. The VMM puts nothing in
 * guest memory (the vCPU starts with the MMU off). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/arm64/regs.h"
#include "vmm/arm64/vcpu_state.h"
#include "vmm/kvm_compat.h"
#include "vmm/pipeline_ctx.h"
#include "vmm/session.h"

int vmm_arch_plan(struct run_ctx *c, struct vmm_error *e)
{
	(void)e;
	c->r->sys_gpa = 0;
	c->r->sys_size = 0;
	return 0;
}

/* What each vCPU feature needs from the host. */
static const struct {
	unsigned int bit;
	enum vmm_cap cap;
} feature_caps[] = {
	{ VMM_ARM64_FEAT_EL1_32BIT, VMM_CAP_ARM_EL1_32BIT },
	{ VMM_ARM64_FEAT_PSCI_0_2, VMM_CAP_ARM_PSCI_0_2 },
	{ VMM_ARM64_FEAT_PMU_V3, VMM_CAP_ARM_PMU_V3 },
};

static int feature_supported(struct vmm_kvm *k, unsigned int bit,
			     const char **capname)
{
	for (size_t i = 0; i < sizeof(feature_caps) / sizeof(feature_caps[0]);
	     i++) {
		if (feature_caps[i].bit != bit)
			continue;
		*capname = vmm_cap_desc(feature_caps[i].cap)->name;
		return vmm_kvm_cap(k, feature_caps[i].cap) > 0;
	}
	*capname = NULL;
	return 1; /* power-off needs nothing */
}

/* How reports name a feature bit: EL1_32BIT is what mode aarch32 asks for. */
static const char *feature_label(unsigned int bit)
{
	return bit == VMM_ARM64_FEAT_EL1_32BIT ? "aarch32"
					       : vmm_arm64_feature_name(bit);
}

/* KVM_ARM_PREFERRED_TARGET (a VM ioctl, host-wide answer): asked on the
 * first VM, then served from the struct vmm_kvm. */
_Static_assert(sizeof(struct kvm_vcpu_init) ==
		       sizeof(((struct vmm_kvm *)0)->arch.target),
	       "vmm_kvm.arch.target holds a struct kvm_vcpu_init");

static int preferred_target(struct vmm_kvm *k, int vm_fd,
			    struct kvm_vcpu_init *t, struct vmm_error *e)
{
	if (!k->arch.target_known) {
		memset(t, 0, sizeof(*t));
		if (VMM_IOCTL(k->ops, vm_fd, KVM_ARM_PREFERRED_TARGET, t, e) <
		    0)
			return -1;
		memcpy(k->arch.target, t, sizeof(*t));
		k->arch.target_known = 1;
	}
	memcpy(t, k->arch.target, sizeof(*t));
	return 0;
}

int vmm_arch_host_check(struct run_ctx *c, struct vmm_error *e)
{
	for (uint32_t i = 0; i < c->s->nvcpus; i++) {
		uint32_t f = vmm_arm64_init_features(c->s, i);

		for (unsigned int b = 0; b < VMM_ARM64_FEAT_COUNT; b++) {
			const char *capname;

			if (!(f & (1U << b)) ||
			    feature_supported(c->k, b, &capname))
				continue;
			vmm_err_set(
				e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				"vCPU %u asks for %s, which this host's KVM "
				"does not offer (%s is 0)",
				i,
				b == VMM_ARM64_FEAT_EL1_32BIT
					? "mode aarch32"
					: feature_label(b),
				capname);
			return -1;
		}
	}
	return 0;
}

static int init_pmu(struct vmm_vcpu *v, struct vmm_error *e)
{
	struct kvm_device_attr a = { .group = KVM_ARM_VCPU_PMU_V3_CTRL,
				     .attr = KVM_ARM_VCPU_PMU_V3_INIT };

	return VCPU_IOCTL(v, KVM_SET_DEVICE_ATTR, &a, e);
}

_Static_assert(VMM_ARM64_REG_TIMER_CTL == KVM_REG_ARM_TIMER_CTL &&
		       VMM_ARM64_REG_TIMER_CNT == KVM_REG_ARM_TIMER_CNT &&
		       VMM_ARM64_REG_TIMER_CVAL == KVM_REG_ARM_TIMER_CVAL &&
		       VMM_ARM64_REG_TPIDR_EL1 == ARM64_SYS_REG(3, 0, 13, 0, 4),
	       "vmm/arch.h register ids disagree with the uapi");

static int listed(const struct kvm_reg_list *l, uint64_t id)
{
	for (uint64_t k = 0; k < l->n; k++)
		if (l->reg[k] == id)
			return 1;
	return 0;
}

/* The one_reg records of vCPU i, after its preset and reg records: each
 * id checked against KVM_GET_REG_LIST first (an input error otherwise),
 * then KVM_SET_ONE_REG. The errors KVM documents for a value or register
 * it refuses (EINVAL, ENOENT, EPERM, EBUSY) are expected results
 * (vmm/oracle.c); KVM checks before it changes the register. */
static int set_one_regs(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_reg_list *list;
	int rc = 0;

	if (vmm_arm64_reg_list(v, &list, e) < 0)
		return -1;
	for (uint32_t k = 0; k < vs->n_one_regs && rc == 0; k++) {
		const struct vmm_one_reg_spec *r = &vs->one_regs[k];
		uint64_t val[2] = { r->value, r->hi };
		struct kvm_one_reg one = { .id = r->id,
					   .addr = (uint64_t)(uintptr_t)val };

		if (!listed(list, r->id)) {
			vmm_err_set(e, VMM_ERR_INPUT, "scenario", 0,
				    "vCPU %u: one_reg id 0x%llx is not in the "
				    "vCPU's KVM_GET_REG_LIST (%llu registers)",
				    i, (unsigned long long)r->id,
				    (unsigned long long)list->n);
			rc = -1;
			break;
		}
		rc = VCPU_IOCTL(v, KVM_SET_ONE_REG, &one, e);
		if (rc < 0) {
			c->state_rejected = e->err == EINVAL ||
					    e->err == ENOENT ||
					    e->err == EPERM || e->err == EBUSY;
			vmm_err_prefix(e, "vCPU %u one_reg 0x%llx", i,
				       (unsigned long long)r->id);
		}
	}
	free(list);
	return rc;
}

/* One vGIC attribute through KVM_SET_DEVICE_ATTR on the device fd. */
static int vgic_attr(const struct vmm_sysops *ops, int fd, uint32_t group,
		     uint64_t attr, void *val, struct vmm_error *e)
{
	struct kvm_device_attr a = { .group = group,
				     .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return VMM_IOCTL(ops, fd, KVM_SET_DEVICE_ATTR, &a, e);
}

/* The vgic record, once every vCPU exists and is initialised: a vGICv3
 * (KVM_CREATE_DEVICE), its distributor and redistributor addresses and
 * interrupt count, KVM_DEV_ARM_VGIC_CTRL_INIT; then the irq_line records
 * (KVM_IRQ_LINE), before the first KVM_RUN. A host whose KVM has no
 * vGICv3 (ENODEV: a GICv2 host, or none) cannot run the input. The device
 * lives as long as the VM; its fd is not needed after the set-up. */
static int setup_vgic(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;
	const struct vmm_sysops *ops = c->k->ops;
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = s->vgic_dist, redist = s->vgic_redist;
	uint32_t nr = s->vgic_nr_irqs;
	int rc;

	if (VMM_IOCTL(ops, c->vm->fd, KVM_CREATE_DEVICE, &cd, e) < 0) {
		if (e->err == ENODEV)
			vmm_err_set(e, VMM_ERR_HOST, "KVM_CREATE_DEVICE",
				    ENODEV,
				    "vgic record: this host's KVM offers no "
				    "vGICv3 (KVM_DEV_TYPE_ARM_VGIC_V3: "
				    "ENODEV)");
		return -1;
	}
	rc = vgic_attr(ops, (int)cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, e);
	if (rc == 0)
		rc = vgic_attr(ops, (int)cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist, e);
	if (rc == 0)
		rc = vgic_attr(ops, (int)cd.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
			       &nr, e);
	if (rc == 0)
		rc = vgic_attr(ops, (int)cd.fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, e);
	vmm_close(ops, (int)cd.fd);
	if (rc < 0) {
		vmm_err_prefix(e, "vgic record");
		return -1;
	}
	for (uint32_t k = 0; k < s->n_irq_lines; k++) {
		const struct vmm_irq_line_spec *q = &s->irq_lines[k];
		struct kvm_irq_level l = {
			.irq = ((q->type == VMM_IRQ_SPI ? KVM_ARM_IRQ_TYPE_SPI
							: KVM_ARM_IRQ_TYPE_PPI)
				<< KVM_ARM_IRQ_TYPE_SHIFT) |
			       ((uint32_t)q->vcpu << KVM_ARM_IRQ_VCPU_SHIFT) |
			       q->irq,
			.level = q->level,
		};

		if (VMM_IOCTL(ops, c->vm->fd, KVM_IRQ_LINE, &l, e) < 0) {
			vmm_err_prefix(e, "irq_line %u", k);
			return -1;
		}
	}
	return 0;
}

int vmm_arch_vcpu_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_vcpu_init init;
	uint32_t f = vmm_arm64_init_features(c->s, i);
	/* a session vCPU initialised before, with the same features (the
	 * session checked) */
	int reused = c->ss && c->ss->init[i].inited;

	if (preferred_target(c->k, c->vm->fd, &init, e) < 0)
		return -1;
	init.features[0] |= f;
	if (VCPU_IOCTL(v, KVM_ARM_VCPU_INIT, &init, e) < 0)
		return -1;
	if (reused) {
		if (vmm_arm64_restore(v, &c->ss->init[i], e) < 0)
			return -1;
	} else if (c->ss) {
		if (vmm_arm64_snapshot(v, &c->ss->init[i], e) < 0)
			return -1;
		c->ss->init[i].inited = 1;
		c->ss->init[i].features = f;
	}
	/* a reused vCPU's PMU exists (initialising it again is EBUSY); the
	 * re-init above reset its counters */
	if ((f & (1U << VMM_ARM64_FEAT_PMU_V3)) && !reused &&
	    init_pmu(v, e) < 0)
		return -1;
	if (vmm_arm64_set_reg(v, vmm_arm64_core_reg_id(VMM_ARM64_REG_PC),
			      vs->entry, e) < 0)
		return -1;
	for (unsigned int ri = 0; ri < VMM_ARM64_NREGS; ri++)
		if ((vs->reg_mask & (1ULL << ri)) &&
		    vmm_arm64_set_reg(v, vmm_arm64_core_reg_id(ri),
				      vs->regs[ri], e) < 0)
			return -1;
	if (vs->n_one_regs && set_one_regs(c, i, e) < 0)
		return -1;
	/* a reset cannot give back what a sticky record set (firmware,
	 * ID registers): this VM serves no other input
	 * (vmm_arch_vcpu_reusable gave this one a fresh VM) */
	if (c->ss && vmm_arm64_fresh_vm(c->s))
		vmm_session_taint(c->ss);
	if (c->s->has_vgic && i + 1 == c->s->nvcpus)
		return setup_vgic(c, e);
	return 0;
}

void vmm_arch_settle_unentered(struct run_ctx *c)
{
	/* Nothing: arm64 state goes in through ONE_REG ioctls at once (no
	 * sync registers wait for KVM_RUN), and every reset-mode run
	 * re-initialises its vCPUs first. */
	(void)c;
}

/* Which in-kernel GICs this host's KVM can create (KVM_CREATE_DEVICE_TEST
 * on a scratch VM): the vgic record needs a vGICv3. */
static size_t vgic_report(struct vmm_kvm *k, char *buf, size_t len, size_t off)
{
	static const struct {
		uint32_t type;
		const char *name;
	} gic[] = { { KVM_DEV_TYPE_ARM_VGIC_V3, "vgic-v3" },
		    { KVM_DEV_TYPE_ARM_VGIC_V2, "vgic-v2" } };
	struct vmm_error e;
	struct vmm_vm vm;
	int ok[2] = { 0, 0 };

	vmm_err_clear(&e);
	if (vmm_vm_create(&vm, k, &e) < 0)
		return vmm_fmt_append(buf, len, off,
				      "record vgic=unknown: %s\n", e.msg);
	for (int g = 0; g < 2; g++) {
		struct kvm_create_device cd = {
			.type = gic[g].type, .flags = KVM_CREATE_DEVICE_TEST
		};

		vmm_err_clear(&e);
		ok[g] = VMM_IOCTL(k->ops, vm.fd, KVM_CREATE_DEVICE, &cd, &e) ==
			0;
		off = vmm_fmt_append(buf, len, off, "gic %s=%s\n", gic[g].name,
				     ok[g] ? "ok" : "unsupported");
	}
	vmm_vm_destroy(&vm);
	off = vmm_fmt_append(
		buf, len, off, "record vgic=%s\n",
		ok[0] ? "ok (KVM_CREATE_DEVICE vGICv3; reset mode: "
			"a fresh VM, counted)"
		      : "unsupported: no vGICv3 (host-unsupported)");
	return vmm_fmt_append(buf, len, off, "record irq_line=%s\n",
			      ok[0] ? "ok (KVM_IRQ_LINE before the first run)"
				    : "unsupported: needs the vgic record");
}

size_t vmm_arch_host_report(struct vmm_kvm *k, char *buf, size_t len)
{
	struct vmm_error e;
	struct vmm_vm vm;
	struct kvm_vcpu_init t;
	size_t off = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	vmm_err_clear(&e);
	if (vmm_vm_create(&vm, k, &e) == 0) {
		if (preferred_target(k, vm.fd, &t, &e) == 0)
			off = vmm_fmt_append(buf, len, off,
					     "preferred_target=%u\n", t.target);
		vmm_vm_destroy(&vm);
	}
	if (e.cls != VMM_ERR_NONE)
		off = vmm_fmt_append(buf, len, off,
				     "preferred_target=unknown: %s\n", e.msg);
	off = vmm_fmt_append(buf, len, off,
			     "record one_reg=ok (KVM_SET_ONE_REG, ids from "
			     "KVM_GET_REG_LIST)\n");
	off = vgic_report(k, buf, len, off);
	for (unsigned int b = 0; b < VMM_ARM64_FEAT_COUNT; b++) {
		const char *capname;

		off = vmm_fmt_append(
			buf, len, off, "feature %s=%s\n", feature_label(b),
			feature_supported(k, b, &capname) ? "ok"
							  : "unsupported");
	}
	return off;
}

/* One byte into each of VMM_DIRTY_PROBE_PAGES pages from 2 MiB up, then
 * PSCI SYSTEM_OFF (encodings from the GNU assembler). */
static const uint32_t dirty_probe_code[] = {
	0xd2a00400, /* mov x0, #0x200000 */
	0xd2860001, /* mov x1, #0x3000 */
	0x39000001, /* 1: strb w1, [x0] */
	0x91400400, /* add x0, x0, #0x1000 */
	0xf1000421, /* subs x1, x1, #1 */
	0x54ffffa1, /* b.ne 1b */
	0x52800100, /* mov w0, #0x8 */
	0x72b08000, /* movk w0, #0x8400, lsl #16: PSCI SYSTEM_OFF */
	0xd4000002, /* hvc #0 */
};

void vmm_arch_dirty_probe_guest(struct vmm_probe_guest *g)
{
	g->code = (const uint8_t *)dirty_probe_code;
	g->len = sizeof(dirty_probe_code);
	g->mode = VMM_ARM64_AARCH64;
	g->features = 1U << VMM_ARM64_FEAT_PSCI_0_2;
}

/* No spin detection on arm64 yet: a looping guest runs to its timeout. */
int vmm_arch_spin_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e)
{
	(void)c;
	(void)i;
	(void)x;
	(void)e;
	return 0;
}

int vmm_arch_before_hook(struct run_ctx *c, struct vmm_error *e)
{
	(void)c;
	(void)e;
	return 0;
}

int vmm_arch_halt_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e)
{
	(void)c;
	(void)i;
	(void)x;
	(void)e;
	return 0;
}

/* Action records are x86 only: the decoder and vmm_scenario_validate
 * refuse them in an arm64 scenario. */
int vmm_arch_action(struct run_ctx *c, const struct vmm_action_spec *a,
		    struct vmm_action_event *ev, struct vmm_error *e)
{
	(void)c;
	(void)a;
	(void)ev;
	return vmm_scenario_reject(e, "action records are x86 only");
}

int vmm_arch_irqs_send(struct run_ctx *c, struct vmm_error *e)
{
	(void)c;
	(void)e;
	return 0; /* irq records are x86 only (validation) */
}
