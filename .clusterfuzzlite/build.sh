#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: every fuzz target, steered only by the
# variables the builder sets: $CC $CFLAGS (C sources), $CXX $CXXFLAGS (the
# link, as OSS-Fuzz recommends), $LIB_FUZZING_ENGINE (-fsanitize=fuzzer, or
# the AFL++ driver library), $FUZZING_ENGINE, $ARCHITECTURE, $SRC, $OUT.
# The sources are in $SRC/kvmfuzz (the Dockerfile copies them there).
# Installs into $OUT, per target: the binary, <target>_seed_corpus.zip
# (the shipped corpus/: no guest needs assembling), <target>.dict and
# <target>.options. Checked here by fuzz/oss-fuzz-check.sh.
src=$SRC/kvmfuzz
case "${ARCHITECTURE:-x86_64}" in
x86_64) arch_dir=x86 ;;
aarch64) arch_dir=arm64 ;;
*) echo "build.sh: unsupported ARCHITECTURE $ARCHITECTURE" >&2; exit 1 ;;
esac
flags=(-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2
	-Wvla -fno-strict-aliasing -pthread -I"$src")
extra=()
case "${FUZZING_ENGINE:-libfuzzer}" in
# the structure-aware mutator calls libFuzzer's own LLVMFuzzerMutate
libfuzzer) extra+=(-DVMM_FUZZ_LIBFUZZER) ;;
# AFL++'s selective coverage: set-up and reset work is not the input's
# (fuzz/afl_coverage.c, fuzz/afl-denylist.txt, as the afl preset does)
afl) export AFL_LLVM_DENYLIST=$src/fuzz/afl-denylist.txt ;;
esac
work=$(mktemp -d)
objs=()
for f in "$src"/vmm/*.c "$src"/vmm/"$arch_dir"/*.c "$src"/vmm/cli/args.c \
	"$src"/fuzz/feedback.c "$src"/fuzz/mutator.c; do
	o=$work/$(echo "${f#"$src"/}" | tr / _).o
	(cd "$src" && $CC $CFLAGS "${flags[@]}" "${extra[@]+"${extra[@]}"}" -c "${f#"$src"/}" -o "$o")
	objs+=("$o")
done
if [ "${FUZZING_ENGINE:-libfuzzer}" = afl ]; then
	(cd "$src" && $CC $CFLAGS "${flags[@]}" -c fuzz/afl_coverage.c \
		-o "$work/afl_coverage.o")
fi
ar rcs "$work/libkvmfuzz.a" "${objs[@]}"
# an object, not an archive member: it overrides feedback.c's weak no-ops
engine_objs=()
[ -f "$work/afl_coverage.o" ] && engine_objs+=("$work/afl_coverage.o")
for t in fuzz_pipeline fuzz_scenario fuzz_exit; do
	(cd "$src" && $CC $CFLAGS "${flags[@]}" "${extra[@]+"${extra[@]}"}" -c "fuzz/$t.c" \
		-o "$work/$t.o")
	$CXX $CXXFLAGS -pthread "$work/$t.o" "${engine_objs[@]+"${engine_objs[@]}"}" \
		"$work/libkvmfuzz.a" \
		$LIB_FUZZING_ENGINE -o "$OUT/$t"
	cp "$src/fuzz/$t.dict" "$OUT/$t.dict"
	cp "$src/fuzz/$t.options" "$OUT/$t.options"
	case "$t" in
	fuzz_exit) seeds=("$src"/corpus/exit/*) ;;
	fuzz_scenario) seeds=("$src"/corpus/scenarios/*.kvms
		"$src"/corpus/arm64/*.kvms "$src"/tests/regress/*.kvms) ;;
	*) seeds=("$src"/corpus/scenarios/*.kvms "$src"/tests/regress/*.kvms) ;;
	esac
	rm -f "$OUT/${t}_seed_corpus.zip"
	zip -q -j "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
done
rm -rf "$work"
