/* The scenario record schema (vmm/scenario_schema.h): one entry per record,
 * its fields and its semantic hooks. The codec and the text form walk it. */
#include "vmm/scenario_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/vm.h"

/* ---- shared helpers ------------------------------------------------------ */

int scn_fail(struct scn_ctx *c, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(c->e, VMM_ERR_INPUT,
		     c->line ? "scenario text" : "scenario decode", 0, fmt, ap);
	va_end(ap);
	if (c->line)
		vmm_err_prefix(c->e, "line %u", c->line);
	else
		vmm_err_prefix(c->e, "offset %zu", c->off + at);
	return -1;
}

void scn_print(struct scn_ctx *c, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (int i = 0; i < n && i < (int)sizeof(tmp) - 1; i++, c->pos++)
		if (c->pos + 1 < c->cap)
			c->out[c->pos] = tmp[i];
	if (c->cap)
		c->out[c->pos < c->cap ? c->pos : c->cap - 1] = '\0';
}

uint64_t scn_get(const void *base, unsigned int off, unsigned int size)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

void scn_set(void *base, unsigned int off, unsigned int size, uint64_t v)
{
	uint8_t *p = (uint8_t *)base + off;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

const uint8_t *scn_bytes(const struct scn_field *f, const void *elem)
{
	const uint8_t *p = (const uint8_t *)elem + f->off;
	const uint8_t *q;

	if (f->mem)
		return p;
	memcpy(&q, p, sizeof(q));
	return q;
}

void scn_set_bytes(const struct scn_field *f, void *elem, const uint8_t *data,
		   size_t n)
{
	uint8_t *p = (uint8_t *)elem + f->off;

	if (f->mem && n && p != data) /* an array (bounded by the caller) */
		memcpy(p, data, n);
	else if (!f->mem) /* a pointer to the caller's bytes */
		memcpy(p, &data, sizeof(data));
	scn_set(elem, f->len_off, f->len_mem, n);
}

void *scn_elem(const struct scn_record *r, const struct vmm_scenario *s,
	       unsigned int v, unsigned int i)
{
	uint8_t *base = (uint8_t *)s;

	switch (r->kind) {
	case SCN_ONCE:
		return base;
	case SCN_LIST:
	case SCN_VCPU:
		return base + r->arr + (size_t)i * r->stride;
	case SCN_INDEXED:
	case SCN_VCPU_LIST:
		return (uint8_t *)&s->vcpus[v] + r->arr + (size_t)i * r->stride;
	default:
		return (uint8_t *)&s->vcpus[v];
	}
}

unsigned int scn_count(const struct scn_record *r, const struct vmm_scenario *s)
{
	if (r->kind == SCN_ONCE)
		return r->present == SCN_NONE ||
		       scn_get(s, r->present, sizeof(int)) != 0;
	return (unsigned int)scn_get(s, r->count, sizeof(uint32_t));
}

unsigned int scn_vcount(const struct scn_record *r,
			const struct vmm_scenario *s, unsigned int v)
{
	return (unsigned int)scn_get(&s->vcpus[v], r->count, sizeof(uint32_t));
}

int scn_has(const struct scn_record *r, const struct vmm_scenario *s,
	    unsigned int v, unsigned int i)
{
	const void *vcpu = &s->vcpus[v];

	if (r->kind == SCN_INDEXED)
		return ((scn_get(vcpu, r->mask, r->mask_mem) >> i) & 1) != 0;
	if (r->kind == SCN_VCPU_LIST)
		return i < scn_vcount(r, s, v);
	if (r->vpresent)
		return scn_get(vcpu, r->vpresent, sizeof(uint32_t)) != 0;
	return scn_get(vcpu, r->fields[0].off, r->fields[0].mem) != 0;
}

unsigned int scn_nindex(const struct scn_record *r, unsigned int arch)
{
	if (r->kind == SCN_VCPU_LIST)
		return r->cap;
	return r->kind == SCN_INDEXED ? r->nidx(arch) : 1;
}

int scn_per_vcpu(const struct scn_record *r)
{
	return r->kind == SCN_INDEXED || r->kind == SCN_VCPU_ONCE ||
	       r->kind == SCN_VCPU_LIST;
}

void scn_walk(const struct vmm_scenario *s,
	      void (*fn)(void *arg, const struct scn_record *r,
			 const void *elem, unsigned int idx),
	      void *arg)
{
	for (unsigned int i = 0; i < scn_nrecords; i++) {
		const struct scn_record *r = &scn_records[i];
		unsigned int n = scn_per_vcpu(r) ? 0 : scn_count(r, s);

		for (unsigned int k = 0; k < n; k++) {
			fn(arg, r, scn_elem(r, s, 0, k), k);
			for (unsigned int j = i + 1;
			     r->kind == SCN_VCPU && j < scn_nrecords; j++) {
				const struct scn_record *q = &scn_records[j];

				for (unsigned int x = 0;
				     scn_per_vcpu(q) &&
				     x < scn_nindex(q, s->arch);
				     x++)
					if (scn_has(q, s, k, x))
						fn(arg, q, scn_elem(q, s, k, x),
						   x);
			}
		}
	}
}

/* ---- hooks: the checks and names the table cannot say -------------------- */

static int in_slot(struct scn_ctx *c, const char *what, uint64_t gpa,
		   uint64_t len)
{
	if (!vmm_scenario_slot_holding(c->s, gpa, len))
		return scn_fail(c, SCN_REC_HDR,
				"%s [0x%llx, +0x%llx) is not "
				"inside one slot",
				what, (unsigned long long)gpa,
				(unsigned long long)len);
	return 0;
}

static int fill_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_fill_spec *f = elem;

	(void)i;
	return in_slot(c, "fill", f->gpa, f->len);
}

static int blob_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_blob_spec *b = elem;

	(void)i;
	return in_slot(c, "blob", b->gpa, b->len);
}

static int limits_txt(struct scn_ctx *c, const void *elem)
{
	const struct vmm_scenario *s = elem;

	if (s->max_exits == 0 || s->timeout_ms == 0)
		return scn_fail(c, 0, "max_exits and timeout_ms must be >= 1");
	return 0;
}

static int limits_enc(const struct vmm_scenario *s, struct vmm_error *e)
{
	if (s->max_exits < 1 || s->max_exits > VMM_SCN_MAX_EXITS ||
	    s->timeout_ms < 1 || s->timeout_ms > VMM_SCN_MAX_TIMEOUT_MS) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario encode", 0,
			    "limits max_exits=%llu timeout_ms=%u outside the "
			    "scenario bounds 1..%u / 1..%u",
			    (unsigned long long)s->max_exits, s->timeout_ms,
			    VMM_SCN_MAX_EXITS, VMM_SCN_MAX_TIMEOUT_MS);
		return -1;
	}
	return 0;
}

static const char *const slot_flag_names[] = {
	"none",
	"readonly",
	"dirty_log",
	"readonly,dirty_log",
};

static const char *slot_flags_name(unsigned int arch, uint64_t f)
{
	(void)arch;
	return slot_flag_names[f < 3 ? f : 3];
}

static int slot_flags_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	if (!w)
		return scn_fail(c, 0, "slot record needs flags=");
	for (*v = 0; *v < 4; (*v)++)
		if (!strcmp(w, slot_flag_names[*v]))
			return 0;
	return scn_fail(c, 0,
			"slot flags '%.40s' (none, readonly, dirty_log, "
			"readonly,dirty_log)",
			w);
}

static int vcpu_pre(struct scn_ctx *c)
{
	if (c->s->nslots == 0)
		return scn_fail(c, 0, "vcpu record before any slot");
	return 0;
}

static int vcpu_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_vcpu_spec *v = elem;
	unsigned int arch = c->s->arch;

	(void)i;
	if (v->mode >= vmm_arch_nmodes(arch))
		return scn_fail(c, SCN_REC_HDR,
				"vcpu.mode=%u, must be < %u (%s)", v->mode,
				vmm_arch_nmodes(arch), vmm_arch_name(arch));
	return 0;
}

static const char *mode_name(unsigned int arch, uint64_t mode)
{
	const char *n = vmm_arch_mode_name(arch, (unsigned int)mode);

	return n ? n : "?";
}

static int mode_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	int mode = vmm_arch_mode_parse(c->s->arch, w);

	if (mode < 0)
		return scn_fail(c, 0, "unknown mode '%.40s' (%s)", w ? w : "",
				vmm_arch_name(c->s->arch));
	*v = (uint64_t)mode;
	return 0;
}

static unsigned int nsregs(unsigned int arch)
{
	(void)arch;
	return VMM_SREG_COUNT;
}

static const char *sreg_name(unsigned int arch, unsigned int i)
{
	(void)arch;
	return vmm_sreg_name(i);
}

static int sreg_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	uint64_t val = *(const uint64_t *)elem;

	if ((i == VMM_SREG_GDT_LIMIT || i == VMM_SREG_IDT_LIMIT) &&
	    val > 0xFFFF)
		return scn_fail(c, SCN_REC_HDR + 1,
				"sreg %s=0x%llx, must be <= "
				"0xffff",
				vmm_sreg_name(i), (unsigned long long)val);
	return 0;
}

static unsigned int nsegs(unsigned int arch)
{
	(void)arch;
	return VMM_SEG_COUNT;
}

static const char *seg_name(unsigned int arch, unsigned int i)
{
	(void)arch;
	return vmm_seg_name(i);
}

static int features_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	uint32_t f = ((const struct vmm_vcpu_spec *)elem)->features;

	(void)i;
	if (f == 0 || (f & ~VMM_ARM64_FEAT_SETTABLE))
		return scn_fail(c, SCN_REC_HDR,
				"features=0x%x, must be a "
				"non-zero subset of 0x%x (power-off, psci-0.2, "
				"pmu-v3)",
				f, VMM_ARM64_FEAT_SETTABLE);
	return 0;
}

/* "features psci-0.2,pmu-v3": arm64 vCPU features, by name. */
static int features_parse(struct scn_ctx *c, void *elem)
{
	struct vmm_vcpu_spec *v = elem;
	char bad[48];
	uint32_t f;

	if (c->s->arch != VMM_ARCH_ARM64)
		return scn_fail(c, 0, "features are arm64 only");
	if (c->ntok != 2)
		return scn_fail(c, 0,
				"features wants one comma-separated list");
	if (v->features)
		return scn_fail(c, 0, "second features line for this vcpu");
	switch (vmm_arm64_features_parse(c->tok[1], &f, bad, sizeof(bad))) {
	case 0:
		break;
	case VMM_FEATURES_MALFORMED:
		return scn_fail(c, 0, "malformed feature list '%.40s'", bad);
	default:
		return scn_fail(c, 0,
				"unknown or unsettable arm64 feature '%s' "
				"(power-off, psci-0.2, pmu-v3)",
				bad);
	}
	v->features = f;
	return 0;
}

static void features_print(struct scn_ctx *c, const void *elem)
{
	uint32_t f = ((const struct vmm_vcpu_spec *)elem)->features;
	const char *sep = " ";

	for (unsigned int b = 0; b < 32; b++) {
		const char *fn = vmm_arm64_feature_name(b);

		if (!(f & (1U << b)))
			continue;
		if (fn)
			scn_print(c, "%s%s", sep, fn);
		else
			scn_print(c, "%sbit%u", sep, b);
		sep = ",";
	}
}

/* msr: a vCPU's list in strictly increasing index order (canonical: one
 * write per MSR, one order); element i is being added. */
static int msr_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_msr_spec *m = elem;

	if (i > 0 && m->index <= m[-1].index)
		return scn_fail(c, SCN_REC_HDR,
				"msr.index=0x%x not above the previous 0x%x "
				"(canonical order, one record per MSR)",
				m->index, m[-1].index);
	return 0;
}

static const char *cpuid_reg_word(unsigned int arch, uint64_t r)
{
	const char *n = vmm_cpuid_reg_name((unsigned int)r);

	(void)arch;
	return n ? n : "?";
}

static int cpuid_reg_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = 0; w && *v < VMM_CPUID_NREGS; (*v)++)
		if (!strcmp(w, vmm_cpuid_reg_name((unsigned int)*v)))
			return 0;
	if (!w)
		return scn_fail(c, 0, "cpuid record needs reg=");
	return scn_fail(c, 0, "cpuid reg '%.40s' (eax, ebx, ecx, edx)", w);
}

/* cpuid: strictly increasing (function, index, reg): one override per
 * register of a leaf, one order. */
static int cpuid_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_cpuid_spec *q = elem, *p = q - 1;

	if (i > 0 && (q->function < p->function ||
		      (q->function == p->function &&
		       (q->index < p->index ||
			(q->index == p->index && q->reg <= p->reg)))))
		return scn_fail(c, SCN_REC_HDR,
				"cpuid function=0x%x index=0x%x reg=%s not "
				"above the previous function=0x%x index=0x%x "
				"reg=%s (canonical order, one record per "
				"register)",
				q->function, q->index,
				cpuid_reg_word(0, q->reg), p->function,
				p->index, cpuid_reg_word(0, p->reg));
	return 0;
}

/* msr_exits: the capability is VM-wide, so every record names the same
 * reasons; a record without MSRs (the capability only) has no base and no
 * flags. */
static int msr_exits_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_msr_exit_spec *m = elem;

	(void)i; /* SCN_LIST: the element's place is its index */
	if (m != c->s->msr_exits && m->reasons != m[-1].reasons)
		return scn_fail(
			c, SCN_REC_HDR,
			"msr_exits.reasons=0x%x differs from the "
			"previous record's 0x%x (one capability per VM)",
			m->reasons, m[-1].reasons);
	if (m->nmsrs == 0 && (m->base || m->flags))
		return scn_fail(c, SCN_REC_HDR,
				"msr_exits record without MSRs has base=0x%x "
				"flags=0x%x (both must be 0)",
				m->base, m->flags);
	return 0;
}

/* guest_debug: the other control bits only with enable (KVM ignores
 * them otherwise), debug registers only with hardware breakpoints, one
 * injected exception at most. */
static int gdbg_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_vcpu_spec *v = elem;
	uint32_t ctl = v->gdbg_control;

	(void)i;
	if ((ctl & ~VMM_GDBG_ENABLE) && !(ctl & VMM_GDBG_ENABLE))
		return scn_fail(c, SCN_REC_HDR,
				"guest_debug control=0x%x without enable (bit "
				"0)",
				ctl);
	if (!(ctl & VMM_GDBG_USE_HW_BP) &&
	    (v->gdbg_dr[0] || v->gdbg_dr[1] || v->gdbg_dr[2] || v->gdbg_dr[3] ||
	     v->gdbg_dr7))
		return scn_fail(c, SCN_REC_HDR,
				"guest_debug debug registers without "
				"hardware breakpoints (0x20000)");
	if ((ctl & VMM_GDBG_INJECT_DB) && (ctl & VMM_GDBG_INJECT_BP))
		return scn_fail(c, SCN_REC_HDR,
				"guest_debug control=0x%x injects both #DB "
				"and #BP",
				ctl);
	return 0;
}

/* one_reg: an arm64 register of 8..128 bits with a value that fits, and a
 * vCPU's list in strictly increasing id order. */
static int one_reg_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_one_reg_spec *r = elem;
	char why[160];

	if (vmm_one_reg_check(r, why, sizeof(why)) < 0)
		return scn_fail(c, SCN_REC_HDR, "one_reg id=0x%llx: %s",
				(unsigned long long)r->id, why);
	if (i > 0 && r->id <= r[-1].id)
		return scn_fail(c, SCN_REC_HDR,
				"one_reg.id=0x%llx not above the previous "
				"0x%llx (canonical order, one record per "
				"register)",
				(unsigned long long)r->id,
				(unsigned long long)r[-1].id);
	return 0;
}

static int arm64_only(struct scn_ctx *c, const char *what)
{
	if (c->s->arch != VMM_ARCH_ARM64)
		return scn_fail(c, 0, "%s record in a %s scenario (arm64 only)",
				what, vmm_arch_name(c->s->arch));
	return 0;
}

/* The bounds one record can be checked against (the regions' overlap
 * with RAM, the console and each other needs the whole scenario:
 * vmm_scenario_validate). */
static int vgic_check(struct scn_ctx *c, const struct vmm_scenario *s)
{
	if ((s->vgic_dist | s->vgic_redist) & (VMM_VGIC_ALIGN - 1) ||
	    s->vgic_dist >= VMM_VGIC_IPA_LIMIT ||
	    s->vgic_redist >= VMM_VGIC_IPA_LIMIT)
		return scn_fail(c, SCN_REC_HDR,
				"vgic dist=0x%llx redist=0x%llx: each must be "
				"64 KiB aligned and below 0x%llx",
				(unsigned long long)s->vgic_dist,
				(unsigned long long)s->vgic_redist,
				VMM_VGIC_IPA_LIMIT);
	if (s->vgic_nr_irqs < VMM_VGIC_MIN_IRQS ||
	    s->vgic_nr_irqs > VMM_VGIC_MAX_IRQS || s->vgic_nr_irqs % 32)
		return scn_fail(c, SCN_REC_HDR,
				"vgic.nr_irqs=%u, must be a multiple of 32 in "
				"%u..%u",
				s->vgic_nr_irqs, VMM_VGIC_MIN_IRQS,
				VMM_VGIC_MAX_IRQS);
	return 0;
}

static int vgic_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	(void)i;
	return vgic_check(c, elem);
}

static int vgic_txt(struct scn_ctx *c, const void *elem)
{
	if (arm64_only(c, "vgic") < 0)
		return -1;
	return vgic_check(c, elem);
}

static const char *const irq_type_names[VMM_IRQ_NTYPES] = { "spi", "ppi" };
static const char *const irqchip_names[] = { "none", "kernel", "split" };

static const char *irqchip_word(unsigned int arch, uint64_t m)
{
	(void)arch;
	return m < VMM_IRQCHIP_MODES ? irqchip_names[m] : "?";
}

static int irqchip_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = VMM_IRQCHIP_KERNEL; w && *v < VMM_IRQCHIP_MODES; (*v)++)
		if (!strcmp(w, irqchip_names[*v]))
			return 0;
	if (!w)
		return scn_fail(c, 0, "irqchip record needs mode=");
	return scn_fail(c, 0, "irqchip mode '%.40s' (kernel, split)", w);
}

static const char *irq_type_word(unsigned int arch, uint64_t t)
{
	(void)arch;
	return t < VMM_IRQ_NTYPES ? irq_type_names[t] : "?";
}

static int irq_type_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = 0; w && *v < VMM_IRQ_NTYPES; (*v)++)
		if (!strcmp(w, irq_type_names[*v]))
			return 0;
	if (!w)
		return scn_fail(c, 0, "irq_line record needs type=");
	return scn_fail(c, 0, "irq_line type '%.40s' (spi, ppi)", w);
}

static int irq_line_check(struct scn_ctx *c, const struct vmm_irq_line_spec *q)
{
	if (q->type == VMM_IRQ_SPI && (q->irq < 32 || q->irq > 1019 || q->vcpu))
		return scn_fail(c, SCN_REC_HDR,
				"irq_line spi irq=%u vcpu=%u: an SPI is "
				"32..1019 with vcpu 0",
				q->irq, q->vcpu);
	if (q->type == VMM_IRQ_PPI &&
	    (q->irq < 16 || q->irq > 31 || q->vcpu >= VMM_MAX_VCPUS))
		return scn_fail(c, SCN_REC_HDR,
				"irq_line ppi irq=%u vcpu=%u: a PPI is 16..31 "
				"of a vCPU below %d",
				q->irq, q->vcpu, VMM_MAX_VCPUS);
	return 0;
}

/* irq_line: after a vgic record, strictly increasing (type, vcpu, irq). */
static int irq_line_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_irq_line_spec *q = elem;

	(void)i;
	if (!c->s->has_vgic)
		return scn_fail(c, 0, "irq_line record without a vgic record");
	if (irq_line_check(c, q) < 0)
		return -1;
	if (c->s->n_irq_lines > 0 &&
	    !vmm_irq_line_before(&c->s->irq_lines[c->s->n_irq_lines - 1], q))
		return scn_fail(c, SCN_REC_HDR,
				"irq_line %s vcpu=%u irq=%u not after the "
				"previous one (canonical order: type, vcpu, "
				"irq, one record per line)",
				irq_type_word(0, q->type), q->vcpu, q->irq);
	return 0;
}

static int irq_line_txt(struct scn_ctx *c, const void *elem)
{
	if (arm64_only(c, "irq_line") < 0)
		return -1;
	return irq_line_check(c, elem);
}

/* fpu and xsave register lists: whole (index, value) entries, indices
 * below n and strictly ascending (canonical: one entry per register, one
 * order). vmm_scenario_vec_check says what is wrong, or NULL. */
static int vec_check(struct scn_ctx *c, const char *rec, const uint8_t *p,
		     uint32_t len, unsigned int n, unsigned int cap)
{
	const char *why = vmm_scenario_vec_check(p, len, n, cap);

	if (why)
		return scn_fail(c, SCN_REC_HDR, "%s record: %s", rec, why);
	return 0;
}

static int fpu_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_vcpu_spec *v = elem;

	(void)i;
	return vec_check(c, "fpu", v->fpu_regs, v->fpu_regs_len, VMM_FPU_NREGS,
			 VMM_MAX_SCN_FPU_REGS);
}

static int fpu_txt(struct scn_ctx *c, const void *elem)
{
	return fpu_dec(c, elem, 0);
}

static int xsave_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_vcpu_spec *v = elem;

	(void)i;
	return vec_check(c, "xsave", v->xs_ymmh, v->xs_ymmh_len, VMM_YMM_NREGS,
			 VMM_MAX_SCN_YMM);
}

static int xsave_txt(struct scn_ctx *c, const void *elem)
{
	return xsave_dec(c, elem, 0);
}

/* x86 irq record: a line (KVM_IRQ_LINE) or an MSI (KVM_SIGNAL_MSI). */
static const char *const irq_kind_names[] = { "line", "msi" };

static const char *irq_kind_word(unsigned int arch, uint64_t t)
{
	(void)arch;
	return t < VMM_IRQ_TYPES ? irq_kind_names[t] : "?";
}

static int irq_kind_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = 0; w && *v < VMM_IRQ_TYPES; (*v)++)
		if (!strcmp(w, irq_kind_names[*v]))
			return 0;
	if (!w)
		return scn_fail(c, 0, "irq record needs type=");
	return scn_fail(c, 0, "irq type '%.40s' (line, msi)", w);
}

/* lapic: 16-byte aligned offsets inside the register page, strictly
 * increasing (one record per field, one order). */
static int lapic_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_lapic_spec *l = elem;

	if ((l->offset & 15U) || l->offset >= VMM_LAPIC_PAGE)
		return scn_fail(c, SCN_REC_HDR,
				"lapic.offset=0x%x, must be 16-byte aligned "
				"and below 0x%x",
				l->offset, VMM_LAPIC_PAGE);
	if (i > 0 && l->offset <= l[-1].offset)
		return scn_fail(c, SCN_REC_HDR,
				"lapic.offset=0x%x not above the previous "
				"0x%x (canonical order, one record per field)",
				l->offset, l[-1].offset);
	return 0;
}

/* action: the kind and trigger by name; a record a kind cannot have, and
 * the canonical order (vmm_action_check, vmm_action_before). */
static const char *action_kind_word(unsigned int arch, uint64_t k)
{
	const char *n =
		k < VMM_AK_COUNT ? vmm_action_kind_name((unsigned)k) : NULL;

	(void)arch;
	return n ? n : "?";
}

static int action_kind_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = 0; w && *v < VMM_AK_COUNT; (*v)++)
		if (!strcmp(w, vmm_action_kind_name((unsigned int)*v)))
			return 0;
	if (!w)
		return scn_fail(c, 0, "action record needs kind=");
	return scn_fail(c, 0, "action kind '%.40s' (docs/scenario-format.md)",
			w);
}

static const char *const action_trigger_names[VMM_AT_COUNT] = { "exit",
								"reason" };

static const char *action_trigger_word(unsigned int arch, uint64_t t)
{
	(void)arch;
	return t < VMM_AT_COUNT ? action_trigger_names[t] : "?";
}

static int action_trigger_parse(struct scn_ctx *c, const char *w, uint64_t *v)
{
	for (*v = 0; w && *v < VMM_AT_COUNT; (*v)++)
		if (!strcmp(w, action_trigger_names[*v]))
			return 0;
	if (!w)
		return scn_fail(c, 0, "action record needs trigger=");
	return scn_fail(c, 0, "action trigger '%.40s' (exit, reason)", w);
}

static int action_check(struct scn_ctx *c, const struct vmm_action_spec *a)
{
	char why[160];

	if (vmm_action_check(a, why, sizeof(why)) < 0)
		return scn_fail(c, SCN_REC_HDR, "action %s: %s",
				action_kind_word(0, a->kind), why);
	return 0;
}

static int action_dec(struct scn_ctx *c, const void *elem, unsigned int i)
{
	const struct vmm_action_spec *a = elem;

	(void)i;
	if (action_check(c, a) < 0)
		return -1;
	if (c->s->nactions > 0 &&
	    !vmm_action_before(&c->s->actions[c->s->nactions - 1], a))
		return scn_fail(c, SCN_REC_HDR,
				"action %s vcpu=%u when=%u not after the "
				"previous one (canonical order: vcpu, "
				"trigger, when, kind, target, idx, a, b; no "
				"two alike)",
				action_kind_word(0, a->kind), a->vcpu, a->when);
	return 0;
}

static int action_txt(struct scn_ctx *c, const void *elem)
{
	return action_check(c, elem);
}

/* ---- the table ------------------------------------------------------------ */

#define MSZ(T, m) ((uint16_t)sizeof(((T *)0)->m))
/* A field: text key, member of T, bytes on the wire, print format. */
#define FLD(k, T, m, w, f)                                                \
	.key = (k), .off = offsetof(T, m), .mem = MSZ(T, m), .wire = (w), \
	.fmt = (f)
/* Variable-length bytes: the rest of the payload (lo..hi bytes, hi 0: any),
 * in member m (a pointer, or an array when `inl`), their count in member n. */
#define BYTES(k, T, m, n, l, h, inl)                                       \
	.key = (k), .off = offsetof(T, m), .mem = (inl) ? MSZ(T, m) : 0,   \
	.fmt = SCN_BYTES, .lo = (l), .hi = (h), .len_off = offsetof(T, n), \
	.len_mem = MSZ(T, n)
#define FIELDS(a) .fields = (a), .nfields = sizeof(a) / sizeof((a)[0])
/* Where a record lives: a list of the scenario, an array of the vCPU. */
#define LIST(m, n, c, p)                                    \
	.arr = offsetof(struct vmm_scenario, m),            \
	.stride = sizeof(((struct vmm_scenario *)0)->m[0]), \
	.count = offsetof(struct vmm_scenario, n), .cap = (c), .plural = (p)
#define VARR(m, k)                                           \
	.arr = offsetof(struct vmm_vcpu_spec, m),            \
	.stride = sizeof(((struct vmm_vcpu_spec *)0)->m[0]), \
	.mask = offsetof(struct vmm_vcpu_spec, k),           \
	.mask_mem = MSZ(struct vmm_vcpu_spec, k)
#define PRESENT(m) .present = offsetof(struct vmm_scenario, m)
#define VLIST(m, n, c, p)                                    \
	.arr = offsetof(struct vmm_vcpu_spec, m),            \
	.stride = sizeof(((struct vmm_vcpu_spec *)0)->m[0]), \
	.count = offsetof(struct vmm_vcpu_spec, n), .cap = (c), .plural = (p)

#define SCN struct vmm_scenario
static const struct scn_field limits_f[] = {
	{ FLD("max_exits", SCN, max_exits, 4, SCN_DEC), .check = SCN_RANGE,
	  .lo = 1, .hi = VMM_SCN_MAX_EXITS, .tmax = VMM_SCN_MAX_EXITS },
	{ FLD("timeout_ms", SCN, timeout_ms, 4, SCN_DEC), .check = SCN_RANGE,
	  .lo = 1, .hi = VMM_SCN_MAX_TIMEOUT_MS,
	  .tmax = VMM_SCN_MAX_TIMEOUT_MS },
};
static const struct scn_field console_f[] = {
	{ FLD("gpa", SCN, mmio_console_gpa, 8, SCN_HEX) },
};
static const struct scn_field sysarea_f[] = {
	{ FLD("gpa", SCN, sys_gpa, 8, SCN_HEX), .check = SCN_ALIGN },
};
static const struct scn_field input_f[] = {
	{ BYTES("data", SCN, input, input_len, 0, 0, 0) },
};
static const struct scn_field hypercall_f[] = {
	{ FLD("mask", SCN, hypercall_mask, 8, SCN_HEX) },
};
static const struct scn_field irqchip_f[] = {
	{ FLD("mode", SCN, irqchip_mode, 1, SCN_WORD), .check = SCN_RANGE,
	  .lo = VMM_IRQCHIP_KERNEL, .hi = VMM_IRQCHIP_SPLIT,
	  .word_name = irqchip_word, .word_parse = irqchip_parse },
	{ FLD("pit_flags", SCN, pit_flags, 1, SCN_HEX), .check = SCN_MASK,
	  .hi = VMM_PIT_KNOWN_FLAGS, .tmax = VMM_PIT_KNOWN_FLAGS },
	{ FLD("routes", SCN, irqchip_routes, 2, SCN_DEC), .check = SCN_RANGE,
	  .lo = 0, .hi = VMM_MAX_IOAPIC_ROUTES, .tmax = VMM_MAX_IOAPIC_ROUTES },
};
#undef SCN
#define IQ struct vmm_irq_spec
static const struct scn_field irq_f[] = {
	{ FLD("type", IQ, type, 1, SCN_WORD), .check = SCN_BELOW,
	  .hi = VMM_IRQ_TYPES, .word_name = irq_kind_word,
	  .word_parse = irq_kind_parse },
	{ FLD("gsi", IQ, gsi, 4, SCN_DEC), .check = SCN_BELOW,
	  .hi = VMM_MAX_GSI, .tmax = VMM_MAX_GSI - 1 },
	{ FLD("level", IQ, level, 1, SCN_DEC), .check = SCN_BELOW, .hi = 2,
	  .tmax = 1 },
	{ FLD("address", IQ, address, 8, SCN_HEX) },
	{ FLD("data", IQ, data, 4, SCN_HEX) },
};
#undef IQ
#define AC struct vmm_action_spec
static const struct scn_field action_f[] = {
	{ FLD("kind", AC, kind, 1, SCN_WORD), .check = SCN_BELOW,
	  .hi = VMM_AK_COUNT, .word_name = action_kind_word,
	  .word_parse = action_kind_parse },
	{ FLD("vcpu", AC, vcpu, 1, SCN_DEC), .check = SCN_BELOW,
	  .hi = VMM_MAX_VCPUS, .tmax = VMM_MAX_VCPUS - 1 },
	{ FLD("target", AC, target, 1, SCN_DEC), .check = SCN_BELOW,
	  .hi = VMM_MAX_VCPUS, .tmax = VMM_MAX_VCPUS - 1 },
	{ FLD("trigger", AC, trigger, 1, SCN_WORD), .check = SCN_BELOW,
	  .hi = VMM_AT_COUNT, .word_name = action_trigger_word,
	  .word_parse = action_trigger_parse },
	{ FLD("when", AC, when, 4, SCN_DEC) },
	{ FLD("idx", AC, idx, 4, SCN_HEX) },
	{ FLD("a", AC, a, 8, SCN_HEX) },
	{ FLD("b", AC, b, 8, SCN_HEX) },
};
/* vcpu trigger when kind target idx a b */
static const uint8_t action_text[] = { 1, 3, 4, 0, 2, 5, 6, 7 };
#undef AC

#define SL struct vmm_slot_spec
static const struct scn_field slot_f[] = {
	{ FLD("id", SL, id, 2, SCN_DEC), .check = SCN_BELOW, .hi = 0x8000,
	  .tmax = 0x7fff },
	{ FLD("flags", SL, flags, 2, SCN_WORD), .check = SCN_MASK,
	  .hi = VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG,
	  .word_name = slot_flags_name, .word_parse = slot_flags_parse },
	{ FLD("size", SL, size, 4, SCN_HEX), .wname = "pages",
	  .scale = VMM_PAGE_SIZE, .check = SCN_RANGE, .lo = 1,
	  .hi = VMM_MAX_GUEST_MEM / VMM_PAGE_SIZE, .tmax = VMM_MAX_GUEST_MEM },
	{ FLD("gpa", SL, gpa, 8, SCN_HEX), .check = SCN_ALIGN },
};
static const uint8_t slot_text[] = { 0, 3, 2, 1 }; /* id gpa size flags */
#undef SL

static const struct scn_field fill_f[] = {
	{ FLD("gpa", struct vmm_fill_spec, gpa, 8, SCN_HEX) },
	{ FLD("len", struct vmm_fill_spec, len, 4, SCN_HEX), .check = SCN_MIN,
	  .lo = 1 },
	{ BYTES("pattern", struct vmm_fill_spec, pattern, pattern_len, 1,
		VMM_MAX_FILL_PATTERN, 1) },
};
static const struct scn_field blob_f[] = {
	{ FLD("gpa", struct vmm_blob_spec, gpa, 8, SCN_HEX) },
	{ BYTES("data", struct vmm_blob_spec, data, len, 1, 0, 0) },
};
#define MX struct vmm_msr_exit_spec
static const struct scn_field msr_exits_f[] = {
	{ FLD("reasons", MX, reasons, 1, SCN_HEX), .check = SCN_MASK,
	  .hi = VMM_MX_REASONS, .tmax = VMM_MX_REASONS },
	{ FLD("flags", MX, flags, 1, SCN_HEX), .check = SCN_MASK,
	  .hi = VMM_MX_KNOWN, .tmax = VMM_MX_KNOWN },
	{ FLD("base", MX, base, 4, SCN_HEX) },
	{ FLD("nmsrs", MX, nmsrs, 2, SCN_DEC), .check = SCN_RANGE, .lo = 0,
	  .hi = VMM_MAX_MSR_EXIT_NMSRS, .tmax = VMM_MAX_MSR_EXIT_NMSRS },
};
/* text: reasons base nmsrs flags */
static const uint8_t msr_exits_text[] = { 0, 2, 3, 1 };
#undef MX
static const struct scn_field vcpu_f[] = {
	{ FLD("mode", struct vmm_vcpu_spec, mode, 1, SCN_WORD),
	  .word_name = mode_name, .word_parse = mode_parse },
	{ FLD("entry", struct vmm_vcpu_spec, entry, 8, SCN_HEX) },
};
/* reg and sreg: one value, "reg NAME=VALUE" */
static const struct scn_field value_f[] = {
	{ .key = "value", .mem = 8, .wire = 8, .fmt = SCN_HEX },
};
static const struct scn_field seg_f[] = {
	{ FLD("selector", struct vmm_seg_spec, selector, 2, SCN_HEX) },
	{ FLD("attrs", struct vmm_seg_spec, attrs, 2, SCN_HEX),
	  .check = SCN_MASK, .hi = VMM_SEGA_KNOWN, .tmax = VMM_SEGA_KNOWN },
	{ FLD("limit", struct vmm_seg_spec, limit, 4, SCN_HEX) },
	{ FLD("base", struct vmm_seg_spec, base, 8, SCN_HEX) },
};
static const struct scn_field msr_f[] = {
	{ FLD("index", struct vmm_msr_spec, index, 4, SCN_HEX) },
	{ FLD("value", struct vmm_msr_spec, value, 8, SCN_HEX) },
};
static const struct scn_field cpuid_f[] = {
	{ FLD("function", struct vmm_cpuid_spec, function, 4, SCN_HEX) },
	{ FLD("index", struct vmm_cpuid_spec, index, 4, SCN_HEX) },
	{ FLD("reg", struct vmm_cpuid_spec, reg, 1, SCN_WORD),
	  .check = SCN_BELOW, .hi = VMM_CPUID_NREGS,
	  .word_name = cpuid_reg_word, .word_parse = cpuid_reg_parse },
	{ FLD("value", struct vmm_cpuid_spec, value, 4, SCN_HEX) },
};
#define VS struct vmm_vcpu_spec
static const struct scn_field dregs_f[] = {
	{ FLD("dr0", VS, dr[0], 8, SCN_HEX) },
	{ FLD("dr1", VS, dr[1], 8, SCN_HEX) },
	{ FLD("dr2", VS, dr[2], 8, SCN_HEX) },
	{ FLD("dr3", VS, dr[3], 8, SCN_HEX) },
	{ FLD("dr6", VS, dr6, 8, SCN_HEX) },
	{ FLD("dr7", VS, dr7, 8, SCN_HEX) },
};
static const struct scn_field events_f[] = {
	{ FLD("flags", VS, ev_flags, 2, SCN_HEX), .check = SCN_MASK,
	  .hi = VMM_EV_KNOWN, .tmax = VMM_EV_KNOWN },
	{ FLD("vector", VS, ev_vector, 1, SCN_DEC) },
	{ FLD("error_code", VS, ev_error, 4, SCN_HEX) },
	{ FLD("irq", VS, ev_irq, 1, SCN_DEC) },
};
static const struct scn_field gdbg_f[] = {
	{ FLD("control", VS, gdbg_control, 4, SCN_HEX), .check = SCN_MASK,
	  .hi = VMM_GDBG_KNOWN, .tmax = VMM_GDBG_KNOWN },
	{ FLD("dr0", VS, gdbg_dr[0], 8, SCN_HEX) },
	{ FLD("dr1", VS, gdbg_dr[1], 8, SCN_HEX) },
	{ FLD("dr2", VS, gdbg_dr[2], 8, SCN_HEX) },
	{ FLD("dr3", VS, gdbg_dr[3], 8, SCN_HEX) },
	{ FLD("dr7", VS, gdbg_dr7, 8, SCN_HEX) },
};
static const struct scn_field fpu_f[] = {
	{ FLD("fcw", VS, fpu_fcw, 2, SCN_HEX) },
	{ FLD("fsw", VS, fpu_fsw, 2, SCN_HEX) },
	{ FLD("ftwx", VS, fpu_ftwx, 1, SCN_HEX) },
	{ FLD("last_opcode", VS, fpu_fop, 2, SCN_HEX) },
	{ FLD("last_ip", VS, fpu_last_ip, 8, SCN_HEX) },
	{ FLD("last_dp", VS, fpu_last_dp, 8, SCN_HEX) },
	{ FLD("mxcsr", VS, fpu_mxcsr, 4, SCN_HEX) },
	{ BYTES("regs", VS, fpu_regs, fpu_regs_len, 0,
		(uint64_t)VMM_MAX_SCN_FPU_REGS *VMM_SCN_VEC_ENTRY, 1) },
};
static const struct scn_field xsave_f[] = {
	{ FLD("xstate_bv", VS, xs_bv, 8, SCN_HEX) },
	{ FLD("xcomp_bv", VS, xs_comp, 8, SCN_HEX) },
	{ FLD("hdr_rsvd", VS, xs_rsvd, 8, SCN_HEX) },
	{ FLD("mxcsr", VS, xs_mxcsr, 4, SCN_HEX) },
	{ BYTES("ymmh", VS, xs_ymmh, xs_ymmh_len, 0,
		(uint64_t)VMM_MAX_SCN_YMM *VMM_SCN_VEC_ENTRY, 1) },
};
static const struct scn_field xcr_f[] = {
	{ FLD("xcr0", VS, xcr0, 8, SCN_HEX) },
};
#undef VS
static const struct scn_field one_reg_f[] = {
	{ FLD("id", struct vmm_one_reg_spec, id, 8, SCN_HEX) },
	{ FLD("value", struct vmm_one_reg_spec, value, 8, SCN_HEX) },
	{ FLD("hi", struct vmm_one_reg_spec, hi, 8, SCN_HEX) },
};
#define SCN struct vmm_scenario
static const struct scn_field vgic_f[] = {
	{ FLD("dist", SCN, vgic_dist, 8, SCN_HEX) },
	{ FLD("redist", SCN, vgic_redist, 8, SCN_HEX) },
	{ FLD("nr_irqs", SCN, vgic_nr_irqs, 2, SCN_DEC) },
};
#undef SCN
#define IL struct vmm_irq_line_spec
static const struct scn_field irq_line_f[] = {
	{ FLD("type", IL, type, 1, SCN_WORD), .check = SCN_BELOW,
	  .hi = VMM_IRQ_NTYPES, .word_name = irq_type_word,
	  .word_parse = irq_type_parse },
	{ FLD("vcpu", IL, vcpu, 1, SCN_DEC) },
	{ FLD("irq", IL, irq, 2, SCN_DEC) },
	{ FLD("level", IL, level, 1, SCN_DEC), .check = SCN_RANGE, .lo = 0,
	  .hi = 1, .tmax = 1 },
};
#undef IL
static const struct scn_field lapic_f[] = {
	{ FLD("offset", struct vmm_lapic_spec, offset, 2, SCN_HEX) },
	{ FLD("value", struct vmm_lapic_spec, value, 4, SCN_HEX) },
};
static const struct scn_field features_f[] = {
	{ FLD("features", struct vmm_vcpu_spec, features, 4, SCN_HEX) },
};

const struct scn_record scn_records[] = {
	{ .tag = 0x01,
	  .name = "limits",
	  .kind = SCN_ONCE,
	  .flags = SCN_REQUIRED,
	  .present = SCN_NONE,
	  FIELDS(limits_f),
	  .txt_check = limits_txt,
	  .enc_check = limits_enc },
	{ .tag = 0x02,
	  .name = "console",
	  .kind = SCN_ONCE,
	  .flags = SCN_TXT_LATE,
	  PRESENT(mmio_console),
	  FIELDS(console_f) },
	{ .tag = 0x03,
	  .name = "sysarea",
	  .kind = SCN_ONCE,
	  .flags = SCN_TXT_LATE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only: GDT and page tables",
	  PRESENT(sys_fixed),
	  FIELDS(sysarea_f) },
	{ .tag = 0x04,
	  .name = "slot",
	  .kind = SCN_LIST,
	  .flags = SCN_REQUIRED | SCN_TXT_LATE,
	  LIST(slots, nslots, VMM_MAX_SLOTS, "slots"),
	  FIELDS(slot_f),
	  .torder = slot_text },
	{ .tag = 0x05,
	  .name = "fill",
	  .kind = SCN_LIST,
	  .flags = SCN_NEED_SLOT,
	  LIST(fills, nfills, VMM_MAX_FILLS, "fills"),
	  FIELDS(fill_f),
	  .dec_check = fill_dec },
	{ .tag = 0x06,
	  .name = "blob",
	  .kind = SCN_LIST,
	  .flags = SCN_NEED_SLOT,
	  LIST(blobs, nblobs, VMM_MAX_BLOBS, "blobs"),
	  FIELDS(blob_f),
	  .dec_check = blob_dec },
	{ .tag = 0x07,
	  .name = "input",
	  .kind = SCN_ONCE,
	  .flags = SCN_NEED_SLOT,
	  PRESENT(has_input),
	  FIELDS(input_f) },
	{ .tag = 0x08,
	  .name = "irqchip",
	  .kind = SCN_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  PRESENT(has_irqchip),
	  FIELDS(irqchip_f) },
	{ .tag = 0x09,
	  .name = "irq",
	  .kind = SCN_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  LIST(irqs, nirqs, VMM_MAX_SCN_IRQS, "irq records"),
	  FIELDS(irq_f) },
	{ .tag = 0x0A,
	  .name = "msr_exits",
	  .kind = SCN_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  LIST(msr_exits, nmsr_exits, VMM_MAX_MSR_EXIT_RANGES,
	       "msr_exits records"),
	  FIELDS(msr_exits_f),
	  .torder = msr_exits_text,
	  .dec_check = msr_exits_dec },
	{ .tag = 0x0B,
	  .name = "hypercall",
	  .kind = SCN_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  PRESENT(has_hypercall),
	  FIELDS(hypercall_f) },
	{ .tag = 0x0C,
	  .name = "vgic",
	  .kind = SCN_ONCE,
	  .arch = VMM_ARCH_ARM64,
	  .arch_note = "arm64 only",
	  PRESENT(has_vgic),
	  FIELDS(vgic_f),
	  .dec_check = vgic_dec,
	  .txt_check = vgic_txt },
	{ .tag = 0x0D,
	  .name = "irq_line",
	  .kind = SCN_LIST,
	  .arch = VMM_ARCH_ARM64,
	  .arch_note = "arm64 only",
	  LIST(irq_lines, n_irq_lines, VMM_MAX_IRQ_LINES, "irq_line records"),
	  FIELDS(irq_line_f),
	  .dec_check = irq_line_dec,
	  .txt_check = irq_line_txt },
	{ .tag = 0x0E,
	  .name = "action",
	  .kind = SCN_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  LIST(actions, nactions, VMM_MAX_SCN_ACTIONS, "action records"),
	  FIELDS(action_f),
	  .torder = action_text,
	  .dec_check = action_dec,
	  .txt_check = action_txt },
	{ .tag = 0x10,
	  .name = "vcpu",
	  .kind = SCN_VCPU,
	  .flags = SCN_REQUIRED,
	  LIST(vcpus, nvcpus, VMM_MAX_VCPUS, "vCPUs"),
	  FIELDS(vcpu_f),
	  .dec_pre = vcpu_pre,
	  .dec_check = vcpu_dec },
	{ .tag = 0x11,
	  .name = "reg",
	  .kind = SCN_INDEXED,
	  VARR(regs, reg_mask),
	  .nidx = vmm_arch_nregs,
	  .idx_name = vmm_arch_reg_name,
	  .idx_noun = "register",
	  FIELDS(value_f) },
	{ .tag = 0x12,
	  .name = "sreg",
	  .kind = SCN_INDEXED,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  VARR(sregs, sreg_mask),
	  .nidx = nsregs,
	  .idx_name = sreg_name,
	  FIELDS(value_f),
	  .dec_check = sreg_dec },
	{ .tag = 0x13,
	  .name = "seg",
	  .kind = SCN_INDEXED,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  VARR(segs, seg_mask),
	  .nidx = nsegs,
	  .idx_name = seg_name,
	  FIELDS(seg_f) },
	{ .tag = 0x14,
	  .name = "fpu",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_fpu),
	  FIELDS(fpu_f),
	  .dec_check = fpu_dec,
	  .txt_check = fpu_txt },
	{ .tag = 0x15,
	  .name = "msr",
	  .kind = SCN_VCPU_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  VLIST(msrs, nmsrs, VMM_MAX_SCN_MSRS, "MSR records for one vCPU"),
	  FIELDS(msr_f),
	  .dec_check = msr_dec },
	{ .tag = 0x16,
	  .name = "cpuid",
	  .kind = SCN_VCPU_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  VLIST(cpuid, ncpuid, VMM_MAX_SCN_CPUID, "CPUID records for one vCPU"),
	  FIELDS(cpuid_f),
	  .dec_check = cpuid_dec },
	{ .tag = 0x17,
	  .name = "debugregs",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_dregs),
	  FIELDS(dregs_f) },
	{ .tag = 0x18,
	  .name = "events",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_events),
	  FIELDS(events_f) },
	{ .tag = 0x19,
	  .name = "lapic",
	  .kind = SCN_VCPU_LIST,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  VLIST(lapic, nlapic, VMM_MAX_SCN_LAPIC, "lapic records for one vCPU"),
	  FIELDS(lapic_f),
	  .dec_check = lapic_dec },
	{ .tag = 0x1A,
	  .name = "features",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_ARM64,
	  .arch_note = "arm64 only",
	  FIELDS(features_f),
	  .dec_check = features_dec,
	  .txt_parse = features_parse,
	  .txt_print = features_print },
	{ .tag = 0x1B,
	  .name = "guest_debug",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_gdbg),
	  FIELDS(gdbg_f),
	  .dec_check = gdbg_dec },
	{ .tag = 0x1C,
	  .name = "xsave",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_xsave),
	  FIELDS(xsave_f),
	  .dec_check = xsave_dec,
	  .txt_check = xsave_txt },
	{ .tag = 0x1D,
	  .name = "xcr",
	  .kind = SCN_VCPU_ONCE,
	  .arch = VMM_ARCH_X86_64,
	  .arch_note = "x86 only",
	  .vpresent = offsetof(struct vmm_vcpu_spec, has_xcr),
	  FIELDS(xcr_f) },
	{ .tag = 0x1E,
	  .name = "one_reg",
	  .kind = SCN_VCPU_LIST,
	  .arch = VMM_ARCH_ARM64,
	  .arch_note = "arm64 only",
	  VLIST(one_regs, n_one_regs, VMM_MAX_SCN_ONE_REGS,
		"one_reg records for one vCPU"),
	  FIELDS(one_reg_f),
	  .dec_check = one_reg_dec },
};

const unsigned int scn_nrecords = sizeof(scn_records) / sizeof(scn_records[0]);
_Static_assert(sizeof(scn_records) / sizeof(scn_records[0]) <= SCN_MAX_RECORDS,
	       "scn_records: raise SCN_MAX_RECORDS");
_Static_assert(sizeof(struct vmm_vcpu_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_slot_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_fill_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_blob_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_seg_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_msr_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_cpuid_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_msr_exit_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_irq_line_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_irq_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_action_spec) <= SCN_MAX_ELEM &&
		       sizeof(struct vmm_lapic_spec) <= SCN_MAX_ELEM,
	       "a list element is larger than SCN_MAX_ELEM");

const struct scn_record *scn_by_tag(unsigned int tag)
{
	for (unsigned int i = 0; i < scn_nrecords; i++)
		if (scn_records[i].tag == tag)
			return &scn_records[i];
	return NULL;
}

const struct scn_record *scn_by_name(const char *name)
{
	for (unsigned int i = 0; i < scn_nrecords; i++)
		if (!strcmp(scn_records[i].name, name))
			return &scn_records[i];
	return NULL;
}
