#include "tests/unit/check.h"

#include "common/codec.h"

unsigned long lim_t_pass, lim_t_fail;

int lim_t_main(const struct lim_suite *suites, size_t n, int argc, char **argv)
{
	for (size_t i = 0; i < n; i++) {
		int run = argc < 2;
		for (int a = 1; a < argc; a++)
			if (strcmp(argv[a], suites[i].name) == 0)
				run = 1;
		if (!run)
			continue;
		unsigned long f0 = lim_t_fail, p0 = lim_t_pass;
		suites[i].fn();
		printf("  %-24s %lu passed, %lu failed\n", suites[i].name, lim_t_pass - p0,
		       lim_t_fail - f0);
	}
	printf("%lu passed, %lu failed\n", lim_t_pass, lim_t_fail);
	return lim_t_fail ? 1 : 0;
}

const char *lim_t_vectors_dir(void)
{
	const char *d = getenv("LIMF_VECTORS");
	return d && *d ? d : "../shared/vectors";
}

char *lim_t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "out of memory reading %s\n", path);
				exit(2);
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int lim_t_vec_hex(const char *text, const char *name, uint8_t *out, size_t cap, size_t *n)
{
	size_t nl = strlen(name);
	const char *line = text;
	*n = 0;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > nl + 3 && memcmp(line, name, nl) == 0 &&
		    memcmp(line + nl, " = ", 3) == 0) {
			if (lim_hex_decode_ws(line + nl + 3, len - nl - 3, out, cap, n) == LIM_OK)
				return 0;
			fprintf(stderr, "vector %s: bad hex\n", name);
			return -1;
		}
		line = end ? end + 1 : NULL;
	}
	fprintf(stderr, "vector %s: missing\n", name);
	return -1;
}
