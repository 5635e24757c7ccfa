/* The one place the library reaches the kernel.
 *
 * Every open/close/ioctl/mmap/munmap the library makes goes through a
 * `struct vmm_sysops` table. The default table calls libc; tests replace it
 * to inject faults at any call site.
 *
 * Two tiers, after the KVM selftests:
 *   vmm_ioctl_raw()  returns the raw ioctl result, errno untouched;
 *   vmm_ioctl()      checks the result and fills a vmm_error naming the
 *                    ioctl (use the VMM_IOCTL macro so the name is the
 *                    request's own spelling).
 * Results are compared against -1 / >= 0 explicitly: an ioctl result other
 * than -1 that is negative is itself reported as a kernel contract violation.
 */
#ifndef VMM_SYS_H
#define VMM_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "vmm/err.h"

struct vmm_sysops {
	int (*open)(void *ctx, const char *path, int flags);
	int (*close)(void *ctx, int fd);
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
	void *(*mmap)(void *ctx, void *addr, size_t len, int prot, int flags,
		      int fd, off_t off);
	int (*munmap)(void *ctx, void *addr, size_t len);
	void *ctx;
};

/* The libc-backed table. */
const struct vmm_sysops *vmm_sysops_default(void);

int vmm_open(const struct vmm_sysops *ops, const char *path, int flags,
	     struct vmm_error *e);
/* Close, ignoring a negative fd. Errors are not reportable to anyone useful
 * at teardown time; EINTR on close must not be retried on Linux. */
void vmm_close(const struct vmm_sysops *ops, int fd);

int vmm_ioctl_raw(const struct vmm_sysops *ops, int fd, unsigned long req,
		  void *arg);
int vmm_ioctl(const struct vmm_sysops *ops, int fd, unsigned long req,
	      const char *name, void *arg, struct vmm_error *e);
/* Typed wrappers, checked at compile time against the request's own
 * encoding (as the KVM selftests' kvm_util does):
 *  - VMM_IOCTL: the argument is a pointer whose pointee has exactly the
 *    size the request encodes (_IOC_SIZE): a void pointer, a byte buffer
 *    or the wrong struct does not compile;
 *  - VMM_IOCTL_VAL: requests that take a value or nothing (_IO, size 0);
 *  - VMM_IOCTL_RAW: VMM_IOCTL's check, the raw result.
 * Structs ending in a flexible array (kvm_msrs, kvm_msr_list,
 * kvm_reg_list...) are passed as a pointer to the header struct; the
 * buffer behind it is the caller's to size. */
#define VMM_IOC_ARG_OK(req, ptr) \
	((void)sizeof(char[sizeof(*(ptr)) == _IOC_SIZE(req) ? 1 : -1]))
#define VMM_IOC_NO_ARG(req) ((void)sizeof(char[_IOC_SIZE(req) == 0 ? 1 : -1]))
#define VMM_IOCTL(ops, fd, req, ptr, e) \
	(VMM_IOC_ARG_OK(req, ptr),      \
	 vmm_ioctl((ops), (fd), (req), #req, (void *)(ptr), (e)))
#define VMM_IOCTL_VAL(ops, fd, req, val, e) \
	(VMM_IOC_NO_ARG(req),               \
	 vmm_ioctl((ops), (fd), (req), #req, (void *)(uintptr_t)(val), (e)))
#define VMM_IOCTL_RAW(ops, fd, req, ptr) \
	(VMM_IOC_ARG_OK(req, ptr),       \
	 vmm_ioctl_raw((ops), (fd), (req), (void *)(ptr)))

/* mmap/munmap; `what` names the mapping in the error ("guest memory"). */
void *vmm_mmap(const struct vmm_sysops *ops, size_t len, int prot, int flags,
	       int fd, off_t off, const char *what, struct vmm_error *e);
void vmm_munmap(const struct vmm_sysops *ops, void *addr, size_t len);

#endif
