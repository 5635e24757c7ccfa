#include "vmm/x86/mode.h"

#include "vmm/arch.h"

#include <string.h>

#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"

const char *vmm_x86_mode_name(enum vmm_x86_mode m)
{
	const char *n = vmm_arch_mode_name(VMM_ARCH_X86_64, (unsigned int)m);

	return n ? n : "?";
}

int vmm_x86_mode_parse(const char *s, enum vmm_x86_mode *out)
{
	int m = vmm_arch_mode_parse(VMM_ARCH_X86_64, s);

	if (m < 0)
		return -1;
	*out = (enum vmm_x86_mode)m;
	return 0;
}

uint64_t vmm_x86_sysarea_size(enum vmm_x86_mode m)
{
	switch (m) {
	case VMM_MODE_REAL16:
		return 0;
	case VMM_MODE_PROT32:
		return VMM_X86_PAGE_SIZE; /* GDT */
	case VMM_MODE_PAGED32:
		return (VMM_X86_SYS_PAGED32_PAGE + VMM_X86_PAGED32_PT_PAGES) *
		       VMM_X86_PAGE_SIZE;
	case VMM_MODE_LONG64:
		return (1 + VMM_X86_LONG64_PT_PAGES) * VMM_X86_PAGE_SIZE;
	case VMM_MODE_COUNT:
		break;
	}
	return 0;
}

uint64_t vmm_x86_seg_to_desc(const struct kvm_segment *s)
{
	/* KVM holds the limit in bytes; with G set the descriptor holds it in
	 * 4 KiB units. */
	uint64_t lim = s->g ? ((uint64_t)s->limit >> 12) : s->limit;
	uint64_t base = s->base;
	uint64_t d = 0;

	d |= (lim & 0xFFFFULL) << VMM_DESC_LIMIT_LO_SHIFT;
	d |= (base & 0xFFFFFFULL) << VMM_DESC_BASE_LO_SHIFT;
	d |= ((uint64_t)s->type & 0xF) << VMM_DESC_TYPE_SHIFT;
	d |= ((uint64_t)s->s & 1) << VMM_DESC_S_SHIFT;
	d |= ((uint64_t)s->dpl & 3) << VMM_DESC_DPL_SHIFT;
	d |= ((uint64_t)s->present & 1) << VMM_DESC_P_SHIFT;
	d |= ((lim >> 16) & 0xFULL) << VMM_DESC_LIMIT_HI_SHIFT;
	d |= ((uint64_t)s->avl & 1) << VMM_DESC_AVL_SHIFT;
	d |= ((uint64_t)s->l & 1) << VMM_DESC_L_SHIFT;
	d |= ((uint64_t)s->db & 1) << VMM_DESC_DB_SHIFT;
	d |= ((uint64_t)s->g & 1) << VMM_DESC_G_SHIFT;
	d |= ((base >> 24) & 0xFFULL) << VMM_DESC_BASE_HI_SHIFT;
	return d;
}

static void flat(struct kvm_segment *s, uint16_t sel, uint8_t type, uint8_t db,
		 uint8_t l)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xFFFFFFFFU;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = db;
	s->s = 1;
	s->l = l;
	s->g = 1;
}

void vmm_x86_flat_code32(struct kvm_segment *s)
{
	flat(s, VMM_X86_SEL_CODE32, VMM_SEG_TYPE_CODE_XR_A, 1, 0);
}

void vmm_x86_flat_code64(struct kvm_segment *s)
{
	flat(s, VMM_X86_SEL_CODE64, VMM_SEG_TYPE_CODE_XR_A, 0, 1);
}

void vmm_x86_flat_data(struct kvm_segment *s)
{
	flat(s, VMM_X86_SEL_DATA, VMM_SEG_TYPE_DATA_RW_A, 1, 0);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void write_gdt(uint8_t *gdt)
{
	struct kvm_segment s;

	memset(gdt, 0, (size_t)VMM_X86_GDT_ENTRIES * 8);
	vmm_x86_flat_code32(&s);
	put64(gdt + VMM_X86_SEL_CODE32, vmm_x86_seg_to_desc(&s));
	vmm_x86_flat_data(&s);
	put64(gdt + VMM_X86_SEL_DATA, vmm_x86_seg_to_desc(&s));
	vmm_x86_flat_code64(&s);
	put64(gdt + VMM_X86_SEL_CODE64, vmm_x86_seg_to_desc(&s));
}

static void real_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xFFFF;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

static int setup_real16(struct kvm_sregs *sr, uint64_t entry, uint64_t *ip,
			struct vmm_error *e)
{
	uint16_t cs_sel;

	if (entry <= 0xFFFF) {
		cs_sel = 0;
		*ip = entry;
	} else if (entry < 0x100000) {
		cs_sel = (uint16_t)(entry >> 4);
		*ip = entry & 0xF;
	} else {
		vmm_err_set(e, VMM_ERR_INPUT, "real16", 0,
			    "real16 entry 0x%llx is not below 1 MiB",
			    (unsigned long long)entry);
		return -1;
	}
	real_seg(&sr->cs, cs_sel, VMM_SEG_TYPE_CODE_XR_A);
	real_seg(&sr->ds, 0, VMM_SEG_TYPE_DATA_RW_A);
	real_seg(&sr->es, 0, VMM_SEG_TYPE_DATA_RW_A);
	real_seg(&sr->fs, 0, VMM_SEG_TYPE_DATA_RW_A);
	real_seg(&sr->gs, 0, VMM_SEG_TYPE_DATA_RW_A);
	real_seg(&sr->ss, 0, VMM_SEG_TYPE_DATA_RW_A);
	sr->cr0 &= ~(uint64_t)(X86_CR0_PE | X86_CR0_PG);
	sr->cr4 &= ~(uint64_t)(X86_CR4_PAE | X86_CR4_PSE);
	sr->efer &= ~(VMM_EFER_LME | VMM_EFER_LMA);
	return 0;
}

static void load_flat(struct kvm_sregs *sr, uint64_t area_gpa, int long_mode)
{
	struct kvm_segment data;

	if (long_mode)
		vmm_x86_flat_code64(&sr->cs);
	else
		vmm_x86_flat_code32(&sr->cs);
	vmm_x86_flat_data(&data);
	sr->ds = data;
	sr->es = data;
	sr->fs = data;
	sr->gs = data;
	sr->ss = data;
	sr->gdt.base = area_gpa + VMM_X86_SYS_GDT_PAGE * VMM_X86_PAGE_SIZE;
	sr->gdt.limit = VMM_X86_GDT_ENTRIES * 8 - 1;
	/* No IDT: any exception escalates to a triple fault, which KVM reports
	 * as KVM_EXIT_SHUTDOWN: a clear guest failure. */
	sr->idt.base = 0;
	sr->idt.limit = 0;
}

static void write_paged32(uint8_t *pd)
{
	for (uint64_t i = 0; i < VMM_PT_ENTRIES_32; i++) {
		uint64_t pde = (i << VMM_PDE32_4M_SHIFT) | VMM_PTE_P |
			       VMM_PTE_RW | VMM_PTE_US | VMM_PTE_PS;

		put32(pd + 4 * i, (uint32_t)pde);
	}
}

static void write_long64(uint8_t *pt, uint64_t pt_gpa)
{
	uint8_t *pml4 = pt;
	uint8_t *pdpt = pt + VMM_X86_PAGE_SIZE;
	uint64_t pdpt_gpa = pt_gpa + VMM_X86_PAGE_SIZE;
	const uint64_t flags = VMM_PTE_P | VMM_PTE_RW | VMM_PTE_US;

	memset(pt, 0, VMM_X86_LONG64_PT_PAGES * VMM_X86_PAGE_SIZE);
	put64(pml4, pdpt_gpa | flags);
	for (uint64_t d = 0; d < VMM_X86_LONG64_PD_COUNT; d++) {
		uint8_t *pd = pt + (2 + d) * VMM_X86_PAGE_SIZE;
		uint64_t pd_gpa = pt_gpa + (2 + d) * VMM_X86_PAGE_SIZE;

		put64(pdpt + 8 * d, pd_gpa | flags);
		for (uint64_t i = 0; i < VMM_PT_ENTRIES_64; i++) {
			uint64_t pa = ((d * VMM_PT_ENTRIES_64 + i)
				       << VMM_PDE64_2M_SHIFT);

			put64(pd + 8 * i, pa | flags | VMM_PTE_PS);
		}
	}
}

int vmm_x86_setup_mode(enum vmm_x86_mode m, struct kvm_sregs *sr, uint8_t *area,
		       uint64_t area_gpa, size_t area_len, uint64_t entry,
		       uint64_t *ip, struct vmm_error *e)
{
	uint64_t need = vmm_x86_sysarea_size(m);
	const uint64_t pg = VMM_X86_PAGE_SIZE;

	if ((unsigned int)m >= VMM_MODE_COUNT) {
		vmm_err_set(e, VMM_ERR_INPUT, "mode", 0, "unknown mode %d",
			    (int)m);
		return -1;
	}
	if (m == VMM_MODE_REAL16)
		return setup_real16(sr, entry, ip, e);

	if (!area || area_len < need || (area_gpa & (VMM_X86_PAGE_SIZE - 1)) ||
	    area_gpa + need > VMM_X86_RAM_LIMIT) {
		vmm_err_set(e, VMM_ERR_INPUT, "mode", 0,
			    "%s needs a page-aligned %llu-byte system area "
			    "below 0x%llx",
			    vmm_x86_mode_name(m), (unsigned long long)need,
			    (unsigned long long)VMM_X86_RAM_LIMIT);
		return -1;
	}
	/* Write only this mode's pages: another vCPU's tables may share
	 * the area. */
	memset(area + VMM_X86_SYS_GDT_PAGE * pg, 0, pg);
	write_gdt(area + VMM_X86_SYS_GDT_PAGE * pg);
	*ip = entry;

	sr->cr0 |= X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sr->cr0 &= ~(uint64_t)(X86_CR0_CD | X86_CR0_NW);
	switch (m) {
	case VMM_MODE_PROT32:
		load_flat(sr, area_gpa, 0);
		sr->cr0 &= ~(uint64_t)X86_CR0_PG;
		sr->cr4 &= ~(uint64_t)(X86_CR4_PAE | X86_CR4_PSE);
		sr->efer &= ~(VMM_EFER_LME | VMM_EFER_LMA);
		break;
	case VMM_MODE_PAGED32:
		load_flat(sr, area_gpa, 0);
		memset(area + VMM_X86_SYS_PAGED32_PAGE * pg, 0, pg);
		write_paged32(area + VMM_X86_SYS_PAGED32_PAGE * pg);
		sr->cr3 = area_gpa + VMM_X86_SYS_PAGED32_PAGE * pg;
		sr->cr4 |= X86_CR4_PSE;
		sr->cr4 &= ~(uint64_t)X86_CR4_PAE;
		sr->cr0 |= X86_CR0_PG;
		sr->efer &= ~(VMM_EFER_LME | VMM_EFER_LMA);
		break;
	case VMM_MODE_LONG64:
		load_flat(sr, area_gpa, 1);
		write_long64(area + VMM_X86_SYS_LONG64_PAGE * pg,
			     area_gpa + VMM_X86_SYS_LONG64_PAGE * pg);
		sr->cr3 = area_gpa + VMM_X86_SYS_LONG64_PAGE * pg;
		sr->cr4 |= X86_CR4_PAE;
		sr->cr0 |= X86_CR0_PG;
		sr->efer |= VMM_EFER_LME | VMM_EFER_LMA;
		break;
	default:
		break;
	}
	return 0;
}
