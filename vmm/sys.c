#include "vmm/sys.h"

#include "vmm/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int libc_open(void *ctx, const char *path, int flags)
{
	(void)ctx;
	return open(path, flags);
}

static int libc_close(void *ctx, int fd)
{
	(void)ctx;
	return close(fd);
}

static int libc_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	return ioctl(fd, req, arg);
}

static void *libc_mmap(void *ctx, void *addr, size_t len, int prot, int flags,
		       int fd, off_t off)
{
	(void)ctx;
	return mmap(addr, len, prot, flags, fd, off);
}

static int libc_munmap(void *ctx, void *addr, size_t len)
{
	(void)ctx;
	return munmap(addr, len);
}

static const struct vmm_sysops libc_ops = {
	.open = libc_open,
	.close = libc_close,
	.ioctl = libc_ioctl,
	.mmap = libc_mmap,
	.munmap = libc_munmap,
	.ctx = NULL,
};

const struct vmm_sysops *vmm_sysops_default(void)
{
	return &libc_ops;
}

int vmm_open(const struct vmm_sysops *ops, const char *path, int flags,
	     struct vmm_error *e)
{
	int fd, tries = 0;

	do
		fd = ops->open(ops->ctx, path, flags | O_CLOEXEC);
	while (fd == -1 && errno == EINTR && ++tries < VMM_EINTR_RETRIES);

	if (fd == -1) {
		vmm_err_set(e, VMM_ERR_SYS, "open", errno, "cannot open %s",
			    path);
		return -1;
	}
	if (fd < 0) {
		vmm_err_contract(e, "open", "return", "open(%s) returned %d",
				 path, fd);
		return -1;
	}
	return fd;
}

void vmm_close(const struct vmm_sysops *ops, int fd)
{
	if (fd >= 0)
		(void)ops->close(ops->ctx, fd);
}

int vmm_ioctl_raw(const struct vmm_sysops *ops, int fd, unsigned long req,
		  void *arg)
{
	return ops->ioctl(ops->ctx, fd, req, arg);
}

int vmm_ioctl(const struct vmm_sysops *ops, int fd, unsigned long req,
	      const char *name, void *arg, struct vmm_error *e)
{
	int ret, tries = 0;

	/* A signal meant for someone else (the fuzz engine's timers, a
	 * profiler) can interrupt any ioctl that sleeps: KVM_CREATE_VM
	 * registering its MMU notifier returns EINTR with a signal pending,
	 * having done nothing. Retried, as EINTR means "nothing happened";
	 * KVM_RUN is not issued through here (vcpu.c run_once). */
	do
		ret = ops->ioctl(ops->ctx, fd, req, arg);
	while (ret == -1 && errno == EINTR && ++tries < VMM_EINTR_RETRIES);

	if (ret == -1) {
		int err = errno;

		vmm_err_set_ioctl(e, VMM_ERR_SYS, req, name, err, "%s failed",
				  name);
		return -1;
	}
	if (ret < 0) {
		vmm_err_contract(e, name, "return",
				 "%s returned %d (only -1 or >= 0 are allowed)",
				 name, ret);
		if (e)
			e->req = req;
		return -1;
	}
	return ret;
}

void *vmm_mmap(const struct vmm_sysops *ops, size_t len, int prot, int flags,
	       int fd, off_t off, const char *what, struct vmm_error *e)
{
	void *p = ops->mmap(ops->ctx, NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED) {
		vmm_err_set(e, VMM_ERR_SYS, "mmap", errno,
			    "cannot map %s (%zu bytes)", what, len);
		return NULL;
	}
	if (p == NULL) {
		vmm_err_contract(e, "mmap", "return",
				 "mmap of %s returned NULL", what);
		return NULL;
	}
	return p;
}

void vmm_munmap(const struct vmm_sysops *ops, void *addr, size_t len)
{
	if (addr)
		(void)ops->munmap(ops->ctx, addr, len);
}
