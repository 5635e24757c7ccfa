/* What the fuzzer saw, next to what it saved: with VMM_FUZZ_FINDINGS_LOG
 * set, every finding appends one line "crash-<sha1 of the input>\t<the
 * FINDING signature>" to that file - the name libFuzzer gives the saved
 * input (SHA-1 of its bytes) - so fuzz/reproduce.sh can compare a replay
 * with the fuzzer's own verdict, also for findings that do not replay. */
#include "fuzz/finding_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t rol(uint32_t x, unsigned int n)
{
	return (x << n) | (x >> (32U - n));
}

static void sha1_block(uint32_t h[5], const uint8_t b[64])
{
	uint32_t w[80], a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];

	for (size_t i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (bb & c) | (~bb & d);
			k = 0x5a827999U;
		} else if (i < 40) {
			f = bb ^ c ^ d;
			k = 0x6ed9eba1U;
		} else if (i < 60) {
			f = (bb & c) | (bb & d) | (c & d);
			k = 0x8f1bbcdcU;
		} else {
			f = bb ^ c ^ d;
			k = 0xca62c1d6U;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(bb, 30);
		bb = a;
		a = t;
	}
	h[0] += a;
	h[1] += bb;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void fuzz_sha1_hex(const uint8_t *data, size_t size, char out[41])
{
	uint32_t h[5] = { 0x67452301U, 0xefcdab89U, 0x98badcfeU, 0x10325476U,
			  0xc3d2e1f0U };
	uint8_t tail[128];
	size_t full = size / 64 * 64, rest = size - full, n;
	uint64_t bits = (uint64_t)size * 8;

	for (size_t i = 0; i < full; i += 64)
		sha1_block(h, data + i);
	memset(tail, 0, sizeof(tail));
	if (rest)
		memcpy(tail, data + full, rest);
	tail[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		tail[n - 1 - (size_t)i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, tail);
	if (n == 128)
		sha1_block(h, tail + 64);
	for (size_t i = 0; i < 5; i++)
		(void)snprintf(out + 8 * i, 9, "%08x", h[i]);
}

void fuzz_finding_log(const uint8_t *data, size_t size, const char *sig)
{
	const char *path = getenv("VMM_FUZZ_FINDINGS_LOG");
	char hex[41], line[512];
	int fd, n;

	if (!path || !*path || !data)
		return;
	fuzz_sha1_hex(data, size, hex);
	n = snprintf(line, sizeof(line), "crash-%s\t%s\n", hex, sig);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* one write with O_APPEND: lines from parallel jobs do not mix */
	(void)!write(fd, line, (size_t)n);
	(void)close(fd);
}
