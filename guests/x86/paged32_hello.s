# paged32: the same as prot32_hello, under 32-bit (PSE) paging.
	.code32
	.text
	.globl _start
_start:
	mov	$msg, %esi
	mov	$0xe9, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, (%dx)
	jmp	1b
2:	hlt
msg:	.asciz	"Hello from paged protected mode\n"
