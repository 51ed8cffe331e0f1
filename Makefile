# Sluice: the two commands that do everything on a fresh Debian 12 machine are
#   make demo    (throwaway PostgreSQL, the proxy in front of it, a sample workload)
#   make test    (unit and integration tests against real servers, plus a sanitizer build)
# Both install the Debian packages they need first (scripts/install-deps.sh).

JOBS ?= 2
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
CMAKE_FLAGS ?=

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20

.PHONY: all deps build build-asan test unit-test integration-test demo bench bench-cap bench-many bench-idle bench-latency bench-floor bench-profile bench-lint bench-advisor fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_BENCH=OFF $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j$(JOBS)

build-asan: deps $(ASAN_DIR)/build.ninja
	ninja -C $(ASAN_DIR) -j$(JOBS)

# Release build: unit and integration tests, the proxies doing their I/O on libuv's epoll loop.
# Sanitizer build: the same tests with the proxy built with AddressSanitizer and
# UndefinedBehaviorSanitizer, on the default I/O (io_uring where the kernel allows it).
test: build build-asan
	cd $(BUILD_DIR) && SLUICE_TEST_IO=libuv ctest --output-on-failure --timeout 1200
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure --timeout 1800
	$(MAKE) fuzz FUZZ_SECONDS=10

unit-test: build
	$(BUILD_DIR)/tests/sluice_unit_tests

integration-test: build
	$(BUILD_DIR)/tests/sluice_integration_tests

demo: build
	scripts/demo.sh

bench: build
	bench/run.sh
	$(BUILD_DIR)/bench/sluice_micro_bench --benchmark_min_time=0.2

# Memory under 1,000,000 distinct statements with the default fingerprint cap (bench/README.md).
bench-cap: build
	bench/observe_cap.sh

# 1,000 active clients on a pool of 20, Sluice and PgBouncer: p50/p99, per-client spread (bench/README.md).
bench-many: build
	SLUICE_BIN=$(BUILD_DIR)/sluice bench/many_clients.sh

# Proxy memory per idle client connection at 10,000 connections (target: <= 4 KiB).
bench-idle: build
	SLUICE_BIN=$(BUILD_DIR)/sluice IDLE_TOOL=$(BUILD_DIR)/bench/idle_clients bench/idle_clients.sh

# p50 latency at one client: direct, Sluice, PgBouncer (target: Sluice within 30 us of PgBouncer).
bench-latency: build
	SLUICE_BIN=$(BUILD_DIR)/sluice bench/latency_1client.sh

# Floor of a read/write proxy: CPU per 1,000 transactions of two minimal 1:1 forwarders
# (epoll, io_uring) next to PgBouncer's (bench/README.md). Builds its own two binaries.
bench-floor: deps
	bench/floor/floor.sh

# Where the proxies' CPU goes under pgbench: perf stat (CPU, switches, syscalls per
# transaction) and perf record's top symbols, Sluice and PgBouncer (bench/README.md).
bench-profile: build
	SLUICE_BIN=$(BUILD_DIR)/sluice bench/profile.sh

# `sluice lint` on 1,000 generated migration files (target: under 2 s).
bench-lint: build
	SLUICE=$(BUILD_DIR)/sluice bench/lint_bench.sh

# The index advisor against two baselines on a TPC-H-like data set, at 5/10/25/50% budgets,
# plus a 1,000-fingerprint scale check (bench/README.md, "Index advisor evaluation").
bench-advisor: build
	SLUICE_BIN=$(BUILD_DIR)/sluice EVAL_BIN=$(BUILD_DIR)/bench/sluice_advisor_eval bench/advisor_eval.sh

# libFuzzer on the pure codecs (clang), FUZZ_SECONDS each.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DSLUICE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	ninja -C $(FUZZ_DIR) -j$(JOBS) fuzzers
	for f in startup_packet_fuzz message_decoders_fuzz scram_fuzz; do \
		mkdir -p $(FUZZ_DIR)/corpus/$$f; \
		$(FUZZ_DIR)/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_DIR)/corpus/$$f || exit 1; \
	done

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
