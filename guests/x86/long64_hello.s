# long64: print a line on 0xe9, store a value at 1 MiB, read it back into
# rax, and halt (seeds 002/004). Expected: rax=0x1122334455667788,
# rbx=0x100000.
	.code64
	.text
	.globl _start
_start:
	lea	msg(%rip), %rsi
	mov	$0xe9, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, (%dx)
	jmp	1b
2:	mov	$0x100000, %ebx
	movabs	$0x1122334455667788, %rcx
	mov	%rcx, (%rbx)
	xor	%eax, %eax
	xor	%ecx, %ecx
	mov	(%rbx), %rax
	hlt
msg:	.asciz	"Hello from long mode\n"
