// PSCI: the version call answers in x0 (kept in x9), then SYSTEM_OFF ends
// the run with KVM_EXIT_SYSTEM_EVENT (SHUTDOWN). With x20 != 0 the guest
// asks for SYSTEM_RESET instead.
	.text
	.global _start
_start:
	movz	w0, #0x0000
	movk	w0, #0x8400, lsl #16	// PSCI_VERSION
	hvc	#0
	mov	x9, x0
	movz	w0, #0x0008
	movk	w0, #0x8400, lsl #16	// SYSTEM_OFF
	cbz	x20, 1f
	movz	w0, #0x0009
	movk	w0, #0x8400, lsl #16	// SYSTEM_RESET
1:	hvc	#0
	b	.
