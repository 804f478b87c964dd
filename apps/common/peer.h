/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_APP_PEER_H
#define WL_APP_PEER_H

/* The peer of a libmicrohttpd connection, for wl-server and wl-worker's
 * status listener (wl-migrate serves nothing, so this is a library of its
 * own in apps/meson.build: it does not pull libmicrohttpd into it). */

#include <stddef.h>

#include <microhttpd.h>

/* The socket peer's address as text ("192.0.2.1", "2001:db8::1") in
 * `out`; "unknown" when libmicrohttpd has none or it is not IPv4/IPv6. */
void app_peer_ip(struct MHD_Connection *conn, char *out, size_t len);

#endif
