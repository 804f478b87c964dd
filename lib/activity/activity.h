/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_ACTIVITY_INTERNAL_H
#define WVL_ACTIVITY_INTERNAL_H

#include "../core/pg.h"

/* Records one change in the caller's transaction.  client_id and entity_id
 * may be NULL. */
int wvl_activity__record(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			 const char *client_id, const char *entity_type, const char *entity_id,
			 const char *action, const char *summary);

#endif
