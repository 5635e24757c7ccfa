/* The arm64 stages of the pipeline (vmm/pipeline_ctx.h): the preferred
 * target once per VM, KVM_ARM_VCPU_INIT with the scenario's features (and
 * EL1_32BIT for aarch32), the PMU initialised when asked for, PC and the
 * scenario's registers through KVM_SET_ONE_REG. The VMM puts nothing in
 * guest memory (the vCPU starts with the MMU off). */
#include <linux/kvm.h>
#include <stdio.h>
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
	return 0;
}

void vmm_arch_settle_unentered(struct run_ctx *c)
{
	/* Nothing: arm64 state goes in through ONE_REG ioctls at once (no
	 * sync registers wait for KVM_RUN), and every reset-mode run
	 * re-initialises its vCPUs first. */
	(void)c;
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

int vmm_arch_irqs_send(struct run_ctx *c, struct vmm_error *e)
{
	(void)c;
	(void)e;
	return 0; /* irq records are x86 only (validation) */
}
