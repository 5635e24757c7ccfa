# long64: print the CPUID vendor string (leaf 0: ebx, edx, ecx) and a
# newline on 0xe9, then halt with leaf 0's eax in rax (corpus long64_cpuid,
# whose cpuid records make it "kvmfuzz-cpu!" and eax 0x7).
	.code64
	.text
	.globl _start
_start:
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%ebx, 0x2000
	mov	%edx, 0x2004
	mov	%ecx, 0x2008
	movb	$10, 0x200c
	mov	%eax, %edi
	mov	$0x2000, %esi
	mov	$13, %ecx
	mov	$0xe9, %dx
	rep outsb
	mov	%edi, %eax
	hlt
