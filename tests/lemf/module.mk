# The test LEMF (tests/lemf, DESIGN.md s6, issue 6): $(BUILD)/limf-lemf, and the test-only
# delivery driver $(BUILD)/tests/ho-send (spool + link) used by tests/cli/test_lemf.sh.
$(BUILD)/limf-lemf: $(call obj,tests/lemf/limf_lemf.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/ho-send: $(call obj,tests/lemf/ho_send.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
test-bins: $(BUILD)/limf-lemf $(BUILD)/tests/ho-send
.PHONY: limf-lemf
limf-lemf: $(BUILD)/limf-lemf
