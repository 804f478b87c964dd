/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifdef WL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "app.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int min_level = WVL_LOG_DEBUG;
static const char *program = "wavelaunch";
static FILE *log_out; /* NULL: stderr */

void app_set_program(const char *prog) { program = prog; }
void app_log_set_level(wvl_log_level level)
{
	__atomic_store_n(&min_level, (int)level, __ATOMIC_RELAXED);
}
int app_log_enabled(wvl_log_level level)
{
	return (int)level >= __atomic_load_n(&min_level, __ATOMIC_RELAXED);
}

int app_std_option(const char *arg, const char *usage)
{
	if (!arg)
		return -1;
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(arg, "--version") == 0) {
		printf("%s %s\n", program, WVL_VERSION_STRING);
		return 0;
	}
	return -1;
}

int app_usage_error(const char *usage, const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s: %s\n", program, what, arg);
	else
		fprintf(stderr, "%s: %s\n", program, what);
	fputs(usage, stderr);
	return APP_EXIT_USAGE;
}

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
			if (*p < 0x20 || *p == 0x7f)
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
	FILE *f = log_out ? log_out : stderr;
	fprintf(f, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"program\":\"%s\",\"request_id\":",
		ts, (long)tv.tv_usec / 1000, level_name(level), program);
	if (request_id) {
		fputc('"', f);
		app_json_escape(f, request_id);
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"msg\":\"", f);
	app_json_escape(f, msg);
	fputc('"', f);
	if (extra_members && *extra_members) {
		fputc(',', f);
		fputs(extra_members, f);
	}
	fputs("}\n", f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);
}

void app_log_sink(wvl_log_level level, const char *request_id, const char *message,
		  void *payload)
{
	(void)payload;
	if (app_log_enabled(level))
		app_log_json(level, request_id, message, NULL);
}

int app_log_open(const char *path)
{
	FILE *f = NULL;
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		f = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!f) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			char extra[600];
			snprintf(extra, sizeof(extra), "\"key\":\"WL_LOG_FILE\",\"error\":\"%s\"",
				 strerror(e));
			app_log_json(WVL_LOG_ERROR, NULL, "cannot open the log file", extra);
			return -1;
		}
	}
	pthread_mutex_lock(&log_lock);
	FILE *old = log_out;
	log_out = f;
	pthread_mutex_unlock(&log_lock);
	if (old)
		fclose(old);
	return 0;
}

/* "WL_X: ..." -> "WL_X" as a JSON member; nothing when the message does
 * not start with a key. */
static void key_member(char *out, size_t len, const char *msg)
{
	size_t n = strncmp(msg, "WL_", 3) == 0 ? strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") : 0;
	if (n && n < 65)
		snprintf(out, len, "\"key\":\"%.*s\"", (int)n, msg);
	else
		out[0] = '\0';
}

static void warn_unknown(const char *key, const char *nearest, void *payload)
{
	(void)payload;
	char msg[200], extra[200];
	snprintf(msg, sizeof(msg), "unknown setting %s ignored; did you mean %s?", key, nearest);
	snprintf(extra, sizeof(extra), "\"key\":\"%s\",\"nearest\":\"%s\"", key, nearest);
	app_log_json(WVL_LOG_WARN, NULL, msg, extra);
}

static void warn_reserved(const char *key, const char *feature, void *payload)
{
	(void)payload;
	char msg[300], extra[100];
	snprintf(msg, sizeof(msg), "%s is reserved for %s, which is not built yet: ignored", key,
		 feature);
	snprintf(extra, sizeof(extra), "\"key\":\"%s\"", key);
	app_log_json(WVL_LOG_WARN, NULL, msg, extra);
}

static int load(wvl_config **out)
{
	const char *file = getenv("WL_ENV_FILE");
	*out = NULL;
	if (wvl_config_new(out) != 0 ||
	    wvl_config_load_env(*out, file && *file ? file : ".env") != 0 ||
	    wvl_config_validate(*out) != 0) {
		wvl_config_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int app_load_config(wvl_config **out)
{
	if (load(out) != 0) {
		const char *m = wvl_error_last()->message;
		char extra[100], msg[1200];
		key_member(extra, sizeof(extra), m);
		snprintf(msg, sizeof(msg), "configuration error: %s", m);
		app_log_json(WVL_LOG_ERROR, NULL, msg, extra);
		return APP_EXIT_CONFIG;
	}
	wvl_config_unknown(*out, warn_unknown, NULL);
	wvl_config_reserved_set(*out, warn_reserved, NULL);
	if (app_log_open(wvl_config_get(*out, "WL_LOG_FILE")) != 0) {
		wvl_config_free(*out);
		*out = NULL;
		return APP_EXIT_CONFIG;
	}
	return 0;
}

int app_reload(wvl_ctx *ctx)
{
	wvl_config *cfg = NULL;
	if (load(&cfg) != 0) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "SIGHUP: configuration not reloaded: %s",
			 wvl_error_last()->message);
		app_log_json(WVL_LOG_ERROR, NULL, msg, NULL);
		return -1;
	}
	wvl_log_level lvl = WVL_LOG_INFO;
	if (wvl_log_level_parse(&lvl, wvl_config_get(cfg, "WL_LOG_LEVEL")) != 0)
		lvl = WVL_LOG_INFO;
	int rc = app_log_open(wvl_config_get(cfg, "WL_LOG_FILE"));
	app_log_set_level(lvl);
	wvl_ctx_set_log_level(ctx, lvl);
	char extra[80];
	snprintf(extra, sizeof(extra), "\"log_level\":\"%s\"", level_name(lvl));
	app_log_json(WVL_LOG_INFO, NULL, rc == 0 ? "SIGHUP: log reopened, log level applied"
						 : "SIGHUP: log level applied; log file not reopened",
		     extra);
	wvl_config_free(cfg);
	return 0;
}

int app_ctx_new(wvl_ctx **out, const wvl_config *cfg)
{
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = app_log_sink;
	if (wvl_log_level_parse(&opts.log_level, wvl_config_get(cfg, "WL_LOG_LEVEL")) != 0)
		opts.log_level = WVL_LOG_INFO;
	app_log_set_level(opts.log_level);
	if (wvl_ctx_new(out, cfg, &opts) != 0) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "cannot start: %s", wvl_error_last()->message);
		app_log_json(WVL_LOG_ERROR, NULL, msg, NULL);
		return 1;
	}
	return 0;
}

static void log_service(const char *name, const char *status, double ms, unsigned retry_s)
{
	char msg[160], extra[200];
	if (strcmp(status, "ok") == 0)
		snprintf(msg, sizeof(msg), "%s is up", name);
	else if (strcmp(status, "not_configured") == 0)
		snprintf(msg, sizeof(msg), "%s is not configured", name);
	else if (retry_s)
		snprintf(msg, sizeof(msg), "%s is unreachable; retrying in %u s", name, retry_s);
	else
		snprintf(msg, sizeof(msg), "%s is unreachable; carrying on without it", name);
	if (ms >= 0)
		snprintf(extra, sizeof(extra), "\"service\":\"%s\",\"status\":\"%s\",\"latency_ms\":%.3f",
			 name, status, ms);
	else
		snprintf(extra, sizeof(extra), "\"service\":\"%s\",\"status\":\"%s\"", name, status);
	app_log_json(strcmp(status, "down") == 0 ? WVL_LOG_WARN : WVL_LOG_INFO, NULL, msg, extra);
}

int app_wait_for_services(wvl_ctx *ctx, volatile int *stop)
{
	const char *st = "down";
	double ms = -1;
	unsigned delay = 1;
	if (wvl_health_probe(&st, &ms, ctx, "redis") == 0)
		log_service("redis", st, ms, 0);
	while (!*stop) {
		if (wvl_health_probe(&st, &ms, ctx, "database") != 0)
			st = "down";
		if (strcmp(st, "down") != 0) {
			log_service("postgresql", st, ms, 0);
			return 0;
		}
		log_service("postgresql", st, -1, delay);
		/* Sleeps in short steps, so a SIGTERM ends the wait at once. */
		for (unsigned i = 0; i < delay * 10 && !*stop; i++) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		delay = delay * 2 > 30 ? 30 : delay * 2;
	}
	return -1;
}

static int resolve_listen(const char *listen, struct sockaddr_storage *out, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (!colon)
		return -1;
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	char *h = host;
	if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') { /* [::1]:8080 */
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *res = NULL;
	if (getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res) != 0 || !res)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int app_listen(const char *where, const char *key, bool reuse_port, int *family)
{
	struct sockaddr_storage addr;
	socklen_t alen = 0;
	char extra[400];
	snprintf(extra, sizeof(extra), "\"key\":\"%s\",\"listen\":\"%.300s\"", key, where);
	if (resolve_listen(where, &addr, &alen) != 0) {
		app_log_json(WVL_LOG_ERROR, NULL, "cannot resolve the listen address", extra);
		return -1;
	}
	int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (reuse_port &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)&addr, alen) != 0 || listen(fd, 511) != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "cannot listen on %.300s: %s", where, strerror(errno));
		app_log_json(WVL_LOG_ERROR, NULL, msg, extra);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*family = addr.ss_family;
	return fd;
}

void app_notify(const char *state)
{
#ifdef WL_HAVE_SYSTEMD
	if (sd_notify(0, state) < 0)
		app_log_json(WVL_LOG_WARN, NULL, "cannot notify systemd", NULL);
#else
	(void)state;
#endif
}

int app_watchdog_ms(void)
{
#ifdef WL_HAVE_SYSTEMD
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
		return usec / 2000 > 3600000 ? 3600000 : (int)(usec / 2000);
#endif
	return -1;
}

int app_wait_signal(const sigset_t *set)
{
	int wd = app_watchdog_ms();
	for (;;) {
		int sig = 0;
		if (wd < 0)
			return sigwait(set, &sig) == 0 ? sig : -1;
		struct timespec ts = {wd / 1000, (long)(wd % 1000) * 1000000L};
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			app_notify("WATCHDOG=1");
	}
}
