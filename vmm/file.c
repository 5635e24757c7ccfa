#include "vmm/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vmm_file_open(const struct vmm_sysops *ops, const char *path,
		  uint64_t *size, struct vmm_error *e)
{
	struct stat st;
	int fd, fl;

	if (!ops)
		ops = vmm_sysops_default();
	*size = 0;
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer, and some devices block in open too. */
	fd = ops->open(ops->ctx, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		vmm_err_set(e, VMM_ERR_INPUT, "open", fd == -1 ? errno : 0,
			    "cannot open");
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		vmm_err_set(e, VMM_ERR_INPUT, "fstat", errno, "cannot stat");
		vmm_close(ops, fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		vmm_err_set(e, VMM_ERR_INPUT, NULL, 0, "is not a regular file");
		vmm_close(ops, fd);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		vmm_err_set(e, VMM_ERR_INPUT, "fcntl", errno,
			    "cannot clear O_NONBLOCK");
		vmm_close(ops, fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int vmm_file_read(int fd, uint8_t *buf, uint64_t len, struct vmm_error *e)
{
	uint64_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, (size_t)(len - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vmm_err_set(e, VMM_ERR_INPUT, "read", errno,
				    "cannot read");
			return -1;
		}
		if (n == 0) {
			vmm_err_set(e, VMM_ERR_INPUT, NULL, 0,
				    "shrank to %llu bytes while being read",
				    (unsigned long long)got);
			return -1;
		}
		got += (uint64_t)n;
	}
	return 0;
}

int vmm_file_load(const struct vmm_sysops *ops, const char *path, uint64_t max,
		  uint8_t **buf, uint64_t *len, struct vmm_error *e)
{
	uint64_t size = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	if (!ops)
		ops = vmm_sysops_default();
	fd = vmm_file_open(ops, path, &size, e);
	if (fd < 0)
		return -1;
	if (size == 0 || size > max || size > SIZE_MAX) {
		if (size == 0)
			vmm_err_set(e, VMM_ERR_INPUT, NULL, 0, "is empty");
		else
			vmm_err_set(e, VMM_ERR_INPUT, NULL, 0,
				    "is %llu bytes, "
				    "more than the %llu-byte limit",
				    (unsigned long long)size,
				    (unsigned long long)max);
		vmm_close(ops, fd);
		return -1;
	}
	*buf = malloc((size_t)size);
	if (!*buf) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
			    "out of memory for %llu bytes",
			    (unsigned long long)size);
		vmm_close(ops, fd);
		return -1;
	}
	if (vmm_file_read(fd, *buf, size, e) < 0) {
		free(*buf);
		*buf = NULL;
		vmm_close(ops, fd);
		return -1;
	}
	vmm_close(ops, fd);
	*len = size;
	return 0;
}

int vmm_fd_load(int fd, uint64_t max, uint8_t **buf, uint64_t *len,
		struct vmm_error *e)
{
	uint64_t cap = 0, n = 0;
	uint8_t *b = NULL;

	*buf = NULL;
	*len = 0;
	for (;;) {
		ssize_t got;

		if (n == cap) {
			/* Room for max + 1 bytes at most: the extra byte
			 * tells "exactly max" from "more than max". */
			uint64_t ncap = cap ? cap * 2 : 65536;
			uint8_t *nb;

			if (cap > max) {
				vmm_err_set(e, VMM_ERR_INPUT, NULL, 0,
					    "is more than %llu bytes",
					    (unsigned long long)max);
				free(b);
				return -1;
			}
			if (max < UINT64_MAX && ncap > max + 1)
				ncap = max + 1;
			nb = realloc(b, (size_t)ncap);
			if (!nb) {
				vmm_err_set(e, VMM_ERR_NOMEM, "realloc", 0,
					    "out of memory for %llu bytes",
					    (unsigned long long)ncap);
				free(b);
				return -1;
			}
			b = nb;
			cap = ncap;
		}
		got = read(fd, b + n, (size_t)(cap - n));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			vmm_err_set(e, VMM_ERR_INPUT, "read", errno,
				    "cannot read");
			free(b);
			return -1;
		}
		if (got == 0)
			break;
		n += (uint64_t)got;
	}
	if (n > max || n == 0) {
		if (n == 0)
			vmm_err_set(e, VMM_ERR_INPUT, NULL, 0, "is empty");
		else
			vmm_err_set(e, VMM_ERR_INPUT, NULL, 0,
				    "is more than %llu bytes",
				    (unsigned long long)max);
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vmm_dir_each(const char *dir, int (*fn)(const char *path, void *ctx),
		 void *ctx, struct vmm_error *e)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		vmm_err_set(e, VMM_ERR_INPUT, "opendir", errno,
			    "cannot open directory");
		return -1;
	}
	while ((ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(ent->d_name);
		if (!names[n])
			break;
		n++;
	}
	(void)closedir(d);
	if (ent) { /* stopped early: out of memory */
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
			    "out of memory listing a directory");
		return -1;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = fn(path, ctx);
		free(names[i]);
	}
	free(names);
	return rc;
}
