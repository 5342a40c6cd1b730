# The two entry points the README documents; everything else is CMake.
#   make run    install missing packages, build, run a sandboxed command
#   make test   install missing packages, build, run the whole test suite,
#               then build it again with ASan and UBSan and run it there
#   make test-kvm  install QEMU and a Debian kernel if missing (root or
#               sudo), build, run the KVM tests in a nested guest, then
#               every guest test there (tests/kvm/all.sh)
#   make fuzz   build the fuzz harnesses with libFuzzer (clang) and run
#               each for FUZZ_SECONDS (default 60)
BUILD ?= build
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
# make test's smoke run of each fuzz harness.
FUZZ_SMOKE_SECONDS ?= 10

.PHONY: all deps build run test test-sanitize test-kvm bench bench-platforms fuzz readme clean

all: build

deps:
	@tools/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/moat run -- /bin/busybox echo "hello from the sandbox"

# The tests, after checking that clang builds moat warning-free too; then
# the whole suite again in a -DMOAT_SANITIZE=ON build, where any ASan,
# UBSan or LeakSanitizer report of any moat process (the sentry's and the
# gofer's too) fails its test (tests/sanitize.sh); then each fuzz harness
# fuzzes for FUZZ_SMOKE_SECONDS (a crash, leak or hang fails).
test: build
	CC=clang cmake -S . -B $(BUILD)-clang -G Ninja >/dev/null
	cmake --build $(BUILD)-clang -j $(JOBS)
	cd $(BUILD) && ctest -j2 --output-on-failure
	$(MAKE) test-sanitize
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

test-sanitize: deps
	cmake -S . -B $(BUILD)-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DMOAT_SANITIZE=ON >/dev/null
	cmake --build $(BUILD)-san -j $(JOBS)
	cd $(BUILD)-san && ctest -j2 --output-on-failure

# The KVM tests in a QEMU guest with /dev/kvm; their packages are not in
# deps (several minutes to install), so plain `make test` skips them.
test-kvm: build
	tests/kvm/run.sh --deps
	cd $(BUILD) && ctest -R '^kvm\.' --output-on-failure
	tests/kvm/all.sh $(BUILD)

bench: build
	cmake --build $(BUILD) --target bench

bench-platforms: build
	cmake --build $(BUILD) --target bench-platforms

# libFuzzer builds need clang; the harnesses are in tests/fuzz/.
fuzz: deps
	CC=clang cmake -S . -B $(BUILD)-fuzz -G Ninja -DMOAT_FUZZ=ON >/dev/null
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_harnesses
	tests/fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

# Regenerate README.md's supported-syscall list from the syscall table.
readme: build
	tools/update-readme.sh $(BUILD)/moat README.md

clean:
	rm -rf $(BUILD) $(BUILD)-clang $(BUILD)-san $(BUILD)-fuzz
