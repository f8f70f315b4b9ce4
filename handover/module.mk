HANDOVER_SRC += $(wildcard handover/*.c)
