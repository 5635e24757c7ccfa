/* x86 guest-physical layout: every address the VMM itself chooses.
 *
 *   0x0000_0000 .. RAM end      guest RAM slots (user/scenario defined),
 *                               must end at or below VMM_X86_RAM_LIMIT
 *   RAM                         the VMM's own structures (GDT, page tables)
 *                               live in a "system area" of writable RAM that
 *                               no loaded image touches: placed at the
 *                               highest free gap, or where --sys-at says
 *   0x1000_0000                 default MMIO console (write-only, seed 000's
 *                               UART address); only when no RAM covers it
 *   0xC000_0000 .. 0xFEFF_C000  unused (no RAM may live here)
 *   0xFEFF_C000                 KVM identity-map page (1 page)
 *   0xFEFF_D000                 KVM real-mode TSS (3 pages)
 *   0xFF00_0000 .. 4 GiB        unused
 *
 * Paged modes identity-map the whole low 4 GiB so RAM and the MMIO console
 * are reachable at their physical addresses.
 */
#ifndef VMM_X86_LAYOUT_H
#define VMM_X86_LAYOUT_H

#include "vmm/layout.h"

#define VMM_X86_PAGE_SIZE 0x1000ULL

/* RAM must end at or below this (keeps KVM's private pages and MMIO free). */
#define VMM_X86_RAM_LIMIT VMM_RAM_LIMIT

/* KVM_SET_IDENTITY_MAP_ADDR: one page; KVM_SET_TSS_ADDR: three pages. */
#define VMM_X86_IDENTITY_MAP_GPA 0xFEFFC000ULL
#define VMM_X86_TSS_GPA 0xFEFFD000ULL
#define VMM_X86_TSS_PAGES 3

/* Bytes mapped by the paged-mode identity maps. */
#define VMM_X86_IDENTITY_SPAN 0x100000000ULL

/* GDT selectors written by the VMM (same table in every protected mode). */
#define VMM_X86_SEL_NULL 0x00
#define VMM_X86_SEL_CODE32 0x08
#define VMM_X86_SEL_DATA 0x10
#define VMM_X86_SEL_CODE64 0x18
#define VMM_X86_GDT_ENTRIES 4

/* System-area contents, in pages from the area's start. Each mode owns its
 * own pages, so vCPUs in different modes can share one area:
 *   page 0      GDT (all protected modes)
 *   pages 1..6  long64: PML4, PDPT, 4 PDs of 2 MiB pages (4 GiB)
 *   page 7      paged32: one page directory of 4 MiB (PSE) pages (4 GiB) */
#define VMM_X86_SYS_GDT_PAGE 0
#define VMM_X86_SYS_LONG64_PAGE 1
#define VMM_X86_LONG64_PD_COUNT 4
#define VMM_X86_LONG64_PT_PAGES (2 + VMM_X86_LONG64_PD_COUNT)
#define VMM_X86_SYS_PAGED32_PAGE \
	(VMM_X86_SYS_LONG64_PAGE + VMM_X86_LONG64_PT_PAGES)
#define VMM_X86_PAGED32_PT_PAGES 1

#endif
