// A 32-bit EL1 guest (vCPU mode aarch32, KVM_ARM_VCPU_EL1_32BIT): A32
// instructions as words (the AArch64 assembler does not take A32; the
// encodings were checked with objdump -m arm). Prints "A32\n" on the UART,
// then PSCI SYSTEM_OFF through HVC.
	.text
	.global _start
_start:
	.inst	0xe3a01201	// mov   r1, #0x10000000
	.inst	0xe3a00041	// mov   r0, #'A'
	.inst	0xe5c10000	// strb  r0, [r1]
	.inst	0xe3a00033	// mov   r0, #'3'
	.inst	0xe5c10000	// strb  r0, [r1]
	.inst	0xe3a00032	// mov   r0, #'2'
	.inst	0xe5c10000	// strb  r0, [r1]
	.inst	0xe3a0000a	// mov   r0, #'\n'
	.inst	0xe5c10000	// strb  r0, [r1]
	.inst	0xe3000008	// movw  r0, #0x0008
	.inst	0xe3480400	// movt  r0, #0x8400: PSCI SYSTEM_OFF
	.inst	0xe1400070	// hvc   #0
	.inst	0xeafffffe	// b     .
