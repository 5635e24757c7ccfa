#!/usr/bin/env bash
# Minimize a finding: fuzz/minimize.sh FILE [--afl]
# libFuzzer -minimize_crash (default) or afl-tmin; writes FILE.min and
# replays it to show the signature is unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
file=${1:?usage: minimize.sh FILE [--afl]}
target=$(fuzz_target "${TARGET:-pipeline}")
if [ "${2:-}" = --afl ]; then
	afl-tmin -m none -i "$file" -o "$file.min" -- "$root/build-afl/fuzz/${target}_afl"
else
	"$root/build-asan/fuzz/$target" -minimize_crash=1 -runs="${RUNS:-2000}" \
		-exact_artifact_path="$file.min" "$file" || true
fi
if [ -f "$file.min" ]; then
	"$root/build/vmm" replay "$file.min" || true
else
	echo "minimize: no smaller reproducer written (does $file still reproduce?)" >&2
	exit 1
fi
