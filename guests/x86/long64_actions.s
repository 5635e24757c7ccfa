# long64: guests for the action records (corpus long64_act_*), one entry
# point each; strings on port 0xe9.
#  0x1000 mmio_delete: rep movsb from RAM into slot 1 (readonly at
#         0x400000: each byte is an MMIO write exit on that slot); the
#         action deletes slot 1 at the first of them, the rest of the
#         copy and a read back go on as plain MMIO (permissive devices).
#  0x1100 readonly_rep: rep movsb from 0x10000000 (no slot: MMIO reads
#         answered from the input stream) into slot 1 (RAM at 0x400000);
#         the action makes slot 1 readonly mid-copy: the later bytes'
#         writes exit as MMIO writes. Prints the byte read back first.
#  0x1200 dirty vCPU 0 / 0x1280 vCPU 1: both write one page of slot 1
#         (dirty logging) and print between writes; the actions clear
#         and read the dirty log at their exits.
#  0x1300 nmi_step: an IDT (0x1800) whose NMI handler prints "NMI" and
#         halts; the main path prints "step" and halts. Single-stepped
#         (guest_debug record); the action sends an NMI at a debug exit.
	.include "lib64.inc"
	.code64
	.text
	.globl _start
_start:
	mov	$0x400000, %rdi
	lea	src(%rip), %rsi
	mov	$8, %ecx
	cld
	rep movsb
	mov	0x400000, %rbx
	lea	m_del(%rip), %rsi
	call	puts
	hlt

	.org	0x100		# 0x1100: readonly_rep
	mov	$0x10000000, %rsi
	mov	$0x400000, %rdi
	mov	$8, %ecx
	cld
	rep movsb
	mov	0x400000, %rbx
	lea	m_ro(%rip), %rsi
	call	puts
	hlt

	.org	0x200		# 0x1200: dirty, vCPU 0
	mov	$0x400000, %rdi
	mov	$4, %ecx
1:	mov	%cl, (%rdi)
	lea	m_a(%rip), %rsi
	call	puts
	dec	%ecx
	jnz	1b
	hlt

	.org	0x280		# 0x1280: dirty, vCPU 1
	mov	$0x400800, %rdi
	mov	$4, %ecx
1:	mov	%cl, (%rdi)
	lea	m_b(%rip), %rsi
	call	puts
	dec	%ecx
	jnz	1b
	hlt

	.org	0x300		# 0x1300: nmi_step
	lidt	idtr(%rip)
	lea	m_step(%rip), %rsi
	call	puts
	hlt
nmi:	lea	m_nmi(%rip), %rsi
	call	puts
	hlt

	PUTS_E9	save_rcx=1

src:	.ascii	"actions!"
m_del:	.asciz	"copied into a slot that went away\n"
m_ro:	.asciz	"copied while the slot turned readonly\n"
m_a:	.asciz	"a"
m_b:	.asciz	"b"
m_step:	.asciz	"step\n"
m_nmi:	.asciz	"NMI\n"
idtr:	.word	0x2f		# vectors 0..2
	.quad	0x1800

	.org	0x800		# 0x1800: the IDT
idt:	.fill	2 * 16, 1, 0
	GATE64	nmi		# 2: NMI
