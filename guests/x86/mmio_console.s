# prot32: write a line to the MMIO console at 0x10000000 (seed 000's UART
# address), one byte store per character, then halt.
	.code32
	.text
	.globl _start
_start:
	mov	$msg, %esi
1:	lodsb
	test	%al, %al
	jz	2f
	movb	%al, 0x10000000
	jmp	1b
2:	hlt
msg:	.asciz	"Hello from MMIO\n"
