# prot32: echo three bytes read from port 0x60 and one byte read from the
# unbacked MMIO address 0xd0000000 to the debug port, then halt. Needs a
# permissive scenario: the VMM answers both reads from the input stream.
	.code32
	.text
	.globl _start
_start:
	mov	$0xe9, %dx
	mov	$3, %ecx
1:	in	$0x60, %al
	out	%al, (%dx)
	loop	1b
	movb	0xd0000000, %al
	out	%al, (%dx)
	hlt
