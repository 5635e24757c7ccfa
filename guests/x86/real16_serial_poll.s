# real16: program the COM1 divisor latch (must print nothing), then print a
# line, polling LSR.THRE before each byte as a real driver does.
	.code16
	.text
	.globl _start
_start:
	mov	$0x3fb, %dx		# LCR: DLAB on
	mov	$0x80, %al
	out	%al, (%dx)
	mov	$0x3f8, %dx		# DLL = 1 (115200 baud): latch, not data
	mov	$0x01, %al
	out	%al, (%dx)
	mov	$0x3f9, %dx		# DLM = 0
	xor	%al, %al
	out	%al, (%dx)
	mov	$0x3fb, %dx		# LCR: 8N1, DLAB off
	mov	$0x03, %al
	out	%al, (%dx)
	mov	$msg, %si
next:
	movb	(%si), %bl
	test	%bl, %bl
	jz	done
	mov	$0x3fd, %dx		# LSR
wait:
	in	(%dx), %al
	test	$0x20, %al		# THRE
	jz	wait
	mov	$0x3f8, %dx
	mov	%bl, %al
	out	%al, (%dx)
	inc	%si
	jmp	next
done:
	hlt
msg:	.asciz	"serial ok\n"
