/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* rediss:// with GnuTLS under hiredis 0.14 (redis_tls.h says why and how):
 * TCP connect, handshake and verification bounded by the pool's connect
 * timeout, then each command formatted by hiredis, sent and read through
 * the TLS session by the calling thread, and parsed by hiredis' reader. */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <hiredis.h>

#include "redis_tls.h"

struct wvl_redis_tls_conn {
	int tcp_fd;
	int timeout_ms; /* each wait for Redis to take or give bytes */
	gnutls_session_t session;
	redisReader *reader;
	bool broken; /* no more commands: the pool closes it */
	char err[200];
};

struct wvl_redis_tls {
	gnutls_certificate_credentials_t cred;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t left = deadline - mono_ms();
	return left < 0 ? 0 : (int)left;
}

struct wvl_redis_tls *wvl_redis_tls__new(const char *ca_file, const char *cert_file,
					 const char *key_file, char *err, size_t errlen)
{
	struct wvl_redis_tls *t = calloc(1, sizeof(*t));
	if (!t || gnutls_certificate_allocate_credentials(&t->cred) < 0) {
		snprintf(err, errlen, "redis TLS: out of memory");
		free(t);
		return NULL;
	}
	int rc;
	if (ca_file && *ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(t->cred, ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "WL_REDIS_TLS_CA: no CA certificate could be loaded from %s%s%s",
				 ca_file, rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
			goto fail;
		}
	} else {
		/* No system CAs is not an error here: every server is then refused. */
		(void)gnutls_certificate_set_x509_system_trust(t->cred);
	}
	if (cert_file && *cert_file && key_file && *key_file) {
		rc = gnutls_certificate_set_x509_key_file(t->cred, cert_file, key_file,
							  GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			snprintf(err, errlen, "WL_REDIS_TLS_CERT, WL_REDIS_TLS_KEY: %s",
				 gnutls_strerror(rc));
			goto fail;
		}
	}
	return t;
fail:
	gnutls_certificate_free_credentials(t->cred);
	free(t);
	return NULL;
}

void wvl_redis_tls__free(struct wvl_redis_tls *t)
{
	if (!t)
		return;
	gnutls_certificate_free_credentials(t->cred);
	free(t);
}

/* ---- transport: the TCP socket stays non-blocking ---------------------------- */

static ssize_t pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct wvl_redis_tls_conn *c = ptr;
	ssize_t n = recv(c->tcp_fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		gnutls_transport_set_errno(c->session, errno == EWOULDBLOCK ? EAGAIN : errno);
	return n;
}

/* Sends all of it, waiting at most timeout_ms for room each time:
 * Redis always reads, so a send that cannot go on means a dead peer. */
static ssize_t push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	struct wvl_redis_tls_conn *c = ptr;
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(c->tcp_fd, (const char *)buf + done, len - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {c->tcp_fd, POLLOUT, 0};
			int r = poll(&p, 1, c->timeout_ms);
			if (r > 0 || (r < 0 && errno == EINTR))
				continue;
			errno = ETIMEDOUT;
		}
		if (done)
			return (ssize_t)done;
		gnutls_transport_set_errno(c->session, errno ? errno : EIO);
		return -1;
	}
	return (ssize_t)done;
}

/* ---- connecting ------------------------------------------------------------------ */

static int tcp_connect(const char *host, int port, int64_t deadline, char *err, size_t errlen)
{
	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "redis TLS: cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1, last = ECONNREFUSED;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		int e = 0;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			e = errno;
			if (e == EINPROGRESS) {
				struct pollfd p = {fd, POLLOUT, 0};
				int r = poll(&p, 1, left_ms(deadline));
				socklen_t el = sizeof(e);
				if (r == 0)
					e = ETIMEDOUT;
				else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
					e = errno;
			}
		}
		if (e) {
			last = e;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "redis TLS: cannot connect to %s:%d: %s", host, port,
			 strerror(last));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return fd;
}

static bool is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int handshake(struct wvl_redis_tls_conn *c, const char *host, int64_t deadline, char *err,
		     size_t errlen, bool *verify_failed)
{
	for (;;) {
		int rc = gnutls_handshake(c->session);
		if (rc == GNUTLS_E_SUCCESS)
			return 0;
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			struct pollfd p = {c->tcp_fd,
					   gnutls_record_get_direction(c->session) ? POLLOUT : POLLIN, 0};
			int r = poll(&p, 1, left_ms(deadline));
			if (r == 0) {
				snprintf(err, errlen, "redis TLS: the handshake with %s timed out",
					 host);
				return -1;
			}
			continue;
		}
		if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			*verify_failed = true;
			unsigned status = gnutls_session_get_verify_cert_status(c->session);
			gnutls_datum_t why = {NULL, 0};
			if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why,
									  0) < 0)
				why.data = NULL;
			for (size_t n = why.data ? strlen((char *)why.data) : 0;
			     n && why.data[n - 1] == ' '; n--)
				why.data[n - 1] = '\0';
			snprintf(err, errlen,
				 "redis TLS: the certificate of %s is refused: %s (trust: "
				 "WL_REDIS_TLS_CA or the system's CAs)",
				 host, why.data ? (const char *)why.data : gnutls_strerror(rc));
			gnutls_free(why.data);
			return -1;
		}
		/* A warning alert: go on, but not past the deadline. */
		if (!gnutls_error_is_fatal(rc) && left_ms(deadline) > 0)
			continue;
		snprintf(err, errlen, "redis TLS: the handshake with %s failed: %s", host,
			 gnutls_strerror(rc));
		return -1;
	}
}

static void conn_free(struct wvl_redis_tls_conn *c)
{
	if (c->session)
		gnutls_deinit(c->session);
	if (c->tcp_fd >= 0)
		close(c->tcp_fd);
	if (c->reader)
		redisReaderFree(c->reader);
	free(c);
}

struct wvl_redis_tls_conn *wvl_redis_tls__connect(struct wvl_redis_tls *t, const char *host,
						  int port, int timeout_ms, char *err,
						  size_t errlen, bool *verify_failed)
{
	*verify_failed = false;
	int64_t deadline = mono_ms() + timeout_ms;
	struct wvl_redis_tls_conn *c = calloc(1, sizeof(*c));
	if (!c || !(c->reader = redisReaderCreate())) {
		snprintf(err, errlen, "redis TLS: out of memory");
		free(c);
		return NULL;
	}
	c->timeout_ms = timeout_ms;
	if ((c->tcp_fd = tcp_connect(host, port, deadline, err, errlen)) < 0) {
		conn_free(c);
		return NULL;
	}
	int rc = gnutls_init(&c->session, GNUTLS_CLIENT);
	if (rc == 0)
		rc = gnutls_set_default_priority(c->session);
	if (rc == 0)
		rc = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	/* SNI takes names only; an address is matched to the IP SANs. */
	if (rc == 0 && !is_ip(host))
		rc = gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, host, strlen(host));
	if (rc) {
		snprintf(err, errlen, "redis TLS: %s", gnutls_strerror(rc));
		conn_free(c);
		return NULL;
	}
	gnutls_session_set_verify_cert(c->session, host, 0);
	gnutls_transport_set_ptr(c->session, c);
	gnutls_transport_set_pull_function(c->session, pull);
	gnutls_transport_set_push_function(c->session, push);
	if (handshake(c, host, deadline, err, errlen, verify_failed)) {
		conn_free(c);
		return NULL;
	}
	return c;
}

static redisReply *broken(struct wvl_redis_tls_conn *c, const char **why, const char *what,
			  const char *detail)
{
	c->broken = true;
	snprintf(c->err, sizeof(c->err), "redis TLS: %s%s%s", what, detail ? ": " : "",
		 detail ? detail : "");
	*why = c->err;
	return NULL;
}

redisReply *wvl_redis_tls__command(struct wvl_redis_tls_conn *c, int argc, const char **argv,
				   const size_t *argvlen, const char **why)
{
	if (c->broken) {
		*why = c->err;
		return NULL;
	}
	char *cmd = NULL;
	long long len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0)
		return broken(c, why, "out of memory", NULL);
	const char *p = cmd;
	size_t left = (size_t)len;
	while (left) {
		ssize_t n = gnutls_record_send(c->session, p, left);
		if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN)
			continue;
		if (n <= 0) {
			redisFreeCommand(cmd);
			return broken(c, why, "sending failed", gnutls_strerror((int)n));
		}
		p += n;
		left -= (size_t)n;
	}
	redisFreeCommand(cmd);
	char buf[16384];
	for (;;) {
		void *reply = NULL;
		if (redisReaderGetReply(c->reader, &reply) != REDIS_OK)
			return broken(c, why, "protocol error", c->reader->errstr);
		if (reply)
			return reply;
		ssize_t n = gnutls_record_recv(c->session, buf, sizeof(buf));
		if (n > 0) {
			if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK)
				return broken(c, why, "protocol error", c->reader->errstr);
			continue;
		}
		if (n == 0)
			return broken(c, why, "the server closed the connection", NULL);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			struct pollfd pf = {c->tcp_fd, POLLIN, 0};
			int r = poll(&pf, 1, c->timeout_ms);
			if (r == 0)
				return broken(c, why, "no reply in time", NULL);
			if (r < 0 && errno != EINTR)
				return broken(c, why, "poll", strerror(errno));
			continue;
		}
		if (gnutls_error_is_fatal((int)n))
			return broken(c, why, "receiving failed", gnutls_strerror((int)n));
	}
}

bool wvl_redis_tls__broken(const struct wvl_redis_tls_conn *c) { return c->broken; }

void wvl_redis_tls__close(struct wvl_redis_tls_conn *c)
{
	if (!c)
		return;
	if (!c->broken)
		(void)gnutls_bye(c->session, GNUTLS_SHUT_WR); /* close_notify, bounded by push */
	conn_free(c);
}

/* ---- configuration ----------------------------------------------------------------- */

static int refuse(const char *key, const char *path, const char *problem, const char *detail)
{
	char shown[72];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)path; *p && n < 64; p++)
		shown[n++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	shown[n] = '\0';
	return wvl_err__set(WVL_EINVAL, NULL, "%s: \"%s\" %s%s%s%s; expected %s", key, shown, problem,
			    detail ? " (" : "", detail ? detail : "", detail ? ")" : "",
			    strcmp(key, "WL_REDIS_TLS_KEY") == 0
				    ? "a readable PEM file of the certificate's private key"
				    : "a readable PEM file of certificates");
}

/* The PEM certificates in `path`: how many, or a refusal naming `key`. */
static int check_certs(const char *key, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return refuse(key, path, "cannot be read", strerror(errno));
	fclose(f);
	gnutls_datum_t pem = {NULL, 0};
	int rc = gnutls_load_file(path, &pem);
	if (rc < 0)
		return refuse(key, path, "cannot be read", gnutls_strerror(rc));
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0;
	rc = gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM, 0);
	gnutls_free(pem.data);
	for (unsigned i = 0; rc >= 0 && i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (rc < 0 || n == 0)
		return refuse(key, path, "holds no PEM certificate", rc < 0 ? gnutls_strerror(rc) : NULL);
	return 0;
}

int wvl_redis_tls__validate_config(const wvl_config *cfg)
{
	const char *url = wvl_config_get(cfg, "WL_REDIS_URL");
	const char *ca = wvl_config_get(cfg, "WL_REDIS_TLS_CA");
	const char *cert = wvl_config_get(cfg, "WL_REDIS_TLS_CERT");
	const char *key = wvl_config_get(cfg, "WL_REDIS_TLS_KEY");
	bool has_ca = ca && *ca, has_cert = cert && *cert, has_key = key && *key;
	if (!has_ca && !has_cert && !has_key)
		return 0;
	/* A CA set for a plain redis:// URL would read as encrypted and not be. */
	bool tls = url && strncmp(url, "rediss://", 9) == 0;
	const char *first = has_ca ? "WL_REDIS_TLS_CA" : has_cert ? "WL_REDIS_TLS_CERT" : "WL_REDIS_TLS_KEY";
	if (!tls)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "%s: is set but WL_REDIS_URL is not a rediss:// URL; expected "
				    "rediss://host:port/db, or %s empty",
				    first, first);
	if (has_cert != has_key)
		return wvl_err__set(WVL_EINVAL, NULL, "%s: is empty but %s is set; expected both "
				    "or neither",
				    has_cert ? "WL_REDIS_TLS_KEY" : "WL_REDIS_TLS_CERT",
				    has_cert ? "WL_REDIS_TLS_CERT" : "WL_REDIS_TLS_KEY");
	int rc = has_ca ? check_certs("WL_REDIS_TLS_CA", ca) : 0;
	if (!rc && has_cert)
		rc = check_certs("WL_REDIS_TLS_CERT", cert);
	if (!rc && has_cert) {
		gnutls_certificate_credentials_t cred;
		if (gnutls_certificate_allocate_credentials(&cred) < 0)
			return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		int g = gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM);
		gnutls_certificate_free_credentials(cred);
		if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
			rc = refuse("WL_REDIS_TLS_KEY", key,
				    "is not the private key of WL_REDIS_TLS_CERT's certificate", NULL);
		else if (g < 0)
			rc = refuse("WL_REDIS_TLS_KEY", key, "cannot be used", gnutls_strerror(g));
	}
	return rc;
}
