/* `vmm export-c`: a scenario as one standalone C program (vmm/export_c.h).
 *
 * The program is the fixed text of vmm/export_c.tmpl (embedded at build
 * time, in named sections) around the data this file generates: the
 * slots, fills and blobs of the input, the VMM's own guest-memory writes
 * and each vCPU's register state, all computed by the pipeline's own code.
 * Output goes only to the caller's FILE. */
#include "vmm/export_c.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/exit.h"
#include "vmm/layout.h"
#include "vmm/limits.h"
#include "vmm/vm.h"
#include "vmm/export_c_template.h" /* generated: vmm_export_template[] */

#if defined(__x86_64__)
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/regs.h"
#include "vmm/x86/setup.h"
#endif

#define HEX_PER_LINE 16
#define COMMENT_LINE_MAX 96 /* scenario text lines in the header comment */
#define EXIT_REASONS_MAX 64

struct gen {
	FILE *out;
	int failed;
	unsigned int arch;
	const struct vmm_export_diff *diff;
};

static void put(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(g->out, fmt, ap) < 0)
		g->failed = 1;
	va_end(ap);
}

/* The template section "//@@ name" up to the next section marker. */
static void section(struct gen *g, const char *name)
{
	char mark[64];
	const char *p, *end;

	(void)snprintf(mark, sizeof(mark), "//@@ %s\n", name);
	p = strstr(vmm_export_template, mark);
	if (!p) { /* a build mistake: the template lacks a section */
		g->failed = 1;
		return;
	}
	p += strlen(mark);
	end = strstr(p, "//@@ ");
	if (!end)
		end = p + strlen(p);
	if (fwrite(p, 1, (size_t)(end - p), g->out) != (size_t)(end - p))
		g->failed = 1;
}

static void hex_array(struct gen *g, const char *name, const uint8_t *d,
		      uint64_t n)
{
	put(g, "static const uint8_t %s[] = {", name);
	for (uint64_t i = 0; i < n; i++)
		put(g, "%s0x%02x,", i % HEX_PER_LINE ? " " : "\n\t", d[i]);
	put(g, "\n};\n");
}

/* A C string literal of `s` (messages only: no quotes or backslashes
 * survive). Only x86 programs carry messages (an arm64 host exports no
 * x86 inputs). */
static __attribute__((unused)) void str_lit(struct gen *g, const char *s)
{
	put(g, "\"");
	for (; *s; s++)
		put(g, "%c",
		    (*s == '"' || *s == '\\' || *s < 0x20) ? '\'' : *s);
	put(g, "\"");
}

/* The scenario as `vmm decode` prints it, as comment lines. */
static int scenario_comment(struct gen *g, const struct vmm_scenario *s)
{
	size_t n = vmm_scenario_format_text(s, NULL, 0);
	char *text = malloc(n + 1);
	const char *line;

	if (!text)
		return -1;
	(void)vmm_scenario_format_text(s, text, n + 1);
	line = text;
	while (*line) {
		size_t len = strcspn(line, "\n");

		if (len > COMMENT_LINE_MAX)
			put(g, " *   %.*s...\n", COMMENT_LINE_MAX, line);
		else
			put(g, " *   %.*s\n", (int)len, line);
		line += len;
		if (*line == '\n')
			line++;
	}
	free(text);
	return 0;
}

static void slot_flags(struct gen *g, uint32_t f)
{
	if (!f) {
		put(g, "0");
		return;
	}
	put(g, "%s%s%s", (f & VMM_SLOT_READONLY) ? "KVM_MEM_READONLY" : "",
	    (f & VMM_SLOT_READONLY) && (f & VMM_SLOT_DIRTY_LOG) ? " | " : "",
	    (f & VMM_SLOT_DIRTY_LOG) ? "KVM_MEM_LOG_DIRTY_PAGES" : "");
}

/* Slots, fills, the input's blobs and the input stream of one run. */
static void emit_memory(struct gen *g, const struct vmm_scenario *s,
			const char *p)
{
	put(g,
	    "/* %s: memory slots (KVM_SET_USER_MEMORY_REGION), in this "
	    "order */\n",
	    p);
	put(g, "static const struct slot_desc %s_slots[] = {\n", p);
	for (uint32_t i = 0; i < s->nslots; i++) {
		put(g, "\t{ .id = %u, .gpa = 0x%llx, .size = 0x%llx, .flags = ",
		    s->slots[i].id, (unsigned long long)s->slots[i].gpa,
		    (unsigned long long)s->slots[i].size);
		slot_flags(g, s->slots[i].flags);
		put(g, " },\n");
	}
	put(g, "};\n\n");
	if (s->nfills) {
		put(g, "/* %s: fills (a pattern repeated over a range) */\n",
		    p);
		put(g, "static const struct fill_desc %s_fills[] = {\n", p);
		for (uint32_t i = 0; i < s->nfills; i++) {
			const struct vmm_fill_spec *f = &s->fills[i];

			put(g,
			    "\t{ .gpa = 0x%llx, .len = 0x%x, .pattern_len = "
			    "%u, .pattern = {",
			    (unsigned long long)f->gpa, f->len, f->pattern_len);
			for (uint32_t j = 0; j < f->pattern_len; j++)
				put(g, "%s0x%02x", j ? ", " : " ",
				    f->pattern[j]);
			put(g, " } },\n");
		}
		put(g, "};\n\n");
	}
	for (uint32_t b = 0; b < s->nblobs; b++) {
		char name[64];

		(void)snprintf(name, sizeof(name), "%s_blob%u", p, b);
		put(g,
		    "/* %s: blob %u, the input's code/data: %llu bytes at "
		    "GPA 0x%llx */\n",
		    p, b, (unsigned long long)s->blobs[b].len,
		    (unsigned long long)s->blobs[b].gpa);
		hex_array(g, name, s->blobs[b].data, s->blobs[b].len);
		put(g, "\n");
	}
	if (s->input_len) {
		put(g,
		    "/* %s: the read-value stream (permissive reads take "
		    "it byte by byte) */\n",
		    p);
		{
			char name[64];

			(void)snprintf(name, sizeof(name), "%s_stream", p);
			hex_array(g, name, s->input, s->input_len);
		}
		put(g, "\n");
	}
}

static void emit_writes_start(struct gen *g, const struct vmm_scenario *s,
			      const char *p)
{
	put(g,
	    "/* %s: guest memory written after the fills, in this order */\n",
	    p);
	put(g, "static const struct bytes_desc %s_writes[] = {\n", p);
	for (uint32_t b = 0; b < s->nblobs; b++)
		put(g,
		    "\t{ 0x%llx, %s_blob%u, sizeof(%s_blob%u), "
		    "sizeof(%s_blob%u), \"the input's blob %u\" },\n",
		    (unsigned long long)s->blobs[b].gpa, p, b, p, b, p, b, b);
}

static void emit_vm_desc(struct gen *g, const struct vmm_scenario *s,
			 const char *p, const char *var, const char *name,
			 uint32_t nwrites, uint32_t nvcpus)
{
	uint32_t dbg = 0;

	if (s->nmsr_exits) {
		put(g, "/* msr_exits records: base, nmsrs, flags */\n");
		put(g, "static const struct msr_exit_desc %s_msr_exits[] = {\n",
		    p);
		for (uint32_t r = 0; r < s->nmsr_exits; r++)
			put(g, "\t{ 0x%xU, %u, 0x%x },\n", s->msr_exits[r].base,
			    s->msr_exits[r].nmsrs, s->msr_exits[r].flags);
		put(g, "};\n\n");
	}
	for (uint32_t i = 0; i < s->nvcpus && i < VMM_MAX_VCPUS; i++)
		if (s->vcpus[i].has_gdbg)
			dbg |= 1U << i;
	/* a guest_debug action's target takes debug exits too */
	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++)
		if (s->actions[q].kind == VMM_AK_GUEST_DEBUG &&
		    s->actions[q].target < VMM_MAX_VCPUS)
			dbg |= 1U << s->actions[q].target;
	put(g, "static const struct vm_desc %s = {\n", var);
	put(g, "\t.name = \"%s\",\n", name);
	put(g, "\t.max_exits = %llu,\n",
	    (unsigned long long)(s->max_exits ? s->max_exits
					      : VMM_MAX_EXITS_LIMIT));
	put(g, "\t.timeout_ms = %u,\n", s->timeout_ms);
	put(g, "\t.permissive = %d,\n", (s->flags & VMM_SCN_PERMISSIVE) != 0);
	if (s->input_len)
		put(g, "\t.input = %s_stream,\n\t.input_len = %u,\n", p,
		    s->input_len);
	if (s->mmio_console)
		put(g, "\t.mmio_console = 1,\n\t.mmio_console_gpa = 0x%llx,\n",
		    (unsigned long long)s->mmio_console_gpa);
	put(g, "\t.slots = %s_slots,\n\t.nslots = %u,\n", p, s->nslots);
	if (s->nfills)
		put(g, "\t.fills = %s_fills,\n\t.nfills = %u,\n", p, s->nfills);
	if (nwrites)
		put(g, "\t.writes = %s_writes,\n\t.nwrites = %u,\n", p,
		    nwrites);
	if (s->nmsr_exits)
		put(g,
		    "\t.msr_exits = %s_msr_exits,\n\t.nmsr_exits = %u,\n"
		    "\t.msr_reasons = 0x%x,\n",
		    p, s->nmsr_exits, s->msr_exits[0].reasons);
	if (s->has_hypercall)
		put(g, "\t.hypercall = 1,\n\t.hypercall_mask = 0x%llxULL,\n",
		    (unsigned long long)s->hypercall_mask);
	if (dbg)
		put(g, "\t.debug_vcpus = 0x%x,\n", dbg);
	if (s->has_irqchip)
		put(g,
		    "\t.irqchip = %u,\n\t.pit_flags = 0x%x,\n\t.routes = %u,\n",
		    s->irqchip_mode, s->pit_flags, s->irqchip_routes);
	if (s->nirqs)
		put(g, "\t.irqs = %s_irqs,\n\t.nirqs = %u,\n", p, s->nirqs);
	if (s->nactions)
		put(g, "\t.actions = %s_actions,\n\t.nactions = %u,\n", p,
		    s->nactions);
	put(g, "\t.vcpus = %s_vcpus,\n\t.nvcpus = %u,\n};\n\n", p, nvcpus);
}

/* ---- arm64 --------------------------------------------------------------- */

static void arm64_reg_id(struct gen *g, unsigned int idx)
{
	if (idx < 31)
		put(g, "CORE_REG(regs.regs[%u])", idx);
	else if (idx == VMM_ARM64_REG_SP)
		put(g, "CORE_REG(sp_el1)");
	else if (idx == VMM_ARM64_REG_PC)
		put(g, "CORE_REG(regs.pc)");
	else
		put(g, "CORE_REG(regs.pstate)");
}

static void emit_arm64(struct gen *g, const struct vmm_scenario *s)
{
	static const char *const feat[VMM_ARM64_FEAT_COUNT] = {
		"KVM_ARM_VCPU_POWER_OFF",
		"KVM_ARM_VCPU_EL1_32BIT",
		"KVM_ARM_VCPU_PSCI_0_2",
		"KVM_ARM_VCPU_PMU_V3",
	};

	put(g, "#define INPUT_REJECTED NULL\n\n");
	emit_memory(g, s, "input");
	emit_writes_start(g, s, "input");
	put(g, "};\n\n");
	put(g, "/* the vCPUs: KVM_ARM_VCPU_INIT features, then the registers "
	       "in this order (PC first) */\n");
	put(g, "static const struct vcpu_desc input_vcpus[] = {\n");
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		const struct vmm_vcpu_spec *vs = &s->vcpus[i];
		uint32_t f = vs->features;
		uint32_t n = 1;
		int any = 0;

		if (vs->mode == VMM_ARM64_AARCH32)
			f |= 1U << VMM_ARM64_FEAT_EL1_32BIT;
		put(g, "\t{ /* vCPU %u: mode %s */\n\t\t.features = ", i,
		    vmm_arch_mode_name(VMM_ARCH_ARM64, vs->mode));
		for (unsigned int b = 0; b < VMM_ARM64_FEAT_COUNT; b++)
			if (f & (1U << b)) {
				put(g, "%s(1U << %s)", any ? " | " : "",
				    feat[b]);
				any = 1;
			}
		if (!any)
			put(g, "0");
		put(g, ",\n\t\t.regs = {\n\t\t\t{ ");
		arm64_reg_id(g, VMM_ARM64_REG_PC);
		put(g, ", 0x%llx, \"pc (entry)\" },\n",
		    (unsigned long long)vs->entry);
		for (unsigned int r = 0; r < VMM_ARM64_NREGS; r++) {
			if (!(vs->reg_mask & (1ULL << r)))
				continue;
			put(g, "\t\t\t{ ");
			arm64_reg_id(g, r);
			put(g, ", 0x%llx, \"%s\" },\n",
			    (unsigned long long)vs->regs[r],
			    vmm_arch_reg_name(VMM_ARCH_ARM64, r));
			n++;
		}
		for (uint32_t k = 0; k < vs->n_one_regs; k++) {
			const struct vmm_one_reg_spec *o = &vs->one_regs[k];

			put(g,
			    "\t\t\t{ 0x%llxULL, 0x%llxULL, \"one_reg "
			    "0x%llx\", 0x%llxULL, 1 },\n",
			    (unsigned long long)o->id,
			    (unsigned long long)o->value,
			    (unsigned long long)o->id,
			    (unsigned long long)o->hi);
			n++;
		}
		put(g, "\t\t},\n\t\t.nregs = %u,\n\t},\n", n);
	}
	put(g, "};\n\n");
	put(g, "/* the vgic record and its irq_line records */\n");
	put(g, "static const struct vgic_desc the_vgic = {\n");
	if (s->has_vgic) {
		put(g,
		    "\t.present = 1,\n\t.dist = 0x%llxULL,\n\t.redist = "
		    "0x%llxULL,\n\t.nr_irqs = %u,\n\t.nlines = %u,\n",
		    (unsigned long long)s->vgic_dist,
		    (unsigned long long)s->vgic_redist, s->vgic_nr_irqs,
		    s->n_irq_lines);
		if (s->n_irq_lines)
			put(g, "\t.lines = {\n");
		for (uint32_t k = 0; k < s->n_irq_lines; k++) {
			const struct vmm_irq_line_spec *q = &s->irq_lines[k];

			put(g,
			    "\t\t{ (%uU << 24) | (%uU << 16) | %uU, %u }, "
			    "/* %s */\n",
			    q->type == VMM_IRQ_SPI ? 1U : 2U, q->vcpu, q->irq,
			    q->level, q->type == VMM_IRQ_SPI ? "SPI" : "PPI");
		}
		if (s->n_irq_lines)
			put(g, "\t},\n");
	} else {
		put(g, "\t.present = 0,\n");
	}
	put(g, "};\n\n");
	emit_vm_desc(g, s, "input", "the_input", "the input", s->nblobs,
		     s->nvcpus);
}

/* ---- x86 ----------------------------------------------------------------- */
#if defined(__x86_64__)

#define SYS_PAGES_MAX 16

/* The VMM's own pages, shared between the runs of one program (the probes
 * and the input use the same page directories). */
struct pages {
	uint8_t data[4 * SYS_PAGES_MAX][VMM_X86_PAGE_SIZE];
	char name[4 * SYS_PAGES_MAX][48];
	uint32_t n;
};

static const char *page_what(uint64_t idx)
{
	static const char *const what[] = {
		[VMM_X86_SYS_GDT_PAGE] =
			"GDT: null, flat code32 (selector "
			"0x08), flat data (0x10), flat code64 (0x18)",
		[VMM_X86_SYS_LONG64_PAGE] = "long64 PML4: one entry, the PDPT",
		[VMM_X86_SYS_LONG64_PAGE + 1] = "long64 PDPT: 4 entries, the "
						"page directories",
		[VMM_X86_SYS_LONG64_PAGE + 2] =
			"long64 page directory 0: "
			"2 MiB identity pages, 0..1 GiB",
		[VMM_X86_SYS_LONG64_PAGE + 3] =
			"long64 page directory 1: "
			"2 MiB identity pages, 1..2 GiB",
		[VMM_X86_SYS_LONG64_PAGE + 4] =
			"long64 page directory 2: "
			"2 MiB identity pages, 2..3 GiB",
		[VMM_X86_SYS_LONG64_PAGE + 5] =
			"long64 page directory 3: "
			"2 MiB identity pages, 3..4 GiB",
		[VMM_X86_SYS_PAGED32_PAGE] = "paged32 page directory: 4 MiB "
					     "(PSE) identity pages, 0..4 GiB",
	};

	return idx < sizeof(what) / sizeof(what[0]) && what[idx] ? what[idx]
								 : "VMM page";
}

/* The array holding `d` (emitted on first use); its name in *name. */
static const char *page_array(struct gen *g, struct pages *pg, const uint8_t *d,
			      uint64_t idx)
{
	uint64_t len = VMM_X86_PAGE_SIZE;

	for (uint32_t i = 0; i < pg->n; i++)
		if (memcmp(pg->data[i], d, VMM_X86_PAGE_SIZE) == 0)
			return pg->name[i];
	if (pg->n >= 4 * SYS_PAGES_MAX)
		return NULL;
	memcpy(pg->data[pg->n], d, VMM_X86_PAGE_SIZE);
	(void)snprintf(pg->name[pg->n], sizeof(pg->name[0]), "vmm_page%u",
		       pg->n);
	while (len > 0 && d[len - 1] == 0)
		len--;
	put(g, "/* %s (zeros after the last byte shown) */\n", page_what(idx));
	hex_array(g, pg->name[pg->n], d, len ? len : 1);
	put(g, "\n");
	return pg->name[pg->n++];
}

static void bits_comment(struct gen *g, const char *reg, uint64_t set,
			 uint64_t clear)
{
	static const struct {
		const char *reg;
		unsigned int bit;
		const char *name;
	} names[] = {
		{ "cr0", 0, "PE" },    { "cr0", 1, "MP" },
		{ "cr0", 2, "EM" },    { "cr0", 3, "TS" },
		{ "cr0", 4, "ET" },    { "cr0", 5, "NE" },
		{ "cr0", 16, "WP" },   { "cr0", 18, "AM" },
		{ "cr0", 29, "NW" },   { "cr0", 30, "CD" },
		{ "cr0", 31, "PG" },   { "cr4", 4, "PSE" },
		{ "cr4", 5, "PAE" },   { "cr4", 7, "PGE" },
		{ "efer", 0, "SCE" },  { "efer", 8, "LME" },
		{ "efer", 10, "LMA" }, { "efer", 11, "NXE" },
	};

	for (int pass = 0; pass < 2; pass++) {
		uint64_t m = pass ? clear : set;
		int any = 0;

		if (!m)
			continue;
		put(g, "%s", pass ? " clear" : " set");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(names[i].reg, reg) == 0 &&
			    (m & (1ULL << names[i].bit))) {
				put(g, "%s%s", any ? "|" : " ", names[i].name);
				any = 1;
				m &= ~(1ULL << names[i].bit);
			}
		if (m)
			put(g, "%s0x%llx", any ? "|" : " ",
			    (unsigned long long)m);
	}
}

/* A 64-bit field the preset and overrides computed as f(KVM's value):
 * bits equal in both runs are set by the VMM, the others kept. */
static void u64_field(struct gen *g, const char *name, const char *reg,
		      uint64_t r0, uint64_t r1)
{
	uint64_t keep = r1 & ~r0, set = r0 & r1;

	if (keep == ~0ULL)
		return; /* KVM's value, untouched */
	if (keep == 0) {
		put(g, "\ts->%s = 0x%llx;\n", name, (unsigned long long)set);
		return;
	}
	put(g, "\ts->%s = (s->%s & 0x%llxULL) | 0x%llxULL; /*", name, name,
	    (unsigned long long)keep, (unsigned long long)set);
	bits_comment(g, reg, set, ~keep & ~set);
	put(g, " */\n");
}

static void seg_field(struct gen *g, const char *name,
		      const struct kvm_segment *a, const struct kvm_segment *b)
{
	if (memcmp(a, b, sizeof(*a)) == 0) {
		put(g,
		    "\ts->%s = (struct kvm_segment){ .base = 0x%llx, "
		    ".limit = 0x%x, .selector = 0x%x,\n\t\t.type = %u, "
		    ".present = %u, .dpl = %u, .db = %u, .s = %u, .l = %u, "
		    ".g = %u, .avl = %u, .unusable = %u };\n",
		    name, (unsigned long long)a->base, a->limit, a->selector,
		    a->type, a->present, a->dpl, a->db, a->s, a->l, a->g,
		    a->avl, a->unusable);
		return;
	}
#define SEGF(f, fmt, cast)                                          \
	do {                                                        \
		if (a->f == b->f)                                   \
			put(g, "\ts->%s." #f " = " fmt ";\n", name, \
			    (cast)a->f);                            \
	} while (0)
	SEGF(base, "0x%llx", unsigned long long);
	SEGF(limit, "0x%x", unsigned int);
	SEGF(selector, "0x%x", unsigned int);
	SEGF(type, "%u", unsigned int);
	SEGF(present, "%u", unsigned int);
	SEGF(dpl, "%u", unsigned int);
	SEGF(db, "%u", unsigned int);
	SEGF(s, "%u", unsigned int);
	SEGF(l, "%u", unsigned int);
	SEGF(g, "%u", unsigned int);
	SEGF(avl, "%u", unsigned int);
	SEGF(unusable, "%u", unsigned int);
#undef SEGF
}

static void emit_sregs_fn(struct gen *g, const char *fn,
			  const struct kvm_sregs *a, const struct kvm_sregs *b)
{
	put(g, "static void %s(struct kvm_sregs *s)\n{\n", fn);
	seg_field(g, "cs", &a->cs, &b->cs);
	seg_field(g, "ds", &a->ds, &b->ds);
	seg_field(g, "es", &a->es, &b->es);
	seg_field(g, "fs", &a->fs, &b->fs);
	seg_field(g, "gs", &a->gs, &b->gs);
	seg_field(g, "ss", &a->ss, &b->ss);
	seg_field(g, "tr", &a->tr, &b->tr);
	seg_field(g, "ldt", &a->ldt, &b->ldt);
	if (a->gdt.base == b->gdt.base)
		put(g, "\ts->gdt.base = 0x%llx;\n",
		    (unsigned long long)a->gdt.base);
	if (a->gdt.limit == b->gdt.limit)
		put(g, "\ts->gdt.limit = 0x%x;\n", a->gdt.limit);
	if (a->idt.base == b->idt.base)
		put(g, "\ts->idt.base = 0x%llx;\n",
		    (unsigned long long)a->idt.base);
	if (a->idt.limit == b->idt.limit)
		put(g, "\ts->idt.limit = 0x%x;\n", a->idt.limit);
	u64_field(g, "cr0", "cr0", a->cr0, b->cr0);
	u64_field(g, "cr2", "cr2", a->cr2, b->cr2);
	u64_field(g, "cr3", "cr3", a->cr3, b->cr3);
	u64_field(g, "cr4", "cr4", a->cr4, b->cr4);
	u64_field(g, "cr8", "cr8", a->cr8, b->cr8);
	u64_field(g, "efer", "efer", a->efer, b->efer);
	u64_field(g, "apic_base", "apic_base", a->apic_base, b->apic_base);
	put(g, "\t(void)s;\n}\n\n");
}

static void emit_regs(struct gen *g, const struct kvm_regs *r)
{
	static const char *const names[VMM_X86_NREGS] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi",
		"rsp", "rbp", "r8",  "r9",  "r10", "r11",
		"r12", "r13", "r14", "r15", "rip", "rflags",
	};
	int any = 0;

	put(g, "\t\t.regs = {");
	for (unsigned int i = 0; i < VMM_X86_NREGS; i++) {
		uint64_t v = vmm_x86_reg_get(r, i);

		if (!v)
			continue;
		put(g, "%s.%s = 0x%llx", any ? ", " : " ", names[i],
		    (unsigned long long)v);
		any = 1;
	}
	put(g, " },\n");
}

/* One x86 run's data: memory, the VMM's tables, vCPUs, the vm_desc. */
/* The events record as the kvm_vcpu_events the VMM passes to
 * KVM_SET_VCPU_EVENTS (vmm/x86/setup.c, apply_events). */
static void emit_events(struct gen *g, const struct vmm_vcpu_spec *v)
{
	uint32_t f = v->ev_flags;
	int exc = (f & VMM_EV_EXC) != 0, pend = (f & VMM_EV_EXC_PENDING) != 0;

	put(g,
	    "\t\t.events = &(const struct kvm_vcpu_events){\n"
	    "\t\t\t.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | "
	    "KVM_VCPUEVENT_VALID_SHADOW |\n"
	    "\t\t\t\t KVM_VCPUEVENT_VALID_SMM%s%s,\n"
	    "\t\t\t.exception = { .injected = %d, .nr = %u, "
	    ".has_error_code = %d,\n"
	    "\t\t\t\t       .pending = %d, .error_code = 0x%xU },\n"
	    "\t\t\t.interrupt = { .injected = %d, .nr = %u },\n"
	    "\t\t\t.nmi = { .injected = %d, .pending = %d, .masked = %d },\n"
	    "\t\t\t.smi = { .smm = %d, .pending = %d },\n"
	    "\t\t\t.triple_fault = { .pending = %d },\n\t\t},\n",
	    pend ? " |\n\t\t\t\t KVM_VCPUEVENT_VALID_PAYLOAD" : "",
	    (f & VMM_EV_TRIPLE_FAULT)
		    ? " |\n\t\t\t\t KVM_VCPUEVENT_VALID_TRIPLE_FAULT"
		    : "",
	    exc && !pend, v->ev_vector, (f & VMM_EV_ERRCODE) != 0, exc && pend,
	    v->ev_error, (f & VMM_EV_IRQ) != 0, v->ev_irq,
	    (f & VMM_EV_NMI_INJECTED) != 0, (f & VMM_EV_NMI_PENDING) != 0,
	    (f & VMM_EV_NMI_MASKED) != 0, (f & VMM_EV_SMM) != 0,
	    (f & VMM_EV_SMI_PENDING) != 0, (f & VMM_EV_TRIPLE_FAULT) != 0);
}

static void emit_vec(struct gen *g, const char *name, const uint8_t *v)
{
	put(g, "%s{", name);
	for (int k = 0; k < 16; k++)
		put(g, "%s0x%02x", k ? ", " : " ", v[k]);
	put(g, " },\n");
}

/* The fpu, xsave and xcr records as the template's fpu_desc, xsave_desc
 * and XCR0 (vmm/x86/setup.c, apply_fpu/apply_xsave/apply_xcr). */
static void emit_fpu(struct gen *g, const struct vmm_vcpu_spec *v)
{
	char name[48];
	uint32_t mask = 0;

	if (v->has_xcr)
		put(g, "\t\t.xcr0 = &(const uint64_t){ 0x%llxULL },\n",
		    (unsigned long long)v->xcr0);
	if (v->has_fpu) {
		put(g,
		    "\t\t.fpu = &(const struct fpu_desc){\n"
		    "\t\t\t.f = {\n"
		    "\t\t\t\t.fcw = 0x%x, .fsw = 0x%x, .ftwx = 0x%x,\n"
		    "\t\t\t\t.last_opcode = 0x%x,\n"
		    "\t\t\t\t.last_ip = 0x%llxULL,\n"
		    "\t\t\t\t.last_dp = 0x%llxULL,\n"
		    "\t\t\t\t.mxcsr = 0x%x,\n",
		    v->fpu_fcw, v->fpu_fsw, v->fpu_ftwx, v->fpu_fop,
		    (unsigned long long)v->fpu_last_ip,
		    (unsigned long long)v->fpu_last_dp, v->fpu_mxcsr);
		for (uint32_t at = 0; at + VMM_SCN_VEC_ENTRY <= v->fpu_regs_len;
		     at += VMM_SCN_VEC_ENTRY) {
			unsigned int r = v->fpu_regs[at];

			if (r >= VMM_FPU_NREGS)
				continue;
			mask |= 1U << r;
			(void)snprintf(name, sizeof(name), "\t\t\t\t.%s[%u] = ",
				       r < VMM_FPU_XMM0 ? "fpr" : "xmm",
				       r < VMM_FPU_XMM0 ? r : r - VMM_FPU_XMM0);
			emit_vec(g, name, &v->fpu_regs[at + 1]);
		}
		put(g, "\t\t\t},\n\t\t\t.mask = 0x%x,\n\t\t},\n", mask);
	}
	if (v->has_xsave) {
		mask = 0;
		put(g,
		    "\t\t.xsave = &(const struct xsave_desc){\n"
		    "\t\t\t.xstate_bv = 0x%llxULL,\n"
		    "\t\t\t.xcomp_bv = 0x%llxULL,\n"
		    "\t\t\t.hdr_rsvd = 0x%llxULL,\n"
		    "\t\t\t.mxcsr = 0x%x,\n",
		    (unsigned long long)v->xs_bv,
		    (unsigned long long)v->xs_comp,
		    (unsigned long long)v->xs_rsvd, v->xs_mxcsr);
		for (uint32_t at = 0; at + VMM_SCN_VEC_ENTRY <= v->xs_ymmh_len;
		     at += VMM_SCN_VEC_ENTRY) {
			unsigned int r = v->xs_ymmh[at];

			if (r >= VMM_YMM_NREGS)
				continue;
			mask |= 1U << r;
			(void)snprintf(name, sizeof(name),
				       "\t\t\t.ymmh[%u] = ", r);
			emit_vec(g, name, &v->xs_ymmh[at + 1]);
		}
		put(g, "\t\t\t.ymm_mask = 0x%x,\n\t\t},\n", mask);
	}
}

static int emit_x86_run(struct gen *g, struct pages *pg,
			const struct vmm_scenario *s, const char *p,
			const char *var, const char *name,
			const char **rejected, struct vmm_error *e)
{
	uint64_t sys_gpa = 0, sys_size = 0;
	uint8_t *area[2] = { NULL, NULL };
	struct kvm_sregs sr[VMM_MAX_VCPUS][2];
	struct kvm_regs regs[VMM_MAX_VCPUS];
	const char *reject[VMM_MAX_VCPUS] = { NULL };
	static char reject_msg[VMM_ERR_MSG_MAX];
	uint32_t nv = s->nvcpus, nwrites = s->nblobs;
	struct vmm_error ve;

	*rejected = NULL;
	vmm_err_clear(&ve);
	if (vmm_x86_place_sys(s, &sys_gpa, &sys_size, &ve) < 0) {
		(void)snprintf(reject_msg, sizeof(reject_msg), "%s", ve.msg);
		*rejected = reject_msg;
		sys_size = 0;
		for (uint32_t i = 0; i < nv; i++)
			reject[i] = reject_msg;
	}
	if (sys_size > SYS_PAGES_MAX * VMM_X86_PAGE_SIZE) {
		vmm_err_set(e, VMM_ERR_INPUT, "export", 0,
			    "system area of %llu"
			    " bytes",
			    (unsigned long long)sys_size);
		return -1;
	}
	if (sys_size) {
		area[0] = calloc(1, sys_size);
		area[1] = malloc(sys_size);
		if (!area[0] || !area[1]) {
			free(area[0]);
			free(area[1]);
			vmm_err_set(e, VMM_ERR_NOMEM, "malloc", ENOMEM,
				    "out of memory");
			return -1;
		}
		memset(area[1], 0xff, sys_size);
	}
	/* Each vCPU's state from KVM's value 0 and ~0 in every sregs bit:
	 * what the VMM sets comes out the same in both. */
	for (uint32_t i = 0; i < nv && !*rejected; i++) {
		for (int k = 0; k < 2; k++) {
			memset(&sr[i][k], k ? 0xff : 0, sizeof(sr[i][k]));
			vmm_err_clear(&ve);
			if (vmm_x86_vcpu_state(&s->vcpus[i], &sr[i][k], area[k],
					       sys_gpa, sys_size, &regs[i],
					       &ve) < 0) {
				(void)snprintf(reject_msg, sizeof(reject_msg),
					       "%s", ve.msg);
				reject[i] = reject_msg;
				nv = i + 1; /* the pipeline stops there */
				break;
			}
		}
		if (reject[i])
			break;
	}
	emit_memory(g, s, p);
	/* the pages every mode wrote whole: the same bytes from both starts */
	{
		const char *arr[SYS_PAGES_MAX] = { NULL };
		uint64_t npages = sys_size / VMM_X86_PAGE_SIZE;

		for (uint64_t pi = 0; pi < npages; pi++) {
			const uint8_t *a = area[0] + pi * VMM_X86_PAGE_SIZE;

			if (memcmp(a, area[1] + pi * VMM_X86_PAGE_SIZE,
				   VMM_X86_PAGE_SIZE) == 0)
				arr[pi] = page_array(g, pg, a, pi);
		}
		emit_writes_start(g, s, p);
		for (uint64_t pi = 0; pi < npages; pi++) {
			if (!arr[pi])
				continue;
			put(g,
			    "\t{ 0x%llx, %s, sizeof(%s), 0x%llx, \"VMM: %s\" "
			    "},\n",
			    (unsigned long long)(sys_gpa +
						 pi * VMM_X86_PAGE_SIZE),
			    arr[pi], arr[pi], VMM_X86_PAGE_SIZE, page_what(pi));
			nwrites++;
		}
		put(g, "};\n\n");
	}
	for (uint32_t i = 0; i < nv; i++) {
		char fn[64];

		if (reject[i])
			continue;
		(void)snprintf(fn, sizeof(fn), "%s_vcpu%u_sregs", p, i);
		put(g,
		    "/* vCPU %u, mode %s, entry 0x%llx: the sregs (the mode "
		    "preset, then the input's overrides) */\n",
		    i, vmm_arch_mode_name(VMM_ARCH_X86_64, s->vcpus[i].mode),
		    (unsigned long long)s->vcpus[i].entry);
		emit_sregs_fn(g, fn, &sr[i][0], &sr[i][1]);
	}
	for (uint32_t i = 0; i < nv; i++) {
		const struct vmm_vcpu_spec *vs = &s->vcpus[i];

		if (reject[i] || vs->nmsrs == 0)
			continue;
		put(g,
		    "/* vCPU %u: the input's MSR records, KVM_SET_MSRS after "
		    "the registers */\n"
		    "static const struct kvm_msr_entry %s_vcpu%u_msrs[] = {\n",
		    i, p, i);
		for (uint32_t m = 0; m < vs->nmsrs; m++)
			put(g, "\t{ .index = 0x%x, .data = 0x%llxULL },\n",
			    vs->msrs[m].index,
			    (unsigned long long)vs->msrs[m].value);
		put(g, "};\n\n");
	}
	for (uint32_t i = 0; i < nv; i++) {
		const struct vmm_vcpu_spec *vs = &s->vcpus[i];

		if (reject[i] || vs->nlapic == 0)
			continue;
		put(g,
		    "/* vCPU %u: the input's lapic records, over "
		    "KVM_GET_LAPIC's page */\n"
		    "static const struct lapic_field %s_vcpu%u_lapic[] = {\n",
		    i, p, i);
		for (uint32_t l = 0; l < vs->nlapic; l++)
			put(g, "\t{ 0x%x, 0x%xU },\n", vs->lapic[l].offset,
			    vs->lapic[l].value);
		put(g, "};\n\n");
	}
	if (s->nirqs) {
		put(g,
		    "/* the input's irq records (0 line: gsi, level; 1 MSI: "
		    "address, data), in order before the first run */\n"
		    "static const struct irq_desc %s_irqs[] = {\n",
		    p);
		for (uint32_t q = 0; q < s->nirqs; q++)
			put(g,
			    "\t{ .type = %u, .gsi = %u, .level = %u, "
			    ".data = 0x%xU, .address = 0x%llxULL },\n",
			    s->irqs[q].type, s->irqs[q].gsi, s->irqs[q].level,
			    s->irqs[q].data,
			    (unsigned long long)s->irqs[q].address);
		put(g, "};\n\n");
	}
	if (s->nactions) {
		put(g,
		    "/* the input's action records, in order */\n"
		    "static const struct action_desc %s_actions[] = {\n",
		    p);
		for (uint32_t q = 0; q < s->nactions; q++) {
			const struct vmm_action_spec *a = &s->actions[q];

			put(g,
			    "\t{ .kind = %u, /* %s */ .vcpu = %u, .target = "
			    "%u, .trigger = %u, .when = %u, .idx = 0x%x, .a = "
			    "0x%llxULL, .b = 0x%llxULL },\n",
			    a->kind, vmm_action_kind_name(a->kind), a->vcpu,
			    a->target, a->trigger, a->when, a->idx,
			    (unsigned long long)a->a, (unsigned long long)a->b);
		}
		put(g, "};\n\n");
	}
	for (uint32_t i = 0; i < nv; i++) {
		const struct vmm_vcpu_spec *vs = &s->vcpus[i];

		if (reject[i] || vs->ncpuid == 0)
			continue;
		put(g,
		    "/* vCPU %u: the input's CPUID records (register 0 eax .. "
		    "3 edx), over KVM_GET_SUPPORTED_CPUID */\n"
		    "static const struct cpuid_override %s_vcpu%u_cpuid[] = "
		    "{\n",
		    i, p, i);
		for (uint32_t c = 0; c < vs->ncpuid; c++)
			put(g,
			    "\t{ .function = 0x%x, .index = 0x%x, .reg = %u, "
			    ".value = 0x%x },\n",
			    vs->cpuid[c].function, vs->cpuid[c].index,
			    vs->cpuid[c].reg, vs->cpuid[c].value);
		put(g, "};\n\n");
	}
	if (reject[0] || (nv && reject[nv - 1]))
		put(g,
		    "static void %s_no_sregs(struct kvm_sregs *s)\n{\n"
		    "\t(void)s;\n}\n\n",
		    p);
	put(g, "static const struct vcpu_desc %s_vcpus[] = {\n", p);
	for (uint32_t i = 0; i < nv; i++) {
		put(g, "\t{ /* vCPU %u */\n", i);
		if (reject[i]) {
			put(g, "\t\t.sregs = %s_no_sregs,\n\t\t.reject = ", p);
			str_lit(g, reject[i]);
			put(g, ",\n\t},\n");
			continue;
		}
		put(g, "\t\t.sregs = %s_vcpu%u_sregs,\n", p, i);
		emit_regs(g, &regs[i]);
		if (s->vcpus[i].has_dregs)
			put(g,
			    "\t\t.dregs = &(const struct kvm_debugregs){\n"
			    "\t\t\t.db = { 0x%llxULL, 0x%llxULL, 0x%llxULL, "
			    "0x%llxULL },\n"
			    "\t\t\t.dr6 = 0x%llxULL,\n"
			    "\t\t\t.dr7 = 0x%llxULL,\n\t\t},\n",
			    (unsigned long long)s->vcpus[i].dr[0],
			    (unsigned long long)s->vcpus[i].dr[1],
			    (unsigned long long)s->vcpus[i].dr[2],
			    (unsigned long long)s->vcpus[i].dr[3],
			    (unsigned long long)s->vcpus[i].dr6,
			    (unsigned long long)s->vcpus[i].dr7);
		if (s->vcpus[i].has_events)
			emit_events(g, &s->vcpus[i]);
		if (s->vcpus[i].has_gdbg)
			put(g,
			    "\t\t.gdbg = &(const struct kvm_guest_debug){\n"
			    "\t\t\t.control = 0x%xU,\n"
			    "\t\t\t.arch.debugreg = { 0x%llxULL, 0x%llxULL, "
			    "0x%llxULL, 0x%llxULL, 0, 0, 0, 0x%llxULL },\n"
			    "\t\t},\n",
			    s->vcpus[i].gdbg_control,
			    (unsigned long long)s->vcpus[i].gdbg_dr[0],
			    (unsigned long long)s->vcpus[i].gdbg_dr[1],
			    (unsigned long long)s->vcpus[i].gdbg_dr[2],
			    (unsigned long long)s->vcpus[i].gdbg_dr[3],
			    (unsigned long long)s->vcpus[i].gdbg_dr7);
		emit_fpu(g, &s->vcpus[i]);
		if (s->vcpus[i].ncpuid)
			put(g,
			    "\t\t.cpuid = %s_vcpu%u_cpuid,\n"
			    "\t\t.ncpuid = %u,\n",
			    p, i, s->vcpus[i].ncpuid);
		if (s->vcpus[i].nlapic)
			put(g,
			    "\t\t.lapic = %s_vcpu%u_lapic,\n"
			    "\t\t.nlapic = %u,\n",
			    p, i, s->vcpus[i].nlapic);
		if (s->vcpus[i].nmsrs)
			put(g,
			    "\t\t.msrs = %s_vcpu%u_msrs,\n"
			    "\t\t.nmsrs = %u,\n",
			    p, i, s->vcpus[i].nmsrs);
		put(g, "\t},\n");
	}
	put(g, "};\n\n");
	emit_vm_desc(g, s, p, var, name, nwrites, nv);
	free(area[0]);
	free(area[1]);
	return 0;
}

/* The comparison's data for `./repro --diff`: the instructions the
 * oracle stepped, each with the rflags bits it compares after it. */
static void emit_diff(struct gen *g)
{
	const struct vmm_export_diff *x = g->diff;
	static const char *const flag[12] = {
		"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "DF", "OF"
	};

	put(g, "/* ---- the host side (./repro --diff) ---- */\n");
	if (!x || !x->comparable) {
		put(g,
		    "/* Not exported: the differential oracle cannot compare "
		    "this input:\n *   %s\n */\n",
		    x ? x->why : "exported without a comparison");
		put(g, "#define DIFF_WHY ");
		str_lit(g, x ? x->why : "exported without a comparison");
		put(g, "\n#define DIFF_NSTEPS 0U\n#define DIFF_M32 0\n"
		       "#define DIFF_SYS_LO 0ULL\n"
		       "#define DIFF_SYS_HI 0ULL\n#define DIFF_STOP \"\"\n"
		       "#define DIFF_EXPECT \"\"\n"
		       "static const struct diff_step diff_steps[1];\n\n");
		return;
	}
	put(g,
	    "/* What kvmfuzz's oracle did at export time (vmm replay --diff):\n"
	    " *   %s\n"
	    " * It stepped the %u instruction(s) below on both sides and then "
	    "stopped:\n *   %s\n"
	    " * After each, rflags is compared in the bits given (0xcd5: CF "
	    "PF AF ZF SF DF OF;\n"
	    " * the instruction's architecturally undefined flags left out, "
	    "and the child\n"
	    " * takes KVM's values for them so they cannot spread). */\n",
	    x->expect, x->nsteps, x->stop);
	put(g, "#define DIFF_WHY NULL\n#define DIFF_NSTEPS %uU\n", x->nsteps);
	put(g,
	    "#define DIFF_M32 %d /* 1: 32-bit protected mode (the child runs "
	    "in compatibility\n\t\t    * mode; eax..ebp and eip compared) "
	    "*/\n",
	    x->m32);
	put(g,
	    "#define DIFF_SYS_LO 0x%llxULL /* the VMM's GDT and page "
	    "tables: not compared */\n#define DIFF_SYS_HI 0x%llxULL\n",
	    (unsigned long long)x->sys_lo, (unsigned long long)x->sys_hi);
	put(g, "#define DIFF_STOP ");
	str_lit(g, x->stop);
	put(g, "\n#define DIFF_EXPECT ");
	str_lit(g, x->expect);
	put(g, "\nstatic const struct diff_step diff_steps[%u] = {\n",
	    x->nsteps ? x->nsteps : 1U);
	for (uint32_t i = 0; i < x->nsteps; i++) {
		const struct vmm_diff_step *st = &x->steps[i];
		uint64_t undef = 0xcd5ULL & ~st->flags_cmp;

		put(g, "\t{ 0x%llx, 0x%llx, %u },", (unsigned long long)st->rip,
		    (unsigned long long)st->flags_cmp, st->rep_bytes);
		if (undef) {
			put(g, " /* undefined:");
			for (unsigned int b = 0; b < 12; b++)
				if ((undef & (1ULL << b)) && flag[b][0])
					put(g, " %s", flag[b]);
			put(g, " */");
		}
		if (st->rep_bytes)
			put(g, " /* REP string */");
		put(g, "\n");
	}
	put(g, "};\n\n");
}

static int emit_x86(struct gen *g, const struct vmm_scenario *s,
		    struct vmm_error *e)
{
	struct pages *pg = calloc(1, sizeof(*pg));
	struct vmm_scenario *probe = malloc(sizeof(*probe));
	const char *rejected = NULL, *ignore;
	int seen[VMM_MODE_COUNT] = { 0 };
	int rc = -1;

	if (!pg || !probe) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", ENOMEM,
			    "out of memory");
		goto out;
	}
	/* the mode probes, one per mode the vCPUs use, in order of use */
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		unsigned int m = s->vcpus[i].mode;
		char p[32], var[48], name[32];

		if (m >= VMM_MODE_COUNT || seen[m])
			continue;
		seen[m] = 1;
		vmm_x86_probe_scenario(probe, (enum vmm_x86_mode)m);
		(void)snprintf(p, sizeof(p), "probe_%s",
			       vmm_x86_mode_name((enum vmm_x86_mode)m));
		(void)snprintf(var, sizeof(var), "%s_vm", p);
		(void)snprintf(name, sizeof(name), "%s",
			       vmm_x86_mode_name((enum vmm_x86_mode)m));
		put(g,
		    "/* ---- the %s mode probe: HLT at 0x1000 in a 64 KiB "
		    "slot ---- */\n",
		    name);
		if (emit_x86_run(g, pg, probe, p, var, name, &ignore, e) < 0)
			goto out;
	}
	/* the hypercall probe (vmm/x86/setup.c), for an input whose
	 * hypercall record needs it */
	if (s->has_hypercall) {
		vmm_x86_hc_probe_scenario(probe);
		put(g,
		    "/* ---- the hypercall probe: a VMCALL, then HLT ---- */\n");
		if (emit_x86_run(g, pg, probe, "probe_hc", "probe_hc_vm",
				 "hypercall probe", &ignore, e) < 0)
			goto out;
	}
	put(g, "/* ---- the input ---- */\n");
	if (emit_x86_run(g, pg, s, "input", "the_input", "the input", &rejected,
			 e) < 0)
		goto out;
	put(g, "/* the mode probes, in the order the VMM runs them */\n");
	put(g, "static const struct vm_desc *const mode_probes[] = {");
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		unsigned int m = s->vcpus[i].mode;

		if (m >= VMM_MODE_COUNT || seen[m])
			continue;
		seen[m] = 1;
		put(g, " &probe_%s_vm,",
		    vmm_x86_mode_name((enum vmm_x86_mode)m));
	}
	put(g, " };\n\n");
	put(g,
	    "/* the hypercall probe, if the input needs it */\n"
	    "static const struct vm_desc *const hc_probe = %s;\n\n",
	    s->has_hypercall ? "&probe_hc_vm" : "NULL");
	emit_diff(g);
	put(g, "/* set when kvmfuzz rejects the input before creating "
	       "anything */\n#define INPUT_REJECTED ");
	if (rejected)
		str_lit(g, rejected);
	else
		put(g, "NULL");
	put(g, "\n\n");
	rc = 0;
out:
	free(pg);
	free(probe);
	return rc;
}
#endif /* __x86_64__ */

static void emit_header(struct gen *g, const struct vmm_scenario *s,
			const char *source)
{
	const char *arch = vmm_arch_name(s->arch);

	put(g,
	    "/*\n * KVM reproducer (%s), generated by kvmfuzz `vmm export-c`"
	    "%s%s.\n",
	    arch, source ? " from " : "", source ? source : "");
	put(g,
	    " *\n"
	    " * Build: cc -Wall -Wextra -Werror -O2 -o repro repro.c\n"
	    " * Run:   ./repro    (needs /dev/kvm: root or the kvm group)\n"
	    " *\n"
	    " * Plain ioctls on /dev/kvm, nothing else: the steps kvmfuzz's "
	    "pipeline takes\n"
	    " * for this input in fresh mode (a new VM). It prints\n"
	    " *     repro: verdict=V exits=N trace_hash=0xH\n"
	    " * with the values `vmm replay FILE --mode fresh` prints (the "
	    "trace hash is\n"
	    " * FNV-1a over each exit's reason and stable fields), and for a "
	    "finding\n"
	    " * `repro: finding=CLASS ...`, exit code 11 (kernel-contract: a "
	    "kvm_run field\n"
	    " * or ioctl result outside the API), 12 (ioctl-anomaly: an errno "
	    "the API does\n"
	    " * not allow for that call) or 13 (vcpu-hang).\n"
	    " *\n%s"
	    " * Layout: the generic parts first (types, then the VMM: checks "
	    "of each exit,\n"
	    " * devices, run loop), with this input's data in between: memory "
	    "slots, fills,\n"
	    " * the input's blobs, %s"
	    "the vCPUs' registers, limits.\n"
	    " * To shorten it by hand, edit the data.\n"
	    " *\n * The input, as `vmm decode` prints it:\n",
	    s->arch == VMM_ARCH_X86_64
		    ? " * Run:   ./repro --diff    (x86: the differential "
		      "oracle's comparison)\n"
		      " * runs the same code both in KVM, single-stepped "
		      "(KVM_SET_GUEST_DEBUG), and\n"
		      " * on this CPU in a forked child that holds only guest "
		      "memory at the same\n"
		      " * addresses (ptrace single-steps it; a seccomp filter "
		      "kills it on any\n"
		      " * system call), the same number of instructions, then "
		      "prints both states\n"
		      " * and the fields that differ: `repro: diff=agree` (exit "
		      "0) or\n"
		      " * `repro: diff=diverge fields=...` (exit 16, "
		      "emulator-divergence). An input\n"
		      " * the oracle cannot compare says why (exit 2).\n"
		      " *\n"
		    : "",
	    s->arch == VMM_ARCH_X86_64
		    ? "the GDT and page tables the VMM writes into guest\n"
		      " * memory (computed by kvmfuzz's own set-up code at "
		      "export time),\n * "
		    : "");
	(void)scenario_comment(g, s);
	put(g, " */\n");
}

void vmm_export_diff_prepare(struct vmm_kvm *k, const struct vmm_scenario *s,
			     struct vmm_export_diff *x)
{
	struct vmm_diff_result *d = malloc(sizeof(*d));
	struct vmm_diff_opts o;

	memset(x, 0, sizeof(*x));
	if (!d) {
		(void)snprintf(x->why, sizeof(x->why), "out of memory");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.max_steps = VMM_DIFF_DEFAULT_STEPS;
	o.log = x->steps;
	o.log_cap = VMM_EXPORT_DIFF_STEPS;
	switch (vmm_diff_run(k, s, &o, d)) {
	case VMM_DIFF_AGREE:
		(void)snprintf(x->expect, sizeof(x->expect),
			       "agree over %u instruction(s)", d->steps);
		break;
	case VMM_DIFF_DIVERGE:
		(void)snprintf(x->expect, sizeof(x->expect),
			       "emulator-divergence: %s after %u "
			       "instruction(s), last 0x%llx: %.60s%s%.60s",
			       vmm_diff_field_name(d->field), d->steps,
			       (unsigned long long)d->at, d->insn,
			       d->known[0] ? "; known: " : "", d->known);
		break;
	case VMM_DIFF_INELIGIBLE:
		(void)snprintf(x->why, sizeof(x->why), "%s", d->why);
		free(d);
		return;
	default:
		(void)snprintf(x->why, sizeof(x->why), "%s: %.200s",
			       vmm_diff_status_name(d->status), d->why);
		free(d);
		return;
	}
	x->comparable = 1;
#if defined(__x86_64__)
	x->m32 = s->vcpus[0].mode != VMM_MODE_LONG64;
#endif
	x->nsteps = d->nlog;
	x->sys_lo = d->sys_lo;
	x->sys_hi = d->sys_hi;
	(void)snprintf(x->stop, sizeof(x->stop), "%s",
		       d->stop[0] ? d->stop : "at the difference");
	free(d);
}

int vmm_export_c(const struct vmm_scenario *s, const char *source, FILE *out,
		 struct vmm_error *e)
{
	return vmm_export_c_diff(s, source, NULL, out, e);
}

int vmm_export_c_diff(const struct vmm_scenario *s, const char *source,
		      const struct vmm_export_diff *diff, FILE *out,
		      struct vmm_error *e)
{
	struct gen g = { out, 0, s->arch, diff };
	const char *arch = s->arch == VMM_ARCH_ARM64 ? "arm64" : "x86";

#if !defined(__x86_64__)
	if (s->arch == VMM_ARCH_X86_64) {
		vmm_err_set(e, VMM_ERR_HOST, "export-c", 0,
			    "x86_64 scenarios are exported on an x86_64 host "
			    "(the VMM's set-up code runs at export time)");
		return -1;
	}
#endif
	if (s->arch != VMM_ARCH_X86_64 && s->arch != VMM_ARCH_ARM64) {
		vmm_err_set(e, VMM_ERR_INPUT, "export-c", 0,
			    "unknown architecture %u", s->arch);
		return -1;
	}
	emit_header(&g, s, source);
	section(&g, "head");
	section(&g, s->arch == VMM_ARCH_ARM64 ? "arm64_types" : "x86_types");
	section(&g, "common_types");
	put(&g,
	    "/* ======================================================"
	    "================\n * The input's data (generated)\n * ========="
	    "=============================================================*/\n\n");
	put(&g, "/* the exits this architecture's KVM produces */\n");
	put(&g, "static const char *const exit_names[] = {\n");
	for (uint32_t r = 0; r < EXIT_REASONS_MAX; r++)
		if (vmm_exit_reason_known_on(r, s->arch))
			put(&g, "\t[%u] = \"%s\",\n", r,
			    vmm_exit_reason_name(r));
	put(&g, "};\n\n");
	if (s->arch == VMM_ARCH_ARM64) {
		emit_arm64(&g, s);
	} else {
#if defined(__x86_64__)
		if (emit_x86(&g, s, e) < 0)
			return -1;
#endif
	}
	section(&g, "engine");
	section(&g, arch);
	if (s->arch == VMM_ARCH_X86_64)
		section(&g, "x86_diff");
	section(&g, "main");
	if (g.failed || fflush(out) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "write", errno,
			    "cannot write the reproducer");
		return -1;
	}
	return 0;
}
