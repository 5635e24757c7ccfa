# real16: write to port 0x80, which no device owns (unhandled exit test).
	.code16
	.text
	.globl _start
_start:
	mov	$0x5a, %al
	out	%al, $0x80
	hlt
