/* The stub program (factory, ptrace and systrap stubs), embedded in the sentry. */
	.section .rodata
	.balign 16
	.globl stub_image
stub_image:
	.incbin STUB_IMAGE_PATH
	.globl stub_image_end
stub_image_end:
	.section .note.GNU-stack,"",@progbits
