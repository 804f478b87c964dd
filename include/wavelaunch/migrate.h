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
 * concurrent runs.  wvl_migrate_up, _status and _verify use an owner
 * connection of their own (WL_MIGRATE_DATABASE_URL, falling back to
 * WL_DATABASE_URL), not the pool, and take that lock too, so they wait for
 * a run in progress.  Each of them may return WVL_EINVAL for an `opts` of
 * another version, a migrations folder that cannot be read or a malformed
 * or repeated file name, and WVL_EUNAVAILABLE when the database cannot be
 * reached.
 *
 * Thread-safety: every call may run on any thread with a shared context,
 * and concurrently with the same calls in other threads or processes (the
 * advisory lock serialises them).
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
 * `*out_applied` (may be NULL) receives the number applied (also the
 * ones applied before a later failure).
 *
 * Returns 0; WVL_EINVAL for a NULL ctx, the folder and file problems
 * above, or a WL_APP_ROLE that is empty, over 63 characters, the owner
 * itself, a superuser or BYPASSRLS; WVL_ECONFLICT when an applied
 * migration's file changed or the database has a migration this build
 * does not know; WVL_EUNAVAILABLE when the database cannot be reached;
 * WVL_EINTERNAL when a migration or a grant fails (nothing of that
 * migration stays applied; the ones before it do).
 */
WVL_EXTERN int wvl_migrate_up(int *out_applied, wvl_ctx *ctx,
			      const wvl_migrate_options *opts) WVL_WARN_UNUSED;

/**
 * Returns 0 with a JSON array of every migration this build (or
 * opts->dir) knows, in *out_json (the caller's, wvl_free):
 * [{"version":1,"name":"core","applied_at":RFC3339|null,"checksum_ok":true|null}].
 * A changed file is reported as checksum_ok false, not as a failure;
 * migrations applied but unknown here are not listed.  WVL_EINVAL for a
 * NULL out_json or ctx and the problems above; WVL_EUNAVAILABLE;
 * WVL_EINTERNAL.  On failure *out_json is NULL.
 */
WVL_EXTERN int wvl_migrate_status(char **out_json, wvl_ctx *ctx,
				  const wvl_migrate_options *opts) WVL_WARN_UNUSED;

/**
 * Checks that every applied migration still matches its file and that no
 * applied migration is unknown.  Returns 0 when all match (pending ones
 * are fine), WVL_ECONFLICT otherwise (the message names the first
 * mismatch); WVL_EINVAL for a NULL ctx and the problems above;
 * WVL_EUNAVAILABLE; WVL_EINTERNAL.
 */
WVL_EXTERN int wvl_migrate_verify(wvl_ctx *ctx, const wvl_migrate_options *opts)
	WVL_WARN_UNUSED;

/**
 * Adds `clients` realistic demo clients (1..100000) with their milestones,
 * business plans, notes and activity, in one transaction, through the
 * context's pool as the system (unlike the calls above).  `*out_created`
 * receives the number added (0 on failure).
 *
 * Returns 0; WVL_EINVAL for a NULL argument or `clients` out of range;
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached; WVL_ECONFLICT or
 * WVL_EINTERNAL when the transaction fails (nothing is added then).
 */
WVL_EXTERN int wvl_migrate_seed_demo(int *out_created, wvl_ctx *ctx, unsigned int clients)
	WVL_WARN_UNUSED;

/**
 * Told as an import goes: `model` (a v1 model name, static), rows done of
 * `total`; done == total once per model, when it is finished.  Called on
 * the importing thread.
 */
typedef void (*wvl_migrate_progress_fn)(const char *model, long done, long total,
					void *payload);

/** Options of wvl_migrate_import_v1.  NULL means every default. */
typedef struct wvl_migrate_import_options {
	unsigned int version;
	int dry_run;                       /**< non-zero: report, then roll everything back */
	wvl_migrate_progress_fn progress;  /**< NULL: not told */
	void *progress_payload;
	/** v1's upload folder: a File row's storagePath is read under it.
	 *  NULL: File rows are skipped (their bytes are not read). */
	const char *files_dir;
} wvl_migrate_import_options;

#define WVL_MIGRATE_IMPORT_OPTIONS_VERSION 1
#define WVL_MIGRATE_IMPORT_OPTIONS_INIT {WVL_MIGRATE_IMPORT_OPTIONS_VERSION, 0, NULL, NULL, NULL}

/**
 * Copies a WavelaunchOS v1 SQLite database (`sqlite_path`, opened
 * read-only) into this one over the owner connection, in one transaction,
 * as docs/IMPORT-V1.md describes: eleven v1 models, re-run safe (v2 ids
 * are derived from v1 ids), each bad row skipped with its reason, bcrypt
 * and Argon2id password hashes kept, uploads read from `files_dir` and
 * stored as any upload (type checked, virus scanned); stored bytes whose
 * rows end up not written are removed again.
 *
 * `*out_report` receives the report as JSON (free with wvl_free):
 * {"dry_run", "tables": {model: {"table", "read", "written",
 * "already_imported", "skipped", "skipped_reasons": {reason: count},
 * "source_sha256", "stored_sha256", "hashes_match"}},
 * "unusable_password_hashes", "verified"}.  `*out_verified` (may be NULL)
 * is 1 when every model's two content hashes agree.
 *
 * Returns 0 (the import committed, or the dry run rolled back); WVL_EINVAL
 * for NULL arguments, options of another version, or a file that is not a
 * v1 database (unreadable, not SQLite, a model's table missing);
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached or fails (nothing is
 * written then).  Blocks the calling thread; thread-safe with a shared
 * context (each call has its own connections).
 */
WVL_EXTERN int wvl_migrate_import_v1(char **out_report, int *out_verified, wvl_ctx *ctx,
				     const char *sqlite_path,
				     const wvl_migrate_import_options *opts) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
