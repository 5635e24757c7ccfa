# long64: read back the MSRs the scenario's msr records set, then halt
# (corpus long64_msr). Expected with its records: rax=0x123456789abc
# (KERNEL_GS_BASE), rbx=0x8000 (SYSENTER_ESP), rcx=0xc0000102.
	.code64
	.text
	.globl _start
_start:
	mov	$0x175, %ecx		# IA32_SYSENTER_ESP
	rdmsr
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %rbx
	mov	$0xc0000102, %ecx	# KERNEL_GS_BASE
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	hlt
