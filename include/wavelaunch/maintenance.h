/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_MAINTENANCE_H
#define WAVELAUNCH_MAINTENANCE_H

/*
 * Housekeeping the worker runs on a schedule (and operators may run by
 * hand): database backups and AI budget alerts (the removal of deleted
 * files is wvl_files_cleanup, in files.h).
 * They act as the system.  Each returns a small JSON report in *out_json,
 * which the caller owns (free with wvl_free; NULL on failure), and
 * WVL_EINVAL for a NULL out_json or ctx.
 *
 * Thread-safety: both may be called from any thread with a shared context;
 * wvl_maint_backup_database must not run twice at once on the same
 * WL_BACKUP_DIR within the same second (both would write one file name).
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
 * WL_BACKUP_RETENTION_DAYS and, when WL_BACKUP_KEEP is not 0, all but the
 * WL_BACKUP_KEEP newest.  It connects with WL_MIGRATE_DATABASE_URL when
 * set (the owner: a complete dump), else WL_DATABASE_URL, as the system
 * actor with --enable-row-security, since FORCE'd row-level security binds
 * the owner too.  WL_BACKUP_DIR defaults to ./var/backups and is created
 * (mode 0700) when missing.  When WL_BACKUP_POST_COMMAND is set, it then
 * runs /bin/sh -c "$WL_BACKUP_POST_COMMAND" with the dump's and the
 * checksum's absolute paths as $1 and $2 (and as WL_BACKUP_FILE and
 * WL_BACKUP_CHECKSUM_FILE in its environment), for at most
 * WL_BACKUP_POST_TIMEOUT seconds of the context's clock, and logs its
 * outcome with the tail of its output (a failure at error level, which
 * reaches the error hook).  Report: {"file","bytes","sha256","removed",
 * "post_command"} (file is the base name; removed counts the old dumps
 * deleted; post_command is "ok" or "off").
 *
 * Returns 0; WVL_EINVAL; WVL_EUNAVAILABLE when pg_dump cannot be started
 * or exits with a failure (the partial file is deleted), or when the
 * post-backup command fails (exit status not 0, a signal, the timeout,
 * /bin/sh cannot start: the dump is kept, with a .post-failed file beside
 * it, and the message names the dump and the status); WVL_EINTERNAL
 * when the folder cannot be created, the dump cannot be read back, renamed
 * or its checksum written, or memory runs out.  Spawns pg_dump and the
 * command with a copy of the process environment: not safe against a
 * concurrent setenv().
 */
WVL_EXTERN int wvl_maint_backup_database(char **out_json, wvl_ctx *ctx) WVL_WARN_UNUSED;

/**
 * Restores a dump wvl_maint_backup_database wrote: first verifies it (its
 * .sha256 beside it must exist and match, and `pg_restore --list` must
 * read it), then restores it with pg_restore (beside WL_PG_DUMP, else from
 * PATH) in one transaction as the system actor, over
 * WL_MIGRATE_DATABASE_URL (else WL_DATABASE_URL).  The database must be
 * empty (no table in schema public) unless `force`, which drops what the
 * archive holds first (pg_restore --clean --if-exists).  The caller runs
 * wvl_migrate_up afterwards to grant the app role again.  Report:
 * {"file","bytes","sha256","replaced"}, the caller's (wvl_free).
 *
 * Returns 0; WVL_EINVAL (NULL or empty arguments); WVL_EVALIDATION (no
 * or a malformed checksum file, a mismatch, an archive pg_restore cannot
 * read); WVL_ECONFLICT (the database is not empty and not `force`);
 * WVL_EUNAVAILABLE (the database is unreachable, pg_restore cannot start
 * or fails: the transaction is rolled back, nothing changes);
 * WVL_EINTERNAL.  Spawns pg_restore with a copy of the environment, like
 * the backup.
 */
WVL_EXTERN int wvl_maint_restore_database(char **out_json, wvl_ctx *ctx, const char *file,
					  bool force) WVL_WARN_UNUSED;

/**
 * Sends every active admin (who has not turned in-app "updates" off) one
 * notification per client and calendar month (UTC, up to the context's
 * clock) in which the client's AI spend (token_usage.cost_cents) went over
 * `budget_cents` (0: WL_TOKEN_BUDGET_CENTS; both 0: nothing to do), and
 * for each client newly over enqueues one "email_send" job (queue "email",
 * template token_budget_alert, unique per client and month) in the same
 * transaction.  Running it again in the same month adds nothing.
 * Report: {"clients_over","notifications"}, the caller's (wvl_free).
 *
 * Returns 0; WVL_EINVAL for a NULL out_json or ctx or a negative budget;
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached; WVL_ECONFLICT or
 * WVL_EINTERNAL when the transaction fails (nothing is written then).
 */
WVL_EXTERN int wvl_maint_token_budget_alert(char **out_json, wvl_ctx *ctx,
					    int64_t budget_cents) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
