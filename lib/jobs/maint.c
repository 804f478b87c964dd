/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Scheduled housekeeping: database backups with pg_dump and AI budget
 * alerts.  (The removal of deleted files is the files module's:
 * lib/files/cleanup.c.) */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "../core/json.h"
#include "jobs.h"
#include "wavelaunch/maintenance.h"

/* ---- backup ------------------------------------------------------------------ */

/* pg_dump as the system actor (PGOPTIONS: the row-level security
 * policies show it every row), bounded by WL_BACKUP_TIMEOUT. */
static int run_pg_dump(wvl_ctx *ctx, const char *out_path)
{
	const wvl_config *cfg = ctx->cfg;
	const char *url = wvl_config_get(cfg, "WL_MIGRATE_DATABASE_URL");
	if (!url || !*url)
		url = wvl_config_get(cfg, "WL_DATABASE_URL");
	const char *prog = wvl_config_get(cfg, "WL_PG_DUMP");
	if (!prog || !*prog)
		prog = "pg_dump";
	char *argv[] = {(char *)prog, "--format=custom", "--enable-row-security",
			"--no-password", "--file", (char *)out_path, "--dbname", (char *)url, NULL};
	char *vars[] = {"PGOPTIONS=-c wvl.actor_role=system", NULL};
	int64_t bound = (int64_t)wvl_config__uint(cfg, "WL_BACKUP_TIMEOUT", 21600, 604800);
	struct wvl_run_result *res = malloc(sizeof(*res));
	if (!res)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = 0;
	if (wvl_maint__run_bounded(res, ctx, argv, vars, "WL_BACKUP_TIMEOUT", bound) != 0)
		rc = wvl_err__set(WVL_EUNAVAILABLE, NULL, "pg_dump %s%s%s", res->status,
				  res->err_tail[0] ? ": " : "", res->err_tail);
	free(res);
	return rc;
}

static int sha256_file(char hex[65], long long *bytes, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot read the backup");
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char buf[65536];
	size_t n;
	*bytes = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*bytes += (long long)n;
	}
	int err = ferror(f);
	fclose(f);
	if (err)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot read the backup");
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return 0;
}

/* "wavelaunch-YYYYMMDDTHHMMSSZ.dump[.sha256|.post-failed]" -> microseconds,
 * or -1; `*dump` tells the dump itself from the files beside it. */
static int64_t backup_time(const char *name, bool *dump)
{
	struct tm tm = {0};
	char rest[24] = "";
	if (sscanf(name, "wavelaunch-%4d%2d%2dT%2d%2d%2dZ%23s", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, rest) != 7)
		return -1;
	*dump = strcmp(rest, ".dump") == 0;
	if (!*dump && strcmp(rest, ".dump.sha256") != 0 && strcmp(rest, ".dump.post-failed") != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000;
}

static int remove_old_backups(const char *dir, int64_t cutoff)
{
	DIR *d = opendir(dir);
	int removed = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		bool dump = false;
		int64_t t = backup_time(e->d_name, &dump);
		if (t < 0 || t >= cutoff)
			continue;
		char *p = wvl_str__printf("%s/%s", dir, e->d_name);
		if (p && unlink(p) == 0 && dump)
			removed++;
		free(p);
	}
	closedir(d);
	return removed;
}

static int newest_first(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* WL_BACKUP_KEEP: deletes the dumps (and their checksums) past the `keep`
 * newest; 0 keeps them all.  How many dumps it deleted. */
static int remove_extra_backups(const char *dir, unsigned long keep)
{
	if (keep == 0)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int64_t *times = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		bool dump = false;
		int64_t t = backup_time(e->d_name, &dump);
		if (t < 0 || !dump)
			continue;
		if (n == cap) {
			int64_t *m = realloc(times, (cap = cap ? 2 * cap : 32) * sizeof(*m));
			if (!m)
				break;
			times = m;
		}
		times[n++] = t;
	}
	closedir(d);
	int removed = 0;
	if (n > keep) {
		qsort(times, n, sizeof(*times), newest_first);
		removed = remove_old_backups(dir, times[keep - 1]);
	}
	free(times);
	return removed;
}

/* A file only its owner reads, whatever the umask and the folder. */
static FILE *private_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		close(fd);
	return f;
}

static int write_checksum(const char *path, const char *hex, const char *base)
{
	char *p = wvl_str__printf("%s.sha256", path);
	FILE *f = p ? private_file(p) : NULL;
	free(p);
	if (!f)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot write the checksum file");
	fprintf(f, "%s  %s\n", hex, base);
	return fclose(f) == 0 ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "cannot write the checksum file");
}

static int verify_checksum(const char *file, char hex[65], long long *bytes);

/* Runs WL_BACKUP_POST_COMMAND on DIR/BASE and its checksum, and says how
 * it went: an info line on success, an error line (which reaches the error
 * hook: Sentry) and BASE.post-failed beside the dump on failure, naming
 * the job whose retry runs it again. */
static int post_backup(wvl_ctx *ctx, const char *dir, const char *base, const char *job_id)
{
	char *dump = wvl_str__printf("%s/%s", dir, base);
	char *sum = wvl_str__printf("%s/%s.sha256", dir, base);
	char *marker = wvl_str__printf("%s/%s.post-failed", dir, base);
	if (!dump || !sum || !marker) {
		free(dump);
		free(sum);
		free(marker);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	/* The marker is there while the command runs: a worker that dies
	 * meanwhile leaves it, and the rescued job's retry then runs the
	 * command again on this dump instead of making a second one. */
	const char *cmd = wvl_config_get(ctx->cfg, "WL_BACKUP_POST_COMMAND");
	if (cmd && *cmd) {
		FILE *f = private_file(marker);
		if (f) {
			fprintf(f, "job=%s\nstarted, no result yet (the worker stopped while it ran?)\n",
				job_id && *job_id ? job_id : "-");
			fclose(f);
		}
	}
	struct wvl_run_result *pr = malloc(sizeof(*pr));
	int rc = pr ? wvl_maint__post_command(pr, ctx, dump, sum)
		    : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (rc == 0) {
		unlink(marker);
		if (pr->ran)
			wvl_log(ctx, WVL_LOG_INFO,
				"backup: the post-backup command for %s %s; stdout: %s; stderr: %s",
				base, pr->status, pr->out_tail, pr->err_tail);
	} else if (pr) {
		FILE *f = private_file(marker);
		if (f) {
			fprintf(f, "job=%s\n%s\n", job_id && *job_id ? job_id : "-", pr->status);
			fclose(f);
		}
		wvl_log(ctx, WVL_LOG_ERROR,
			"backup: the post-backup command for %s %s; stderr: %s; stdout: %s"
			" (the backup is kept)", base, pr->status, pr->err_tail, pr->out_tail);
		rc = wvl_err__set(WVL_EUNAVAILABLE, NULL,
				  "the post-backup command for %s %s; the backup is kept%s", base,
				  pr->status,
				  job_id && *job_id ? " and a retry of this job runs the command again"
						      " on it" : "");
	}
	free(pr);
	free(dump);
	free(sum);
	free(marker);
	return rc;
}

static int finish_backup(char **out_json, wvl_ctx *ctx, const char *dir, const char *tmp,
			 const char *path, const char *base, const char *job_id)
{
	char hex[65];
	long long bytes = 0;
	int rc = sha256_file(hex, &bytes, tmp);
	/* pg_dump wrote into the file made 0600 before it ran; checked again. */
	if (rc == 0 && chmod(tmp, 0600) != 0)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "cannot make the backup private");
	if (rc == 0 && rename(tmp, path) != 0)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "cannot rename the backup");
	if (rc == 0)
		rc = write_checksum(path, hex, base);
	if (rc)
		return rc;
	bool post = wvl_config_get(ctx->cfg, "WL_BACKUP_POST_COMMAND") &&
		    *wvl_config_get(ctx->cfg, "WL_BACKUP_POST_COMMAND");
	rc = post_backup(ctx, dir, base, job_id);
	/* The old dumps go whether or not this one left the host: the disk
	 * must not fill up because the copy fails. */
	int64_t keep = (int64_t)wvl_config__uint(ctx->cfg, "WL_BACKUP_RETENTION_DAYS", 14, 36501);
	int removed = remove_old_backups(dir, wvl_now(ctx) - keep * 86400 * 1000000);
	removed += remove_extra_backups(dir, wvl_config__uint(ctx->cfg, "WL_BACKUP_KEEP", 0,
							      1000000));
	if (rc)
		return rc;
	*out_json = wvl_str__printf("{\"file\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\",\"removed\":%d,"
				    "\"post_command\":\"%s\"}",
				    base, bytes, hex, removed, post ? "ok" : "off");
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* The dump of an earlier attempt of job `job_id` whose post-backup command
 * failed (its .post-failed marker names the job, and the dump and its
 * checksum are still there): its base name in `base`. */
static bool find_pending(char base[64], const char *dir, const char *job_id)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	char want[128];
	snprintf(want, sizeof(want), "job=%s\n", job_id);
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
		bool dump = false;
		size_t n = strlen(e->d_name);
		if (backup_time(e->d_name, &dump) < 0 || n < 12 ||
		    strcmp(e->d_name + n - 12, ".post-failed") != 0 || n - 12 >= 64)
			continue;
		char *p = wvl_str__printf("%s/%s", dir, e->d_name);
		FILE *f = p ? fopen(p, "r") : NULL;
		char line[128] = "";
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		free(p);
		if (strcmp(line, want) != 0)
			continue;
		snprintf(base, 64, "%.*s", (int)(n - 12), e->d_name);
		char *dp = wvl_str__printf("%s/%s", dir, base);
		char *sp = wvl_str__printf("%s/%s.sha256", dir, base);
		found = dp && sp && access(dp, R_OK) == 0 && access(sp, R_OK) == 0;
		free(dp);
		free(sp);
	}
	closedir(d);
	return found;
}

/* A retry after a failed post-backup command: the same dump, checked
 * against its checksum, is handed to the command again. */
static int retry_post(char **out_json, wvl_ctx *ctx, const char *dir, const char *base,
		      const char *job_id)
{
	char *path = wvl_str__printf("%s/%s", dir, base);
	if (!path)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	char hex[65];
	long long bytes = 0;
	int rc = verify_checksum(path, hex, &bytes);
	free(path);
	if (rc == 0)
		rc = post_backup(ctx, dir, base, job_id);
	if (rc)
		return rc;
	*out_json = wvl_str__printf("{\"file\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\",\"removed\":0,"
				    "\"post_command\":\"retried\"}", base, bytes, hex);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

int wvl_maint__backup(char **out_json, wvl_ctx *ctx, const char *job_id)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	const char *rel = wvl_config_get(ctx->cfg, "WL_BACKUP_DIR");
	if (!rel || !*rel)
		rel = "./var/backups";
	if (mkdir(rel, 0700) != 0 && errno != EEXIST)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot create the backup folder");
	/* Absolute, for the post-backup command (which may change folder). */
	char *dir = realpath(rel, NULL);
	if (!dir)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot resolve the backup folder");
	char base[64];
	if (job_id && *job_id && find_pending(base, dir, job_id)) {
		int rc = retry_post(out_json, ctx, dir, base, job_id);
		free(dir);
		return rc;
	}
	time_t secs = (time_t)(wvl_now(ctx) / 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "wavelaunch-%Y%m%dT%H%M%SZ.dump", &tm);
	char *path = wvl_str__printf("%s/%s", dir, base);
	char *tmp = wvl_str__printf("%s/.%s.partial", dir, base);
	int rc = path && tmp ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	/* The dump goes into a file that is 0600 from its first byte: pg_dump
	 * keeps the mode of a file it overwrites. */
	FILE *pre = rc == 0 ? private_file(tmp) : NULL;
	if (rc == 0 && (!pre || fclose(pre) != 0))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "cannot create the backup file");
	if (rc == 0)
		rc = run_pg_dump(ctx, tmp);
	if (rc == 0)
		rc = finish_backup(out_json, ctx, dir, tmp, path, base, job_id);
	if (tmp)
		unlink(tmp); /* gone after the rename; a half dump otherwise */
	free(path);
	free(tmp);
	free(dir);
	return rc;
}

int wvl_maint_backup_database(char **out_json, wvl_ctx *ctx)
{
	return wvl_maint__backup(out_json, ctx, NULL);
}

/* ---- restore ----------------------------------------------------------------- */

/* pg_restore beside WL_PG_DUMP ("/usr/lib/postgresql/15/bin/pg_dump" ->
 * ".../pg_restore"), else from PATH. */
static char *restore_program(const wvl_config *cfg)
{
	const char *dump = wvl_config_get(cfg, "WL_PG_DUMP");
	size_t n = dump ? strlen(dump) : 0;
	if (n >= 7 && strcmp(dump + n - 7, "pg_dump") == 0)
		return wvl_str__printf("%.*spg_restore", (int)(n - 7), dump);
	return strdup("pg_restore");
}

/* Runs argv with stdout to /dev/null and the system actor's PGOPTIONS;
 * its exit status, or -1 when it could not start. */
static int run_quiet(char *const argv[])
{
	char *vars[] = {"PGOPTIONS=-c wvl.actor_role=system", NULL};
	char **env = wvl_maint__env_with(vars);
	if (!env)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0)
		return -1;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The file's .sha256 (as backup_database writes it) must exist and match. */
static int verify_checksum(const char *file, char hex[65], long long *bytes)
{
	char *p = wvl_str__printf("%s.sha256", file);
	FILE *f = p ? fopen(p, "r") : NULL;
	free(p);
	char want[65] = "";
	if (!f)
		return wvl_err__set(WVL_EVALIDATION, NULL, "the backup has no .sha256 file beside it");
	int got = fscanf(f, "%64[0-9a-f]", want);
	fclose(f);
	if (got != 1 || strlen(want) != 64)
		return wvl_err__set(WVL_EVALIDATION, NULL, "the .sha256 file is malformed");
	if (sha256_file(hex, bytes, file) != 0)
		return wvl_err__set(WVL_EVALIDATION, NULL, "cannot read the backup");
	if (strcmp(hex, want) != 0)
		return wvl_err__set(WVL_EVALIDATION, NULL,
				    "the backup does not match its checksum: damaged or altered");
	return 0;
}

/* Tables in the public schema: 0 means empty.  -1 when unreachable. */
static long long table_count(const char *url)
{
	PGconn *c = PQconnectdb(url);
	long long n = -1;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	PQfinish(c);
	return n;
}

int wvl_maint_restore_database(char **out_json, wvl_ctx *ctx, const char *file, bool force)
{
	if (!out_json || !ctx || !file || !*file)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and file are required");
	*out_json = NULL;
	char hex[65];
	long long bytes = 0;
	int rc = verify_checksum(file, hex, &bytes);
	if (rc)
		return rc;
	char *prog = restore_program(ctx->cfg);
	if (!prog)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	char *list_argv[] = {prog, "--list", (char *)file, NULL};
	int st = run_quiet(list_argv);
	if (st != 0) {
		free(prog);
		return st < 0 ? wvl_err__set(WVL_EUNAVAILABLE, NULL, "cannot start pg_restore")
			      : wvl_err__set(WVL_EVALIDATION, NULL,
					     "pg_restore cannot read the archive (exit status %d)", st);
	}
	const char *url = wvl_config_get(ctx->cfg, "WL_MIGRATE_DATABASE_URL");
	if (!url || !*url)
		url = wvl_config_get(ctx->cfg, "WL_DATABASE_URL");
	long long tables = table_count(url);
	if (tables < 0) {
		free(prog);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "cannot reach the database to restore into");
	}
	if (tables > 0 && !force) {
		free(prog);
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "the database is not empty (%lld tables); restore into an empty one, "
				    "or force it to replace what is there", tables);
	}
	char *argv[12];
	size_t k = 0;
	argv[k++] = prog;
	argv[k++] = "--no-owner";
	argv[k++] = "--exit-on-error";
	argv[k++] = "--single-transaction";
	argv[k++] = "--no-password";
	if (tables > 0) { /* forced: drop what the archive holds first */
		argv[k++] = "--clean";
		argv[k++] = "--if-exists";
	}
	argv[k++] = "--dbname";
	argv[k++] = (char *)url;
	argv[k++] = (char *)file;
	argv[k] = NULL;
	st = run_quiet(argv);
	free(prog);
	if (st != 0)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "pg_restore failed (exit status %d); nothing was changed", st);
	*out_json = wvl_str__printf("{\"file\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\","
				    "\"replaced\":%s}", strrchr(file, '/') ? strrchr(file, '/') + 1 : file,
				    bytes, hex, tables > 0 ? "true" : "false");
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* ---- token budget ------------------------------------------------------------ */

/* One notification per admin, client and month: the link names the client
 * and the month, and a second run finds it and adds nothing. */
static const char budget_sql[] =
	"WITH month AS (SELECT date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC')"
	"                 AT TIME ZONE 'UTC' AS start),"
	" over AS (SELECT t.client_id, sum(t.cost_cents) AS spent FROM token_usage t, month"
	"   WHERE t.client_id IS NOT NULL AND t.created_at >= month.start"
	"     AND t.created_at <= $1::timestamptz"
	"   GROUP BY t.client_id HAVING sum(t.cost_cents) > $2::numeric),"
	" ins AS (INSERT INTO notifications (user_id, client_id, type, title, message, link, created_at)"
	"   SELECT u.id, o.client_id, 'token_budget', 'AI budget exceeded',"
	"          c.name || ' spent ' || round(o.spent / 100, 2) || ' this month, over the budget of '"
	"            || round($2::numeric / 100, 2),"
	"          '/clients/' || o.client_id || '?budget=' || to_char(month.start AT TIME ZONE 'UTC', 'YYYY-MM'),"
	"          $1::timestamptz"
	"     FROM over o JOIN clients c ON c.id = o.client_id CROSS JOIN month"
	"     JOIN users u ON u.role = 'admin' AND u.active"
	"       AND coalesce((u.email_prefs -> 'inapp' ->> 'updates')::boolean, true)"
	"    WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id"
	"      AND n.type = 'token_budget' AND n.link = '/clients/' || o.client_id || '?budget='"
	"          || to_char(month.start AT TIME ZONE 'UTC', 'YYYY-MM'))"
	"   RETURNING client_id)"
	" SELECT (SELECT count(*) FROM over), (SELECT count(*) FROM ins),"
	"   (SELECT coalesce(json_agg(json_build_object('client_id', o.client_id,"
	"      'spent_cents', o.spent, 'month', to_char(month.start AT TIME ZONE 'UTC', 'YYYY-MM'))),"
	"      '[]') FROM over o CROSS JOIN month WHERE o.client_id IN (SELECT client_id FROM ins))";

/* The admins' email about each client newly over budget, a request the
 * email module expands (template token_budget_alert), in the transaction
 * that wrote the notifications: both or neither. */
static int budget_mail(wvl_ctx *ctx, PGconn *c, const char *alerts_json, int64_t budget_cents)
{
	json_t *alerts = json_loads(alerts_json, 0, NULL);
	size_t i;
	json_t *a;
	int rc = 0;
	json_array_foreach(alerts, i, a) {
		const char *client = json_string_value(json_object_get(a, "client_id"));
		const char *month = json_string_value(json_object_get(a, "month"));
		char key[128];
		snprintf(key, sizeof(key), "%s:%s", client, month);
		/* The key makes it one email per admin, client and month however
		 * often this runs. */
		json_t *args = json_pack("{s:s,s:s,s:O,s:I,s:s,s:s}", "template", "token_budget_alert",
					 "client_id", client, "spent_cents",
					 json_object_get(a, "spent_cents"), "budget_cents",
					 (json_int_t)budget_cents, "month", month, "key", key);
		char *txt = args ? wvl_json__dump(args) : NULL;
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.queue = "email";
		char unique[160];
		snprintf(unique, sizeof(unique), "token_budget_alert:%s", key);
		o.unique_key = unique;
		o.client_id = client;
		rc = txt ? wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, "email_send", txt, &o)
			 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		free(txt);
		json_decref(args);
		if (rc)
			break;
	}
	json_decref(alerts);
	return rc;
}

int wvl_maint_token_budget_alert(char **out_json, wvl_ctx *ctx, int64_t budget_cents)
{
	if (!out_json || !ctx || budget_cents < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	if (budget_cents == 0)
		budget_cents = (int64_t)wvl_config__uint(ctx->cfg, "WL_TOKEN_BUDGET_CENTS", 0,
							  (unsigned long)INT64_MAX);
	if (budget_cents == 0) {
		*out_json = wvl_str__dup("{\"clients_over\":0,\"notifications\":0}");
		return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	char now[40], budget[24];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(budget, sizeof(budget), "%lld", (long long)budget_cents);
	const char *params[] = {now, budget};
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, c, budget_sql, 2, params);
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	rc = budget_mail(ctx, c, PQgetvalue(r, 0, 2), budget_cents);
	if (!rc && !(*out_json = wvl_str__printf("{\"clients_over\":%s,\"notifications\":%s}",
						 PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PQclear(r);
	if (rc)
		return wvl_pg__fail(ctx, c, rc);
	if ((rc = wvl_pg__commit(ctx, c)) != 0) {
		free(*out_json);
		*out_json = NULL;
	}
	return rc;
}
