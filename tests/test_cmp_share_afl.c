/* The AFL++ target's comparison table on real KVM (the afl tree: the VMM
 * core built with AFL++'s CmpLog instruction pass, fuzz/cmp_hook_afl.c
 * linked into fuzz_pipeline_afl):
 *  - run outside afl-fuzz on a guest that writes to port 0x1234
 *    (permissive: no device owns it), with VMM_CMP_SHM naming a new
 *    file, the target fills the file with what the VMM compared: 0x1234
 *    among the values, with at least one constant, as the custom mutator
 *    reads it back (fuzz_cmp_load);
 *  - a VMM_CMP_SHM file of another size is left as it was, and the
 *    target still runs the input (exit 0).
 * Usage: test_cmp_share_afl FUZZ_PIPELINE_AFL */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/cmp_table.h"
#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "vmm/scenario.h"

/* real16: mov dx, 0x1234; mov al, 'A'; out dx, al; hlt */
static const uint8_t code[] = { 0xba, 0x34, 0x12, 0xb0, 0x41, 0xee, 0xf4 };

static size_t scenario(uint8_t *out, size_t max)
{
	struct vmm_scenario s;
	struct vmm_error e;
	size_t n;

	sb_begin(&s, 0x10000, 1000);
	s.max_exits = 64;
	s.flags = VMM_SCN_PERMISSIVE;
	(void)sb_code(&s, 0, 0x1000, code, sizeof(code));
	n = vmm_scenario_encode(&s, out, max, &e);
	return n <= max ? n : 0;
}

/* the target on `input` with VMM_CMP_SHM=shm: its exit status, or -1 */
static int run_target(const char *bin, const char *input, const char *shm)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int fd = open(input, O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		setenv("VMM_CMP_SHM", shm, 1);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/test_cmp_share_afl-XXXXXX", in[64], shm[64], bad[64];
	uint8_t buf[4096];
	uint64_t c[FUZZ_CMP_PER];
	unsigned int n;
	size_t len;
	struct stat st;
	int fd;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: test_cmp_share_afl BINARY\n");
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		(void)printf("no /dev/kvm: skipped\n");
		return 77;
	}
	if (!mkdtemp(dir))
		return 1;
	(void)snprintf(in, sizeof(in), "%s/in", dir);
	(void)snprintf(shm, sizeof(shm), "%s/cmp", dir);
	(void)snprintf(bad, sizeof(bad), "%s/bad", dir);
	len = scenario(buf, sizeof(buf));
	CHECK(len > 0);
	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, buf, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);

	CHECK_EQ_U64(run_target(argv[1], in, shm), 0);
	CHECK(fuzz_cmp_load(shm, NULL) == 0);
	n = fuzz_cmp_find(0x1234, c, FUZZ_CMP_PER);
	(void)printf("after one run: %llu constants noted, 0x1234 was "
		     "compared with %u of them\n",
		     (unsigned long long)fuzz_cmp_noted(), n);
	for (unsigned int i = 0; i < n; i++)
		(void)printf("  0x1234 compared with 0x%llx\n",
			     (unsigned long long)c[i]);
	CHECK(fuzz_cmp_noted() > 0);
	CHECK(n >= 1);

	/* a file of another size: left alone, the input still runs */
	fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "not a table\n", 12) == 12);
	if (fd >= 0)
		close(fd);
	CHECK_EQ_U64(run_target(argv[1], in, bad), 0);
	CHECK(stat(bad, &st) == 0 && st.st_size == 12);

	(void)unlink(in);
	(void)unlink(shm);
	(void)unlink(bad);
	(void)rmdir(dir);
	return check_report("test_cmp_share_afl");
}
