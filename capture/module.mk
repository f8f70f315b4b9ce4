CAPTURE_SRC += $(wildcard capture/*.c)
