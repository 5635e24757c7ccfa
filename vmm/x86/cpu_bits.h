/* Architectural bit definitions used by the x86 mode setup.
 *
 * CR0/CR4/RFLAGS bits come from the kernel UAPI header <asm/processor-flags.h>.
 * EFER, page-table entry and segment-descriptor fields are not in any UAPI
 * header; they are defined here, once, from their bit positions in the
 * Intel SDM vol. 3A (sections 2.2.1 EFER, 4.3/4.5 paging entries,
 * 3.4.5 segment descriptors). Nothing else in the project spells these
 * numbers.
 */
#ifndef VMM_X86_CPU_BITS_H
#define VMM_X86_CPU_BITS_H

#include <asm/processor-flags.h>
#include <stdint.h>

#define VMM_BIT(n) (1ULL << (n))

/* IA32_EFER (SDM 3A 2.2.1) */
#define VMM_EFER_SCE_BIT 0
#define VMM_EFER_LME_BIT 8
#define VMM_EFER_LMA_BIT 10
#define VMM_EFER_NXE_BIT 11
#define VMM_EFER_LME VMM_BIT(VMM_EFER_LME_BIT)
#define VMM_EFER_LMA VMM_BIT(VMM_EFER_LMA_BIT)

/* Paging-structure entries (SDM 3A tables 4-4..4-6, 4-15..4-19) */
#define VMM_PTE_P VMM_BIT(0)  /* present */
#define VMM_PTE_RW VMM_BIT(1) /* writable */
#define VMM_PTE_US VMM_BIT(2) /* user */
#define VMM_PTE_PS VMM_BIT(7) /* large page (in a PDE / PDPTE) */
#define VMM_PDE32_4M_SHIFT 22
#define VMM_PDE64_2M_SHIFT 21
#define VMM_PT_ENTRIES_64 512
#define VMM_PT_ENTRIES_32 1024

/* Segment descriptor fields (SDM 3A 3.4.5), positions in the 64-bit word */
#define VMM_DESC_LIMIT_LO_SHIFT 0 /* limit 15:0  */
#define VMM_DESC_BASE_LO_SHIFT 16 /* base 23:0   */
#define VMM_DESC_TYPE_SHIFT 40	  /* 4 bits      */
#define VMM_DESC_S_SHIFT 44
#define VMM_DESC_DPL_SHIFT 45 /* 2 bits      */
#define VMM_DESC_P_SHIFT 47
#define VMM_DESC_LIMIT_HI_SHIFT 48 /* limit 19:16 */
#define VMM_DESC_AVL_SHIFT 52
#define VMM_DESC_L_SHIFT 53
#define VMM_DESC_DB_SHIFT 54
#define VMM_DESC_G_SHIFT 55
#define VMM_DESC_BASE_HI_SHIFT 56 /* base 31:24  */

/* Segment types (SDM 3A table 3-1), with the accessed bit set so the CPU
 * never needs to write the descriptor. */
#define VMM_SEG_TYPE_DATA_RW_A 0x3
#define VMM_SEG_TYPE_CODE_XR_A 0xB

/* The standard (uncompacted) XSAVE layout KVM_GET_XSAVE(2) and
 * KVM_SET_XSAVE use (SDM vol. 1, 13.4): MXCSR in the legacy area, the
 * header's XSTATE_BV (then XCOMP_BV and reserved words), and the YMM
 * upper halves (component 2, offset CPUID.(0xd,2).EBX = 576 on every x86
 * CPU with AVX), 16 bytes per register. */
#define VMM_XSAVE_MXCSR_OFF 24U
#define VMM_XSAVE_BV_OFF 512U
#define VMM_XSAVE_YMMH_OFF 576U

#endif
