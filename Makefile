# Thin wrapper over CMake presets (see CMakePresets.json).
#   make            build the default tree (build/): vmm, guests, tests
#   make test       build and run the test suite in the default AND the
#                   ASan+UBSan (build-asan/) trees, then the arm64 suite
#   make test-arm64 the arm64 suite on arm64 KVM inside qemu-system-aarch64
#                   (cross build in build-arm64/; tests/arm64/run.sh)
#   make asan       build the sanitizer tree only
#   make fuzz       the default fuzzing job: libFuzzer fuzz_pipeline on the
#                   shipped corpus for 60 s (TARGET=scenario, FUZZ_SECONDS=N)
#   make oss-fuzz-check  .clusterfuzzlite/build.sh as OSS-Fuzz runs it
#                   (libFuzzer+ASan, libFuzzer+UBSan, AFL++), 10 s per target
#   make coverage   clang source-based coverage of vmm/ and fuzz/ from the
#                   corpus and a short fuzz run (build-cov/, out/coverage/;
#                   COVERAGE_FUZZ_SECONDS=N)
#   make corpus     regenerate corpus/ from the guests
#   make bench      benchmarks (figures printed, not asserted)
#   make bugbench   the planted-bug benchmark: builds build-bugbench/ (and
#                   build-bugbench-afl/), runs the default fuzzing job TRIALS
#                   times for BUGBENCH_SECONDS, reports per planted bug the
#                   trials that exposed it and the median time to exposure
#                   (ENGINE=libfuzzer|afl; bench/bugbench.sh, docs/bugbench.md)
#   make soak       soak benchmark: 1,000,000 pipeline runs (SOAK_EXECS=N),
#                   RSS and fd count at start and end; SOAK_MODE=concurrent
#                   runs every input in concurrent mode (thread counts too),
#                   SOAK_SECONDS=N stops after N seconds
#   make lint       clang-tidy + cppcheck on the project's code
#   make clean
.PHONY: all default asan test test-default test-asan test-arm64 fuzz oss-fuzz-check coverage corpus bench bugbench soak lint clean

all: default

build/build.ninja:
	cmake --preset default

build-asan/build.ninja:
	cmake --preset asan

default: build/build.ninja
	cmake --build --preset default

asan: build-asan/build.ninja
	cmake --build --preset asan

test-default: default
	ctest --preset default

test-asan: asan
	ctest --preset asan

test-arm64:
	bash tests/arm64/run.sh

test: test-default test-asan test-arm64

fuzz: asan
	bash fuzz/run.sh

oss-fuzz-check:
	bash .ci/install-deps afl
	bash fuzz/oss-fuzz-check.sh

coverage:
	bash fuzz/coverage.sh

corpus: default
	bash fuzz/make_corpus.sh build

bench: default
	build/bench/bench_pipeline
	build/bench/bench_reset
	build/bench/bench_mutated corpus/scenarios

bugbench: default
	bash bench/bugbench.sh

soak: default
	build/bench/soak $${SOAK_EXECS:-1000000} corpus/scenarios

lint: default
	bash .ci/lint

clean:
	rm -rf build build-asan build-arm64 build-cov build-bugbench build-bugbench-afl \
		build-afl-cmplog build-bugbench-afl-cmplog
