// Loads from an unbacked address (permissive mode answers them from the
// scenario's input stream) echoed to the UART, 4 bytes; then SYSTEM_OFF.
	.text
	.global _start
_start:
	movz	x1, #0x1000, lsl #16	// UART
	movz	x2, #0x2000, lsl #16	// unbacked, owned by no device
	mov	x4, #4
1:	ldrb	w3, [x2]
	strb	w3, [x1]
	subs	x4, x4, #1
	b.ne	1b
	movz	w0, #0x0008
	movk	w0, #0x8400, lsl #16
	hvc	#0
	b	.
