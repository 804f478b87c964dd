/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Reading a stored object whole, for the library's own uses of a file's
 * bytes (an email attachment, lib/email/attach.c).  Bounded: the caller
 * says how many bytes it takes at most. */

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files_internal.h"

static int read_fd(unsigned char **out, size_t *out_len, int fd, uint64_t max)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0 || sb.st_size < 0)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "storage: cannot read the object");
	if ((uint64_t)sb.st_size > max)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "the file is over %llu bytes",
				    (unsigned long long)max);
	size_t len = (size_t)sb.st_size;
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return wvl_err__set(WVL_EUNAVAILABLE, NULL, "storage: the object is short");
		}
		got += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int wvl_files__read_stored(unsigned char **out, size_t *out_len, const wvl_ctx *ctx,
			   const char *storage_key, uint64_t max)
{
	*out = NULL;
	*out_len = 0;
	struct wvl_storage *st = NULL;
	int fd = -1;
	int rc = wvl_storage__open(ctx, &st);
	if (!rc)
		rc = st->ops->open_read(st, storage_key, &fd);
	if (!rc)
		rc = read_fd(out, out_len, fd, max);
	if (fd >= 0)
		close(fd);
	wvl_storage__free(st);
	return rc;
}
