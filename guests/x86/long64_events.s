# long64: the scenario's events record injects #GP (vector 13) with an
# error code before the first instruction (corpus long64_events: IDT at
# 0x1200 through the idt_base/idt_limit sregs, error code 0x1234). The
# handler prints "#GP error code 0x00001234" on 0xe9 and halts with the
# error code in rax; without the injection the entry prints "no event"
# and halts with rax=-1.
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
	mov	$8, %ecx
	mov	$0xe9, %dx
1:	rol	$4, %ebx	# eight hex digits, high first
	mov	%ebx, %eax
	and	$0xf, %eax
	lea	digits(%rip), %rsi
	movb	(%rsi,%rax), %al
	out	%al, (%dx)
	dec	%ecx
	jnz	1b
	mov	$0x0a, %al
	out	%al, (%dx)
	mov	%ebx, %eax
	hlt

puts:	mov	$0xe9, %dx	# the string at rsi, up to its NUL
2:	movb	(%rsi), %al
	test	%al, %al
	jz	3f
	out	%al, (%dx)
	inc	%rsi
	jmp	2b
3:	ret

msg:	.asciz	"#GP error code 0x"
none:	.asciz	"no event\n"
digits:	.ascii	"0123456789abcdef"

	.org	0x200		# 0x1200: the IDT, vectors 0..13
idt:	.fill	13 * 16, 1, 0
	.word	gp		# 13: offset 15:0
	.word	0x18		# code64 selector
	.byte	0		# no IST
	.byte	0x8e		# present, DPL 0, 64-bit interrupt gate
	.word	0		# offset 31:16
	.long	0		# offset 63:32
	.long	0
