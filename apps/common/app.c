/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "app.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static wvl_log_level min_level = WVL_LOG_DEBUG;

void app_log_set_level(wvl_log_level level) { min_level = level; }
int app_log_enabled(wvl_log_level level) { return level >= min_level; }

void app_json_escape(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
}

static const char *level_name(wvl_log_level l)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	return (l >= WVL_LOG_DEBUG && l <= WVL_LOG_ERROR) ? names[l] : "info";
}

void app_log_json(wvl_log_level level, const char *request_id, const char *msg,
		  const char *extra_members)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[40];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"request_id\":", ts,
		(long)tv.tv_usec / 1000, level_name(level));
	if (request_id) {
		fputc('"', stderr);
		app_json_escape(stderr, request_id);
		fputc('"', stderr);
	} else {
		fputs("null", stderr);
	}
	fputs(",\"msg\":\"", stderr);
	app_json_escape(stderr, msg);
	fputc('"', stderr);
	if (extra_members && *extra_members) {
		fputc(',', stderr);
		fputs(extra_members, stderr);
	}
	fputs("}\n", stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void app_log_sink(wvl_log_level level, const char *request_id, const char *message,
		  void *payload)
{
	(void)payload;
	app_log_json(level, request_id, message, NULL);
}

int app_load_config(wvl_config **out, const char *prog)
{
	const char *file = getenv("WL_ENV_FILE");
	if (wvl_config_new(out) != 0 ||
	    wvl_config_load_env(*out, file && *file ? file : ".env") != 0 ||
	    wvl_config_validate(*out) != 0) {
		fprintf(stderr, "%s: configuration error: %s\n", prog, wvl_error_last()->message);
		wvl_config_free(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

int app_ctx_new(wvl_ctx **out, const wvl_config *cfg, const char *prog)
{
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = app_log_sink;
	if (wvl_log_level_parse(&opts.log_level, wvl_config_get(cfg, "WL_LOG_LEVEL")) != 0)
		opts.log_level = WVL_LOG_INFO;
	app_log_set_level(opts.log_level);
	if (wvl_ctx_new(out, cfg, &opts) != 0) {
		fprintf(stderr, "%s: cannot start: %s\n", prog, wvl_error_last()->message);
		return 1;
	}
	return 0;
}
