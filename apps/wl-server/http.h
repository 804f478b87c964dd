/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_HTTP_H
#define WL_HTTP_H

/* The libmicrohttpd callbacks (http.c), used by main.c. */

#include "server.h"

enum MHD_Result wl_on_request(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **con_cls);
void wl_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		     enum MHD_RequestTerminationCode toe);
/* Requests being served now. */
unsigned long wl_inflight(void);
/* Waits until no request is in flight, at most `seconds`; true when idle. */
bool wl_wait_idle(unsigned int seconds);

#endif
