/* Whole-file input for the front ends: `vmm run` (the image), `vmm decode`,
 * `vmm replay`, `vmm encode` (the text, or standard input) and the fuzz
 * replay driver. One set of rules for all of them:
 *   - only regular files: the open never blocks (O_NONBLOCK until fstat has
 *     said what the path is), so a FIFO or a device is refused at once
 *     instead of hanging the command;
 *   - the size comes from fstat and is checked before anything is
 *     allocated or read.
 * The library does not print: messages describe the problem, not the file
 * ("is not a regular file"); the caller puts the path in front. */
#ifndef VMM_FILE_H
#define VMM_FILE_H

#include <stdint.h>

#include "vmm/err.h"
#include "vmm/sys.h"

/* Opens `path` read-only (ops: NULL = libc). Refuses anything but a regular
 * file. Returns the descriptor (O_CLOEXEC, blocking again) with the file's
 * size in *size, or -1 with e set: VMM_ERR_INPUT, call "open" (e->err the
 * errno) or "fstat"/"fcntl". */
int vmm_file_open(const struct vmm_sysops *ops, const char *path,
		  uint64_t *size, struct vmm_error *e);

/* Reads exactly `len` bytes from fd into buf. -1 with e set (VMM_ERR_INPUT,
 * call "read") on a read error or a file that shrank meanwhile. */
int vmm_file_read(int fd, uint8_t *buf, uint64_t len, struct vmm_error *e);

/* vmm_file_open + refuse an empty file or one larger than `max` (from
 * fstat, before allocating) + malloc + read + close. On success *buf (free()
 * it) holds *len bytes. VMM_ERR_NOMEM when the buffer cannot be had. */
int vmm_file_load(const struct vmm_sysops *ops, const char *path, uint64_t max,
		  uint8_t **buf, uint64_t *len, struct vmm_error *e);

/* Reads a stream (a pipe, a terminal: standard input) to its end, refusing
 * more than `max` bytes; the buffer grows with the input, never beyond
 * max. An empty stream is refused too. */
int vmm_fd_load(int fd, uint64_t max, uint8_t **buf, uint64_t *len,
		struct vmm_error *e);

/* The regular files directly in `dir` (not dot-files), in name order
 * (strcmp: a corpus replays in the same order everywhere): fn(path, ctx)
 * for each, stopping at the first non-zero return, which is returned.
 * -1 with e set (VMM_ERR_INPUT "cannot open directory", or VMM_ERR_NOMEM)
 * if the directory cannot be listed. */
int vmm_dir_each(const char *dir, int (*fn)(const char *path, void *ctx),
		 void *ctx, struct vmm_error *e);

#endif
