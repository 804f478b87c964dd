/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_MAINTENANCE_H
#define WAVELAUNCH_MAINTENANCE_H

/*
 * Housekeeping the worker runs on a schedule (and operators may run by
 * hand): database backups and AI budget alerts (the removal of deleted
 * files is wvl_files_cleanup, in files.h).
 * They act as the system.  Each returns a small JSON report in *out_json
 * (free with wvl_free).  Thread-safe with a shared context.
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Dumps the database with pg_dump (custom format, program WL_PG_DUMP) into
 * WL_BACKUP_DIR as wavelaunch-YYYYMMDDTHHMMSSZ.dump, written under a
 * temporary name and renamed when complete, with a sha256sum-compatible
 * .sha256 file beside it; then deletes backups older than
 * WL_BACKUP_RETENTION_DAYS.  It connects with WL_MIGRATE_DATABASE_URL when
 * set (the owner: a complete dump), else WL_DATABASE_URL, as the system
 * actor with --enable-row-security, since FORCE'd row-level security binds
 * the owner too.  Report: {"file","bytes","sha256","removed"}.
 * Returns 0, WVL_EUNAVAILABLE (pg_dump failed), WVL_EINTERNAL.
 */
WVL_EXTERN int wvl_maint_backup_database(char **out_json, wvl_ctx *ctx) WVL_WARN_UNUSED;

/**
 * Sends every active admin one notification per client and calendar month
 * (UTC) in which the client's AI spend (token_usage.cost_cents) passed
 * `budget_cents` (0: WL_TOKEN_BUDGET_CENTS; both 0: nothing to do).
 * Report: {"clients_over","notifications"}.
 */
WVL_EXTERN int wvl_maint_token_budget_alert(char **out_json, wvl_ctx *ctx,
					    int64_t budget_cents) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
