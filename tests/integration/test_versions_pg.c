/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The boundary of soname 3: every struct that crosses it carries a version.
 * A program's struct of a version the library does not know (0: zeroed,
 * never initialised; 2: from a newer header) is refused with WVL_EINVAL
 * naming it, before anything else is looked at (every public call that
 * takes an actor starts with WVL_ACTOR_GUARD), and the library writes
 * nothing into it; what the library
 * fills carries its own version; claimed jobs come as pointers. */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(versions, .init = setup, .fini = teardown, .timeout = 120);

#define ADMIN_EMAIL "owner@example.test"
#define ADMIN_PW "A long enough Passphrase 42"

/* The call failed with WVL_EINVAL and a message naming `type`. */
static void expect_refused(int rc, const char *type, const char *what)
{
	cr_expect_eq(rc, WVL_EINVAL, "%s: %d (%s)", what, rc, wvl_error_last()->message);
	cr_expect(strstr(wvl_error_last()->message, type) != NULL, "%s: %s", what,
		  wvl_error_last()->message);
}

typedef int (*list_fn)(char **, wvl_ctx *, const wvl_actor *, const char *, const wvl_query *);

static const struct {
	const char *name;
	list_fn fn;
} lists[] = {
	{"activity", wvl_activity_list},     {"clients", wvl_clients_list},
	{"deliverables", wvl_deliverables_list}, {"email", wvl_email_list},
	{"files", wvl_files_list},           {"help", wvl_help_list},
	{"invites", wvl_invites_list},       {"jobs", wvl_jobs_list},
	{"notes", wvl_notes_list},           {"notify", wvl_notify_list},
	{"payments", wvl_payments_list},     {"plans", wvl_plans_list},
	{"reports", wvl_reports_list},       {"tickets", wvl_tickets_list},
	{"users", wvl_users_list},           {"automation", wvl_automation_rules_list},
};

Test(versions, an_actor_of_an_unknown_version_is_refused_everywhere)
{
	const unsigned int bad[] = {0, WVL_ACTOR_VERSION + 1};
	for (size_t v = 0; v < 2; v++) {
		wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
		a.version = bad[v];
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
			static char mark[] = "untouched";
			char *out = mark;
			expect_refused(lists[i].fn(&out, ctx, &a, NULL, NULL), "wvl_actor",
				       lists[i].name);
			cr_expect(out == mark, "%s: nothing is written", lists[i].name);
		}
		char *out = NULL;
		expect_refused(wvl_clients_create(&out, ctx, &a, "{\"name\":\"Nope\"}"),
			       "wvl_actor", "clients_create");
		expect_refused(wvl_auth_me(&out, ctx, &a), "wvl_actor", "auth_me");
		char id[37] = "";
		expect_refused(wvl_jobs_enqueue(id, NULL, ctx, &a, "noop", NULL, NULL), "wvl_actor",
			       "jobs_enqueue");
		wvl_export_file f = WVL_EXPORT_FILE_INIT;
		expect_refused(wvl_export_clients(&f, ctx, &a, test_query("format=csv")),
			       "wvl_actor", "export_clients");
		expect_refused(wvl_auth_session_confirm(ctx, &a), "wvl_actor", "session_confirm");
	}
	/* Nothing was written as such an actor. */
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM clients", "0"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM jobs WHERE kind = 'noop'", "0"));
	/* The same calls as a known actor work. */
	wvl_actor admin = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	char *out = NULL;
	cr_expect_eq(wvl_clients_list(&out, ctx, &admin, NULL, NULL), 0, "%s",
		     wvl_error_last()->message);
	free(out);
}

/* A sentinel: what the library must not overwrite. */
#define POISON 0x5a

static bool untouched(const void *p, size_t n, size_t from)
{
	const unsigned char *b = p;
	for (size_t i = from; i < n; i++)
		if (b[i] != POISON)
			return false;
	return true;
}

Test(versions, out_structs_of_an_unknown_version_are_left_alone)
{
	(void)test_admin(ctx, &db, ADMIN_EMAIL, ADMIN_PW);
	wvl_auth_login_request req = WVL_AUTH_LOGIN_REQUEST_INIT;
	req.email = ADMIN_EMAIL;
	req.password = ADMIN_PW;
	req.ip = "192.0.2.10";
	wvl_auth_login_result *res = NULL;
	cr_assert_eq(wvl_auth_login(&res, ctx, &req), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(res->version, WVL_AUTH_LOGIN_RESULT_VERSION, "the library's own version");

	/* wvl_auth_session: the actor's version, then the info's. */
	wvl_actor a;
	memset(&a, POISON, sizeof(a));
	a.version = 0;
	expect_refused(wvl_auth_session(&a, NULL, ctx, res->session_token), "wvl_actor",
		       "session with a zeroed actor");
	cr_expect(untouched(&a, sizeof(a), sizeof(a.version)));
	a.version = 2;
	expect_refused(wvl_auth_session_cached(&a, NULL, ctx, res->session_token), "wvl_actor",
		       "cached session with a newer actor");
	cr_expect(untouched(&a, sizeof(a), sizeof(a.version)));
	expect_refused(wvl_auth_bearer(&a, ctx, "wl_pat_x"), "wvl_actor", "bearer");
	cr_expect(untouched(&a, sizeof(a), sizeof(a.version)));
	a = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info;
	memset(&info, POISON, sizeof(info));
	info.version = 0;
	expect_refused(wvl_auth_session(&a, &info, ctx, res->session_token),
		       "wvl_auth_session_info", "session with a zeroed info");
	cr_expect(untouched(&info, sizeof(info), sizeof(info.version)));
	cr_expect_eq(a.role, WVL_ROLE_ANONYMOUS, "the actor was not filled either");
	cr_expect_eq(wvl_auth_csrf_matches(&info, "anything"), 0);
	/* Known versions: filled, the version kept. */
	info = (wvl_auth_session_info)WVL_AUTH_SESSION_INFO_INIT;
	cr_assert_eq(wvl_auth_session(&a, &info, ctx, res->session_token), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(a.version, WVL_ACTOR_VERSION);
	cr_expect_eq(a.role, WVL_ROLE_ADMIN);
	cr_expect_eq(info.version, WVL_AUTH_SESSION_INFO_VERSION);
	cr_expect_eq(wvl_auth_csrf_matches(&info, res->csrf_token), 1);
	wvl_auth_login_result_free(res);

	wvl_ratelimit_result rl;
	memset(&rl, POISON, sizeof(rl));
	rl.version = 0;
	expect_refused(wvl_ratelimit_check(&rl, ctx, WVL_RATELIMIT_READ, "k"),
		       "wvl_ratelimit_result", "ratelimit");
	cr_expect(untouched(&rl, sizeof(rl), sizeof(rl.version)));

	wvl_pool_stats st;
	memset(&st, POISON, sizeof(st));
	st.version = 0;
	wvl_ctx_pg_stats(ctx, &st);
	wvl_ctx_redis_stats(ctx, &st);
	cr_expect(untouched(&st, sizeof(st), sizeof(st.version)), "a void call leaves it");
	st = (wvl_pool_stats)WVL_POOL_STATS_INIT;
	wvl_ctx_pg_stats(ctx, &st);
	cr_expect_gt(st.size, 0);
	cr_expect_eq(st.version, WVL_POOL_STATS_VERSION);

	wvl_export_file f;
	memset(&f, POISON, sizeof(f));
	f.version = 0;
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	expect_refused(wvl_export_clients(&f, ctx, &sys, test_query("format=csv")),
		       "wvl_export_file", "export");
	cr_expect(untouched(&f, sizeof(f), sizeof(f.version)));
	wvl_export_file_close(&f); /* an unknown version: not its descriptor to close */
	cr_expect(untouched(&f, sizeof(f), sizeof(f.version)));

	wvl_files_meta meta;
	memset(&meta, POISON, sizeof(meta));
	meta.version = 0;
	int fd = 7;
	expect_refused(wvl_files_open_signed(&fd, &meta, ctx, "x", "1", "y"), "wvl_files_meta",
		       "open_signed");
	cr_expect(untouched(&meta, sizeof(meta), sizeof(meta.version)));

	wvl_ai_usage u;
	memset(&u, POISON, sizeof(u));
	u.version = 0;
	wvl_ai_request ai = WVL_AI_REQUEST_INIT;
	char *text = NULL;
	expect_refused(wvl_ai_complete(&text, &u, ctx, &ai), "wvl_ai_usage", "ai_complete");
	cr_expect(untouched(&u, sizeof(u), sizeof(u.version)));
	cr_expect_null(text);

	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, NULL), 0, "%s", wvl_error_last()->message);
	wvl_worker_stats_info ws;
	memset(&ws, POISON, sizeof(ws));
	ws.version = 0;
	expect_refused(wvl_worker_stats(&ws, w), "wvl_worker_stats_info", "worker_stats");
	cr_expect(untouched(&ws, sizeof(ws), sizeof(ws.version)));
	wvl_worker_counts_info wc;
	memset(&wc, POISON, sizeof(wc));
	wc.version = 0;
	expect_refused(wvl_worker_counts(&wc, w, 0), "wvl_worker_counts_info", "worker_counts");
	cr_expect(untouched(&wc, sizeof(wc), sizeof(wc.version)));
	ws = (wvl_worker_stats_info)WVL_WORKER_STATS_INFO_INIT;
	cr_expect_eq(wvl_worker_stats(&ws, w), 0);
	cr_expect_eq(ws.version, WVL_WORKER_STATS_INFO_VERSION);
	wvl_worker_free(w);

	/* The library's own error struct says its version. */
	cr_expect_eq(wvl_error_last()->version, WVL_ERROR_VERSION);
}

Test(versions, claimed_jobs_come_as_pointers_of_the_library_version)
{
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "versions.job", "{}", NULL), 0,
			     "%s", wvl_error_last()->message);
	wvl_job **jobs = NULL;
	size_t n = 0;
	cr_assert_eq(wvl_jobs_claim(&jobs, &n, ctx, 10, NULL), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(jobs[i]->version, WVL_JOB_VERSION);
		cr_expect_str_eq(jobs[i]->kind, "versions.job");
		cr_expect_str_eq(jobs[i]->args_json, "{}");
		for (size_t k = 0; k < i; k++)
			cr_expect_str_neq(jobs[i]->id, jobs[k]->id);
	}
	/* A job of an unknown version is not one the library handed out. */
	wvl_job forged = *jobs[0];
	forged.version = 0;
	const wvl_job *fp = &forged;
	unsigned char ok[3] = {9, 9, 9};
	cr_expect_eq(wvl_jobs_complete(ok, ctx, &fp, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_release(ctx, &forged), WVL_EINVAL);
	/* The array goes to the fenced calls as it is. */
	cr_expect_eq(wvl_jobs_complete(ok, ctx, (const wvl_job *const *)jobs, n), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(ok[0] + ok[1] + ok[2], 3);
	wvl_jobs_free(jobs, n);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM jobs WHERE state = 'completed'", "3"));
}
