/* Guest-physical layout shared by every architecture: the bounds of
 * scenario RAM and the default MMIO console. Each architecture's own
 * addresses are in vmm/<arch>/layout.h, which includes this file.
 *
 *   0x0000_0000 .. RAM end   guest RAM slots (scenario defined), ending at
 *                            or below VMM_RAM_LIMIT
 *   0x1000_0000              default MMIO console: a write-only byte
 *                            register, seed 000's UART address; only when
 *                            no RAM covers it (RAM would shadow it)
 *   0xC000_0000 ..           never RAM (x86: KVM's private pages; arm64:
 *                            free)
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

#define VMM_RAM_LIMIT 0xC0000000ULL

#define VMM_MMIO_CONSOLE_DEFAULT_GPA 0x10000000ULL
#define VMM_MMIO_CONSOLE_SIZE 8ULL

#endif
