// Seed 000's guest: bytes stored to the unbacked UART at 0x10000000 exit
// with KVM_EXIT_MMIO; then PSCI SYSTEM_OFF through HVC (needs psci-0.2).
	.text
	.global _start
_start:
	movz	x1, #0x1000, lsl #16	// x1 = UART (0x10000000)
	adr	x2, msg
1:	ldrb	w3, [x2], #1
	cbz	w3, 2f
	strb	w3, [x1]
	b	1b
2:	movz	w0, #0x0008
	movk	w0, #0x8400, lsl #16	// PSCI 0.2 SYSTEM_OFF
	hvc	#0
	b	.			// not reached
msg:
	.asciz	"Hello from arm64\n"
