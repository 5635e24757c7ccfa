# long64: read back the debug registers the scenario's debugregs record
# set (corpus long64_debugregs: DR0=0x5000, DR7=0x401, an execute
# breakpoint no code reaches) and print "debugregs ok" or "debugregs bad"
# on 0xe9; halts with DR0 in rax, DR7 in rbx, DR6 in rcx.
	.code64
	.text
	.globl _start
_start:
	mov	%dr0, %r9
	mov	%dr7, %rbx
	mov	%dr6, %rcx
	lea	ok(%rip), %rsi
	cmp	$0x5000, %r9
	jne	1f
	cmp	$0x401, %rbx
	je	2f
1:	lea	bad(%rip), %rsi
2:	mov	$0xe9, %dx
3:	movb	(%rsi), %r8b
	test	%r8b, %r8b
	jz	4f
	mov	%r8b, %al
	out	%al, (%dx)
	inc	%rsi
	jmp	3b
4:	mov	%r9, %rax
	hlt
ok:	.asciz	"debugregs ok\n"
bad:	.asciz	"debugregs bad\n"
