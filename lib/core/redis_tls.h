/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_REDIS_TLS_H
#define WVL_CORE_REDIS_TLS_H

/* Internal: rediss:// for the Redis pool (lib/core/redis.c) with GnuTLS.
 *
 * Hand-written because Debian 12's hiredis (0.14.1) has no TLS at all.
 * hiredis does take a connected descriptor (redisConnectFd) and then does
 * plain read()/write() on it, so this module connects TCP itself, does
 * the TLS handshake with GnuTLS, verifies the server's certificate, and
 * hands hiredis one end of a socketpair; a pump thread moves the bytes
 * between the other end and the TLS session.  hiredis 1.x has the same
 * two calls, so this path works there too; its own SSL support is not
 * used because it checks the chain but not the host name.
 *
 * One pump thread per connection, not one per pool: a pool holds at most
 * WL_REDIS_POOL_SIZE connections (8 by default), each pump blocks in
 * poll() with nothing to do between commands, the GnuTLS session is only
 * ever touched by its own thread after the handshake (no locking), a slow
 * peer on one connection never delays another, and closing one is a
 * close() and a join.  A per-pool poll loop would need a wake-up pipe, a
 * shared table under a lock and per-connection buffers for no gain at
 * these sizes.
 *
 * Failures surface as the pool already handles them: a TLS or TCP error
 * (Redis gone, reset, bad record) ends the pump, which closes its end of
 * the socketpair, so hiredis reads end-of-file and marks its context
 * failed; the pool closes it and reconnects with its back-off. */

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

struct wvl_redis_tls;

/* The trust (WL_REDIS_TLS_CA, or the system's CAs when NULL or empty) and
 * the optional client certificate (cert and key both, or neither).
 * NULL with `err` set (one line naming the key) when a file cannot be
 * loaded. */
struct wvl_redis_tls *wvl_redis_tls__new(const char *ca_file, const char *cert_file,
					 const char *key_file, char *err, size_t errlen);
/* Every connection must be closed first. */
void wvl_redis_tls__free(struct wvl_redis_tls *t);

/* Connects to host:port, does the handshake and verifies the server's
 * certificate against the trust and `host` (an IP address is matched to
 * the certificate's IP addresses, a name to its DNS names), all within
 * `timeout_ms`.  Returns the descriptor to give redisConnectFd, or -1
 * with `err` set; `verify_failed` is set when the peer answered TLS but
 * its certificate was refused.  Thread-safe. */
int wvl_redis_tls__connect(struct wvl_redis_tls *t, const char *host, int port, int timeout_ms,
			   char *err, size_t errlen, bool *verify_failed);

/* Ends the connection whose hiredis descriptor is `fd` (from
 * redisFreeKeepFd): closes it, joins the pump and frees everything.
 * Thread-safe. */
void wvl_redis_tls__close(struct wvl_redis_tls *t, int fd);

/* WL_REDIS_TLS_CA, WL_REDIS_TLS_CERT and WL_REDIS_TLS_KEY: readable PEM
 * files, the key the certificate's; WVL_EINVAL naming the key. */
int wvl_redis_tls__validate_config(const wvl_config *cfg);

#endif
