/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* WL_BACKUP_POST_COMMAND against a real pg_dump of a real database: the
 * command gets the dump's and the checksum's absolute paths (as $1 $2 and
 * in its environment) and really copies them; a backup folder whose name
 * is shell syntax stays a name; a failing command is reported (error log
 * line with its status and stderr, the call's error, a marker beside the
 * kept dump); a command that does not finish is stopped at its bound,
 * measured on the context's clock, which the test moves; and pg_dump
 * itself, bounded by WL_BACKUP_TIMEOUT, its failures told in its words. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "jobs/jobs.h"
#include "testclock.h"
#include "testenv.h"
#include "wavelaunch/maintenance.h"

static test_db db;
static char root[] = "/tmp/wl-post-XXXXXX";

static void setup(void)
{
	test_db_create(&db);
	cr_assert_not_null(mkdtemp(root));
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system';"
					    " INSERT INTO clients (name) VALUES ('Ada'), ('Grace')"),
		     0);
	test_log_reset();
}

static void teardown(void)
{
	test_rm_rf(root);
	memcpy(root + strlen(root) - 6, "XXXXXX", 6);
	test_db_drop(&db);
}

TestSuite(backup_post, .init = setup, .fini = teardown, .timeout = 120);

/* A context whose backups go to `dir`, with `n` more settings (a NULL
 * value leaves its key at the default). */
static wvl_ctx *ctx_with(const char *dir, const char *const kv[][2], size_t n)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_DIR", dir), 0);
	for (size_t i = 0; i < n; i++)
		if (kv[i][1])
			cr_assert_eq(wvl_config_set(cfg, kv[i][0], kv[i][1]), 0);
	cr_assert_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, TEST_T0);
	return c;
}

/* Backups that run `command` (NULL: none) bounded by `timeout`. */
static wvl_ctx *backup_ctx(const char *dir, const char *command, const char *timeout)
{
	const char *const kv[][2] = {{"WL_BACKUP_POST_COMMAND", command},
				     {"WL_BACKUP_POST_TIMEOUT", timeout}};
	return ctx_with(dir, kv, 2);
}

static bool exists(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* The text of DIR/NAME (the caller frees it), or NULL. */
static char *read_text(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 4096);
	size_t n = buf ? fread(buf, 1, 4095, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

#define DUMP "wavelaunch-20260301T000000Z.dump"

Test(backup_post, the_command_copies_the_dump_off_and_the_copy_matches_its_checksum)
{
	/* A folder whose name a shell would run, were it pasted into the
	 * command: spaces, both quotes, $(...), `...`, ; and a glob. */
	char dir[1024], offsite[512], cmd[2048];
	snprintf(dir, sizeof(dir), "%s/a dir \"q\" 'x' $(touch pwned) `touch pwned2`; *", root);
	snprintf(offsite, sizeof(offsite), "%s/offsite", root);
	cr_assert_eq(mkdir(offsite, 0700), 0);
	/* $1 and $2 are absolute and are what the environment says too; the
	 * command runs from another folder than the dump's. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s || exit 7; case \"$1\" in /*) ;; *) exit 8;; esac;"
		 " test \"$1\" = \"$WL_BACKUP_FILE\" && test \"$2\" = \"$WL_BACKUP_CHECKSUM_FILE\""
		 " || exit 9; cp -- \"$1\" \"$2\" offsite/ && echo copied \"$(basename \"$1\")\"",
		 root);
	wvl_ctx *c = backup_ctx(dir, cmd, NULL);
	char *report = NULL;
	cr_assert_eq(wvl_maint_backup_database(&report, c), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(report, "\"post_command\":\"ok\""), "%s", report);
	wvl_free(report);
	cr_expect(exists(offsite, DUMP) && exists(offsite, DUMP ".sha256"), "the copy is there");
	char q[2048];
	snprintf(q, sizeof(q), "cd '%s' && sha256sum --quiet -c " DUMP ".sha256", offsite);
	cr_expect_eq(system(q), 0, "the copy matches the checksum written with the dump");
	/* And it is the dump, byte for byte (the local path goes by the
	 * environment: it is not shell-safe). */
	char local[1200];
	snprintf(local, sizeof(local), "%s/%s", dir, DUMP);
	snprintf(q, sizeof(q), "cmp -s '%s/" DUMP "' \"$WL_T\"", offsite);
	cr_assert_eq(setenv("WL_T", local, 1), 0);
	cr_expect_eq(system(q), 0, "the copy is the dump");
	unsetenv("WL_T");
	/* Nothing the folder's name spells ran, anywhere the command was. */
	cr_expect(!exists(root, "pwned") && !exists(root, "pwned2"), "the folder's name ran");
	char cwd[1024];
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_expect(!exists(cwd, "pwned") && !exists(cwd, "pwned2"));
	cr_expect(test_log_contains("backup: the post-backup command for " DUMP
				    " exited with status 0; stdout: copied " DUMP "; stderr: "),
		  "the success is logged with the command's output");
	wvl_ctx_free(c);
}

Test(backup_post, a_failing_command_is_reported_and_the_dump_kept)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	wvl_ctx *c = backup_ctx(dir,
				"echo 'uploading...'; printf 'rclone: remote \\033[31munreachable\\n"
				"line two\\n' >&2; exit 3",
				NULL);
	char *report = NULL;
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_expect_null(report);
	const char *m = wvl_error_last()->message;
	cr_expect_not_null(strstr(m, "the post-backup command for " DUMP " exited with status 3"),
			   "%s", m);
	cr_expect_not_null(strstr(m, "the backup is kept"), "%s", m);
	/* One line at error level, the stderr tail in it (controls made
	 * blanks), the stdout tail too. */
	cr_expect(test_log_contains("backup: the post-backup command for " DUMP
				    " exited with status 3; stderr: rclone: remote  [31munreachable"
				    " line two; stdout: uploading... (the backup is kept)"),
		  "the failure's log line");
	cr_expect(exists(dir, DUMP) && exists(dir, DUMP ".sha256"), "the dump is kept");
	char *marker = read_text(dir, DUMP ".post-failed");
	cr_expect_str_eq(marker, "job=-\nexited with status 3\n");
	free(marker);

	/* A command the shell cannot find: exit status 127, reported alike. */
	wvl_ctx_free(c);
	c = backup_ctx(dir, "/nonexistent/rclone copy \"$1\" remote:", NULL);
	test_clock_set(TEST_T0 + 60 * TEST_SEC);
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(wvl_error_last()->message, "exited with status 127"), "%s",
			   wvl_error_last()->message);
	cr_expect(test_log_contains("/nonexistent/rclone"), "the shell's complaint is logged");

	/* Killed by a signal. */
	wvl_ctx_free(c);
	c = backup_ctx(dir, "kill -USR1 $$", NULL);
	test_clock_set(TEST_T0 + 120 * TEST_SEC);
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(wvl_error_last()->message, "was killed by signal 10"), "%s",
			   wvl_error_last()->message);

	/* Once the command works, the next backup has no marker and the
	 * failed ones keep theirs (they did not leave the host). */
	wvl_ctx_free(c);
	c = backup_ctx(dir, "true", NULL);
	test_clock_set(TEST_T0 + 180 * TEST_SEC);
	cr_expect_eq(wvl_maint_backup_database(&report, c), 0, "%s", wvl_error_last()->message);
	wvl_free(report);
	cr_expect(!exists(dir, "wavelaunch-20260301T000300Z.dump.post-failed"));
	cr_expect(exists(dir, DUMP ".post-failed"));
	/* Retention removes a marker with its dump. */
	wvl_ctx_free(c);
	c = backup_ctx(dir, NULL, NULL);
	test_clock_set(TEST_T0 + 20 * 86400 * TEST_SEC);
	cr_expect_eq(wvl_maint_backup_database(&report, c), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(report, "\"removed\":4,\"post_command\":\"off\""), "%s", report);
	wvl_free(report);
	cr_expect(!exists(dir, DUMP) && !exists(dir, DUMP ".post-failed") &&
		  !exists(dir, DUMP ".sha256"));
	wvl_ctx_free(c);
}

/* ---- the bound ------------------------------------------------------------ */

struct call {
	wvl_ctx *ctx;
	int rc;
	char message[512];
	_Atomic int done;
};

static void *backup_thread(void *arg)
{
	struct call *k = arg;
	char *report = NULL;
	k->rc = wvl_maint_backup_database(&report, k->ctx);
	snprintf(k->message, sizeof(k->message), "%s", wvl_error_last()->message);
	wvl_free(report);
	k->done = 1;
	return NULL;
}

/* Reads a pid the command wrote, once it is there (the command runs). */
static pid_t read_pid(const char *path)
{
	for (int i = 0; i < 3000; i++) {
		FILE *f = fopen(path, "r");
		int pid = 0;
		if (f) {
			int got = fscanf(f, "%d\n", &pid);
			fclose(f);
			if (got == 1 && pid > 0)
				return pid;
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Gone, or a zombie waiting for init: not running. */
static bool not_running(pid_t pid)
{
	char p[64], st[512] = "";
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return true;
	size_t n = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[n] = '\0';
	const char *end = strrchr(st, ')');
	return end && (end[2] == 'Z' || end[2] == 'X');
}

/* Waits up to 5 s for `pid` to be gone; kills it when it is not (the
 * caller's expectation then fails), so no process outlives the test. */
static bool gone_soon(pid_t pid)
{
	bool gone = false;
	for (int i = 0; i < 500 && !(gone = not_running(pid)); i++) {
		struct timespec w = {0, 10 * 1000000L};
		nanosleep(&w, NULL);
	}
	if (!gone)
		kill(pid, SIGKILL);
	return gone;
}

Test(backup_post, a_command_that_does_not_finish_is_stopped_at_its_bound)
{
	char dir[600], pidfile[600], cmd[2400];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(pidfile, sizeof(pidfile), "%s/sleeper.pid", root);
	/* A pipeline's child (not the shell itself) that would run 10 min;
	 * its pid is written once it runs. */
	snprintf(cmd, sizeof(cmd),
		 "echo 'copying to a host that never answers' >&2; sleep 600 & echo $! > %s.tmp;"
		 " mv %s.tmp %s; wait", pidfile, pidfile, pidfile);
	struct call k = {.ctx = backup_ctx(dir, cmd, "30")};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, backup_thread, &k), 0);
	pid_t sleeper = read_pid(pidfile);
	cr_assert_gt(sleeper, 0, "the command started");
	/* 29 s on the context's clock: still within the bound. */
	test_clock_advance(29 * TEST_SEC);
	struct timespec ts = {0, 300 * 1000000L};
	nanosleep(&ts, NULL); /* three rounds of the wait loop: it must not stop it */
	cr_expect_eq(k.done, 0, "stopped before its bound");
	cr_expect(!not_running(sleeper));
	/* Past the bound: stopped at once, the whole group with it. */
	test_clock_advance(2 * TEST_SEC);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_expect_eq(k.rc, WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(k.message, "did not finish within WL_BACKUP_POST_TIMEOUT (30 s)"
				  " and was stopped"), "%s", k.message);
	cr_expect(gone_soon(sleeper), "the command's child %d still ran", (int)sleeper);
	cr_expect(test_log_contains("did not finish within WL_BACKUP_POST_TIMEOUT (30 s) and was"
				    " stopped; stderr: copying to a host that never answers"));
	cr_expect(exists(dir, DUMP), "the dump is kept");
	wvl_ctx_free(k.ctx);
}

/* A command that ignores SIGTERM gets SIGKILL 5 s (of the context's
 * clock) later; one that floods its output is stopped all the same. */
Test(backup_post, a_command_that_ignores_sigterm_is_killed_after_the_grace)
{
	char dir[600], mark[600], pidfile[600], cmd[4000];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(mark, sizeof(mark), "%s/got-term", root);
	snprintf(pidfile, sizeof(pidfile), "%s/shell.pid", root);
	snprintf(cmd, sizeof(cmd),
		 "trap 'echo term > %s' TERM; yes flood & echo $$ > %s.tmp; mv %s.tmp %s;"
		 " while :; do sleep 0.05; done", mark, pidfile, pidfile, pidfile);
	struct call k = {.ctx = backup_ctx(dir, cmd, "10")};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, backup_thread, &k), 0);
	pid_t shell = read_pid(pidfile);
	cr_assert_gt(shell, 0, "the command started");
	test_clock_advance(11 * TEST_SEC);
	bool termed = false;
	for (int i = 0; i < 3000 && !(termed = access(mark, F_OK) == 0); i++) {
		struct timespec w = {0, 10 * 1000000L};
		nanosleep(&w, NULL);
	}
	cr_assert(termed, "SIGTERM reached the shell at the bound");
	cr_expect_eq(k.done, 0, "the shell ignored it and still runs");
	test_clock_advance(5 * TEST_SEC);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_expect_eq(k.rc, WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(k.message, "did not finish within WL_BACKUP_POST_TIMEOUT (10 s)"),
			   "%s", k.message);
	cr_expect(test_log_contains("(10 s) and was stopped; stderr: ") &&
		  test_log_contains("; stdout: ...") && test_log_contains("flood flood flood"),
		  "the flood's tail is logged");
	cr_expect(gone_soon(shell), "the shell %d survived SIGKILL", (int)shell);
	wvl_ctx_free(k.ctx);
}

Test(backup_post, without_the_key_nothing_runs)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	wvl_ctx *c = backup_ctx(dir, "", NULL);
	char *report = NULL;
	cr_assert_eq(wvl_maint_backup_database(&report, c), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(report, "\"post_command\":\"off\""), "%s", report);
	wvl_free(report);
	cr_expect(!test_log_contains("post-backup command"));
	wvl_ctx_free(c);
}

/* The retry by job id (what run_backup passes): a damaged kept dump is
 * refused rather than copied; a marker whose dump is gone (retention)
 * means a new dump. */
Test(backup_post, a_retry_checks_the_kept_dump_and_makes_a_new_one_when_it_is_gone)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	const char *job = "0b6d2c4e-1111-4222-8333-944455556666";
	wvl_ctx *c = backup_ctx(dir, "exit 1", NULL);
	char *report = NULL;
	cr_expect_eq(wvl_maint__backup(&report, c, job), WVL_EUNAVAILABLE);
	char *marker = read_text(dir, DUMP ".post-failed");
	cr_expect_str_eq(marker, "job=0b6d2c4e-1111-4222-8333-944455556666\nexited with status 1\n");
	free(marker);
	/* Another job's retry does not take this job's dump: a new one. */
	test_clock_set(TEST_T0 + 60 * TEST_SEC);
	cr_expect_eq(wvl_maint__backup(&report, c, "another-job"), WVL_EUNAVAILABLE);
	cr_expect(exists(dir, "wavelaunch-20260301T000100Z.dump"));
	/* Damaged meanwhile: the retry refuses it and copies nothing. */
	char p[700];
	snprintf(p, sizeof(p), "%s/%s", dir, DUMP);
	FILE *f = fopen(p, "r+b");
	cr_assert_not_null(f);
	fputs("XXXX", f);
	fclose(f);
	test_clock_set(TEST_T0 + 120 * TEST_SEC);
	cr_expect_eq(wvl_maint__backup(&report, c, job), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->message, "does not match its checksum"), "%s",
			   wvl_error_last()->message);
	cr_expect(!exists(dir, "wavelaunch-20260301T000200Z.dump"), "no new dump for a retry");
	/* Gone (retention, or by hand): the retry makes a new dump. */
	cr_assert_eq(unlink(p), 0);
	wvl_ctx_free(c);
	c = backup_ctx(dir, "true", NULL);
	test_clock_set(TEST_T0 + 180 * TEST_SEC);
	cr_expect_eq(wvl_maint__backup(&report, c, job), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(report, "\"file\":\"wavelaunch-20260301T000300Z.dump\""), "%s",
			   report);
	cr_expect_not_null(strstr(report, "\"post_command\":\"ok\""), "%s", report);
	wvl_free(report);
	wvl_ctx_free(c);
}

/* Output past the kept tail: the end is kept, marked as cut. */
Test(backup_post, only_the_end_of_a_long_output_is_logged)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	wvl_ctx *c = backup_ctx(dir,
				"i=0; while [ $i -lt 300 ]; do printf 'line %03d\\n' $i; i=$((i+1)); done;"
				" head -c 70000 /dev/zero | tr '\\0' e >&2; echo ' the end' >&2",
				NULL);
	char *report = NULL;
	cr_assert_eq(wvl_maint_backup_database(&report, c), 0, "%s", wvl_error_last()->message);
	wvl_free(report);
	cr_expect(test_log_contains("stdout: ...")); /* cut */
	cr_expect(test_log_contains("line 298 line 299; stderr: ...eeee"));
	cr_expect(test_log_contains("eeeeeeee the end"));
	cr_expect(!test_log_contains("line 000"), "only the tail is kept");
	wvl_ctx_free(c);
}

/* While the command runs, the marker naming the job is already there: a
 * worker that dies meanwhile leaves it, so the rescued job's retry copies
 * this dump instead of making a second one.  Success removes it. */
Test(backup_post, the_marker_is_there_while_the_command_runs)
{
	char dir[600], seen[600], cmd[1600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(seen, sizeof(seen), "%s/seen", root);
	snprintf(cmd, sizeof(cmd), "cp -- \"$1.post-failed\" '%s'", seen);
	wvl_ctx *c = backup_ctx(dir, cmd, NULL);
	char *report = NULL;
	cr_assert_eq(wvl_maint__backup(&report, c, "6a1c0de4-6d5f-4a4f-9d35-0f3a8f3c2b11"), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(report);
	char *marker = read_text(root, "seen");
	cr_assert_not_null(marker, "no marker while the command ran");
	cr_expect_str_eq(marker, "job=6a1c0de4-6d5f-4a4f-9d35-0f3a8f3c2b11\nstarted, no result yet"
				 " (the worker stopped while it ran?)\n");
	free(marker);
	cr_expect(!exists(dir, DUMP ".post-failed"), "removed after the success");
	wvl_ctx_free(c);
}

/* Backups that run `pg_dump` (a program path) bounded by `timeout`. */
static wvl_ctx *dump_ctx(const char *dir, const char *pg_dump, const char *timeout)
{
	const char *const kv[][2] = {{"WL_PG_DUMP", pg_dump}, {"WL_BACKUP_TIMEOUT", timeout}};
	return ctx_with(dir, kv, 2);
}

static size_t files_in(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	if (p) {
		if (fscanf(p, "%zu", &n) != 1)
			n = 0;
		pclose(p);
	}
	return n;
}

/* A pg_dump waiting on a lock a migration holds (or on a silent network)
 * would hold its job for ever: it is stopped at WL_BACKUP_TIMEOUT, on the
 * context's clock, and its half-written file removed. */
Test(backup_post, a_pg_dump_that_does_not_finish_is_stopped_at_its_bound)
{
	char dir[600], prog[600], pidfile[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(prog, sizeof(prog), "%s/pg_dump", root);
	snprintf(pidfile, sizeof(pidfile), "%s/dump.pid", root);
	FILE *f = fopen(prog, "w");
	cr_assert_not_null(f);
	/* Writes part of a dump into --file (its 5th argument), then waits. */
	fprintf(f, "#!/bin/sh\nprintf 'PGDMP partial' > \"$5\"\n"
		   "echo 'pg_dump: waiting for a lock on table \"clients\"' >&2\n"
		   "echo $$ > %s.tmp; mv %s.tmp %s\nexec sleep 600\n", pidfile, pidfile, pidfile);
	fclose(f);
	cr_assert_eq(chmod(prog, 0700), 0);
	struct call k = {.ctx = dump_ctx(dir, prog, "60")};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, backup_thread, &k), 0);
	pid_t dumper = read_pid(pidfile);
	cr_assert_gt(dumper, 0, "the fake pg_dump started");
	cr_expect_eq(files_in(dir), 1, "its half-written file");
	test_clock_advance(61 * TEST_SEC);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_expect_eq(k.rc, WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(k.message, "pg_dump did not finish within WL_BACKUP_TIMEOUT (60 s)"
				  " and was stopped: pg_dump: waiting for a lock"), "%s", k.message);
	cr_expect(gone_soon(dumper), "pg_dump %d still ran", (int)dumper);
	cr_expect_eq(files_in(dir), 0, "the half-written dump is removed");
	wvl_ctx_free(k.ctx);
}

/* pg_dump's failures say what it said; one that cannot start says so. */
Test(backup_post, a_failing_or_missing_pg_dump_fails_the_backup_with_its_words)
{
	char dir[600], prog[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(prog, sizeof(prog), "%s/pg_dump", root);
	FILE *f = fopen(prog, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\necho 'pg_dump: error: connection to server failed' >&2\nexit 1\n");
	fclose(f);
	cr_assert_eq(chmod(prog, 0700), 0);
	wvl_ctx *c = dump_ctx(dir, prog, NULL);
	char *report = NULL;
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_expect_null(report);
	cr_expect_str_eq(wvl_error_last()->message,
			 "pg_dump exited with status 1: pg_dump: error: connection to server failed");
	cr_expect_eq(files_in(dir), 0);
	wvl_ctx_free(c);

	snprintf(prog, sizeof(prog), "%s/no-such-pg_dump", root);
	c = dump_ctx(dir, prog, NULL);
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(wvl_error_last()->message, "pg_dump could not start "),
			   "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(wvl_error_last()->message, "No such file or directory"));
	wvl_ctx_free(c);

	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_TIMEOUT", "59"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_BACKUP_TIMEOUT"), "%s",
			   wvl_error_last()->message);
	wvl_config_free(cfg);
}
