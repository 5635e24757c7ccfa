# long64: print the x87/SSE/AVX state and XCR0 the scenario's fpu, xsave
# and xcr records set (corpus long64_fpu, long64_xsave). CPL0 code runs
# in KVM's instruction emulator on some hosts, which has no XGETBV, XSAVE
# or VEX: the guest drops to CPL3 (SYSEXIT), reads
# the state there with FXSAVE (FCW, MXCSR, st0, xmm1), and, when CR4.OSXSAVE
# is set, XGETBV and VMOVDQU (the upper half of ymm1), prints
#   fcw=XXXX mxcsr=XXXXXXXX st0=X(20) xmm1=X(32)
#   xcr0=X(16) ymm1h=X(32)          (with CR4.OSXSAVE only)
# into memory, comes back through a #GP (HLT at CPL3, an IDT gate; the
# stack from TSS.RSP0 at address 4, as KVM's TR has base 0), prints the
# line on 0xe9 and halts with
# FCW in rax, MXCSR in rbx and XCR0 (0 without OSXSAVE) in rdx. With r15
# non-zero it first
# changes the state (FXRSTOR: FCW 0x27b, MXCSR 0x1fc0, xmm1 0xdeadbeef),
# as a guest that leaves it for the next input would (test_reset). Code is
# position-independent; data at 0x5000.
	.code64
	.text
	.globl _start
	.set	AREA, 0x5000		# FXSAVE image (16-byte aligned)
	.set	YMM, 0x5200		# ymm1 stored here
	.set	IDTR, 0x5300
	.set	IDT, 0x5400
	.set	OUT, 0x5600		# the line
_start:	mov	$0x170000, %rsp
	mov	%cr4, %rax
	shr	$18, %eax
	and	$1, %eax
	mov	%eax, %r12d		# OSXSAVE
	lea	back(%rip), %rax	# IDT: #GP (the HLT at CPL3) -> back
	mov	$IDT+13*16, %edi
	mov	%ax, (%rdi)
	movw	$0x18, 2(%rdi)
	movw	$0x8e00, 4(%rdi)	# present, DPL0, 64-bit interrupt gate
	shr	$16, %rax
	mov	%ax, 6(%rdi)
	shr	$16, %rax
	mov	%eax, 8(%rdi)
	movl	$0, 12(%rdi)
	movw	$14*16-1, IDTR
	movq	$IDT, IDTR+2
	lidt	IDTR
	movq	$0x170000, 4		# TSS.RSP0: KVM's TR has base 0
	mov	$0x174, %ecx		# SYSENTER_CS: SYSEXIT CS 0x33, SS 0x3b
	mov	$0x10, %eax
	xor	%edx, %edx
	wrmsr
	mov	$OUT, %r14		# the line, printed back at CPL0
	lea	user(%rip), %rdx
	mov	$0x180000, %rcx
	sysexitq

user:	fxsave	AREA
	test	%r15, %r15		# writer: change the state first
	jz	5f
	movw	$0x27b, AREA		# FCW
	movl	$0x1fc0, AREA+24	# MXCSR
	movl	$0xdeadbeef, AREA+176	# xmm1
	fxrstor	AREA
	fxsave	AREA
5:
	lea	s_fcw(%rip), %rsi
	call	puts
	movzwl	AREA, %eax
	mov	$4, %ecx
	call	hex
	lea	s_mxcsr(%rip), %rsi
	call	puts
	mov	AREA+24, %eax
	mov	$8, %ecx
	call	hex
	lea	s_st0(%rip), %rsi
	call	puts
	movzwl	AREA+40, %eax
	mov	$4, %ecx
	call	hex
	mov	AREA+32, %rax
	mov	$16, %ecx
	call	hex
	lea	s_xmm1(%rip), %rsi
	call	puts
	mov	AREA+184, %rax
	mov	$16, %ecx
	call	hex
	mov	AREA+176, %rax
	mov	$16, %ecx
	call	hex
	xor	%r13d, %r13d
	test	%r12d, %r12d
	jz	1f
	xor	%ecx, %ecx
	xgetbv
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r13
	lea	s_xcr0(%rip), %rsi
	call	puts
	mov	%r13, %rax
	mov	$16, %ecx
	call	hex
	test	$4, %r13b		# AVX enabled: the upper half of ymm1
	jz	1f
	vmovdqu	%ymm1, YMM
	lea	s_ymm(%rip), %rsi
	call	puts
	mov	YMM+24, %rax
	mov	$16, %ecx
	call	hex
	mov	YMM+16, %rax
	mov	$16, %ecx
	call	hex
1:	lea	s_nl(%rip), %rsi
	call	puts
	hlt				# #GP at CPL3: back to CPL0

back:	mov	$0xe9, %dx		# print the line (CPL0: port I/O)
	mov	$OUT, %rsi
6:	cmp	%r14, %rsi
	jae	7f
	movb	(%rsi), %al
	out	%al, (%dx)
	inc	%rsi
	jmp	6b
7:	movzwl	AREA, %eax
	mov	AREA+24, %ebx
	mov	%r13, %rdx
	hlt

# append the NUL-terminated string at rsi to the line at r14
puts:	movb	(%rsi), %al
	test	%al, %al
	jz	3f
	movb	%al, (%r14)
	inc	%r14
	inc	%rsi
	jmp	puts
3:	ret

# append the low ecx hex digits of rax, most significant first
hex:	mov	%rax, %r8
	lea	(,%rcx,4), %ecx
4:	sub	$4, %ecx
	mov	%r8, %rax
	shr	%cl, %rax
	and	$15, %eax
	lea	digits(%rip), %rsi
	movb	(%rsi,%rax), %al
	movb	%al, (%r14)
	inc	%r14
	test	%ecx, %ecx
	jnz	4b
	ret

digits:	.ascii	"0123456789abcdef"
s_fcw:	.asciz	"fcw="
s_mxcsr: .asciz	" mxcsr="
s_st0:	.asciz	" st0="
s_xmm1:	.asciz	" xmm1="
s_xcr0:	.asciz	" xcr0="
s_ymm:	.asciz	" ymm1h="
s_nl:	.asciz	"\n"
