/* The fuzz targets' record of their findings (VMM_FUZZ_FINDINGS_LOG). */
#ifndef FUZZ_FINDING_LOG_H
#define FUZZ_FINDING_LOG_H

#include <stddef.h>
#include <stdint.h>

/* SHA-1 of the bytes as 40 hex digits (libFuzzer's artifact names). */
void fuzz_sha1_hex(const uint8_t *data, size_t size, char out[41]);
/* Append "crash-<sha1>\t<sig>" to $VMM_FUZZ_FINDINGS_LOG, if set. */
void fuzz_finding_log(const uint8_t *data, size_t size, const char *sig);

#endif
