# Shared helpers for the fuzz run scripts (sourced).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# fuzz_target NAME -> fuzz_NAME ("pipeline", "fuzz_pipeline" both work)
fuzz_target() {
	local t=${1:-pipeline}
	t=${t#fuzz_}
	case "$t" in
	pipeline | scenario | exit) echo "fuzz_$t" ;;
	*) echo "fuzz: unknown TARGET '$1' (pipeline, scenario, exit)" >&2; return 2 ;;
	esac
}

# option_value TARGET KEY: a value from fuzz/TARGET.options
option_value() {
	sed -n "s/^$2 *= *//p" "$root/fuzz/$1.options" | head -1
}

# libfuzzer_flags TARGET: flags from the .options file
libfuzzer_flags() {
	local t=$1 v
	v=$(option_value "$t" dict); [ -n "$v" ] && echo "-dict=$root/fuzz/$v"
	v=$(option_value "$t" max_len); [ -n "$v" ] && echo "-max_len=$v"
	v=$(option_value "$t" timeout); [ -n "$v" ] && echo "-timeout=$v"
	v=$(option_value "$t" rss_limit_mb); [ -n "$v" ] && echo "-rss_limit_mb=$v"
	v=$(option_value "$t" use_value_profile); [ -n "$v" ] && echo "-use_value_profile=$v"
	return 0
}

# afl_job_env: the AFL++ job's environment (fuzz/run-afl.sh, and the
# planted-bug benchmark that measures it): the custom mutator library
# alone, no trimming (docs/bugbench.md item 22), no UI
afl_job_env() {
	export AFL_CUSTOM_MUTATOR_LIBRARY=$root/build/fuzz/libvmm_afl_mutator.so
	export AFL_CUSTOM_MUTATOR_ONLY=1 AFL_DISABLE_TRIM=1
	export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
	export AFL_NO_AFFINITY=1
}

# afl_flags TARGET: the AFL++ job's afl-fuzz flags, one per line
afl_flags() {
	printf '%s\n' -x "$root/fuzz/$(option_value "$1" dict)" -m none -t 5000
}

# corpus_dir TARGET: the shipped seeds of a target
corpus_dir() {
	case "$1" in
	fuzz_exit) echo "$root/corpus/exit" ;;
	*) echo "$root/corpus/scenarios" ;;
	esac
}

# seed_workdir DIR TARGET: a working corpus seeded from the shipped one
# (which is never written to)
seed_workdir() {
	mkdir -p "$1"
	cp -n "$(corpus_dir "${2:-fuzz_pipeline}")"/* "$1"/ 2>/dev/null || true
}

# fuzzer_saw FILE: the signature the fuzzer logged for input FILE, or "?"
# ("crash-<sha1>\t<signature>" lines: fuzz/finding_log.c), by the name
# libFuzzer gives the input or (AFL++'s id:... names) its SHA-1; the log
# beside a libFuzzer findings directory or an AFL++ sync directory
# (fuzz/run-afl.sh: <sync>/<instance>/crashes/)
fuzzer_saw() {
	local base=${1##*/} dir log
	dir=$(dirname "$1")
	case "$base" in crash-*) ;; *) base=crash-$(sha1sum <"$1" | cut -c1-40) ;; esac
	for log in "${VMM_FUZZ_FINDINGS_LOG:-}" "$dir/../findings.log" "$dir/findings.log" "$dir/../../findings.log"; do
		[ -n "$log" ] && [ -f "$log" ] || continue
		grep -m1 -F "$base	" "$log" | cut -f2- | grep . && return 0
	done
	echo "?"
}
