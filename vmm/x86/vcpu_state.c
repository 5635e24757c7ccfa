#include "vmm/x86/vcpu_state.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/scenario.h"
#include "vmm/session.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* KVM_GET_MSR_INDEX_LIST entries asked for (KVM lists about a hundred) */
#define MSR_LIST_MAX 4096U

/* ---- the MSRs a reset restores ---------------------------------------
 *
 * KVM_GET_MSR_INDEX_LIST is not the set of MSRs a guest can write: it
 * omits, among others, the MTRRs (0x200-0x2ff), the machine-check banks
 * (0x400.. for KVM's default 32 banks) and the APIC base, which a CPL0
 * guest writes with no CPUID set-up. So the set is found by probing, once
 * per struct vmm_kvm, on a scratch VM (the probe writes other values, and
 * a kvm-clock MSR write can reach guest memory: the session's VM must not
 * see any of it):
 *  1. every index of the ranges below, and of KVM_GET_MSR_INDEX_LIST,
 *     that KVM_GET_MSRS reads;
 *  2. of those, the ones KVM_SET_MSRS takes back with their own value;
 *  3. of those, the ones that hold a value: an MSR whose every accepted
 *     write of another value reads back unchanged (KVM drops the write:
 *     no PMU without a guest CPUID, no in-kernel LAPIC for TSC_DEADLINE,
 *     "unhandled" MSRs) has nothing to leak, and is left out - restoring
 *     one of KVM's unhandled MSRs (BBL_CR_CTL3, 0x11e) would also log a
 *     kernel message on every exec.
 * Left out on purpose as well (docs/security.md, reset mode):
 *  - EFER, FS_BASE, GS_BASE and the APIC base: sregs fields, which the
 *    pipeline writes on every run after the restore (KVM_SET_SREGS or
 *    synced sregs). A host EFER write here would come while CR0/CR4 still
 *    hold the previous input's mode (KVM keeps the current EFER.LMA).
 *  - MSRs KVM_SET_MSRS refuses even their own value (step 2: MCG_CAP,
 *    MTRRcap, read-only platform MSRs): nothing can write them back. On a
 *    PVM host, 0x4b564d10 is one a guest can change (bit 0) although the
 *    host can write no value at all: a known leak, docs/security.md.
 * KVM_SET_MSRS writes the set in ascending index order with host_initiated
 * semantics, which lifts the guest's ordering rules (MCi_STATUS without
 * MCG_CTL/McStatusWrEn, APIC mode transitions) and keeps each write to its
 * own MSR: a host TSC write re-syncs the TSC offset alone, a host
 * TSC_ADJUST write only sets the MSR's value, so neither undoes the other;
 * the variable/fixed MTRRs come before MTRRdefType (0x2ff), as firmware
 * programs them; writing 0 to the kvm-clock, async PF, steal time and PV
 * EOI MSRs turns those features off as on a fresh vCPU (KVM writes no
 * guest memory for a zero address). */

#define MSR_BATCH 255U /* entries per KVM_GET_MSRS/KVM_SET_MSRS (KVM: < 256) */
#define MSR_EFER 0xc0000080U
#define MSR_FS_BASE 0xc0000100U
#define MSR_GS_BASE 0xc0000101U
#define MSR_APIC_BASE 0x1bU

static const struct {
	uint32_t lo, hi; /* inclusive */
} msr_ranges[] = {
	{ 0x00000000U, 0x00001fffU }, /* architectural: MTRRs, MC banks... */
	{ 0x40000000U, 0x400001ffU }, /* Hyper-V synthetic */
	{ 0x4b564d00U, 0x4b564dffU }, /* KVM paravirtual: kvm-clock... */
	{ 0xc0000000U, 0xc0001fffU }, /* AMD64: EFER, STAR, KERNEL_GS_BASE */
	{ 0xc0010000U, 0xc0011fffU }, /* AMD: HWCR, VM_HSAVE_PA... */
};

static int in_ranges(uint32_t idx)
{
	for (size_t r = 0; r < sizeof(msr_ranges) / sizeof(msr_ranges[0]); r++)
		if (idx >= msr_ranges[r].lo && idx <= msr_ranges[r].hi)
			return 1;
	return 0;
}

int vmm_x86_msr_sregs_field(uint32_t idx)
{
	return idx == MSR_EFER || idx == MSR_FS_BASE || idx == MSR_GS_BASE ||
	       idx == MSR_APIC_BASE;
}

/* KVM (x86.c, "immutable feature MSRs") refuses a write of another value
 * to these once the vCPU has run: the emulated VMX capability MSRs and the
 * MSR-based features (microcode revision, ARCH_CAPABILITIES,
 * PERF_CAPABILITIES, PLATFORM_INFO, AMD DE_CFG). A superset costs only a
 * fresh VM. */
int vmm_x86_msr_frozen_after_run(uint32_t idx)
{
	return (idx >= 0x480U && idx <= 0x491U) || idx == 0x8bU ||
	       idx == 0xceU || idx == 0x10aU || idx == 0x345U ||
	       idx == 0xc0011029U;
}

int vmm_x86_msr_restorable(const struct vmm_kvm *k, uint32_t idx)
{
	if (vmm_x86_msr_sregs_field(idx))
		return 1;
	for (uint32_t n = 0; k->arch.msr_list_ready && n < k->arch.nmsrs; n++)
		if (k->arch.msr_index[n] == idx)
			return 1;
	return 0;
}

int vmm_x86_msrs_resettable(const struct vmm_vcpu_spec *vs)
{
	for (uint32_t j = 0; j < vs->nmsrs && j < VMM_MAX_SCN_MSRS; j++)
		if (vmm_x86_msr_frozen_after_run(vs->msrs[j].index))
			return 0;
	return 1;
}

int vmm_arch_vcpu_reusable(const struct vmm_kvm *k,
			   const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s)
{
	(void)k;
	(void)init;
	/* CPUID: KVM refuses KVM_SET_CPUID2 with EINVAL on a vCPU that has
	 * run unless it is identical, and a guest CPUID changes what the
	 * restore covers (XCR0, the MSRs a guest can write): a vCPU with
	 * cpuid records is always a fresh one, and not reused after */
	/* events: an SMI, SMM, a triple fault or a pending exception turn
	 * on VM-wide state (KVM_ENABLE_CAP, SMRAM) the restore does not
	 * cover: a fresh VM, not reused after (vmm/x86/setup.c) */
	/* msr_exits, hypercall: VM-wide capabilities and the MSR filter;
	 * guest_debug: KVM_SET_GUEST_DEBUG state (breakpoints, TF it set):
	 * a fresh VM, not reused after (vmm/x86/setup.c) */
	if (s->nmsr_exits || s->has_hypercall)
		return 0;
	/* irqchip: the controllers are VM-wide state made before the
	 * vCPUs (KVM_CREATE_IRQCHIP, the PIT, the split IOAPIC routes);
	 * the restore does not cover them (KVM_SET_IRQCHIP/PIT2/LAPIC would
	 * have to, timers included): a fresh VM, not reused after */
	if (s->has_irqchip)
		return 0;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (!vmm_x86_msrs_resettable(&s->vcpus[i]) ||
		    s->vcpus[i].ncpuid || s->vcpus[i].has_gdbg ||
		    (s->vcpus[i].ev_flags & VMM_X86_EV_FRESH))
			return 0;
	return 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct msr_probe {
	const struct vmm_sysops *ops;
	int fd;
	struct kvm_msrs *m; /* MSR_BATCH entries */
};

/* One MSR through KVM_GET_MSRS or KVM_SET_MSRS: 1 if KVM took it. */
static int msr_one(const struct msr_probe *p, unsigned long req, uint32_t idx,
		   uint64_t *val)
{
	int r;

	p->m->nmsrs = 1;
	p->m->entries[0].index = idx;
	p->m->entries[0].reserved = 0;
	p->m->entries[0].data = *val;
	r = vmm_ioctl_raw(p->ops, p->fd, req, p->m);
	*val = p->m->entries[0].data;
	return r == 1;
}

/* Does a write of another value stick? Tried with values that differ from
 * `v` in a few places (KVM refuses reserved bits and bad MTRR types, so
 * some are refused): 1 when one read back changed, 0 when every accepted
 * write was dropped, 1 as well when none was accepted (nothing proves
 * such an MSR holds no value). The MSR is given `v` back. */
static int msr_holds_value(const struct msr_probe *p, uint32_t idx, uint64_t v)
{
	const uint64_t cand[] = { v ^ 1U,
				  v ^ 6U,
				  v ^ 0x800U,
				  v ^ 0x10000U,
				  v ^ (1ULL << 32),
				  v ^ (1ULL << 63),
				  ~v,
				  0,
				  ~0ULL };
	int accepted = 0, holds = 0;

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]) && !holds; i++) {
		uint64_t w = cand[i], back = 0;

		if (w == v || !msr_one(p, KVM_SET_MSRS, idx, &w))
			continue;
		accepted = 1;
		if (!msr_one(p, KVM_GET_MSRS, idx, &back) || back != v)
			holds = 1;
		w = v;
		(void)msr_one(p, KVM_SET_MSRS, idx, &w);
	}
	return holds || !accepted;
}

/* Fill p->m with cand[at..] (up to MSR_BATCH) and run `req`: the count KVM
 * processed (it stops at the first MSR it refuses), or -1. */
static int msr_batch(const struct msr_probe *p, unsigned long req,
		     const char *name, const uint32_t *idx, const uint64_t *val,
		     size_t n, struct vmm_error *e)
{
	p->m->nmsrs = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		p->m->entries[i].index = idx[i];
		p->m->entries[i].reserved = 0;
		p->m->entries[i].data = val ? val[i] : 0;
	}
	return vmm_ioctl(p->ops, p->fd, req, name, p->m, e);
}

static int probe_msrs(struct vmm_kvm *k, struct msr_probe *p,
		      const struct kvm_msr_list *listed, struct vmm_error *e)
{
	size_t ncand = 0, nread = 0, nkept = 0, cap = listed->nmsrs;
	uint32_t *cand;
	uint64_t *val;
	int rc = -1;

	for (size_t r = 0; r < sizeof(msr_ranges) / sizeof(msr_ranges[0]); r++)
		cap += (size_t)(msr_ranges[r].hi - msr_ranges[r].lo) + 1;
	cand = calloc(cap, sizeof(*cand));
	val = calloc(cap, sizeof(*val));
	if (!cand || !val) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < sizeof(msr_ranges) / sizeof(msr_ranges[0]); r++)
		for (uint64_t i = msr_ranges[r].lo; i <= msr_ranges[r].hi; i++)
			cand[ncand++] = (uint32_t)i;
	for (uint32_t i = 0; i < listed->nmsrs; i++)
		if (!in_ranges(listed->indices[i]))
			cand[ncand++] = listed->indices[i];
	qsort(cand, ncand, sizeof(*cand), cmp_u32);
	/* 1: readable (in place: cand[0..nread), their values in val[]) */
	for (size_t at = 0; at < ncand;) {
		size_t n = ncand - at < MSR_BATCH ? ncand - at : MSR_BATCH;
		int got = msr_batch(p, KVM_GET_MSRS, "KVM_GET_MSRS", cand + at,
				    NULL, n, e);

		if (got < 0)
			goto out;
		if ((size_t)got > n)
			goto bad;
		for (int i = 0; i < got; i++) {
			val[nread] = p->m->entries[i].data;
			cand[nread++] = p->m->entries[i].index;
		}
		at += (size_t)got +
		      ((size_t)got < n); /* skip the refused one */
	}
	/* 2: written back with their own values (in place again) */
	for (size_t at = 0; at < nread;) {
		size_t n = nread - at < MSR_BATCH ? nread - at : MSR_BATCH;
		int set = msr_batch(p, KVM_SET_MSRS, "KVM_SET_MSRS", cand + at,
				    val + at, n, e);

		if (set < 0)
			goto out;
		if ((size_t)set > n)
			goto bad;
		for (int i = 0; i < set; i++) {
			val[nkept] = val[at + (size_t)i];
			cand[nkept++] = cand[at + (size_t)i];
		}
		at += (size_t)set + ((size_t)set < n);
	}
	/* 3: holding a value, not an sregs field */
	k->arch.nmsrs = 0;
	for (size_t i = 0; i < nkept; i++) {
		if (vmm_x86_msr_sregs_field(cand[i]) ||
		    !msr_holds_value(p, cand[i], val[i]))
			continue;
		if (k->arch.nmsrs == VMM_MAX_SAVED_MSRS) {
			vmm_err_set(e, VMM_ERR_HOST, "KVM_SET_MSRS", 0,
				    "this host has more than %u MSRs a guest "
				    "may change (VMM_MAX_SAVED_MSRS): reset "
				    "mode could not restore them all",
				    VMM_MAX_SAVED_MSRS);
			goto out;
		}
		k->arch.msr_index[k->arch.nmsrs++] = cand[i];
	}
	rc = 0;
	goto out;
bad:
	vmm_err_contract(e, "KVM_GET_MSRS", "return",
			 "kernel contract violation: an MSR ioctl processed "
			 "more entries than it was given");
out:
	free(cand);
	free(val);
	return rc;
}

int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_error *e)
{
	/* struct kvm_msr_list ends in a flexible array of indices */
	struct kvm_msr_list *listed = NULL;
	struct msr_probe p = { k->ops, -1, NULL };
	struct vmm_vm vm;
	struct vmm_vcpu v;
	sigset_t deadline, old_mask;
	int rc = -1;

	if (k->arch.msr_list_ready)
		return 0;
	/* The first spin check can call this inside a run: the run's own
	 * deadline signal (no SA_RESTART) must not interrupt the probe's
	 * system ioctls (KVM_CREATE_VM failed with it in CI). It stays
	 * pending and lands once the probe is done. */
	sigemptyset(&deadline);
	sigaddset(&deadline, vmm_deadline_signal());
	(void)pthread_sigmask(SIG_BLOCK, &deadline, &old_mask);
	listed = calloc(1, sizeof(*listed) + MSR_LIST_MAX * sizeof(uint32_t));
	p.m = calloc(1,
		     sizeof(*p.m) + MSR_BATCH * sizeof(struct kvm_msr_entry));
	if (!listed || !p.m) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		goto out;
	}
	listed->nmsrs = MSR_LIST_MAX;
	if (VMM_IOCTL(k->ops, k->fd, KVM_GET_MSR_INDEX_LIST, listed, e) < 0)
		goto out;
	if (listed->nmsrs > MSR_LIST_MAX)
		listed->nmsrs = MSR_LIST_MAX;
	if (vmm_vm_create(&vm, k, e) < 0)
		goto out;
	if (vmm_vcpu_create(&v, &vm, 0, e) == 0) {
		p.fd = v.fd;
		rc = probe_msrs(k, &p, listed, e);
		vmm_vcpu_destroy(&v);
	}
	vmm_vm_destroy(&vm);
	if (rc == 0)
		k->arch.msr_list_ready = 1;
out:
	(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	free(listed);
	free(p.m);
	return rc;
}

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	memset(st, 0, sizeof(*st));
	st->run_cr8 = vmm_vcpu_cr8(v);
	if (VCPU_IOCTL(v, KVM_GET_REGS, &st->regs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_SREGS, &st->sregs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_XSAVE, (struct kvm_xsave *)(void *)st->xsave,
		       e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_XCRS, &st->xcrs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_VCPU_EVENTS, &st->events, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_DEBUGREGS, &st->dregs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_MP_STATE, &st->mp, e) < 0)
		return -1;
	/* The creation events go back in on every run, with the NMI
	 * pending count (KVM_GET_VCPU_EVENTS flags it; made sure of here):
	 * or an NMI a KVM_NMI action queued while NMIs were masked would
	 * wait for the next input. */
	st->events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
	st->events.nmi.pending = 0;
	return vmm_arch_msrs_get(v, st->msrs, &st->nmsr_chunks, e);
}

int vmm_arch_msrs_get(struct vmm_vcpu *v, uint8_t (*chunks)[VMM_MSRS_BUF_SIZE],
		      uint32_t *nchunks, struct vmm_error *e)
{
	struct vmm_kvm *k = v->vm->kvm;
	struct kvm_msrs *msrs;
	int got;

	*nchunks = 0;
	if (vmm_arch_msr_list(k, e) < 0)
		return -1;
	for (uint32_t at = 0; at < k->arch.nmsrs; at += VMM_MSRS_PER_IOCTL) {
		uint32_t n = k->arch.nmsrs - at < VMM_MSRS_PER_IOCTL
				     ? k->arch.nmsrs - at
				     : VMM_MSRS_PER_IOCTL;

		msrs = (struct kvm_msrs *)(void *)chunks[(*nchunks)++];
		msrs->nmsrs = n;
		for (uint32_t i = 0; i < n; i++)
			msrs->entries[i].index = k->arch.msr_index[at + i];
		got = VMM_IOCTL(k->ops, v->fd, KVM_GET_MSRS, msrs, e);
		if (got < 0)
			return -1;
		if ((uint32_t)got != n) {
			vmm_err_contract(e, "KVM_GET_MSRS", "return",
					 "kernel contract violation: "
					 "KVM_GET_MSRS read %d of %u MSRs it "
					 "read before",
					 got, n);
			return -1;
		}
	}
	return 0;
}

int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	int set;

	/* regs, sregs and events are set by the pipeline on every run (the
	 * creation values on its error path). Never restored, as no guest
	 * can change them:
	 *  - mp_state: only an in-kernel irqchip moves it, and the VMM never
	 *    creates one (HLT exits to userspace instead);
	 *  - XCR0: the VMM sets a guest CPUID (KVM_SET_CPUID2, cpuid
	 *    records) only on a VM it never reuses, so a reused vCPU's
	 *    guest has no XSAVE: CR4.OSXSAVE is a reserved bit for it (XSETBV
	 *    and XGETBV #UD) and KVM's XCR0 check (__kvm_set_xcr) allows
	 *    nothing but the FP-only value every vCPU starts with. Giving
	 *    guests a CPUID means restoring XCR0 here again; test_reset
	 *    checks XCR0 after a guest's XSETBV attempt.
	 * kvm_run.cr8 is not vCPU state but KVM_RUN loads it into CR8 on
	 * every entry without an in-kernel LAPIC (and stores the guest's
	 * CR8 there on exit): it goes back to the zero of a fresh mapping. */
	vmm_vcpu_set_cr8(v, st->run_cr8);
	if (VCPU_IOCTL(v, KVM_SET_XSAVE,
		       (const struct kvm_xsave *)(const void *)st->xsave,
		       e) < 0 ||
	    VCPU_IOCTL(v, KVM_SET_DEBUGREGS, &st->dregs, e) < 0)
		return -1;
	for (uint32_t c = 0; c < st->nmsr_chunks; c++) {
		const struct kvm_msrs *m = vmm_state_msrs_const(st, c);

		set = VMM_IOCTL(v->vm->kvm->ops, v->fd, KVM_SET_MSRS, m, e);
		if (set < 0)
			return -1;
		if ((uint32_t)set != m->nmsrs) {
			vmm_err_set(e, VMM_ERR_SYS, "KVM_SET_MSRS", 0,
				    "KVM_SET_MSRS restored %d of %u saved MSRs "
				    "(stopped at 0x%x)",
				    set, m->nmsrs, m->entries[set].index);
			return -1;
		}
	}
	return 0;
}

int vmm_arch_vcpu_settle(struct vmm_session *ss, uint32_t i,
			 struct vmm_error *e)
{
	struct vmm_vcpu *v = &ss->vcpus[i];
	struct kvm_vcpu_events ev = ss->init[i].events;

	if (!vmm_kvm_cap(ss->k, VMM_CAP_X86_TRIPLE_FAULT_EVENT))
		return 1;
	if (!ss->arch.triple_fault_event) {
		struct kvm_enable_cap cap;

		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_X86_TRIPLE_FAULT_EVENT;
		cap.args[0] = 1;
		if (VMM_IOCTL(ss->k->ops, ss->vm.fd, KVM_ENABLE_CAP, &cap, e) <
		    0)
			return -1;
		ss->arch.triple_fault_event = 1;
	}
	/* the creation state's events, and no shutdown pending */
	ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 0;
	return VCPU_IOCTL(v, KVM_SET_VCPU_EVENTS, &ev, e);
}
