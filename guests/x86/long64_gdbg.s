# long64: guest debugging (corpus long64_singlestep, long64_hwbp). The
# guest stores 0x1234 at 0x3000, prints "stepped" on port 0xe9, loads the
# dword back into eax and loops at `end` (0x102a) forever. With
# single-stepping (guest_debug control=0x3) every instruction ends in
# KVM_EXIT_DEBUG (exception 1, DR6.BS); with a hardware instruction
# breakpoint on `end` (control=0x20001, dr0=0x102a, dr7=0x401) the loop
# ends in one at every entry. The VMM continues after each, and the exit
# budget ends the run (verdict exit-budget), the same on every host.
	.code64
	.text
	.globl _start
_start:
	mov	$0x1234, %eax
	mov	%eax, 0x3000
	mov	$0xe9, %dx
	lea	msg(%rip), %rsi
1:	movb	(%rsi), %al
	test	%al, %al
	jz	2f
	out	%al, (%dx)
	inc	%rsi
	jmp	1b
2:	mov	0x3000, %eax
end:	jmp	end

msg:	.asciz	"stepped\n"
