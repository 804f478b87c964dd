/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Regressions of the outside review (issue "Hardening"): what a client
 * user sees of its trail, the storage quota per client. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testenv.h"

#define CLIENT_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define USER_A "aaaaaaaa-0000-4000-8000-0000000000a1"
#define STAFF_ID "ffffffff-0000-4000-8000-0000000000f1"

static test_db db;
static wvl_ctx *ctx;
static char storage[512];
static const wvl_actor staff = {.version = WVL_ACTOR_VERSION,
				.role = WVL_ROLE_STAFF, .user_id = STAFF_ID};
static const wvl_actor client_a = {.version = WVL_ACTOR_VERSION,
				   .role = WVL_ROLE_CLIENT, .user_id = USER_A,
				   .client_id = CLIENT_A};

static void setup(void)
{
	test_db_create(&db);
	test_mkdtemp(storage, sizeof(storage), "hardening");
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO clients (id, name) VALUES ('" CLIENT_A "', 'A');"
			      "INSERT INTO users (id, email, role, client_id) VALUES"
			      " ('" STAFF_ID "', 'staff@example.test', 'staff', NULL),"
			      " ('" USER_A "', 'a@example.test', 'client', '" CLIENT_A "')"),
		     0);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", storage), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_QUOTA_BYTES", "100"), 0);
	ctx = test_ctx_from(cfg);
}

static void teardown(void)
{
	test_env_close(&db, &ctx);
	if (test_rm_rf(storage) != 0)
		fprintf(stderr, "could not remove %s\n", storage);
}

TestSuite(hardening, .init = setup, .fini = teardown, .timeout = 120);

/* Client users never see automation switched off and on: neither through
 * the library nor, with a forgotten predicate, through row-level security. */
Test(hardening, clients_never_see_automation_changes)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_pause(&out, ctx, &staff, CLIENT_A), 0);
	free(out);
	cr_assert_eq(wvl_clients_resume(&out, ctx, &staff, CLIENT_A), 0);
	free(out);
	cr_assert_eq(wvl_activity_list(&out, ctx, &staff, CLIENT_A, NULL), 0);
	cr_expect_not_null(strstr(out, "automation_paused"), "the team sees it: %s", out);
	free(out);
	cr_assert_eq(wvl_activity_list(&out, ctx, &client_a, CLIENT_A, NULL), 0);
	cr_expect_null(strstr(out, "automation_"), "%s", out);
	free(out);
	/* The second wall: as the client user, with no predicate at all. */
	char *n = test_sql_value(db.app_url,
				 "BEGIN; SELECT set_config('wvl.actor_role', 'client', true),"
				 " set_config('wvl.actor_client_id', '" CLIENT_A "', true);"
				 " SELECT count(*) FROM activities WHERE action LIKE 'automation%'");
	cr_expect_str_eq(n ? n : "(null)", "0");
	free(n);
}

static int upload(char **json, const char *name, const char *data)
{
	wvl_files_upload *up = NULL;
	*json = NULL;
	int rc = wvl_files_upload_begin(&up, ctx, &client_a, CLIENT_A, name,
					(int64_t)strlen(data), NULL);
	if (rc == 0 && (rc = wvl_files_upload_write(up, data, strlen(data))) != 0)
		wvl_files_upload_abort(up);
	return rc ? rc : wvl_files_upload_finish(json, up);
}

static long long used_bytes(void)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_get(&out, ctx, &client_a, CLIENT_A), 0);
	char *v = test_json_member(out, "storage_bytes");
	long long n = atoll(v);
	free(v);
	free(out);
	return n;
}

/* A client keeps at most WL_STORAGE_QUOTA_BYTES (100 here); deleting a
 * file makes room again, and the client's record says what it uses. */
Test(hardening, uploads_stop_at_the_clients_quota)
{
	char line[61];
	memset(line, 'x', 60);
	line[60] = '\0';
	char *first = NULL, *json = NULL;
	cr_assert_eq(upload(&first, "one.txt", line), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(used_bytes(), 60);
	cr_expect_eq(upload(&json, "two.txt", line), WVL_ETOOLARGE);
	cr_expect_str_eq(wvl_error_last()->slug, "storage_quota_exceeded");
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 413);
	cr_expect_null(json);
	cr_expect_eq(used_bytes(), 60, "the refused upload counts nothing");
	char *id = test_json_member(first, "id");
	cr_assert_eq(wvl_files_delete(ctx, &staff, id), 0);
	cr_expect_eq(used_bytes(), 0);
	cr_assert_eq(upload(&json, "two.txt", line), 0, "room again: %s", wvl_error_last()->message);
	free(json);
	free(id);
	free(first);
}

/* WL_STORAGE_QUOTA_BYTES=0 is no quota: nothing is refused for the sum,
 * and the client's record still counts what it keeps. */
Test(hardening, a_quota_of_zero_is_no_quota)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", storage), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_QUOTA_BYTES", "0"), 0);
	wvl_ctx *unlimited = test_ctx_from(cfg);
	char line[61];
	memset(line, 'y', 60);
	line[60] = '\0';
	for (int i = 0; i < 3; i++) {
		wvl_files_upload *up = NULL;
		char *json = NULL;
		cr_assert_eq(wvl_files_upload_begin(&up, unlimited, &client_a, CLIENT_A, "y.txt", 60,
						    NULL),
			     0);
		cr_assert_eq(wvl_files_upload_write(up, line, 60), 0);
		cr_expect_eq(wvl_files_upload_finish(&json, up), 0, "upload %d: %s", i + 1,
			     wvl_error_last()->message);
		free(json);
	}
	cr_expect_eq(used_bytes(), 180);
	/* The same bytes against the 100-byte quota: refused. */
	char *json = NULL;
	cr_expect_eq(upload(&json, "z.txt", line), WVL_ETOOLARGE);
	wvl_ctx_free(unlimited);
}
