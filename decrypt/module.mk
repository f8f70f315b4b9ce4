DECRYPT_SRC += $(wildcard decrypt/*.c)
