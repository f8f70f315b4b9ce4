# limf: one non-recursive Makefile (STYLE.md rule 24). Modules add to the lists in <mod>/module.mk.
BUILD ?= build
CC ?= cc
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
PKGS := openssl libsrtp2 libpcap libpq

-include config.mk

# Missing Debian packages are installed on first use (SKIP_DEPS=1 to opt out).
ifneq ($(SKIP_DEPS),1)
DEPS_OK := $(shell scripts/deps.sh --check >/dev/null 2>&1 && echo yes)
endif
ifneq ($(SKIP_DEPS)$(DEPS_OK),yes)
ifneq ($(SKIP_DEPS),1)
ifeq ($(filter clean format format-check deps,$(MAKECMDGOALS)),)
$(info limf: installing missing build dependencies (scripts/deps.sh))
DEPS_RUN := $(shell scripts/deps.sh >&2 || echo fail)
ifeq ($(DEPS_RUN),fail)
$(error scripts/deps.sh failed: install the packages it names and retry)
endif
endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(PKG_LIBS),)
ifeq ($(filter clean format format-check deps,$(MAKECMDGOALS)),)
$(error pkg-config does not find all of: $(PKGS) (run scripts/deps.sh))
endif
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wvla -Wformat=2 -Werror
# CFLAGS/LDFLAGS from the command line add to the mandatory flags, never replace them.
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. $(PKG_CFLAGS) -MMD -MP
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
override LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS := $(PKG_LIBS) -lcrypto -lm
ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
else
override CFLAGS += $(HARDEN)
endif

# Shared vectors (read by tests): ../shared/vectors beside the checkout.
LIMF_VECTORS ?= $(abspath ../shared/vectors)
export LIMF_VECTORS

all: $(BUILD)/limf

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# Library modules, in link order (a module may only use those after it: DESIGN.md s3). Each
# <mod>/module.mk adds its sources to <MOD>_SRC; every module becomes $(BUILD)/lib<mod>.a.
MODULES := warrants capture handover decrypt common
LIBS := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)
$(foreach m,$(MODULES),$(eval $(shell echo $(m) | tr a-z A-Z)_SRC :=))
LIMF_SRC :=
TEST_BINS :=
FUZZ_TARGETS :=

$(foreach m,$(MODULES),$(eval include $(m)/module.mk))
include limf/module.mk
include tests/module.mk

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

define lib_rule
$(BUILD)/lib$(1).a: $$(call obj,$$($(2)_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call lib_rule,$(m),$(shell echo $(m) | tr a-z A-Z))))

$(BUILD)/limf: $(call obj,$(LIMF_SRC)) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

.SECONDARY:
.PHONY: all test test-bins check-asan asan check fuzz bench demo clean format format-check deps
deps:
	scripts/deps.sh

clean:
	rm -rf build build-asan build-fuzz build-bench

# Generated files opt out with "clang-format off" in their first lines.
FORMAT_FILES = $$(for f in $$(git ls-files '*.c' '*.h'); do head -5 $$f | grep -q 'clang-format off' || echo $$f; done)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
