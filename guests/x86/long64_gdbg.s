# long64: guest debugging (corpus long64_singlestep, long64_hwbp). With
# single-stepping (guest_debug control=0x3) every instruction below ends
# in KVM_EXIT_DEBUG (exception 1, DR6.BS); with a hardware write
# watchpoint on 0x3000 (control=0x20001, dr0=0x3000, dr7 enabling it) the
# store to it ends in one. The VMM continues after each; the guest
# prints "stepped" on port 0xe9 and halts with rax=0x1234.
	.code64
	.text
	.globl _start
_start:
	mov	$0x1234, %eax
	mov	%eax, 0x3000	# the watched dword
	mov	$0xe9, %dx
	lea	msg(%rip), %rsi
1:	movb	(%rsi), %al
	test	%al, %al
	jz	2f
	out	%al, (%dx)
	inc	%rsi
	jmp	1b
2:	mov	0x3000, %eax
	hlt

msg:	.asciz	"stepped\n"
