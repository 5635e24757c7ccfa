/* A scenario: everything one VM run needs, as plain data.
 *
 * Built by `vmm run` from its options, or decoded from the versioned binary
 * format (docs/scenario-format.md) by vmm_scenario_decode(). Blob and input
 * bytes are not copied: they point into the buffer the scenario was decoded
 * from (or the caller's storage), which must outlive the scenario.
 */
#ifndef VMM_SCENARIO_H
#define VMM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/err.h"
#include "vmm/limits.h"
#include "vmm/arch.h"

#define VMM_SCENARIO_MAGIC "KVMS"
#define VMM_SCENARIO_VERSION 1
#define VMM_SCENARIO_HEADER_LEN 8

/* Scenario flags (header). */
#define VMM_SCN_PERMISSIVE \
	0x1U /* unowned port/MMIO writes are accepted and
				 * unowned reads served from the input stream,
				 * instead of failing the guest */
#define VMM_SCN_KNOWN_FLAGS VMM_SCN_PERMISSIVE

/* sregs fields a scenario can override (SREG records), in record order. */
enum vmm_sreg_field {
	VMM_SREG_CR0 = 0,
	VMM_SREG_CR2,
	VMM_SREG_CR3,
	VMM_SREG_CR4,
	VMM_SREG_CR8,
	VMM_SREG_EFER,
	VMM_SREG_APIC_BASE,
	VMM_SREG_GDT_BASE,
	VMM_SREG_GDT_LIMIT,
	VMM_SREG_IDT_BASE,
	VMM_SREG_IDT_LIMIT,
	VMM_SREG_COUNT
};

/* Segment registers (SEG records), in record order. */
enum vmm_seg_id {
	VMM_SEG_CS = 0,
	VMM_SEG_DS,
	VMM_SEG_ES,
	VMM_SEG_FS,
	VMM_SEG_GS,
	VMM_SEG_SS,
	VMM_SEG_TR,
	VMM_SEG_LDT,
	VMM_SEG_COUNT
};

/* Packed segment attributes (SEG record "attrs"). */
#define VMM_SEGA_TYPE_MASK 0x000FU
#define VMM_SEGA_S 0x0010U
#define VMM_SEGA_DPL_SHIFT 5
#define VMM_SEGA_DPL_MASK 0x0060U
#define VMM_SEGA_P 0x0080U
#define VMM_SEGA_AVL 0x0100U
#define VMM_SEGA_L 0x0200U
#define VMM_SEGA_DB 0x0400U
#define VMM_SEGA_G 0x0800U
#define VMM_SEGA_UNUSABLE 0x1000U
#define VMM_SEGA_KNOWN 0x1FFFU

struct vmm_seg_spec {
	uint16_t selector;
	uint16_t attrs;
	uint32_t limit;
	uint64_t base;
};

struct vmm_slot_spec {
	uint32_t id;
	uint64_t gpa;
	uint64_t size;
	uint32_t flags; /* VMM_SLOT_* */
};

struct vmm_blob_spec {
	uint64_t gpa;
	const uint8_t *data;
	uint64_t len;
};

struct vmm_fill_spec {
	uint64_t gpa;
	uint32_t len;
	uint8_t pattern_len; /* 1..VMM_MAX_FILL_PATTERN */
	uint8_t pattern[VMM_MAX_FILL_PATTERN];
};

/* x86: one MSR write (MSR record), applied with KVM_SET_MSRS after the
 * registers and sregs. A vCPU's list is in strictly increasing index order
 * (the canonical form). */
struct vmm_msr_spec {
	uint64_t value;
	uint32_t index;
	uint32_t pad; /* always 0 */
};

/* x86: one CPUID register override (CPUID record). The vCPU's CPUID is
 * KVM_GET_SUPPORTED_CPUID with these overrides, set with KVM_SET_CPUID2
 * before the sregs; a (function, index) KVM does not list is added. A
 * vCPU's list is in strictly increasing (function, index, reg) order. */
enum vmm_cpuid_reg {
	VMM_CPUID_EAX = 0,
	VMM_CPUID_EBX,
	VMM_CPUID_ECX,
	VMM_CPUID_EDX,
	VMM_CPUID_NREGS
};

struct vmm_cpuid_spec {
	uint32_t function;
	uint32_t index;
	uint32_t value;
	uint8_t reg;	/* enum vmm_cpuid_reg */
	uint8_t pad[3]; /* always 0 */
};

/* arm64: one KVM_SET_ONE_REG write (one_reg record), after the vCPU's
 * preset (KVM_ARM_VCPU_INIT) and its reg records. `id` must be one
 * KVM_GET_REG_LIST lists for the vCPU, of 8 to 128 bits; `value` holds the
 * register's low 64 bits (above its size: 0), `hi` bits 64..127 of a
 * 128-bit register (else 0). A vCPU's list is in strictly increasing id
 * order (the canonical form). */
struct vmm_one_reg_spec {
	uint64_t id;
	uint64_t value;
	uint64_t hi;
};

/* arm64 irq_line record: KVM_IRQ_LINE before the first run, with the
 * in-kernel vGIC (vgic record). */
enum vmm_irq_line_type {
	VMM_IRQ_SPI = 0, /* irq 32..1019; vcpu 0 */
	VMM_IRQ_PPI,	 /* irq 16..31 of vCPU `vcpu` */
	VMM_IRQ_NTYPES
};

struct vmm_irq_line_spec {
	uint16_t irq;  /* INTID */
	uint8_t type;  /* enum vmm_irq_line_type */
	uint8_t vcpu;  /* PPI: the vCPU index; SPI: 0 */
	uint8_t level; /* 0 or 1 */
	uint8_t pad[3];
};

/* x86 irqchip record: interrupt controllers made before the vCPUs. */
enum vmm_irqchip_mode {
	VMM_IRQCHIP_NONE = 0,	/* no record: no in-kernel irqchip */
	VMM_IRQCHIP_KERNEL = 1, /* KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2 */
	VMM_IRQCHIP_SPLIT = 2,	/* KVM_CAP_SPLIT_IRQCHIP: LAPIC in KVM */
};
#define VMM_IRQCHIP_MODES 3
#define VMM_PIT_KNOWN_FLAGS 0x1U /* KVM_PIT_SPEAKER_DUMMY */

/* x86 irq record: one interrupt sent before the first run, in order. */
enum vmm_irq_type {
	VMM_IRQ_LINE = 0, /* KVM_IRQ_LINE gsi, level */
	VMM_IRQ_MSI = 1,  /* KVM_SIGNAL_MSI address, data */
	VMM_IRQ_TYPES
};

struct vmm_irq_spec {
	uint64_t address; /* MSI */
	uint32_t gsi;	  /* line */
	uint32_t data;	  /* MSI */
	uint8_t type;	  /* enum vmm_irq_type */
	uint8_t level;	  /* line: 0 or 1 */
	uint8_t pad[6];	  /* always 0 */
};

/* x86 lapic record: one 32-bit field of the LAPIC register page, set
 * through KVM_GET_LAPIC / KVM_SET_LAPIC. A vCPU's list is in strictly
 * increasing offset order. */
struct vmm_lapic_spec {
	uint32_t value;
	uint16_t offset; /* 16-byte aligned, < VMM_LAPIC_PAGE */
	uint16_t pad;	 /* always 0 */
};

/* x86 action record (VM-wide list): one change made while the guest runs,
 * right after an exit of vCPU `vcpu` has been serviced and before its next
 * KVM_RUN (docs/scenario-format.md, "action"). The list is in strictly
 * increasing (vcpu, trigger, when, kind, target, idx, a, b) order, which is
 * also the order actions due at the same exit fire in. Fields a kind does
 * not use are 0. */
enum vmm_action_kind {
	VMM_AK_SLOT_ADD = 0, /* slot idx at gpa a, size b (flags none) */
	VMM_AK_SLOT_DELETE,  /* slot idx */
	VMM_AK_SLOT_MOVE,    /* slot idx to gpa a */
	VMM_AK_SLOT_RESIZE,  /* slot idx to size b (deleted, re-added) */
	VMM_AK_SLOT_FLAGS,   /* slot idx flags a (VMM_SLOT_*) */
	VMM_AK_DIRTY_GET,    /* KVM_GET_DIRTY_LOG of slot idx */
	VMM_AK_DIRTY_CLEAR,  /* KVM_CLEAR_DIRTY_LOG slot idx, pages [a, a+b) */
	VMM_AK_IRQ_LINE,     /* KVM_IRQ_LINE gsi idx, level a */
	VMM_AK_MSI,	     /* KVM_SIGNAL_MSI address a, data b */
	VMM_AK_NMI,	     /* KVM_NMI to vCPU target */
	VMM_AK_SMI,	     /* KVM_SMI to vCPU target */
	VMM_AK_INTERRUPT,    /* KVM_INTERRUPT vector idx to vCPU target */
	VMM_AK_REG,	     /* register idx of vCPU target = a */
	VMM_AK_SREG,	     /* sregs field idx (enum vmm_sreg_id) = a */
	VMM_AK_EVENTS,	     /* KVM_SET_VCPU_EVENTS parts idx (VMM_EV_*) */
	VMM_AK_DEBUGREG,     /* DR idx (0-3, 4: DR6, 5: DR7) = a */
	VMM_AK_GUEST_DEBUG,  /* KVM_SET_GUEST_DEBUG control a, DR idx = b */
	VMM_AK_LAPIC,	     /* LAPIC page offset idx = (u32) a */
	VMM_AK_IMMEDIATE_EXIT, /* KVM_RUN with immediate_exit on target */
	VMM_AK_COUNT
};
enum vmm_action_trigger {
	VMM_AT_EXIT = 0,   /* at vCPU vcpu's when-th exit (1-based) */
	VMM_AT_REASON = 1, /* at its first exit of reason `when` */
	VMM_AT_COUNT
};
/* VMM_AK_EVENTS parts: a pending NMI, an injected exception (vector
 * a & 0xff, error code b with VMM_EV_ERRCODE), an injected interrupt
 * (vector (a >> 8) & 0xff), NMIs masked */
#define VMM_AK_EV_KNOWN                                                  \
	(VMM_EV_EXC | VMM_EV_ERRCODE | VMM_EV_NMI_PENDING | VMM_EV_IRQ | \
	 VMM_EV_NMI_MASKED)

struct vmm_action_spec {
	uint64_t a;
	uint64_t b;
	uint32_t when;	 /* exit number, or exit reason */
	uint32_t idx;	 /* slot id, register, gsi, vector, offset... */
	uint8_t kind;	 /* enum vmm_action_kind */
	uint8_t vcpu;	 /* the vCPU whose exit fires it */
	uint8_t target;	 /* the vCPU a vCPU action changes */
	uint8_t trigger; /* enum vmm_action_trigger */
	uint8_t pad[4];	 /* always 0 */
};

/* events record flags: which parts of KVM_SET_VCPU_EVENTS the record
 * sets (docs/scenario-format.md). */
#define VMM_EV_EXC 0x0001U	    /* an exception, vector ev_vector */
#define VMM_EV_EXC_PENDING 0x0002U  /* ...pending, not injected (payload) */
#define VMM_EV_ERRCODE 0x0004U	    /* ...with error code ev_error */
#define VMM_EV_NMI_PENDING 0x0008U  /* an NMI pending */
#define VMM_EV_NMI_INJECTED 0x0010U /* an NMI injected */
#define VMM_EV_NMI_MASKED 0x0020U   /* NMIs blocked */
#define VMM_EV_IRQ 0x0040U	    /* an interrupt injected, vector ev_irq */
#define VMM_EV_SMI_PENDING 0x0080U  /* an SMI pending */
#define VMM_EV_SMM 0x0100U	    /* the vCPU in SMM */
#define VMM_EV_TRIPLE_FAULT 0x0200U /* a triple fault pending */
#define VMM_EV_KNOWN 0x03FFU

/* x86 msr_exits record (VM-wide list): one MSR filter range of
 * KVM_X86_SET_MSR_FILTER, and how the VMM answers the exits it gives. */
#define VMM_MX_READ 0x01U  /* the range filters reads (KVM_MSR_FILTER_READ) */
#define VMM_MX_WRITE 0x02U /* ...writes (KVM_MSR_FILTER_WRITE) */
#define VMM_MX_ALLOW 0x04U /* bitmap all ones (allowed); else all denied */
#define VMM_MX_FAIL_READ 0x08U	/* RDMSR exits of these MSRs: #GP (error=1) */
#define VMM_MX_FAIL_WRITE 0x10U /* WRMSR exits of these MSRs: #GP */
#define VMM_MX_KNOWN 0x1FU
/* KVM_CAP_X86_USER_SPACE_MSR reasons (KVM_MSR_EXIT_REASON_*) */
#define VMM_MX_REASON_INVAL 0x1U
#define VMM_MX_REASON_UNKNOWN 0x2U
#define VMM_MX_REASON_FILTER 0x4U
#define VMM_MX_REASONS 0x7U

struct vmm_msr_exit_spec {
	uint32_t base;
	uint32_t nmsrs;	 /* 0: no range, the capability only */
	uint8_t reasons; /* VMM_MX_REASON_*, the same in every record */
	uint8_t flags;	 /* VMM_MX_* */
	uint8_t pad[2];	 /* always 0 */
};

/* x86 guest_debug record: KVM_GUESTDBG_* control bits the decoder knows
 * (enable, single-step, software and hardware breakpoints, inject #DB or
 * #BP, block IRQs while stepping). */
#define VMM_GDBG_ENABLE 0x00000001U
#define VMM_GDBG_SINGLESTEP 0x00000002U
#define VMM_GDBG_USE_SW_BP 0x00010000U
#define VMM_GDBG_USE_HW_BP 0x00020000U
#define VMM_GDBG_INJECT_DB 0x00040000U
#define VMM_GDBG_INJECT_BP 0x00080000U
#define VMM_GDBG_BLOCKIRQ 0x00100000U
#define VMM_GDBG_KNOWN 0x001F0003U
/* fpu record register indices: x87 st0-7, then xmm0-15 */
#define VMM_FPU_ST0 0U
#define VMM_FPU_XMM0 8U
#define VMM_FPU_NREGS 24U
#define VMM_YMM_NREGS 16U

/* Fields ordered by size (no padding holes). */
struct vmm_vcpu_spec {
	uint64_t entry;	   /* guest-physical address of the first instruction */
	uint64_t reg_mask; /* bit i set: regs[i] overrides register i */
	uint64_t regs[VMM_MAX_REGS]; /* indices: vmm_arch_reg_name() */
	/* x86 only: sregs and segments */
	uint64_t sregs[VMM_SREG_COUNT];
	struct vmm_seg_spec segs[VMM_SEG_COUNT];
	struct vmm_msr_spec msrs[VMM_MAX_SCN_MSRS]; /* ascending index */
	uint32_t nmsrs;
	struct vmm_cpuid_spec cpuid[VMM_MAX_SCN_CPUID]; /* ascending */
	uint32_t ncpuid;
	struct vmm_lapic_spec lapic[VMM_MAX_SCN_LAPIC]; /* ascending offset */
	uint32_t nlapic;
	/* x86 debugregs record: DR0-3, DR6, DR7 through KVM_SET_DEBUGREGS
	 * (when has_dregs) */
	uint64_t dr[4], dr6, dr7;
	uint32_t has_dregs;
	/* x86 events record: exception, NMI, interrupt, SMI and triple-fault
	 * state through KVM_SET_VCPU_EVENTS (when has_events); what is
	 * present is in ev_flags (VMM_EV_*) */
	uint32_t has_events;
	uint32_t ev_error; /* exception error code (VMM_EV_ERRCODE) */
	uint16_t ev_flags; /* VMM_EV_* */
	uint8_t ev_vector; /* exception vector (VMM_EV_EXC) */
	uint8_t ev_irq;	   /* interrupt vector (VMM_EV_IRQ) */
	/* x86 guest_debug record: KVM_SET_GUEST_DEBUG before the first run
	 * (when has_gdbg): control (VMM_GDBG_*), debugreg[0..3] and [7] */
	uint64_t gdbg_dr[4], gdbg_dr7;
	uint32_t has_gdbg;
	uint32_t gdbg_control;
	/* x86 xcr record: XCR0 through KVM_SET_XCRS (when has_xcr) */
	uint64_t xcr0;
	/* x86 fpu record: KVM_SET_FPU's fields (when has_fpu); fpu_regs holds
	 * fpu_regs_len bytes of (index, 16-byte value) entries, indices
	 * ascending: VMM_FPU_ST0.. (x87 st0-7), VMM_FPU_XMM0.. (xmm0-15) */
	uint64_t fpu_last_ip, fpu_last_dp;
	/* x86 xsave record: KVM_GET_XSAVE, these parts replaced, then
	 * KVM_SET_XSAVE (when has_xsave): the header's XSTATE_BV, XCOMP_BV
	 * and first reserved word, MXCSR, and xs_ymmh_len bytes of (index,
	 * 16-byte value) entries for the upper halves of ymm0-15 */
	uint64_t xs_bv, xs_comp, xs_rsvd;
	uint32_t has_xcr;
	uint32_t has_fpu;
	uint32_t fpu_mxcsr;
	uint32_t fpu_regs_len;
	uint32_t has_xsave;
	uint32_t xs_mxcsr;
	uint32_t xs_ymmh_len;
	uint16_t fpu_fcw, fpu_fsw, fpu_fop;
	uint8_t fpu_ftwx;
	uint8_t fpu_regs[VMM_MAX_SCN_FPU_REGS * VMM_SCN_VEC_ENTRY];
	uint8_t xs_ymmh[VMM_MAX_SCN_YMM * VMM_SCN_VEC_ENTRY];
	uint32_t sreg_mask; /* bit f: sregs[f] overrides field f */
	uint32_t seg_mask;  /* bit g: segs[g] replaces segment g */
	/* arm64 one_reg records, ascending id */
	struct vmm_one_reg_spec one_regs[VMM_MAX_SCN_ONE_REGS];
	uint32_t n_one_regs;
	/* arm64: KVM_ARM_VCPU_* bits (VMM_ARM64_FEAT_SETTABLE) */
	uint32_t features;
	uint8_t mode; /* x86: enum vmm_x86_mode; arm64: enum vmm_arm64_mode */
};

/* Fields ordered by size (no padding holes). */
struct vmm_scenario {
	uint64_t max_exits; /* 0: VMM_MAX_EXITS_LIMIT */
	uint64_t mmio_console_gpa;
	uint64_t sys_gpa;
	const uint8_t *input; /* values for port-in / MMIO-read exits */
	struct vmm_slot_spec slots[VMM_MAX_SLOTS];
	struct vmm_fill_spec fills[VMM_MAX_FILLS];
	struct vmm_blob_spec blobs[VMM_MAX_BLOBS];
	struct vmm_vcpu_spec vcpus[VMM_MAX_VCPUS];
	/* x86 msr_exits records: KVM_CAP_X86_USER_SPACE_MSR and an MSR
	 * filter (when nmsr_exits > 0) */
	struct vmm_msr_exit_spec msr_exits[VMM_MAX_MSR_EXIT_RANGES];
	/* x86 hypercall record: KVM_CAP_EXIT_HYPERCALL with this mask of
	 * hypercall numbers (when has_hypercall) */
	uint64_t hypercall_mask;
	uint32_t nmsr_exits;
	int has_hypercall;
	/* arm64 vgic record: a vGICv3 (KVM_CREATE_DEVICE) with its
	 * distributor (64 KiB) and redistributors (128 KiB per vCPU) at
	 * these addresses and vgic_nr_irqs interrupts, when has_vgic */
	uint64_t vgic_dist;
	uint64_t vgic_redist;
	/* arm64 irq_line records, ascending (type, vcpu, irq) */
	struct vmm_irq_line_spec irq_lines[VMM_MAX_IRQ_LINES];
	uint32_t n_irq_lines;
	uint32_t vgic_nr_irqs;
	struct vmm_irq_spec irqs[VMM_MAX_SCN_IRQS]; /* x86, in order */
	uint32_t nirqs;
	/* x86 action records, canonical order (vmm_action_before) */
	struct vmm_action_spec actions[VMM_MAX_SCN_ACTIONS];
	uint32_t nactions;
	uint32_t timeout_ms; /* 0: no wall-clock limit */
	uint32_t nslots;
	uint32_t nfills;
	uint32_t nblobs;
	uint32_t input_len;
	uint32_t nvcpus;
	int mmio_console;
	int sys_fixed; /* place the VMM's tables at sys_gpa, else auto */
	int has_input;
	int has_vgic;
	int has_irqchip;	 /* x86 irqchip record */
	uint16_t irqchip_routes; /* split: IOAPIC routes */
	uint8_t irqchip_mode;	 /* enum vmm_irqchip_mode */
	uint8_t pit_flags;	 /* in-kernel: KVM_PIT_* */
	uint16_t flags;		 /* VMM_SCN_* */
	uint8_t arch;		 /* enum vmm_arch */
};

/* Defaults: this host's arch, no slots/blobs/vCPUs, console off. */
void vmm_scenario_init(struct vmm_scenario *s);

/* Semantic checks without KVM (bounds, overlaps, blobs inside slots, arch).
 * The first pipeline stage; also the decoder's last step. */
int vmm_scenario_validate(const struct vmm_scenario *s, struct vmm_error *e);

/* An fpu or xsave register list (len bytes of (index u8, 16-byte value)
 * entries, indices below n, at most cap entries): NULL when canonical,
 * else what is wrong. */
const char *vmm_scenario_vec_check(const uint8_t *p, uint32_t len,
				   unsigned int n, unsigned int cap);

/* [a, a+alen) and [b, b+blen) intersect. */
int vmm_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* Record a scenario rejection (VMM_ERR_INPUT, call "scenario"); returns -1. */
int vmm_scenario_reject(struct vmm_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The end of the bytes the input loads (blobs and fills, touching or
 * overlapping) that run on from gpa without a gap: gpa itself when none
 * holds it. *blob (if not NULL): the blob that ends there, -1 for a fill
 * or none. (The mutator keeps vCPUs on such code and ends it in HLTs.) */
uint64_t vmm_scenario_code_end(const struct vmm_scenario *s, uint64_t gpa,
			       int *blob);
/* x86 cpuid records: a before b in (function, index, reg) order, the
 * canonical order of a vCPU's records. */
int vmm_cpuid_before(const struct vmm_cpuid_spec *a,
		     const struct vmm_cpuid_spec *b);

/* The slot that holds all of [gpa, gpa+len), or NULL. */
const struct vmm_slot_spec *vmm_scenario_slot_holding(
	const struct vmm_scenario *s, uint64_t gpa, uint64_t len);

/* Decode `len` bytes. Any byte string is safe: the result is a scenario, or
 * VMM_ERR_INPUT naming the offset, the field and the bound. Only canonical
 * encodings are accepted, so vmm_scenario_encode() of the result reproduces
 * the input exactly. No allocation. */
int vmm_scenario_decode(const uint8_t *buf, size_t len, struct vmm_scenario *s,
			struct vmm_error *e);

/* Canonical encoding. Returns the encoded size (which may exceed `cap`, in
 * which case nothing beyond `cap` is written: call again with a larger
 * buffer), or 0 with VMM_ERR_INPUT if `s` cannot be encoded. */
size_t vmm_scenario_encode(const struct vmm_scenario *s, uint8_t *out,
			   size_t cap, struct vmm_error *e);

/* Field-by-field equality (blob/input contents compared, not pointers).
 * On difference, writes the first differing field's name to `what`. */
int vmm_scenario_equal(const struct vmm_scenario *a,
		       const struct vmm_scenario *b, char *what, size_t len);

/* Text form: one record per line (docs/scenario-format.md).
 * vmm_scenario_format_text() returns the length written (may exceed cap as
 * with encode). vmm_scenario_parse_text() stores blob/input bytes in
 * `arena` (cap bytes); errors name the line. */
size_t vmm_scenario_format_text(const struct vmm_scenario *s, char *out,
				size_t cap);
int vmm_scenario_parse_text(const char *text, size_t len, uint8_t *arena,
			    size_t arena_cap, struct vmm_scenario *s,
			    struct vmm_error *e);

const char *vmm_sreg_name(unsigned int f);
const char *vmm_cpuid_reg_name(unsigned int r); /* "eax".."edx", or NULL */
const char *vmm_seg_name(unsigned int g);

/* arm64 one_reg: why the record cannot be (id not an arm64 register of 8
 * to 128 bits, value wider than the register, hi set below 128 bits), in
 * `why`; 0 when it can. No KVM: list membership is checked at set-up. */
int vmm_one_reg_check(const struct vmm_one_reg_spec *r, char *why, size_t len);
/* arm64 irq_line: a before b in (type, vcpu, irq) order. */
int vmm_irq_line_before(const struct vmm_irq_line_spec *a,
			const struct vmm_irq_line_spec *b);
/* x86 action records: a before b in the canonical order; the name of a
 * kind ("slot_add"...) or NULL; why a record cannot be (fields a kind
 * does not use, bounds), in `why`, 0 when it can. No KVM. */
int vmm_action_before(const struct vmm_action_spec *a,
		      const struct vmm_action_spec *b);
const char *vmm_action_kind_name(unsigned int kind);
int vmm_action_check(const struct vmm_action_spec *a, char *why, size_t len);

/* arm64 vgic record: the redistributor region's size for n vCPUs. */
uint64_t vmm_vgic_redist_size(uint32_t nvcpus);
#define VMM_VGIC_DIST_SIZE 0x10000ULL
#define VMM_VGIC_REDIST_STRIDE 0x20000ULL
#define VMM_VGIC_ALIGN 0x10000ULL

#endif
