#!/usr/bin/env bash
# `make bugbench`: how fast does the project's own fuzzing job find planted
# ground-truth bugs? (docs/bugbench.md)
#
# 1. Builds the planted-bug variant (cmake --preset bugbench: the libFuzzer
#    + ASan tree with -DVMM_PLANTED_BUGS=ON, build-bugbench/; ENGINE=afl
#    also --preset bugbench-afl, build-bugbench-afl/, and with
#    BUGBENCH_AFL_MAIN=1 its CmpLog build --preset bugbench-afl-cmplog),
#    never the shipped trees.
# 2. Self-check: every hand-written trigger scenario (tests/bugbench/Pxx.txt)
#    fires its bug in the planted `vmm replay` and no other, and the shipped
#    corpus fires none.
# 3. TRIALS independent trials of BUGBENCH_SECONDS each (different seeds,
#    a fresh copy of corpus/scenarios each) of the default fuzzing job:
#    ENGINE=libfuzzer runs fuzz_pipeline with fuzz/run.sh's flags (the
#    .options dictionary and limits, the custom mutator linked in);
#    ENGINE=afl runs one afl-fuzz instance as fuzz/run-afl.sh does with
#    JOBS=1 (a lone instance, no -M, no CmpLog; -x dictionary, -m none,
#    -t 5000, the custom mutator library alone, no trimming; with
#    BUGBENCH_AFL_MAIN=1 a fleet's main, -M with -c and the CmpLog build,
#    build-bugbench-afl-cmplog/).
#    libFuzzer stops at its first crash: the job is restarted on its grown
#    corpus for the rest of the trial's time with the bugs found so far
#    masked (VMM_PLANTED_DISABLE, honoured by the planted build). AFL++
#    goes on past crashes by itself.
# 4. Every crashing input is replayed with the planted `vmm replay` (fresh
#    VM, then reset mode; under the mask the fuzzer had): a bug counts as
#    exposed only if its input reproduces it. Time to exposure: from the
#    trial's start to the crash (libFuzzer: the file's time; AFL++: the
#    time in the crash's name). An AFL++ crash that reproduces no planted
#    bug is listed with what the target logged for it (findings.log).
# Output: per bug the trials that exposed it, the median time to exposure
# and the trials that reached its canary; then
#   bugbench: bugs=N exposed=K median_tte_s=T trials=R seconds=S engine=E
# N counts the bugs of this host's architecture, K those exposed in at
# least one trial, T the median over all confirmed (bug, trial) exposures.
# Env: ENGINE=libfuzzer|afl, TRIALS (5), BUGBENCH_SECONDS (600),
#      BUGBENCH_SEED (first trial's seed, 1), BUGBENCH_OUT (out/bugbench);
#      BUGBENCH_AFL_MAIN=1 runs the AFL++ instance as a fleet's main (-M);
#      BUGBENCH_EXTRA_SEEDS=DIR adds DIR's files to every trial's corpus
#      (only to test this script: with the encoded trigger scenarios every
#      bug must come out exposed at once).
# Exit: 0 measured (whatever was found), 1 self-check failed, 2 usage.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/fuzz/lib.sh"
engine=${ENGINE:-libfuzzer}
trials=${TRIALS:-5}
secs=${BUGBENCH_SECONDS:-600}
seed0=${BUGBENCH_SEED:-1}
for v in "$trials" "$secs" "$seed0"; do
	case "$v" in '' | *[!0-9]*) echo "bugbench: TRIALS, BUGBENCH_SECONDS and BUGBENCH_SEED are numbers" >&2; exit 2 ;; esac
done
case "$engine" in libfuzzer | afl) ;; *) echo "bugbench: ENGINE is libfuzzer or afl" >&2; exit 2 ;; esac
[ "$trials" -ge 1 ] && [ "$secs" -ge 1 ] || { echo "bugbench: TRIALS and BUGBENCH_SECONDS must be at least 1" >&2; exit 2; }
out=${BUGBENCH_OUT:-$root/out/bugbench}/$engine
target=fuzz_pipeline
vmm=$root/build-bugbench/vmm

# ---- 1. build --------------------------------------------------------------
cd "$root" || exit 2
cmake --preset bugbench >/dev/null &&
	cmake --build --preset bugbench --target vmm "$target" "${target}_replay" >/dev/null ||
	{ echo "bugbench: building the planted tree failed" >&2; exit 1; }
if [ "$engine" = afl ]; then
	bash "$root/.ci/install-deps" afl >/dev/null
	cmake --preset bugbench-afl >/dev/null &&
		cmake --build --preset bugbench-afl --target "${target}_afl" >/dev/null &&
		{ [ "${BUGBENCH_AFL_MAIN:-0}" != 1 ] ||
			{ cmake --preset bugbench-afl-cmplog >/dev/null &&
				cmake --build --preset bugbench-afl-cmplog --target "${target}_afl" >/dev/null; }; } &&
		cmake --preset default >/dev/null &&
		cmake --build --preset default --target vmm_afl_mutator >/dev/null ||
		{ echo "bugbench: building the planted AFL++ tree failed" >&2; exit 1; }
fi

# the bugs of this host's architecture, from the planted source's table
arch=$(uname -m)
mapfile -t bugs < <(sed -n 's/^[[:space:]]*{ "\(P[0-9][0-9]\)", "\([^"]*\)", "\([^"]*\)" },$/\1 \2 \3/p' \
	"$root/vmm/planted.c")
ids=() names=() other=()
for b in "${bugs[@]}"; do
	set -- $b
	if [ "$3" = any ] || [ "$3" = "$arch" ]; then
		ids+=("$1")
		names+=("$2")
	else
		other+=("$1 $2 ($3 only)")
	fi
done
[ "${#ids[@]}" -gt 0 ] || { echo "bugbench: no planted bugs found in vmm/planted.c" >&2; exit 1; }

# ---- 2. self-check ---------------------------------------------------------
if ! bash "$root/tests/bugbench/check_scenarios.sh" "$vmm" | tail -1 | grep -q 'ok=yes'; then
	bash "$root/tests/bugbench/check_scenarios.sh" "$vmm" >&2
	echo "bugbench: self-check failed: a trigger scenario does not fire its bug" >&2
	exit 1
fi
if "$root/build-bugbench/fuzz/${target}_replay" "$(corpus_dir "$target")" 2>&1 | grep -q '^PLANTED'; then
	echo "bugbench: self-check failed: the shipped corpus fires a planted bug" >&2
	exit 1
fi
echo "bugbench: self-check: ${#ids[@]} bugs for $arch, each trigger scenario fires its bug; the corpus fires none"

# Which bug FILE fires in the planted replay, under the mask MASK: its id,
# or nothing.
confirm() {
	local f=$1 mask=$2 mode id
	for mode in fresh reset; do
		id=$( (
			VMM_PLANTED_DISABLE=$mask "$vmm" replay "$f" --mode "$mode"
			exit 0
		) 2>&1 |
			sed -n 's/^PLANTED \(P[0-9]*\) .*/\1/p' | head -1)
		[ -n "$id" ] && { echo "$id"; return 0; }
	done
	return 0
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- 3. trials -------------------------------------------------------------
mkdir -p "$out"
exposures=$out/exposures.tsv # trial id tte_s file
: >"$exposures"
reachfile=$out/reached.tsv # trial id
: >"$reachfile"
stepfile=$out/steps.tsv # trial id step steps (sequence bugs: how deep)
: >"$stepfile"
execs_total=0
mapfile -t lf_flags < <(libfuzzer_flags "$target")
for t in $(seq 1 "$trials"); do
	seed=$((seed0 + t - 1))
	dir=$out/trial$t
	rm -rf "$dir"
	mkdir -p "$dir/findings"
	seed_workdir "$dir/corpus" "$target"
	# the script's own test only: extra seeds (e.g. encoded trigger scenarios)
	[ -n "${BUGBENCH_EXTRA_SEEDS:-}" ] && cp "$BUGBENCH_EXTRA_SEEDS"/* "$dir/corpus/"
	canary=$dir/canary.log
	echo "bugbench: trial $t/$trials engine=$engine seed=$seed ${secs}s (log: $dir)"
	start=$(now)
	if [ "$engine" = libfuzzer ]; then
		mask="" run=0 texecs=0 dead=0
		while :; do
			left=$(awk -v s="$secs" -v e="$(elapsed "$start")" 'BEGIN { l = int(s - e); print l < 0 ? 0 : l }')
			[ "$left" -ge 1 ] || break
			run=$((run + 1))
			log=$dir/run$run.log
			before=$(ls "$dir/findings" | wc -l)
			VMM_PLANTED_DISABLE=$mask VMM_PLANTED_LOG=$canary \
				VMM_FUZZ_FINDINGS_LOG=$dir/findings.log \
				"$root/build-bugbench/fuzz/$target" "${lf_flags[@]}" \
				-seed=$((seed * 1000 + run)) -max_total_time="$left" \
				-print_final_stats=1 -artifact_prefix="$dir/findings/" \
				-reload=0 "$dir/corpus" >"$log" 2>&1
			e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
			# a crashed run prints no final stats: its last progress line
			[ -n "$e" ] || e=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
			texecs=$((texecs + ${e:-0}))
			seen=$(sed -n 's/^PLANTED \(P[0-9]*\) .*/\1/p' "$log" | head -1)
			# the crash this run saved (libFuzzer writes one and stops)
			while read -r f; do
				[ -n "$f" ] || continue
				tte=$(awk -v s="$start" -v m="$(stat -c %.3Y "$f")" 'BEGIN { printf "%.1f", m - s }')
				id=$(confirm "$f" "$mask")
				echo "bugbench:   run $run: ${seen:-no PLANTED line} at ${tte}s, replay: ${id:-not reproduced} ($f)"
				[ -n "$id" ] && printf '%s\t%s\t%s\t%s\n' "$t" "$id" "$tte" "$f" >>"$exposures"
			done < <(ls -tr "$dir/findings" | tail -n +$((before + 1)) | sed "s|^|$dir/findings/|")
			if [ "$(ls "$dir/findings" | wc -l)" = "$before" ]; then
				# time is up (final stats), or the run died with
				# no crash file: restarted as it is (its bug, if
				# it printed one, not masked: not confirmed)
				grep -q '^stat::number_of_executed_units' "$log" && break
				dead=$((dead + 1))
				if [ "$dead" -ge 3 ]; then
					echo "bugbench:   run $run: the third run in a row ended without stats or a crash file: trial $t ends (see $log)"
					break
				fi
				echo "bugbench:   run $run: ended without stats or a crash file (${seen:-no PLANTED line}): restarted"
				continue
			fi
			dead=0
			# go on with the bug the fuzzer hit masked (a finding that
			# is no planted bug: restarted as it is)
			[ -n "$seen" ] && mask=${mask:+$mask,}$seen
		done
		echo "bugbench: trial $t: execs=$texecs restarts=$((run - 1)) masked=${mask:-none}"
		execs_total=$((execs_total + texecs))
	else
		seeds=$dir/seeds
		# one core: fuzz/run-afl.sh's lone instance (JOBS=1), or with
		# BUGBENCH_AFL_MAIN=1 a fleet's main (-M, its in-order queue walk)
		afl_role=() afl_inst=default
		[ "${BUGBENCH_AFL_MAIN:-0}" = 1 ] && afl_inst=main &&
			afl_role=(-M main -c "$root/build-bugbench-afl-cmplog/fuzz/${target}_afl")
		mv "$dir/corpus" "$seeds"
		# the comparison table the target notes and the custom
		# mutator reads (fuzz/run-afl.sh does the same), one per trial
		cmpshm=/dev/shm
		[ -d "$cmpshm" ] && [ -w "$cmpshm" ] || cmpshm=${TMPDIR:-/tmp}
		cmpshm=$cmpshm/kvmfuzz-cmp-bugbench-$$-$t
		rm -f "$cmpshm"
		mapfile -t afl_f < <(afl_flags "$target")
		# the job's environment (fuzz/lib.sh), in a subshell: the
		# replays below run without it
		(afl_job_env
			VMM_CMP_SHM=$cmpshm VMM_PLANTED_LOG=$canary \
				VMM_FUZZ_FINDINGS_LOG=$dir/findings.log \
				afl-fuzz "${afl_role[@]}" -i "$seeds" -o "$dir/sync" "${afl_f[@]}" \
				-s "$seed" -V "$secs" -- "$root/build-bugbench-afl/fuzz/${target}_afl" \
				>"$dir/afl.log" 2>&1)
		rm -f "$cmpshm"
		e=$(sed -n 's/^execs_done *: *//p' "$dir/sync/$afl_inst/fuzzer_stats" 2>/dev/null)
		echo "bugbench: trial $t: execs=${e:-0} crashes=$(ls "$dir/sync/$afl_inst/crashes" 2>/dev/null | grep -c '^id:')"
		execs_total=$((execs_total + ${e:-0}))
		found=""
		while read -r f; do
			[ -n "$f" ] || continue
			ms=$(sed -n 's/.*,time:\([0-9]*\).*/\1/p' <<<"${f##*/}")
			if [ -n "$ms" ]; then
				tte=$(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }')
			else
				tte=$(awk -v s="$start" -v m="$(stat -c %.3Y "$f")" 'BEGIN { printf "%.1f", m - s }')
			fi
			id=$(confirm "$f" "")
			# not a planted bug: what the target logged for it, if anything
			[ -n "$id" ] || {
				echo "bugbench:   crash at ${tte}s not reproduced (fuzzer saw: $(VMM_FUZZ_FINDINGS_LOG=$dir/findings.log fuzzer_saw "$f")): $f"
				continue
			}
			case ",$found," in *",$id,"*) continue ;; esac # the earliest counts
			found=${found:+$found,}$id
			echo "bugbench:   $id at ${tte}s ($f)"
			printf '%s\t%s\t%s\t%s\n' "$t" "$id" "$tte" "$f" >>"$exposures"
		done < <(ls "$dir/sync/$afl_inst/crashes" 2>/dev/null | grep '^id:' | sort | sed "s|^|$dir/sync/$afl_inst/crashes/|")
	fi
	[ -f "$canary" ] && sed -n 's/^reached \(P[0-9]*\)$/\1/p' "$canary" | sort -u | sed "s/^/$t\t/" >>"$reachfile"
	[ -f "$canary" ] && sed -n 's|^step \(P[0-9]*\) \([0-9]*\)/\([0-9]*\)$|\1\t\2\t\3|p' "$canary" | sed "s/^/$t\t/" >>"$stepfile"
done

# ---- 4. report -------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) printf "%.1f", v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
exposed=0
for i in "${!ids[@]}"; do
	id=${ids[$i]}
	# the earliest confirmed exposure per trial
	per=$(awk -F'\t' -v id="$id" '$2 == id { if (!($1 in m) || $3 < m[$1]) m[$1] = $3 } END { for (t in m) print t, m[t] }' "$exposures" | sort -n)
	n=$(grep -c . <<<"$per")
	tl=$(awk '{ printf "%s%s", (NR > 1 ? "," : ""), $1 }' <<<"$per")
	med=$(awk '{ print $2 }' <<<"$per" | grep . | median)
	reached=$(awk -F'\t' -v id="$id" '$2 == id' "$reachfile" | sort -u | grep -c .)
	[ "$n" -gt 0 ] && exposed=$((exposed + 1))
	# sequence bugs: the deepest step of each trial (k/n; n: reached)
	deep=$(awk -F'\t' -v id="$id" -v trials="$trials" '
		$2 == id { if ($3 > d[$1]) d[$1] = $3; n = $4 }
		END {
			if (!n) exit
			for (t = 1; t <= trials; t++)
				printf "%s%d", (t > 1 ? "," : ""), d[t]
			printf "/%d", n
		}' "$stepfile")
	printf 'bugbench: %s %-24s exposed=%d/%d trials=%s median_tte_s=%s reached=%d/%d%s\n' \
		"$id" "${names[$i]}" "$n" "$trials" "${tl:--}" "$med" "$reached" "$trials" "${deep:+ steps=$deep}"
done
for o in "${other[@]+"${other[@]}"}"; do
	echo "bugbench: $o: not measured on $arch"
done
all=$(awk -F'\t' '{ k = $1 FS $2; if (!(k in m) || $3 < m[k]) m[k] = $3 } END { for (k in m) print m[k] }' "$exposures" | median)
echo "bugbench: execs=$execs_total (all trials)"
echo "bugbench: bugs=${#ids[@]} exposed=$exposed median_tte_s=$all trials=$trials seconds=$secs engine=$engine"
