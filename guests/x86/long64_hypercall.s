# long64: a hypercall KVM forwards to the VMM (corpus long64_hypercall).
# The scenario's hypercall record enables KVM_CAP_EXIT_HYPERCALL for
# KVM_HC_MAP_GPA_RANGE (12), the only hypercall KVM lets exit: a page
# aligned gpa (rbx), a non-zero page count (rcx) and attributes (rdx).
# VMCALL (KVM patches it to the CPU's own hypercall instruction) exits
# with KVM_EXIT_HYPERCALL; the VMM answers its return value from the
# input stream (8 bytes), which the guest prints on port 0xe9
# ("hypercall ret 0x" and 16 hex digits) and halts with in rax. A host
# whose KVM turns VMCALL into an invalid opcode instead (kvm-pvm, whose
# hypercall instruction is SYSCALL from native supervisor mode) reaches
# the #UD handler through the IDT at 0x1200 (vector 6): it prints
# "hypercall #UD" and halts with rax=-1.
	.include "lib64.inc"
	.code64
	.text
	.globl _start
_start:
	mov	$12, %eax	# KVM_HC_MAP_GPA_RANGE
	mov	$0x2000, %ebx	# gpa
	mov	$1, %ecx	# pages
	xor	%edx, %edx	# attributes
	vmcall			# KVM_EXIT_HYPERCALL: rax from the input
	mov	%rax, %rbx
	lea	msg(%rip), %rsi
	call	puts
	HEX_E9	%rbx, 16
	mov	%rbx, %rax
	hlt

	PUTS_E9

msg:	.asciz	"hypercall ret 0x"
udmsg:	.asciz	"hypercall #UD\n"
digits:	.ascii	"0123456789abcdef"

	.org	0x100		# 0x1100: the #UD handler
ud:	lea	udmsg(%rip), %rsi
	call	puts
	mov	$-1, %rax
	hlt

	.org	0x200		# 0x1200: the IDT, vectors 0..6
idt:	.fill	6 * 16, 1, 0
	GATE64	ud		# 6: #UD
