/* replay_main: runs a fuzz target without libFuzzer, for `make check`: every
 * file of the target's checked-in corpus (tests/fuzz/corpus/<name>/, name
 * taken from the program name replay_<name>) or of the files and directories
 * given as arguments goes through LLVMFuzzerTestOneInput once. Built with
 * the normal compiler, so the corpora also run under the ASan+UBSan build. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_FILE (1024 * 1024)

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_FILE);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_FILE, f);
	fclose(f);
	/* An exact-size copy, so an over-read is caught as in libFuzzer. */
	{
		uint8_t *exact = malloc(n ? n : 1);
		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order (reproducible). Count or -1. */
static int
run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int count = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);
		struct stat st;
		if (path != NULL) {
			snprintf(path, len, "%s/%s", dir, names[i]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) == 0)
				count++;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path) == 0 ? 1 : -1;
}

int
main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char dir[4096];
	int total = 0;

	base = base ? base + 1 : argv[0];
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			int c = run_path(argv[i]);
			if (c < 0)
				return 1;
			total += c;
		}
	} else {
		if (strncmp(base, "replay_", 7) != 0) {
			fprintf(stderr, "replay: cannot tell the target from the name %s\n", base);
			return 1;
		}
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", RTCD_ABS_TOP_SRCDIR, base + 7);
		total = run_dir(dir);
		if (total <= 0) {
			fprintf(stderr, "replay: empty or missing corpus %s\n", dir);
			return 1;
		}
	}
	printf("%s: %d inputs replayed\n", base, total);
	return 0;
}
