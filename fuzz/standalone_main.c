/* fuzz: replay main for builds without libFuzzer; runs every file given on
 * the command line (or every file in a given directory) through the
 * harness once, so each seed is a normal test under any compiler.  A seed
 * named bad-* must be refused and one named ok-* accepted, as the harness
 * reports it (harness_outcome.h); other names only must not crash. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same cap as the libFuzzer runs use (-max_len in the .options files). */
#define REPLAY_MAX_INPUT (4u * 1024 * 1024)

/* What the seed's file name promises. */
static enum harness_outcome
replay_promise(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strncmp(base, "bad-", 4) == 0)
		return HARNESS_OUTCOME_REFUSED;
	if (strncmp(base, "ok-", 3) == 0)
		return HARNESS_OUTCOME_ACCEPTED;
	return HARNESS_OUTCOME_NONE;
}

static const char *
replay_outcome_name(enum harness_outcome o)
{
	switch (o) {
	case HARNESS_OUTCOME_ACCEPTED:	return "accepted";
	case HARNESS_OUTCOME_REFUSED:	return "refused";
	case HARNESS_OUTCOME_NONE:
	default:			return "no outcome reported";
	}
}

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	enum harness_outcome promised = replay_promise(path);
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	harness_outcome_last = HARNESS_OUTCOME_NONE;
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	if (promised != HARNESS_OUTCOME_NONE &&
	    harness_outcome_last != promised) {
		fprintf(stderr, "%s: %s, its name says %s\n", path,
		    replay_outcome_name(harness_outcome_last),
		    replay_outcome_name(promised));
		return -1;
	}
	return 0;
}

static int
replay_path(const char *path, unsigned *count)
{
	struct stat st;
	struct dirent **names;
	int n, rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.' &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    names[i]->d_name) < sizeof(sub) &&
		    replay_path(sub, count) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) != 0)
			rc = 1;
	printf("replayed %u inputs\n", count);
	if (count == 0)
		rc = 1;		/* an empty corpus is a broken test, not a pass */
	return rc;
}
