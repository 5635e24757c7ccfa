# prot32 (flat): print a line on the debug port 0xe9, then halt.
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
2:	mov	$0x32, %eax
	hlt
msg:	.asciz	"Hello from protected mode\n"
