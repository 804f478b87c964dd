/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_REDIS_TLS_H
#define WVL_CORE_REDIS_TLS_H

/* Internal: rediss:// for the Redis pool (lib/core/redis.c) with GnuTLS.
 *
 * Hand-written because Debian 12's hiredis (0.14.1) has no TLS at all.
 * This module connects TCP itself, does the TLS handshake with GnuTLS and
 * verifies the server's certificate (the CA, and the URL's host against
 * its DNS names or IP addresses).  Then it uses only hiredis' transport-
 * free parts: redisFormatCommandArgv turns a command into RESP, which goes
 * through the TLS session, and a redisReader parses what comes back.
 * hiredis 1.x keeps those calls, so this path builds there too; its own
 * SSL support is not used because it checks the chain but not the host.
 *
 * No relay thread.  The first version gave hiredis one end of a socketpair
 * and moved bytes in a pump thread per connection; every round trip then
 * took four thread wake-ups instead of two, and on the 2-core test machine
 * a rate-limit check over rediss:// cost p50 160 us and p99 3.9 ms against
 * 38 us and 120 us over redis:// (docs/PERFORMANCE.md, "Redis over TLS").
 * The pool is the only user of its connections (every command goes
 * through wvl_redis__command), so the thread that runs a command does its
 * TLS I/O itself: nothing to join, no descriptors beyond the socket.
 *
 * A connection is used by one thread at a time (the pool lends it); the
 * credentials are shared read-only.  Any I/O, TLS or protocol failure
 * marks the connection broken, so the pool closes it and reconnects with
 * its back-off, as it does for a plain connection with c->err set. */

#include <stdbool.h>
#include <stddef.h>

#include <hiredis.h>

#include "internal.h"

struct wvl_redis_tls;

/* The trust (WL_REDIS_TLS_CA, or the system's CAs when NULL or empty) and
 * the optional client certificate (cert and key both, or neither).
 * NULL with `err` set (one line naming the key) when a file cannot be
 * loaded. */
struct wvl_redis_tls *wvl_redis_tls__new(const char *ca_file, const char *cert_file,
					 const char *key_file, char *err, size_t errlen);
/* After every connection made with it is closed. */
void wvl_redis_tls__free(struct wvl_redis_tls *t);

struct wvl_redis_tls_conn;

/* Connects to host:port, does the handshake and verifies the server's
 * certificate against the trust and `host` (an IP address is matched to
 * the certificate's IP addresses, a name to its DNS names), all within
 * `timeout_ms`, which then bounds each wait of a command.  NULL with `err`
 * set; `verify_failed` is set when the peer answered TLS but its
 * certificate was refused.  Thread-safe. */
struct wvl_redis_tls_conn *wvl_redis_tls__connect(struct wvl_redis_tls *t, const char *host,
						  int port, int timeout_ms, char *err,
						  size_t errlen, bool *verify_failed);

/* Runs one command (argv form, as redisCommandArgv): the reply (an error
 * reply is a reply), or NULL with `why` (owned by the connection) when the
 * connection failed; it is then broken for good. */
redisReply *wvl_redis_tls__command(struct wvl_redis_tls_conn *c, int argc, const char **argv,
				   const size_t *argvlen, const char **why);

/* True once a command failed on it: close it. */
bool wvl_redis_tls__broken(const struct wvl_redis_tls_conn *c);

/* Says close_notify (unless broken) and frees it; NULL: nothing. */
void wvl_redis_tls__close(struct wvl_redis_tls_conn *c);

/* WL_REDIS_TLS_CA, WL_REDIS_TLS_CERT and WL_REDIS_TLS_KEY: readable PEM
 * files, the key the certificate's; WVL_EINVAL naming the key. */
int wvl_redis_tls__validate_config(const wvl_config *cfg);

#endif
