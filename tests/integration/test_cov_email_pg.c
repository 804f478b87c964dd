/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Provider webhooks (wvl_email_webhook) on hostile headers and events:
 * ids and timestamps that are not printable or numbers, signature lists
 * with malformed entries, events without a type or data, event types that
 * move no status, and complaints and bounces whose recipients are not all
 * strings or whose bounce says nothing of its kind. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "testenv.h"
#include "testmail.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define EMAIL "eeeeeeee-0000-4000-8000-00000000000e"

static test_db db;
static wvl_ctx *ctx;

static void setup(void)
{
	test_db_create(&db);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_WEBHOOK_SECRET", SECRET), 0);
	ctx = test_ctx_from(cfg);
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO email_log (id, to_address, template, status, provider_id,"
			      " idempotency_key) VALUES ('" EMAIL "', 'owner@example.com', 'welcome',"
			      " 'sent', 'prov-9', 'k-9')"),
		     0);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_email, .init = setup, .fini = teardown, .timeout = 120);

struct hook {
	char id[400], ts[40], sig[600];
	const char *body;
};

/* The provider's signature of `body` under event id `id` at time `ts`. */
static void sign(struct hook *h, const char *id, const char *ts, const char *body)
{
	snprintf(h->id, sizeof(h->id), "%s", id);
	snprintf(h->ts, sizeof(h->ts), "%s", ts);
	h->body = body;
	test_webhook_sign(h->sig, sizeof(h->sig), &SECRET[6], id, ts, body);
}

static int deliver(const struct hook *h, char **out)
{
	wvl_email_webhook_request r = WVL_EMAIL_WEBHOOK_REQUEST_INIT;
	r.body = h->body;
	r.body_len = strlen(h->body);
	r.id = h->id;
	r.timestamp = h->ts;
	r.signature = h->sig;
	*out = NULL;
	return wvl_email_webhook(out, ctx, &r);
}

static const char *now_ts(void)
{
	static char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(wvl_now(ctx) / 1000000));
	return ts;
}

static const char body[] = "{\"type\":\"email.delivered\",\"data\":{\"email_id\":\"prov-9\"}}";

Test(cov_email, headers_that_are_not_what_the_provider_sends_are_refused)
{
	struct hook h;
	char *out = NULL;
	char long_id[300];
	memset(long_id, 'm', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	const char *const ids[] = {"msg 1", "msg\t1", "msg\x7f", "", long_id};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		sign(&h, ids[i], now_ts(), body);
		cr_expect_eq(deliver(&h, &out), WVL_EFORBIDDEN, "id %zu", i);
		cr_expect(strstr(wvl_error_last()->message, "headers are required") != NULL, "%s",
			  wvl_error_last()->message);
	}
	char ts[40];
	snprintf(ts, sizeof(ts), "%s5x", now_ts());
	sign(&h, "msg_ts", ts, body);
	cr_expect_eq(deliver(&h, &out), WVL_EFORBIDDEN, "a timestamp that is not a number");
	cr_expect(strstr(wvl_error_last()->message, "more than 5 minutes off") != NULL);
	sign(&h, "msg_ts2", "123456789012345678901", body);
	cr_expect_eq(deliver(&h, &out), WVL_EFORBIDDEN, "over 20 characters");

	/* Signature lists: entries too short, too long, of another version,
	 * or not base64 never match; the right one among them does. */
	sign(&h, "msg_sig", now_ts(), body);
	char good[64]; /* "v1," and 44 characters of base64 */
	snprintf(good, sizeof(good), "%.60s", h.sig);
	char pad[160];
	memset(pad, 'A', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = 0;
	snprintf(h.sig, sizeof(h.sig), "v1, v1,%s v2,%.60s v1,!!!!", pad, good + 3);
	cr_expect_eq(deliver(&h, &out), WVL_EFORBIDDEN, "%s", h.sig);
	cr_expect(strstr(wvl_error_last()->message, "the signature does not match") != NULL);
	snprintf(h.sig, sizeof(h.sig), "  v1,%s v2,%.60s   %.60s", pad, good + 3, good);
	cr_expect_eq(deliver(&h, &out), 0, "%s", wvl_error_last()->message);
	wvl_free(out);
	cr_expect(test_sys_is(&db, "SELECT status FROM email_log WHERE id = '" EMAIL "'",
			      "delivered"));
	cr_expect_eq(wvl_email_webhook(NULL, ctx, NULL), WVL_EINVAL);
}

static int post(const char *id, const char *event, char **out)
{
	struct hook h;
	sign(&h, id, now_ts(), event);
	return deliver(&h, out);
}

Test(cov_email, events_move_status_only_as_their_type_says)
{
	char *out = NULL;
	cr_expect_eq(post("e1", "{\"data\":{}}", &out), WVL_EINVAL, "no type");
	cr_expect_eq(post("e2", "{\"type\":\"email.sent\",\"data\":[]}", &out), WVL_EINVAL,
		     "data is no object");
	cr_expect_eq(post("e3", "{\"type\":\"email.sent\",\"type\":\"x\",\"data\":{}}", &out),
		     WVL_EINVAL, "duplicate keys");
	/* A type that moves no status is recorded against the email. */
	cr_assert_eq(post("e4", "{\"type\":\"email.scheduled\",\"data\":{\"email_id\":\"prov-9\"}}",
			  &out),
		     0, "%s", wvl_error_last()->message);
	cr_expect(strstr(out, "\"status\":\"recorded\"") && strstr(out, EMAIL), "%s", out);
	wvl_free(out);
	cr_expect(test_sys_is(&db, "SELECT status FROM email_log WHERE id = '" EMAIL "'", "sent"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM email_webhook_events WHERE id = 'e4'"
				   " AND email_log_id = '" EMAIL "'",
			      "1"));
	/* Each forward status in turn. */
	static const char *const types[] = {"delayed", "opened", "clicked"};
	for (size_t i = 0; i < 3; i++) {
		char ev[200], id[8];
		snprintf(ev, sizeof(ev),
			 "{\"type\":\"email.%s\",\"data\":{\"email_id\":\"prov-9\"}}",
			 i == 0 ? "delivery_delayed" : types[i]);
		snprintf(id, sizeof(id), "s%zu", i);
		cr_assert_eq(post(id, ev, &out), 0);
		wvl_free(out);
		char q[120];
		snprintf(q, sizeof(q), "SELECT status FROM email_log WHERE id = '%s'", EMAIL);
		cr_expect(test_sys_is(&db, q, types[i]), "after %s", types[i]);
	}
	/* A complaint names its recipients; a non-string among them is
	 * passed over. */
	cr_assert_eq(post("c1", "{\"type\":\"email.complained\",\"data\":{\"email_id\":\"prov-9\","
				"\"to\":[7,null,\"Loud@Example.com \"]}}",
			  &out),
		     0, "%s", wvl_error_last()->message);
	wvl_free(out);
	cr_expect(test_sys_is(&db, "SELECT string_agg(email || ':' || reason || ':' || detail, ',')"
				   " FROM email_suppressions",
			      "loud@example.com:complaint:email.complained"));
	/* A bounce that says nothing of its kind is taken as permanent, and
	 * an event of mail we never sent suppresses only what it names. */
	cr_assert_eq(post("b1", "{\"type\":\"email.bounced\",\"data\":{\"email_id\":\"unknown\","
				"\"to\":[\"gone@example.com\"]}}",
			  &out),
		     0);
	cr_expect(strstr(out, "\"email_id\":null") != NULL, "%s", out);
	wvl_free(out);
	cr_assert_eq(post("b2", "{\"type\":\"email.bounced\",\"data\":{\"email_id\":\"unknown\","
				"\"bounce\":{\"type\":\"hard\"}}}",
			  &out),
		     0);
	wvl_free(out);
	cr_expect(test_sys_is(&db, "SELECT string_agg(email || ':' || reason, ',' ORDER BY email)"
				   " FROM email_suppressions",
			      "gone@example.com:bounce,loud@example.com:complaint"));
}
