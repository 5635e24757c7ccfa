/* arm64 guest-physical layout. The VMM itself places nothing in guest
 * memory on arm64 (the vCPU starts with the MMU off, so no tables are
 * needed); the shared bounds are in vmm/layout.h:
 *
 *   0x0000_0000 .. RAM end   guest RAM slots, at or below VMM_RAM_LIMIT
 *   0x1000_0000              MMIO console (seed 000's UART), unbacked so
 *                            stores exit with KVM_EXIT_MMIO
 *   a vGICv3 only where a vgic record puts it (the corpus uses QEMU
 *   virt's 0x0800_0000 distributor and 0x080a_0000 redistributors);
 *   without one no interrupt is delivered. WFI with nothing pending
 *   blocks in the kernel until the run timeout either way
 */
#ifndef VMM_ARM64_LAYOUT_H
#define VMM_ARM64_LAYOUT_H

#include "vmm/layout.h"

#endif
