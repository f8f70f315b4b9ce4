# Unit/KAT binaries: one per module (STYLE.md rule 19). test_<mod> = tests/unit/test_<mod>.c (main,
# suite table) + tests/unit/<mod>_*.c (suites) + the harness.
T_HARNESS := tests/unit/check.c
# every module with a tests/unit/test_<mod>.c has a test binary
TEST_MODS := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
TEST_BINS := $(foreach m,$(TEST_MODS),$(BUILD)/tests/test_$(m))

# T_EXTRA_<mod>: further sources a test binary links before the libraries (warrants_kms.c uses
# limf/'s production KMS glue).
T_EXTRA_warrants := limf/kms_glue.c
# test_limf: the parts of limf/ that run alone
T_EXTRA_limf := limf/had.c limf/held.c limf/input.c limf/losses.c limf/mcalls.c limf/text.c limf/status.c limf/delivery.c

define test_bin
$(BUILD)/tests/test_$(1): $$(call obj,tests/unit/test_$(1).c $$(wildcard tests/unit/$(1)_*.c) $(T_HARNESS) $$(T_EXTRA_$(1))) $(LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach m,$(TEST_MODS),$(eval $(call test_bin,$(m))))
# test_capture's dispatcher suite runs the traffic generator and the test KMS (to write pcaps)
$(BUILD)/tests/test_capture: | $(BUILD)/limf-gen $(BUILD)/limf-kms

# Fuzz targets: tests/fuzz/fuzz_<entry>.c. In `make test` each is linked with a standalone
# replay main and run over its committed corpus tests/corpus/<entry>/ (Wireshark-style).
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_ENTRIES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
REPLAY_BINS := $(foreach e,$(FUZZ_ENTRIES),$(BUILD)/tests/replay_$(e))

# FUZZ_EXTRA_<entry>: further sources a target links before the libraries, in the replay binary
# and in `make fuzz` alike (fuzz_kmsresp validates keys with limf/'s production KMS glue).
FUZZ_EXTRA_kmsresp := limf/kms_glue.c
# limf/ for the targets that run its commands: all but main.c and the two commands that need
# main's process set-up (its secure heap, the build's version)
LIMF_LIB_SRCS := $(filter-out limf/main.c limf/cli_capture.c limf/cli_replay.c,$(wildcard limf/*.c))
FUZZ_EXTRA_misc := $(LIMF_LIB_SRCS)
FUZZ_EXTRA_conf := $(LIMF_LIB_SRCS)
FUZZ_EXTRA_cli := $(LIMF_LIB_SRCS)
# the same as a shell case for `make fuzz`'s loop: sets $extra for entry $e
fuzz_rp := )
FUZZ_EXTRA_CASE = $(foreach x,$(FUZZ_ENTRIES),$(x)$(fuzz_rp) extra="$(FUZZ_EXTRA_$(x))";;)

define replay_bin
$(BUILD)/tests/replay_$(1): $(BUILD)/obj/tests/fuzz/fuzz_$(1).o $(BUILD)/obj/tests/fuzz/replay_main.o $$(call obj,$$(FUZZ_EXTRA_$(1))) $(LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach e,$(FUZZ_ENTRIES),$(eval $(call replay_bin,$(e))))

test-bins: $(TEST_BINS) $(REPLAY_BINS) $(BUILD)/limf

# The tests run against a private PostgreSQL cluster under $(BUILD)/pg (STYLE.md rule 23),
# started fresh before and stopped after, also when a test fails.
test: test-bins
	BUILD=$(BUILD) LIMF_T_SAN=$(SAN) scripts/pg-test.sh run $(BUILD)/pg scripts/run-tests.sh $(TEST_BINS) -- $(FUZZ_ENTRIES)

# (the suites' one-thread reruns, /workers1, are left to make test: see run-tests.sh)
check-asan asan:
	$(MAKE) BUILD=build-asan SAN=1 test

# ThreadSanitizer over the whole suite (not in CI: several times slower; LIMF_T_TSAN=1 tells
# the suites, which then leave out what checks speed). Every process's
# reports go to build-tsan/tsan/race.PID, so a race fails the target even in a helper process
# whose exit status no test looks at (a test that checks it fails too: exit 66).
TSAN_DIR := $(abspath build-tsan/tsan)
check-tsan tsan:
	rm -rf $(TSAN_DIR) && mkdir -p $(TSAN_DIR)
	LIMF_T_TSAN=1 TSAN_OPTIONS="log_path=$(TSAN_DIR)/race $${TSAN_OPTIONS:-}" \
	  $(MAKE) BUILD=build-tsan SAN=thread test; \
	rc=$$?; if ls $(TSAN_DIR)/race.* >/dev/null 2>&1; then \
	  echo "check-tsan: data races reported (first 60 lines of each of $(TSAN_DIR)/race.*):"; \
	  for f in $(TSAN_DIR)/race.*; do echo "== $$f"; head -60 "$$f"; done; exit 1; fi; exit $$rc

check: test check-asan

# libFuzzer builds: clang, -fsanitize=fuzzer,address,undefined, FUZZ_TIME seconds per target.
FUZZ_BUILD := build-fuzz
fuzz:
	@mkdir -p $(FUZZ_BUILD)
	@set -e; for e in $(FUZZ_ENTRIES); do \
	  echo "== fuzz $$e ($(FUZZ_TIME) s)"; \
	  extra=; case $$e in $(FUZZ_EXTRA_CASE) esac; \
	  $(FUZZ_CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 -I. $(PKG_CFLAGS) $(SRTP_DEFS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $(FUZZ_BUILD)/fuzz_$$e tests/fuzz/fuzz_$$e.c $$extra $(foreach m,$(MODULES),$($(shell echo $(m) | tr a-z A-Z)_SRC)) $(LDLIBS); \
	  mkdir -p $(FUZZ_BUILD)/corpus_$$e; \
	  $(FUZZ_BUILD)/fuzz_$$e -max_total_time=$(FUZZ_TIME) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/$$e- \
	    $(FUZZ_BUILD)/corpus_$$e tests/corpus/$$e; \
	done

# Benchmarks (never run by `make test`): limf vs Debian's libwolfssl in the same run.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
$(BUILD)/tests/bench_%: $(BUILD)/obj/tests/bench/bench_%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lwolfssl

bench: $(patsubst tests/bench/bench_%.c,$(BUILD)/tests/bench_%,$(BENCH_SRCS))
	@set -e; for b in $(filter $(BUILD)/tests/bench_%,$^); do echo "== $$b"; $$b; done
	BUILD=$(BUILD) scripts/bench-capture.sh
	BUILD=$(BUILD) scripts/bench-replay.sh

demo: $(BUILD)/limf $(BUILD)/limf-kms $(BUILD)/limf-gen
	BUILD=$(BUILD) scripts/demo.sh
include tests/kms/module.mk
include tests/gen/module.mk
include tests/lemf/module.mk
include tests/bench/module.mk
