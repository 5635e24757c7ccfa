# real16: count in eax forever without exiting: never the same state twice,
# so it runs to its timeout (timeout tests; real16_spin is a spin).
	.code16
	.text
	.globl _start
_start:
	incl	%eax
	jmp	_start
