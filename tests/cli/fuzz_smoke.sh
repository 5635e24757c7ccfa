#!/usr/bin/env bash
# A short, bounded libFuzzer run: a fixed seed and run count on a scratch
# copy of the corpus. Fails on any finding (crash, sanitizer report,
# FINDING signature) or if the target did not execute the runs.
# Usage: fuzz_smoke.sh FUZZER CORPUS_DIR RUNS
set -u
bin=$1; corpus=$2; runs=$3
case "$(basename "$bin")" in
fuzz_pipeline) [ -e /dev/kvm ] || { echo "SKIP: /dev/kvm is absent"; exit 77; } ;;
esac
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$corpus"/* "$tmp"/
"$bin" -runs="$runs" -seed=1 -max_total_time=120 -timeout=30 \
	-print_final_stats=1 -artifact_prefix="$tmp/" "$tmp" >"$tmp/log" 2>&1
rc=$?
grep -E '^(FINDING|SUMMARY|==[0-9]+==ERROR)' "$tmp/log" | head -5
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
echo "rc=$rc execs=${execs:-0}"
[ "$rc" = 0 ] || { tail -30 "$tmp/log"; echo "FAIL: fuzzer exited $rc"; exit 1; }
[ "${execs:-0}" -ge "$runs" ] || { echo "FAIL: only ${execs:-0} of $runs runs"; exit 1; }
echo PASS
