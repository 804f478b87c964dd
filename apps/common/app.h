/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_APP_COMMON_H
#define WL_APP_COMMON_H

/* What the three apps share: the command line's standard options,
 * configuration from .env and the environment, and the JSON-lines log.
 *
 * The one rule for what the apps print (docs/OPERATIONS.md): every
 * message on stderr is a JSON log line, from the first one on
 * (configuration errors included); --help and --version print plain text
 * on stdout, and a wrong option prints the usage on stderr with exit 2. */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <wavelaunch.h>

/* Exit statuses: 2 a wrong command line, 78 (EX_CONFIG of sysexits.h) a
 * configuration error, so systemd does not restart into the same error
 * (RestartPreventExitStatus=78 in packaging/systemd). */
#define APP_EXIT_USAGE 2
#define APP_EXIT_CONFIG 78

/* The program's name in log lines ("wl-server"); set once by main. */
void app_set_program(const char *prog);

/* When argv[i] is --help/-h or --version: prints `usage` (stdout) or
 * "PROG VERSION" and returns 0; otherwise -1. */
int app_std_option(const char *arg, const char *usage);
/* A wrong command line: "PROG: <what>" and the usage on stderr; returns
 * APP_EXIT_USAGE. */
int app_usage_error(const char *usage, const char *what, const char *arg);

/* Loads the configuration (.env in the working directory, or the file named
 * by WL_ENV_FILE) and validates it; logs one error line naming the key and
 * returns APP_EXIT_CONFIG on error.  Unknown WL_* keys and values of
 * reserved keys are logged as warnings. */
int app_load_config(wvl_config **out);

/* The log handler the apps install: one JSON object per line on stderr
 * (or WL_LOG_FILE) with time, level, request_id and msg. */
void app_log_sink(wvl_log_level level, const char *request_id, const char *message,
		  void *payload);

/* Writes one JSON log line with extra pre-rendered JSON members (may be
 * NULL), e.g. the access log's method/path/status. */
void app_log_json(wvl_log_level level, const char *request_id, const char *msg,
		  const char *extra_members);

/* The configured WL_LOG_LEVEL (set by app_ctx_new), for per-event lines
 * such as the access log; lifecycle lines (started, stopped) always go out. */
void app_log_set_level(wvl_log_level level);
int app_log_enabled(wvl_log_level level);

/* Opens WL_LOG_FILE for appending (empty: stderr); called again on SIGHUP
 * after a rotation.  0, or -1 with an error line on stderr. */
int app_log_open(const char *path);

/* SIGHUP: reads the configuration again, reopens WL_LOG_FILE and applies
 * WL_LOG_LEVEL to the log and the context.  Other keys need a restart.
 * 0, or -1 when the new configuration is refused (logged; nothing changes). */
int app_reload(wvl_ctx *ctx);

/* Appends `s` as a JSON string body (without quotes) to f. */
void app_json_escape(FILE *f, const char *s);

/* Builds a context from the configuration with the JSON sink installed. */
int app_ctx_new(wvl_ctx **out, const wvl_config *cfg);

/* Checks PostgreSQL and Redis once each, logging each one's state
 * ("postgresql up" / "postgresql unreachable, retrying in N s"), and keeps
 * trying with backoff (1 s doubling to 30 s) until PostgreSQL answers or
 * *stop becomes non-zero.  Redis being down is logged, not waited for (the
 * apps work without it).  0 once PostgreSQL is up, -1 when stopped. */
int app_wait_for_services(wvl_ctx *ctx, volatile int *stop);

/* A listening TCP socket (non-blocking, close-on-exec, backlog 511) on
 * `where` ("host:port", "[v6]:port"), with SO_REUSEPORT only when
 * `reuse_port`.  An address that does not resolve or is taken is one error
 * line naming it and `key`; returns the descriptor (its address family in
 * *family) or -1. */
int app_listen(const char *where, const char *key, bool reuse_port, int *family);

/* systemd's notification protocol (sd_notify; nothing without libsystemd
 * or outside a Type=notify unit): "READY=1", "STOPPING=1", "WATCHDOG=1",
 * "STATUS=...". */
void app_notify(const char *state);
/* Half the watchdog period systemd asked for (WATCHDOG_USEC), in
 * milliseconds: how often to send WATCHDOG=1; -1 when there is none. */
int app_watchdog_ms(void);

/* Waits for one of the blocked signals in `set` and returns it (-1 on
 * error), sending WATCHDOG=1 every app_watchdog_ms() meanwhile. */
int app_wait_signal(const sigset_t *set);

#endif
