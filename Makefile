# The two README commands, and the steps behind them.
#   make run    install what is missing, build, and run the harness on the embedded kmipd
#   make test   install what is missing, build, and run every test
# Build trees: build/ (RelWithDebInfo, the default), build-asan/ (ASan+UBSan, codec tests),
# build-tsan/ (ThreadSanitizer, server and store tests).

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
WERROR     ?= $(if $(CI),ON,OFF)
CMAKE_ARGS ?=
LAUNCHER   := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)

.PHONY: run test deps build test-sanitize test-tsan bench clean

run: build
	@scripts/run-demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMIPH_WERROR=$(WERROR) $(LAUNCHER) $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The codec under AddressSanitizer and UndefinedBehaviorSanitizer: every test labelled `codec`.
test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKMIPH_SANITIZE=ON -DKMIPH_BENCHMARKS=OFF \
	  -DKMIPH_WERROR=$(WERROR) $(LAUNCHER) $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target codec_tests
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L codec --timeout 600

# kmipd's threads under ThreadSanitizer: every test labelled `server` or `postgres` (engine, stores, listener, HTTP,
# the real kmipd process), built at -O1 with assertions on. Reports of every process (the test binaries and the kmipd
# and kmip-harness they start) are collected by scripts/run-tsan-tests.sh; tests/tsan.supp lists those not ours.
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DKMIPH_TSAN=ON \
	  -DKMIPH_BENCHMARKS=OFF -DKMIPH_WERROR=$(WERROR) $(LAUNCHER) $(CMAKE_ARGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target server_tests
	@scripts/run-tsan-tests.sh $(TSAN_BUILD) $(JOBS)

bench: build
	@scripts/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
