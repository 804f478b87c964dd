/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_SERVER_TLS_H
#define WL_SERVER_TLS_H

/* wl-server's HTTPS credentials (tls.c): loaded at start, swapped on
 * SIGHUP.  The library checked the files when it checked the
 * configuration (lib/apps/tls.c). */

#include <gnutls/abstract.h>

/* Loads the pair at the two paths; the callback for
 * MHD_OPTION_HTTPS_CERT_CALLBACK, or NULL (logged) when it cannot. */
gnutls_certificate_retrieve_function2 *wl_tls_start(const char *cert, const char *key);
/* Loads the files at the same paths again; on a fault keeps serving the
 * old pair and logs why.  From the signal-handling thread only. */
void wl_tls_reload(void);
/* Frees every pair; after the daemon stopped. */
void wl_tls_stop(void);

#endif
