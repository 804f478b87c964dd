/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The storage interface and its local file system backend.
 *
 * Layout under WL_STORAGE_DIR:
 *   tmp/                      spools of uploads in progress
 *   objects/ab/cd/abcd...     one file per object, sharded by the first two
 *                             byte pairs of its random key (65,536 folders,
 *                             so a folder stays small up to ~10^8 files)
 *
 * Spools are O_TMPFILE files: they have no name until put() links them, so
 * a crash or a kill -9 in the middle of an upload leaves nothing behind.
 * File systems without O_TMPFILE get a named file that close() unlinks. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "files_internal.h"

struct local {
	char *root;
};

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return (mkdir(buf, mode) != 0 && errno != EEXIST) ? -1 : 0;
}

static bool key_ok(const char *key)
{
	if (!key || strlen(key) != WVL_STORAGE_KEY_LEN)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static char *object_dir(const struct local *l, const char *key)
{
	return wvl_str__printf("%s/objects/%.2s/%.2s", l->root, key, key + 2);
}

static char *object_path(const struct local *l, const char *key)
{
	return wvl_str__printf("%s/objects/%.2s/%.2s/%s", l->root, key, key + 2, key);
}

static int storage_down(const char *what)
{
	return wvl_err__set(WVL_EUNAVAILABLE, NULL, "file storage is unavailable (%s)", what);
}

static int local_spool_open(struct wvl_storage *st, struct wvl_spool *out)
{
	struct local *l = st->impl;
	out->fd = -1;
	out->path = NULL;
	char *tmp = wvl_str__printf("%s/tmp", l->root);
	if (!tmp || mkdir_p(tmp, 0700) != 0) {
		free(tmp);
		return storage_down("cannot create the temporary folder");
	}
	out->fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		out->path = wvl_str__printf("%s/upload-XXXXXX", tmp);
		out->fd = out->path ? mkostemp(out->path, O_CLOEXEC) : -1;
	}
	free(tmp);
	if (out->fd < 0) {
		free(out->path);
		out->path = NULL;
		return storage_down("cannot create a temporary file");
	}
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Gives the spool its final name: a link of the O_TMPFILE inode through
 * /proc (no privilege needed, unlike AT_EMPTY_PATH), or a rename. */
static int link_spool(struct wvl_spool *sp, const char *final)
{
	if (sp->path) {
		if (rename(sp->path, final) != 0)
			return -1;
		free(sp->path);
		sp->path = NULL;
		return 0;
	}
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", sp->fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, final, AT_SYMLINK_FOLLOW);
}

static int local_put(struct wvl_storage *st, struct wvl_spool *sp, const char *key)
{
	struct local *l = st->impl;
	if (!key_ok(key))
		return wvl_err__set(WVL_EINTERNAL, NULL, "malformed storage key");
	char *dir = object_dir(l, key), *final = object_path(l, key);
	int rc = 0;
	if (!dir || !final || mkdir_p(dir, 0750) != 0)
		rc = storage_down("cannot create the object folder");
	else if (fsync(sp->fd) != 0)
		rc = storage_down("cannot flush the upload");
	else if (link_spool(sp, final) != 0)
		rc = errno == EEXIST ? wvl_err__set(WVL_ECONFLICT, NULL, "storage key in use")
				     : storage_down("cannot store the object");
	if (rc == 0)
		fsync_dir(dir);
	free(dir);
	free(final);
	return rc;
}

static int local_open_read(struct wvl_storage *st, const char *key, int *out_fd)
{
	*out_fd = -1;
	if (!key_ok(key))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
	char *path = object_path(st->impl, key);
	if (!path)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	*out_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int err = errno;
	free(path);
	if (*out_fd >= 0)
		return 0;
	return err == ENOENT ? wvl_err__set(WVL_ENOTFOUND, NULL, "not found")
			     : storage_down("cannot open the object");
}

static int local_remove(struct wvl_storage *st, const char *key)
{
	if (!key_ok(key))
		return 0;
	char *path = object_path(st->impl, key);
	if (!path)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int r = unlink(path);
	int err = errno;
	free(path);
	return (r == 0 || err == ENOENT) ? 0 : storage_down("cannot remove the object");
}

/* Sums regular files below dirfd; depth bounds the walk to the layout. */
static void walk(int dirfd, int depth, uint64_t *bytes, uint64_t *objects)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct stat sb;
		if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(sb.st_mode)) {
			*bytes += (uint64_t)sb.st_size;
			(*objects)++;
		} else if (S_ISDIR(sb.st_mode) && depth > 0) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				walk(sub, depth - 1, bytes, objects);
		}
	}
	closedir(d);
}

static int local_usage(struct wvl_storage *st, uint64_t *bytes, uint64_t *objects)
{
	struct local *l = st->impl;
	*bytes = *objects = 0;
	char *dir = wvl_str__printf("%s/objects", l->root);
	if (!dir)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = errno;
	free(dir);
	if (fd < 0)
		return err == ENOENT ? 0 : storage_down("cannot read the storage folder");
	walk(fd, 2, bytes, objects);
	return 0;
}

static void local_free(struct wvl_storage *st)
{
	struct local *l = st->impl;
	if (l)
		free(l->root);
	free(l);
}

static const struct wvl_storage_ops local_ops = {
	local_spool_open, local_put, local_open_read, local_remove, local_usage, local_free,
};

int wvl_storage__open(const wvl_ctx *ctx, struct wvl_storage **out)
{
	*out = NULL;
	/* Never empty: the key's declaration refuses an empty value. */
	const char *root = wvl_config_get(ctx->cfg, "WL_STORAGE_DIR");
	struct wvl_storage *st = calloc(1, sizeof(*st));
	struct local *l = calloc(1, sizeof(*l));
	if (!st || !l || !(l->root = wvl_str__dup(root))) {
		free(st);
		free(l);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	size_t n = strlen(l->root);
	while (n > 1 && l->root[n - 1] == '/')
		l->root[--n] = '\0';
	st->ops = &local_ops;
	st->impl = l;
	*out = st;
	return 0;
}

void wvl_storage__free(struct wvl_storage *st)
{
	if (!st)
		return;
	st->ops->free(st);
	free(st);
}

void wvl_storage__spool_close(struct wvl_spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->path)
		unlink(sp->path);
	free(sp->path);
	sp->fd = -1;
	sp->path = NULL;
}

void wvl_storage__new_key(char out[WVL_STORAGE_KEY_LEN + 1])
{
	unsigned char raw[WVL_STORAGE_KEY_LEN / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WVL_STORAGE_KEY_LEN + 1, raw, sizeof(raw));
}
