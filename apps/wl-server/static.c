/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The web UI's files: a single-page app built by apps/web (index.html and
 * content-hashed assets under assets/, each with .gz and .br twins made at
 * build time).  Requests never reach a file outside WL_STATIC_DIR: paths
 * with `.`/`..` or empty segments, control characters or backslashes are
 * refused before any lookup, and files are opened with openat2's
 * RESOLVE_BENEATH, so a symlink that leaves the folder fails in the kernel
 * rather than in a string comparison here. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/app.h"
#include "compress.h"
#include "static.h"

/* The UI loads only its own scripts, styles, images and API; nothing may
 * frame it.  No 'unsafe-inline' anywhere: the build emits no inline code. */
#define HTML_CSP                                                                             \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " \
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "              \
	"form-action 'self'; frame-ancestors 'none'"

/* Content-hashed file names change with their content: cached for a year. */
#define ASSET_PREFIX "assets/"

static struct {
	pthread_mutex_t lock;
	bool opened;
	int dirfd; /* -1: no UI */
	char root[PATH_MAX];
} web = {PTHREAD_MUTEX_INITIALIZER, false, -1, ""};

/* Opens WL_STATIC_DIR on first use; the descriptor lives as long as the
 * process.  A folder that cannot be opened is said once in the log. */
static int root_fd(const wvl_config *cfg)
{
	pthread_mutex_lock(&web.lock);
	if (!web.opened) {
		web.opened = true;
		const char *dir = wvl_config_get(cfg, "WL_STATIC_DIR");
		int fd = dir && *dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (fd >= 0 && realpath(dir, web.root)) {
			web.dirfd = fd;
		} else if (dir && *dir) { /* empty means the API only: nothing to say */
			if (fd >= 0)
				close(fd);
			app_log_json(WVL_LOG_WARN, NULL,
				     "WL_STATIC_DIR cannot be opened: the web UI is not served", NULL);
		}
	}
	int fd = web.dirfd;
	pthread_mutex_unlock(&web.lock);
	return fd;
}

/* Without openat2 (Linux < 5.6, or a seccomp filter that refuses it): a
 * plain open that follows no final symlink, then the kernel's own idea of
 * where the file is must lie beneath the root. */
static int open_checked(const char *rel)
{
	int fd = openat(web.dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	char link[64], real[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, real, sizeof(real) - 1);
	size_t rl = strlen(web.root);
	if (n <= 0 || (size_t)n <= rl || strncmp(real, web.root, rl) != 0 || real[rl] != '/') {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/* A regular file beneath the root, or -1.  O_NONBLOCK: a FIFO placed in
 * the folder must not hold a thread in open(). */
static int open_beneath(const char *rel, struct stat *st)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	long fd = syscall(SYS_openat2, web.dirfd, rel, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = open_checked(rel);
	if (fd < 0)
		return -1;
	if (fstat((int)fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close((int)fd);
		return -1;
	}
	return (int)fd;
}

static const struct {
	const char *ext;
	const char *type;
	bool compressible; /* the build writes .gz and .br twins */
} types[] = {
	{"html", "text/html; charset=utf-8", true},
	{"js", "text/javascript; charset=utf-8", true},
	{"css", "text/css; charset=utf-8", true},
	{"json", "application/json; charset=utf-8", true},
	{"webmanifest", "application/manifest+json", true},
	{"svg", "image/svg+xml", true},
	{"txt", "text/plain; charset=utf-8", true},
	{"map", "application/json; charset=utf-8", true},
	{"png", "image/png", false},
	{"ico", "image/x-icon", false},
	{"webp", "image/webp", false},
	{"woff2", "font/woff2", false},
};

static int type_index(const char *rel)
{
	const char *slash = strrchr(rel, '/'), *dot = strrchr(rel, '.');
	if (!dot || (slash && dot < slash))
		return -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return (int)i;
	return -1;
}

/* Why `path` may not be looked up, or NULL when it may.  libmicrohttpd
 * has already percent-decoded it (%2e%2e is `..` here) and cut it at a
 * decoded NUL, so a NUL can only shorten a path, which then passes these
 * same checks. */
static const char *path_refusal(const char *path)
{
	size_t n = strlen(path);
	if (n > WL_STATIC_PATH_MAX)
		return "the path is too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return "the path may not contain control characters or backslashes";
	}
	/* Segments between slashes; one trailing slash is allowed. */
	for (const char *s = path + 1; *s;) {
		size_t len = strcspn(s, "/");
		bool last = s[len] == '\0' || s[len + 1] == '\0';
		if ((len == 0 && !last) || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return "the path may not contain empty, `.` or `..` segments";
		s += len + (s[len] == '/');
	}
	return NULL;
}

struct pick {
	int fd;
	struct stat st;
	const char *encoding; /* NULL: identity */
};

/* The precompressed twin of `rel` the client takes, else `rel` itself. */
static bool pick_file(struct pick *out, const char *rel, bool compressible, const char *ae)
{
	static const struct {
		const char *coding, *suffix;
	} twins[] = {{"br", ".br"}, {"gzip", ".gz"}};
	for (size_t i = 0; compressible && ae && i < sizeof(twins) / sizeof(twins[0]); i++) {
		char name[WL_STATIC_PATH_MAX + 16];
		snprintf(name, sizeof(name), "%s%s", rel, twins[i].suffix);
		if (wl_accepts_encoding(ae, twins[i].coding) && (out->fd = open_beneath(name, &out->st)) >= 0) {
			out->encoding = twins[i].coding;
			return true;
		}
	}
	out->encoding = NULL;
	out->fd = open_beneath(rel, &out->st);
	return out->fd >= 0;
}

/* A strong validator from size and modification time; the encoding is
 * part of it because the bytes differ. */
static void make_etag(char *out, size_t len, const struct pick *p)
{
	snprintf(out, len, "\"%llx-%llx%s%s\"", (unsigned long long)p->st.st_size,
		 (unsigned long long)p->st.st_mtim.tv_sec * 1000000000ULL +
			 (unsigned long long)p->st.st_mtim.tv_nsec,
		 p->encoding ? "-" : "", p->encoding ? p->encoding : "");
}

static bool etag_matches(const char *header, const char *etag)
{
	if (!header)
		return false;
	if (strcmp(header, "*") == 0)
		return true;
	size_t n = strlen(etag);
	for (const char *p = strstr(header, etag); p; p = strstr(p + 1, etag))
		if ((p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

static bool is_ui_request(const struct wl_request *req)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	const char *p = req->path;
	return p[0] == '/' && strncmp(p, "/api/", 5) != 0 && strcmp(p, "/api") != 0 &&
	       strcmp(p, "/metrics") != 0;
}

static void send_file(struct wl_request *req, struct wl_response *resp, const char *rel,
		      int ti, struct pick *p)
{
	char etag[96];
	make_etag(etag, sizeof(etag), p);
	wl_resp_header(resp, "ETag", etag);
	bool asset = strncmp(rel, ASSET_PREFIX, strlen(ASSET_PREFIX)) == 0;
	wl_resp_header(resp, "Cache-Control",
		       asset ? "public, max-age=31536000, immutable" : "no-cache");
	if (ti >= 0 && types[ti].compressible)
		wl_resp_header(resp, "Vary", "Accept-Encoding");
	bool html = ti >= 0 && strcmp(types[ti].ext, "html") == 0;
	if (html)
		wl_resp_header(resp, "Content-Security-Policy", HTML_CSP);
	if (etag_matches(wl_req_header(req, "If-None-Match"), etag)) {
		close(p->fd);
		resp->status = 304;
		resp->content_type = NULL;
		return;
	}
	if (p->encoding)
		wl_resp_header(resp, "Content-Encoding", p->encoding);
	wl_resp_fd(resp, 200, p->fd, (uint64_t)p->st.st_size);
	resp->content_type = ti >= 0 ? types[ti].type : "application/octet-stream";
}

bool wl_static_serve(struct wl_request *req, struct wl_response *resp)
{
	if (!is_ui_request(req))
		return false;
	if (root_fd(req->srv->cfg) < 0)
		return false;
	req->route = "static";
	const char *why = path_refusal(req->path);
	if (why) {
		wl_resp_fail(resp, req, WVL_EINVAL, NULL, why);
		return true;
	}
	const char *rel = req->path + 1;
	const char *last = strrchr(req->path, '/') + 1;
	/* Hidden files (.git, .env) are never served, whatever the build left. */
	if (strstr(req->path, "/."))
		return false;
	/* A last segment without a dot is a page of the app (/clients/42):
	 * the app's index.html, whose script routes it. */
	if (!*rel || !strchr(last, '.'))
		rel = "index.html";
	int ti = type_index(rel);
	struct pick p;
	if (!pick_file(&p, rel, ti >= 0 && types[ti].compressible,
		       wl_req_header(req, "Accept-Encoding")))
		return false;
	send_file(req, resp, rel, ti, &p);
	return true;
}
