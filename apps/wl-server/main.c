/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-server: configuration, the libmicrohttpd daemon and graceful
 * shutdown.  Requests are handled from http.c on. */

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/app.h"
#include "router.h"
#include "events.h"
#include "guard.h"
#include "http.h"
#include "tls.h"

extern const char wl_openapi_json[];
extern const size_t wl_openapi_json_len;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	app_log_json(WVL_LOG_WARN, NULL, msg, "\"source\":\"libmicrohttpd\"");
}

static void split_origins(struct wl_server *srv, const char *list)
{
	char *copy = strdup(list ? list : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char **n = realloc(srv->cors_origins, (srv->ncors + 1) * sizeof(*n));
		if (!n)
			break;
		srv->cors_origins = n;
		srv->cors_origins[srv->ncors++] = strdup(t);
	}
	free(copy);
}

/* "https://host:port/path" -> "https://host:port", the Origin a browser
 * sends for pages served from the public URL. */
static void public_origin(struct wl_server *srv, const char *url)
{
	if (!url)
		return;
	srv->secure_cookies = strncmp(url, "https://", 8) == 0;
	const char *host = strstr(url, "://");
	if (!host)
		return;
	size_t n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
	if (n < sizeof(srv->public_origin))
		snprintf(srv->public_origin, sizeof(srv->public_origin), "%.*s", (int)n, url);
}

static unsigned cfg_uint(const wvl_config *cfg, const char *key)
{
	unsigned long n = wvl_config_get_uint(cfg, key);
	return n > 1000000000UL ? 1000000000U : (unsigned)n;
}

static struct MHD_Daemon *start_daemon(struct wl_server *srv)
{
	const char *cert_path = wvl_config_get(srv->cfg, "WL_TLS_CERT");
	gnutls_certificate_retrieve_function2 *creds = NULL;
	srv->tls = cert_path && *cert_path;
	if (srv->tls) {
		creds = wl_tls_start(cert_path, wvl_config_get(srv->cfg, "WL_TLS_KEY"));
		if (!creds)
			return NULL;
		srv->secure_cookies = true;
	}
	/* TLS 1.2 and 1.3 only (RFC 8996 retired 1.0 and 1.1); the pair comes
	 * from tls.c per handshake, so SIGHUP can renew it. */
	struct MHD_OptionItem tls_options[] = {
		{MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)creds},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_OptionItem no_options[] = {{MHD_OPTION_END, 0, NULL}};
	int family = AF_INET;
	/* A taken address is an error naming it; SO_REUSEPORT (several
	 * processes sharing the port, for a restart without downtime) only
	 * when WL_REUSE_PORT says so. */
	int fd = app_listen(wvl_config_get(srv->cfg, "WL_LISTEN"), "WL_LISTEN",
			    wvl_config_get_bool(srv->cfg, "WL_REUSE_PORT"), &family);
	if (fd < 0)
		return NULL;
	/* A read costs one database round trip (the session is checked in
	 * it, the rate limit mostly leased), so a few threads per core keep
	 * the cores busy; more only lengthen the queue behind each thread's
	 * connections (measured: 4 threads, 7.7k req/s, p99 17 ms; 16: the
	 * same rate, p99 26-33 ms; docs/PERFORMANCE.md).  Never more than
	 * the database pool: a handler holds a connection. */
	unsigned threads = cfg_uint(srv->cfg, "WL_HTTP_THREADS");
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned pool = cfg_uint(srv->cfg, "WL_PG_POOL_SIZE");
		threads = cpus > 2 ? 2 * (unsigned)cpus : 4;
		if (threads > pool)
			threads = pool;
	}
	/* Suspend/resume: an idle Server-Sent Events stream holds no thread. */
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, wl_guard_accept, srv, wl_on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg_uint(srv->cfg, "WL_HTTP_TIMEOUT"),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg_uint(srv->cfg, "WL_HTTP_CONNECTION_MEMORY"),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg_uint(srv->cfg, "WL_HTTP_PER_IP_LIMIT"),
		MHD_OPTION_CONNECTION_LIMIT, cfg_uint(srv->cfg, "WL_HTTP_CONNECTION_LIMIT"),
		MHD_OPTION_NOTIFY_COMPLETED, wl_on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, wl_guard_notify, srv,
		/* Not strict: libmicrohttpd 0.9.75's strict mode answers a
		 * request without Host with its status line and headers twice
		 * (a malformed response); http.c refuses it, and every other
		 * framing fault, with a problem document and a closed
		 * connection instead. */
		MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
		MHD_OPTION_ARRAY, srv->tls ? tls_options : no_options,
		MHD_OPTION_END);
	if (!d) {
		wl_tls_stop();
		close(fd);
		app_log_json(WVL_LOG_ERROR, NULL, "cannot start the HTTP listener", NULL);
	}
	return d;
}

static volatile int stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int serve(struct wl_server *srv)
{
	/* While PostgreSQL is awaited, SIGTERM ends the wait (and the program). */
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (app_wait_for_services(srv->ctx, &stop_requested) != 0) {
		app_log_json(WVL_LOG_INFO, NULL, "stopped before PostgreSQL came up", NULL);
		return 0;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked before the daemon's threads start, so only sigwait sees them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (stop_requested)
		return 0;
	if (wl_guard_start(srv) != 0)
		return 1;
	if (wl_events_start(srv) != 0) {
		wl_guard_stop();
		return 1;
	}
	srv->daemon = start_daemon(srv);
	if (!srv->daemon) {
		wl_events_stop();
		wl_guard_stop();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char extra[64];
	snprintf(extra, sizeof(extra), "\"port\":%u,\"tls\":%s", di ? di->port : 0,
		 srv->tls ? "true" : "false");
	app_log_json(WVL_LOG_INFO, NULL, "listening", extra);
	app_notify("READY=1\nSTATUS=listening");
	while (app_wait_signal(&set) == SIGHUP) {
		app_notify("RELOADING=1");
		if (app_reload(srv->ctx) == 0 && srv->tls)
			wl_tls_reload();
		app_notify("READY=1");
	}
	app_notify("STOPPING=1\nSTATUS=finishing in-flight requests");
	app_log_json(WVL_LOG_INFO, NULL, "shutting down: finishing in-flight requests", NULL);
	wl_events_stop(); /* streams end; their clients reconnect elsewhere */
	MHD_quiesce_daemon(srv->daemon);
	if (!wl_wait_idle(30))
		app_log_json(WVL_LOG_WARN, NULL, "requests still running after 30 s", NULL);
	MHD_stop_daemon(srv->daemon);
	wl_tls_stop();
	wl_guard_stop();
	app_log_json(WVL_LOG_INFO, NULL, "stopped", NULL);
	return 0;
}

static const char usage[] =
	"usage: wl-server [--help | --version | --routes]\n"
	"  Serves the WavelaunchOS HTTP API and web UI on WL_LISTEN until SIGTERM\n"
	"  (which drains in-flight requests); SIGHUP reopens WL_LOG_FILE, applies\n"
	"  WL_LOG_LEVEL again and reloads the HTTPS certificate.  Configured by WL_* variables from the environment and\n"
	"  .env (or WL_ENV_FILE); see .env.example and wl-server(8).\n"
	"  --routes   print every route (method, pattern, kind) and exit\n"
	"  --help     print this help and exit\n"
	"  --version  print the version and exit\n";

int main(int argc, char **argv)
{
	app_set_program("wl-server");
	if (argc > 2)
		return app_usage_error(usage, "unexpected argument", argv[2]);
	if (argc == 2 && app_std_option(argv[1], usage) == 0)
		return 0;
	if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
		/* Method, pattern, and "list" for the routes that follow the
		 * list contract (the tests try every one of them). */
		for (size_t i = 0; i < wl_routes_count; i++)
			printf("%s %s %s\n", wl_routes[i].method, wl_routes[i].pattern,
			       wl_routes[i].call == WL_CALL_LIST ? "list" : "call");
		return 0;
	}
	if (argc == 2)
		return app_usage_error(usage, "unknown option", argv[1]);
	wvl_config *cfg = NULL;
	struct wl_server srv = {0};
	int rc = app_load_config(&cfg);
	if (rc)
		return rc;
	if (app_ctx_new(&srv.ctx, cfg)) {
		wvl_config_free(cfg);
		return 1;
	}
	srv.cfg = wvl_ctx_config(srv.ctx);
	srv.body_limit = cfg_uint(srv.cfg, "WL_HTTP_BODY_LIMIT");
	/* A stranger's body (login, reset) is small: nobody without a user
	 * makes the server hold a megabyte. */
	srv.anon_body_limit = srv.body_limit < 16384 ? srv.body_limit : 16384;
	srv.openapi = wl_openapi_json;
	srv.openapi_len = wl_openapi_json_len;
	split_origins(&srv, wvl_config_get(srv.cfg, "WL_CORS_ORIGINS"));
	public_origin(&srv, wvl_config_get(srv.cfg, "WL_PUBLIC_URL"));
	rc = serve(&srv);
	for (size_t i = 0; i < srv.ncors; i++)
		free(srv.cors_origins[i]);
	free(srv.cors_origins);
	wvl_ctx_free(srv.ctx);
	wvl_config_free(cfg);
	return rc;
}
