/* Helpers shared by the tests and benchmarks: process resource figures
 * from /proc and loading every file of a directory. */
#ifndef VMM_TESTS_PROC_UTIL_H
#define VMM_TESTS_PROC_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open file descriptors of this process (-1 on error). */
static inline int proc_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	int n = 0;

	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL)
		if (ent->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* A "Name:   N kB" field of /proc/self/status ("VmSize:", "VmRSS:"). */
static inline long proc_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	size_t fl = strlen(field);
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, fl) == 0) {
			kb = strtol(line + fl, NULL, 10);
			break;
		}
	(void)fclose(f);
	return kb;
}

/* KiB mapped by this process outside the malloc heap and the main stack
 * ([heap] and [stack] grow by whole pages when an allocation or a deeper
 * call crosses one: not a leak, and whether they do depends on where ASLR
 * put their start). mmap'd guest memory and kvm_run areas count. -1 on
 * error. */
static inline long proc_mapped_kb_no_heap(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	long kb = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long lo = strtoul(line, &end, 16), hi;

		if (*end != '-' || strstr(line, "[heap]") ||
		    strstr(line, "[stack]"))
			continue;
		hi = strtoul(end + 1, NULL, 16);
		kb += (long)((hi - lo) / 1024);
	}
	(void)fclose(f);
	return kb;
}

/* Lines of /proc/self/maps: the number of mappings. */
static inline int proc_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0, ch;

	if (!f)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		if (ch == '\n')
			n++;
	(void)fclose(f);
	return n;
}

/* Call fn(name, bytes, len, ctx) for each regular file of `dir` whose name
 * ends in `suffix` (up to `cap` bytes read of each); returns the count. */
static inline int for_each_file(const char *dir, const char *suffix, size_t cap,
				void (*fn)(const char *name, const uint8_t *buf,
					   size_t len, void *ctx),
				void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	uint8_t *buf = malloc(cap);
	size_t sl = strlen(suffix);
	int n = 0;

	while (d && buf && (ent = readdir(d)) != NULL) {
		size_t nl = strlen(ent->d_name);
		char path[1024];
		FILE *f;
		size_t len;

		if (nl < sl || strcmp(ent->d_name + nl - sl, suffix) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		f = fopen(path, "rbe");
		if (!f)
			continue;
		len = fread(buf, 1, cap, f);
		(void)fclose(f);
		fn(ent->d_name, buf, len, ctx);
		n++;
	}
	if (d)
		(void)closedir(d);
	free(buf);
	return n;
}

#endif
