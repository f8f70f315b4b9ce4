#include "tests/unit/check.h"

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
		fprintf(stderr, "  %-24s %lu passed, %lu failed\n", suites[i].name, lim_t_pass - p0,
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
