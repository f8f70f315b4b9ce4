COMMON_SRC += $(wildcard common/*.c)
