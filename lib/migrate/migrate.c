/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Forward-only schema migrations with checksums, an advisory lock against
 * concurrent runs, and creation of the app role the services connect as. */

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "../core/pg.h"
#include "migrations.h"
#include "wavelaunch/migrate.h"

/* "wlmigrat" as a number: the advisory lock key every wl-migrate shares. */
#define MIGRATE_LOCK_KEY "7794120356378813556"

struct migration {
	int version;
	char name[128];
	char checksum[65];
	char *sql; /* owned */
};

struct migration_set {
	struct migration *items;
	size_t len;
};

static void set_free(struct migration_set *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->items[i].sql);
	free(s->items);
	s->items = NULL;
	s->len = 0;
}

static void sha256_hex(char out[65], const char *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* NNNN_name.sql with a lower-case name of [a-z0-9_]. */
static int parse_filename(const char *fn, int *version, char *name, size_t namelen)
{
	size_t n = strlen(fn);
	if (n < 10 || strcmp(fn + n - 4, ".sql") != 0 || fn[4] != '_')
		return -1;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)fn[i]))
			return -1;
	size_t nl = n - 9;
	if (nl == 0 || nl >= namelen)
		return -1;
	for (size_t i = 0; i < nl; i++) {
		char c = fn[5 + i];
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_'))
			return -1;
	}
	*version = atoi(fn);
	memcpy(name, fn + 5, nl);
	name[nl] = '\0';
	return *version > 0 ? 0 : -1;
}

static int add_migration(struct migration_set *s, const char *fn, const char *sql,
			 size_t len)
{
	struct migration m = {0};
	if (parse_filename(fn, &m.version, m.name, sizeof(m.name)) != 0)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "migration file name %s is not NNNN_name.sql", fn);
	for (size_t i = 0; i < s->len; i++)
		if (s->items[i].version == m.version)
			return wvl_err__set(WVL_EINVAL, NULL, "migration number %04d is used twice",
					    m.version);
	m.sql = malloc(len + 1);
	struct migration *n = realloc(s->items, (s->len + 1) * sizeof(*n));
	if (!m.sql || !n) {
		free(m.sql);
		if (n)
			s->items = n;
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	memcpy(m.sql, sql, len);
	m.sql[len] = '\0';
	sha256_hex(m.checksum, sql, len);
	s->items = n;
	s->items[s->len++] = m;
	return 0;
}

static int by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 65536 > cap) {
			char *nb = realloc(buf, cap = n + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0 && n < 16 * 1024 * 1024);
	fclose(f);
	*len = n;
	return buf;
}

static int load_dir(struct migration_set *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "cannot open migrations folder %s", dir);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".sql") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len = 0;
		char *sql = read_file(path, &len);
		if (!sql) {
			rc = wvl_err__set(WVL_EINVAL, NULL, "cannot read %s", path);
			break;
		}
		rc = add_migration(s, e->d_name, sql, len);
		free(sql);
	}
	closedir(d);
	return rc;
}

static int load_set(struct migration_set *s, const wvl_migrate_options *opts)
{
	int rc = 0;
	if (opts && opts->version != WVL_MIGRATE_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_migrate_options version");
	if (opts && opts->dir)
		rc = load_dir(s, opts->dir);
	else
		for (size_t i = 0; rc == 0 && i < wvl_migrate__builtin_count; i++)
			rc = add_migration(s, wvl_migrate__builtin[i].filename,
					   wvl_migrate__builtin[i].sql, wvl_migrate__builtin[i].len);
	if (rc) {
		set_free(s);
		return rc;
	}
	qsort(s->items, s->len, sizeof(*s->items), by_version);
	return 0;
}

static const char *owner_url(wvl_ctx *ctx)
{
	const char *u = wvl_config_get(ctx->cfg, "WL_MIGRATE_DATABASE_URL");
	return (u && *u) ? u : wvl_config_get(ctx->cfg, "WL_DATABASE_URL");
}

int wvl_migrate__connect_owner(wvl_ctx *ctx, PGconn **out)
{
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {owner_url(ctx), "10", "wl-migrate", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		wvl_log(ctx, WVL_LOG_ERROR, "wl-migrate cannot connect: %s",
			c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		*out = NULL;
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "cannot connect to the database with the owner URL");
	}
	wvl_pg__route_notices(ctx, c);
	PGresult *r = PQexec(c, "SET client_min_messages = warning");
	PQclear(r);
	*out = c;
	return 0;
}

/* Runs SQL that must succeed; on failure the PostgreSQL message is part of
 * the error because wl-migrate's operator needs it (it is not an HTTP path). */
static int run(wvl_ctx *ctx, PGconn *c, const char *what, const char *sql, int n,
	       const char *const *params, PGresult **out)
{
	PGresult *r = n ? PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (out)
			*out = r;
		else
			PQclear(r);
		return 0;
	}
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	bool up = PQstatus(c) == CONNECTION_OK;
	/* A file of only comments or blanks is no error of PostgreSQL's: it
	 * has no message, and the connection is fine. */
	if (!msg && up)
		msg = st == PGRES_EMPTY_QUERY ? "it holds no SQL statement" : PQresStatus(st);
	wvl_log(ctx, WVL_LOG_ERROR, "%s failed: %s", what, msg ? msg : PQerrorMessage(c));
	int rc = wvl_err__set(up ? WVL_EINTERNAL : WVL_EUNAVAILABLE, NULL, "%s failed: %s", what,
			      msg ? msg : "connection lost");
	PQclear(r);
	if (out)
		*out = NULL;
	return rc;
}

static const char create_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY, name text NOT NULL,"
	" checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

/* Compares applied rows with the files; fills applied[i] with the index of
 * the row for migration i or -1. */
static int check_applied(const struct migration_set *s, PGresult *rows, int *applied)
{
	for (size_t i = 0; i < s->len; i++)
		applied[i] = -1;
	for (int r = 0; r < PQntuples(rows); r++) {
		int v = atoi(PQgetvalue(rows, r, 0));
		size_t i = 0;
		while (i < s->len && s->items[i].version != v)
			i++;
		if (i == s->len)
			return wvl_err__set(WVL_ECONFLICT, NULL,
					    "the database has migration %04d (%s) which this build "
					    "does not know: it is newer than this program", v,
					    PQgetvalue(rows, r, 1));
		if (strcmp(s->items[i].checksum, PQgetvalue(rows, r, 2)) != 0)
			return wvl_err__set(WVL_ECONFLICT, NULL,
					    "migration %04d_%s was edited after it was applied: "
					    "write a new migration instead", v, s->items[i].name);
		applied[i] = r;
	}
	return 0;
}

static int apply_one(wvl_ctx *ctx, PGconn *c, const struct migration *m)
{
	char what[200], ver[16];
	snprintf(what, sizeof(what), "migration %04d_%s", m->version, m->name);
	snprintf(ver, sizeof(ver), "%d", m->version);
	int rc = run(ctx, c, what, "BEGIN", 0, NULL, NULL);
	if (!rc)
		rc = run(ctx, c, what, m->sql, 0, NULL, NULL);
	const char *params[] = {ver, m->name, m->checksum};
	if (!rc)
		rc = run(ctx, c, what,
			 "INSERT INTO schema_migrations (version, name, checksum) "
			 "VALUES ($1::int, $2, $3)", 3, params, NULL);
	if (!rc)
		rc = run(ctx, c, what, "COMMIT", 0, NULL, NULL);
	if (rc) {
		PGresult *r = PQexec(c, "ROLLBACK");
		PQclear(r);
		return rc;
	}
	wvl_log(ctx, WVL_LOG_INFO, "applied %s", what);
	return 0;
}

/* The password of the app role, from WL_DATABASE_URL, if it has one. */
static char *app_password(wvl_ctx *ctx)
{
	const char *url = wvl_config_get(ctx->cfg, "WL_DATABASE_URL");
	PQconninfoOption *opts = url ? PQconninfoParse(url, NULL) : NULL;
	char *pw = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			pw = wvl_str__dup(o->val);
	PQconninfoFree(opts);
	return pw;
}

static const char role_info_sql[] =
	"SELECT r.rolsuper OR r.rolbypassrls, r.rolname = current_user"
	" FROM pg_roles r WHERE r.rolname = $1";

static int create_role(wvl_ctx *ctx, PGconn *c, const char *role, char *ident)
{
	char *pw = app_password(ctx);
	char *lit = pw ? PQescapeLiteral(c, pw, strlen(pw)) : NULL;
	char *sql = wvl_str__printf(
		"CREATE ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE%s%s",
		ident, lit ? " PASSWORD " : "", lit ? lit : "");
	PGresult *r = PQexec(c, sql);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
		 (state && strcmp(state, "42710") == 0); /* created meanwhile */
	PQclear(r);
	if (pw)
		sodium_memzero(pw, strlen(pw));
	free(pw);
	PQfreemem(lit);
	free(sql);
	if (!ok)
		return wvl_err__set(WVL_EINTERNAL, NULL,
				    "cannot create the app role %s: the owner needs CREATEROLE", role);
	wvl_log(ctx, WVL_LOG_INFO, "created app role %s", role);
	return 0;
}

static int ensure_app_role(wvl_ctx *ctx, PGconn *c)
{
	const char *role = wvl_config_get(ctx->cfg, "WL_APP_ROLE");
	if (!role || !*role || strlen(role) > 63)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_APP_ROLE must be 1..63 characters");
	PGresult *r = NULL;
	const char *p[] = {role};
	int rc = run(ctx, c, "reading the app role", role_info_sql, 1, p, &r);
	if (rc)
		return rc;
	char *ident = PQescapeIdentifier(c, role, strlen(role));
	if (PQntuples(r) == 1 && PQgetvalue(r, 0, 1)[0] == 't')
		rc = wvl_err__set(WVL_EINVAL, NULL,
				  "WL_APP_ROLE %s is the owner: the services must use a separate role",
				  role);
	else if (PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't')
		rc = wvl_err__set(WVL_EINVAL, NULL,
				  "WL_APP_ROLE %s is a superuser or BYPASSRLS: row-level security "
				  "would not apply; use a plain role", role);
	else if (PQntuples(r) == 0)
		rc = create_role(ctx, c, role, ident);
	PQclear(r);
	if (!rc) {
		/* Data privileges only: no DDL, no ownership, nothing on the
		 * migration bookkeeping. */
		char *lit = PQescapeLiteral(c, role, strlen(role));
		char *sql = wvl_str__printf(
			"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %%I TO %%I',"
			" current_database(), %s); END $$;"
			"GRANT USAGE ON SCHEMA public TO %s;"
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %s;"
			"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %s;"
			"REVOKE ALL ON schema_migrations FROM %s;",
			lit, ident, ident, ident, ident);
		rc = run(ctx, c, "granting the app role", sql, 0, NULL, NULL);
		free(sql);
		PQfreemem(lit);
	}
	PQfreemem(ident);
	return rc;
}

/* Connects, takes the lock, makes the bookkeeping table and reads it. */
static int open_locked(wvl_ctx *ctx, PGconn **c, PGresult **rows)
{
	int rc = wvl_migrate__connect_owner(ctx, c);
	if (!rc)
		rc = run(ctx, *c, "taking the migration lock",
			 "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
	if (!rc)
		rc = run(ctx, *c, "creating schema_migrations", create_table_sql, 0, NULL, NULL);
	if (!rc)
		rc = run(ctx, *c, "reading schema_migrations",
			 "SELECT version, name, checksum,"
			 " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
			 " FROM schema_migrations ORDER BY version", 0, NULL, rows);
	if (rc && *c) {
		PQfinish(*c);
		*c = NULL;
	}
	return rc;
}

int wvl_migrate_up(int *out_applied, wvl_ctx *ctx, const wvl_migrate_options *opts)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	if (out_applied)
		*out_applied = 0;
	struct migration_set set = {0};
	int rc = load_set(&set, opts);
	if (rc)
		return rc;
	PGconn *c = NULL;
	PGresult *rows = NULL;
	int *applied = calloc(set.len + 1, sizeof(int));
	if (!applied) {
		set_free(&set);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	if ((rc = open_locked(ctx, &c, &rows)) != 0)
		goto out;
	if ((rc = check_applied(&set, rows, applied)) != 0)
		goto out;
	for (size_t i = 0; i < set.len && rc == 0; i++) {
		if (applied[i] >= 0)
			continue;
		rc = apply_one(ctx, c, &set.items[i]);
		if (!rc && out_applied)
			(*out_applied)++;
	}
	if (!rc)
		rc = ensure_app_role(ctx, c);
out:
	PQclear(rows);
	if (c) {
		PGresult *r = PQexec(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
		PQclear(r);
		PQfinish(c);
	}
	free(applied);
	set_free(&set);
	return rc;
}

static int inspect(char **out_json, wvl_ctx *ctx, const wvl_migrate_options *opts,
		   int verify_only)
{
	struct migration_set set = {0};
	int rc = load_set(&set, opts);
	if (rc)
		return rc;
	PGconn *c = NULL;
	PGresult *rows = NULL;
	int *applied = calloc(set.len + 1, sizeof(int));
	if (!applied) {
		set_free(&set);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	if ((rc = open_locked(ctx, &c, &rows)) != 0)
		goto out;
	int mismatch = check_applied(&set, rows, applied);
	if (verify_only) {
		rc = mismatch;
		goto out;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < set.len; i++) {
		const struct migration *m = &set.items[i];
		int row = -1;
		for (int r = 0; r < PQntuples(rows); r++)
			if (atoi(PQgetvalue(rows, r, 0)) == m->version)
				row = r;
		json_t *o = json_pack("{s:i,s:s}", "version", m->version, "name", m->name);
		json_object_set_new(o, "applied_at",
				    row >= 0 ? json_string(PQgetvalue(rows, row, 3)) : json_null());
		json_object_set_new(o, "checksum_ok",
				    row >= 0 ? json_boolean(strcmp(m->checksum,
								   PQgetvalue(rows, row, 2)) == 0)
					     : json_null());
		json_array_append_new(arr, o);
	}
	*out_json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	wvl_error_clear();
	rc = *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
out:
	PQclear(rows);
	if (c) {
		PGresult *r = PQexec(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
		PQclear(r);
		PQfinish(c);
	}
	free(applied);
	set_free(&set);
	return rc;
}

int wvl_migrate_status(char **out_json, wvl_ctx *ctx, const wvl_migrate_options *opts)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	return inspect(out_json, ctx, opts, 0);
}

int wvl_migrate_verify(wvl_ctx *ctx, const wvl_migrate_options *opts)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	return inspect(NULL, ctx, opts, 1);
}
