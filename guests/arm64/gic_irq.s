// Interrupts through the in-kernel vGICv3 (vgic record: distributor at
// 0x08000000, redistributors at 0x080a0000). The guest enables the
// distributor (group 1, affinity routing), wakes its redistributor, puts
// the virtual timer's PPI 27 and SPI 40 in group 1 and enables them,
// turns the CPU interface on through the ICC system registers (SRE, PMR,
// IGRPEN1), and with x0 != 0 programs the virtual timer (TVAL 0x1000,
// ENABLE). Then it waits in WFI with IRQs masked and unmasks them once
// woken. The IRQ vector acknowledges the interrupt (ICC_IAR1_EL1),
// prints "irq N\n" (N the INTID in decimal) on the UART at 0x10000000,
// signals end of interrupt and calls PSCI SYSTEM_OFF. Nothing pending:
// WFI waits in the kernel (no exit) until the run's timeout.
	.text
	.global _start
_start:
	mov	x20, x0
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
	movz	x1, #0x0800, lsl #16	// GICD
	mov	w2, #0x12		// GICD_CTLR: ARE | EnableGrp1
	str	w2, [x1]
	mov	w2, #-1
	str	w2, [x1, #0x84]		// GICD_IGROUPR1: SPIs 32..63 group 1
	mov	w2, #0x100
	str	w2, [x1, #0x104]	// GICD_ISENABLER1: SPI 40
	movz	x1, #0x080a, lsl #16	// GICR (RD_base of vCPU 0)
	str	wzr, [x1, #0x14]	// GICR_WAKER: awake
	add	x1, x1, #0x10000	// the SGI frame
	mov	w2, #-1
	str	w2, [x1, #0x80]		// GICR_IGROUPR0: group 1
	mov	w2, #0x08000000
	str	w2, [x1, #0x100]	// GICR_ISENABLER0: PPI 27
	mov	x2, #7
	msr	S3_0_C12_C12_5, x2	// ICC_SRE_EL1: SRE, DFB, DIB
	isb
	mov	x2, #0xff
	msr	S3_0_C4_C6_0, x2	// ICC_PMR_EL1: every priority
	mov	x2, #1
	msr	S3_0_C12_C12_7, x2	// ICC_IGRPEN1_EL1
	isb
	cbz	x20, 1f
	mov	x2, #0x1000
	msr	cntv_tval_el0, x2
	mov	x2, #1
	msr	cntv_ctl_el0, x2	// ENABLE, not masked
	isb
	// Wait with IRQs masked (WFI wakes on a pending interrupt even so),
	// then unmask: the interrupt is taken at one place, right after the
	// unmasking, not wherever the timer happened to fire (the state it
	// leaves, ELR_EL1, is the same on every run)
1:	wfi
	msr	daifclr, #2		// IRQs unmasked: taken here
	isb
	msr	daifset, #2		// woken for nothing: mask, wait again
	b	1b

irq:
	mrs	x1, S3_0_C12_C12_0	// ICC_IAR1_EL1: the INTID
	movz	x9, #0x1000, lsl #16	// UART
	adr	x2, msg
3:	ldrb	w3, [x2], #1
	cbz	w3, 4f
	strb	w3, [x9]
	b	3b
4:	and	w4, w1, #0xffffff	// INTID in decimal, no leading zeros
	mov	w5, #1000
	mov	w6, #0
	mov	w10, #10
5:	udiv	w7, w4, w5
	msub	w4, w7, w5, w4
	cbnz	w6, 6f
	cbnz	w7, 6f
	cmp	w5, #1
	b.ne	7f
6:	add	w8, w7, #'0'
	strb	w8, [x9]
	mov	w6, #1
7:	udiv	w5, w5, w10
	cbnz	w5, 5b
	mov	w3, #'\n'
	strb	w3, [x9]
	msr	S3_0_C12_C12_1, x1	// ICC_EOIR1_EL1
	isb
other:
	movz	w0, #0x0008
	movk	w0, #0x8400, lsl #16	// PSCI 0.2 SYSTEM_OFF
	hvc	#0
	b	.
msg:
	.asciz	"irq "

	.macro	vec target
	.balign	0x80
	b	\target
	.endm
	.balign	2048
vectors:
	vec	other	// current EL, SP0: sync, IRQ, FIQ, SError
	vec	other
	vec	other
	vec	other
	vec	other	// current EL, SPx: sync
	vec	irq	// current EL, SPx: IRQ
	vec	other
	vec	other
	vec	other	// lower EL
	vec	other
	vec	other
	vec	other
	vec	other
	vec	other
	vec	other
	vec	other
