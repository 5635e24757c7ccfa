# real16: print al+bl as a digit and a newline to COM1, then halt (seed 003).
# Run with --reg rax=2 --reg rbx=2: prints "4\n".
	.code16
	.text
	.globl _start
_start:
	mov	$0x3f8, %dx
	add	%bl, %al
	add	$'0', %al
	out	%al, (%dx)
	mov	$'\n', %al
	out	%al, (%dx)
	hlt
