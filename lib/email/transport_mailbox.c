/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The mailbox transport, for development: each message becomes
 * WL_MAILBOX_DIR/<email id>.eml, the very bytes SMTP would carry.  Written
 * under a temporary name and linked into place, so a reader never sees a
 * half file and a second attempt of the same email finds the first one's
 * file and writes nothing (exactly one file per email). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "email.h"

/* mkdir -p, 0700: mail is private. */
static int make_dir(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -1;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* No fsync: this transport is for development, where a crash costs a
 * test mail at worst; the link gives the exactly-once file all the same. */
static int mailbox_send(char *provider_id, size_t id_len, wvl_ctx *ctx,
			const struct wvl_email_msg *m)
{
	const char *dir = wvl_config_get(ctx->cfg, "WL_MAILBOX_DIR");
	char final[4096], tmp[4096], rnd[16];
	wvl_token__random(rnd, sizeof(rnd), 6);
	if (!dir || make_dir(dir) != 0 ||
	    snprintf(final, sizeof(final), "%s/%s.eml", dir, m->id) >= (int)sizeof(final) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, m->id, rnd) >= (int)sizeof(tmp))
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the mailbox folder cannot be created");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the mailbox folder is not writable");
	int rc = write_all(fd, m->mime, m->mime_len);
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && link(tmp, final) != 0 && errno != EEXIST)
		rc = -1;
	unlink(tmp);
	if (rc)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the message could not be written to the mailbox");
	snprintf(provider_id, id_len, "mailbox:%s.eml", m->id);
	return 0;
}

const struct wvl_email_transport wvl_email__mailbox = {"mailbox", mailbox_send};
