WARRANTS_SRC += $(wildcard warrants/*.c)
