/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_MIGRATE_H
#define WAVELAUNCH_MIGRATE_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Schema migrations.  Migrations are numbered SQL files (NNNN_name.sql),
 * forward-only, each applied in one transaction and recorded with its
 * SHA-256 in schema_migrations.  A session-level advisory lock serialises
 * concurrent runs.  These calls use the owner connection
 * (WL_MIGRATE_DATABASE_URL, falling back to WL_DATABASE_URL), not the pool.
 */

typedef struct wvl_migrate_options {
	unsigned int version;
	/** Folder of NNNN_*.sql files; NULL uses the set built into the library. */
	const char *dir;
} wvl_migrate_options;

#define WVL_MIGRATE_OPTIONS_VERSION 1
#define WVL_MIGRATE_OPTIONS_INIT {WVL_MIGRATE_OPTIONS_VERSION, NULL}

/**
 * Applies every pending migration in order, then makes sure the app role
 * (WL_APP_ROLE) exists with LOGIN, without SUPERUSER, BYPASSRLS or
 * ownership, and has the privileges the apps need.  When the app role's
 * password is given in WL_DATABASE_URL it is set on creation.
 * `*out_applied` (may be NULL) receives the number applied.  Fails with
 * WVL_ECONFLICT when an applied migration's file changed, WVL_EINVAL when a
 * file name is malformed or numbers repeat, WVL_EUNAVAILABLE when the
 * database cannot be reached, WVL_EINTERNAL when a migration fails (nothing
 * of that migration stays applied).
 */
WVL_EXTERN int wvl_migrate_up(int *out_applied, wvl_ctx *ctx,
			      const wvl_migrate_options *opts) WVL_WARN_UNUSED;

/**
 * JSON array of every known migration:
 * [{"version":1,"name":"core","applied_at":RFC3339|null,"checksum_ok":true|null}].
 */
WVL_EXTERN int wvl_migrate_status(char **out_json, wvl_ctx *ctx,
				  const wvl_migrate_options *opts) WVL_WARN_UNUSED;

/**
 * Checks that every applied migration still matches its file and that no
 * applied migration is unknown.  0 when all match, WVL_ECONFLICT otherwise
 * (the message names the first mismatch).
 */
WVL_EXTERN int wvl_migrate_verify(wvl_ctx *ctx, const wvl_migrate_options *opts)
	WVL_WARN_UNUSED;

/**
 * Adds `clients` realistic demo clients (1..100000) with their milestones,
 * business plans, notes and activity, in one transaction, through the app
 * connection as the system.  `*out_created` receives the number added.
 */
WVL_EXTERN int wvl_migrate_seed_demo(int *out_created, wvl_ctx *ctx, unsigned int clients)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
