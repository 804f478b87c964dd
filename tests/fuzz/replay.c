/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* main() for a harness built without libFuzzer: feeds it every file named
 * on the command line, and every file in every folder named there, so the
 * seed corpus runs through the same checks on every build (the fuzz-smoke
 * suite).  Options are skipped, as libFuzzer does: scripts/test passes
 * --verbose=0 to every test. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Larger than any harness takes (libFuzzer's -max_len in README.md). */
#define REPLAY_MAX (4u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint8_t *buf = malloc(REPLAY_MAX);
	size_t len = buf ? fread(buf, 1, REPLAY_MAX, f) : 0;
	fclose(f);
	if (!buf)
		return 1;
	/* A copy of exactly the input's size, so ASan sees a read past it. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int replay(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return (*count)++, replay_file(path);
	DIR *dir = opendir(path);
	if (!dir)
		return 1;
	int bad = 0;
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.')
			continue;
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		bad |= replay(child, count);
	}
	closedir(dir);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, count = 0;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			bad |= replay(argv[i], &count);
	printf("%d inputs replayed\n", count);
	return bad || count == 0;
}
