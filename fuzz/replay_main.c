/* Standalone driver for plain builds: runs every file given (or every file
 * in a given directory) through LLVMFuzzerTestOneInput once, so the corpus
 * and saved crashes replay as regression tests without a fuzzing engine. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/target.h"
#include "vmm/limits.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf;
	size_t n;

	if (!f) {
		(void)fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	buf = malloc(VMM_SCENARIO_MAX_BYTES + 1);
	if (!buf) {
		(void)fclose(f);
		return -1;
	}
	n = fread(buf, 1, VMM_SCENARIO_MAX_BYTES + 1, f);
	(void)fclose(f);
	(void)fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, unsigned int *count)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL) {
		char **nn;

		if (ent->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = strdup(ent->d_name);
		if (!names[n]) {
			rc = -1;
			break;
		}
		n++;
	}
	(void)closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names); /* stable order */
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;

	if (argc < 2) {
		(void)fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			(void)fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) < 0 :
					  run_file(argv[i]) < 0)
			return 2;
		if (!S_ISDIR(st.st_mode))
			count++;
	}
	(void)printf("replay: %u inputs ran, no finding\n", count);
	return count ? 0 : 1;
}
