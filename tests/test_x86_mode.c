/* x86 mode presets: descriptor encoding, GDT/page-table bytes and sregs,
 * checked against the well-known architectural values (no KVM needed). */
#include "tests/check.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/mode.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Entry `i` of a table of 64-bit / 32-bit entries (page tables, GDT). */
static uint64_t ent64(const uint8_t *table, size_t i)
{
	return get64(table + 8 * i);
}

static uint32_t ent32(const uint8_t *table, size_t i)
{
	return get32(table + 4 * i);
}

#define PAGE_BYTES ((size_t)4096)

static uint8_t area[9 * PAGE_BYTES] __attribute__((aligned(4096)));

static void test_descriptors(void)
{
	struct kvm_segment s;

	/* The flat descriptors every OS tutorial writes by hand. */
	vmm_x86_flat_code32(&s);
	CHECK_EQ_U64(vmm_x86_seg_to_desc(&s), 0x00CF9B000000FFFFULL);
	vmm_x86_flat_data(&s);
	CHECK_EQ_U64(vmm_x86_seg_to_desc(&s), 0x00CF93000000FFFFULL);
	vmm_x86_flat_code64(&s);
	CHECK_EQ_U64(vmm_x86_seg_to_desc(&s), 0x00AF9B000000FFFFULL);

	/* Base and byte-granular limit split across the descriptor. */
	memset(&s, 0, sizeof(s));
	s.base = 0x12345678;
	s.limit = 0xABCDE;
	s.type = 0x3;
	s.s = 1;
	s.present = 1;
	s.dpl = 3;
	CHECK_EQ_U64(vmm_x86_seg_to_desc(&s), 0x120AF3345678BCDEULL);
}

static void test_sizes(void)
{
	CHECK_EQ_U64(vmm_x86_sysarea_size(VMM_MODE_REAL16), 0);
	CHECK_EQ_U64(vmm_x86_sysarea_size(VMM_MODE_PROT32), 4096);
	CHECK_EQ_U64(vmm_x86_sysarea_size(VMM_MODE_PAGED32), 8 * 4096);
	CHECK_EQ_U64(vmm_x86_sysarea_size(VMM_MODE_LONG64), 7 * 4096);
}

static void check_gdt_matches(const struct kvm_sregs *sr, uint64_t area_gpa)
{
	const uint8_t *gdt = area;

	CHECK_EQ_U64(sr->gdt.base, area_gpa);
	CHECK_EQ_U64(sr->gdt.limit, VMM_X86_GDT_ENTRIES * 8 - 1);
	CHECK_EQ_U64(get64(gdt), 0); /* null descriptor */
	/* Whatever sregs holds, the GDT slot its selector names must encode
	 * the same segment. */
	CHECK_EQ_U64(get64(gdt + sr->cs.selector),
		     vmm_x86_seg_to_desc(&sr->cs));
	CHECK_EQ_U64(get64(gdt + sr->ds.selector),
		     vmm_x86_seg_to_desc(&sr->ds));
	CHECK_EQ_U64(get64(gdt + sr->ss.selector),
		     vmm_x86_seg_to_desc(&sr->ss));
}

static void test_long64(void)
{
	struct kvm_sregs sr;
	struct vmm_error e;
	uint64_t ip = 0;
	const uint64_t gpa = 0x1F9000;
	const uint64_t pml4 = gpa + 0x1000, pdpt = gpa + 0x2000;

	memset(&sr, 0, sizeof(sr));
	memset(area, 0xAA, sizeof(area));
	vmm_err_clear(&e);
	CHECK(vmm_x86_setup_mode(VMM_MODE_LONG64, &sr, area, gpa,
				 7 * PAGE_BYTES, 0x4000, &ip, &e) == 0);
	CHECK_EQ_U64(ip, 0x4000);
	CHECK_EQ_U64(sr.cr3, pml4);
	CHECK(sr.cr0 & X86_CR0_PE);
	CHECK(sr.cr0 & X86_CR0_PG);
	CHECK(sr.cr4 & X86_CR4_PAE);
	CHECK_EQ_U64(sr.efer & 0xD01, 0x500); /* LME|LMA, not SCE/NXE */
	CHECK_EQ_U64(sr.cs.selector, VMM_X86_SEL_CODE64);
	CHECK_EQ_U64(sr.cs.l, 1);
	CHECK_EQ_U64(sr.cs.db, 0);
	CHECK_EQ_U64(sr.idt.limit, 0);
	check_gdt_matches(&sr, gpa);

	/* PML4[0] -> PDPT, rest empty */
	CHECK_EQ_U64(get64(area + 0x1000), pdpt | 0x7);
	for (size_t i = 1; i < 512; i++)
		if (ent64(area + 0x1000, i) != 0) {
			CHECK(!"PML4 entry beyond 0 is non-zero");
			break;
		}
	/* PDPT[0..3] -> four PDs, PDPT[4] empty */
	for (size_t d = 0; d < 4; d++)
		CHECK_EQ_U64(ent64(area + 0x2000, d),
			     (gpa + 0x3000 + 0x1000 * (uint64_t)d) | 0x7);
	CHECK_EQ_U64(ent64(area + 0x2000, 4), 0);
	/* 2 MiB identity pages: P|RW|US|PS = 0x87 */
	CHECK_EQ_U64(get64(area + 0x3000), 0x87);
	CHECK_EQ_U64(ent64(area + 0x3000, 1), 0x200087);
	CHECK_EQ_U64(get64(area + 0x4000), 0x40000087ULL);
	CHECK_EQ_U64(ent64(area + 0x6000, 511), 0xFFE00087ULL);
	/* Nothing written past the area */
	CHECK_EQ_U64(area[7 * PAGE_BYTES], 0xAA);
}

static void test_paged32(void)
{
	struct kvm_sregs sr;
	struct vmm_error e;
	uint64_t ip = 0;

	memset(&sr, 0, sizeof(sr));
	memset(area, 0xAA, sizeof(area));
	CHECK(vmm_x86_setup_mode(VMM_MODE_PAGED32, &sr, area, 0x8000,
				 8 * PAGE_BYTES, 0x1000, &ip, &e) == 0);
	CHECK_EQ_U64(sr.cr3, 0xF000); /* page 7: its own page */
	CHECK(sr.cr0 & X86_CR0_PG);
	CHECK(sr.cr4 & X86_CR4_PSE);
	CHECK(!(sr.cr4 & X86_CR4_PAE));
	CHECK_EQ_U64(sr.efer & 0x500, 0);
	CHECK_EQ_U64(sr.cs.selector, VMM_X86_SEL_CODE32);
	CHECK_EQ_U64(sr.cs.db, 1);
	check_gdt_matches(&sr, 0x8000);
	CHECK_EQ_U64(get32(area + 0x7000), 0x87);
	CHECK_EQ_U64(ent32(area + 0x7000, 1), 0x400087);
	CHECK_EQ_U64(ent32(area + 0x7000, 1023), 0xFFC00087U);
	CHECK_EQ_U64(area[8 * PAGE_BYTES], 0xAA);
	CHECK_EQ_U64(area[0x1000], 0xAA); /* long64's pages untouched */
}

static void test_prot32(void)
{
	struct kvm_sregs sr;
	struct vmm_error e;
	uint64_t ip = 0;

	memset(&sr, 0, sizeof(sr));
	sr.cr0 = X86_CR0_PG | X86_CR0_CD; /* stale bits must be cleared */
	sr.efer = 0x500;
	CHECK(vmm_x86_setup_mode(VMM_MODE_PROT32, &sr, area, 0, 4096, 0x1000,
				 &ip, &e) == 0);
	CHECK(sr.cr0 & X86_CR0_PE);
	CHECK(!(sr.cr0 & X86_CR0_PG));
	CHECK(!(sr.cr0 & X86_CR0_CD));
	CHECK_EQ_U64(sr.efer & 0x500, 0);
	check_gdt_matches(&sr, 0);
}

static void test_real16(void)
{
	struct kvm_sregs sr;
	struct vmm_error e;
	uint64_t ip = 0;

	memset(&sr, 0, sizeof(sr));
	sr.cr0 = X86_CR0_PE;
	CHECK(vmm_x86_setup_mode(VMM_MODE_REAL16, &sr, NULL, 0, 0, 0x1000, &ip,
				 &e) == 0);
	CHECK_EQ_U64(ip, 0x1000);
	CHECK_EQ_U64(sr.cs.selector, 0);
	CHECK_EQ_U64(sr.cs.base, 0);
	CHECK(!(sr.cr0 & X86_CR0_PE));
	CHECK(vmm_x86_setup_mode(VMM_MODE_REAL16, &sr, NULL, 0, 0, 0x12345, &ip,
				 &e) == 0);
	CHECK_EQ_U64(sr.cs.selector, 0x1234);
	CHECK_EQ_U64(sr.cs.base, 0x12340);
	CHECK_EQ_U64(ip, 5);
	CHECK(vmm_x86_setup_mode(VMM_MODE_REAL16, &sr, NULL, 0, 0, 0xFFFFF, &ip,
				 &e) == 0);
	vmm_err_clear(&e);
	CHECK(vmm_x86_setup_mode(VMM_MODE_REAL16, &sr, NULL, 0, 0, 0x100000,
				 &ip, &e) < 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "below 1 MiB");
}

static void test_rejects(void)
{
	struct kvm_sregs sr;
	struct vmm_error e;
	uint64_t ip;

	memset(&sr, 0, sizeof(sr));
	vmm_err_clear(&e);
	/* one page short */
	CHECK(vmm_x86_setup_mode(VMM_MODE_LONG64, &sr, area, 0, 6 * PAGE_BYTES,
				 0, &ip, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "28672-byte");
	/* unaligned */
	CHECK(vmm_x86_setup_mode(VMM_MODE_LONG64, &sr, area, 0x800,
				 7 * PAGE_BYTES, 0, &ip, &e) < 0);
	CHECK(vmm_x86_setup_mode(VMM_MODE_PROT32, &sr, NULL, 0, 4096, 0, &ip,
				 &e) < 0);
	CHECK(vmm_x86_setup_mode(VMM_MODE_COUNT, &sr, area, 0, 4096, 0, &ip,
				 &e) < 0);
	{
		enum vmm_x86_mode m;

		CHECK(vmm_x86_mode_parse("long64", &m) == 0 &&
		      m == VMM_MODE_LONG64);
		CHECK(vmm_x86_mode_parse("long", &m) < 0);
		CHECK(vmm_x86_mode_parse(NULL, &m) < 0);
	}
}

/* vCPUs in different modes share one area: each mode's tables survive
 * the other mode's setup, in either order. */
static void test_shared_area(void)
{
	struct kvm_sregs a, b;
	struct vmm_error e;
	uint64_t ip;

	for (int order = 0; order < 2; order++) {
		memset(area, 0xAA, sizeof(area));
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		for (int k = 0; k < 2; k++) {
			int paged = (k == order);

			CHECK(vmm_x86_setup_mode(paged ? VMM_MODE_PAGED32
						       : VMM_MODE_LONG64,
						 paged ? &b : &a, area, 0,
						 8 * PAGE_BYTES, 0, &ip,
						 &e) == 0);
		}
		CHECK_EQ_U64(a.cr3, 0x1000);
		CHECK_EQ_U64(b.cr3, 0x7000);
		CHECK_EQ_U64(get64(area + 0x1000), 0x2007); /* PML4[0] */
		CHECK_EQ_U64(get64(area + 0x3000 + 8), 0x200087);
		CHECK_EQ_U64(get32(area + 0x7000 + 4), 0x400087);
	}
}

int main(void)
{
	test_descriptors();
	test_sizes();
	test_long64();
	test_paged32();
	test_shared_area();
	test_prot32();
	test_real16();
	test_rejects();
	return check_report("test_x86_mode");
}
