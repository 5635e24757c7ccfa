# real16: halt at once (seed 001).
	.code16
	.text
	.globl _start
_start:
	hlt
