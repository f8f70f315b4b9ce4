/* Standalone replay driver for a libFuzzer target (Wireshark fuzzshark style): runs
 * LLVMFuzzerTestOneInput over every file named (directories are walked one level), so `make
 * test` replays the committed corpus and every regression input under the normal build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long ok = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			bad++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) == 0)
				ok++;
			else
				bad++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			bad++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			if (e->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name) >=
			    sizeof path)
				continue;
			if (run_file(path) == 0)
				ok++;
			else
				bad++;
		}
		closedir(d);
	}
	/* A corpus that is empty or missing counts as a failure: the replay must test something. */
	if (ok == 0)
		bad++;
	printf("%lu passed, %lu failed\n", ok, bad);
	return bad ? 1 : 0;
}
