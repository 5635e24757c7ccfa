/* Rich error records for the VMM library.
 *
 * The library never prints and never exits: every fallible function takes a
 * `struct vmm_error *` and fills it on failure. The record names the failing
 * call (ioctl name, syscall name or validation step), the errno (and its
 * symbolic name) where one exists, and a one-line human message.
 */
#ifndef VMM_ERR_H
#define VMM_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Error classes. They decide the CLI exit code and, for fuzzing, the
 * finding class (see docs/exit-codes in README.md). */
enum vmm_err_class {
	VMM_ERR_NONE = 0,
	VMM_ERR_INPUT, /* bad user input: arguments, files, scenario bytes */
	VMM_ERR_HOST, /* host cannot do it: no /dev/kvm, API, capability, mode */
	VMM_ERR_SYS,  /* a system call / ioctl failed unexpectedly */
	VMM_ERR_CONTRACT, /* kernel contract violation: kvm_run field out of bounds */
	VMM_ERR_GUEST, /* the guest failed: shutdown, fail entry, unhandled exit */
	VMM_ERR_TIMEOUT, /* wall-clock timeout */
	VMM_ERR_BUDGET,	 /* exit budget used up */
	VMM_ERR_NOMEM,	 /* userspace allocation failed */
	VMM_ERR_COUNT
};

#define VMM_ERR_MSG_MAX 256

struct vmm_error {
	enum vmm_err_class cls;
	const char *call;  /* static string: ioctl/syscall/step name, or NULL */
	unsigned long req; /* the ioctl request of a failed ioctl, else 0 */
	int err;	   /* errno value, 0 if not applicable */
	/* VMM_ERR_CONTRACT: the field or value that broke the contract
	 * ("io.size", "return"); a static string, or NULL */
	const char *field;
	char msg[VMM_ERR_MSG_MAX];
};

/* Reset to "no error". */
void vmm_err_clear(struct vmm_error *e);

/* Record an error. `call` must be a string with static storage duration. */
void vmm_err_set(struct vmm_error *e, enum vmm_err_class cls, const char *call,
		 int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The same with a va_list. */
void vmm_err_vset(struct vmm_error *e, enum vmm_err_class cls, const char *call,
		  int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* The same for a failed ioctl: the request number is kept for the
 * oracle's errno table (vmm_errno_expected). */
void vmm_err_set_ioctl(struct vmm_error *e, enum vmm_err_class cls,
		       unsigned long req, const char *call, int err,
		       const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A kernel contract violation naming the broken field (static string). */
void vmm_err_contract(struct vmm_error *e, const char *call, const char *field,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Append context in front of the existing message ("ctx: old message"). */
void vmm_err_prefix(struct vmm_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Symbolic errno name ("EINVAL"); "E?" for unknown values. Never NULL. */
const char *vmm_errno_name(int err);

/* Short class name ("input", "host", ...). Never NULL. */
const char *vmm_err_class_name(enum vmm_err_class cls);

/* Format the whole record as one line into buf (always NUL-terminated):
 *   "<msg> [<call>: <ERRNO> (<strerror>)]"  */
void vmm_err_format(const struct vmm_error *e, char *buf, size_t len);

#endif
