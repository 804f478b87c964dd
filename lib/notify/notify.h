/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_NOTIFY_INTERNAL_H
#define WVL_NOTIFY_INTERNAL_H

/* Internal: writing notifications (fanout.c). */

#include <libpq-fe.h>

#include "../core/internal.h"
#include "wavelaunch/notify.h"
#include "wavelaunch/worker.h"

/* The recipients of a notification. */
struct wvl_notify_to {
	const char *audience;  /* "client", "team", "admins" or "user" */
	const char *client_id; /* the client it is about (NULL: none) */
	const char *user_id;   /* audience "user" */
	const char *category;  /* prefs.h: deliverables, reminders, tickets, updates */
};

/* One notification per recipient whose in-app preference allows it, in
 * the caller's transaction (written as the system: migration 0016's
 * wvl_notify_fanout).  `source_key` (may be NULL) makes a repeat add
 * nothing.  *out_count: how many (may be NULL). */
int wvl_notify__fanout_tx(int *out_count, wvl_ctx *ctx, PGconn *c, const struct wvl_notify_to *to,
			  const char *type, const char *title, const char *message,
			  const char *link, const char *source_key);

/* The notification_create job kind: args {"type", "client_id", "audience"?,
 * ...the type's data}; the type's row says the category, the default
 * audience, the title and the link. */
int wvl_notify__job_create(char **out_error, wvl_worker_task *run, void *payload);

#endif
