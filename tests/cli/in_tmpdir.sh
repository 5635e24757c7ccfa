#!/usr/bin/env bash
# in_tmpdir.sh SETUP -- COMMAND ARGS...
# Makes a fresh temporary directory, runs the shell snippet SETUP inside it
# (mkfifo, truncate, ulimit, exec redirections: they apply to COMMAND), then
# runs COMMAND with every @TMP@ in its arguments replaced by the directory,
# under `timeout 10`: a command that blocks (on a FIFO, say) fails with 124
# instead of hanging the suite. The directory is removed afterwards; the exit
# code is COMMAND's.
set -u
setup=$1
shift
[ "${1:-}" = "--" ] || { echo "in_tmpdir.sh: SETUP -- COMMAND..." >&2; exit 2; }
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
eval "$setup" || { echo "in_tmpdir.sh: setup failed: $setup" >&2; exit 2; }
args=()
for a in "$@"; do
	args+=("${a//@TMP@/$tmp}")
done
timeout 10 "${args[@]}"
