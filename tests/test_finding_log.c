/* The fuzz targets' finding log: SHA-1 names as libFuzzer gives its
 * artifacts, one line per finding in VMM_FUZZ_FINDINGS_LOG. */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz/finding_log.h"
#include "tests/check.h"

int main(void)
{
	static uint8_t big[1000];
	char hex[41], path[] = "/tmp/kvmfuzz-findings-XXXXXX", line[256];
	FILE *f;
	int fd;

	fuzz_sha1_hex((const uint8_t *)"", 0, hex);
	CHECK(strcmp(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709") == 0);
	fuzz_sha1_hex((const uint8_t *)"abc", 3, hex);
	CHECK(strcmp(hex, "a9993e364706816aba3e25717850c26c9cd0d89d") == 0);
	/* 56 bytes: the length no longer fits the first padding block */
	fuzz_sha1_hex((const uint8_t *)"abcdbcdecdefdefgefghfghighijhijki"
				       "jkljklmklmnlmnomnopnopq",
		      56, hex);
	CHECK(strcmp(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1") == 0);
	memset(big, 'a', sizeof(big));
	fuzz_sha1_hex(big, sizeof(big), hex);
	CHECK(strcmp(hex, "291e9a6c66994949b57ba5e650361e98fc36b1ba") == 0);

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return check_report("test_finding_log");
	(void)close(fd);
	CHECK(setenv("VMM_FUZZ_FINDINGS_LOG", path, 1) == 0);
	fuzz_finding_log((const uint8_t *)"abc", 3, "vcpu-hang KVM_RUN");
	fuzz_finding_log((const uint8_t *)"", 0,
			 "kernel-contract kvm_run io.size");
	f = fopen(path, "re");
	CHECK(f != NULL);
	if (f) {
		CHECK(fgets(line, sizeof(line), f) != NULL);
		CHECK(strcmp(line,
			     "crash-a9993e364706816aba3e25717850c26c9cd0d89d"
			     "\tvcpu-hang KVM_RUN\n") == 0);
		CHECK(fgets(line, sizeof(line), f) != NULL);
		CHECK(strcmp(line,
			     "crash-da39a3ee5e6b4b0d3255bfef95601890afd80709"
			     "\tkernel-contract kvm_run io.size\n") == 0);
		(void)fclose(f);
	}
	(void)unlink(path);
	return check_report("test_finding_log");
}
