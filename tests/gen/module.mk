# The traffic generator (tests/gen, DESIGN.md s6): $(BUILD)/limf-gen, built with the tests.
# limf/kms_glue.o: the production identifiers, so that its keys match the test KMS's.
GEN_TOOL_SRC := tests/gen/limf_gen.c tests/gen/gen_check.c tests/gen/gen_group.c tests/gen/gen_mikey.c \
	tests/gen/gen_net.c tests/gen/gen_util.c tests/gen/gen_x2x3.c
$(BUILD)/limf-gen: $(call obj,$(GEN_TOOL_SRC) limf/kms_glue.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
test-bins: $(BUILD)/limf-gen
.PHONY: limf-gen
limf-gen: $(BUILD)/limf-gen
