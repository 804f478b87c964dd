/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-worker's /health and /metrics on WL_WORKER_LISTEN: one libmicrohttpd
 * thread, GET and HEAD only.  /health answers anyone with the database's
 * and Redis' status (503 while PostgreSQL is down, also before the worker
 * has started); /metrics follows WL_METRICS_TOKEN as wl-server's does (the
 * library decides, wvl_health_operator_access). */

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/app.h"
#include "../common/peer.h"
#include "../common/prom.h"
#include "status.h"

static const double buckets[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define MAX_KINDS 64 /* registered kinds are far fewer; past this, not timed */

struct timing {
	char kind[64];
	uint64_t bucket[NBUCKETS];
	uint64_t count;
	double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static wvl_worker *worker; /* under lock: NULL before the start and after the stop */
static const char *phase = "starting"; /* under lock: static text */
static struct timing timings[MAX_KINDS];
static size_t ntimings;
static uint64_t untimed;
static struct MHD_Daemon *daemon_;
static wvl_ctx *ctx_;

void status_set_worker(wvl_worker *w, const char *new_phase)
{
	pthread_mutex_lock(&lock);
	worker = w;
	phase = new_phase;
	pthread_mutex_unlock(&lock);
}

void status_observe(const char *kind, const char *outcome, int64_t duration_ms)
{
	/* The handler's run time: outcomes of a handler that ran. */
	if (strcmp(outcome, "completed") != 0 && strcmp(outcome, "retryable") != 0 &&
	    strcmp(outcome, "failed") != 0 && strcmp(outcome, "fail_unrecorded") != 0)
		return;
	double s = (double)(duration_ms < 0 ? 0 : duration_ms) / 1000.0;
	pthread_mutex_lock(&lock);
	size_t i = 0;
	while (i < ntimings && strcmp(timings[i].kind, kind) != 0)
		i++;
	if (i == ntimings && ntimings < MAX_KINDS && strlen(kind) < sizeof(timings[i].kind))
		snprintf(timings[ntimings++].kind, sizeof(timings[i].kind), "%s", kind);
	if (i < ntimings) {
		for (size_t b = 0; b < NBUCKETS; b++)
			timings[i].bucket[b] += s <= buckets[b];
		timings[i].count++;
		timings[i].sum += s;
	} else {
		untimed++;
	}
	pthread_mutex_unlock(&lock);
}

/* ---- /metrics ----------------------------------------------------------- */

static void labels(FILE *f, const char *kind, const char *queue)
{
	fputs("{kind=\"", f);
	app_prom_label(f, kind);
	fputs("\",queue=\"", f);
	app_prom_label(f, queue);
	fputs("\"}", f);
}

static void job_counts(FILE *f, wvl_worker *w)
{
	static const struct {
		const char *name, *help;
		size_t offset;
	} fams[] = {
		{"wl_worker_jobs_claimed_total", "Jobs claimed by or pushed to this worker.",
		 offsetof(wvl_worker_counts_info, claimed)},
		{"wl_worker_jobs_completed_total", "Jobs whose handler succeeded and whose completion was recorded.",
		 offsetof(wvl_worker_counts_info, completed)},
		{"wl_worker_jobs_retried_total", "Attempts that failed; the job will be retried.",
		 offsetof(wvl_worker_counts_info, retried)},
		{"wl_worker_jobs_failed_total", "Attempts that failed for good (the last attempt).",
		 offsetof(wvl_worker_counts_info, failed)},
		{"wl_worker_jobs_lease_lost_total", "Results refused because the job was rescued or cancelled meanwhile.",
		 offsetof(wvl_worker_counts_info, lease_lost)},
		{"wl_worker_jobs_unrecorded_total", "Failures PostgreSQL did not record (the job will be rescued).",
		 offsetof(wvl_worker_counts_info, unrecorded)},
		{"wl_worker_jobs_released_total", "Jobs handed back to the queue (unstarted, or at the end of the shutdown grace).",
		 offsetof(wvl_worker_counts_info, released)},
		{"wl_worker_jobs_held_total", "Jobs that could not be handed back (they will be rescued).",
		 offsetof(wvl_worker_counts_info, held)},
	};
	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		app_prom_family(f, fams[k].name, "counter", fams[k].help);
		wvl_worker_counts_info c = WVL_WORKER_COUNTS_INFO_INIT;
		for (size_t i = 0; w && wvl_worker_counts(&c, w, i) == 0; i++) {
			fputs(fams[k].name, f);
			labels(f, c.kind, c.queue);
			fprintf(f, " %llu\n",
				(unsigned long long)*(const uint64_t *)(const void *)((const char *)&c +
										      fams[k].offset));
		}
	}
	wvl_error_clear();
}

static void runtime(FILE *f, wvl_worker *w)
{
	wvl_worker_stats_info st = WVL_WORKER_STATS_INFO_INIT;
	if (w && wvl_worker_stats(&st, w) != 0)
		memset(&st, 0, sizeof(st));
	app_prom_family(f, "wl_worker_jobs_running", "gauge", "Jobs whose handler runs now.");
	fprintf(f, "wl_worker_jobs_running %u\n", st.running);
	app_prom_family(f, "wl_worker_jobs_prefetched", "gauge", "Jobs claimed ahead, not started yet.");
	fprintf(f, "wl_worker_jobs_prefetched %u\n", st.queued);
	app_prom_family(f, "wl_worker_concurrency", "gauge", "Handler threads (WL_WORKER_CONCURRENCY).");
	fprintf(f, "wl_worker_concurrency %u\n", st.concurrency);
	app_prom_family(f, "wl_worker_rescued_total", "counter",
			"Stale jobs of dead workers this worker put back in the queue.");
	fprintf(f, "wl_worker_rescued_total %llu\n", (unsigned long long)st.rescued);
	app_prom_family(f, "wl_worker_scheduler_leader", "gauge",
			"1 while this worker holds the cron scheduler's leadership.");
	fprintf(f, "wl_worker_scheduler_leader %d\n", st.leading ? 1 : 0);
	app_prom_family(f, "wl_worker_up", "gauge", "1 once the worker runs jobs (0 while it waits for PostgreSQL or drains).");
	fprintf(f, "wl_worker_up %d\n", w && strcmp(phase, "running") == 0 ? 1 : 0);
}

static void durations(FILE *f)
{
	app_prom_family(f, "wl_worker_job_duration_seconds", "histogram",
			"Handler run time by job kind (completed or failed attempts).");
	for (size_t i = 0; i < ntimings; i++) {
		for (size_t b = 0; b < NBUCKETS; b++) {
			fputs("wl_worker_job_duration_seconds_bucket{kind=\"", f);
			app_prom_label(f, timings[i].kind);
			fprintf(f, "\",le=\"%g\"} %llu\n", buckets[b],
				(unsigned long long)timings[i].bucket[b]);
		}
		fputs("wl_worker_job_duration_seconds_bucket{kind=\"", f);
		app_prom_label(f, timings[i].kind);
		fprintf(f, "\",le=\"+Inf\"} %llu\n", (unsigned long long)timings[i].count);
		fputs("wl_worker_job_duration_seconds_sum{kind=\"", f);
		app_prom_label(f, timings[i].kind);
		fprintf(f, "\"} %.6f\n", timings[i].sum);
		fputs("wl_worker_job_duration_seconds_count{kind=\"", f);
		app_prom_label(f, timings[i].kind);
		fprintf(f, "\"} %llu\n", (unsigned long long)timings[i].count);
	}
	app_prom_family(f, "wl_worker_job_durations_dropped_total", "counter",
			"Handler runs not timed because the kind table was full.");
	fprintf(f, "wl_worker_job_durations_dropped_total %llu\n", (unsigned long long)untimed);
}

/* Jobs not finished by queue and state, every worker's (PostgreSQL). */
static void depth(FILE *f)
{
	char *text = NULL;
	int rc = wvl_jobs_depth(&text, ctx_);
	json_t *doc = rc == 0 ? json_loads(text, 0, NULL) : NULL;
	wvl_free(text);
	wvl_error_clear();
	app_prom_family(f, "wl_jobs_queue_depth", "gauge",
			"Jobs not finished, by queue and state (every worker's).");
	const char *queue, *state;
	json_t *states, *n;
	json_object_foreach(doc, queue, states) {
		json_object_foreach(states, state, n) {
			fputs("wl_jobs_queue_depth{queue=\"", f);
			app_prom_label(f, queue);
			fputs("\",state=\"", f);
			app_prom_label(f, state);
			fprintf(f, "\"} %lld\n", (long long)json_integer_value(n));
		}
	}
	app_prom_family(f, "wl_jobs_queue_depth_up", "gauge",
			"1 when the queue depth above was read, 0 when PostgreSQL did not answer.");
	fprintf(f, "wl_jobs_queue_depth_up %d\n", json_is_object(doc) ? 1 : 0);
	json_decref(doc);
}

static char *render_metrics(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	app_prom_build_info(f, "wl-worker");
	pthread_mutex_lock(&lock);
	job_counts(f, worker);
	runtime(f, worker);
	durations(f);
	pthread_mutex_unlock(&lock);
	depth(f);
	app_prom_pools(f, ctx_);
	app_prom_process(f);
	fclose(f);
	return buf;
}

/* ---- /health ------------------------------------------------------------ */

static json_t *service(const char *name, bool *ok)
{
	const char *st = "down";
	double ms = -1;
	if (wvl_health_probe(&st, &ms, ctx_, name) != 0)
		wvl_error_clear();
	*ok = strcmp(st, "down") != 0;
	return json_pack("{ss,so}", "status", st, "latency", ms >= 0 ? json_real(ms) : json_null());
}

static char *render_health(unsigned *status)
{
	bool db = false, redis = false;
	json_t *services = json_object();
	json_object_set_new(services, "database", service("database", &db));
	json_object_set_new(services, "redis", service("redis", &redis));
	pthread_mutex_lock(&lock);
	const char *worker_phase = phase;
	pthread_mutex_unlock(&lock);
	json_t *doc = json_pack("{ss,ss,ss,so}", "status", !db ? "down" : redis ? "ok" : "degraded",
				"version", wvl_version(), "worker", worker_phase, "services",
				services);
	*status = db ? 200 : 503;
	char *out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return out;
}

/* ---- the listener ------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len, const char *extra_name, const char *extra)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (extra_name)
		MHD_add_response_header(r, extra_name, extra);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result problem(struct MHD_Connection *conn, unsigned status, const char *title,
			       const char *extra_name, const char *extra)
{
	char *body = NULL;
	if (asprintf(&body, "{\"status\":%u,\"title\":\"%s\"}", status, title) < 0)
		return MHD_NO;
	return reply(conn, status, "application/problem+json", body, strlen(body), extra_name,
		     extra);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **state)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	if (!*state) { /* the headers: answer once the (empty) body is in */
		*state = conn;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is read and ignored */
		return MHD_YES;
	}
	bool health = strcmp(url, "/health") == 0, metrics = strcmp(url, "/metrics") == 0;
	if (!health && !metrics)
		return problem(conn, 404, "Not Found", NULL, NULL);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return problem(conn, 405, "Method Not Allowed", "Allow", "GET, HEAD");
	if (health) {
		unsigned status = 200;
		char *body = render_health(&status);
		if (!body)
			return problem(conn, 500, "Internal Server Error", NULL, NULL);
		return reply(conn, status, "application/json; charset=utf-8", body, strlen(body),
			     NULL, NULL);
	}
	char ip[64];
	app_peer_ip(conn, ip, sizeof(ip));
	bool forwarded =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For") ||
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Forwarded");
	int rc = wvl_health_operator_access(
		ctx_, ip, forwarded, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
	wvl_error_clear();
	if (rc == WVL_EUNAUTHENTICATED)
		return problem(conn, 401, "Unauthorized", "WWW-Authenticate", "Bearer realm=\"metrics\"");
	if (rc != 0)
		return problem(conn, 403, "Forbidden", NULL, NULL);
	size_t len = 0;
	char *text = render_metrics(&len);
	if (!text)
		return problem(conn, 500, "Internal Server Error", NULL, NULL);
	return reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL, NULL);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	app_log_json(WVL_LOG_WARN, NULL, msg, "\"source\":\"libmicrohttpd\"");
}

int status_start(wvl_ctx *ctx, const char *listen)
{
	ctx_ = ctx;
	if (!listen || !*listen)
		return 0;
	int family = AF_INET;
	int fd = app_listen(listen, "WL_WORKER_LISTEN", false, &family);
	if (fd < 0)
		return -1;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				   MHD_OPTION_LISTEN_SOCKET, fd,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				   MHD_OPTION_END);
	if (!daemon_) {
		close(fd);
		app_log_json(WVL_LOG_ERROR, NULL, "cannot start the status listener",
			     "\"key\":\"WL_WORKER_LISTEN\"");
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	char extra[64];
	snprintf(extra, sizeof(extra), "\"port\":%u", di ? di->port : 0);
	app_log_json(WVL_LOG_INFO, NULL, "status listening (/health, /metrics)", extra);
	return 0;
}

void status_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	status_set_worker(NULL, "stopped");
}
