/* Load a built guest binary for in-process tests. */
#ifndef VMM_TESTS_GUEST_FILES_H
#define VMM_TESTS_GUEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct guest_bin {
	uint8_t *data;
	uint64_t len;
};

static inline int guest_load(const char *dir, const char *name,
			     struct guest_bin *g)
{
	char path[512];
	FILE *f;
	long n;

	(void)snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "rbe");
	if (!f) {
		(void)fprintf(stderr, "cannot open guest %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		(void)fclose(f);
		return -1;
	}
	g->data = malloc((size_t)n);
	g->len = (uint64_t)n;
	if (!g->data || fread(g->data, 1, (size_t)n, f) != (size_t)n) {
		free(g->data);
		(void)fclose(f);
		return -1;
	}
	(void)fclose(f);
	return 0;
}

static inline int kvm_present(void)
{
	return access("/dev/kvm", F_OK) == 0;
}

#endif
