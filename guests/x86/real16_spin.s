# real16: spin forever without exiting (timeout test).
	.code16
	.text
	.globl _start
_start:
	jmp	_start
