/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_PREFS_INTERNAL_H
#define WVL_PREFS_INTERNAL_H

/* Internal: the preference set as other modules read it in SQL. */

#include "../core/internal.h"
#include "wavelaunch/prefs.h"

/* A boolean SQL expression: whether the user row `u` (alias, unquoted)
 * takes `channel` ("email"/"inapp") messages of `category`; both are SQL
 * text literals or parameters, e.g. WVL_PREFS_ALLOW_SQL("u", "'email'",
 * "$2").  Stored in users.email_prefs as {"email":{"reminders":false}}:
 * only what was turned off, everything else is on. */
#define WVL_PREFS_ALLOW_SQL(u, channel, category) \
	"coalesce((" u ".email_prefs -> " channel " ->> " category ")::boolean, true)"

/* Whether `category` is one of the set's ("deliverables", ...). */
bool wvl_prefs__category_ok(const char *category);

#endif
