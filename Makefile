# Thin wrapper over CMake presets (see CMakePresets.json).
#   make            build the default tree (build/): vmm, guests, tests
#   make test       build and run the test suite in the default AND the
#                   ASan+UBSan (build-asan/) trees
#   make asan       build the sanitizer tree only
#   make clean
.PHONY: all default asan test test-default test-asan clean

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

test: test-default test-asan

clean:
	rm -rf build build-asan
