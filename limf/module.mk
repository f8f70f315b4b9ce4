LIMF_SRC += $(wildcard limf/*.c)
