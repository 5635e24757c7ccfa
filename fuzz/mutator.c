#include "fuzz/mutator.h"
#include "fuzz/cmp_table.h"
#include "fuzz/device_consts.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/bytes.h"
#include "vmm/diff.h"
#include "vmm/layout.h"
#include "vmm/scenario.h"
#include "vmm/vm.h"
#if defined(__x86_64__)
#include "vmm/x86/mode.h"
#endif

#define BLOB_CAP 4096U /* working room per blob */
/* Run limits of every scenario the mutator makes, chosen from what inputs
 * need (bench_mutated with BENCH_TRACE=1, and `vmm replay` over a 60 s
 * job's corpus; README "Tests and figures"): the corpus guests halt within
 * 27 exits and well under a millisecond (reset mode); halting inputs of a
 * job's corpus need p90 29 exits, p99 85, and p90 0.8 ms of exec time,
 * set-up included, on a loaded 2-core host. The exit budget must run out
 * before the clock does (an exit costs 7-15 us here): 64 exits. A guest
 * that loops without exiting is bound by the clock alone (emulated CPL0
 * code runs at ~3 instructions per microsecond): 1 ms keeps such runs
 * cheap. Inputs keep their limits only below these caps. */
#define MUT_MAX_EXITS 64U
#define MUT_MIN_TIMEOUT_MS 1U
#define MUT_TIMEOUT_MS 1U
#define INPUT_CAP 1024U
#define TRIES 8
#define FRESH_TRIES 64U /* mutations of an input that showed a new check */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? next(r) % n : 0;
}

/* A scenario whose blob and input bytes live in owned buffers. */
struct work {
	struct vmm_scenario s;
	uint8_t blob[VMM_MAX_BLOBS][BLOB_CAP];
	uint8_t input[INPUT_CAP];
};

static void own(struct work *w)
{
	for (uint32_t i = 0; i < w->s.nblobs; i++) {
		uint64_t n = w->s.blobs[i].len;

		if (n > BLOB_CAP)
			n = BLOB_CAP;
		if (w->s.blobs[i].data != w->blob[i])
			memmove(w->blob[i], w->s.blobs[i].data, n);
		w->s.blobs[i].data = w->blob[i];
		w->s.blobs[i].len = n;
	}
	if (w->s.has_input) {
		uint32_t n =
			w->s.input_len > INPUT_CAP ? INPUT_CAP : w->s.input_len;

		if (n && w->s.input != w->input)
			memmove(w->input, w->s.input, n);
		w->s.input = w->input;
		w->s.input_len = n;
	}
}

struct snippet {
	uint8_t len;
	uint8_t b[12];
};

/* x86 instructions that make KVM do interesting things. Not rdtsc, rdtscp,
 * rdrand or rdseed: they do not exit to the VMM (KVM has no user-space
 * control that makes them exit or return fixed values), and their results
 * come from the host's clock and random number generator, so a guest that
 * branches or addresses memory with them does something different on
 * every run of the same input. */
static const struct snippet x86_snippets[] = {
	{ 1, { 0xf4 } },			 /* hlt */
	{ 1, { 0xee } },			 /* out dx, al */
	{ 1, { 0xec } },			 /* in al, dx */
	{ 2, { 0xe6, 0x80 } },			 /* out 0x80, al */
	{ 2, { 0xe4, 0x60 } },			 /* in al, 0x60 */
	{ 1, { 0xef } },			 /* out dx, eax */
	{ 2, { 0xf3, 0x6e } },			 /* rep outsb */
	{ 2, { 0xf3, 0x6c } },			 /* rep insb */
	{ 3, { 0xba, 0xe9, 0x00 } },		 /* mov dx, 0xe9 (16-bit) */
	{ 4, { 0x66, 0xba, 0xf8, 0x03 } },	 /* mov dx, 0x3f8 (32/64) */
	{ 2, { 0x0f, 0xa2 } },			 /* cpuid */
	{ 2, { 0x0f, 0x32 } },			 /* rdmsr */
	{ 2, { 0x0f, 0x30 } },			 /* wrmsr */
	{ 3, { 0x0f, 0x22, 0xc0 } },		 /* mov cr0, eax */
	{ 3, { 0x0f, 0x20, 0xc0 } },		 /* mov eax, cr0 */
	{ 3, { 0x0f, 0x22, 0xd8 } },		 /* mov cr3, eax */
	{ 3, { 0x0f, 0x22, 0xe0 } },		 /* mov cr4, eax */
	{ 4, { 0x44, 0x0f, 0x22, 0xc0 } },	 /* mov cr8, rax */
	{ 3, { 0x0f, 0x01, 0xd1 } },		 /* xsetbv */
	{ 1, { 0xcc } },			 /* int3 */
	{ 2, { 0xcd, 0x80 } },			 /* int 0x80 */
	{ 2, { 0x0f, 0x0b } },			 /* ud2 */
	{ 1, { 0xcf } },			 /* iret */
	{ 1, { 0xfb } },			 /* sti */
	{ 1, { 0xfa } },			 /* cli */
	{ 3, { 0x0f, 0x01, 0xc1 } },		 /* vmcall */
	{ 3, { 0x0f, 0x01, 0xd9 } },		 /* vmmcall */
	{ 2, { 0x0f, 0x05 } },			 /* syscall */
	{ 2, { 0x0f, 0x34 } },			 /* sysenter */
	{ 3, { 0x0f, 0x01, 0xc8 } },		 /* monitor */
	{ 3, { 0x0f, 0x01, 0xc9 } },		 /* mwait */
	{ 2, { 0x0f, 0x09 } },			 /* wbinvd */
	{ 3, { 0x0f, 0x01, 0x38 } },		 /* invlpg [eax] */
	{ 3, { 0x0f, 0x00, 0xd8 } },		 /* ltr ax */
	{ 2, { 0x8e, 0xd0 } },			 /* mov ss, ax */
	{ 2, { 0x31, 0xc0 } },			 /* xor eax, eax */
	{ 2, { 0xeb, 0xfe } },			 /* jmp $ */
	{ 5, { 0xa2, 0x00, 0x00, 0x00, 0x10 } }, /* mov [0x10000000], al */
	{ 2, { 0x0f, 0x33 } },			 /* rdpmc */
	{ 2, { 0xf3, 0x90 } },			 /* pause */
};

/* arm64 instructions (little-endian words) that make KVM do interesting
 * things: MMIO, PSCI calls, traps, system registers, waits. Not the counter
 * reads (cntvct_el0, pmccntr_el0), for the reason given above for rdtsc. */
#define A64(w)                                                   \
	(uint8_t)(w), (uint8_t)((w) >> 8), (uint8_t)((w) >> 16), \
		(uint8_t)((w) >> 24)
static const struct snippet arm64_snippets[] = {
	{ 8,
	  { A64(0xd2a20002), A64(0x39000041) } }, /* x2=console; strb w1,[x2] */
	{ 12,
	  { A64(0x52800100), A64(0x72b08000),
	    A64(0xd4000002) } }, /* PSCI SYSTEM_OFF */
	{ 12,
	  { A64(0x52800120), A64(0x72b08000),
	    A64(0xd4000002) } }, /* PSCI SYSTEM_RESET */
	{ 12,
	  { A64(0x52800060), A64(0x72b88000),
	    A64(0xd4000002) } },		     /* PSCI CPU_ON */
	{ 8, { A64(0x52800000), A64(0xd4000002) } }, /* PSCI_VERSION */
	{ 4, { A64(0xd4000002) } },		     /* hvc #0 */
	{ 4, { A64(0xd503207f) } },		     /* wfi */
	{ 4, { A64(0xd503205f) } },		     /* wfe */
	{ 4, { A64(0xd4200000) } },		     /* brk #0 */
	{ 4, { A64(0xd4000001) } },		     /* svc #0 */
	{ 4, { A64(0xd4000003) } },		     /* smc #0 */
	{ 4, { A64(0x00000000) } },		     /* udf #0 */
	{ 4, { A64(0xd69f03e0) } },		     /* eret */
	{ 4, { A64(0xd5033fdf) } },		     /* isb */
	{ 4, { A64(0xd5384240) } },		     /* mrs x0, CurrentEL */
	{ 4, { A64(0xd5381000) } },		     /* mrs x0, sctlr_el1 */
	{ 4, { A64(0xd5181000) } },		     /* msr sctlr_el1, x0 */
	{ 4, { A64(0xd5034fff) } },		     /* msr daifclr, #0xf */
	{ 4, { A64(0xd518c000) } },		     /* msr vbar_el1, x0 */
	{ 4, { A64(0xf9400040) } },		     /* ldr x0, [x2] */
	{ 4, { A64(0xa9400440) } }, /* ldp x0, x1, [x2] (no syndrome) */
	{ 4, { A64(0xa9000440) } }, /* stp x0, x1, [x2] (no syndrome) */
	{ 4, { A64(0xb9400041) } }, /* ldr w1, [x2] */
	{ 4, { A64(0xf9000041) } }, /* str x1, [x2] */
	{ 4, { A64(0xd50b7422) } }, /* dc zva, x2 */
	{ 4, { A64(0xd5087802) } }, /* at s1e1r, x2 */
	{ 4, { A64(0xd508871f) } }, /* tlbi vmalle1 */
	{ 4, { A64(0x14000000) } }, /* b . */
	{ 4, { A64(0xd5380000) } }, /* mrs x0, midr_el1 */
	{ 4, { A64(0xd5380400) } }, /* mrs x0, id_aa64pfr0_el1 */
	{ 4, { A64(0xd50040bf) } }, /* msr spsel, #0 */
	{ 4, { A64(0xd53be000) } }, /* mrs x0, cntfrq_el0 */
	{ 4, { A64(0xd51be320) } }, /* msr cntv_ctl_el0, x0 */
	{ 4, { A64(0x910003e3) } }, /* mov x3, sp */
};
#undef A64

static const uint64_t interesting[] = {
	0,
	1,
	2,
	0x7f,
	0x80,
	0xff,
	0xfff,
	0x1000,
	0xffff,
	0x10000,
	0x100000,
	0x200000,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ULL,
	0x7fffffffffffffffULL,
	0x8000000000000000ULL,
	0xffffffffffffffffULL,
	0x3f8,
	0xe9,
	0x10000000,
};
#define NINT (sizeof(interesting) / sizeof(interesting[0]))

static uint64_t pick_value(struct rng *r)
{
	if (below(r, 3) == 0)
		return next(r);
	return interesting[below(r, NINT)];
}

static void havoc(struct rng *r, uint8_t *p, size_t n)
{
	unsigned int k = 1 + (unsigned int)below(r, 4);

	for (unsigned int i = 0; i < k && n; i++) {
		size_t at = (size_t)below(r, n);

		if (below(r, 2))
			p[at] ^= (uint8_t)(1U << below(r, 8));
		else
			p[at] = (uint8_t)next(r);
	}
}

#define NSNIP(a) (sizeof(a) / sizeof((a)[0]))

/* arm64 instructions go in on a 4-byte boundary. */
static void put_snippet(struct rng *r, unsigned int arch, uint8_t *p,
			uint64_t *len)
{
	int a64 = arch == VMM_ARCH_ARM64;
	const struct snippet *sn =
		a64 ? &arm64_snippets[below(r, NSNIP(arm64_snippets))]
		    : &x86_snippets[below(r, NSNIP(x86_snippets))];
	size_t n = sn->len;
	size_t at = a64 ? (size_t)below(r, *len / 4 + 1) * 4
			: (size_t)below(r, *len + 1);

	if (*len + n > BLOB_CAP || at > *len)
		return;
	memmove(p + at + n, p + at, (size_t)(*len - at));
	memcpy(p + at, sn->b, n);
	*len += n;
}

#if defined(__x86_64__)
/* The sregs value the mode preset would give (reset state + preset). */
static void preset_sregs(enum vmm_x86_mode m, struct kvm_sregs *sr)
{
	static uint8_t area[8 * 4096];
	struct vmm_error e;
	uint64_t ip;

	memset(sr, 0, sizeof(*sr));
	sr->cr0 = 0x60000010ULL; /* architectural reset value */
	sr->apic_base = 0xfee00900ULL;
	(void)vmm_x86_setup_mode(m, sr, area, 0x1000, sizeof(area), 0x1000, &ip,
				 &e);
}

static void seg_to_spec(const struct kvm_segment *k, struct vmm_seg_spec *g)
{
	g->selector = k->selector;
	g->limit = k->limit;
	g->base = k->base;
	g->attrs =
		(uint16_t)((k->type & 0xF) | (k->s ? VMM_SEGA_S : 0) |
			   ((unsigned int)(k->dpl & 3) << VMM_SEGA_DPL_SHIFT) |
			   (k->present ? VMM_SEGA_P : 0) |
			   (k->avl ? VMM_SEGA_AVL : 0) |
			   (k->l ? VMM_SEGA_L : 0) | (k->db ? VMM_SEGA_DB : 0) |
			   (k->g ? VMM_SEGA_G : 0) |
			   (k->unusable ? VMM_SEGA_UNUSABLE : 0));
}

/* Control-register bits worth flipping (architectural positions). */
static const uint8_t cr0_bits[] = { 0, 1, 2, 3, 4, 5, 16, 18, 29, 30, 31 };
static const uint8_t cr4_bits[] = {
	0,  1,	2,  3,	4,  5,	6,  7,	8,  9,	10,
	11, 12, 13, 14, 16, 17, 18, 20, 21, 22, 23
};
static const uint8_t efer_bits[] = { 0, 8, 10, 11, 12, 13, 14, 15 };

static void mut_sreg(struct rng *r, struct vmm_vcpu_spec *v)
{
	struct kvm_sregs sr;
	unsigned int f = (unsigned int)below(r, VMM_SREG_COUNT);
	uint64_t cur;
	__u64 vals[VMM_SREG_COUNT];

	preset_sregs((enum vmm_x86_mode)v->mode, &sr);
	vals[VMM_SREG_CR0] = sr.cr0;
	vals[VMM_SREG_CR2] = sr.cr2;
	vals[VMM_SREG_CR3] = sr.cr3;
	vals[VMM_SREG_CR4] = sr.cr4;
	vals[VMM_SREG_CR8] = sr.cr8;
	vals[VMM_SREG_EFER] = sr.efer;
	vals[VMM_SREG_APIC_BASE] = sr.apic_base;
	vals[VMM_SREG_GDT_BASE] = sr.gdt.base;
	vals[VMM_SREG_GDT_LIMIT] = sr.gdt.limit;
	vals[VMM_SREG_IDT_BASE] = sr.idt.base;
	vals[VMM_SREG_IDT_LIMIT] = sr.idt.limit;
	if (below(r, 2) == 0)
		f = below(r, 3) == 0 ? VMM_SREG_EFER
		    : below(r, 2)    ? VMM_SREG_CR0
				     : VMM_SREG_CR4;
	cur = (v->sreg_mask & (1U << f)) ? v->sregs[f] : vals[f];
	switch (f) {
	case VMM_SREG_CR0:
		cur ^= 1ULL << cr0_bits[below(r, sizeof(cr0_bits))];
		break;
	case VMM_SREG_CR4:
		cur ^= 1ULL << cr4_bits[below(r, sizeof(cr4_bits))];
		break;
	case VMM_SREG_EFER:
		cur ^= 1ULL << efer_bits[below(r, sizeof(efer_bits))];
		break;
	case VMM_SREG_GDT_LIMIT:
	case VMM_SREG_IDT_LIMIT:
		cur = pick_value(r) & 0xFFFF;
		break;
	default:
		cur = below(r, 2) ? pick_value(r)
				  : cur ^ (1ULL << below(r, 64));
		break;
	}
	v->sreg_mask |= 1U << f;
	v->sregs[f] = cur;
}

static void mut_seg(struct rng *r, struct vmm_vcpu_spec *v)
{
	struct kvm_sregs sr;
	struct kvm_segment *segs[VMM_SEG_COUNT] = {
		&sr.cs, &sr.ds, &sr.es, &sr.fs, &sr.gs, &sr.ss, &sr.tr, &sr.ldt,
	};
	unsigned int g = (unsigned int)below(r, VMM_SEG_COUNT);
	struct vmm_seg_spec *s = &v->segs[g];

	if (!(v->seg_mask & (1U << g))) {
		preset_sregs((enum vmm_x86_mode)v->mode, &sr);
		seg_to_spec(segs[g], s);
		v->seg_mask |= 1U << g;
	}
	switch (below(r, 4)) {
	case 0:
		s->attrs ^= (uint16_t)(1U << below(r, 13));
		break;
	case 1:
		s->limit = (uint32_t)pick_value(r);
		break;
	case 2:
		s->base = pick_value(r);
		break;
	default:
		s->selector = (uint16_t)pick_value(r);
		break;
	}
}
#endif

/* MSRs whose writes make KVM do interesting things: time stamp counter
 * and its adjust, APIC base, SYSENTER/SYSCALL targets, PAT, MTRRs, debug
 * control, machine check, x2APIC, the kvm-clock/async-PF/steal-time/PV-EOI
 * paravirtual MSRs, Hyper-V, EFER, FS/GS base, TSC_AUX, AMD HWCR, the
 * feature MSRs KVM freezes after the first run, and one KVM refuses. */
static const uint32_t msr_indices[] = {
	0x10,	    0x1b,	0x3a,	    0x3b,	0x48,	    0x49,
	0x8b,	    0xce,	0x10a,	    0x174,	0x175,	    0x176,
	0x179,	    0x17a,	0x1a0,	    0x1d9,	0x200,	    0x201,
	0x250,	    0x277,	0x2ff,	    0x345,	0x400,	    0x401,
	0x480,	    0x6e0,	0x802,	    0x808,	0x80b,	    0x830,
	0x838,	    0x40000000, 0x40000001, 0x4b564d00, 0x4b564d01, 0x4b564d02,
	0x4b564d03, 0x4b564d04, 0x4b564d05, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010015,
	0xc0011029, 0x12345678,
};

#define NMSRIDX (sizeof(msr_indices) / sizeof(msr_indices[0]))

/* x86 MSR records: add one (kept in increasing index order, the canonical
 * form), drop one, or change an index or a value. */
static void mut_msr_records(struct rng *r, struct vmm_vcpu_spec *v)
{
	uint32_t n = v->nmsrs, k = n ? (uint32_t)below(r, n) : 0;
	uint32_t idx;

	if (n && below(r, 4) == 0) { /* drop */
		memmove(&v->msrs[k], &v->msrs[k + 1],
			(n - k - 1) * sizeof(v->msrs[0]));
		v->nmsrs--;
		return;
	}
	if (n && below(r, 2)) { /* a value: interesting, random or a bit */
		v->msrs[k].value =
			below(r, 2) ? pick_value(r)
				    : v->msrs[k].value ^ (1ULL << below(r, 64));
		return;
	}
	if (n >= VMM_MAX_SCN_MSRS)
		return;
	idx = below(r, 8) ? msr_indices[below(r, NMSRIDX)]
			  : (uint32_t)(n ? v->msrs[k].index + 1 : next(r));
	for (k = 0; k < n && v->msrs[k].index < idx; k++)
		;
	if (k < n && v->msrs[k].index == idx) { /* present: a new value */
		v->msrs[k].value = pick_value(r);
		return;
	}
	memmove(&v->msrs[k + 1], &v->msrs[k], (n - k) * sizeof(v->msrs[0]));
	v->msrs[k].index = idx;
	v->msrs[k].pad = 0;
	v->msrs[k].value = pick_value(r);
	v->nmsrs++;
}

/* CPUID leaves (function, index) worth overriding: vendor and maximum
 * leaf, features, monitor, power, structured features (sub-leaves 0 and
 * 1), PMU, topology, XSAVE (sub-leaves 0, 1, 2), PT, AMX, KVM's signature
 * and features, extended maximum, extended features, address sizes, SVM,
 * and one past every maximum. */
static const uint32_t cpuid_leaves[][2] = {
	{ 0x0, 0 },	   { 0x1, 0 },	      { 0x5, 0 },
	{ 0x6, 0 },	   { 0x7, 0 },	      { 0x7, 1 },
	{ 0xa, 0 },	   { 0xb, 0 },	      { 0xb, 1 },
	{ 0xd, 0 },	   { 0xd, 1 },	      { 0xd, 2 },
	{ 0x14, 0 },	   { 0x1d, 0 },	      { 0x40000000, 0 },
	{ 0x40000001, 0 }, { 0x80000000, 0 }, { 0x80000001, 0 },
	{ 0x80000008, 0 }, { 0x8000000a, 0 }, { 0x21, 0 },
};

#define NLEAVES (sizeof(cpuid_leaves) / sizeof(cpuid_leaves[0]))

/* x86 CPUID records: add one (in (function, index, reg) order, the
 * canonical form), drop one, or change a value (a feature bit, or any). */
static void mut_cpuid_records(struct rng *r, struct vmm_vcpu_spec *v)
{
	uint32_t n = v->ncpuid, k = n ? (uint32_t)below(r, n) : 0;
	struct vmm_cpuid_spec c;
	const uint32_t *leaf;

	if (n && below(r, 4) == 0) { /* drop */
		memmove(&v->cpuid[k], &v->cpuid[k + 1],
			(n - k - 1) * sizeof(v->cpuid[0]));
		v->ncpuid--;
		return;
	}
	if (n && below(r, 2)) {
		v->cpuid[k].value =
			below(r, 3) ? v->cpuid[k].value ^ (1U << below(r, 32))
				    : (uint32_t)pick_value(r);
		return;
	}
	if (n >= VMM_MAX_SCN_CPUID)
		return;
	leaf = cpuid_leaves[below(r, NLEAVES)];
	memset(&c, 0, sizeof(c));
	c.function = leaf[0];
	c.index = leaf[1];
	c.reg = (uint8_t)below(r, VMM_CPUID_NREGS);
	c.value = below(r, 2) ? (uint32_t)next(r) : (uint32_t)pick_value(r);
	for (k = 0; k < n && vmm_cpuid_before(&v->cpuid[k], &c); k++)
		;
	if (k < n && !vmm_cpuid_before(&c, &v->cpuid[k])) { /* same register */
		v->cpuid[k].value = c.value;
		return;
	}
	memmove(&v->cpuid[k + 1], &v->cpuid[k], (n - k) * sizeof(v->cpuid[0]));
	v->cpuid[k] = c;
	v->ncpuid++;
}

/* DR7 values: the reset value, L0/G0 execute breakpoints, L1 write and
 * L2 I/O (needs CR4.DE) and L3 read/write breakpoints of each length,
 * GD (general detect), all enabled; DR6 values: reset, B0, BS, BD, RTM. */
static const uint64_t dr7_values[] = {
	0x400,	    0x401,  0x402,    0x403,	  0x10404,	0x20410,
	0xf0000440, 0x2400, 0x4007ff, 0xffff07ff, 0x1ULL << 32,
};
static const uint64_t dr6_values[] = {
	0xffff0ff0, 0xffff0ff1, 0xffff4ff0, 0xffff2ff0, 0xfffe0ff0, 0,
};

/* x86 debugregs record: add it (an execute breakpoint on the entry point,
 * often), drop it, or change one register. */
static void mut_dregs_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (!v->has_dregs) {
		v->has_dregs = 1;
		memset(v->dr, 0, sizeof(v->dr));
		v->dr[0] = v->entry;
		v->dr6 = 0xffff0ff0;
		v->dr7 = below(r, 2) ? 0x401 : 0x400;
		return;
	}
	switch (below(r, 5)) {
	case 0:
		v->has_dregs = 0;
		memset(v->dr, 0, sizeof(v->dr));
		v->dr6 = 0;
		v->dr7 = 0;
		return;
	case 1:
		v->dr7 = below(r, 2)
				 ? dr7_values[below(
					   r, sizeof(dr7_values) /
						      sizeof(dr7_values[0]))]
				 : v->dr7 ^ (1ULL << below(r, 64));
		return;
	case 2:
		v->dr6 = below(r, 2)
				 ? dr6_values[below(
					   r, sizeof(dr6_values) /
						      sizeof(dr6_values[0]))]
				 : v->dr6 ^ (1ULL << below(r, 64));
		return;
	default:
		v->dr[below(r, 4)] =
			below(r, 2) ? v->entry + below(r, 16) : pick_value(r);
		return;
	}
}

/* Exception vectors: #DE, #DB, NMI (KVM refuses it), #BP, #UD, #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC, #MC, #CP, #VC, a reserved one, the first
 * interrupt vector (KVM refuses it as an exception); error codes: none,
 * an IDT/LDT/external selector, a present write user #PF, bits 31:16. */
static const uint8_t ev_vectors[] = { 0,  1,  2,  3,  6,  8,  10, 11, 12,
				      13, 14, 17, 18, 21, 29, 31, 32 };
static const uint32_t ev_errors[] = { 0, 0x18, 0x102, 0x7, 0x10000 };
#define EV_ERRCODE_VECTORS                                               \
	((1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) | (1U << 13) | \
	 (1U << 14) | (1U << 17) | (1U << 21) | (1U << 29) | (1U << 30))

/* An events record back into canonical form after a flag changed (what
 * vmm/scenario.c accepts): values only with their flags, one injected
 * event, an error code only for vectors that push one. */
static void ev_canon(struct vmm_vcpu_spec *v)
{
	uint32_t f = v->ev_flags & VMM_EV_KNOWN;

	if (!(f & VMM_EV_EXC))
		f &= ~(VMM_EV_EXC_PENDING | VMM_EV_ERRCODE);
	if ((f & VMM_EV_ERRCODE) &&
	    (v->ev_vector > 31 || !((EV_ERRCODE_VECTORS >> v->ev_vector) & 1)))
		f &= ~VMM_EV_ERRCODE;
	if ((f & VMM_EV_NMI_PENDING) && (f & VMM_EV_NMI_INJECTED))
		f &= ~VMM_EV_NMI_PENDING;
	if ((f & VMM_EV_EXC) && !(f & VMM_EV_EXC_PENDING))
		f &= ~(VMM_EV_NMI_INJECTED | VMM_EV_IRQ);
	if (f & VMM_EV_NMI_INJECTED)
		f &= ~VMM_EV_IRQ;
	if (!(f & VMM_EV_EXC))
		v->ev_vector = 0;
	if (!(f & VMM_EV_ERRCODE))
		v->ev_error = 0;
	if (!(f & VMM_EV_IRQ))
		v->ev_irq = 0;
	v->ev_flags = (uint16_t)f;
}

/* x86 events record: add it (an injected exception, often #GP or #PF
 * with an error code), drop it, flip a part, or change a vector or the
 * error code. */
static void mut_events_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (!v->has_events) {
		v->has_events = 1;
		v->ev_flags = (uint16_t)(VMM_EV_EXC | VMM_EV_ERRCODE);
		v->ev_vector = (uint8_t)(below(r, 2) ? 13 : 14);
		v->ev_error = ev_errors[below(r, sizeof(ev_errors) /
							 sizeof(ev_errors[0]))];
		v->ev_irq = 0;
		ev_canon(v);
		return;
	}
	switch (below(r, 5)) {
	case 0:
		v->has_events = 0;
		v->ev_flags = 0;
		v->ev_vector = 0;
		v->ev_error = 0;
		v->ev_irq = 0;
		return;
	case 1:
		v->ev_flags ^= (uint16_t)(1U << below(r, 10));
		if ((v->ev_flags & VMM_EV_IRQ) && !v->ev_irq)
			v->ev_irq = (uint8_t)(32 + below(r, 224));
		break;
	case 2:
		v->ev_vector =
			(uint8_t)(below(r, 4)
					  ? ev_vectors[below(
						    r,
						    sizeof(ev_vectors) /
							    sizeof(ev_vectors
									   [0]))]
					  : below(r, 256));
		v->ev_flags |= VMM_EV_EXC;
		break;
	case 3:
		v->ev_error =
			(uint32_t)(below(r, 2)
					   ? ev_errors[below(
						     r,
						     sizeof(ev_errors) /
							     sizeof(ev_errors
									    [0]))]
					   : v->ev_error ^
						     (1ULL << below(r, 32)));
		v->ev_flags |= VMM_EV_EXC | VMM_EV_ERRCODE;
		break;
	default:
		v->ev_irq = (uint8_t)below(r, 256);
		v->ev_flags |= VMM_EV_IRQ;
		break;
	}
	ev_canon(v);
}

/* Where msr_exits ranges start: 0, TSC, APIC base, SYSENTER_CS, PAT,
 * MTRRdefType, MC0_CTL, TSC_DEADLINE, x2APIC, Hyper-V, KVM's paravirtual
 * MSRs, EFER, FS_BASE, AMD's range, one KVM knows nothing of. */
static const uint32_t mx_bases[] = {
	0x0,	    0x10,	0x1b,	    0x174,	0x277,
	0x2ff,	    0x400,	0x6e0,	    0x800,	0x40000000,
	0x4b564d00, 0xc0000080, 0xc0000100, 0xc0010000, 0xdead0000,
};

/* The msr_exits records back into canonical form: the first record's
 * reasons in every one, no base or flags without MSRs, MSR counts within
 * the cap. */
static void mx_canon(struct vmm_scenario *s)
{
	for (uint32_t i = 0; i < s->nmsr_exits; i++) {
		struct vmm_msr_exit_spec *x = &s->msr_exits[i];

		x->reasons =
			(uint8_t)(s->msr_exits[0].reasons & VMM_MX_REASONS);
		x->flags &= VMM_MX_KNOWN;
		if (x->nmsrs > VMM_MAX_MSR_EXIT_NMSRS)
			x->nmsrs = VMM_MAX_MSR_EXIT_NMSRS;
		if (!x->nmsrs) {
			x->base = 0;
			x->flags = 0;
		}
		x->pad[0] = x->pad[1] = 0;
	}
}

static void mx_new(struct rng *r, struct vmm_msr_exit_spec *x)
{
	x->base = mx_bases[below(r, sizeof(mx_bases) / sizeof(mx_bases[0]))];
	x->nmsrs =
		(uint32_t)(below(r, 8) ? 1 + below(r, 16)
				       : below(r, VMM_MAX_MSR_EXIT_NMSRS + 1));
	/* reads and writes denied (they exit), sometimes answered #GP, or
	 * no direction at all (KVM refuses the range) */
	x->flags = (uint8_t)(below(r, 8) ? VMM_MX_READ | VMM_MX_WRITE
					 : below(r, VMM_MX_KNOWN + 1));
	if (!below(r, 4))
		x->flags |= (uint8_t)(below(r, 2) ? VMM_MX_FAIL_READ
						  : VMM_MX_FAIL_WRITE);
}

/* x86 msr_exits records: add the first (the filter reason, a range of
 * MSRs that exit), add or drop a range, change a range's flags, base or
 * MSR count, or the reasons of all. */
static void mut_msr_exits_records(struct rng *r, struct vmm_scenario *s)
{
	struct vmm_msr_exit_spec *x;

	if (!s->nmsr_exits) {
		memset(&s->msr_exits[0], 0, sizeof(s->msr_exits[0]));
		mx_new(r, &s->msr_exits[0]);
		s->msr_exits[0].reasons =
			(uint8_t)(below(r, 4) ? VMM_MX_REASON_FILTER
					      : below(r, 8));
		s->nmsr_exits = 1;
		mx_canon(s);
		return;
	}
	x = &s->msr_exits[below(r, s->nmsr_exits)];
	switch (below(r, 6)) {
	case 0: /* drop one */
		memmove(x, x + 1,
			(size_t)(s->msr_exits + s->nmsr_exits - (x + 1)) *
				sizeof(*x));
		s->nmsr_exits--;
		memset(&s->msr_exits[s->nmsr_exits], 0, sizeof(*x));
		break;
	case 1: /* add one */
		if (s->nmsr_exits < VMM_MAX_MSR_EXIT_RANGES) {
			x = &s->msr_exits[s->nmsr_exits++];
			memset(x, 0, sizeof(*x));
			mx_new(r, x);
		}
		break;
	case 2:
		x->flags ^= (uint8_t)(1U << below(r, 5));
		break;
	case 3:
		x->base =
			(uint32_t)(below(r, 2)
					   ? mx_bases[below(
						     r,
						     sizeof(mx_bases) /
							     sizeof(mx_bases[0]))]
					   : x->base ^ (1U << below(r, 32)));
		if (!x->nmsrs)
			x->nmsrs = 1;
		break;
	case 4:
		x->nmsrs =
			(uint32_t)(below(r, 2)
					   ? below(r, 17)
					   : below(r,
						   VMM_MAX_MSR_EXIT_NMSRS + 1));
		break;
	default:
		s->msr_exits[0].reasons = (uint8_t)below(r, 8);
		break;
	}
	mx_canon(s);
}

/* x86 hypercall record: add it (KVM_HC_MAP_GPA_RANGE's bit, the one KVM
 * forwards, or another it refuses), drop it, flip a bit of the mask. */
static void mut_hypercall_record(struct rng *r, struct vmm_scenario *s)
{
	if (!s->has_hypercall) {
		s->has_hypercall = 1;
		s->hypercall_mask =
			below(r, 4) ? 1ULL << 12 : 1ULL << below(r, 64);
		return;
	}
	switch (below(r, 3)) {
	case 0:
		s->has_hypercall = 0;
		s->hypercall_mask = 0;
		break;
	case 1:
		s->hypercall_mask ^= 1ULL << below(r, 64);
		break;
	default:
		s->hypercall_mask = below(r, 2) ? 1ULL << 12 : 0;
		break;
	}
}

/* guest_debug control words: step, software breakpoints, hardware ones,
 * inject #DB, inject #BP, step with IRQs blocked, all breakpoints
 * stepped, enable alone, off. DR7: L0 instruction, L0 write, L0
 * read/write 8 bytes, G0, GD, every enable. */
static const uint32_t gdbg_controls[] = {
	0x3, 0x10001, 0x20001, 0x40001, 0x80001, 0x100003, 0x30003, 0x1, 0x0,
};
static const uint64_t gdbg_dr7s[] = {
	0x401, 0xd0401, 0xb0401, 0x402, 0x2401, 0x4ff,
};
static const uint32_t gdbg_bits[] = {
	VMM_GDBG_ENABLE,    VMM_GDBG_SINGLESTEP, VMM_GDBG_USE_SW_BP,
	VMM_GDBG_USE_HW_BP, VMM_GDBG_INJECT_DB,	 VMM_GDBG_INJECT_BP,
	VMM_GDBG_BLOCKIRQ,
};

/* A guest_debug record back into canonical form (vmm/scenario.c). */
static void gdbg_canon(struct vmm_vcpu_spec *v)
{
	v->gdbg_control &= VMM_GDBG_KNOWN;
	if (!(v->gdbg_control & VMM_GDBG_ENABLE))
		v->gdbg_control = 0;
	if ((v->gdbg_control & VMM_GDBG_INJECT_DB) &&
	    (v->gdbg_control & VMM_GDBG_INJECT_BP))
		v->gdbg_control &= ~VMM_GDBG_INJECT_BP;
	if (!(v->gdbg_control & VMM_GDBG_USE_HW_BP)) {
		memset(v->gdbg_dr, 0, sizeof(v->gdbg_dr));
		v->gdbg_dr7 = 0;
	}
}

/* x86 guest_debug record: add it (a control word from the list; with
 * hardware breakpoints DR0 near the entry point), drop it, flip a control
 * bit, move a breakpoint, or change DR7. */
static void mut_gdbg_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (!v->has_gdbg) {
		v->has_gdbg = 1;
		v->gdbg_control = gdbg_controls[below(
			r, sizeof(gdbg_controls) / sizeof(gdbg_controls[0]))];
		memset(v->gdbg_dr, 0, sizeof(v->gdbg_dr));
		v->gdbg_dr[0] = v->entry + below(r, 16);
		v->gdbg_dr7 = gdbg_dr7s[below(r, sizeof(gdbg_dr7s) /
							 sizeof(gdbg_dr7s[0]))];
		gdbg_canon(v);
		return;
	}
	switch (below(r, 5)) {
	case 0:
		v->has_gdbg = 0;
		v->gdbg_control = 0;
		memset(v->gdbg_dr, 0, sizeof(v->gdbg_dr));
		v->gdbg_dr7 = 0;
		return;
	case 1:
		v->gdbg_control ^= gdbg_bits[below(
			r, sizeof(gdbg_bits) / sizeof(gdbg_bits[0]))];
		v->gdbg_control |= VMM_GDBG_ENABLE;
		break;
	case 2:
		v->gdbg_dr[below(r, 4)] =
			below(r, 2) ? v->entry + below(r, 64) : next(r);
		v->gdbg_control |= VMM_GDBG_ENABLE | VMM_GDBG_USE_HW_BP;
		break;
	case 3:
		v->gdbg_dr7 =
			below(r, 2) ? gdbg_dr7s[below(
					      r, sizeof(gdbg_dr7s) /
							 sizeof(gdbg_dr7s[0]))]
				    : v->gdbg_dr7 ^ (1ULL << below(r, 64));
		v->gdbg_control |= VMM_GDBG_ENABLE | VMM_GDBG_USE_HW_BP;
		break;
	default:
		v->gdbg_control = gdbg_controls[below(
			r, sizeof(gdbg_controls) / sizeof(gdbg_controls[0]))];
		break;
	}
	gdbg_canon(v);
}

/* arm64 ONE_REG ids worth setting: the virtual timer (CTL, CNT, CVAL),
 * TPIDR_EL1, SCTLR_EL1, VBAR_EL1, CNTKCTL_EL1, x0, PSTATE, SP_EL0, V0 (128
 * bits), the PSCI version (a firmware register), ID_AA64PFR0_EL1 (an ID
 * register KVM lets a VMM narrow) and ids KVM does not list (a U32 form of
 * TPIDR_EL1, an unknown system register). */
static const uint64_t one_reg_ids[] = {
	VMM_ARM64_REG_TIMER_CTL,
	VMM_ARM64_REG_TIMER_CNT,
	VMM_ARM64_REG_TIMER_CVAL,
	VMM_ARM64_REG_TPIDR_EL1,
	VMM_ARM64_SYSREG(3, 0, 1, 0, 0),
	VMM_ARM64_SYSREG(3, 0, 12, 0, 0),
	VMM_ARM64_SYSREG(3, 0, 14, 1, 0),
	0x6030000000100000ULL, /* x0 */
	0x6030000000100042ULL, /* pstate */
	0x6030000000100044ULL, /* sp_el1 */
	0x6040000000100054ULL, /* V0 */
	0x6030000000140000ULL, /* KVM_REG_ARM_PSCI_VERSION */
	VMM_ARM64_SYSREG(3, 0, 0, 4, 0),
	0x6020000000130000ULL | 0xC684ULL,
	VMM_ARM64_SYSREG(3, 7, 15, 15, 7),
};

#define NONEREG (sizeof(one_reg_ids) / sizeof(one_reg_ids[0]))

/* A value that fits the register's size. */
static void one_reg_value(struct rng *r, struct vmm_one_reg_spec *o)
{
	unsigned int size = (unsigned int)((o->id & VMM_ONE_REG_SIZE_MASK) >>
					   VMM_ONE_REG_SIZE_SHIFT);

	o->value = pick_value(r);
	o->hi = size == VMM_ONE_REG_SIZE_U128 ? pick_value(r) : 0;
	if (size < VMM_ONE_REG_SIZE_U64)
		o->value &= (1ULL << (8U << size)) - 1;
}

/* arm64 one_reg records: add one (in increasing id order, the canonical
 * form), drop one, or change a value. */
static void mut_one_reg_records(struct rng *r, struct vmm_vcpu_spec *v)
{
	uint32_t n = v->n_one_regs, k = n ? (uint32_t)below(r, n) : 0;
	uint64_t id;

	if (n && below(r, 4) == 0) { /* drop */
		memmove(&v->one_regs[k], &v->one_regs[k + 1],
			(n - k - 1) * sizeof(v->one_regs[0]));
		v->n_one_regs--;
		return;
	}
	if (n && below(r, 2)) {
		one_reg_value(r, &v->one_regs[k]);
		return;
	}
	if (n >= VMM_MAX_SCN_ONE_REGS)
		return;
	id = below(r, 8) ? one_reg_ids[below(r, NONEREG)]
			 : VMM_ARM64_SYSREG(3, below(r, 8), below(r, 16),
					    below(r, 16), below(r, 8));
	for (k = 0; k < n && v->one_regs[k].id < id; k++)
		;
	if (k < n && v->one_regs[k].id == id) {
		one_reg_value(r, &v->one_regs[k]);
		return;
	}
	memmove(&v->one_regs[k + 1], &v->one_regs[k],
		(n - k) * sizeof(v->one_regs[0]));
	v->one_regs[k].id = id;
	one_reg_value(r, &v->one_regs[k]);
	v->n_one_regs++;
}

/* arm64 vgic record: add one where the arm64 corpus puts it (QEMU virt's
 * addresses), drop it, or move a region or change nr_irqs (some of the
 * results are refused by validation, some by KVM). */
static void mut_vgic_record(struct rng *r, struct vmm_scenario *s)
{
	if (!s->has_vgic) {
		s->has_vgic = 1;
		s->vgic_dist = 0x08000000;
		s->vgic_redist = 0x080A0000;
		s->vgic_nr_irqs = 64;
		return;
	}
	switch (below(r, 4)) {
	case 0:
		s->has_vgic = 0;
		s->n_irq_lines = 0;
		break;
	case 1:
		s->vgic_nr_irqs = 32 * (uint32_t)(2 + below(r, 31));
		break;
	case 2:
		s->vgic_dist = below(r, 0x10000) << 16;
		break;
	default:
		s->vgic_redist = below(r, 0x10000) << 16;
		break;
	}
}

/* arm64 irq_line records: add one (SPIs 32..95 or the PPIs, the timers'
 * among them; canonical order kept), drop one, or flip a level. */
static void mut_irq_line_records(struct rng *r, struct vmm_scenario *s)
{
	uint32_t n = s->n_irq_lines, k = n ? (uint32_t)below(r, n) : 0;
	struct vmm_irq_line_spec q;

	if (!s->has_vgic) {
		mut_vgic_record(r, s);
		return;
	}
	if (n && below(r, 4) == 0) {
		memmove(&s->irq_lines[k], &s->irq_lines[k + 1],
			(n - k - 1) * sizeof(s->irq_lines[0]));
		s->n_irq_lines--;
		return;
	}
	if (n && below(r, 2)) {
		s->irq_lines[k].level ^= 1;
		return;
	}
	if (n >= VMM_MAX_IRQ_LINES)
		return;
	memset(&q, 0, sizeof(q));
	q.type = (uint8_t)below(r, VMM_IRQ_NTYPES);
	q.level = 1;
	if (q.type == VMM_IRQ_SPI) {
		q.irq = (uint16_t)(32 + below(r, 64));
	} else {
		q.irq = (uint16_t)(16 + below(r, 16));
		q.vcpu = (uint8_t)below(r, s->nvcpus);
	}
	for (k = 0; k < n && vmm_irq_line_before(&s->irq_lines[k], &q); k++)
		;
	if (k < n && !vmm_irq_line_before(&q, &s->irq_lines[k]))
		return; /* that line is there */
	memmove(&s->irq_lines[k + 1], &s->irq_lines[k],
		(n - k) * sizeof(s->irq_lines[0]));
	s->irq_lines[k] = q;
	s->n_irq_lines++;
}

/* FPU/SSE values worth trying. FCW: the default, double and single
 * precision, the invalid-operation exception or all of them unmasked, all
 * bits; FSW: clear, TOP 7, an exception pending (ES: the next x87
 * instruction faults), busy; FTWX (abridged): all empty, all valid, st0;
 * MXCSR: the default, with flags, all exceptions unmasked, FTZ|DAZ, all
 * low bits, reserved bits (KVM_SET_XSAVE refuses them; KVM_SET_FPU
 * ignores them); XCR0: x87, +SSE, +AVX, AVX without SSE and 0 (refused),
 * +MPX, +AVX-512, +PKRU; XSTATE_BV: as XCR0 and bit 63. */
static const uint16_t fpu_fcws[] = { 0x37f, 0x27f, 0x7f, 0x37e, 0x0, 0xffff };
static const uint16_t fpu_fsws[] = { 0x0, 0x3800, 0x80, 0x8000, 0x4500 };
static const uint8_t fpu_ftws[] = { 0x0, 0xff, 0x1, 0x80 };
static const uint32_t fpu_mxcsrs[] = { 0x1f80, 0x1fa0, 0x0,	   0x9fc0,
				       0xffff, 0x1f81, 0xffff0000, 0x10000 };
static const uint64_t fpu_xcr0s[] = { 1, 3, 7, 5, 0, 0x1f, 0xe7, 0x207, 0x2e7 };
static const uint64_t fpu_xbvs[] = { 0, 1, 2, 3, 7, 0xe7, 0x207, 1ULL << 63 };
/* 16-byte register values (low, high): 80-bit x87 (QNaN, SNaN, +inf, a
 * denormal, a pseudo-denormal, an unnormal KVM and the CPU treat as
 * invalid, 1.0, pi) and SSE lanes (float QNaN/SNaN/inf/denormal/-0,
 * double QNaN/inf/denormal/max) */
static const uint64_t fpu_vals[][2] = {
	{ 0xc000000000000000ULL, 0x7fff },
	{ 0xa000000000000000ULL, 0x7fff },
	{ 0x8000000000000000ULL, 0x7fff },
	{ 0x0000000000000001ULL, 0x0000 },
	{ 0x8000000000000000ULL, 0x0000 },
	{ 0x4000000000000000ULL, 0x4000 },
	{ 0x8000000000000000ULL, 0x3fff },
	{ 0xc90fdaa22168c000ULL, 0x4000 },
	{ 0x7f8000017fc00000ULL, 0x800000000000001ULL },
	{ 0x7ff8000000000000ULL, 0x7ff0000000000000ULL },
	{ 0x0000000000000001ULL, 0x7fefffffffffffffULL },
	{ 0x8000000080000000ULL, 0x0000000100000001ULL },
};
#define NPICK(a) (sizeof(a) / sizeof((a)[0]))

/* One entry of an fpu/xsave register list (index, 16 bytes): replace or
 * insert register idx in ascending order (up to `cap` entries). */
#define VEC_E ((size_t)VMM_SCN_VEC_ENTRY)
static void vec_put(uint8_t *list, uint32_t *len, uint32_t cap, uint8_t idx,
		    const uint8_t *val)
{
	size_t at = 0, n = *len / VEC_E;

	while (at < n && list[at * VEC_E] < idx)
		at++;
	if (at < n && list[at * VEC_E] == idx) {
		memcpy(list + at * VEC_E + 1, val, 16);
		return;
	}
	if (n >= cap)
		return;
	memmove(list + (at + 1) * VEC_E, list + at * VEC_E, (n - at) * VEC_E);
	list[at * VEC_E] = idx;
	memcpy(list + at * VEC_E + 1, val, 16);
	*len += VMM_SCN_VEC_ENTRY;
}

/* Add, drop or change one entry of a register list (indices below nidx). */
static void mut_vec_list(struct rng *r, uint8_t *list, uint32_t *len,
			 uint32_t cap, unsigned int nidx)
{
	size_t n = *len / VEC_E;
	uint8_t val[16];

	if (n && below(r, 3) == 0) { /* drop one */
		size_t k = (size_t)below(r, n);

		memmove(list + k * VEC_E, list + (k + 1) * VEC_E,
			(n - k - 1) * VEC_E);
		*len -= VMM_SCN_VEC_ENTRY;
		return;
	}
	if (n && below(r, 2)) { /* flip bits of one */
		uint8_t *p = list + below(r, n) * VEC_E + 1;

		havoc(r, p, 16);
		return;
	}
	if (below(r, 4)) {
		const uint64_t *v = fpu_vals[below(r, NPICK(fpu_vals))];

		memcpy(val, &v[0], 8);
		memcpy(val + 8, &v[1], 8);
	} else {
		uint64_t a = next(r), b = next(r);

		memcpy(val, &a, 8);
		memcpy(val + 8, &b, 8);
	}
	vec_put(list, len, cap, (uint8_t)below(r, nidx), val);
}

/* x86 fpu record: add it (FCW and a register from the lists above), drop
 * it, change a control/status field or a register entry. */
static void mut_fpu_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (!v->has_fpu) {
		v->has_fpu = 1;
		v->fpu_fcw = fpu_fcws[below(r, NPICK(fpu_fcws))];
		v->fpu_mxcsr = 0x1f80;
		mut_vec_list(r, v->fpu_regs, &v->fpu_regs_len,
			     VMM_MAX_SCN_FPU_REGS, VMM_FPU_NREGS);
		return;
	}
	switch (below(r, 8)) {
	case 0:
		v->has_fpu = 0;
		v->fpu_fcw = v->fpu_fsw = v->fpu_fop = 0;
		v->fpu_ftwx = 0;
		v->fpu_last_ip = v->fpu_last_dp = 0;
		v->fpu_mxcsr = 0;
		v->fpu_regs_len = 0;
		return;
	case 1:
		v->fpu_fcw = below(r, 4) ? fpu_fcws[below(r, NPICK(fpu_fcws))]
					 : (uint16_t)next(r);
		return;
	case 2:
		v->fpu_fsw = below(r, 4) ? fpu_fsws[below(r, NPICK(fpu_fsws))]
					 : (uint16_t)next(r);
		return;
	case 3:
		v->fpu_ftwx = fpu_ftws[below(r, NPICK(fpu_ftws))];
		return;
	case 4:
		v->fpu_mxcsr = fpu_mxcsrs[below(r, NPICK(fpu_mxcsrs))];
		return;
	case 5:
		v->fpu_fop = (uint16_t)below(r, 0x800);
		v->fpu_last_ip = below(r, 2) ? pick_value(r) : 0x1000;
		v->fpu_last_dp = below(r, 2) ? pick_value(r) : 0x2000;
		return;
	default:
		mut_vec_list(r, v->fpu_regs, &v->fpu_regs_len,
			     VMM_MAX_SCN_FPU_REGS, VMM_FPU_NREGS);
		return;
	}
}

/* x86 xsave record: add it (XSTATE_BV x87|SSE|AVX, the default MXCSR,
 * one YMM upper half), drop it, or change XSTATE_BV, XCOMP_BV, the
 * reserved header word (KVM refuses both non-zero), MXCSR or a YMM
 * entry. */
static void mut_xsave_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (!v->has_xsave) {
		v->has_xsave = 1;
		v->xs_bv = 7;
		v->xs_mxcsr = 0x1f80;
		mut_vec_list(r, v->xs_ymmh, &v->xs_ymmh_len, VMM_MAX_SCN_YMM,
			     VMM_YMM_NREGS);
		return;
	}
	switch (below(r, 7)) {
	case 0:
		v->has_xsave = 0;
		v->xs_bv = v->xs_comp = v->xs_rsvd = 0;
		v->xs_mxcsr = 0;
		v->xs_ymmh_len = 0;
		return;
	case 1:
		v->xs_bv = below(r, 4) ? fpu_xbvs[below(r, NPICK(fpu_xbvs))]
				       : v->xs_bv ^ (1ULL << below(r, 64));
		return;
	case 2:
		v->xs_comp = below(r, 2) ? 0 : 1ULL << below(r, 64);
		return;
	case 3:
		v->xs_rsvd = below(r, 2) ? 0 : 1ULL << below(r, 64);
		return;
	case 4:
		v->xs_mxcsr = fpu_mxcsrs[below(r, NPICK(fpu_mxcsrs))];
		return;
	default:
		mut_vec_list(r, v->xs_ymmh, &v->xs_ymmh_len, VMM_MAX_SCN_YMM,
			     VMM_YMM_NREGS);
		return;
	}
}

/* x86 xcr record: add it, drop it or change XCR0 (values KVM refuses
 * among them: 0, AVX without SSE, bits without a guest CPUID). */
static void mut_xcr_record(struct rng *r, struct vmm_vcpu_spec *v)
{
	if (v->has_xcr && below(r, 3) == 0) {
		v->has_xcr = 0;
		v->xcr0 = 0;
		return;
	}
	v->has_xcr = 1;
	v->xcr0 = below(r, 5) ? fpu_xcr0s[below(r, NPICK(fpu_xcr0s))]
			      : v->xcr0 ^ (1ULL << below(r, 64));
}

/* arm64: flip a vCPU feature (power-off, psci-0.2, pmu-v3). */
static void mut_features(struct rng *r, struct vmm_vcpu_spec *v)
{
	static const uint8_t bits[] = { VMM_ARM64_FEAT_POWER_OFF,
					VMM_ARM64_FEAT_PSCI_0_2,
					VMM_ARM64_FEAT_PMU_V3 };

	v->features ^= 1U << bits[below(r, sizeof(bits))];
}

/* Architecture-specific vCPU state: x86 sregs/segments (only where the
 * x86 presets are built), arm64 features and PSTATE. */
static void mut_arch_state(struct rng *r, const struct vmm_scenario *s,
			   struct vmm_vcpu_spec *v, unsigned int which)
{
	if (s->arch == VMM_ARCH_ARM64) {
		if (which == 2) {
			/* PSTATE: mode field, DAIF, nRW */
			v->reg_mask |= 1ULL << VMM_ARM64_REG_PSTATE;
			v->regs[VMM_ARM64_REG_PSTATE] ^= 1ULL << below(r, 10);
		} else {
			mut_features(r, v);
		}
		return;
	}
#if defined(__x86_64__)
	if (which == 2)
		mut_seg(r, v);
	else
		mut_sreg(r, v);
#else
	(void)r;
	(void)v;
	(void)which;
#endif
}

static uint64_t rand_gpa_in(struct rng *r, const struct vmm_slot_spec *sl,
			    uint64_t len)
{
	if (len >= sl->size)
		return sl->gpa;
	return sl->gpa + below(r, sl->size - len + 1);
}

/* The mutation operators, each changing one aspect of the scenario, and
 * the table that picks them by weight. */
struct mut_ctx {
	struct rng *r;
	struct work *w;
	struct vmm_vcpu_spec *v; /* a vCPU picked for this mutation */
	uint32_t bi;		 /* a blob picked for it (0 if none) */
	fuzz_byte_mutator bm;	 /* the engine's byte mutator, or NULL */
};

/* blob contents */
static void mut_blob_bytes(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	uint32_t bi = m->bi;
	fuzz_byte_mutator bm = m->bm;

	if (!s->nblobs)
		return;
	if (bm) {
		size_t n = bm(w->blob[bi], (size_t)s->blobs[bi].len, BLOB_CAP);

		s->blobs[bi].len = n ? n : 1;
	} else {
		havoc(r, w->blob[bi], (size_t)s->blobs[bi].len);
	}
}

/* insert an interesting instruction */
static void mut_insert_snippet(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	uint32_t bi = m->bi;

	if (s->nblobs)
		put_snippet(r, s->arch, w->blob[bi], &s->blobs[bi].len);
}

/* splice a chunk between blobs */
static void mut_splice(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	uint32_t bi = m->bi;
	uint32_t bj = s->nblobs ? (uint32_t)below(r, s->nblobs) : 0;
	uint64_t n, from, to;

	if (!s->nblobs)
		return;
	n = 1 + below(r, s->blobs[bj].len);
	from = below(r, s->blobs[bj].len - n + 1);
	to = below(r, s->blobs[bi].len + 1);
	if (to + n > BLOB_CAP)
		return;
	memmove(w->blob[bi] + to, w->blob[bj] + from, (size_t)n);
	if (to + n > s->blobs[bi].len)
		s->blobs[bi].len = to + n;
}

/* move a blob; entry points inside it move along (left behind, they would run
 * zeroed memory until the timeout: two thirds of the mutants that timed out
 * did) */
static void mut_move_blob(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	uint32_t bi = m->bi;
	const struct vmm_slot_spec *sl = &s->slots[below(r, s->nslots)];
	uint64_t from = s->nblobs ? s->blobs[bi].gpa : 0;

	if (!s->nblobs)
		return;
	s->blobs[bi].gpa = rand_gpa_in(r, sl, s->blobs[bi].len);
	for (uint32_t c = 0; c < s->nvcpus; c++)
		if (s->vcpus[c].entry >= from &&
		    s->vcpus[c].entry - from < s->blobs[bi].len)
			s->vcpus[c].entry += s->blobs[bi].gpa - from;
}

/* add a blob of instructions */
static void mut_add_blob(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	const struct vmm_slot_spec *sl = &s->slots[below(r, s->nslots)];
	uint32_t n = s->nblobs;
	uint64_t len = 0;

	if (n >= VMM_MAX_BLOBS)
		return;
	for (int k = 0; k < 4; k++)
		put_snippet(r, s->arch, w->blob[n], &len);
	if (!len)
		return;
	s->blobs[n].data = w->blob[n];
	s->blobs[n].len = len;
	s->blobs[n].gpa = rand_gpa_in(r, sl, len);
	s->nblobs++;
}

/* drop a blob */
static void mut_drop_blob(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	uint32_t bi = m->bi;

	if (s->nblobs > 1) {
		memmove(w->blob[bi], w->blob[s->nblobs - 1], BLOB_CAP);
		s->blobs[bi] = s->blobs[s->nblobs - 1];
		s->blobs[bi].data = w->blob[bi];
		s->nblobs--;
	}
}

/* add a slot */
static void mut_add_slot(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_slot_spec *sl = &s->slots[s->nslots];

	if (s->nslots >= VMM_MAX_SLOTS)
		return;
	sl->id = (uint32_t)below(r, 64);
	sl->size = (1 + below(r, 64)) * VMM_PAGE_SIZE;
	sl->gpa = below(r, (VMM_RAM_LIMIT - sl->size) >> 12) << 12;
	if (below(r, 2))
		sl->gpa &= 0x3FFFFFFULL; /* keep it low, often */
	sl->flags = (uint32_t)below(r, 4);
	s->nslots++;
}

/* drop a slot (things inside it fail validation: retried) */
static void mut_drop_slot(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;

	if (s->nslots > 1) {
		uint64_t k = below(r, s->nslots);

		s->nslots--;
		s->slots[k] = s->slots[s->nslots];
	}
}

/* slot flags */
static void mut_slot_flags(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;

	s->slots[below(r, s->nslots)].flags ^= 1U << below(r, 2);
}

/* add or drop a fill */
static void mut_fills(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	const struct vmm_slot_spec *sl = &s->slots[below(r, s->nslots)];
	struct vmm_fill_spec *f;

	if (s->nfills && below(r, 3) == 0) {
		uint64_t k = below(r, s->nfills);

		s->nfills--;
		s->fills[k] = s->fills[s->nfills];
		return;
	}
	if (s->nfills >= VMM_MAX_FILLS)
		return;
	f = &s->fills[s->nfills++];
	/* log-uniform: mostly short. A fill is data, or a sled into code: a
	 * 64 KiB sled is 20 ms of emulated instructions, beyond any run
	 * limit the mutator gives (MUT_TIMEOUT_MS). */
	f->len = (uint32_t)(1 + below(r, 1ULL << below(r, 17)));
	if (f->len > sl->size)
		f->len = (uint32_t)sl->size;
	f->gpa = rand_gpa_in(r, sl, f->len);
	f->pattern_len = (uint8_t)(1 + below(r, VMM_MAX_FILL_PATTERN));
	for (unsigned int k = 0; k < f->pattern_len; k++)
		f->pattern[k] = below(r, 2) ? 0x90 : (uint8_t)next(r);
}

/* vCPU mode */
static void mut_mode(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;

	v->mode = (uint8_t)below(r, vmm_arch_nmodes(s->arch));
}

/* entry point */
static void mut_entry(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;
	uint32_t bi = m->bi;

	if (s->nblobs && below(r, 4))
		v->entry = s->blobs[bi].gpa + below(r, s->blobs[bi].len);
	else
		v->entry = pick_value(r);
}

/* a general register; with libFuzzer, one time in three its value (0
 * when the input does not set it, as the vCPU starts) goes through the
 * byte mutator, whose comparison tables hold what the VMM compared a
 * register with at an exit */
static void mut_gpr(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;
	unsigned int k = (unsigned int)below(r, vmm_arch_nregs(s->arch));
	uint8_t b[8];

	if (m->bm && below(r, 3) == 0) {
		uint64_t cur = (v->reg_mask & (1ULL << k)) ? v->regs[k] : 0;

		memcpy(b, &cur, 8);
		(void)m->bm(b, 8, 8);
		memcpy(&v->regs[k], b, 8);
		v->reg_mask |= 1ULL << k;
	} else if ((v->reg_mask & (1ULL << k)) && below(r, 4) == 0) {
		v->reg_mask &= ~(1ULL << k);
	} else {
		v->reg_mask |= 1ULL << k;
		v->regs[k] = pick_value(r);
	}
}

/* control registers and descriptor tables (x86) */
static void mut_sregs(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;

	mut_arch_state(r, s, v, 1);
}

/* segments (x86) */
static void mut_segs(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;

	mut_arch_state(r, s, v, 2);
}

/* vCPU state records: x86 MSRs, arm64 one_reg (the operators below
 * serve one record of each architecture: the x86 picks stay as they
 * were) */
static void mut_msrs(const struct mut_ctx *m)
{
	if (m->w->s.arch == VMM_ARCH_X86_64)
		mut_msr_records(m->r, m->v);
	else
		mut_one_reg_records(m->r, m->v);
}

/* x86 CPUID records, the arm64 vgic record */
static void mut_cpuid(const struct mut_ctx *m)
{
	if (m->w->s.arch == VMM_ARCH_X86_64)
		mut_cpuid_records(m->r, m->v);
	else
		mut_vgic_record(m->r, &m->w->s);
}

/* x86 debug registers, arm64 irq_line records */
static void mut_dregs(const struct mut_ctx *m)
{
	if (m->w->s.arch == VMM_ARCH_X86_64)
		mut_dregs_record(m->r, m->v);
	else
		mut_irq_line_records(m->r, &m->w->s);
}

/* x86 vCPU state records: pending and injected events */
static void mut_events(const struct mut_ctx *m)
{
	if (m->w->s.arch == VMM_ARCH_X86_64)
		mut_events_record(m->r, m->v);
}

/* x86 exit records: MSR filter ranges, the hypercall capability, guest
 * debugging of the picked vCPU */
static void mut_exit_records(const struct mut_ctx *m)
{
	if (m->w->s.arch != VMM_ARCH_X86_64)
		return;
	switch (below(m->r, 3)) {
	case 0:
		mut_msr_exits_records(m->r, &m->w->s);
		break;
	case 1:
		mut_hypercall_record(m->r, &m->w->s);
		break;
	default:
		mut_gdbg_record(m->r, m->v);
		break;
	}
}

/* LAPIC register offsets: ID, TPR, EOI, LDR, DFR, SVR, ICR low/high,
 * LVT timer, LINT0, LINT1, error, initial count, current count, divide,
 * and an offset in the page no register uses; values for them. */
static const uint16_t lapic_offsets[] = { 0x20,	 0x80,	0xb0,  0xd0,
					  0xe0,	 0xf0,	0x300, 0x310,
					  0x320, 0x350, 0x360, 0x370,
					  0x380, 0x390, 0x3e0, 0x3f0 };
static const uint32_t lapic_values[] = {
	0x1ff,			  /* SVR: enabled, spurious vector 0xff */
	0x30,			  /* LVT: vector 0x30, fixed, one-shot */
	0x20030,		  /* LVT timer periodic */
	0x40030,		  /* LVT timer TSC-deadline */
	0x10000,		  /* LVT masked */
	0x700,			  /* LINT0 ExtINT */
	0x400,			  /* LINT1 NMI */
	0xb,			  /* divide by 1 */
	0x1000,			  /* a count */
	0xffffffff, 0, 0x1000000, /* ID 1 */
};

/* The irqchip record and what needs it: a kernel one (the PIT with
 * it), a split one with some routes, or none (with the irq and lapic
 * records, which need one). Mostly split: closing a VM with the in-kernel
 * PIC and IOAPIC waits 16 ms (24 ms with the PIT) for the kernel's SRCU
 * grace periods, a split one 0.2 ms (close of 10 VMs each, this host). */
static void irqchip_set(struct vmm_scenario *s, struct rng *r, int on)
{
	s->has_irqchip = on;
	s->irqchip_mode = 0;
	s->pit_flags = 0;
	s->irqchip_routes = 0;
	if (on) {
		s->irqchip_mode = (uint8_t)(below(r, 4) ? VMM_IRQCHIP_SPLIT
							: VMM_IRQCHIP_KERNEL);
		if (s->irqchip_mode == VMM_IRQCHIP_SPLIT)
			s->irqchip_routes =
				(uint16_t)(below(r, 2)
						   ? 24
						   : below(r,
							   VMM_MAX_IOAPIC_ROUTES +
								   1));
		else if (below(r, 4) == 0)
			s->pit_flags = VMM_PIT_KNOWN_FLAGS;
		return;
	}
	s->nirqs = 0;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		s->vcpus[i].nlapic = 0;
}

static void mut_irqchip(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;

	if (s->arch != VMM_ARCH_X86_64)
		return;
	/* an irqchip VM costs about 24 ms to close (KVM waits for RCU grace
	 * periods; 0.3 ms of CPU), 50 times a typical run: one is added one
	 * time in 16 this operator runs, and dropped one time in 2 */
	if (!s->has_irqchip) {
		if (below(m->r, 16) == 0)
			irqchip_set(s, m->r, 1);
	} else if (below(m->r, 2) == 0)
		irqchip_set(s, m->r, 0);
	else if (s->irqchip_mode == VMM_IRQCHIP_KERNEL)
		s->pit_flags ^= VMM_PIT_KNOWN_FLAGS;
	else
		s->irqchip_routes =
			(uint16_t)below(m->r, VMM_MAX_IOAPIC_ROUTES + 1);
}

/* irq records: add a line (GSI 0-23, the PIT's 0 and 2 often) or an MSI
 * (to APIC ID 0 or all, fixed or NMI delivery, a vector), drop one, or
 * change one's level, GSI, address or data. */
static void irq_random(struct rng *r, struct vmm_irq_spec *q)
{
	memset(q, 0, sizeof(*q));
	q->type = (uint8_t)below(r, VMM_IRQ_TYPES);
	if (q->type == VMM_IRQ_LINE) {
		q->gsi = (uint32_t)(below(r, 4) ? below(r, 24)
						: below(r, VMM_MAX_GSI));
		q->level = (uint8_t)below(r, 2);
		return;
	}
	q->address = below(r, 4) ? 0xfee00000ULL : 0xfee00000ULL | 0xff000ULL;
	if (below(r, 8) == 0)
		q->address = next(r);
	q->data = (uint32_t)(below(r, 2) ? 0x20 + below(r, 224)
					 : (below(r, 2) ? 0x400 : next(r)));
}

static void mut_irqs(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;
	struct vmm_irq_spec *q;

	/* an irqchip input costs a fresh VM (about 25 ms to close): the
	 * irqchip record itself is the main way in */
	if (s->arch != VMM_ARCH_X86_64 || (!s->has_irqchip && below(m->r, 32)))
		return;
	if (!s->has_irqchip)
		irqchip_set(s, m->r, 1);
	if (s->nirqs == 0 || (s->nirqs < VMM_MAX_SCN_IRQS && below(m->r, 2))) {
		irq_random(m->r, &s->irqs[s->nirqs++]);
		return;
	}
	q = &s->irqs[below(m->r, s->nirqs)];
	switch (below(m->r, 3)) {
	case 0: /* drop it */
		memmove(q, q + 1,
			(size_t)(&s->irqs[s->nirqs] - (q + 1)) * sizeof(*q));
		s->nirqs--;
		break;
	case 1:
		if (q->type == VMM_IRQ_LINE)
			q->level ^= 1;
		else
			q->data ^= (uint32_t)(1U << below(m->r, 16));
		break;
	default:
		irq_random(m->r, q);
		break;
	}
}

/* x86 vCPU state records: FPU/SSE/AVX state and XCR0 */
static void mut_fpu(const struct mut_ctx *m)
{
	if (m->w->s.arch != VMM_ARCH_X86_64)
		return;
	switch (below(m->r, 3)) {
	case 0:
		mut_fpu_record(m->r, m->v);
		break;
	case 1:
		mut_xsave_record(m->r, m->v);
		break;
	default:
		mut_xcr_record(m->r, m->v);
		break;
	}
}

/* lapic records: add a field (an interesting offset and value), drop
 * one, or change one's value; kept in increasing offset order. */
static void mut_lapic(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;
	struct vmm_lapic_spec n;
	uint32_t k;

	if (s->arch != VMM_ARCH_X86_64 || (!s->has_irqchip && below(m->r, 32)))
		return;
	if (!s->has_irqchip)
		irqchip_set(s, m->r, 1);
	if (v->nlapic && (v->nlapic == VMM_MAX_SCN_LAPIC || below(m->r, 2))) {
		struct vmm_lapic_spec *l = &v->lapic[below(m->r, v->nlapic)];

		if (below(m->r, 3) == 0) {
			memmove(l, l + 1,
				(size_t)(&v->lapic[v->nlapic] - (l + 1)) *
					sizeof(*l));
			v->nlapic--;
		} else {
			l->value =
				below(m->r, 2)
					? lapic_values[below(
						  m->r,
						  sizeof(lapic_values) /
							  sizeof(lapic_values
									 [0]))]
					: l->value ^
						  (uint32_t)(1U << below(m->r,
									 32));
		}
		return;
	}
	memset(&n, 0, sizeof(n));
	n.offset =
		(uint16_t)(below(m->r, 4)
				   ? lapic_offsets[below(
					     m->r,
					     sizeof(lapic_offsets) /
						     sizeof(lapic_offsets[0]))]
				   : 16 * below(m->r, VMM_LAPIC_PAGE / 16));
	n.value = lapic_values[below(m->r, sizeof(lapic_values) /
						   sizeof(lapic_values[0]))];
	for (k = 0; k < v->nlapic && v->lapic[k].offset < n.offset; k++)
		;
	if (k < v->nlapic && v->lapic[k].offset == n.offset) {
		v->lapic[k].value = n.value;
		return;
	}
	memmove(&v->lapic[k + 1], &v->lapic[k],
		(size_t)(v->nlapic - k) * sizeof(n));
	v->lapic[k] = n;
	v->nlapic++;
}

/* x86 action records: changes between two exits (vmm/scenario.h). */
static const uint64_t action_values[] = {
	0,
	1,
	0xffffffffffffffffULL,
	0x1000,
	0x80000000ULL,
	0x202,
	0x80000011ULL,
	0x400,
	0xfee00000ULL,
};
static const uint32_t action_reasons[] = { 2, 4, 5, 6, 8, 9 };

/* A slot id the scenario has (or, one time in four, any small one). */
static uint32_t action_slot(struct rng *r, const struct vmm_scenario *s)
{
	if (s->nslots && below(r, 4))
		return s->slots[below(r, s->nslots)].id;
	return (uint32_t)below(r, 16);
}

/* A page-aligned guest address: next to a slot, in the first 16 MiB,
 * or anywhere below 4 GiB. */
static uint64_t action_gpa(struct rng *r, const struct vmm_scenario *s)
{
	if (s->nslots && below(r, 2)) {
		const struct vmm_slot_spec *sl = &s->slots[below(r, s->nslots)];

		return sl->gpa + sl->size;
	}
	return (below(r, 2) ? below(r, 0x1000) : below(r, 0x100000)) *
	       VMM_PAGE_SIZE;
}

/* Fields for a's kind, vcpu and target below the scenario's vCPU count. */
static void action_fields(struct rng *r, const struct vmm_scenario *s,
			  struct vmm_action_spec *a)
{
	uint64_t v = below(r, 2) ? action_values[below(
					   r, sizeof(action_values) /
						      sizeof(action_values[0]))]
				 : next(r);

	a->idx = 0;
	a->a = 0;
	a->b = 0;
	a->target = a->kind <= VMM_AK_MSI ? 0 : (uint8_t)below(r, s->nvcpus);
	switch (a->kind) {
	case VMM_AK_SLOT_ADD:
		a->idx = (uint32_t)below(r, 16);
		a->a = action_gpa(r, s);
		a->b = (1 + below(r, 16)) * VMM_PAGE_SIZE;
		break;
	case VMM_AK_SLOT_DELETE:
	case VMM_AK_DIRTY_GET:
		a->idx = action_slot(r, s);
		break;
	case VMM_AK_SLOT_MOVE:
		a->idx = action_slot(r, s);
		a->a = action_gpa(r, s);
		break;
	case VMM_AK_SLOT_RESIZE:
		a->idx = action_slot(r, s);
		a->b = (1 + below(r, 64)) * VMM_PAGE_SIZE;
		break;
	case VMM_AK_SLOT_FLAGS:
		a->idx = action_slot(r, s);
		a->a = below(r, 4);
		break;
	case VMM_AK_DIRTY_CLEAR:
		a->idx = action_slot(r, s);
		a->a = below(r, 4) ? 64 * below(r, 4) : below(r, 128);
		a->b = 1 + below(r, 256);
		break;
	case VMM_AK_IRQ_LINE:
		a->idx = (uint32_t)(below(r, 4) ? below(r, 24)
						: below(r, VMM_MAX_GSI));
		a->a = below(r, 2);
		break;
	case VMM_AK_MSI:
		a->a = below(r, 4) ? 0xfee00000ULL : next(r);
		a->b = below(r, 2) ? 0x20 + below(r, 224) : (uint32_t)next(r);
		break;
	case VMM_AK_INTERRUPT:
		a->idx = (uint32_t)(below(r, 2) ? 0x20 + below(r, 224)
						: below(r, 256));
		break;
	case VMM_AK_REG:
		a->idx = (uint32_t)below(r, vmm_arch_nregs(VMM_ARCH_X86_64));
		a->a = v;
		break;
	case VMM_AK_SREG:
		a->idx = (uint32_t)below(r, VMM_SREG_COUNT);
		a->a = (a->idx == VMM_SREG_GDT_LIMIT ||
			a->idx == VMM_SREG_IDT_LIMIT)
			       ? (v & 0xffff)
			       : v;
		break;
	case VMM_AK_EVENTS: {
		static const uint32_t parts[] = {
			VMM_EV_EXC,	    VMM_EV_EXC | VMM_EV_ERRCODE,
			VMM_EV_NMI_PENDING, VMM_EV_IRQ,
			VMM_EV_NMI_MASKED,  VMM_EV_NMI_PENDING | VMM_EV_IRQ
		};

		a->idx = parts[below(r, sizeof(parts) / sizeof(parts[0]))];
		if (a->idx & VMM_EV_EXC)
			a->a = below(r, 4) ? below(r, 32) : below(r, 256);
		if (a->idx & VMM_EV_IRQ)
			a->a |= (0x20 + below(r, 224)) << 8;
		if (a->idx & VMM_EV_ERRCODE)
			a->b = below(r, 2) ? 0 : (uint32_t)next(r);
		break;
	}
	case VMM_AK_DEBUGREG:
		a->idx = (uint32_t)below(r, 6);
		a->a = v;
		break;
	case VMM_AK_GUEST_DEBUG: {
		static const uint32_t ctl[] = {
			VMM_GDBG_ENABLE | VMM_GDBG_SINGLESTEP,
			VMM_GDBG_ENABLE | VMM_GDBG_USE_HW_BP,
			VMM_GDBG_ENABLE | VMM_GDBG_INJECT_DB,
			VMM_GDBG_ENABLE | VMM_GDBG_SINGLESTEP |
				VMM_GDBG_BLOCKIRQ,
			0,
		};

		a->a = ctl[below(r, sizeof(ctl) / sizeof(ctl[0]))];
		if (below(r, 2)) {
			a->idx = (uint32_t)below(r, 5);
			a->idx = a->idx == 4 ? 7 : a->idx;
			a->b = a->idx == 7 ? 0x401 : 0x1000 + below(r, 0x100);
		}
		break;
	}
	case VMM_AK_LAPIC:
		a->idx = (uint32_t)(16 * below(r, VMM_LAPIC_PAGE / 16));
		a->a = (uint32_t)v;
		break;
	default: /* nmi, smi, immediate_exit: nothing more */
		break;
	}
}

static void action_random(struct rng *r, const struct vmm_scenario *s,
			  struct vmm_action_spec *a)
{
	memset(a, 0, sizeof(*a));
	/* smi: host-unsupported where there is no SMM (most hosts here) */
	do
		a->kind = (uint8_t)below(r, VMM_AK_COUNT);
	while (a->kind == VMM_AK_SMI && below(r, 4));
	a->vcpu = (uint8_t)below(r, s->nvcpus);
	if (below(r, 4) == 0) {
		a->trigger = VMM_AT_REASON;
		a->when = action_reasons[below(
			r, sizeof(action_reasons) / sizeof(action_reasons[0]))];
	} else {
		a->trigger = VMM_AT_EXIT;
		a->when = (uint32_t)(below(r, 4) ? 1 + below(r, 8)
						 : 1 + below(r, 200));
	}
	action_fields(r, s, a);
}

/* Canonical action list: records naming vCPUs the scenario lacks or
 * fields their kind refuses are dropped, the rest sorted (insertion),
 * duplicates dropped. */
void fuzz_actions_canonical(struct vmm_scenario *s)
{
	uint32_t n = 0;
	char why[160];

	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++) {
		struct vmm_action_spec a = s->actions[q];
		uint32_t k;

		if (a.vcpu >= s->nvcpus || a.target >= s->nvcpus ||
		    vmm_action_check(&a, why, sizeof(why)) < 0)
			continue;
		for (k = n; k > 0 && vmm_action_before(&a, &s->actions[k - 1]);
		     k--)
			;
		if (k > 0 && !vmm_action_before(&s->actions[k - 1], &a))
			continue; /* equal to the one before */
		memmove(&s->actions[k + 1], &s->actions[k],
			(size_t)(n - k) * sizeof(a));
		s->actions[k] = a;
		n++;
	}
	s->nactions = n;
}

/* Insert an action, drop one, or change one's trigger, kind or values. */
static void mut_actions(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;
	struct vmm_action_spec *a;

	if (s->arch != VMM_ARCH_X86_64 || s->nvcpus == 0)
		return;
	if (s->nactions == 0 ||
	    (s->nactions < VMM_MAX_SCN_ACTIONS && below(m->r, 3) == 0)) {
		action_random(m->r, s, &s->actions[s->nactions++]);
		fuzz_actions_canonical(s);
		return;
	}
	a = &s->actions[below(m->r, s->nactions)];
	switch (below(m->r, 6)) {
	case 0: /* drop it */
		memmove(a, a + 1,
			(size_t)(&s->actions[s->nactions] - (a + 1)) *
				sizeof(*a));
		s->nactions--;
		break;
	case 1: /* another exit, or the other trigger */
		if (below(m->r, 4) == 0) {
			a->trigger ^= 1;
			a->when =
				a->trigger == VMM_AT_REASON
					? action_reasons[below(
						  m->r,
						  sizeof(action_reasons) /
							  sizeof(action_reasons
									 [0]))]
					: 1 + (uint32_t)below(m->r, 8);
		} else if (a->trigger == VMM_AT_EXIT) {
			a->when = below(m->r, 2) && a->when > 1 ? a->when - 1
								: a->when + 1;
		}
		break;
	case 2: /* another vCPU fires it, or it changes another */
		a->vcpu = (uint8_t)below(m->r, s->nvcpus);
		if (a->kind > VMM_AK_MSI)
			a->target = (uint8_t)below(m->r, s->nvcpus);
		break;
	case 3: /* another kind, fields to match */
		a->kind = (uint8_t)below(m->r, VMM_AK_COUNT);
		action_fields(m->r, s, a);
		break;
	case 4: /* a bit of a value */
		if (below(m->r, 2))
			a->a ^= 1ULL << below(m->r, 64);
		else
			a->b ^= 1ULL << below(m->r, 64);
		break;
	default: /* new values for the same kind */
		action_fields(m->r, s, a);
		break;
	}
	fuzz_actions_canonical(s);
}

/* The input stream on (empty if it was off) */
static void input_on(struct work *w)
{
	if (!w->s.has_input) {
		w->s.has_input = 1;
		w->s.input = w->input;
		w->s.input_len = 0;
	}
}

/* device behaviour and input stream */
static void mut_devices(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	fuzz_byte_mutator bm = m->bm;

	if (below(r, 3) == 0) {
		s->flags ^= VMM_SCN_PERMISSIVE;
	} else {
		input_on(w);
		if (bm) {
			s->input_len =
				(uint32_t)bm(w->input, s->input_len, INPUT_CAP);
		} else if (s->input_len < INPUT_CAP) {
			w->input[s->input_len++] = (uint8_t)next(r);
		}
	}
}

/* limits */
static void mut_limits(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;

	/* An exit budget reached well before the timeout (~20 us per
	 * exit here) stops exit loops deterministically; the timeout
	 * then only catches guests that run long without exiting. */
	s->max_exits = 1 + below(r, MUT_MAX_EXITS);
	s->timeout_ms =
		(uint32_t)(MUT_MIN_TIMEOUT_MS +
			   below(r, MUT_TIMEOUT_MS - MUT_MIN_TIMEOUT_MS + 1));
}

/* vCPU count, console, system area */
static void mut_vm_shape(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct vmm_vcpu_spec *v = m->v;

	switch (below(r, 4)) {
	case 0:
		if (s->nvcpus < VMM_MAX_VCPUS)
			s->vcpus[s->nvcpus++] = *v;
		return;
	case 1:
		if (s->nvcpus > 1)
			s->nvcpus--;
		return;
	case 2:
		s->mmio_console = !s->mmio_console;
		s->mmio_console_gpa = below(r, 2) ? VMM_MMIO_CONSOLE_DEFAULT_GPA
						  : below(r, VMM_RAM_LIMIT);
		return;
	default:
		if (s->arch != VMM_ARCH_X86_64)
			break; /* no system area on arm64 */
		s->sys_fixed = !s->sys_fixed;
		s->sys_gpa = below(r, 0x400) << 12;
		return;
	}
}

/* VMM_FUZZ_MUTATE=unpriv, or VMM_FUZZ_ORACLE=diff: long runs of
 * unprivileged instructions for the differential oracle (vmm/diff.h),
 * classified with Capstone; without Capstone nothing changes. */
static int unpriv_mode(void)
{
	static int mode = -1;

	if (mode < 0) {
		const char *m = getenv("VMM_FUZZ_MUTATE");
		const char *o = getenv("VMM_FUZZ_ORACLE");
		char why[8];

		mode = ((m && strcmp(m, "unpriv") == 0) ||
			(o && strcmp(o, "diff") == 0)) &&
		       vmm_diff_built(why, sizeof(why));
	}
	return mode;
}

/* Overwrite part of a blob with generated unprivileged instructions. */
static void mut_unpriv_run(const struct mut_ctx *m)
{
	struct vmm_scenario *s = &m->w->s;
	uint64_t seed = next(m->r) | 1, len, off;
	size_t n;

	if (!s->nblobs || s->arch != VMM_ARCH_X86_64)
		return;
	len = s->blobs[m->bi].len;
	off = below(m->r, len + 1);
	if (off >= BLOB_CAP)
		return;
	n = vmm_diff_gen_code(&seed, m->w->blob[m->bi] + off, BLOB_CAP - off,
			      1 + (uint32_t)below(m->r, 64));
	if (off + n > len)
		s->blobs[m->bi].len = off + n;
}

/* ---- device-access sequences (fuzz/access.c) ---- */

/* A random entry of class `cls` in dev_consts, or -1 if it has none. */
static int pick_const(struct rng *r, unsigned int cls)
{
	unsigned int n = 0, k;

	for (size_t i = 0; i < NPICK(dev_consts); i++)
		n += dev_consts[i].cls == cls;
	if (!n)
		return -1;
	k = (unsigned int)below(r, n);
	for (size_t i = 0; i < NPICK(dev_consts); i++)
		if (dev_consts[i].cls == cls && k-- == 0)
			return (int)i;
	return -1;
}

/* An operand for a guest register: a device constant learned from the
 * VMM's sources (fuzz/device_consts.h), bytes already in the input (the
 * input stream, guest code), an interesting value, a small one; with
 * libFuzzer, now and then that value run through its byte mutator, whose
 * comparison tables (TORC; -use_value_profile) replace a value the VMM
 * compared with what it was compared against: the 8 bytes go in
 * zero-extended, as an exit record's data reaches the VMM's comparisons. */
static uint64_t operand(const struct mut_ctx *m, unsigned int w)
{
	struct rng *r = m->r;
	const struct vmm_scenario *s = &m->w->s;
	uint64_t v = 0;
	unsigned int how = (unsigned int)below(r, 5);

	switch (how == 4 && !m->bm ? below(r, 4) : how) {
	case 0: {
		int k = pick_const(r, below(r, 4) ? DEV_VALUE : DEV_REG);

		v = k >= 0 ? dev_consts[k].value : 0;
		break;
	}
	case 1: {
		const uint8_t *p = NULL;
		uint64_t len = 0;

		if (s->has_input && s->input_len >= w && below(r, 2)) {
			p = s->input;
			len = s->input_len;
		} else if (s->nblobs) {
			p = s->blobs[m->bi].data;
			len = s->blobs[m->bi].len;
		}
		if (p && len >= w) {
			uint64_t at = below(r, len - w + 1);

			for (unsigned int i = 0; i < w; i++)
				v |= (uint64_t)p[at + i] << (8 * i);
		}
		break;
	}
	case 2:
		v = pick_value(r);
		break;
	case 3:
		v = below(r, 2) ? below(r, 256) : next(r);
		break;
	default: {
		uint8_t b[8];

		v = below(r, 2) ? pick_value(r) : below(r, 0x10000);
		if (!m->bm) /* not reached: without one, `how` is below 4 */
			break;
		memcpy(b, &v, 8);
		(void)m->bm(b, 8, 8);
		memcpy(&v, b, 8);
		break;
	}
	}
	return w >= 8 ? v : v & ((1ULL << (8 * w)) - 1);
}

static int gpa_in_slot(const struct vmm_scenario *s, uint64_t gpa)
{
	for (uint32_t i = 0; i < s->nslots; i++)
		if (gpa >= s->slots[i].gpa &&
		    gpa - s->slots[i].gpa < s->slots[i].size)
			return 1;
	return 0;
}

/* x86: where the device access that starts at p[i] (mov dx, port or mov
 * ebx, address, as mut_access_seq writes them, with the cld and the
 * prefixes before) ends: after the OUT/IN, REP OUTS/INS (an operand-size
 * prefix may sit between REP and the opcode) or the mov to or from
 * [ebx]/fs:[bx] within 24 bytes; 0 if none does. */
static size_t access_end_from(const uint8_t *p, size_t len, size_t i,
			      size_t from)
{
	if (p[i] != 0xba && p[i] != 0xbb)
		return 0;
	for (size_t j = from > i + 3 ? from : i + 3; j < len && j < i + 24;
	     j++) {
		if (p[i] == 0xba && p[j] >= 0xec && p[j] <= 0xef)
			return j + 1;
		if (j + 1 < len && p[i] == 0xba && p[j] == 0xf3) {
			size_t o = j + 1;

			if (p[o] == 0x66 && o + 1 < len)
				o++;
			if (p[o] >= 0x6c && p[o] <= 0x6f)
				return o + 1;
		}
		if (j + 1 < len && p[i] == 0xbb && p[j] >= 0x88 &&
		    p[j] <= 0x8b && (p[j + 1] == 0x03 || p[j + 1] == 0x07))
			return j + 2;
	}
	return 0;
}

static size_t access_end(const uint8_t *p, size_t len, size_t i)
{
	return access_end_from(p, len, i, 0);
}

/* A write's value in p[v..e): the `mov al/ax/eax/rax, imm` of the
 * write's width that fuzz_emit_access loads it with; none (a write of
 * what the register holds): keep. */
static void decode_value(const uint8_t *p, size_t v, size_t e,
			 struct fuzz_access *a)
{
	size_t o;

	if (v >= e) {
		a->keep = 1;
		return;
	}
	o = v + (p[v] == 0x66 || p[v] == 0x48);
	if (o + 1 + a->width <= e && p[o] == (a->width == 1 ? 0xb0 : 0xb8)) {
		for (unsigned int k = 0; k < a->width; k++)
			a->value |= (uint64_t)p[o + 1 + k] << (8 * k);
		return;
	}
	a->keep = 1;
}

/* The access (kind, port or address, width, direction, a write's
 * value) that the code p[i..e) is, as fuzz_emit_access wrote it for
 * `mode`; -1 if it is not one (real16 MMIO needs its FS load right
 * before). The width of a word or wider opcode is read from the byte
 * before it (66, 48); `w`, if not 0, is taken instead: that byte may be
 * an immediate's last. */
static int decode_access_as(const uint8_t *p, size_t i, size_t e,
			    unsigned int mode, unsigned int w,
			    struct fuzz_access *a)
{
	int m16 = mode == 0;
	uint8_t op;

	memset(a, 0, sizeof(*a));
	if (p[i] == 0xba) {
		if (e < i + 4)
			return -1;
		op = p[e - 1];
		a->addr = (uint64_t)p[i + 1] | (uint64_t)p[i + 2] << 8;
		a->kind = op < 0xec ? FUZZ_ACC_STRING : FUZZ_ACC_PIO;
		a->write = (op & 2) != 0; /* ee/ef, 6e/6f */
		a->width = !(op & 1) ? 1 : (p[e - 2] == 0x66) != m16 ? 2 : 4;
		if (w && a->width > 1)
			a->width = (uint8_t)w;
		if (a->write && a->kind == FUZZ_ACC_PIO)
			decode_value(p, i + 3, e, a);
		return 0;
	}
	if (e < i + 5)
		return -1;
	op = p[e - 2];
	a->kind = FUZZ_ACC_MMIO;
	a->write = op < 0x8a;
	a->width = !(op & 1)		       ? 1
		   : p[e - 3] == 0x48	       ? 8
		   : (p[e - 3] == 0x66) != m16 ? 2
					       : 4;
	if (w && a->width > 1)
		a->width = (uint8_t)w;
	if (!m16) {
		for (unsigned int k = 0; k < 4; k++)
			a->addr |= (uint64_t)p[i + 1 + k] << (8 * k);
		if (a->write)
			decode_value(p, i + 5, e, a);
		return 0;
	}
	/* mov ax, seg; mov fs, ax; mov bx, off */
	if (i < 5 || p[i - 5] != 0xb8 || p[i - 2] != 0x8e || p[i - 1] != 0xe0)
		return -1;
	a->addr = ((uint64_t)p[i - 4] | (uint64_t)p[i - 3] << 8) << 4;
	a->addr += (uint64_t)p[i + 1] | (uint64_t)p[i + 2] << 8;
	if (a->write)
		decode_value(p, i + 3, e, a);
	return 0;
}

static int decode_access(const uint8_t *p, size_t i, size_t e,
			 unsigned int mode, struct fuzz_access *a)
{
	return decode_access_as(p, i, e, mode, 0, a);
}

/* One of the device accesses of the input's code (x86), as
 * fuzz_emit_access wrote it: the access, its blob, the mode its code
 * was read in, and where its code starts (with what fuzz_emit_access
 * writes before the `mov dx`/`mov ebx`: real16 MMIO's FS load, a port's
 * 66 outside real16) and ends. */
struct code_access {
	struct fuzz_access a;
	uint32_t bi;
	unsigned int mode;
	size_t from, to;
};

typedef int (*access_filter)(const struct fuzz_access *a, const void *arg);

/* Where one of the device accesses in p[0..len) ends, picked at random
 * (x86): 0 and *end, or -1 if the code has none. */
static int any_access_end(struct rng *r, const uint8_t *p, size_t len,
			  unsigned int mode, uint64_t *end)
{
	unsigned int seen = 0;

	for (size_t i = 0; i < len; i++) {
		struct fuzz_access a;
		size_t e = access_end(p, len, i);

		if (!e || decode_access(p, i, e, mode, &a) != 0)
			continue;
		if (below(r, ++seen) == 0)
			*end = e;
	}
	return seen ? 0 : -1;
}

/* The last device access that ends at or before p[at], within 512 bytes
 * (x86): 0 and *a, or -1 if there is none. */
static int last_access(const uint8_t *p, size_t at, unsigned int mode,
		       struct fuzz_access *a)
{
	for (size_t i = at; i > 0 && at - i < 512; i--) {
		size_t e = access_end(p, at, i - 1);

		if (e && decode_access(p, i - 1, e, mode, a) == 0)
			return 0;
	}
	return -1;
}

/* A device to talk to: x86 ports (a device the VMM owns, with its span;
 * or any port, which permissive scenarios answer from the input stream),
 * or MMIO (the scenario's MMIO console, a device address from the VMM's
 * sources, an address no slot backs). `lim`: the highest address the
 * mode reaches (real16: 1 MiB). Returns 0, or -1 if none was found. */
static int pick_device(const struct mut_ctx *m, int mmio, uint64_t lim,
		       uint64_t *base, uint64_t *span)
{
	struct rng *r = m->r;
	const struct vmm_scenario *s = &m->w->s;

	for (int t = 0; t < 8; t++) {
		int k = pick_const(r, mmio ? DEV_MMIO : DEV_PORT);
		const struct vmm_slot_spec *sl;

		if (!mmio) {
			if (k >= 0 && below(r, 2)) {
				*base = dev_consts[k].value;
				*span = dev_consts[k].span ? dev_consts[k].span
							   : 1;
			} else {
				*base = below(r, 2) ? below(r, 0x10000)
						    : pick_value(r) & 0xffff;
				*span = 1 + below(r, 8);
			}
			return 0;
		}
		switch (below(r, 4)) {
		case 0:
			if (!s->mmio_console)
				continue;
			*base = s->mmio_console_gpa;
			*span = VMM_MMIO_CONSOLE_SIZE;
			break;
		case 1:
			if (k < 0)
				continue;
			*base = dev_consts[k].value;
			*span = dev_consts[k].span ? dev_consts[k].span : 16;
			break;
		case 2: /* right after a slot */
			sl = &s->slots[below(r, s->nslots)];
			*base = sl->gpa + sl->size +
				(below(r, 2) ? 0 : below(r, 16) << 12);
			*span = 16;
			break;
		default:
			*base = (below(r, 2) ? pick_value(r) : next(r)) &
				(lim - 1) & ~0xfffULL;
			*span = 16;
			break;
		}
		if (*base + *span <= lim && !gpa_in_slot(s, *base))
			return 0;
	}
	return -1;
}

/* A buffer for string I/O: in a writable slot, `len` bytes, below `lim`. */
static int pick_buffer(const struct mut_ctx *m, uint64_t len, uint64_t lim,
		       uint64_t *buf)
{
	const struct vmm_scenario *s = &m->w->s;
	const struct vmm_slot_spec *sl = &s->slots[below(m->r, s->nslots)];
	uint64_t hi = sl->gpa + sl->size;

	if (sl->flags & VMM_SLOT_READONLY)
		return -1;
	if (hi > lim)
		hi = lim;
	if (sl->gpa >= hi || hi - sl->gpa < len)
		return -1;
	*buf = sl->gpa + below(m->r, hi - sl->gpa - len + 1);
	return 0;
}

/* A port one of the VMM's devices owns (fuzz/device_consts.h). */
static int port_owned(uint64_t p)
{
	for (size_t i = 0; i < NPICK(dev_consts); i++)
		if (dev_consts[i].cls == DEV_PORT && p >= dev_consts[i].value &&
		    p - dev_consts[i].value <
			    (dev_consts[i].span ? dev_consts[i].span : 1))
			return 1;
	return 0;
}

static int keep_reg(struct rng *r)
{
	return below(r, 4) == 0;
}

/* The device of a port the VMM owns (fuzz/device_consts.h): its base and
 * span; 0, or -1 for a port no device owns. */
static int port_device(uint64_t p, uint64_t *base, uint64_t *span)
{
	for (size_t i = 0; i < NPICK(dev_consts); i++) {
		uint64_t n = dev_consts[i].span ? dev_consts[i].span : 1;

		if (dev_consts[i].cls == DEV_PORT && p >= dev_consts[i].value &&
		    p - dev_consts[i].value < n) {
			*base = dev_consts[i].value;
			*span = n;
			return 0;
		}
	}
	return -1;
}

/* The device a sequence goes on talking to, from its last access `prev`:
 * the owning device's ports, else the 8 ports or 16 bytes around it. */
static void prev_device(const struct fuzz_access *prev, uint64_t *base,
			uint64_t *span)
{
	if (prev->kind == FUZZ_ACC_MMIO) {
		*base = prev->addr & ~0xfULL;
		*span = 16;
	} else if (port_device(prev->addr, base, span) < 0) {
		*base = prev->addr & ~7ULL;
		*span = 8;
	}
}

/* Up to 8 accesses to one device, as code for `mode`; returns the length.
 * With `prev` (the last access of the code the sequence goes after), the
 * sequence goes on talking to that device. After the first access, the
 * next one is a register of the device at random, the register right
 * after the previous access, or the same one again, as device set-up
 * goes: runs of consecutive registers (a divisor's low and high byte, a
 * key and its check word), repeated writes to one (a command port). */
static int site_const(struct rng *r, unsigned int mmio, unsigned int width,
		      int known, uint64_t addr, uint64_t *v);

/* The blob holding guest address `entry` (the last one, whose bytes are
 * loaded over any earlier one's), or -1. */
static int entry_blob(const struct vmm_scenario *s, uint64_t entry)
{
	int eb = -1;

	for (uint32_t i = 0; i < s->nblobs; i++)
		if (entry >= s->blobs[i].gpa &&
		    entry - s->blobs[i].gpa < s->blobs[i].len)
			eb = (int)i;
	return eb;
}

/* Bytes b[0..n) in place of blob `bi`'s bytes [from, to) (up to its
 * length), if the blob has room: 0, or -1. */
static int blob_replace(struct work *w, uint32_t bi, uint64_t from, uint64_t to,
			const uint8_t *b, size_t n)
{
	uint64_t len = w->s.blobs[bi].len;

	if (from > to || to > len || len - (to - from) + n > BLOB_CAP)
		return -1;
	memmove(w->blob[bi] + from + n, w->blob[bi] + to, (size_t)(len - to));
	memcpy(w->blob[bi] + from, b, n);
	w->s.blobs[bi].len = len - (to - from) + n;
	return 0;
}

/* Bytes b[0..n) into blob `bi` at offset `at`: 0, or -1. */
static int blob_insert(struct work *w, uint32_t bi, uint64_t at,
		       const uint8_t *b, size_t n)
{
	return blob_replace(w, bi, at, at, b, n);
}

static unsigned int blob_mode(const struct mut_ctx *m, uint32_t bi);

/* The port or MMIO access whose `mov dx`/`mov ebx` is at p[i], as
 * fuzz_emit_access wrote it for `mode`, exactly: each end access_end
 * finds is tried (an immediate may hold what looks like an access's
 * last byte), at the width the prefix says and at the others (the byte
 * before the opcode may be an immediate's last, 66 or 48), and the
 * access it decodes to is written again and compared with the code.
 * 0 and *c's access and range, or -1. */
static int code_access_at(const uint8_t *p, size_t len, size_t i,
			  unsigned int mode, struct code_access *c)
{
	static const uint8_t widths[] = { 0, 2, 4, 8 };
	uint8_t code[64]; /* one access's code: up to 20 bytes */

	for (size_t e = access_end(p, len, i); e;
	     e = access_end_from(p, len, i, e)) {
		unsigned int guess = 0;

		for (unsigned int k = 0; k < sizeof(widths); k++) {
			struct fuzz_access a;
			size_t st = i, n;

			if (decode_access_as(p, i, e, mode, widths[k], &a) !=
				    0 ||
			    a.kind == FUZZ_ACC_STRING)
				break;
			if (!k)
				guess = a.width;
			else if (guess == 1 || widths[k] == guess)
				continue;
			if (a.kind == FUZZ_ACC_MMIO && mode == 0)
				st = i - 5; /* decode_access checked FS */
			else if (a.kind == FUZZ_ACC_PIO && mode != 0 && i > 0)
				st = i - 1; /* 66 ba: mov dx, imm16 */
			n = fuzz_emit_access(VMM_ARCH_X86_64, mode, &a, code,
					     sizeof(code));
			if (n && n == e - st && !memcmp(code, p + st, n)) {
				c->a = a;
				c->mode = mode;
				c->from = st;
				c->to = e;
				return 0;
			}
		}
	}
	return -1;
}

/* One of the code's port and MMIO accesses (x86; no string I/O) that `ok` (if
 * given) accepts, picked at random over all blobs: 0 and *c, or -1 if there is
 * none. The scan goes on after an access's end: a `mov ebx` or `mov dx`
 * inside its immediates is no access of its own. */
static int pick_code_access(const struct mut_ctx *m, access_filter ok,
			    const void *arg, struct code_access *c)
{
	const struct vmm_scenario *s = &m->w->s;
	unsigned int seen = 0;

	if (s->arch != VMM_ARCH_X86_64)
		return -1;
	for (uint32_t b = 0; b < s->nblobs; b++) {
		const uint8_t *p = m->w->blob[b];
		size_t len = (size_t)s->blobs[b].len;
		unsigned int md = blob_mode(m, b);

		for (size_t i = 0; i < len; i++) {
			struct code_access ca;

			if (code_access_at(p, len, i, md, &ca) != 0)
				continue;
			i = ca.to - 1;
			if (ok && !ok(&ca.a, arg))
				continue;
			if (below(m->r, ++seen) == 0) {
				*c = ca;
				c->bi = b;
			}
		}
	}
	return seen ? 0 : -1;
}

/* Access `c` of the code made again as `a`: 0, or -1 if the mode cannot
 * make it or the blob has no room. */
static int remake_access(const struct mut_ctx *m, const struct code_access *c,
			 const struct fuzz_access *a)
{
	uint8_t code[64]; /* one access's code: up to 20 bytes */
	size_t n =
		fuzz_emit_access(m->w->s.arch, c->mode, a, code, sizeof(code));

	return n ? blob_replace(m->w, c->bi, c->from, c->to, code, n) : -1;
}

#define SEQ_STEPS 8U
#define SEQ_CAP 256U
#define SEQ_HLTS 4U /* after a vCPU's own sequence */
static size_t gen_sequence(const struct mut_ctx *m, unsigned int mode,
			   uint8_t *out, const struct fuzz_access *prev)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	int a64 = s->arch == VMM_ARCH_ARM64;
	uint64_t lim = !a64 && mode == 0 ? 0x100000 : 0x100000000ULL;
	int mmio = a64 || below(r, 2);
	uint64_t base, span;
	unsigned int steps =
		below(r, 4) ? 2 + (unsigned int)below(r, SEQ_STEPS - 1) : 1;
	struct fuzz_access last = { 0 };
	int have_last = prev != NULL;
	size_t n = 0;

	if (prev) {
		last = *prev;
		mmio = prev->kind == FUZZ_ACC_MMIO;
		prev_device(prev, &base, &span);
	} else if (pick_device(m, mmio, lim, &base, &span) < 0) {
		return 0;
	}
	/* a device the VMM does not own ends a strict run at its first
	 * access: permissive scenarios answer it (reads from the input
	 * stream), so a sequence can go on */
	if (!(s->flags & VMM_SCN_PERMISSIVE) && below(r, 4) &&
	    !(mmio ? s->mmio_console && base == s->mmio_console_gpa
		   : port_owned(base)))
		s->flags |= VMM_SCN_PERMISSIVE;
	for (unsigned int i = 0; i < steps; i++) {
		struct fuzz_access a;
		unsigned int how = have_last ? (unsigned int)below(r, 3) : 0;
		size_t k;

		memset(&a, 0, sizeof(a));
		a.kind = mmio ? FUZZ_ACC_MMIO : FUZZ_ACC_PIO;
		a.write = below(r, 3) != 0;
		a.width = (uint8_t)(1U << below(r, mmio ? 4 : 3));
		if (how && below(r, 2) && last.width <= (mmio ? 8 : 4))
			a.width = last.width;
		if (how == 1)
			a.addr = last.addr + last.width;
		else if (how == 2)
			a.addr = last.addr;
		else if (mmio && below(r, 2))
			a.addr = base + a.width * below(r, span / a.width + 1);
		else
			a.addr = base + below(r, span);
		if (!mmio && below(r, 4) == 0) {
			/* string I/O with a repeat count */
			a.kind = FUZZ_ACC_STRING;
			a.count = (uint32_t)(below(r, 2) ? 1 + below(r, 64)
							 : operand(m, 2));
			if (pick_buffer(m, (uint64_t)a.count * a.width,
					mode == 0 ? 0x10000 : lim, &a.buf) < 0)
				a.kind = FUZZ_ACC_PIO;
		}
		/* a write after a read sometimes sends back what the read
		 * got (an echo, a read-modify-write) */
		if (a.write && i && keep_reg(r))
			a.keep = 1;
		else if (a.write && (below(r, 2) || a.kind == FUZZ_ACC_STRING ||
				     site_const(r, mmio, a.width, 1, a.addr,
						&a.value) != 0))
			a.value = operand(m, a.width);
		k = fuzz_emit_access(s->arch, mode, &a, out + n, SEQ_CAP - n);
		if (!k && a.width == 8) { /* a mode without 64-bit stores */
			a.width = 4;
			k = fuzz_emit_access(s->arch, mode, &a, out + n,
					     SEQ_CAP - n);
		}
		if (k) {
			last = a;
			have_last = 1;
		}
		n += k;
	}
	return n;
}

/* Insert a device-access sequence into guest code: where the picked vCPU
 * starts (so it runs first), before the first HLT after that (after the
 * code the input has), or anywhere in a blob; with several vCPUs, now and
 * then as the picked vCPU's own code, a new blob ending in HLTs; or
 * (x86) right after one of the code's device accesses. A sequence that
 * goes after an access goes on, half the time (three times in four right
 * after it), with that access's device: a state machine a guest got part
 * of the way through gets its next steps, where a device drawn afresh
 * would rarely be the same one. */
static void mut_access_seq(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct work *w = m->w;
	struct vmm_vcpu_spec *v = m->v;
	uint8_t seq[SEQ_CAP];
	uint32_t bi = m->bi;
	uint64_t at;
	size_t n;
	int eb = entry_blob(s, v->entry);
	unsigned int how = (unsigned int)below(r, 8);
	struct fuzz_access prev;
	int after = 0;

	if (s->arch == VMM_ARCH_X86_64 && v->mode > 3)
		return;
	if (s->nvcpus > 1 && how == 0 && s->nblobs < VMM_MAX_BLOBS &&
	    s->arch == VMM_ARCH_X86_64) {
		/* the vCPU's own code */
		const struct vmm_slot_spec *sl = &s->slots[below(r, s->nslots)];
		uint32_t k = s->nblobs;

		n = gen_sequence(m, v->mode, seq, NULL);
		if (!n)
			return;
		memcpy(w->blob[k], seq, n);
		memset(w->blob[k] + n, 0xf4, SEQ_HLTS);
		s->blobs[k].data = w->blob[k];
		s->blobs[k].len = n + SEQ_HLTS;
		s->blobs[k].gpa = rand_gpa_in(r, sl, n + SEQ_HLTS);
		if (v->mode == 0 && s->blobs[k].gpa + n + SEQ_HLTS > 0x100000)
			return;
		v->entry = s->blobs[k].gpa;
		s->nblobs++;
		return;
	}
	if (!s->nblobs)
		return;
	if (eb >= 0 && how < 5) {
		bi = (uint32_t)eb;
		at = v->entry - s->blobs[bi].gpa;
		if (how >= 3) { /* before the first HLT from the entry */
			while (at < s->blobs[bi].len && w->blob[bi][at] != 0xf4)
				at++;
		}
		if (s->arch == VMM_ARCH_ARM64)
			at &= ~3ULL;
	} else if (how == 5 && s->arch == VMM_ARCH_X86_64 &&
		   any_access_end(r, w->blob[bi], (size_t)s->blobs[bi].len,
				  v->mode, &at) == 0) {
		/* right after one of the code's accesses: the conversation
		 * with a device goes on from any point, not only its end */
		after = 1;
	} else {
		at = below(r, s->blobs[bi].len + 1);
		if (s->arch == VMM_ARCH_ARM64)
			at &= ~3ULL;
	}
	if (at > s->blobs[bi].len)
		return;
	if (s->arch == VMM_ARCH_X86_64 && below(r, after ? 4 : 2) &&
	    last_access(w->blob[bi], (size_t)at, v->mode, &prev) == 0)
		n = gen_sequence(m, v->mode, seq, &prev);
	else
		n = gen_sequence(m, v->mode, seq, NULL);
	if (n)
		(void)blob_insert(w, bi, at, seq, n);
}

/* One of the code's device accesses (x86 port or MMIO) made again with
 * its direction, its width or its register changed, one, two or all
 * three; the code around it stays. A device's state machine steps on
 * what an access is as much as on the value written: a read where a run
 * wrote, a byte where it wrote a dword, the register next to the one it
 * touched. The sequence operator adds new accesses, and byte mutation
 * of an opcode rarely gives another valid access; this one keeps the
 * steps a guest got right and changes the one after. A write keeps its
 * value (its low bytes at a narrower width; an echo stays an echo), or,
 * half the time when it moves to another register or width and always
 * when it was a read, gets one the VMM compared writes there with or an
 * operand. arm64: no decoder of its accesses yet. */
static void mut_access_edit(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct code_access c;
	struct fuzz_access a;
	unsigned int what = 1 + (unsigned int)below(r, 7), mmio;

	if (pick_code_access(m, NULL, NULL, &c) != 0)
		return;
	a = c.a;
	mmio = a.kind == FUZZ_ACC_MMIO;
	if (what & 1)
		a.write = !a.write;
	if (what & 2) {
		/* another of 1, 2, 4 (8: MMIO in long mode) */
		unsigned int nw = mmio && c.mode == 3 ? 4 : 3;
		unsigned int k = (unsigned int)below(r, nw - 1);

		if (1U << k >= a.width)
			k++;
		a.width = (uint8_t)(1U << k);
	}
	if (what & 4) {
		uint64_t base, span, step = a.width;

		/* the register right after or before; another port of
		 * its device now and then */
		if (!mmio && below(r, 4) == 0 &&
		    port_device(a.addr, &base, &span) == 0 && span > 1)
			a.addr =
				base +
				(a.addr - base + 1 + below(r, span - 1)) % span;
		else if (below(r, 4) == 0 && a.addr >= step)
			a.addr -= step;
		else
			a.addr += step;
		if (!mmio)
			a.addr &= 0xffff;
	}
	/* an echo (a write of what the register holds) stays one; a read
	 * decodes with keep 0 */
	if (a.write && !a.keep && (!c.a.write || ((what & 6) && below(r, 2)))) {
		if (below(r, 2) ||
		    site_const(r, mmio, a.width, 1, a.addr, &a.value) != 0)
			a.value = operand(m, a.width);
	}
	(void)remake_access(m, &c, &a);
}

/* The immediate of a `mov reg, imm` (x86) or movz/movk (arm64) in guest
 * code gets a new value: one the byte mutator's comparison tables give
 * (libFuzzer: the immediate zero-extended to 8 bytes, as the VMM sees an
 * exit's data), a device constant, bytes from the input, the value +-1 or
 * a flipped bit. Guest operands then follow what the VMM compares them
 * with, without a whole new instruction sequence. */
static void mut_operand(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	uint8_t *p;
	uint64_t len, at = 0, v = 0, nv;
	unsigned int w = 0, shift = 0;
	int found = 0;

	if (!s->nblobs)
		return;
	p = m->w->blob[m->bi];
	len = s->blobs[m->bi].len;
	if (s->arch == VMM_ARCH_ARM64) {
		uint64_t start = below(r, len / 4 + 1) * 4;

		for (uint64_t i = 0; i + 4 <= len && !found; i += 4) {
			uint64_t o =
				(start + i) % (len & ~3ULL ? len & ~3ULL : 4);
			uint32_t insn;

			if (o + 4 > len)
				continue;
			memcpy(&insn, p + o, 4);
			/* movz/movk, 32 or 64 bit: imm16 in bits 5-20 */
			if ((insn & 0x5f800000U) == 0x52800000U) {
				at = o;
				found = 1;
			}
		}
		if (!found)
			return;
		{
			uint32_t insn;

			memcpy(&insn, p + at, 4);
			v = (insn >> 5) & 0xffff;
			w = 2;
			shift = 5;
		}
	} else {
		int m16 = m->v->mode == 0, m64 = m->v->mode == 3;
		uint64_t start = below(r, len + 1);

		for (uint64_t i = 0; i < len && !found; i++) {
			uint64_t o = (start + i) % len;
			uint8_t op = p[o];
			uint8_t pre = o ? p[o - 1] : 0;

			if (op < 0xb0 || op > 0xbf)
				continue;
			if (op < 0xb8)
				w = 1;
			else if (pre == 0x48 && m64)
				w = 8;
			else if (pre == 0x66)
				w = m16 ? 4 : 2;
			else
				w = m16 ? 2 : 4;
			if (o + 1 + w <= len) {
				at = o + 1;
				found = 1;
			}
		}
		if (!found)
			return;
		for (unsigned int i = 0; i < w; i++)
			v |= (uint64_t)p[at + i] << (8 * i);
	}
	switch (below(r, m->bm ? 6 : 5)) {
	case 0:
		nv = operand(m, w);
		break;
	case 1:
		nv = v + (below(r, 2) ? 1 : -1ULL);
		break;
	case 2:
		nv = v ^ (1ULL << below(r, 8ULL * w));
		break;
	case 3:
		nv = dev_consts[below(r, NPICK(dev_consts))].value;
		break;
	case 4:
		nv = pick_value(r);
		break;
	default: {
		uint8_t b[8];

		memcpy(b, &v, 8);
		(void)m->bm(b, 8, 8);
		memcpy(&nv, b, 8);
		break;
	}
	}
	if (s->arch == VMM_ARCH_ARM64) {
		uint32_t insn;

		memcpy(&insn, p + at, 4);
		insn = (insn & ~(0xffffU << shift)) | (uint32_t)(nv & 0xffff)
							      << shift;
		memcpy(p + at, &insn, 4);
		return;
	}
	for (unsigned int i = 0; i < w; i++)
		p[at + i] = (uint8_t)(nv >> (8 * i));
}

/* Input to state (the "cmp" operator): a value the input holds - a mov
 * immediate in guest code, a vCPU register the input sets, bytes of the
 * input stream - that the VMM compared with a constant (fuzz/cmp_table.h)
 * is replaced by that constant (or, one time in two, its neighbour +-1:
 * an ordering's constant is off by one). Each place is looked up at every width up
 * to its own (1, 2, 4, 8 bytes: an exit carries the low bytes of a wider
 * register, `mov eax, imm32` before `out dx, ax`), and only constants
 * that fit the width are taken; the bytes above stay. The candidates go
 * in buckets by kind of place (code, registers, input) and width, and a
 * bucket is picked first: small values (a byte is compared with many
 * constants all over the VMM) would otherwise crowd out the wide ones,
 * which are the ones random mutation cannot guess. A general-purpose
 * register the input does not set holds its reset value (0) until the
 * guest writes it: when that value was compared with a 64-bit constant
 * (a register read at an exit, as after KVM_GET_REGS; 0's own slot and
 * the wide constants kept apart for 0), the register is a place too, in a bucket of its own, and taking it adds a `reg` record
 * (sets the register's bit in reg_mask). The bytes of a blob at any
 * offset (a window of CMP_INPUT_SPAN) are places of a kind of their own:
 * an operand the guest loaded from memory, took from code bytes or
 * built from parts has no immediate (in a 60-s AFL++ run, many of the
 * OUT values compared with a planted bug's constant were such: 0x11909090,
 * 0x6603f8ba), as Redqueen patches raw input bytes. Only where the table
 * is filled (the libFuzzer targets; the AFL++ custom mutator with
 * VMM_CMP_SHM). */
#define CMP_CANDS 32U	    /* kept per bucket (reservoir sampling) */
#define CMP_INPUT_SPAN 256U /* input-stream and blob offsets looked at */
#define CMP_KINDS 5U  /* code, registers, input, unset registers, blob bytes */
#define CMP_WIDTHS 4U /* 1, 2, 4, 8 bytes */

struct cmp_cand {
	uint8_t *p;    /* code or input bytes to write, or NULL: a register */
	uint64_t *reg; /* the register */
	unsigned int w;
	uint64_t c;
	uint64_t *mask; /* an unset register: its reg_mask, set on taking it */
	uint64_t bit;
};

/* the width bucket of a constant: the bytes it needs (1, 2, 4, 8) */
static unsigned int const_bucket(uint64_t c)
{
	if (c >> 32)
		return 3;
	if (c >> 16)
		return 2;
	return c >> 8 ? 1 : 0;
}

/* general-purpose registers whose reset value is 0 (x86 rax..r15, arm64
 * x0..x30): those an unset register may be */
static unsigned int cmp_gprs(unsigned int arch)
{
	return arch == VMM_ARCH_X86_64 ? 16U : 31U;
}

struct cmp_cands {
	struct cmp_cand c[CMP_CANDS];
	unsigned int n, seen;
};

static void cmp_add(struct rng *r, struct cmp_cands *k,
		    const struct cmp_cand *c)
{
	unsigned int at;

	k->seen++;
	if (k->n < CMP_CANDS) {
		k->c[k->n++] = *c;
		return;
	}
	at = (unsigned int)below(r, k->seen);
	if (at < CMP_CANDS)
		k->c[at] = *c;
}

/* the candidates of one place holding `v` in `maxw` bytes, into the
 * kind's four width buckets */
static void cmp_place(struct rng *r, struct cmp_cands *k, uint8_t *p,
		      uint64_t *reg, uint64_t v, unsigned int maxw)
{
	for (unsigned int w = 1, wi = 0; w <= maxw; w *= 2, wi++) {
		uint64_t c[FUZZ_CMP_FIND_MAX];
		unsigned int n = fuzz_cmp_find(v & vmm_width_mask(w), c,
					       FUZZ_CMP_FIND_MAX);

		for (unsigned int i = 0; i < n; i++) {
			struct cmp_cand x = { p, reg, w, c[i], NULL, 0 };

			if (c[i] & ~vmm_width_mask(w))
				continue;
			cmp_add(r, &k[wi], &x);
		}
	}
}

/* the candidates of the bytes p[from..], CMP_INPUT_SPAN offsets of them
 * within len, each read as a little-endian value of up to 8 bytes */
static void cmp_bytes(struct rng *r, struct cmp_cands *k, uint8_t *p,
		      uint64_t len, uint64_t from)
{
	for (uint64_t o = from; o < len && o < from + CMP_INPUT_SPAN; o++) {
		unsigned int w = 8;
		uint64_t v = 0;

		while (o + w > len)
			w /= 2;
		for (unsigned int i = 0; i < w; i++)
			v |= (uint64_t)p[o + i] << (8 * i);
		cmp_place(r, k, p + o, NULL, v, w);
	}
}

static void mut_cmp(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	struct cmp_cands k[CMP_KINDS][CMP_WIDTHS];
	unsigned int nk = 0, pick[CMP_KINDS * CMP_WIDTHS];
	const struct cmp_cands *kk;
	const struct cmp_cand *c;
	uint64_t nv;

	for (unsigned int i = 0; i < CMP_KINDS; i++)
		for (unsigned int j = 0; j < CMP_WIDTHS; j++)
			k[i][j].n = k[i][j].seen = 0;
	if (s->arch == VMM_ARCH_X86_64 && m->v->mode <= 3) {
		int m16 = m->v->mode == 0, m64 = m->v->mode == 3;

		for (uint32_t b = 0; b < s->nblobs; b++) {
			uint8_t *p = m->w->blob[b];
			uint64_t len = s->blobs[b].len;

			for (uint64_t o = 0; o < len; o++) {
				unsigned int w;
				uint64_t v = 0;

				if (p[o] < 0xb0 || p[o] > 0xbf)
					continue;
				if (p[o] < 0xb8)
					w = 1;
				else if (o && p[o - 1] == 0x48 && m64)
					w = 8;
				else if (o && p[o - 1] == 0x66)
					w = m16 ? 4 : 2;
				else
					w = m16 ? 2 : 4;
				if (o + 1 + w > len)
					continue;
				for (unsigned int i = 0; i < w; i++)
					v |= (uint64_t)p[o + 1 + i] << (8 * i);
				cmp_place(r, k[0], p + o + 1, NULL, v, w);
			}
		}
	}
	for (uint32_t v = 0; v < s->nvcpus; v++)
		for (unsigned int i = 0; i < VMM_MAX_REGS; i++)
			if (s->vcpus[v].reg_mask >> i & 1)
				cmp_place(r, k[1], NULL, &s->vcpus[v].regs[i],
					  s->vcpus[v].regs[i], 8);
	for (uint32_t v = 0; v < s->nvcpus; v++) {
		uint64_t zc[FUZZ_CMP_PER + FUZZ_CMP_ZERO_WIDE];
		unsigned int zn = fuzz_cmp_find(0, zc, FUZZ_CMP_PER);
		struct vmm_vcpu_spec *vs = &s->vcpus[v];

		zn += fuzz_cmp_find_zero_wide(zc + zn, FUZZ_CMP_ZERO_WIDE);
		for (unsigned int i = 0; zn && i < cmp_gprs(s->arch); i++) {
			if (vs->reg_mask >> i & 1)
				continue;
			for (unsigned int j = 0; j < zn; j++) {
				struct cmp_cand x = {
					NULL,  &vs->regs[i],  8,
					zc[j], &vs->reg_mask, 1ULL << i
				};

				cmp_add(r, &k[3][const_bucket(zc[j])], &x);
			}
		}
	}
	if (s->has_input)
		cmp_bytes(r, k[2], m->w->input, s->input_len, 0);
	/* the bytes of a blob anywhere, a window of them: an operand the
	 * guest loaded from memory, took from code bytes or built from
	 * parts has no immediate, but often its bytes are in the input */
	if (s->nblobs) {
		uint64_t len = s->blobs[m->bi].len;

		cmp_bytes(r, k[4], m->w->blob[m->bi], len,
			  len > CMP_INPUT_SPAN
				  ? below(r, len - CMP_INPUT_SPAN + 1)
				  : 0);
	}
	for (unsigned int i = 0; i < CMP_KINDS * CMP_WIDTHS; i++)
		if (k[i / CMP_WIDTHS][i % CMP_WIDTHS].n)
			pick[nk++] = i;
	if (!nk)
		return;
	{
		unsigned int b = pick[below(r, nk)];

		kk = &k[b / CMP_WIDTHS][b % CMP_WIDTHS];
	}
	c = &kk->c[below(r, kk->n)];
	/* the constant of an ordering compiles to its neighbour (`p >= 0x3f8`
	 * is `p > 0x3f7`): one time in two, the constant +-1 */
	nv = c->c;
	if (below(r, 2))
		nv += below(r, 2) ? 1 : -1ULL;
	nv &= vmm_width_mask(c->w);
	if (c->reg && c->mask) { /* unset: the reset value was 0 */
		*c->reg = nv;
		*c->mask |= c->bit;
		return;
	}
	if (c->reg) {
		*c->reg = (*c->reg & ~vmm_width_mask(c->w)) | nv;
		return;
	}
	for (unsigned int i = 0; i < c->w; i++)
		c->p[i] = (uint8_t)(nv >> (8 * i));
}

/* ---- pin: a written register's constant loaded right before the write ---- */

/* A write the guest code makes (x86 OUT or a store to memory; arm64 STR),
 * with the register that holds its value. */
struct pin_cand {
	size_t at;	  /* where the instruction (with its prefixes) starts */
	unsigned int reg; /* the register written out */
	int outs;	  /* an OUTS: the value is the first element at [si] */
	unsigned int width; /* bytes written */
	unsigned int mmio;  /* a store (else port I/O) */
	int known;	    /* the port or address is known: addr */
	uint64_t addr;
	uint32_t bi;	   /* the blob (pin_scan) */
	unsigned int mode; /* the mode its code was read in (pin_scan) */
	size_t end; /* where the next instruction starts, if known (or 0) */
	size_t op;  /* where the opcode is (x86) */
};

/* The x86 write whose opcode is at p[o] (after up to 3 prefixes), if it
 * is one: OUT imm8/DX, (REP) OUTS, or mov [mem], reg (88/89 with a memory
 * operand). The port of an OUT DX comes from a `mov dx, imm16` within 16 bytes
 * before it; a store's address from the mov ebx/fs:bx set-up
 * fuzz_emit_access writes; otherwise it is unknown. */
static int pin_x86(const uint8_t *p, size_t len, size_t o, unsigned int mode,
		   struct pin_cand *c)
{
	int m16 = mode == 0, m64 = mode == 3;
	size_t at = o;
	int osz = 0, rexw = 0;
	uint8_t op = p[o];

	while (at > 0 && o - at < 3) {
		uint8_t b = p[at - 1];

		if (b == 0x66)
			osz = 1;
		else if (b == 0xf3 || b == 0xf2)
			; /* rep */
		else if (m64 && b == 0x48)
			rexw = 1;
		else if (b != 0x64 && b != 0x65)
			break;
		at--;
	}
	/* another REX prefix: registers r8-r15 or byte registers this
	 * does not load */
	if (m64 && at > 0 && (p[at - 1] & 0xf0) == 0x40)
		return -1;
	memset(c, 0, sizeof(*c));
	c->at = at;
	c->op = o;
	c->width = op & 1 ? (rexw ? 8U : osz != m16 ? 2U : 4U) : 1U;
	if (op == 0xe6 || op == 0xe7 || op == 0xee || op == 0xef ||
	    op == 0x6e || op == 0x6f) {
		if (c->width == 8)
			return -1;
		c->outs = op <= 0x6f;
		c->end = o + 1;
		if (op <= 0xe7) {
			if (o + 1 >= len)
				return -1;
			c->known = 1;
			c->addr = p[o + 1];
			c->end = o + 2;
			return 0;
		}
		/* the nearest mov dx, imm16 (66 ba outside real16) or mov
		 * edx, imm32 before it */
		for (size_t b = at; b > 0 && at - b < 16; b--) {
			size_t w = m16 || (b >= 2 && p[b - 2] == 0x66) ? 2 : 4;

			if (p[b - 1] != 0xba || b + w > at)
				continue;
			c->known = 1;
			c->addr = (uint64_t)p[b] | (uint64_t)p[b + 1] << 8;
			break;
		}
		return 0;
	}
	if ((op == 0x88 || op == 0x89) && o + 1 < len && p[o + 1] < 0xc0) {
		c->mmio = 1;
		c->reg = (p[o + 1] >> 3) & 7U;
		for (size_t i = o; i > 0 && o - i < 24; i--) {
			struct fuzz_access a;
			size_t e = access_end(p, len, i - 1);

			if (e == o + 2 &&
			    decode_access(p, i - 1, e, mode, &a) == 0) {
				c->known = 1;
				c->addr = a.addr;
				c->end = e;
				break;
			}
		}
		return 0;
	}
	return -1;
}

/* arm64: STRB/STRH/STR (immediate, unsigned offset) of wN/xN, N not the
 * zero register nor the base; the address is unknown. */
static int pin_a64(const uint8_t *p, size_t o, struct pin_cand *c)
{
	uint32_t insn = (uint32_t)p[o] | (uint32_t)p[o + 1] << 8 |
			(uint32_t)p[o + 2] << 16 | (uint32_t)p[o + 3] << 24;
	unsigned int rt = insn & 31U, rn = (insn >> 5) & 31U;

	if ((insn & 0x3fc00000U) != 0x39000000U || rt == 31 || rt == rn)
		return -1;
	memset(c, 0, sizeof(*c));
	c->at = o;
	c->reg = rt;
	c->width = 1U << (insn >> 30);
	c->mmio = 1;
	c->end = o + 4;
	return 0;
}

/* A constant the VMM compared a write to register `c` with
 * (fuzz/cmp_table.h, by site): that register's, or now and then (always,
 * when it has none or the address is unknown) any of its kind and width.
 * 0 and *v, or -1 if none is known. */
static int site_const(struct rng *r, unsigned int mmio, unsigned int width,
		      int known, uint64_t addr, uint64_t *v)
{
	uint64_t c[FUZZ_CMP_SITE_PER];
	unsigned int n = 0;

	if (known)
		n = fuzz_cmp_site_find(fuzz_cmp_site_key(mmio, width, addr, 0),
				       c, FUZZ_CMP_SITE_PER);
	if (!n || below(r, 4) == 0) {
		/* writes nothing into c when it has none */
		unsigned int k =
			fuzz_cmp_site_find(fuzz_cmp_site_key(mmio, width, 0, 1),
					   c, FUZZ_CMP_SITE_PER);

		if (k)
			n = k;
	}
	if (!n)
		return -1;
	*v = c[below(r, n)];
	return 0;
}

/* The writes in blob `bi` of the code of a vCPU in `mode` (x86 OUT or
 * store, arm64 STR) that `key` covers (0: every write; else a site key:
 * a write to that register, or of its kind and width where the address
 * is unknown): one of them at random (reservoir, `*seen` counting) into
 * `best`. */
static void pin_scan(struct rng *r, const struct vmm_scenario *s,
		     const uint8_t *p, uint32_t bi, unsigned int mode,
		     uint64_t key, struct pin_cand *best, unsigned int *seen)
{
	int a64 = s->arch == VMM_ARCH_ARM64;
	uint64_t len = s->blobs[bi].len;
	/* `key` a register's key, or (known or not) its kind and width's */
	uint64_t any = fuzz_cmp_site_any(key);
	int exact = key != any;
	struct pin_cand c;

	if (a64 ? mode != 0 : mode > 3)
		return;
	for (uint64_t o = 0; o < len; o++) {
		if (a64 ? (o % 4 || o + 4 > len ||
			   pin_a64(p, (size_t)o, &c) != 0)
			: pin_x86(p, (size_t)len, (size_t)o, mode, &c) != 0)
			continue;
		if (key &&
		    (c.known && exact
			     ? fuzz_cmp_site_key(c.mmio, c.width, c.addr, 0) !=
				       key
			     : fuzz_cmp_site_key(c.mmio, c.width, 0, 1) != any))
			continue;
		c.bi = bi;
		c.mode = mode;
		if (below(r, ++*seen) == 0)
			*best = c;
	}
}

/* Load `v` into the register write `c` writes (an OUTS: store it as the
 * first element at [si]), right before it: the bytes put in, or 0. */
static size_t pin_insert(const struct mut_ctx *m, const struct pin_cand *c,
			 uint64_t v)
{
	uint8_t mov[16];
	size_t n = c->outs ? fuzz_emit_outs_first(c->mode, c->width, v, mov,
						  sizeof(mov))
			   : fuzz_emit_mov(m->w->s.arch, c->mode, c->reg,
					   c->width, v, mov, sizeof(mov));

	return n && blob_insert(m->w, c->bi, c->at, mov, n) == 0 ? n : 0;
}

/* A write in the guest code (x86 OUT or store, arm64 STR) gets the
 * register it writes loaded (an OUTS: the first element at [si] stored),
 * right before it, with a constant the VMM
 * compared a value written there with. The value-keyed "cmp" operator
 * rewrites an operand the input holds; a value the guest computed (a
 * sum, a load, what a read returned) is held nowhere, and differs from
 * one mutant to the next, but the register it goes to stays the same. */
static void mut_pin(const struct mut_ctx *m)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	uint64_t v;
	struct pin_cand best;
	unsigned int seen = 0;
	uint32_t bi = m->bi;
	int eb = entry_blob(s, m->v->entry);

	memset(&best, 0, sizeof(best));
	if (!s->nblobs)
		return;
	/* mostly the code the picked vCPU starts in: the writes a vCPU
	 * makes are there, where a random blob is often another vCPU's
	 * code or data */
	if (eb >= 0 && below(r, 4))
		bi = (uint32_t)eb;
	pin_scan(r, s, m->w->blob[bi], bi, m->v->mode, 0, &best, &seen);
	if (!seen || site_const(r, best.mmio, best.width, best.known, best.addr,
				&v) != 0)
		return;
	(void)pin_insert(m, &best, v);
}

/* The mode of the code in blob `bi`: that of a vCPU starting there (the
 * last one), else the picked vCPU's. */
static unsigned int blob_mode(const struct mut_ctx *m, uint32_t bi)
{
	const struct vmm_scenario *s = &m->w->s;
	unsigned int mode = m->v->mode;

	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (entry_blob(s, s->vcpus[i].entry) == (int)bi)
			mode = s->vcpus[i].mode;
	return mode;
}

/* A check of a higher byte of a wider port write (fuzz/cmp_table.c,
 * site_match): the constant differs from the value written in that byte
 * alone. The width that ends the write at that byte (2 for the second,
 * 4 for the third or fourth), or 0 if the check is no such one. */
static unsigned int lane_width(const struct fuzz_fresh_check *f)
{
	uint64_t x = f->c ^ f->var;
	unsigned int i = 0, w = 1;

	if (!x || (x & 0xffU))
		return 0;
	while (!(x & 0xffU)) {
		x >>= 8;
		i++;
	}
	if (x > 0xffU)
		return 0;
	while (w < i + 1)
		w <<= 1;
	return w;
}

/* Port OUT `c` (no OUTS, its end known) made `w` bytes wide: its
 * prefixes and opcode written again (an OUT imm8 keeps its port byte).
 * The bytes after a checked one go to the device's next registers, each
 * a write of its own: a state machine the check moved on sees them
 * before anything the guest does next. Returns 0 and updates c, or -1. */
static int narrow_out(const struct mut_ctx *m, struct pin_cand *c,
		      unsigned int w)
{
	const uint8_t *p = m->w->blob[c->bi];
	int dx;
	uint8_t op, code[3];
	size_t n = 0;

	if (c->mmio || c->outs || !c->end || c->op < c->at || c->op >= c->end)
		return -1;
	op = p[c->op];
	dx = op == 0xee || op == 0xef;
	if (!dx && op != 0xe6 && op != 0xe7)
		return -1;
	if (w == 1) {
		code[n++] = dx ? 0xee : 0xe6;
	} else {
		if ((w == 2) != (c->mode == 0))
			code[n++] = 0x66;
		code[n++] = dx ? 0xef : 0xe7;
	}
	if (!dx)
		code[n++] = p[c->op + 1]; /* the port */
	if (blob_replace(m->w, c->bi, c->at, c->end, code, n) != 0)
		return -1;
	c->end = c->at + n;
	c->width = w;
	return 0;
}

/* A kept input's check (fuzz/cmp_table.h, "fresh"), its constant loaded
 * right before one of its writes to that register (in any blob; a
 * quarter of the time any write of that kind and width); half
 * the time (x86, the port or address known) the device is then talked
 * to on from right after the write (gen_sequence): a check a guest
 * passes is a device's next state, and its next step has no constant
 * to show. Returns 0, or -1 if the code has no such write. */
static int pin_fresh(const struct mut_ctx *m, const struct fuzz_fresh_check *f)
{
	struct vmm_scenario *s = &m->w->s;
	struct pin_cand best;
	unsigned int seen = 0, nk = 1, lw;
	struct fuzz_access prev;
	uint8_t seq[SEQ_CAP];
	uint64_t key = f->key;
	size_t n, k;

	/* The check's register or, alike, one of the others the same run
	 * compared a written value with the constant at; a quarter of the
	 * time any write of that kind and width. A device's handler may
	 * compare each value written with a constant before it looks at
	 * the register (a compiler evaluates `reg == R && v == K` without
	 * a branch): the check then came with the device's first write,
	 * not with the register the constant is for. Measured in the AFL++
	 * tree: COM1's first write (LCR) showed P05's first check, which
	 * is for THR, and 256 mutations of the kept input reached P05's
	 * first step 0 times this way, 5 with any write. */
	while (nk <= FUZZ_FRESH_ALT && f->alt[nk - 1])
		nk++;
	if ((k = below(m->r, nk)) != 0)
		key = f->alt[k - 1];
	if (below(m->r, 4) == 0)
		key = fuzz_cmp_site_any(key);
	memset(&best, 0, sizeof(best));
	for (uint32_t bi = 0; bi < s->nblobs; bi++)
		pin_scan(m->r, s, m->w->blob[bi], bi, blob_mode(m, bi), key,
			 &best, &seen);
	if (!seen)
		return -1;
	/* a higher byte's check: the write ends at that byte */
	lw = lane_width(f);
	if (s->arch == VMM_ARCH_X86_64 && lw && lw < best.width)
		(void)narrow_out(m, &best, lw);
	n = pin_insert(m, &best, f->c & vmm_width_mask(best.width));
	if (!n)
		return -1;
	if (s->arch != VMM_ARCH_X86_64 || !best.known || !best.end ||
	    below(m->r, 2))
		return 0;
	memset(&prev, 0, sizeof(prev));
	prev.kind = best.mmio ? FUZZ_ACC_MMIO : FUZZ_ACC_PIO;
	prev.write = 1;
	prev.width = (uint8_t)best.width;
	prev.addr = best.addr;
	prev.value = f->c & vmm_width_mask(best.width);
	k = gen_sequence(m, best.mode, seq, &prev);
	if (k)
		(void)blob_insert(m->w, best.bi, best.end + n, seq, k);
	return 0;
}

/* Input to state: one place at random where the input holds `var` in
 * `w` bytes (the input stream, a register record, code or data bytes)
 * gets `c` instead. Returns 0, or -1 if no place holds it. */
static int i2s_place(const struct mut_ctx *m, unsigned int w, uint64_t var,
		     uint64_t c)
{
	struct rng *r = m->r;
	struct vmm_scenario *s = &m->w->s;
	uint64_t mask = vmm_width_mask(w);
	unsigned int seen = 0;
	uint8_t pat[8] = { 0 }, *best = NULL;
	uint64_t *best_reg = NULL;

	var &= mask;
	for (unsigned int i = 0; i < w; i++)
		pat[i] = (uint8_t)(var >> (8 * i));
	for (uint32_t src = 0; src <= s->nblobs; src++) {
		uint8_t *p = src ? m->w->blob[src - 1] : m->w->input;
		uint64_t len = src ? s->blobs[src - 1].len
				   : (s->has_input ? s->input_len : 0);

		for (uint64_t o = 0; o + w <= len; o++)
			if (!memcmp(p + o, pat, w) && below(r, ++seen) == 0)
				best = p + o;
	}
	for (uint32_t v = 0; v < s->nvcpus; v++)
		for (unsigned int i = 0; i < VMM_MAX_REGS; i++)
			if ((s->vcpus[v].reg_mask >> i & 1) &&
			    (s->vcpus[v].regs[i] & mask) == var &&
			    below(r, ++seen) == 0) {
				best = NULL;
				best_reg = &s->vcpus[v].regs[i];
			}
	if (!seen)
		return -1;
	if (best_reg) {
		*best_reg = (*best_reg & ~mask) | (c & mask);
		return 0;
	}
	for (unsigned int i = 0; i < w; i++)
		best[i] = (uint8_t)(c >> (8 * i));
	return 0;
}

/* A kept input's check, input to state: the value the guest wrote when
 * the VMM compared it with the constant, where the input holds it,
 * becomes the constant. A value the guest read from the input stream and
 * wrote back (an echo: the check knows the stream offset) has no write
 * to pin: pinned, it would no longer be the value read; the stream gets
 * the constant at that offset, and if the read was past the stream's end
 * (open bus), the bytes before it what the reads there got (all ones).
 * Returns 0, or -1 if no place holds it. */
static int i2s_fresh(const struct mut_ctx *m, const struct fuzz_fresh_check *f)
{
	struct vmm_scenario *s = &m->w->s;
	unsigned int w = fuzz_cmp_site_width(f->key);

	if (w < 1 || w > 8)
		return -1;
	if (f->from && f->from - 1U + w <= INPUT_CAP) {
		uint64_t at = f->from - 1U;

		input_on(m->w);
		while (s->input_len < at)
			m->w->input[s->input_len++] = 0xff;
		for (unsigned int i = 0; i < w; i++)
			m->w->input[at + i] = (uint8_t)(f->c >> (8 * i));
		if (s->input_len < at + w)
			s->input_len = (uint32_t)(at + w);
		return 0;
	}
	return i2s_place(m, w, f->var, f->c);
}

/* an access of a width check's kind, width and address */
static int width_match(const struct fuzz_access *a, const void *arg)
{
	const struct fuzz_fresh_check *f = arg;

	return (a->kind == FUZZ_ACC_MMIO) == fuzz_cmp_site_mmio(f->key) &&
	       a->width == fuzz_cmp_site_width(f->key) && a->addr == f->var;
}

/* A width check (FUZZ_CMP_SITE_WIDTH): one of the input's accesses of
 * the check's kind, width and address (as fuzz_emit_access writes them,
 * x86) made again at the width the VMM compared with; a write's value
 * then comes from the comparison table for that register at the new
 * width (else an operand). Devices answer some registers only at one
 * width, and a state machine's next step may want a read of one size
 * where a run made another. Returns 0, or -1 if the code has no such
 * access or the mode cannot make it at that width. */
static int width_fresh(const struct mut_ctx *m,
		       const struct fuzz_fresh_check *f)
{
	struct code_access c;
	struct fuzz_access a;

	if (pick_code_access(m, width_match, f, &c) != 0)
		return -1;
	a = c.a;
	a.width = (uint8_t)f->c;
	a.keep = 0;
	if (a.write && site_const(m->r, fuzz_cmp_site_mmio(f->key), a.width, 1,
				  a.addr, &a.value) != 0)
		a.value = operand(m, a.width);
	return remake_access(m, &c, &a);
}

/* An address check of a higher byte of a port OUT (fuzz/cmp_table.h:
 * `var` that byte's port, above the key's): a device compared the
 * offset of the register that byte went to with another's, the one its
 * state wanted written next. The OUT made as wide as the bytes before
 * that one (a byte OUT for the second, a word OUT for the third or
 * fourth), and a byte write to the other register right after it (its
 * value one the VMM compared there, else an operand). Moving the OUT's
 * port instead would move its earlier bytes off the registers they
 * got right. Returns 0, or -1 if the code has no such OUT. */
static int lane_addr_fresh(const struct mut_ctx *m,
			   const struct fuzz_fresh_check *f)
{
	struct vmm_scenario *s = &m->w->s;
	uint64_t key = f->key & ~FUZZ_CMP_SITE_ADDR;
	uint64_t k = f->var - fuzz_cmp_site_addr(key);
	unsigned int w = 1, seen = 0;
	struct pin_cand best;
	struct fuzz_access a;
	uint8_t code[64]; /* one access's code: up to 20 bytes */
	size_t n;

	if (s->arch != VMM_ARCH_X86_64 || fuzz_cmp_site_mmio(key) || k < 1 ||
	    k >= fuzz_cmp_site_width(key))
		return -1;
	while ((uint64_t)w * 2U <= k)
		w *= 2U;
	memset(&best, 0, sizeof(best));
	for (uint32_t bi = 0; bi < s->nblobs; bi++)
		pin_scan(m->r, s, m->w->blob[bi], bi, blob_mode(m, bi), key,
			 &best, &seen);
	if (!seen || narrow_out(m, &best, w) != 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.kind = FUZZ_ACC_PIO;
	a.write = 1;
	a.width = 1;
	a.addr = f->c;
	if (site_const(m->r, 0, 1, 1, f->c, &a.value) != 0)
		a.value = operand(m, 1);
	n = fuzz_emit_access(s->arch, best.mode, &a, code, sizeof(code));
	return n && blob_insert(m->w, best.bi, best.end, code, n) == 0 ? 0 : -1;
}

/* One mutation of a kept input: its check's constant pinned at the
 * write, or put where the input holds the value written (either first,
 * at random; the other if the first finds no place); an address check's
 * other address where the input holds the address (a port OUT's higher
 * byte's: the OUT cut before it, the other register written after); a
 * width check's access made at the other width. */
static int mut_fresh(const struct mut_ctx *m, const struct fuzz_fresh_check *f)
{
	/* an address check: the address where the code holds it (the
	 * 32-bit immediate fuzz_emit_access loads it with; a port, the
	 * 16-bit one of `mov dx`) */
	if ((f->key & FUZZ_CMP_SITE_ADDR) && !fuzz_cmp_site_mmio(f->key) &&
	    f->var != fuzz_cmp_site_addr(f->key))
		return lane_addr_fresh(m, f);
	if (f->key & FUZZ_CMP_SITE_ADDR)
		return i2s_place(m, fuzz_cmp_site_mmio(f->key) ? 4 : 2, f->var,
				 f->c);
	if (f->key & FUZZ_CMP_SITE_WIDTH)
		return width_fresh(m, f);
	if (below(m->r, 2))
		return pin_fresh(m, f) == 0 || i2s_fresh(m, f) == 0 ? 0 : -1;
	return i2s_fresh(m, f) == 0 || pin_fresh(m, f) == 0 ? 0 : -1;
}

static const struct {
	unsigned int weight; /* how often it is picked */
	void (*fn)(const struct mut_ctx *m);
} mut_ops[] = {

	{ 3, mut_blob_bytes },

	{ 2, mut_insert_snippet },

	{ 1, mut_splice },

	{ 1, mut_move_blob },

	{ 1, mut_add_blob },

	{ 1, mut_drop_blob },

	{ 1, mut_add_slot },

	{ 1, mut_drop_slot },

	{ 1, mut_slot_flags },

	{ 1, mut_fills },

	{ 1, mut_mode },

	{ 1, mut_entry },

	{ 1, mut_gpr },

	{ 2, mut_sregs },

	{ 1, mut_segs },

	{ 1, mut_msrs },

	{ 1, mut_cpuid },

	{ 1, mut_dregs },

	{ 1, mut_events },

	{ 1, mut_exit_records },
	{ 1, mut_fpu },
	{ 1, mut_irqchip },

	{ 1, mut_irqs },

	{ 1, mut_lapic },

	{ 2, mut_actions },

	{ 1, mut_devices },

	{ 1, mut_limits },

	{ 1, mut_vm_shape },

	{ 3, mut_access_seq },

	{ 2, mut_access_edit },

	{ 2, mut_operand },

	{ 4, mut_cmp }, /* only with a comparison table */

	{ 2, mut_pin }, /* only with a comparison table */

	{ 3, mut_unpriv_run }, /* only in unpriv mode */

};

static unsigned int op_weight(size_t i, unsigned int arch)
{
	if (mut_ops[i].fn == mut_access_edit && arch != VMM_ARCH_X86_64)
		return 0;
	if (mut_ops[i].fn == mut_unpriv_run && !unpriv_mode())
		return 0;
	if ((mut_ops[i].fn == mut_cmp || mut_ops[i].fn == mut_pin) &&
	    !fuzz_cmp_noted())
		return 0;
	return mut_ops[i].weight;
}

/* One operator, picked by name (fuzz_mutate_op), instead of the table */
static void (*op_only)(const struct mut_ctx *m);
/* "fresh" by name: only a kept input's check (mutate), no operator */
static int fresh_only;

static void mut_none(const struct mut_ctx *m)
{
	(void)m;
}

static void mut_once(struct rng *r, struct work *w, fuzz_byte_mutator bm)
{
	struct vmm_scenario *s = &w->s;
	struct mut_ctx m;
	unsigned int total = 0, pick;

	m.r = r;
	m.w = w;
	m.bm = bm;
	m.v = &s->vcpus[below(r, s->nvcpus)];
	m.bi = s->nblobs ? (uint32_t)below(r, s->nblobs) : 0;
	if (op_only) {
		op_only(&m);
		return;
	}
	for (size_t i = 0; i < sizeof(mut_ops) / sizeof(mut_ops[0]); i++)
		total += op_weight(i, s->arch);
	pick = (unsigned int)below(r, total);
	for (size_t i = 0; i < sizeof(mut_ops) / sizeof(mut_ops[0]); i++) {
		if (pick < op_weight(i, s->arch)) {
			mut_ops[i].fn(&m);
			return;
		}
		pick -= op_weight(i, s->arch);
	}
}

/* vCPUs start on the input's code. An entry left in zeroed memory (its
 * blob dropped, moved or taken from another input, or an entry picked
 * at random) runs `add [rax], al` (x86) page after page without an exit
 * until the clock stops it: 77% of the runs a 60 s job ended by its
 * timeout without any exit did so. Such an entry is put back on a blob,
 * mostly at its start (an instruction boundary); one in 16 is left where
 * it is, so that starting in empty memory is still tried. */
static int is_sink(const struct vmm_blob_spec *b);

static void anchor_entries(struct rng *r, struct vmm_scenario *s)
{
	for (uint32_t c = 0; c < s->nvcpus; c++) {
		const struct vmm_blob_spec *b;

		if (!s->nblobs ||
		    vmm_scenario_code_end(s, s->vcpus[c].entry, NULL) !=
			    s->vcpus[c].entry ||
		    below(r, 16) == 0)
			continue;
		b = &s->blobs[below(r, s->nblobs)];
		if (is_sink(b) && s->nblobs > 1)
			b = &s->blobs[(b - s->blobs + 1) % s->nblobs];
		s->vcpus[c].entry =
			b->gpa + (below(r, 4) == 0 ? below(r, b->len) : 0);
	}
}

/* x86 code a vCPU starts in ends in HLT. Byte mutations, splices and moved
 * blobs leave code that runs off its end into zeroed memory: in real mode
 * that is `add [bx+si], al` for ever (IP wraps within the segment, no
 * exit, and no two states alike for the spin check), elsewhere page after
 * page until a fault. Such runs were most of the mutants that timed out.
 * Where the bytes that run on from an entry do not end in STOP_LEN HLTs,
 * they are added (to the blob that ends there, or as a blob of its own);
 * one
 * time in 16 the code is left open-ended, so running into memory is still
 * tried. (arm64 has no one-word stop that works without PSCI 0.2.) */
/* HLTs enough that an unfinished last instruction (an immediate, a
 * displacement still to come) takes some as operand bytes and a HLT is
 * still left to run. */
#define STOP_LEN 4U

static int ends_in_stop(const uint8_t *b, uint64_t len)
{
	if (len < STOP_LEN)
		return 0;
	for (uint32_t k = 1; k <= STOP_LEN; k++)
		if (b[len - k] != 0xf4)
			return 0;
	return 1;
}

static void terminate_code(struct rng *r, struct work *w)
{
	struct vmm_scenario *s = &w->s;

	if (s->arch != VMM_ARCH_X86_64)
		return;
	for (uint32_t c = 0; c < s->nvcpus; c++) {
		int bi;
		uint64_t end = vmm_scenario_code_end(s, s->vcpus[c].entry, &bi);
		struct vmm_blob_spec *b;

		if (end == s->vcpus[c].entry || below(r, 16) == 0)
			continue;
		if (bi >= 0) {
			b = &s->blobs[bi];
			if (ends_in_stop(w->blob[bi], b->len) ||
			    b->len + STOP_LEN > BLOB_CAP)
				continue;
			memset(w->blob[bi] + b->len, 0xf4, STOP_LEN);
			b->len += STOP_LEN;
		} else if (s->nblobs < VMM_MAX_BLOBS) {
			b = &s->blobs[s->nblobs];
			memset(w->blob[s->nblobs], 0xf4, STOP_LEN);
			*b = (struct vmm_blob_spec){ end, w->blob[s->nblobs],
						     STOP_LEN };
			s->nblobs++;
		}
	}
}

/* Real-mode exceptions and interrupts land in HLT. A real-mode vCPU whose
 * code faults (or meets INT n, or a debug register's breakpoint) takes the
 * vector through the interrupt vector table at 0; in zeroed memory every
 * entry is 0000:0000, so the handler is the table itself: `add [bx+si],
 * al` over the 64 KiB segment for ever, no exit and no repeated state for
 * the spin check. 123 of the 159 mutants of bench_mutated's run that
 * ended by their timeout were such real-mode runs; with a HLT at 0, 93 of
 * them halted. So, as a guest kernel installs default handlers, a HLT
 * goes at 0 (vectors 1-255) and at 0xf4 (vector 0, whose entry the first
 * HLT turns into 0000:00f4), in one blob, where the input puts nothing
 * else below SINK_LEN and a slot has the page; one time in 16 the table
 * is left zero. */
#define SINK_LEN 0xf5U

/* The blob sink_real_mode_vectors adds: no place to start a vCPU. */
static int is_sink(const struct vmm_blob_spec *b)
{
	return b->gpa == 0 && b->len == SINK_LEN && b->data[0] == 0xf4 &&
	       b->data[SINK_LEN - 1] == 0xf4;
}

static int real16_vcpu(const struct vmm_scenario *s)
{
	for (uint32_t c = 0; c < s->nvcpus; c++)
		if (s->vcpus[c].mode == 0 /* x86 real16 in the format */)
			return 1;
	return 0;
}

static void sink_real_mode_vectors(struct rng *r, struct work *w)
{
	struct vmm_scenario *s = &w->s;
	struct vmm_error e;
	int in_slot = 0;

	if (s->arch != VMM_ARCH_X86_64 || !real16_vcpu(s) ||
	    s->nblobs >= VMM_MAX_BLOBS || below(r, 16) == 0)
		return;
	for (uint32_t i = 0; i < s->nslots; i++)
		in_slot |= s->slots[i].gpa == 0;
	for (uint32_t i = 0; i < s->nblobs; i++)
		if (s->blobs[i].gpa < SINK_LEN)
			return;
	for (uint32_t i = 0; i < s->nfills; i++)
		if (s->fills[i].gpa < SINK_LEN)
			return;
	if (!in_slot)
		return;
	memset(w->blob[s->nblobs], 0, SINK_LEN);
	w->blob[s->nblobs][0] = 0xf4;
	w->blob[s->nblobs][SINK_LEN - 1] = 0xf4;
	s->blobs[s->nblobs] =
		(struct vmm_blob_spec){ 0, w->blob[s->nblobs], SINK_LEN };
	s->nblobs++;
	/* the VMM's own tables may want that page: then no sink */
	if (vmm_scenario_validate(s, &e) < 0)
		s->nblobs--;
}

/* The caps above, on whatever limits the input came with. */
static void clamp_limits(struct vmm_scenario *s)
{
	if (s->max_exits > MUT_MAX_EXITS)
		s->max_exits = MUT_MAX_EXITS;
	if (s->timeout_ms > MUT_TIMEOUT_MS)
		s->timeout_ms = MUT_TIMEOUT_MS;
}

static size_t encode_into(const struct vmm_scenario *s, uint8_t *out,
			  size_t max)
{
	struct vmm_error e;
	size_t n = vmm_scenario_encode(s, out, max, &e);

	return n <= max ? n : 0;
}

size_t fuzz_generate(uint8_t *out, size_t max, unsigned int seed)
{
	struct rng r = { (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1 };
	struct work *w = calloc(1, sizeof(*w));
	size_t n;
	uint64_t len = 0;

	if (!w)
		return 0;
	vmm_scenario_init(&w->s);
	w->s.max_exits = MUT_MAX_EXITS;
	w->s.timeout_ms = MUT_TIMEOUT_MS;
	w->s.flags = VMM_SCN_PERMISSIVE;
	w->s.nslots = 1;
	w->s.slots[0].size = 0x10000ULL << below(&r, 6);
	for (int k = 0; k < 6; k++)
		put_snippet(&r, w->s.arch, w->blob[0], &len);
	if (w->s.arch == VMM_ARCH_ARM64) {
		/* end with PSCI SYSTEM_OFF (the first arm64 snippet after
		 * the console store) */
		memcpy(w->blob[0] + len, arm64_snippets[1].b,
		       arm64_snippets[1].len);
		len += arm64_snippets[1].len;
		w->s.vcpus[0].features = 1U << VMM_ARM64_FEAT_PSCI_0_2;
	} else {
		w->blob[0][len++] = 0xf4; /* hlt */
	}
	w->s.nblobs = 1;
	w->s.blobs[0] = (struct vmm_blob_spec){ 0x1000, w->blob[0], len };
	w->s.nvcpus = 1;
	w->s.vcpus[0].mode = (uint8_t)below(&r, vmm_arch_nmodes(w->s.arch));
	w->s.vcpus[0].entry = 0x1000;
	n = encode_into(&w->s, out, max);
	free(w);
	return n;
}

static size_t mutate(uint8_t *data, size_t size, size_t max, unsigned int seed,
		     fuzz_byte_mutator bm);

size_t fuzz_mutate_op(uint8_t *data, size_t size, size_t max, unsigned int seed,
		      fuzz_byte_mutator bm, const char *op)
{
	size_t n;

	if (strcmp(op, "access_seq") == 0)
		op_only = mut_access_seq;
	else if (strcmp(op, "operand") == 0)
		op_only = mut_operand;
	else if (strcmp(op, "access_edit") == 0)
		op_only = mut_access_edit;
	else if (strcmp(op, "cmp") == 0)
		op_only = mut_cmp;
	else if (strcmp(op, "pin") == 0)
		op_only = mut_pin;
	else if (strcmp(op, "fresh") == 0)
		op_only = mut_none;
	else
		return 0;
	fresh_only = op_only == mut_none;
	n = mutate(data, size, max, seed, bm);
	op_only = NULL;
	fresh_only = 0;
	return n;
}

size_t fuzz_mutate(uint8_t *data, size_t size, size_t max, unsigned int seed,
		   fuzz_byte_mutator bm)
{
	return mutate(data, size, max, seed, bm);
}

static size_t mutate(uint8_t *data, size_t size, size_t max, unsigned int seed,
		     fuzz_byte_mutator bm)
{
	struct rng r = { (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1 };
	struct work *w;
	struct vmm_error e;
	size_t n = 0;
	struct fuzz_fresh_check fc;
	int fresh = 0;

	w = malloc(sizeof(*w));
	if (!w)
		return size;
	if (unpriv_mode() && below(&r, 8) == 0) {
		/* now and then a whole generated comparison */
		uint64_t seed64 = next(&r) | 1;

		if (vmm_diff_gen_scenario(&seed64, &w->s, w->blob[0], BLOB_CAP,
					  1 + (uint32_t)below(&r, 128)) == 0) {
			w->s.timeout_ms = MUT_TIMEOUT_MS;
			w->s.max_exits = MUT_MAX_EXITS;
			n = encode_into(&w->s, data, max);
			if (n) {
				free(w);
				return n;
			}
		}
	}
	/* half the time while one has tries left: an input that showed a
	 * new check, instead of the one given (fuzz/cmp_table.h) */
	if ((!op_only || fresh_only) && fuzz_cmp_fresh_kept() &&
	    (fresh_only || below(&r, 2) == 0)) {
		size_t fn = fuzz_cmp_fresh_take(data, max, FRESH_TRIES, &fc);

		if (fn) {
			size = fn;
			fresh = 1;
		}
	}
	if (vmm_scenario_decode(data, size, &w->s, &e) < 0) {
		free(w);
		/* Not a scenario: sometimes start over from a valid one,
		 * otherwise let the byte mutator have it. */
		if (below(&r, 4) == 0) {
			n = fuzz_generate(data, max, seed);
			if (n)
				return n;
		}
		return bm ? bm(data, size, max) : size;
	}
	own(w);
	for (int t = 0; t < TRIES; t++) {
		struct vmm_scenario saved = w->s;
		unsigned int k = 1 + (unsigned int)below(&r, 3);
		struct mut_ctx fm = {
			.r = &r, .w = w, .v = &w->s.vcpus[0], .bm = bm
		};

		/* a kept input gets its check's constant and nothing else,
		 * once; if its code has no such write, the usual operators */
		if (!(fresh && t == 0 && mut_fresh(&fm, &fc) == 0))
			for (unsigned int i = 0; i < k; i++)
				mut_once(&r, w, bm);
		anchor_entries(&r, &w->s);
		terminate_code(&r, w);
		sink_real_mode_vectors(&r, w);
		clamp_limits(&w->s);
		fuzz_actions_canonical(&w->s);
		if (vmm_scenario_validate(&w->s, &e) == 0) {
			n = encode_into(&w->s, data, max);
			if (n)
				break;
		}
		w->s = saved;
	}
	free(w);
	if (n)
		return n;
	return bm ? bm(data, size, max) : size;
}

/* A run of 1-8 device accesses in a blob, from a random place on: its
 * bytes are [*from, *to). Returns 0 if the blob has none. */
static int find_access_run(struct rng *r, const uint8_t *p, size_t len,
			   size_t *from, size_t *to)
{
	size_t start = len ? (size_t)below(r, len) : 0;

	for (size_t k = 0; k < len; k++) {
		size_t i = (start + k) % len, e = access_end(p, len, i);
		size_t b = i;

		if (!e)
			continue;
		while (b > 0 && i - b < 2 &&
		       (p[b - 1] == 0x66 || p[b - 1] == 0xfc))
			b--;
		for (unsigned int n = 1; n < SEQ_STEPS; n++) {
			size_t next = e, e2;

			while (next < len && next < e + 2 &&
			       (p[next] == 0x66 || p[next] == 0xfc))
				next++;
			e2 = next < len ? access_end(p, len, next) : 0;
			if (!e2)
				break;
			e = e2;
		}
		*from = b;
		*to = e;
		return 1;
	}
	return 0;
}

/* Splice device accesses of another input into this one's code: a run
 * found in one of its blobs goes where vCPU 0 starts (or before the first
 * HLT after that). Inputs that got a device part of the way (a state
 * machine's first steps, a value that passed one check) share it. */
static int splice_accesses(struct rng *r, struct work *w,
			   const struct vmm_scenario *other)
{
	struct vmm_scenario *s = &w->s;
	const struct vmm_blob_spec *ob;
	size_t from, to, n;
	uint64_t at;
	int bi;

	if (!other->nblobs || s->arch != VMM_ARCH_X86_64 ||
	    other->arch != VMM_ARCH_X86_64)
		return 0;
	ob = &other->blobs[below(r, other->nblobs)];
	if (!find_access_run(r, ob->data, (size_t)ob->len, &from, &to))
		return 0;
	n = to - from;
	bi = entry_blob(s, s->vcpus[0].entry);
	if (bi < 0 || s->blobs[bi].len + n > BLOB_CAP)
		return 0;
	at = s->vcpus[0].entry - s->blobs[bi].gpa;
	if (below(r, 2))
		while (at < s->blobs[bi].len && w->blob[bi][at] != 0xf4)
			at++;
	return blob_insert(w, (uint32_t)bi, at, ob->data + from, n) == 0;
}

size_t fuzz_crossover(const uint8_t *a, size_t asz, const uint8_t *b,
		      size_t bsz, uint8_t *out, size_t max, unsigned int seed)
{
	struct rng r = { (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1 };
	struct work *w = malloc(sizeof(*w));
	struct vmm_scenario other;
	struct vmm_error e;
	size_t n = 0;

	if (!w)
		return 0;
	if (vmm_scenario_decode(a, asz, &w->s, &e) < 0 ||
	    vmm_scenario_decode(b, bsz, &other, &e) < 0) {
		free(w);
		return 0;
	}
	own(w);
	switch (below(&r, 4)) {
	case 3: /* its device accesses into our code */
		if (splice_accesses(&r, w, &other))
			break;
		/* none: a blob, as below */
		/* fall through */
	case 0: /* take a blob from the other, placed in one of our slots */
		if (other.nblobs && w->s.nblobs < VMM_MAX_BLOBS) {
			const struct vmm_blob_spec *ob =
				&other.blobs[below(&r, other.nblobs)];
			uint32_t i = w->s.nblobs++;
			uint64_t len = ob->len > BLOB_CAP ? BLOB_CAP : ob->len;

			memcpy(w->blob[i], ob->data, (size_t)len);
			w->s.blobs[i].data = w->blob[i];
			w->s.blobs[i].len = len;
			w->s.blobs[i].gpa = rand_gpa_in(
				&r, &w->s.slots[below(&r, w->s.nslots)], len);
		}
		break;
	case 1: /* take the other's vCPU 0 state */
		w->s.vcpus[0] = other.vcpus[0];
		break;
	default: /* take the other's input stream and device mode */
		w->s.flags = other.flags;
		if (other.has_input) {
			uint32_t len = other.input_len > INPUT_CAP
					       ? INPUT_CAP
					       : other.input_len;

			memcpy(w->input, other.input, len);
			w->s.has_input = 1;
			w->s.input = w->input;
			w->s.input_len = len;
		}
		break;
	}
	anchor_entries(&r, &w->s);
	terminate_code(&r, w);
	sink_real_mode_vectors(&r, w);
	clamp_limits(&w->s);
	fuzz_actions_canonical(&w->s);
	if (vmm_scenario_validate(&w->s, &e) == 0)
		n = encode_into(&w->s, out, max);
	free(w);
	return n;
}
