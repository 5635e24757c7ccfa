/* Number parsing used by the CLI and the text form: strict, whole-string,
 * overflow-checked. */
#include "tests/check.h"
#include "vmm/cli/args.h"
#include "vmm/num.h"

static int u64_ok(const char *s, uint64_t want)
{
	uint64_t v = ~want;

	return vmm_parse_u64(s, &v) == 0 && v == want;
}

static int u64_bad(const char *s)
{
	uint64_t v = 0;

	return vmm_parse_u64(s, &v) != 0;
}

static int size_ok(const char *s, uint64_t want)
{
	uint64_t v = ~want;

	return vmm_parse_size(s, &v) == 0 && v == want;
}

static int size_bad(const char *s)
{
	uint64_t v = 0;

	return vmm_parse_size(s, &v) != 0;
}

int main(void)
{
	CHECK(u64_ok("0", 0));
	CHECK(u64_ok("4096", 4096));
	CHECK(u64_ok("0x1000", 0x1000));
	CHECK(u64_ok("0XfF", 0xff));
	CHECK(u64_ok("18446744073709551615", UINT64_MAX));
	CHECK(u64_ok("0xffffffffffffffff", UINT64_MAX));
	CHECK(u64_bad("18446744073709551616"));
	CHECK(u64_bad("0x10000000000000000"));
	CHECK(u64_bad(""));
	CHECK(u64_bad("-1"));
	CHECK(u64_bad("+1"));
	CHECK(u64_bad(" 1"));
	CHECK(u64_bad("1 "));
	CHECK(u64_bad("0x"));
	CHECK(u64_bad("0xg"));
	CHECK(u64_bad("010"));
	CHECK(u64_bad("12abc"));
	CHECK(u64_bad("1K"));
	CHECK(u64_bad(NULL));
	/* strtoull's leniencies: a second prefix, whitespace, signs (which it
	 * accepts and wraps), empty or foreign digits after the prefix. */
	CHECK(u64_bad("0x0x1000"));
	CHECK(u64_bad("0X0x10"));
	CHECK(u64_bad("0x0X10"));
	CHECK(u64_bad("0x0x"));
	CHECK(u64_bad("\t1"));
	CHECK(u64_bad("\n1"));
	CHECK(u64_bad(" 0x10"));
	CHECK(u64_bad("0x 10"));
	CHECK(u64_bad("0x+10"));
	CHECK(u64_bad("0x-10"));
	CHECK(u64_bad("+0x10"));
	CHECK(u64_bad("-0x10"));
	CHECK(u64_bad("-0"));
	CHECK(u64_bad("0X"));
	CHECK(u64_bad("00"));
	CHECK(u64_bad("0x1g"));
	CHECK(u64_ok("0x0", 0));
	CHECK(u64_ok("0x00000000000000000001", 1)); /* leading hex zeros */
	CHECK(u64_ok("1", 1));
	CHECK(u64_ok("0xABCDEFabcdef", 0xABCDEFABCDEFULL));

	CHECK(size_ok("2M", 2ULL << 20));
	CHECK(size_ok("64k", 64ULL << 10));
	CHECK(size_ok("1G", 1ULL << 30));
	CHECK(size_ok("0x1000", 0x1000));
	CHECK(size_ok("4096", 4096));
	CHECK(size_ok("17179869183G", 17179869183ULL << 30));
	CHECK(size_bad("17179869184G")); /* 2^64: overflows */
	CHECK(size_bad("2MB"));
	CHECK(size_bad("2T"));
	CHECK(size_bad("M"));
	CHECK(size_bad("-2M"));
	CHECK(size_bad("0x0x1000"));
	CHECK(size_bad("0x0x1K"));
	CHECK(size_bad(" 2M"));
	CHECK(size_bad("+2M"));
	CHECK(size_bad("0xK"));
	CHECK(size_ok("0x10K", 16ULL << 10));

	/* The core parser's prefix form stops at the first non-digit. */
	{
		const char *end = NULL;
		uint64_t v = 0;
		static const char k[] = "0x1fK";

		CHECK(vmm_num_parse_prefix(k, &v, &end) == 0);
		CHECK(v == 0x1f && end == k + 4);
		CHECK(vmm_num_parse_prefix("0x0x1", &v, &end) == 0);
		CHECK(v == 0 &&
		      *end == 'x'); /* the second "x" is not a digit */
		CHECK(vmm_num_parse_prefix("+1", &v, &end) != 0);
		CHECK(vmm_num_parse("0x0x1", &v) != 0);
	}
	return check_report("test_args");
}
