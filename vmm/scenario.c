#include "vmm/scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/vm.h"
#include "vmm/layout.h"

static const char *const sreg_names[VMM_SREG_COUNT] = {
	"cr0",	     "cr2",	 "cr3",	      "cr4",	  "cr8",       "efer",
	"apic_base", "gdt_base", "gdt_limit", "idt_base", "idt_limit",
};

static const char *const seg_names[VMM_SEG_COUNT] = {
	"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt",
};

const char *vmm_sreg_name(unsigned int f)
{
	return f < VMM_SREG_COUNT ? sreg_names[f] : NULL;
}

const char *vmm_seg_name(unsigned int g)
{
	return g < VMM_SEG_COUNT ? seg_names[g] : NULL;
}

const char *vmm_cpuid_reg_name(unsigned int r)
{
	static const char *const names[VMM_CPUID_NREGS] = { "eax", "ebx", "ecx",
							    "edx" };

	return r < VMM_CPUID_NREGS ? names[r] : NULL;
}

int vmm_cpuid_before(const struct vmm_cpuid_spec *a,
		     const struct vmm_cpuid_spec *b)
{
	if (a->function != b->function)
		return a->function < b->function;
	if (a->index != b->index)
		return a->index < b->index;
	return a->reg < b->reg;
}

static int validate_cpuid(const struct vmm_vcpu_spec *v, uint32_t i,
			  struct vmm_error *e)
{
	if (v->ncpuid > VMM_MAX_SCN_CPUID)
		return vmm_scenario_reject(e,
					   "vCPU %u: %u CPUID records (allowed "
					   "0..%d)",
					   i, v->ncpuid, VMM_MAX_SCN_CPUID);
	for (uint32_t c = 0; c < v->ncpuid; c++) {
		const struct vmm_cpuid_spec *q = &v->cpuid[c];

		if (q->reg >= VMM_CPUID_NREGS || q->pad[0] || q->pad[1] ||
		    q->pad[2])
			return vmm_scenario_reject(
				e,
				"vCPU %u: CPUID record %u: register %u "
				"(0..3: eax, ebx, ecx, edx) or padding not "
				"zero",
				i, c, q->reg);
		if (c > 0 && !vmm_cpuid_before(&v->cpuid[c - 1], q))
			return vmm_scenario_reject(
				e,
				"vCPU %u: CPUID records must be in strictly "
				"increasing (function, index, reg) order "
				"(record %u: function 0x%x index 0x%x)",
				i, c, q->function, q->index);
	}
	return 0;
}

void vmm_scenario_init(struct vmm_scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->arch = VMM_ARCH_HOST;
	s->mmio_console_gpa = VMM_MMIO_CONSOLE_DEFAULT_GPA;
}

int vmm_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int vmm_scenario_reject(struct vmm_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, VMM_ERR_INPUT, "scenario", 0, fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t vmm_scenario_code_end(const struct vmm_scenario *s, uint64_t gpa,
			       int *blob)
{
	uint64_t end = gpa;
	int grew = 1, last = -1;

	while (grew) {
		grew = 0;
		for (uint32_t i = 0; i < s->nblobs; i++) {
			const struct vmm_blob_spec *b = &s->blobs[i];

			if (b->gpa <= end && b->gpa + b->len > end) {
				end = b->gpa + b->len;
				last = (int)i;
				grew = 1;
			}
		}
		for (uint32_t i = 0; i < s->nfills; i++) {
			const struct vmm_fill_spec *f = &s->fills[i];

			if (f->gpa <= end && f->gpa + f->len > end) {
				end = f->gpa + f->len;
				last = -1;
				grew = 1;
			}
		}
	}
	if (blob)
		*blob = last;
	return end;
}

const struct vmm_slot_spec *vmm_scenario_slot_holding(
	const struct vmm_scenario *s, uint64_t gpa, uint64_t len)
{
	for (uint32_t i = 0; i < s->nslots && i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot_spec *sl = &s->slots[i];

		if (gpa >= sl->gpa && gpa - sl->gpa < sl->size &&
		    len <= sl->size - (gpa - sl->gpa))
			return sl;
	}
	return NULL;
}

static int validate_slots(const struct vmm_scenario *s, struct vmm_error *e)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < s->nslots; i++) {
		const struct vmm_slot_spec *a = &s->slots[i];

		if (a->size == 0 || (a->size & (VMM_PAGE_SIZE - 1)) ||
		    (a->gpa & (VMM_PAGE_SIZE - 1)))
			return vmm_scenario_reject(
				e,
				"slot %u: gpa 0x%llx size 0x%llx must be "
				"page aligned and non-empty",
				a->id, (unsigned long long)a->gpa,
				(unsigned long long)a->size);
		if (a->size > VMM_RAM_LIMIT || a->gpa > VMM_RAM_LIMIT - a->size)
			return vmm_scenario_reject(
				e,
				"slot %u: [0x%llx, 0x%llx) reaches past the"
				" RAM limit 0x%llx",
				a->id, (unsigned long long)a->gpa,
				(unsigned long long)a->gpa + a->size,
				VMM_RAM_LIMIT);
		if (a->flags & ~(VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG))
			return vmm_scenario_reject(
				e, "slot %u: unknown flags 0x%x", a->id,
				a->flags);
		if (a->id >= 0x8000)
			return vmm_scenario_reject(
				e, "slot %u: slot id must be below 0x8000",
				a->id);
		total += a->size;
		if (total > VMM_MAX_GUEST_MEM)
			return vmm_scenario_reject(
				e, "guest memory exceeds %llu bytes",
				VMM_MAX_GUEST_MEM);
		for (uint32_t j = 0; j < i; j++) {
			const struct vmm_slot_spec *b = &s->slots[j];

			if (a->id == b->id)
				return vmm_scenario_reject(
					e, "slot id %u used twice", a->id);
			if (vmm_ranges_overlap(a->gpa, a->size, b->gpa,
					       b->size))
				return vmm_scenario_reject(
					e,
					"slot %u [0x%llx, 0x%llx) overlaps "
					"slot %u",
					a->id, (unsigned long long)a->gpa,
					(unsigned long long)a->gpa + a->size,
					b->id);
		}
		if (s->mmio_console &&
		    vmm_ranges_overlap(a->gpa, a->size, s->mmio_console_gpa,
				       VMM_MMIO_CONSOLE_SIZE))
			return vmm_scenario_reject(
				e,
				"MMIO console at 0x%llx lies inside slot "
				"%u (RAM shadows MMIO)",
				(unsigned long long)s->mmio_console_gpa, a->id);
	}
	return 0;
}

/* Exceptions that push an error code (SDM vol. 3, table 6-1): #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
#define EV_ERRCODE_VECTORS                                               \
	((1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) | (1U << 13) | \
	 (1U << 14) | (1U << 17) | (1U << 21) | (1U << 29) | (1U << 30))

/* The events record: canonical (a value only with the flag that uses it,
 * a flag only with the part it qualifies) and within what the hardware
 * can deliver. Vectors KVM refuses (an exception above 31 or NMI's 2) are
 * left to KVM: its EINVAL is an expected input error. */
static int validate_events(const struct vmm_vcpu_spec *v, uint32_t i,
			   struct vmm_error *e)
{
	uint32_t f = v->ev_flags;

	if (v->has_events > 1)
		return vmm_scenario_reject(e,
					   "vCPU %u: has_events=%u, must be "
					   "0 or 1",
					   i, v->has_events);
	if (!v->has_events) {
		if (f || v->ev_vector || v->ev_error || v->ev_irq)
			return vmm_scenario_reject(
				e,
				"vCPU %u: event values without an events "
				"record",
				i);
		return 0;
	}
	if (f & ~VMM_EV_KNOWN)
		return vmm_scenario_reject(
			e, "vCPU %u: events flags 0x%x have unknown bits", i,
			f);
	if ((f & (VMM_EV_EXC_PENDING | VMM_EV_ERRCODE)) && !(f & VMM_EV_EXC))
		return vmm_scenario_reject(
			e,
			"vCPU %u: events flags 0x%x: exc-pending/errcode "
			"without an exception",
			i, f);
	if (!(f & VMM_EV_EXC) && v->ev_vector)
		return vmm_scenario_reject(
			e, "vCPU %u: exception vector %u without an exception",
			i, v->ev_vector);
	if (!(f & VMM_EV_ERRCODE) && v->ev_error)
		return vmm_scenario_reject(
			e, "vCPU %u: error code 0x%x without the errcode flag",
			i, v->ev_error);
	if ((f & VMM_EV_ERRCODE) &&
	    (v->ev_vector > 31 || !((EV_ERRCODE_VECTORS >> v->ev_vector) & 1)))
		return vmm_scenario_reject(
			e, "vCPU %u: exception vector %u has no error code", i,
			v->ev_vector);
	if (!(f & VMM_EV_IRQ) && v->ev_irq)
		return vmm_scenario_reject(
			e, "vCPU %u: interrupt vector %u without an interrupt",
			i, v->ev_irq);
	if ((f & VMM_EV_NMI_PENDING) && (f & VMM_EV_NMI_INJECTED))
		return vmm_scenario_reject(
			e, "vCPU %u: an NMI both pending and injected", i);
	if ((f & VMM_EV_EXC) && !(f & VMM_EV_EXC_PENDING) &&
	    (f & (VMM_EV_NMI_INJECTED | VMM_EV_IRQ)))
		return vmm_scenario_reject(
			e,
			"vCPU %u: more than one event injected (one entry "
			"delivers one)",
			i);
	if ((f & VMM_EV_NMI_INJECTED) && (f & VMM_EV_IRQ))
		return vmm_scenario_reject(
			e,
			"vCPU %u: more than one event injected (one entry "
			"delivers one)",
			i);
	return 0;
}

/* The guest_debug record: known control bits, the others only with
 * enable, debug registers only with hardware breakpoints, one injected
 * exception at most (docs/scenario-format.md). Flags this host's KVM
 * refuses are KVM's to refuse (EINVAL: an input error). */
static int validate_gdbg(const struct vmm_vcpu_spec *v, uint32_t i,
			 struct vmm_error *e)
{
	uint32_t c = v->gdbg_control;
	int dregs = v->gdbg_dr[0] || v->gdbg_dr[1] || v->gdbg_dr[2] ||
		    v->gdbg_dr[3] || v->gdbg_dr7;

	if (v->has_gdbg > 1)
		return vmm_scenario_reject(e,
					   "vCPU %u: has_gdbg=%u, must be 0 "
					   "or 1",
					   i, v->has_gdbg);
	if (!v->has_gdbg && (c || dregs))
		return vmm_scenario_reject(
			e,
			"vCPU %u: guest debug values without a guest_debug "
			"record",
			i);
	if (c & ~VMM_GDBG_KNOWN)
		return vmm_scenario_reject(
			e, "vCPU %u: guest_debug control 0x%x has unknown bits",
			i, c);
	if ((c & ~VMM_GDBG_ENABLE) && !(c & VMM_GDBG_ENABLE))
		return vmm_scenario_reject(
			e, "vCPU %u: guest_debug control 0x%x without enable",
			i, c);
	if (dregs && !(c & VMM_GDBG_USE_HW_BP))
		return vmm_scenario_reject(
			e,
			"vCPU %u: guest_debug debug registers without "
			"hardware breakpoints",
			i);
	if ((c & VMM_GDBG_INJECT_DB) && (c & VMM_GDBG_INJECT_BP))
		return vmm_scenario_reject(
			e, "vCPU %u: guest_debug injects both #DB and #BP", i);
	return 0;
}

/* The VM-wide exit records: msr_exits (ranges of one MSR filter, the
 * same capability reasons in each) and hypercall. */
static int validate_exit_records(const struct vmm_scenario *s,
				 struct vmm_error *e)
{
	if (s->arch != VMM_ARCH_X86_64 &&
	    (s->nmsr_exits || s->has_hypercall || s->hypercall_mask))
		return vmm_scenario_reject(
			e, "x86 msr_exits/hypercall records in an %s scenario",
			vmm_arch_name(s->arch));
	if (s->nmsr_exits > VMM_MAX_MSR_EXIT_RANGES)
		return vmm_scenario_reject(e,
					   "%u msr_exits records (allowed "
					   "0..%d)",
					   s->nmsr_exits,
					   VMM_MAX_MSR_EXIT_RANGES);
	for (uint32_t r = 0; r < s->nmsr_exits; r++) {
		const struct vmm_msr_exit_spec *m = &s->msr_exits[r];

		if (m->pad[0] || m->pad[1])
			return vmm_scenario_reject(
				e, "msr_exits record %u: padding not zero", r);
		if (m->reasons & ~VMM_MX_REASONS)
			return vmm_scenario_reject(
				e,
				"msr_exits record %u: reasons 0x%x have "
				"unknown bits",
				r, m->reasons);
		if (m->flags & ~VMM_MX_KNOWN)
			return vmm_scenario_reject(
				e,
				"msr_exits record %u: flags 0x%x have "
				"unknown bits",
				r, m->flags);
		if (m->nmsrs > VMM_MAX_MSR_EXIT_NMSRS)
			return vmm_scenario_reject(
				e,
				"msr_exits record %u: %u MSRs (allowed "
				"0..%u)",
				r, m->nmsrs, VMM_MAX_MSR_EXIT_NMSRS);
		if (!m->nmsrs && (m->base || m->flags))
			return vmm_scenario_reject(
				e,
				"msr_exits record %u without MSRs has a base "
				"or flags",
				r);
		if (r > 0 && m->reasons != m[-1].reasons)
			return vmm_scenario_reject(
				e,
				"msr_exits record %u: reasons differ from the "
				"previous record's (one capability per VM)",
				r);
	}
	if (s->has_hypercall > 1)
		return vmm_scenario_reject(e,
					   "has_hypercall=%d, must be 0 or 1",
					   s->has_hypercall);
	if (!s->has_hypercall && s->hypercall_mask)
		return vmm_scenario_reject(
			e, "hypercall mask without a hypercall record");
	return 0;
}
static int validate_one_regs(const struct vmm_vcpu_spec *v, uint32_t i,
			     struct vmm_error *e);
const char *vmm_scenario_vec_check(const uint8_t *p, uint32_t len,
				   unsigned int n, unsigned int cap)
{
	if (len % VMM_SCN_VEC_ENTRY)
		return "register list length is not a multiple of 17 "
		       "(index, 16-byte value)";
	if (len > cap * VMM_SCN_VEC_ENTRY)
		return "register list longer than its cap "
		       "(VMM_MAX_SCN_FPU_REGS, VMM_MAX_SCN_YMM)";
	for (uint32_t at = 0; at < len; at += VMM_SCN_VEC_ENTRY) {
		if (p[at] >= n)
			return "register index out of range";
		if (at && p[at] <= p[at - VMM_SCN_VEC_ENTRY])
			return "register indices not strictly ascending "
			       "(canonical order, one entry per register)";
	}
	return NULL;
}

/* The fpu, xsave and xcr records: a presence flag of 0 or 1, values only
 * with the record, register lists in canonical form. Values KVM refuses
 * (XCR0 without x87 or with AVX but not SSE, XSTATE_BV bits the vCPU
 * cannot have, XCOMP_BV, reserved header or MXCSR bits) are left to it:
 * its EINVAL is an expected input error. */
static int validate_fpu(const struct vmm_vcpu_spec *v, uint32_t i,
			struct vmm_error *e)
{
	const char *why;

	if (v->has_fpu > 1 || v->has_xsave > 1 || v->has_xcr > 1)
		return vmm_scenario_reject(e,
					   "vCPU %u: has_fpu=%u has_xsave=%u "
					   "has_xcr=%u, each must be 0 or 1",
					   i, v->has_fpu, v->has_xsave,
					   v->has_xcr);
	if (!v->has_fpu && (v->fpu_fcw || v->fpu_fsw || v->fpu_ftwx ||
			    v->fpu_fop || v->fpu_last_ip || v->fpu_last_dp ||
			    v->fpu_mxcsr || v->fpu_regs_len))
		return vmm_scenario_reject(
			e, "vCPU %u: fpu values without an fpu record", i);
	if (!v->has_xsave && (v->xs_bv || v->xs_comp || v->xs_rsvd ||
			      v->xs_mxcsr || v->xs_ymmh_len))
		return vmm_scenario_reject(
			e, "vCPU %u: xsave values without an xsave record", i);
	if (!v->has_xcr && v->xcr0)
		return vmm_scenario_reject(
			e, "vCPU %u: an XCR0 value without an xcr record", i);
	why = vmm_scenario_vec_check(v->fpu_regs, v->fpu_regs_len,
				     VMM_FPU_NREGS, VMM_MAX_SCN_FPU_REGS);
	if (why)
		return vmm_scenario_reject(e, "vCPU %u: fpu record: %s", i,
					   why);
	why = vmm_scenario_vec_check(v->xs_ymmh, v->xs_ymmh_len, VMM_YMM_NREGS,
				     VMM_MAX_SCN_YMM);
	if (why)
		return vmm_scenario_reject(e, "vCPU %u: xsave record: %s", i,
					   why);
	return 0;
}

/* The lapic records: fields of the register page in strictly increasing
 * offset order; only with an in-kernel LAPIC (an irqchip record). */
static int validate_lapic(const struct vmm_scenario *s,
			  const struct vmm_vcpu_spec *v, uint32_t i,
			  struct vmm_error *e)
{
	if (v->nlapic > VMM_MAX_SCN_LAPIC)
		return vmm_scenario_reject(e,
					   "vCPU %u: %u lapic records (allowed "
					   "0..%d)",
					   i, v->nlapic, VMM_MAX_SCN_LAPIC);
	if (v->nlapic && !s->has_irqchip)
		return vmm_scenario_reject(
			e,
			"vCPU %u: lapic records need an in-kernel LAPIC (an "
			"irqchip record)",
			i);
	for (uint32_t l = 0; l < v->nlapic; l++) {
		const struct vmm_lapic_spec *p = &v->lapic[l];

		if (p->pad || (p->offset & 15U) || p->offset >= VMM_LAPIC_PAGE)
			return vmm_scenario_reject(
				e,
				"vCPU %u: lapic offset 0x%x: must be 16-byte "
				"aligned and below 0x%x",
				i, p->offset, VMM_LAPIC_PAGE);
		if (l > 0 && p->offset <= v->lapic[l - 1].offset)
			return vmm_scenario_reject(
				e,
				"vCPU %u: lapic offset 0x%x after 0x%x: "
				"records must be in strictly increasing offset "
				"order",
				i, p->offset, v->lapic[l - 1].offset);
	}
	return 0;
}

/* ---- action records ------------------------------------------------------ */

static const char *const action_kind_names[VMM_AK_COUNT] = {
	[VMM_AK_SLOT_ADD] = "slot_add",
	[VMM_AK_SLOT_DELETE] = "slot_delete",
	[VMM_AK_SLOT_MOVE] = "slot_move",
	[VMM_AK_SLOT_RESIZE] = "slot_resize",
	[VMM_AK_SLOT_FLAGS] = "slot_flags",
	[VMM_AK_DIRTY_GET] = "dirty_get",
	[VMM_AK_DIRTY_CLEAR] = "dirty_clear",
	[VMM_AK_IRQ_LINE] = "irq_line",
	[VMM_AK_MSI] = "msi",
	[VMM_AK_NMI] = "nmi",
	[VMM_AK_SMI] = "smi",
	[VMM_AK_INTERRUPT] = "interrupt",
	[VMM_AK_REG] = "reg",
	[VMM_AK_SREG] = "sreg",
	[VMM_AK_EVENTS] = "events",
	[VMM_AK_DEBUGREG] = "debugreg",
	[VMM_AK_GUEST_DEBUG] = "guest_debug",
	[VMM_AK_LAPIC] = "lapic",
	[VMM_AK_IMMEDIATE_EXIT] = "immediate_exit",
};

const char *vmm_action_kind_name(unsigned int kind)
{
	return kind < VMM_AK_COUNT ? action_kind_names[kind] : NULL;
}

int vmm_action_before(const struct vmm_action_spec *a,
		      const struct vmm_action_spec *b)
{
	const uint64_t ka[] = { a->vcpu,   a->trigger, a->when, a->kind,
				a->target, a->idx,     a->a,	a->b };
	const uint64_t kb[] = { b->vcpu,   b->trigger, b->when, b->kind,
				b->target, b->idx,     b->a,	b->b };

	for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i];
	return 0;
}

/* The kinds that act on the VM, not on one vCPU (target 0). */
static int action_vm_wide(unsigned int kind)
{
	return kind <= VMM_AK_MSI;
}

static int act_bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int act_bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int slot_size_ok(uint64_t v)
{
	return v && !(v & (VMM_PAGE_SIZE - 1)) && v <= VMM_MAX_GUEST_MEM;
}

int vmm_action_check(const struct vmm_action_spec *a, char *why, size_t len)
{
	uint32_t k = a->kind;

	for (size_t i = 0; i < sizeof(a->pad); i++)
		if (a->pad[i])
			return act_bad(why, len, "padding not zero");
	if (k >= VMM_AK_COUNT)
		return act_bad(why, len, "kind %u (allowed 0..%d)", k,
			       VMM_AK_COUNT - 1);
	if (a->vcpu >= VMM_MAX_VCPUS || a->target >= VMM_MAX_VCPUS)
		return act_bad(why, len, "vcpu %u target %u (allowed 0..%d)",
			       a->vcpu, a->target, VMM_MAX_VCPUS - 1);
	if (a->trigger == VMM_AT_EXIT &&
	    (a->when == 0 || a->when > VMM_SCN_MAX_EXITS))
		return act_bad(why, len,
			       "trigger exit when=%u (the n-th exit, 1..%u)",
			       a->when, VMM_SCN_MAX_EXITS);
	if (a->trigger == VMM_AT_REASON && a->when >= 64)
		return act_bad(why, len,
			       "trigger reason when=%u (a KVM_EXIT_* below 64)",
			       a->when);
	if (a->trigger >= VMM_AT_COUNT)
		return act_bad(why, len, "trigger %u (0 exit, 1 reason)",
			       a->trigger);
	if (action_vm_wide(k) && a->target)
		return act_bad(why, len,
			       "target=%u: a VM-wide action takes none",
			       a->target);
	switch (k) {
	case VMM_AK_SLOT_ADD:
		if (a->idx >= 0x8000 || (a->a & (VMM_PAGE_SIZE - 1)) ||
		    !slot_size_ok(a->b) || a->a > UINT64_MAX - a->b)
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a (gpa) page "
				       "aligned, b (size) 1 page..0x%llx",
				       VMM_MAX_GUEST_MEM);
		return 0;
	case VMM_AK_SLOT_DELETE:
	case VMM_AK_DIRTY_GET:
		if (a->idx >= 0x8000 || a->a || a->b)
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a=b=0");
		return 0;
	case VMM_AK_SLOT_MOVE:
		if (a->idx >= 0x8000 || (a->a & (VMM_PAGE_SIZE - 1)) || a->b)
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a (gpa) page "
				       "aligned, b=0");
		return 0;
	case VMM_AK_SLOT_RESIZE:
		if (a->idx >= 0x8000 || a->a || !slot_size_ok(a->b))
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a=0, b (size) "
				       "1 page..0x%llx",
				       VMM_MAX_GUEST_MEM);
		return 0;
	case VMM_AK_SLOT_FLAGS:
		if (a->idx >= 0x8000 ||
		    (a->a &
		     ~(uint64_t)(VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG)) ||
		    a->b)
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a (flags) "
				       "readonly 1, dirty_log 2, b=0");
		return 0;
	case VMM_AK_DIRTY_CLEAR:
		if (a->idx >= 0x8000 ||
		    a->a >= VMM_MAX_GUEST_MEM / VMM_PAGE_SIZE || a->b == 0 ||
		    a->b > VMM_ACTION_MAX_PAGES)
			return act_bad(why, len,
				       "idx (slot id) < 0x8000, a (first "
				       "page) < 0x%llx, b (pages) 1..0x%x",
				       VMM_MAX_GUEST_MEM / VMM_PAGE_SIZE,
				       VMM_ACTION_MAX_PAGES);
		return 0;
	case VMM_AK_IRQ_LINE:
		if (a->idx >= VMM_MAX_GSI || a->a > 1 || a->b)
			return act_bad(why, len,
				       "idx (gsi) < %d, a (level) 0 or 1, b=0",
				       VMM_MAX_GSI);
		return 0;
	case VMM_AK_MSI:
		if (a->idx || a->b > UINT32_MAX)
			return act_bad(why, len,
				       "idx=0, a (address), b (data) 32 bits");
		return 0;
	case VMM_AK_NMI:
	case VMM_AK_SMI:
	case VMM_AK_IMMEDIATE_EXIT:
		if (a->idx || a->a || a->b)
			return act_bad(why, len, "idx=a=b=0");
		return 0;
	case VMM_AK_INTERRUPT:
		if (a->idx > 255 || a->a || a->b)
			return act_bad(why, len, "idx (vector) < 256, a=b=0");
		return 0;
	case VMM_AK_REG:
		if (a->idx >= vmm_arch_nregs(VMM_ARCH_X86_64) || a->b)
			return act_bad(why, len, "idx (register) < %u, b=0",
				       vmm_arch_nregs(VMM_ARCH_X86_64));
		return 0;
	case VMM_AK_SREG:
		if (a->idx >= VMM_SREG_COUNT || a->b ||
		    ((a->idx == VMM_SREG_GDT_LIMIT ||
		      a->idx == VMM_SREG_IDT_LIMIT) &&
		     a->a > 0xFFFF))
			return act_bad(why, len,
				       "idx (sregs field) < %d, a limit "
				       "16 bits, b=0",
				       VMM_SREG_COUNT);
		return 0;
	case VMM_AK_EVENTS:
		if (!a->idx || (a->idx & ~VMM_AK_EV_KNOWN) ||
		    ((a->idx & VMM_EV_ERRCODE) && !(a->idx & VMM_EV_EXC)) ||
		    (!(a->idx & VMM_EV_EXC) && (a->a & 0xFFU)) ||
		    (!(a->idx & VMM_EV_IRQ) && (a->a & 0xFF00U)) ||
		    a->a > 0xFFFF || (!(a->idx & VMM_EV_ERRCODE) && a->b) ||
		    a->b > UINT32_MAX)
			return act_bad(why, len,
				       "idx (parts) 0x%x within 0x%x, an "
				       "error code only with an exception, "
				       "a (vectors: exception bits 0-7, "
				       "interrupt 8-15) and b (error code) "
				       "only with their parts",
				       a->idx, VMM_AK_EV_KNOWN);
		return 0;
	case VMM_AK_DEBUGREG:
		if (a->idx > 5 || a->b)
			return act_bad(why, len,
				       "idx (0-3 DR0-3, 4 DR6, 5 DR7), b=0");
		return 0;
	case VMM_AK_GUEST_DEBUG:
		if ((a->a & ~(uint64_t)VMM_GDBG_KNOWN) ||
		    (a->idx > 3 && a->idx != 7) || (a->idx && !a->b))
			return act_bad(why, len,
				       "a (control) within 0x%x, idx (debug "
				       "register 0-3 or 7, 0 when b=0), b "
				       "(its value)",
				       VMM_GDBG_KNOWN);
		return 0;
	default: /* VMM_AK_LAPIC */
		if ((a->idx & 15U) || a->idx >= VMM_LAPIC_PAGE ||
		    a->a > UINT32_MAX || a->b)
			return act_bad(why, len,
				       "idx (offset) 16-byte aligned below "
				       "0x%x, a 32 bits, b=0",
				       VMM_LAPIC_PAGE);
	}
	return 0;
}

/* The action list: x86, canonical, naming vCPUs the scenario has. */
static int validate_actions(const struct vmm_scenario *s, struct vmm_error *e)
{
	char why[160];

	if (s->nactions > VMM_MAX_SCN_ACTIONS)
		return vmm_scenario_reject(e,
					   "%u action records (allowed 0..%d)",
					   s->nactions, VMM_MAX_SCN_ACTIONS);
	if (s->nactions && s->arch != VMM_ARCH_X86_64)
		return vmm_scenario_reject(e, "action records are x86 only");
	for (uint32_t q = 0; q < s->nactions; q++) {
		const struct vmm_action_spec *a = &s->actions[q];

		if (vmm_action_check(a, why, sizeof(why)) < 0)
			return vmm_scenario_reject(
				e, "action %u (%s): %s", q,
				vmm_action_kind_name(a->kind)
					? vmm_action_kind_name(a->kind)
					: "?",
				why);
		if (a->vcpu >= s->nvcpus || a->target >= s->nvcpus)
			return vmm_scenario_reject(
				e,
				"action %u: vcpu %u / target %u, the scenario "
				"has %u vCPUs",
				q, a->vcpu, a->target, s->nvcpus);
		if (q > 0 && !vmm_action_before(&s->actions[q - 1], a))
			return vmm_scenario_reject(
				e,
				"action %u: not after the previous one "
				"(canonical order: vcpu, trigger, when, kind, "
				"target, idx, a, b; no two alike)",
				q);
	}
	return 0;
}

/* The irqchip record and the irq list (x86): canonical (values only for
 * the mode or type that uses them) and within the caps. */
static int validate_irq(const struct vmm_scenario *s, struct vmm_error *e)
{
	if (s->arch != VMM_ARCH_X86_64 && (s->has_irqchip || s->nirqs))
		return vmm_scenario_reject(e,
					   "irqchip/irq records are x86 only");
	if (s->has_irqchip > 1)
		return vmm_scenario_reject(e, "has_irqchip=%d, must be 0 or 1",
					   s->has_irqchip);
	if (!s->has_irqchip) {
		if (s->irqchip_mode || s->pit_flags || s->irqchip_routes)
			return vmm_scenario_reject(
				e, "irqchip values without an irqchip record");
	} else {
		if (s->irqchip_mode != VMM_IRQCHIP_KERNEL &&
		    s->irqchip_mode != VMM_IRQCHIP_SPLIT)
			return vmm_scenario_reject(
				e, "irqchip mode %u (1 kernel, 2 split)",
				s->irqchip_mode);
		if (s->pit_flags & ~VMM_PIT_KNOWN_FLAGS)
			return vmm_scenario_reject(
				e, "irqchip pit_flags 0x%x have unknown bits",
				s->pit_flags);
		if (s->irqchip_mode == VMM_IRQCHIP_SPLIT && s->pit_flags)
			return vmm_scenario_reject(
				e,
				"irqchip pit_flags 0x%x with a split irqchip "
				"(no in-kernel PIT)",
				s->pit_flags);
		if (s->irqchip_mode == VMM_IRQCHIP_KERNEL && s->irqchip_routes)
			return vmm_scenario_reject(
				e,
				"irqchip routes=%u with an in-kernel irqchip "
				"(only a split one takes routes)",
				s->irqchip_routes);
		if (s->irqchip_routes > VMM_MAX_IOAPIC_ROUTES)
			return vmm_scenario_reject(
				e, "irqchip routes=%u (allowed 0..%d)",
				s->irqchip_routes, VMM_MAX_IOAPIC_ROUTES);
	}
	if (s->nirqs > VMM_MAX_SCN_IRQS)
		return vmm_scenario_reject(e, "%u irq records (allowed 0..%d)",
					   s->nirqs, VMM_MAX_SCN_IRQS);
	if (s->nirqs && !s->has_irqchip)
		return vmm_scenario_reject(
			e, "irq records need an in-kernel irqchip (an irqchip "
			   "record)");
	for (uint32_t q = 0; q < s->nirqs; q++) {
		const struct vmm_irq_spec *r = &s->irqs[q];

		if (r->type >= VMM_IRQ_TYPES)
			return vmm_scenario_reject(
				e, "irq %u: type %u (0 line, 1 msi)", q,
				r->type);
		for (size_t b = 0; b < sizeof(r->pad); b++)
			if (r->pad[b])
				return vmm_scenario_reject(
					e, "irq %u: padding not zero", q);
		if (r->type == VMM_IRQ_LINE &&
		    (r->address || r->data || r->level > 1 ||
		     r->gsi >= VMM_MAX_GSI))
			return vmm_scenario_reject(
				e,
				"irq %u: a line takes gsi < %d and level 0 or "
				"1 only (address 0x%llx data 0x%x level %u "
				"gsi %u)",
				q, VMM_MAX_GSI, (unsigned long long)r->address,
				r->data, r->level, r->gsi);
		if (r->type == VMM_IRQ_MSI && (r->gsi || r->level))
			return vmm_scenario_reject(
				e,
				"irq %u: an MSI takes address and data only "
				"(gsi %u level %u)",
				q, r->gsi, r->level);
	}
	return 0;
}

static int validate_vcpu(const struct vmm_scenario *s, uint32_t i,
			 struct vmm_error *e)
{
	const struct vmm_vcpu_spec *v = &s->vcpus[i];
	unsigned int nregs = vmm_arch_nregs(s->arch);

	if (v->mode >= vmm_arch_nmodes(s->arch))
		return vmm_scenario_reject(e, "vCPU %u: unknown %s mode %u", i,
					   vmm_arch_name(s->arch), v->mode);
	if (nregs < 64 && (v->reg_mask >> nregs))
		return vmm_scenario_reject(e,
					   "vCPU %u: register mask 0x%llx has "
					   "unknown bits",
					   i, (unsigned long long)v->reg_mask);
	if (s->arch == VMM_ARCH_ARM64) {
		if (v->features & ~VMM_ARM64_FEAT_SETTABLE)
			return vmm_scenario_reject(
				e,
				"vCPU %u: arm64 features 0x%x "
				"outside 0x%x (el1-32bit comes from mode "
				"aarch32)",
				i, v->features, VMM_ARM64_FEAT_SETTABLE);
		if (v->sreg_mask || v->seg_mask || v->nmsrs || v->ncpuid ||
		    v->has_dregs || v->has_events || v->has_gdbg ||
		    v->gdbg_control || v->has_fpu || v->has_xsave ||
		    v->has_xcr || v->nlapic)
			return vmm_scenario_reject(
				e,
				"vCPU %u: x86 sreg/seg/msr/cpuid/debugregs/"
				"events/guest_debug/fpu/xsave/xcr/lapic records "
				"in an arm64 scenario",
				i);
		return validate_one_regs(v, i, e);
	}
	if (v->n_one_regs)
		return vmm_scenario_reject(
			e, "vCPU %u: one_reg records are arm64 only", i);
	if (v->features)
		return vmm_scenario_reject(
			e,
			"vCPU %u: vCPU features 0x%x are arm64 "
			"only",
			i, v->features);
	if (v->sreg_mask >> VMM_SREG_COUNT)
		return vmm_scenario_reject(
			e, "vCPU %u: sreg mask 0x%x has unknown bits", i,
			v->sreg_mask);
	if (v->seg_mask >> VMM_SEG_COUNT)
		return vmm_scenario_reject(
			e, "vCPU %u: segment mask 0x%x has unknown bits", i,
			v->seg_mask);
	for (unsigned int g = 0; g < VMM_SEG_COUNT; g++)
		if ((v->seg_mask & (1U << g)) &&
		    (v->segs[g].attrs & ~VMM_SEGA_KNOWN))
			return vmm_scenario_reject(
				e, "vCPU %u: %s attrs 0x%x have unknown bits",
				i, seg_names[g], v->segs[g].attrs);
	if (v->nmsrs > VMM_MAX_SCN_MSRS)
		return vmm_scenario_reject(e,
					   "vCPU %u: %u MSR records (allowed "
					   "0..%d)",
					   i, v->nmsrs, VMM_MAX_SCN_MSRS);
	for (uint32_t m = 0; m < v->nmsrs; m++) {
		if (v->msrs[m].pad)
			return vmm_scenario_reject(
				e, "vCPU %u: MSR record %u: padding not zero",
				i, m);
		if (m > 0 && v->msrs[m].index <= v->msrs[m - 1].index)
			return vmm_scenario_reject(
				e,
				"vCPU %u: MSR 0x%x after 0x%x: MSR records "
				"must be in strictly increasing index order",
				i, v->msrs[m].index, v->msrs[m - 1].index);
	}
	if (validate_cpuid(v, i, e) < 0)
		return -1;
	if (v->has_dregs > 1)
		return vmm_scenario_reject(e,
					   "vCPU %u: has_dregs=%u, must be "
					   "0 or 1",
					   i, v->has_dregs);
	if (!v->has_dregs &&
	    (v->dr[0] || v->dr[1] || v->dr[2] || v->dr[3] || v->dr6 || v->dr7))
		return vmm_scenario_reject(
			e,
			"vCPU %u: debug register values without a "
			"debugregs record",
			i);
	if (validate_events(v, i, e) < 0 || validate_gdbg(v, i, e) < 0 ||
	    validate_fpu(v, i, e) < 0)
		return -1;
	if (validate_lapic(s, v, i, e) < 0)
		return -1;
	if ((v->sreg_mask & (1U << VMM_SREG_GDT_LIMIT)) &&
	    v->sregs[VMM_SREG_GDT_LIMIT] > 0xFFFF)
		return vmm_scenario_reject(
			e, "vCPU %u: gdt_limit 0x%llx exceeds 0xffff", i,
			(unsigned long long)v->sregs[VMM_SREG_GDT_LIMIT]);
	if ((v->sreg_mask & (1U << VMM_SREG_IDT_LIMIT)) &&
	    v->sregs[VMM_SREG_IDT_LIMIT] > 0xFFFF)
		return vmm_scenario_reject(
			e, "vCPU %u: idt_limit 0x%llx exceeds 0xffff", i,
			(unsigned long long)v->sregs[VMM_SREG_IDT_LIMIT]);
	return 0;
}

int vmm_one_reg_check(const struct vmm_one_reg_spec *r, char *why, size_t len)
{
	unsigned int size = (unsigned int)((r->id & VMM_ONE_REG_SIZE_MASK) >>
					   VMM_ONE_REG_SIZE_SHIFT);

	if ((r->id & VMM_ONE_REG_ARCH_MASK) != VMM_ONE_REG_ARM64) {
		(void)snprintf(why, len,
			       "not an arm64 register id (bits 63..56 must "
			       "be 0x60)");
		return -1;
	}
	if (size > VMM_ONE_REG_SIZE_U128) {
		(void)snprintf(why, len,
			       "a %u-bit register; records hold 8 to 128 "
			       "bits",
			       8U << size);
		return -1;
	}
	if (size < VMM_ONE_REG_SIZE_U64 && (r->value >> (8U << size))) {
		(void)snprintf(why, len,
			       "value 0x%llx is wider than the %u-bit "
			       "register",
			       (unsigned long long)r->value, 8U << size);
		return -1;
	}
	if (size != VMM_ONE_REG_SIZE_U128 && r->hi) {
		(void)snprintf(why, len,
			       "hi=0x%llx on a %u-bit register (hi is bits "
			       "64..127 of a 128-bit one)",
			       (unsigned long long)r->hi, 8U << size);
		return -1;
	}
	return 0;
}

static int validate_one_regs(const struct vmm_vcpu_spec *v, uint32_t i,
			     struct vmm_error *e)
{
	char why[160];

	if (v->n_one_regs > VMM_MAX_SCN_ONE_REGS)
		return vmm_scenario_reject(e,
					   "vCPU %u: %u one_reg records "
					   "(allowed 0..%d)",
					   i, v->n_one_regs,
					   VMM_MAX_SCN_ONE_REGS);
	for (uint32_t k = 0; k < v->n_one_regs; k++) {
		const struct vmm_one_reg_spec *r = &v->one_regs[k];

		if (vmm_one_reg_check(r, why, sizeof(why)) < 0)
			return vmm_scenario_reject(
				e, "vCPU %u: one_reg id 0x%llx: %s", i,
				(unsigned long long)r->id, why);
		if (k > 0 && r->id <= v->one_regs[k - 1].id)
			return vmm_scenario_reject(
				e,
				"vCPU %u: one_reg 0x%llx after 0x%llx: "
				"one_reg records must be in strictly "
				"increasing id order",
				i, (unsigned long long)r->id,
				(unsigned long long)v->one_regs[k - 1].id);
	}
	return 0;
}

int vmm_irq_line_before(const struct vmm_irq_line_spec *a,
			const struct vmm_irq_line_spec *b)
{
	if (a->type != b->type)
		return a->type < b->type;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu;
	return a->irq < b->irq;
}

uint64_t vmm_vgic_redist_size(uint32_t nvcpus)
{
	return (uint64_t)nvcpus * VMM_VGIC_REDIST_STRIDE;
}

/* arm64 vgic and irq_line records: regions aligned, inside the IPA
 * space, clear of RAM, the MMIO console and each other; lines within
 * their INTID ranges, on existing vCPUs, in canonical order. */
static int validate_vgic(const struct vmm_scenario *s, struct vmm_error *e)
{
	uint64_t rsz = vmm_vgic_redist_size(s->nvcpus);
	const struct {
		const char *name;
		uint64_t gpa, size;
	} reg[2] = { { "distributor", s->vgic_dist, VMM_VGIC_DIST_SIZE },
		     { "redistributor", s->vgic_redist, rsz } };

	if (!s->has_vgic) {
		if (s->n_irq_lines)
			return vmm_scenario_reject(
				e, "irq_line records without a vgic record");
		return 0;
	}
	if (s->arch != VMM_ARCH_ARM64)
		return vmm_scenario_reject(e, "the vgic record is arm64 only");
	if (s->has_vgic != 1)
		return vmm_scenario_reject(e, "has_vgic=%d, must be 0 or 1",
					   s->has_vgic);
	if (s->vgic_nr_irqs < VMM_VGIC_MIN_IRQS ||
	    s->vgic_nr_irqs > VMM_VGIC_MAX_IRQS || s->vgic_nr_irqs % 32)
		return vmm_scenario_reject(e,
					   "vgic nr_irqs %u: must be a "
					   "multiple of 32 in %u..%u",
					   s->vgic_nr_irqs, VMM_VGIC_MIN_IRQS,
					   VMM_VGIC_MAX_IRQS);
	for (int k = 0; k < 2; k++) {
		if ((reg[k].gpa & (VMM_VGIC_ALIGN - 1)) ||
		    reg[k].gpa >= VMM_VGIC_IPA_LIMIT ||
		    reg[k].size > VMM_VGIC_IPA_LIMIT - reg[k].gpa)
			return vmm_scenario_reject(
				e,
				"vgic %s [0x%llx, +0x%llx): must be 64 KiB "
				"aligned and below 0x%llx",
				reg[k].name, (unsigned long long)reg[k].gpa,
				(unsigned long long)reg[k].size,
				VMM_VGIC_IPA_LIMIT);
		for (uint32_t i = 0; i < s->nslots; i++)
			if (vmm_ranges_overlap(reg[k].gpa, reg[k].size,
					       s->slots[i].gpa,
					       s->slots[i].size))
				return vmm_scenario_reject(
					e,
					"vgic %s [0x%llx, +0x%llx) overlaps "
					"RAM slot %u",
					reg[k].name,
					(unsigned long long)reg[k].gpa,
					(unsigned long long)reg[k].size,
					s->slots[i].id);
		if (s->mmio_console &&
		    vmm_ranges_overlap(reg[k].gpa, reg[k].size,
				       s->mmio_console_gpa,
				       VMM_MMIO_CONSOLE_SIZE))
			return vmm_scenario_reject(
				e,
				"vgic %s [0x%llx, +0x%llx) overlaps the MMIO "
				"console at 0x%llx",
				reg[k].name, (unsigned long long)reg[k].gpa,
				(unsigned long long)reg[k].size,
				(unsigned long long)s->mmio_console_gpa);
	}
	if (vmm_ranges_overlap(reg[0].gpa, reg[0].size, reg[1].gpa,
			       reg[1].size))
		return vmm_scenario_reject(
			e, "vgic distributor and redistributors overlap");
	if (s->n_irq_lines > VMM_MAX_IRQ_LINES)
		return vmm_scenario_reject(e,
					   "%u irq_line records (allowed "
					   "0..%d)",
					   s->n_irq_lines, VMM_MAX_IRQ_LINES);
	for (uint32_t i = 0; i < s->n_irq_lines; i++) {
		const struct vmm_irq_line_spec *q = &s->irq_lines[i];
		int spi = q->type == VMM_IRQ_SPI;

		if (q->type >= VMM_IRQ_NTYPES || q->level > 1 || q->pad[0] ||
		    q->pad[1] || q->pad[2] ||
		    (spi && (q->irq < 32 || q->irq > 1019 || q->vcpu)) ||
		    (!spi && (q->irq < 16 || q->irq > 31)))
			return vmm_scenario_reject(
				e,
				"irq_line %u: type %u irq %u vcpu %u level "
				"%u (spi: 32..1019 on vcpu 0, ppi: 16..31; "
				"level 0 or 1)",
				i, q->type, q->irq, q->vcpu, q->level);
		if (q->vcpu >= s->nvcpus)
			return vmm_scenario_reject(
				e, "irq_line %u: ppi %u on vCPU %u of %u", i,
				q->irq, q->vcpu, s->nvcpus);
		if (i > 0 && !vmm_irq_line_before(&s->irq_lines[i - 1], q))
			return vmm_scenario_reject(
				e,
				"irq_line %u: not after the previous one "
				"(canonical order: type, vcpu, irq)",
				i);
	}
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (s->vcpus[i].features & (1U << VMM_ARM64_FEAT_PMU_V3))
			return vmm_scenario_reject(
				e,
				"vCPU %u: pmu-v3 with a vgic record: the "
				"PMU's interrupt is not wired to the vGIC "
				"(not supported)",
				i);
	return 0;
}

int vmm_scenario_validate(const struct vmm_scenario *s, struct vmm_error *e)
{
	uint64_t init_bytes = 0;

	if (vmm_arch_nmodes(s->arch) == 0)
		return vmm_scenario_reject(e, "unknown architecture %u",
					   s->arch);
	if (s->sys_fixed && s->arch != VMM_ARCH_X86_64)
		return vmm_scenario_reject(e,
					   "a fixed system area is x86 only");
	if (s->flags & ~VMM_SCN_KNOWN_FLAGS)
		return vmm_scenario_reject(e, "unknown scenario flags 0x%x",
					   s->flags);
	if (s->nslots < 1 || s->nslots > VMM_MAX_SLOTS)
		return vmm_scenario_reject(e, "%u memory slots (allowed 1..%d)",
					   s->nslots, VMM_MAX_SLOTS);
	if (s->nvcpus < 1 || s->nvcpus > VMM_MAX_VCPUS)
		return vmm_scenario_reject(e, "%u vCPUs (allowed 1..%d)",
					   s->nvcpus, VMM_MAX_VCPUS);
	if (s->nblobs > VMM_MAX_BLOBS)
		return vmm_scenario_reject(e, "%u blobs (allowed 0..%d)",
					   s->nblobs, VMM_MAX_BLOBS);
	if (s->nfills > VMM_MAX_FILLS)
		return vmm_scenario_reject(e, "%u fills (allowed 0..%d)",
					   s->nfills, VMM_MAX_FILLS);
	if (s->max_exits > VMM_MAX_EXITS_LIMIT)
		return vmm_scenario_reject(e, "exit budget %llu exceeds %llu",
					   (unsigned long long)s->max_exits,
					   VMM_MAX_EXITS_LIMIT);
	if (s->timeout_ms > VMM_MAX_TIMEOUT_MS)
		return vmm_scenario_reject(e, "timeout %u ms exceeds %u ms",
					   s->timeout_ms, VMM_MAX_TIMEOUT_MS);
	if (s->sys_fixed && (s->sys_gpa & (VMM_PAGE_SIZE - 1)))
		return vmm_scenario_reject(
			e,
			"VMM structures address 0x%llx is not page "
			"aligned",
			(unsigned long long)s->sys_gpa);
	if (s->has_input && s->input_len > 0 && !s->input)
		return vmm_scenario_reject(e, "input stream has no bytes");
	if (validate_slots(s, e) < 0)
		return -1;
	for (uint32_t f = 0; f < s->nfills; f++) {
		const struct vmm_fill_spec *fl = &s->fills[f];

		if (fl->len == 0 || fl->pattern_len == 0 ||
		    fl->pattern_len > VMM_MAX_FILL_PATTERN)
			return vmm_scenario_reject(
				e,
				"fill %u: empty range or pattern length "
				"%u not in 1..%d",
				f, fl->pattern_len, VMM_MAX_FILL_PATTERN);
		if (!vmm_scenario_slot_holding(s, fl->gpa, fl->len))
			return vmm_scenario_reject(
				e,
				"fill %u (%u bytes at 0x%llx) does not fit "
				"inside one memory slot",
				f, fl->len, (unsigned long long)fl->gpa);
	}
	for (uint32_t f = 0; f < s->nfills; f++)
		init_bytes += s->fills[f].len;
	for (uint32_t b = 0; b < s->nblobs; b++) /* no overflow: capped */
		init_bytes += s->blobs[b].len < VMM_MAX_INIT_BYTES
				      ? s->blobs[b].len
				      : VMM_MAX_INIT_BYTES + 1;
	if (init_bytes > VMM_MAX_INIT_BYTES)
		return vmm_scenario_reject(e,
					   "fills and blobs write %llu bytes "
					   "(allowed at most %llu)",
					   (unsigned long long)init_bytes,
					   VMM_MAX_INIT_BYTES);
	for (uint32_t b = 0; b < s->nblobs; b++) {
		const struct vmm_blob_spec *bl = &s->blobs[b];

		if (bl->len == 0 || !bl->data)
			return vmm_scenario_reject(e, "blob %u is empty", b);
		if (!vmm_scenario_slot_holding(s, bl->gpa, bl->len))
			return vmm_scenario_reject(
				e,
				"image %u (%llu bytes at 0x%llx) does not "
				"fit inside one memory slot",
				b, (unsigned long long)bl->len,
				(unsigned long long)bl->gpa);
	}
	if (validate_exit_records(s, e) < 0 || validate_irq(s, e) < 0 ||
	    validate_actions(s, e) < 0)
		return -1;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (validate_vcpu(s, i, e) < 0)
			return -1;
	return validate_vgic(s, e);
}

/* ---- equality ---------------------------------------------------------- */

#define DIFF(cond, name)                                       \
	do {                                                   \
		if (cond) {                                    \
			(void)snprintf(what, len, "%s", name); \
			return 0;                              \
		}                                              \
	} while (0)

static int bytes_differ(const uint8_t *a, uint64_t alen, const uint8_t *b,
			uint64_t blen)
{
	if (alen != blen)
		return 1;
	if (alen == 0)
		return 0;
	return memcmp(a, b, alen) != 0;
}

int vmm_scenario_equal(const struct vmm_scenario *a,
		       const struct vmm_scenario *b, char *what, size_t len)
{
	char name[64];

	DIFF(a->arch != b->arch, "arch");
	DIFF(a->flags != b->flags, "flags");
	DIFF(a->max_exits != b->max_exits, "max_exits");
	DIFF(a->timeout_ms != b->timeout_ms, "timeout_ms");
	DIFF(a->mmio_console != b->mmio_console, "mmio_console");
	DIFF(a->mmio_console && a->mmio_console_gpa != b->mmio_console_gpa,
	     "mmio_console_gpa");
	DIFF(a->sys_fixed != b->sys_fixed, "sys_fixed");
	DIFF(a->sys_fixed && a->sys_gpa != b->sys_gpa, "sys_gpa");
	DIFF(a->nslots != b->nslots, "nslots");
	for (uint32_t i = 0; i < a->nslots && i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot_spec *x = &a->slots[i], *y = &b->slots[i];

		(void)snprintf(name, sizeof(name), "slot[%u]", i);
		DIFF(x->id != y->id || x->gpa != y->gpa || x->size != y->size ||
			     x->flags != y->flags,
		     name);
	}
	DIFF(a->nfills != b->nfills, "nfills");
	for (uint32_t i = 0; i < a->nfills && i < VMM_MAX_FILLS; i++) {
		const struct vmm_fill_spec *x = &a->fills[i], *y = &b->fills[i];

		(void)snprintf(name, sizeof(name), "fill[%u]", i);
		DIFF(x->gpa != y->gpa || x->len != y->len ||
			     bytes_differ(x->pattern, x->pattern_len,
					  y->pattern, y->pattern_len),
		     name);
	}
	DIFF(a->nblobs != b->nblobs, "nblobs");
	for (uint32_t i = 0; i < a->nblobs && i < VMM_MAX_BLOBS; i++) {
		const struct vmm_blob_spec *x = &a->blobs[i], *y = &b->blobs[i];

		(void)snprintf(name, sizeof(name), "blob[%u]", i);
		DIFF(x->gpa != y->gpa ||
			     bytes_differ(x->data, x->len, y->data, y->len),
		     name);
	}
	DIFF(a->has_input != b->has_input, "has_input");
	DIFF(a->has_irqchip != b->has_irqchip ||
		     a->irqchip_mode != b->irqchip_mode ||
		     a->pit_flags != b->pit_flags ||
		     a->irqchip_routes != b->irqchip_routes,
	     "irqchip");
	DIFF(a->nirqs != b->nirqs, "nirqs");
	DIFF(a->nactions != b->nactions, "nactions");
	for (uint32_t q = 0; q < a->nactions && q < VMM_MAX_SCN_ACTIONS; q++)
		DIFF(memcmp(&a->actions[q], &b->actions[q],
			    sizeof(a->actions[q])) != 0,
		     "actions");
	for (uint32_t q = 0; q < a->nirqs && q < VMM_MAX_SCN_IRQS; q++)
		DIFF(a->irqs[q].type != b->irqs[q].type ||
			     a->irqs[q].gsi != b->irqs[q].gsi ||
			     a->irqs[q].level != b->irqs[q].level ||
			     a->irqs[q].address != b->irqs[q].address ||
			     a->irqs[q].data != b->irqs[q].data,
		     "irqs");
	DIFF(bytes_differ(a->input, a->input_len, b->input, b->input_len),
	     "input");
	DIFF(a->nmsr_exits != b->nmsr_exits ||
		     (a->nmsr_exits <= VMM_MAX_MSR_EXIT_RANGES &&
		      memcmp(a->msr_exits, b->msr_exits,
			     a->nmsr_exits * sizeof(a->msr_exits[0])) != 0),
	     "msr_exits");
	DIFF(a->has_hypercall != b->has_hypercall ||
		     a->hypercall_mask != b->hypercall_mask,
	     "hypercall");
	DIFF(a->has_vgic != b->has_vgic, "has_vgic");
	DIFF(a->has_vgic && (a->vgic_dist != b->vgic_dist ||
			     a->vgic_redist != b->vgic_redist ||
			     a->vgic_nr_irqs != b->vgic_nr_irqs),
	     "vgic");
	DIFF(a->n_irq_lines != b->n_irq_lines, "n_irq_lines");
	for (uint32_t i = 0; i < a->n_irq_lines && i < VMM_MAX_IRQ_LINES; i++)
		DIFF(memcmp(&a->irq_lines[i], &b->irq_lines[i],
			    sizeof(a->irq_lines[i])) != 0,
		     "irq_lines");
	DIFF(a->nvcpus != b->nvcpus, "nvcpus");
	for (uint32_t i = 0; i < a->nvcpus && i < VMM_MAX_VCPUS; i++) {
		const struct vmm_vcpu_spec *x = &a->vcpus[i], *y = &b->vcpus[i];

		(void)snprintf(name, sizeof(name), "vcpu[%u].mode/entry", i);
		DIFF(x->mode != y->mode || x->entry != y->entry, name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].features", i);
		DIFF(x->features != y->features, name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].regs", i);
		DIFF(x->reg_mask != y->reg_mask, name);
		for (unsigned int r = 0; r < VMM_MAX_REGS; r++)
			DIFF((x->reg_mask & (1ULL << r)) &&
				     x->regs[r] != y->regs[r],
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].sregs", i);
		DIFF(x->sreg_mask != y->sreg_mask, name);
		for (unsigned int r = 0; r < VMM_SREG_COUNT; r++)
			DIFF((x->sreg_mask & (1U << r)) &&
				     x->sregs[r] != y->sregs[r],
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].segs", i);
		DIFF(x->seg_mask != y->seg_mask, name);
		for (unsigned int g = 0; g < VMM_SEG_COUNT; g++)
			DIFF((x->seg_mask & (1U << g)) &&
				     (x->segs[g].selector !=
					      y->segs[g].selector ||
				      x->segs[g].attrs != y->segs[g].attrs ||
				      x->segs[g].limit != y->segs[g].limit ||
				      x->segs[g].base != y->segs[g].base),
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].msrs", i);
		DIFF(x->nmsrs != y->nmsrs, name);
		for (uint32_t m = 0; m < x->nmsrs && m < VMM_MAX_SCN_MSRS; m++)
			DIFF(x->msrs[m].index != y->msrs[m].index ||
				     x->msrs[m].value != y->msrs[m].value,
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].debugregs", i);
		DIFF(x->has_dregs != y->has_dregs ||
			     memcmp(x->dr, y->dr, sizeof(x->dr)) != 0 ||
			     x->dr6 != y->dr6 || x->dr7 != y->dr7,
		     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].events", i);
		DIFF(x->has_events != y->has_events ||
			     x->ev_flags != y->ev_flags ||
			     x->ev_vector != y->ev_vector ||
			     x->ev_error != y->ev_error ||
			     x->ev_irq != y->ev_irq,
		     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].guest_debug", i);
		DIFF(x->has_gdbg != y->has_gdbg ||
			     x->gdbg_control != y->gdbg_control ||
			     memcmp(x->gdbg_dr, y->gdbg_dr,
				    sizeof(x->gdbg_dr)) != 0 ||
			     x->gdbg_dr7 != y->gdbg_dr7,
		     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].one_regs", i);
		DIFF(x->n_one_regs != y->n_one_regs, name);
		for (uint32_t k = 0;
		     k < x->n_one_regs && k < VMM_MAX_SCN_ONE_REGS; k++)
			DIFF(x->one_regs[k].id != y->one_regs[k].id ||
				     x->one_regs[k].value !=
					     y->one_regs[k].value ||
				     x->one_regs[k].hi != y->one_regs[k].hi,
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].fpu", i);
		DIFF(x->has_fpu != y->has_fpu || x->fpu_fcw != y->fpu_fcw ||
			     x->fpu_fsw != y->fpu_fsw ||
			     x->fpu_ftwx != y->fpu_ftwx ||
			     x->fpu_fop != y->fpu_fop ||
			     x->fpu_last_ip != y->fpu_last_ip ||
			     x->fpu_last_dp != y->fpu_last_dp ||
			     x->fpu_mxcsr != y->fpu_mxcsr ||
			     x->fpu_regs_len != y->fpu_regs_len ||
			     (x->fpu_regs_len <= sizeof(x->fpu_regs) &&
			      memcmp(x->fpu_regs, y->fpu_regs,
				     x->fpu_regs_len) != 0),
		     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].xsave", i);
		DIFF(x->has_xsave != y->has_xsave || x->xs_bv != y->xs_bv ||
			     x->xs_comp != y->xs_comp ||
			     x->xs_rsvd != y->xs_rsvd ||
			     x->xs_mxcsr != y->xs_mxcsr ||
			     x->xs_ymmh_len != y->xs_ymmh_len ||
			     (x->xs_ymmh_len <= sizeof(x->xs_ymmh) &&
			      memcmp(x->xs_ymmh, y->xs_ymmh, x->xs_ymmh_len) !=
				      0),
		     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].xcr", i);
		DIFF(x->has_xcr != y->has_xcr || x->xcr0 != y->xcr0, name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].lapic", i);
		DIFF(x->nlapic != y->nlapic, name);
		for (uint32_t l = 0; l < x->nlapic && l < VMM_MAX_SCN_LAPIC;
		     l++)
			DIFF(x->lapic[l].offset != y->lapic[l].offset ||
				     x->lapic[l].value != y->lapic[l].value,
			     name);
		(void)snprintf(name, sizeof(name), "vcpu[%u].cpuid", i);
		DIFF(x->ncpuid != y->ncpuid, name);
		for (uint32_t c = 0; c < x->ncpuid && c < VMM_MAX_SCN_CPUID;
		     c++)
			DIFF(x->cpuid[c].function != y->cpuid[c].function ||
				     x->cpuid[c].index != y->cpuid[c].index ||
				     x->cpuid[c].reg != y->cpuid[c].reg ||
				     x->cpuid[c].value != y->cpuid[c].value,
			     name);
	}
	if (what && len)
		what[0] = '\0';
	return 1;
}
