/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_APP_COMMON_H
#define WL_APP_COMMON_H

/* What the three apps share: configuration from .env and the environment,
 * and the JSON-lines log sink. */

#include <stdio.h>

#include <wavelaunch.h>

/* Loads the configuration (.env in the working directory, or the file named
 * by WL_ENV_FILE) and validates it; prints a clear message and returns
 * non-zero on error. */
int app_load_config(wvl_config **out, const char *prog);

/* The log handler the apps install: one JSON object per line on stderr
 * with time, level, request_id and msg. */
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

/* Appends `s` as a JSON string body (without quotes) to f. */
void app_json_escape(FILE *f, const char *s);

/* Builds a context from the configuration with the JSON sink installed. */
int app_ctx_new(wvl_ctx **out, const wvl_config *cfg, const char *prog);

#endif
