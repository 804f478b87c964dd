/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TEST_WORKER_PROC_H
#define WL_TEST_WORKER_PROC_H

/* Starting real wl-worker processes against a test database (waiting on
 * the database is test_sys_wait's). */

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

typedef struct worker_proc {
	pid_t pid;
	char log[128];
} worker_proc;

/* Extra "KEY=VALUE" settings, NULL-terminated, may be given in `extra`;
 * a later setting of a key wins.  posix_spawn, not fork: the test runner
 * has threads. */
static inline void worker_start(worker_proc *w, const test_db *db, const char *const *extra)
{
	static char redis[128], dburl[600], migurl[600], path[2048];
	snprintf(w->log, sizeof(w->log), "/tmp/wl-worker-%d-%ld.log", (int)getpid(), random());
	snprintf(redis, sizeof(redis), "WL_REDIS_URL=redis://127.0.0.1:%s/0",
		 testenv("WL_TEST_REDIS_PORT"));
	snprintf(dburl, sizeof(dburl), "WL_DATABASE_URL=%s", db->app_url);
	snprintf(migurl, sizeof(migurl), "WL_MIGRATE_DATABASE_URL=%s", db->owner_url);
	snprintf(path, sizeof(path), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	char *envp[32];
	int n = 0;
	envp[n++] = redis;
	envp[n++] = dburl;
	envp[n++] = migurl;
	envp[n++] = path;
	envp[n++] = "WL_SECRET_KEY=q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU=";
	envp[n++] = "WL_ENV_FILE=/nonexistent";
	envp[n++] = "WL_WORKER_CONCURRENCY=4";
	envp[n++] = "WL_WORKER_POLL_MS=100";
	envp[n++] = "WL_JOBS_HEARTBEAT_INTERVAL=1";
	envp[n++] = "WL_LOG_LEVEL=warn";
	envp[n++] = "ASAN_OPTIONS=detect_leaks=1";
	for (size_t i = 0; extra && extra[i] && n < 30; i++)
		envp[n++] = (char *)extra[i];
	envp[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, w->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	const char *bin = testenv("WL_TEST_WORKER_BIN");
	char *argv[] = {(char *)bin, NULL};
	int rc = posix_spawn(&w->pid, bin, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s", bin);
}

/* Waits for the process to exit; returns its exit status (or 128+signal). */
static inline int worker_wait(worker_proc *w)
{
	int status = 0;
	waitpid(w->pid, &status, 0);
	w->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline bool worker_log_contains(const worker_proc *w, const char *needle)
{
	FILE *f = fopen(w->log, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

#endif
