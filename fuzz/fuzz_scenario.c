/* fuzz_scenario: the scenario decoder and encoder alone (no KVM).
 * Oracle: every accepted input re-encodes to exactly itself, and decoding
 * that encoding gives the same scenario field by field; the text form
 * round-trips too. Any difference aborts with a one-line signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/target.h"
#include "vmm/scenario.h"

static void finding(const char *sig, const char *detail)
{
	(void)fprintf(stderr, "FINDING %s: %s\n", sig, detail);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

void fuzz_target_start(void)
{
}

void fuzz_target_close_inline(void)
{
}

const char *fuzz_target_unavailable(void)
{
	return NULL; /* no KVM needed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t enc[VMM_SCENARIO_MAX_BYTES];
	static uint8_t arena[VMM_SCENARIO_MAX_BYTES];
	static char text[4 * VMM_SCENARIO_MAX_BYTES];
	struct vmm_scenario a, b, c;
	struct vmm_error e;
	char what[64];
	size_t n, tn;

	if (vmm_scenario_decode(data, size, &a, &e) < 0)
		return 0;
	n = vmm_scenario_encode(&a, enc, sizeof(enc), &e);
	if (n == 0 || n > sizeof(enc))
		finding("roundtrip-encode-fails", e.msg);
	if (n != size || memcmp(enc, data, n) != 0)
		finding("roundtrip-bytes", "decode->encode changed the bytes");
	if (vmm_scenario_decode(enc, n, &b, &e) < 0)
		finding("roundtrip-redecode", e.msg);
	if (!vmm_scenario_equal(&a, &b, what, sizeof(what)))
		finding("roundtrip-fields", what);
	tn = vmm_scenario_format_text(&a, text, sizeof(text));
	if (tn >= sizeof(text))
		return 0; /* too large for the text check buffer */
	if (vmm_scenario_parse_text(text, tn, arena, sizeof(arena), &c, &e) < 0)
		finding("text-parse", e.msg);
	if (!vmm_scenario_equal(&a, &c, what, sizeof(what)))
		finding("text-fields", what);
	return 0;
}

FUZZ_CUSTOM_MUTATOR
