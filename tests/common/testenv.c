/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "testenv.h"

const char *testenv(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		cr_assert_fail("%s is not set: run the tests through scripts/test", name);
	return v;
}

static void url_for(char *out, size_t len, const char *user, const char *pw, const char *db)
{
	snprintf(out, len, "postgresql://%s:%s@127.0.0.1:%s/%s", user, pw,
		 testenv("WL_TEST_PG_PORT"), db);
}

int test_sql(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_sql connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PGresult *r = PQexec(c, sql);
	int st = PQresultStatus(r);
	int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : -1;
	if (rc)
		fprintf(stderr, "test_sql: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

char *test_sql_value(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	char *v = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
			v = strdup(PQgetvalue(r, 0, 0));
		else if (PQresultStatus(r) != PGRES_TUPLES_OK)
			fprintf(stderr, "test_sql_value: %s", PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return v;
}

char *test_sys_value(const test_db *db, const char *sql)
{
	static const char prefix[] = "SET wvl.actor_role = 'system'; ";
	size_t n = strlen(sql);
	char *full = malloc(sizeof(prefix) + n);
	cr_assert_not_null(full);
	memcpy(full, prefix, sizeof(prefix) - 1);
	memcpy(full + sizeof(prefix) - 1, sql, n + 1);
	char *v = test_sql_value(db->owner_url, full);
	free(full);
	return v;
}

char *test_sys_valuef(const test_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = NULL;
	int n = vasprintf(&sql, fmt, ap);
	va_end(ap);
	cr_assert_geq(n, 0, "out of memory");
	char *v = test_sys_value(db, sql);
	free(sql);
	return v;
}

void test_sys_ok(const test_db *db, const char *sql)
{
	char *full = NULL;
	cr_assert_geq(asprintf(&full, "SET wvl.actor_role = 'system'; %s", sql), 0);
	cr_assert_eq(test_sql(db->owner_url, full), 0, "%s", sql);
	free(full);
}

int test_sys_int(const test_db *db, const char *sql)
{
	char *v = test_sys_value(db, sql);
	cr_assert_not_null(v, "%s", sql);
	int n = atoi(v);
	free(v);
	return n;
}

bool test_sys_is(const test_db *db, const char *sql, const char *want)
{
	char *v = test_sys_value(db, sql);
	bool ok = v && strcmp(v, want) == 0;
	free(v);
	return ok;
}

bool test_sys_wait(const test_db *db, const char *sql, const char *want, int seconds)
{
	for (int i = 0; i < seconds * 50; i++) {
		if (test_sys_is(db, sql, want))
			return true;
		usleep(20000);
	}
	return false;
}

bool test_pg_terminate(const test_db *db, const char *pid)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%s)", pid);
	cr_assert_eq(test_sql(db->app_url, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", pid);
	for (int i = 0; i < 500; i++) {
		char *n = test_sql_value(db->app_url, sql);
		bool gone = n && !strcmp(n, "0");
		free(n);
		if (gone)
			return true;
		usleep(2000);
	}
	return false;
}

static void create_from(test_db *db, const char *template)
{
	unsigned char raw[6];
	cr_assert_eq(getrandom(raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
	snprintf(db->name, sizeof(db->name), "t_%02x%02x%02x%02x%02x%02x_%d", raw[0], raw[1],
		 raw[2], raw[3], raw[4], raw[5], (int)getpid());
	const char *opw = testenv("WL_TEST_PG_OWNER_PASSWORD");
	char admin[512], sql[256];
	url_for(admin, sizeof(admin), "wavelaunch_owner", opw, "postgres");
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", db->name, template);
	int rc = -1;
	for (int i = 0; i < 20 && rc != 0; i++) {
		rc = test_sql(admin, sql);
		if (rc)
			usleep(100000); /* the template is briefly busy while another clone starts */
	}
	cr_assert_eq(rc, 0, "cannot create test database %s", db->name);
	url_for(db->owner_url, sizeof(db->owner_url), "wavelaunch_owner", opw, db->name);
	url_for(db->app_url, sizeof(db->app_url), "wavelaunch_app",
		testenv("WL_TEST_PG_APP_PASSWORD"), db->name);
}

void test_db_create(test_db *db) { create_from(db, "wl_template"); }

void test_db_create_empty(test_db *db) { create_from(db, "template0"); }

void test_db_drop(test_db *db)
{
	if (!db->name[0])
		return;
	char admin[512], sql[256];
	url_for(admin, sizeof(admin), "wavelaunch_owner", testenv("WL_TEST_PG_OWNER_PASSWORD"),
		"postgres");
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
	(void)test_sql(admin, sql);
	db->name[0] = '\0';
}

wvl_config *test_config(const test_db *db)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	char redis[128];
	snprintf(redis, sizeof(redis), "redis://127.0.0.1:%s/0", testenv("WL_TEST_REDIS_PORT"));
	/* Without a database: a well-formed URL nothing listens on (contexts
	 * connect lazily; the Redis-only tests never reach it). */
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    db ? db->app_url : "postgresql://wavelaunch_app@127.0.0.1:1/unused"),
		     0);
	cr_assert_eq(wvl_config_set(cfg, "WL_MIGRATE_DATABASE_URL", db ? db->owner_url : ""), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", redis), 0);
	/* Each test's rate-limit counters apart from every other's. */
	char prefix[80];
	snprintf(prefix, sizeof(prefix), "t:%s:", db ? db->name : "none");
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_PREFIX", prefix), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY", TEST_SECRET_KEY), 0);
	/* Fast hashing keeps the suite quick; production parameters are
	 * checked by their own test. */
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_MEMORY_KIB", "8192"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_ITERATIONS", "1"), 0);
	/* Mail a worker sends lands in the test's own mailbox. */
	char mailbox[512];
	snprintf(mailbox, sizeof(mailbox), "%s/mailbox-%s", testenv("WL_TEST_STATE"),
		 db ? db->name : "none");
	cr_assert_eq(wvl_config_set(cfg, "WL_MAILBOX_DIR", mailbox), 0);
	return cfg;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_buf;
static size_t log_len;

static void capture(wvl_log_level level, const char *rid, const char *msg, void *payload)
{
	(void)level;
	(void)rid;
	(void)payload;
	pthread_mutex_lock(&log_lock);
	size_t n = strlen(msg);
	char *b = realloc(log_buf, log_len + n + 2);
	if (b) {
		log_buf = b;
		memcpy(log_buf + log_len, msg, n);
		log_len += n;
		log_buf[log_len++] = '\n';
		log_buf[log_len] = '\0';
	}
	pthread_mutex_unlock(&log_lock);
}

bool test_log_contains(const char *needle)
{
	pthread_mutex_lock(&log_lock);
	bool found = log_buf && strstr(log_buf, needle);
	pthread_mutex_unlock(&log_lock);
	return found;
}

void test_log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	pthread_mutex_unlock(&log_lock);
}

wvl_ctx *test_ctx(const test_db *db)
{
	return test_ctx_from(test_config(db));
}

wvl_ctx *test_ctx_from(wvl_config *cfg)
{
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = capture;
	opts.log_level = WVL_LOG_DEBUG;
	opts.pool_wait_ms = 2000;
	wvl_ctx *ctx = NULL;
	int rc = wvl_ctx_new(&ctx, cfg, &opts);
	wvl_config_free(cfg);
	cr_assert_eq(rc, 0, "wvl_ctx_new: %s", wvl_error_last()->message);
	return ctx;
}

void test_env_open(test_db *db, wvl_ctx **ctx, int64_t clock_us)
{
	test_db_create(db);
	*ctx = test_ctx(db);
	if (clock_us != TEST_REAL_CLOCK)
		test_clock_install(*ctx, clock_us);
}

void test_env_close(test_db *db, wvl_ctx **ctx)
{
	wvl_ctx_free(*ctx);
	*ctx = NULL;
	test_db_drop(db);
}

wvl_actor test_actor(wvl_role role, const char *user_id, const char *client_id)
{
	wvl_actor a = WVL_ACTOR_INIT(role);
	snprintf(a.user_id, sizeof(a.user_id), "%s", user_id ? user_id : "");
	snprintf(a.client_id, sizeof(a.client_id), "%s", client_id ? client_id : "");
	return a;
}

void test_team(wvl_actor *admin, wvl_actor *staff, const test_db *db)
{
	*admin = test_actor(WVL_ROLE_ADMIN, "11111111-1111-4111-8111-111111111111", NULL);
	*staff = test_actor(WVL_ROLE_STAFF, "22222222-2222-4222-8222-222222222222", NULL);
	cr_assert_eq(test_sql(db->owner_url,
			      "INSERT INTO users (id, email, name, role) VALUES"
			      " ('11111111-1111-4111-8111-111111111111','ad@example.com','Ad','admin'),"
			      " ('22222222-2222-4222-8222-222222222222','st@example.com','St','staff')"),
		     0);
}

wvl_actor test_admin(wvl_ctx *ctx, const test_db *db, const char *email, const char *password)
{
	int created = 0;
	char *generated = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &generated, ctx, email, password), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(generated);
	char sql[320];
	snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE email = lower('%s')", email);
	char *id = test_sys_value(db, sql);
	cr_assert_not_null(id, "no user %s", email);
	wvl_actor a = test_actor(WVL_ROLE_ADMIN, id, NULL);
	free(id);
	return a;
}

wvl_job **test_jobs_claim_kind(size_t *n, wvl_ctx *ctx, const char *kind, size_t limit)
{
	const char *kinds[] = {kind};
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.kinds = kinds;
	co.nkinds = 1;
	wvl_job **jobs = NULL;
	*n = 0;
	cr_assert_eq(wvl_jobs_claim(&jobs, n, ctx, limit, &co), 0, "claim %s: %s", kind,
		     wvl_error_last()->message);
	return jobs;
}

void test_proc_env_init(test_proc_env *e, const test_db *db)
{
	e->n = 0;
	snprintf(e->redis, sizeof(e->redis), "WL_REDIS_URL=redis://127.0.0.1:%s/0",
		 testenv("WL_TEST_REDIS_PORT"));
	snprintf(e->database, sizeof(e->database), "WL_DATABASE_URL=%s", db->app_url);
	snprintf(e->migrate, sizeof(e->migrate), "WL_MIGRATE_DATABASE_URL=%s", db->owner_url);
	test_proc_env_add(e, e->redis);
	test_proc_env_add(e, e->database);
	test_proc_env_add(e, e->migrate);
	test_proc_env_add(e, "WL_SECRET_KEY=" TEST_SECRET_KEY);
	test_proc_env_add(e, "WL_ENV_FILE=/nonexistent");
	test_proc_env_add(e, "ASAN_OPTIONS=detect_leaks=1");
	/* fontconfig's process-lifetime caches (lib/pdf) are not leaks. */
	snprintf(e->lsan, sizeof(e->lsan), "LSAN_OPTIONS=suppressions=%s/tests/lsan.supp",
		 testenv("WL_TEST_SOURCE_DIR"));
	test_proc_env_add(e, e->lsan);
}

void test_proc_env_add(test_proc_env *e, const char *kv)
{
	cr_assert_lt(e->n, (int)(sizeof(e->vars) / sizeof(e->vars[0])) - 1, "too many settings");
	e->vars[e->n++] = (char *)kv;
	e->vars[e->n] = NULL;
}

void test_proc_env_add_all(test_proc_env *e, const char *const *kvs)
{
	for (; kvs && *kvs; kvs++)
		test_proc_env_add(e, *kvs);
}

pid_t test_spawn(const char *binary, const char *log_path, const test_proc_env *env)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	char *argv[] = {(char *)binary, NULL};
	pid_t pid = 0;
	int rc = posix_spawn(&pid, binary, &fa, NULL, argv, env->vars);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s", binary);
	return pid;
}

void test_pg_ctl(const char *action)
{
	char cmd[1024];
	const char *prefix = getenv("WL_TEST_PG_AS") ? getenv("WL_TEST_PG_AS") : "";
	snprintf(cmd, sizeof(cmd), "%s %s/pg_ctl -D %s -l %s/server.log -w -t 60 -m fast %s >/dev/null",
		 prefix, testenv("WL_TEST_PG_BIN"), testenv("WL_TEST_PG_DATA"),
		 testenv("WL_TEST_PG_DATA"), action);
	cr_assert_eq(system(cmd), 0, "pg_ctl %s failed", action);
}

char *test_json_member(const char *json, const char *key)
{
	json_t *j = json_loads(json ? json : "", 0, NULL);
	json_t *v = json_object_get(j, key);
	char *out = json_is_string(v) ? strdup(json_string_value(v))
		  : v ? json_dumps(v, JSON_ENCODE_ANY) : strdup("");
	json_decref(j);
	return out;
}

char *test_json_string(const char *json, const char *key)
{
	json_t *j = json_loads(json, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", json);
	json_t *v = json_object_get(j, key);
	char *out = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	json_decref(j);
	return out;
}

void test_mkdtemp(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s-XXXXXX", testenv("WL_TEST_STATE"), name);
	cr_assert_not_null(mkdtemp(out), "mkdtemp %s", out);
}

int test_rm_rf(const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

int test_count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0)
			n += S_ISDIR(sb.st_mode) ? test_count_files(path) : 1;
	}
	closedir(d);
	return n;
}

/* ---- queries ---- */

static wvl_query *queries[256];
static size_t nqueries;

static void free_queries(void)
{
	for (size_t i = 0; i < nqueries; i++)
		wvl_query_free(queries[i]);
	nqueries = 0;
}

static const wvl_query *keep_query(wvl_query *q)
{
	static bool registered;
	if (!registered)
		registered = atexit(free_queries) == 0;
	cr_assert_lt(nqueries, sizeof(queries) / sizeof(queries[0]));
	queries[nqueries++] = q;
	return q;
}

const wvl_query *test_query_json(const char *json)
{
	if (!json)
		return NULL;
	json_t *doc = json_loads(json, 0, NULL);
	cr_assert(json_is_object(doc), "not a JSON object: %s", json);
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_new(&q), 0);
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v) {
		cr_assert(json_is_string(v), "%s: values are strings", json);
		cr_assert_eq(wvl_query_add(q, key, json_string_value(v)), 0, "%s", json);
	}
	json_decref(doc);
	return keep_query(q);
}

const wvl_query *test_query(const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_parse(&q, text), 0, "query %s: %s", text, wvl_error_last()->message);
	return keep_query(q);
}

static void count_job(const wvl_job *job, const char *outcome, int64_t ms, const char *error,
		      void *payload)
{
	(void)job;
	(void)ms;
	(void)error;
	if (strcmp(outcome, "completed") == 0 || strcmp(outcome, "retryable") == 0 ||
	    strcmp(outcome, "failed") == 0)
		__atomic_add_fetch((int *)payload, 1, __ATOMIC_SEQ_CST);
}

/* Jobs the built-in kinds would still run now (by the context's clock). */
static int pending_jobs(const test_db *db, wvl_ctx *ctx)
{
	char now[40], sql[512];
	int64_t t = wvl_now(ctx);
	time_t secs = (time_t)(t / 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role = 'system'; SELECT count(*) FROM jobs"
		 " WHERE (state IN ('available', 'running') OR (state IN ('retryable', 'scheduled')"
		 " AND run_at <= '%s'::timestamptz))", now);
	char *v = test_sql_value(db->owner_url, sql);
	int n = v ? atoi(v) : -1;
	free(v);
	return n;
}

int test_run_jobs(const test_db *db, wvl_ctx *ctx, int seconds)
{
	int finished = 0;
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = 2;
	o.run_scheduler = 0;
	o.grace_s = 10;
	o.queues = "default,email,notifications,automation,files";
	o.worker_id = "test_run_jobs";
	o.on_job = count_job;
	o.on_job_payload = &finished;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, &o), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	cr_assert_eq(wvl_worker_start(w), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0;; round++) {
		int timeout = 0;
		cr_assert_eq(wvl_worker_step(&timeout, w), 0);
		struct pollfd p = {wvl_worker_fd(w), POLLIN, 0};
		poll(&p, 1, timeout < 20 ? timeout : 20);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= seconds || (round % 5 == 4 && pending_jobs(db, ctx) == 0))
			break;
	}
	wvl_worker_stop(w);
	for (int i = 0; i < 1500; i++) {
		int timeout = 0;
		if (wvl_worker_step(&timeout, w) == WVL_WORKER_STOPPED)
			break;
		struct pollfd p = {wvl_worker_fd(w), POLLIN, 0};
		poll(&p, 1, timeout < 20 ? timeout : 20);
	}
	wvl_worker_free(w);
	return __atomic_load_n(&finished, __ATOMIC_SEQ_CST);
}
