# The replay floor (issue 5 "Benchmark"): a bare libsrtp2 unprotect loop over a capture's SRTP
# packets, keyed from its I_MESSAGEs; scripts/bench-replay.sh runs it beside `limf replay`.
$(BUILD)/tests/replay-floor: $(call obj,tests/bench/replay_floor.c limf/input.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# `make bench` runs it last (tests/module.mk); the binaries the script needs:
bench: $(BUILD)/limf $(BUILD)/limf-gen $(BUILD)/limf-kms $(BUILD)/tests/replay-floor
# The live-capture benchmark (issue 8; root, a veth in a network namespace, tcpreplay, tshark):
# a prerequisite of bench (runs before the other benchmarks), or alone: make bench-live.
.PHONY: bench-live
bench: bench-live
bench-live: $(BUILD)/limf $(BUILD)/limf-gen $(BUILD)/limf-kms $(BUILD)/limf-lemf
	BUILD=$(BUILD) scripts/bench-live.sh
