# long64: MSR exits (corpus long64_msrexit). The scenario's msr_exits
# record denies reads and writes of MSRs 0xc0000100..0xc0000103 in an MSR
# filter with KVM_MSR_EXIT_REASON_FILTER, so the guest's RDMSR of
# KERNEL_GS_BASE (0xc0000102) exits to the VMM, which answers it from the
# input stream (8 bytes), and its WRMSR of the value plus one exits with
# that value, which the VMM accepts. The guest prints "rdmsr 0x" and the
# 16 hex digits it read on port 0xe9 and halts with the value in rax.
	.include "lib64.inc"
	.code64
	.text
	.globl _start
_start:
	mov	$0xc0000102, %ecx
	rdmsr			# KVM_EXIT_X86_RDMSR: edx:eax from the input
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %rbx
	lea	msg(%rip), %rsi
	call	puts
	HEX_E9	%rbx, 16
	lea	1(%rbx), %rax	# WRMSR the value plus one
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	$0xc0000102, %ecx
	wrmsr			# KVM_EXIT_X86_WRMSR, accepted
	mov	%rbx, %rax
	hlt

	PUTS_E9

msg:	.asciz	"rdmsr 0x"
digits:	.ascii	"0123456789abcdef"
