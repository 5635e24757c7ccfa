// Exception level and register round trip. In: x0..x3 and sp from the VMM.
// Out (read back by the VMM): x5 = CurrentEL, x6 = x0 + x1, x7 = x2 ^ x3,
// x8 = x6 pushed on and popped off the stack at sp, x10 = SPSel,
// x11 = DAIF; "EL1\n" on the UART when running at EL1. Then SYSTEM_OFF.
	.text
	.global _start
_start:
	mrs	x5, CurrentEL
	add	x6, x0, x1
	eor	x7, x2, x3
	str	x6, [sp, #-16]!
	ldr	x8, [sp], #16
	mrs	x10, SPSel
	mrs	x11, DAIF
	movz	x1, #0x1000, lsl #16
	lsr	x4, x5, #2
	cmp	x4, #1
	b.ne	1f
	mov	w3, #'E'
	strb	w3, [x1]
	mov	w3, #'L'
	strb	w3, [x1]
	mov	w3, #'1'
	strb	w3, [x1]
	mov	w3, #'\n'
	strb	w3, [x1]
1:	movz	w0, #0x0008
	movk	w0, #0x8400, lsl #16
	hvc	#0
	b	.
