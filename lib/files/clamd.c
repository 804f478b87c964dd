/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A clamd client: INSTREAM and PING over a unix socket or TCP.
 *
 * Written by hand because Debian has no client library for clamd's socket
 * protocol (libclamav scans in-process, which would load the signature
 * database into every server).  The protocol: "zINSTREAM\0", then chunks
 * of <4-byte big-endian length><bytes>, a zero length to end, and one
 * NUL-terminated reply: "stream: OK", "stream: <name> FOUND" or
 * "... ERROR".  Anything but OK is treated as not clean. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "files_internal.h"

#define CHUNK 65536

bool wvl_files__scan_required(const wvl_ctx *ctx)
{
	const char *env = wvl_config_get(ctx->cfg, "WL_ENV");
	const char *req = wvl_config_get(ctx->cfg, "WL_SCAN_REQUIRED");
	return (env && strcmp(env, "production") == 0) ||
	       (req && strcmp(req, "true") == 0);
}

/* Waits for a non-blocking connect to finish. */
static int finish_connect(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	int err = 0;
	socklen_t len = sizeof(err);
	if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err)
		return -1;
	return 0;
}

static int connect_addr(const struct sockaddr *sa, socklen_t len, int timeout_s)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int connect_ms = (timeout_s < 5 ? timeout_s : 5) * 1000;
	if (connect(fd, sa, len) != 0 &&
	    (errno != EINPROGRESS || finish_connect(fd, connect_ms) != 0)) {
		close(fd);
		return -1;
	}
	/* Blocking from here, with a deadline on every read and write. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = {.tv_sec = timeout_s};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Splits "host:port" (an IPv6 host in brackets, "[::1]:3310") into
 * `host` and `port`; false unless the host is not empty and the port is
 * a number from 1 to 65535. */
static bool split_hostport(const char *hostport, char host[256], char port[6])
{
	const char *colon = strrchr(hostport, ':');
	if (!colon)
		return false;
	const char *h = hostport, *end = colon;
	if (h[0] == '[' && end > h && end[-1] == ']')
		h++, end--;
	size_t hlen = (size_t)(end - h), plen = strlen(colon + 1);
	if (hlen == 0 || hlen >= 256 || plen == 0 || plen > 5 ||
	    strspn(colon + 1, "0123456789") != plen || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535)
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, colon + 1, plen + 1);
	return true;
}

/* `hostport` passed validate_config (the context's configuration is a
 * validated private copy), so it splits. */
static int connect_tcp(const char *hostport, int timeout_s)
{
	char host[256], port[6];
	split_hostport(hostport, host, port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next)
		fd = connect_addr(a->ai_addr, a->ai_addrlen, timeout_s);
	freeaddrinfo(res);
	return fd;
}

/* Whether `addr` is "unix:/path" (a path that fits a socket address) or
 * "tcp:host:port". */
static bool clamd_addr_ok(const char *addr)
{
	char host[256], port[6];
	if (!strncmp(addr, "unix:/", 6))
		return strlen(addr + 5) < sizeof(((struct sockaddr_un *)0)->sun_path);
	return !strncmp(addr, "tcp:", 4) && split_hostport(addr + 4, host, port);
}

/* Connects to WL_CLAMD.  -1 when unset or unreachable: a malformed address
 * never gets here (validate_config refuses it when the context is made). */
static int clamd_connect(const wvl_ctx *ctx)
{
	const char *addr = wvl_config_get(ctx->cfg, "WL_CLAMD");
	int timeout_s = (int)wvl_config__uint(ctx->cfg, "WL_CLAMD_TIMEOUT", 30, 3600);
	if (!addr || !*addr)
		return -1;
	if (strncmp(addr, "tcp:", 4) == 0)
		return connect_tcp(addr + 4, timeout_s);
	/* "unix:/path", its length checked by clamd_addr_ok. */
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strcpy(sun.sun_path, addr + 5);
	return connect_addr((struct sockaddr *)&sun, sizeof(sun), timeout_s);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the NUL-terminated reply.  -1 on timeout or an empty reply. */
static int read_reply(int fd, char *out, size_t outlen)
{
	size_t len = 0;
	while (len + 1 < outlen) {
		ssize_t n = recv(fd, out + len, outlen - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(out, '\0', len))
			break;
	}
	out[len] = '\0';
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\0'))
		out[--len] = '\0';
	return len ? 0 : -1;
}

static int stream_file(int sock, int fd)
{
	static const char cmd[] = "zINSTREAM";
	unsigned char *buf = malloc(CHUNK + 4);
	if (!buf || send_all(sock, cmd, sizeof(cmd)) != 0) {
		free(buf);
		return -1;
	}
	off_t off = 0;
	int rc = 0;
	for (;;) {
		ssize_t n = pread(fd, buf + 4, CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -1;
			break;
		}
		uint32_t len = (uint32_t)n;
		buf[0] = (unsigned char)(len >> 24);
		buf[1] = (unsigned char)(len >> 16);
		buf[2] = (unsigned char)(len >> 8);
		buf[3] = (unsigned char)len;
		/* clamd may hang up early (size limit): its reply says why. */
		if (send_all(sock, buf, (size_t)n + 4) != 0 || n == 0)
			break;
		off += n;
	}
	free(buf);
	return rc;
}

static enum wvl_scan_result parse_reply(const char *reply, char *sig, size_t siglen)
{
	const char *r = strncmp(reply, "stream: ", 8) == 0 ? reply + 8 : reply;
	size_t n = strlen(r);
	if (strcmp(r, "OK") == 0)
		return WVL_SCAN_CLEAN;
	if (n > 6 && strcmp(r + n - 6, " FOUND") == 0) {
		snprintf(sig, siglen, "%.*s", (int)(n - 6), r);
		return WVL_SCAN_INFECTED;
	}
	snprintf(sig, siglen, "%s", reply);
	return WVL_SCAN_ERROR;
}

enum wvl_scan_result wvl_clamd__scan_fd(const wvl_ctx *ctx, int fd, char *sig, size_t siglen)
{
	sig[0] = '\0';
	int sock = clamd_connect(ctx);
	if (sock < 0)
		return WVL_SCAN_UNREACHABLE;
	char reply[512];
	enum wvl_scan_result res = WVL_SCAN_UNREACHABLE;
	if (stream_file(sock, fd) == 0 && read_reply(sock, reply, sizeof(reply)) == 0)
		res = parse_reply(reply, sig, siglen);
	close(sock);
	if (res == WVL_SCAN_ERROR)
		wvl_log(ctx, WVL_LOG_WARN, "clamd answered an error: %s", sig);
	return res;
}

int wvl_clamd__ping(const wvl_ctx *ctx, double *out_ms)
{
	const char *addr = wvl_config_get(ctx->cfg, "WL_CLAMD");
	if (!addr || !*addr)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int sock = clamd_connect(ctx);
	if (sock < 0)
		return -1;
	static const char cmd[] = "zPING";
	char reply[64];
	int ok = send_all(sock, cmd, sizeof(cmd)) == 0 &&
		 read_reply(sock, reply, sizeof(reply)) == 0 && strcmp(reply, "PONG") == 0;
	close(sock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*out_ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return ok ? 0 : -1;
}

/* The files module's configuration: how uploads are scanned, the quota. */
static int validate_config(const wvl_config *cfg)
{
	const char *clamd = wvl_config_get(cfg, "WL_CLAMD");
	if (clamd && *clamd && !clamd_addr_ok(clamd))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_CLAMD must be unix:/path (at most 107 bytes) or tcp:host:port"
				    " (a port from 1 to 65535)");
	if (wvl_config__production(cfg) && (!clamd || !*clamd))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_CLAMD is required in production: uploads must be "
				    "virus-scanned (unix:/path or tcp:host:port)");
	return 0;
}

const struct wvl_module wvl_files__module = {
	.name = "files",
	.keys = &wvl_files__keys,
	.validate_config = validate_config,
};
