/*
 * Replays a fuzz target's checked-in corpus as an ordinary test.
 *
 * Each fuzz target defines LLVMFuzzerTestOneInput(); in a libFuzzer build
 * libFuzzer supplies main(), everywhere else this file does, so every
 * build (including the sanitizer one) runs every corpus entry.  Arguments
 * are files or directories; finding no input at all is a failure, so a
 * lost corpus cannot pass unnoticed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_INPUT_MAX (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, size_t *count)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(fd, &st) < 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FUZZ_INPUT_MAX) {
		fprintf(stderr, "fuzz-replay: %s: not a regular file of at most %d bytes\n",
		    path, FUZZ_INPUT_MAX);
		goto out;
	}
	/* one spare byte so an empty file still gets a valid pointer */
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fuzz-replay: %s: short read\n", path);
			goto out;
		}
		got += (size_t)n;
	}
	/* an exact-size copy, so ASan sees reads past the end of the input */
	{
		uint8_t *exact = malloc(got == 0 ? 1 : got);

		if (exact == NULL)
			goto out;
		memcpy(exact, data, got);
		LLVMFuzzerTestOneInput(exact, got);
		free(exact);
	}
	(*count)++;
	r = 0;
 out:
	free(data);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, size_t *count)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = NULL;
	int r = -1;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap == 0 ? 64 : cap * 2;
			if ((nn = realloc(names, cap * sizeof(*names))) == NULL)
				goto out;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			goto out;
		if (replay_file(path, count) < 0)
			goto out;
	}
	r = 0;
 out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d != NULL)
		closedir(d);
	return r;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) :
		    replay_file(argv[i], &count)) < 0)
			return 1;
	}
	if (count == 0) {
		fprintf(stderr, "fuzz-replay: no inputs found\n");
		return 1;
	}
	printf("fuzz-replay: %zu inputs replayed without a finding\n", count);
	return 0;
}
