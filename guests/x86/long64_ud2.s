# long64: undefined opcode with no IDT: #UD -> #DF -> triple fault, which
# KVM reports as KVM_EXIT_SHUTDOWN (guest failure test).
	.code64
	.text
	.globl _start
_start:
	ud2
