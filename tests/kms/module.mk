# The test KMS (tests/kms, DESIGN.md s6): $(BUILD)/limf-kms, built with the tests.
KMS_TOOL_SRC := tests/kms/limf_kms.c
# limf/kms_glue.o: the production identifiers and validators (tests/kms/kms_glue.h adds the
# test-only key issue).
$(BUILD)/limf-kms: $(call obj,$(KMS_TOOL_SRC) limf/kms_glue.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
test-bins: $(BUILD)/limf-kms
.PHONY: limf-kms
limf-kms: $(BUILD)/limf-kms
