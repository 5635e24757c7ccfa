# long64: interrupts through an IDT at 0x1200 (corpus long64_irq_pit,
# long64_irq_lapic_timer, long64_irq_msi: an irqchip record gives the
# VM an in-kernel LAPIC, PIC and PIT). Three entry points:
#   0x1000 PIT: the PIC remapped to vectors 0x20-0x27 with only IRQ 0
#          unmasked, PIT channel 0 one-shot (mode 0) of 1193 ticks;
#   0x1040 LAPIC timer: the scenario's lapic records enable the LAPIC
#          (SVR) and set the timer's LVT (vector 0x30, one-shot) and
#          divider; the guest writes the initial count;
#   0x1080 MSI: the scenario's irq record sent vector 0x41 to the LAPIC
#          before the first instruction.
# Each then waits with STI; HLT until its handler has run. The handler
# prints which interrupt it was on port 0xe9, sends the EOI (PIC port
# 0x20, or the LAPIC's EOI register) and returns; the guest prints
# "back from hlt" and stops with CLI; HLT (no interrupt can wake it: the
# run ends like a HLT exit), rax = the vector seen.
	.include "lib64.inc"
	.code64
	.text
	.globl _start
_start:				# 0x1000: the PIT through the PIC
	mov	$0x11, %al	# ICW1: edge, cascade, ICW4
	out	%al, $0x20
	mov	$0x20, %al	# ICW2: vectors 0x20-0x27
	out	%al, $0x21
	mov	$0x04, %al	# ICW3: slave on IRQ 2
	out	%al, $0x21
	mov	$0x01, %al	# ICW4: 8086 mode
	out	%al, $0x21
	mov	$0xfe, %al	# OCW1: only IRQ 0
	out	%al, $0x21
	mov	$0x30, %al	# channel 0, lo/hi byte, mode 0
	out	%al, $0x43
	mov	$0xa9, %al	# 1193 ticks: 1 ms
	out	%al, $0x40
	mov	$0x04, %al
	out	%al, $0x40
	jmp	wait

	.org	0x40		# 0x1040: the LAPIC timer
	mov	$0xfee00000, %esi	# the LAPIC page
	movl	$100000, 0x380(%rsi)	# initial count: starts it
	jmp	wait

	.org	0x80		# 0x1080: an MSI is pending already
	jmp	wait

wait:	xor	%eax, %eax
	mov	%eax, seen(%rip)
1:	sti
	hlt
	cli
	cmpl	$0, seen(%rip)
	je	1b
	lea	back(%rip), %rsi
	call	puts
	mov	seen(%rip), %eax
	hlt

pit:	push	%rax
	push	%rsi
	push	%rdx
	lea	m_pit(%rip), %rsi
	call	puts
	movl	$0x20, seen(%rip)
	mov	$0x20, %al	# EOI to the PIC
	out	%al, $0x20
	jmp	iret

timer:	push	%rax
	push	%rsi
	push	%rdx
	lea	m_timer(%rip), %rsi
	call	puts
	movl	$0x30, seen(%rip)
	mov	$0xfee00000, %esi
	movl	$0, 0xb0(%rsi)	# EOI to the LAPIC
	jmp	iret

msi:	push	%rax
	push	%rsi
	push	%rdx
	lea	m_msi(%rip), %rsi
	call	puts
	movl	$0x41, seen(%rip)
	mov	$0xfee00000, %esi
	movl	$0, 0xb0(%rsi)	# EOI to the LAPIC

iret:	pop	%rdx
	pop	%rsi
	pop	%rax
	iretq

	PUTS_E9

seen:	.long	0
m_pit:	.asciz	"IRQ 0 from the PIT, vector 0x20\n"
m_timer: .asciz	"LAPIC timer interrupt, vector 0x30\n"
m_msi:	.asciz	"MSI, vector 0x41\n"
back:	.asciz	"back from hlt\n"

	.org	0x200		# 0x1200: the IDT, vectors 0..0x41
idt:	.fill	0x20 * 16, 1, 0
	GATE64	pit		# 0x20
	.fill	0x0f * 16, 1, 0
	GATE64	timer		# 0x30
	.fill	0x10 * 16, 1, 0
	GATE64	msi		# 0x41
