// Spins forever without an exit: only the run timeout stops it.
	.text
	.global _start
_start:
	b	_start
