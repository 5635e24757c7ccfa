# real16: write 'x' to the debug port forever (exit budget test).
	.code16
	.text
	.globl _start
_start:
	mov	$0xe9, %dx
	mov	$'x', %al
1:	out	%al, (%dx)
	jmp	1b
