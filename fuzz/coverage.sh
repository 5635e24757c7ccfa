#!/usr/bin/env bash
# `make coverage`: clang source-based coverage of vmm/ and fuzz/ from
#   - replaying the shipped corpus: `vmm replay` (both modes) and `vmm
#     reach` on every scenario, each target's replay driver on its seeds;
#   - a short libFuzzer run of each target on a scratch copy of its seeds
#     (COVERAGE_FUZZ_SECONDS, default 20, for fuzz_pipeline; a quarter of
#     it, at least 5 s, for fuzz_scenario and fuzz_exit).
# The build is the coverage preset (build-cov/: ASan+UBSan libFuzzer tree
# plus -fprofile-instr-generate -fcoverage-mapping). Output: HTML in
# $COVERAGE_OUT/html/index.html (default out/coverage), the merged
# profile, and one line:
#   coverage: lines=P% functions=P% regions=P%
# Without /dev/kvm, fuzz_pipeline and vmm run nothing (they say so) and
# the figures cover the KVM-free code only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${COVERAGE_FUZZ_SECONDS:-20}
case "$secs" in '' | *[!0-9]*) echo "coverage: COVERAGE_FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac
small=$((secs / 4)); [ "$small" -ge 5 ] || small=5
out=${COVERAGE_OUT:-$root/out/coverage}
bash "$root/.ci/install-deps" coverage
cd "$root"
cmake --preset coverage >/dev/null
cmake --build --preset coverage --target vmm fuzz_pipeline fuzz_scenario \
	fuzz_exit fuzz_pipeline_replay fuzz_scenario_replay fuzz_exit_replay
b=$root/build-cov
rm -rf "$out" && mkdir -p "$out/profraw" "$out/work"
export LLVM_PROFILE_FILE=$out/profraw/%p-%m.profraw
# leaks are not what this run is about, and the replays exit early on purpose
export ASAN_OPTIONS=detect_leaks=0
scen=$root/corpus/scenarios
echo "coverage: replaying the corpus"
for f in "$scen"/*.kvms "$root"/tests/regress/*.kvms; do
	"$b/vmm" replay "$f" >/dev/null 2>&1 || true
done
"$b/vmm" reach "$scen" >/dev/null 2>&1 || true
"$b/fuzz/fuzz_pipeline_replay" "$scen" "$root/tests/regress" >/dev/null 2>&1 || true
"$b/fuzz/fuzz_scenario_replay" "$scen" "$root/corpus/arm64" "$root/tests/regress" >/dev/null 2>&1 || true
"$b/fuzz/fuzz_exit_replay" "$root/corpus/exit" >/dev/null 2>&1 || true
for t in fuzz_pipeline fuzz_scenario fuzz_exit; do
	s=$small; [ "$t" = fuzz_pipeline ] && s=$secs
	echo "coverage: $t for ${s}s"
	seed_workdir "$out/work/$t" "$t"
	mapfile -t flags < <(libfuzzer_flags "$t")
	"$b/fuzz/$t" "${flags[@]}" -max_total_time="$s" -seed=1 \
		-artifact_prefix="$out/work/" "$out/work/$t" \
		>"$out/work/$t.log" 2>&1 || echo "coverage: $t stopped early (see $out/work/$t.log)"
done
llvm-profdata-14 merge -sparse "$out"/profraw/*.profraw -o "$out/merged.profdata"
objs=("$b/vmm")
for t in fuzz_pipeline fuzz_scenario fuzz_exit; do
	objs+=(-object "$b/fuzz/$t" -object "$b/fuzz/${t}_replay")
done
# only the project's vmm/ and fuzz/ sources
ignore='^/usr/|/(tests|bench|guests|build[^/]*)/'
llvm-cov-14 show -format=html -output-dir="$out/html" \
	-instr-profile="$out/merged.profdata" -ignore-filename-regex="$ignore" \
	-show-line-counts-or-regions "${objs[@]}"
llvm-cov-14 report -instr-profile="$out/merged.profdata" \
	-ignore-filename-regex="$ignore" "${objs[@]}" >"$out/report.txt"
llvm-cov-14 export -summary-only -instr-profile="$out/merged.profdata" \
	-ignore-filename-regex="$ignore" "${objs[@]}" >"$out/summary.json"
rm -rf "$out/profraw" "$out/work"
echo "coverage: per-file report in $out/report.txt, HTML in $out/html/index.html"
python3 - "$out/summary.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["data"][0]["totals"]
print("coverage: lines=%.1f%% functions=%.1f%% regions=%.1f%%" % (
    t["lines"]["percent"], t["functions"]["percent"], t["regions"]["percent"]))
PY
