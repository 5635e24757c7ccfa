# long64: the scenario's events record injects #GP (vector 13) with an
# error code before the first instruction (corpus long64_events: IDT at
# 0x1200 through the idt_base/idt_limit sregs, error code 0x1234). The
# handler prints "#GP error code 0x00001234" on 0xe9 and halts with the
# error code in rax; without the injection the entry prints "no event"
# and halts with rax=-1.
	.include "lib64.inc"
	.code64
	.text
	.globl _start
_start:
	lea	none(%rip), %rsi
	call	puts
	mov	$-1, %rax
	hlt

	.org	0x100		# 0x1100: the #GP handler
gp:	pop	%rbx		# the error code
	lea	msg(%rip), %rsi
	call	puts
	HEX_E9	%ebx, 8
	mov	%ebx, %eax
	hlt

	PUTS_E9

msg:	.asciz	"#GP error code 0x"
none:	.asciz	"no event\n"
digits:	.ascii	"0123456789abcdef"

	.org	0x200		# 0x1200: the IDT, vectors 0..13
idt:	.fill	13 * 16, 1, 0
	GATE64	gp		# 13: #GP
