/* The ptrace stub program, embedded in the sentry. */
	.section .rodata
	.balign 16
	.globl ptrace_stub_image
ptrace_stub_image:
	.incbin STUB_IMAGE_PATH
	.globl ptrace_stub_image_end
ptrace_stub_image_end:
	.section .note.GNU-stack,"",@progbits
