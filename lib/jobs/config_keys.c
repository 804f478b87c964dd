/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The jobs runtime's WL_* keys (struct wvl_config_key in core/internal.h):
 * the worker, the queue's maintenance, the scheduler and the backups. */

#include "jobs.h"

static const struct wvl_config_key keys[] = {
	{"WL_WORKER_CONCURRENCY", WVL_CFG_UINT, "10", 1, 1000, NULL, 0,
	 "jobs one wl-worker runs at the same time"},
	{"WL_WORKER_PREFETCH", WVL_CFG_UINT, "10", 1, 100, NULL, 0,
	 "jobs wl-worker claims ahead per handler thread (1..100)"},
	{"WL_WORKER_QUEUES", WVL_CFG_STRING, "default,email,notifications,automation,files", 1, 0,
	 NULL, 0, "comma-separated queues wl-worker claims from (default: every queue the library uses)"},
	{"WL_WORKER_POLL_MS", WVL_CFG_UINT, "1000", 10, 600000, NULL, 0,
	 "wl-worker polls this often (ms) besides LISTEN/NOTIFY"},
	{"WL_WORKER_SHUTDOWN_GRACE", WVL_CFG_UINT, "25", 1, 3600, NULL, 0,
	 "seconds running jobs may finish after SIGTERM"},
	{"WL_JOBS_HEARTBEAT_INTERVAL", WVL_CFG_UINT, "5", 1, 3600, NULL, 0,
	 "seconds between heartbeats of running jobs"},
	{"WL_JOBS_RESCUE_AFTER", WVL_CFG_UINT, "60", 1, 86400, NULL, 0,
	 "seconds without heartbeat before a running job is rescued"},
	{"WL_JOBS_BACKOFF_BASE", WVL_CFG_UINT, "15", 1, 86400, NULL, 0,
	 "seconds before the first retry; x4 per attempt, +/-20%"},
	{"WL_JOBS_RETENTION_DAYS", WVL_CFG_UINT, "14", 1, 36500, NULL, 0,
	 "days finished jobs are kept before pruning"},
	{"WL_SCHEDULER_GRACE", WVL_CFG_UINT, "300", 1, 86400 * 366 - 1, NULL, 0,
	 "seconds a late cron firing still runs; older ones are missed"},
	{"WL_BACKUP_DIR", WVL_CFG_STRING, "./var/backups", 1, 4000, NULL, 0,
	 "where backup_database writes pg_dump files"},
	{"WL_BACKUP_RETENTION_DAYS", WVL_CFG_UINT, "14", 1, 36500, NULL, 0,
	 "days database backups are kept"},
	{"WL_BACKUP_KEEP", WVL_CFG_UINT, "0", 0, 100000, NULL, 0,
	 "most database backups kept (the newest); 0: no limit by count"},
	/* Secret: a command line may carry a credential (never shown). */
	{"WL_BACKUP_POST_COMMAND", WVL_CFG_STRING, "", 0, 4000, NULL, WVL_CFG_SECRET,
	 "shell command run after each backup, the dump's and the checksum's absolute paths as"
	 " $1 and $2 (and $WL_BACKUP_FILE, $WL_BACKUP_CHECKSUM_FILE); a failure fails the job;"
	 " empty: none"},
	{"WL_BACKUP_POST_TIMEOUT", WVL_CFG_UINT, "3600", 1, 86400, NULL, 0,
	 "seconds the post-backup command may run before it is stopped (SIGTERM, SIGKILL 5 s later)"},
	{"WL_BACKUP_TIMEOUT", WVL_CFG_UINT, "21600", 60, 604800, NULL, 0,
	 "seconds pg_dump may run before it is stopped (SIGTERM, SIGKILL 5 s later) and the"
	 " backup job fails"},
	{"WL_PG_DUMP", WVL_CFG_STRING, "pg_dump", 1, 4000, NULL, 0,
	 "pg_dump program backup_database runs"},
	{"WL_TOKEN_BUDGET_CENTS", WVL_CFG_UINT, "0", 0, 1000000000, NULL, 0,
	 "monthly AI spend per client that raises an alert; 0: off"},
};

const struct wvl_config_keyset wvl_jobs__keys = {keys, sizeof(keys) / sizeof(keys[0])};

/* The post-backup command: one line of printable text (it is logged and
 * run by /bin/sh -c); its length is the table's. */
static int validate_config(const wvl_config *cfg)
{
	const char *cmd = wvl_config_get(cfg, "WL_BACKUP_POST_COMMAND");
	if (!cmd || !*cmd)
		return 0;
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)cmd; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return wvl_err__set(WVL_EINVAL, NULL,
					    "WL_BACKUP_POST_COMMAND: has a control character (byte %u);"
					    " expected a shell command on one line", (unsigned)*p);
		blank = blank && *p == ' ';
	}
	if (blank)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_BACKUP_POST_COMMAND: is only spaces; expected a shell command"
				    " (or nothing, for none)");
	return 0;
}

const struct wvl_module wvl_jobs__module = {
	.name = "jobs",
	.keys = &wvl_jobs__keys,
	.validate_config = validate_config,
};
