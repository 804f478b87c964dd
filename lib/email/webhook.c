/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Provider events (Resend's, signed the Standard Webhooks / Svix way):
 * the signature is HMAC-SHA-256 under the base64 secret after "whsec_",
 * over "<webhook-id>.<webhook-timestamp>.<body>", sent as one or more
 * space-separated "v1,<base64>" (several while a secret rotates).  An
 * event is applied once: its id is recorded in the same transaction, and
 * a replay is refused.  A timestamp more than 5 minutes off is refused,
 * so a captured request stops working soon after.
 *
 * Status only moves forward (queued, sent, delayed, delivered, opened,
 * clicked, bounced, complained), whatever order events arrive in; a hard
 * bounce and a complaint put the address on the suppression list. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "email.h"

#define TOLERANCE_S 300

static int forbidden(const char *why)
{
	return wvl_err__set(WVL_EFORBIDDEN, NULL, "%s", why);
}

static bool printable(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return n > 0 && n <= max;
}

/* Whether one of the "v1,<base64>" entries is the signature of `msg`. */
static bool signature_matches(const unsigned char mac[32], const char *header)
{
	bool ok = false;
	for (const char *p = header; *p && !ok;) {
		size_t n = strcspn(p, " ");
		unsigned char got[64];
		size_t len = 0;
		if (n > 3 && n < 100 && !strncmp(p, "v1,", 3) &&
		    sodium_base642bin(got, sizeof(got), p + 3, n - 3, NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0 && len == 32)
			ok = sodium_memcmp(got, mac, 32) == 0;
		p += n;
		p += strspn(p, " ");
	}
	return ok;
}

static int verify(const wvl_ctx *ctx, const wvl_email_webhook_request *req)
{
	const char *secret = wvl_config_get(ctx->cfg, "WL_WEBHOOK_SECRET");
	if (!secret || strncmp(secret, "whsec_", 6) != 0)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "provider webhooks are not configured (WL_WEBHOOK_SECRET)");
	if (!printable(req->id, 256) || !printable(req->timestamp, 20) ||
	    !req->signature || !req->body)
		return forbidden("the webhook-id, webhook-timestamp and webhook-signature headers are required");
	char *end = NULL;
	long long ts = strtoll(req->timestamp, &end, 10);
	long long now = (long long)(wvl_now(ctx) / 1000000);
	if (*end || ts < now - TOLERANCE_S || ts > now + TOLERANCE_S)
		return forbidden("the webhook's timestamp is more than 5 minutes off");
	unsigned char key[128], mac[32];
	size_t klen = 0;
	if (sodium_base642bin(key, sizeof(key), secret + 6, strlen(secret + 6), NULL, &klen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "WL_WEBHOOK_SECRET is not valid");
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)req->id, strlen(req->id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)req->timestamp,
				      strlen(req->timestamp));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)req->body, req->body_len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(key, sizeof(key));
	return signature_matches(mac, req->signature) ? 0 : forbidden("the signature does not match");
}

/* The status an event type moves an email to, or NULL (recorded only). */
static const char *status_of(const char *type)
{
	static const char *const map[][2] = {
		{"email.sent", "sent"},           {"email.delivered", "delivered"},
		{"email.delivery_delayed", "delayed"}, {"email.opened", "opened"},
		{"email.clicked", "clicked"},     {"email.bounced", "bounced"},
		{"email.complained", "complained"},
	};
	for (size_t i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], type))
			return map[i][1];
	return NULL;
}

#define RANKS \
	"ARRAY['queued','sent','delayed','delivered','opened','clicked','bounced','complained']"

static const char seen_sql[] =
	"INSERT INTO email_webhook_events (id, type, email_log_id, received_at)"
	" VALUES ($1, $2, (SELECT e.id FROM email_log e WHERE e.provider_id = $3 LIMIT 1),"
	"  $4::timestamptz)"
	" ON CONFLICT (id) DO NOTHING RETURNING email_log_id";

static const char status_sql[] =
	"UPDATE email_log e SET status = $2, event_at = $3::timestamptz, updated_at = $3::timestamptz"
	" WHERE e.id = $1::uuid AND array_position(" RANKS ", e.status) < array_position(" RANKS ", $2)";

static const char suppress_sql[] =
	"INSERT INTO email_suppressions (email, reason, detail, created_at)"
	" VALUES (lower(btrim($1)), $2, $3, $4::timestamptz) ON CONFLICT (email) DO NOTHING";

static const char prune_sql[] =
	"DELETE FROM email_webhook_events WHERE received_at < $1::timestamptz - interval '1 day'";

static const char address_sql[] = "SELECT to_address FROM email_log WHERE id = $1::uuid";

struct event {
	const char *id, *type, *provider_id, *now;
	json_t *data;
	char email_id[37]; /* the email it is about, "" when unknown */
};

static bool hard_bounce(json_t *data)
{
	const char *t = json_string_value(json_object_get(json_object_get(data, "bounce"), "type"));
	/* Resend sends email.bounced for permanent rejections; a bounce that
	 * says it is transient keeps the address. */
	return !t || !strcasecmp(t, "permanent") || !strcasecmp(t, "hard");
}

static int exec(wvl_ctx *ctx, PGconn *c, const char *sql, int n, const char *const *p)
{
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* The addresses of the event, or else the email's own. */
static int suppress(wvl_ctx *ctx, PGconn *c, const struct event *e, const char *reason)
{
	json_t *to = json_object_get(e->data, "to");
	size_t i;
	json_t *v;
	int rc = 0, n = 0;
	json_array_foreach(to, i, v) {
		const char *addr = json_string_value(v);
		if (rc || !addr)
			continue;
		const char *p[] = {addr, reason, e->type, e->now};
		rc = exec(ctx, c, suppress_sql, 4, p);
		n++;
	}
	if (rc || n || !e->email_id[0])
		return rc;
	const char *ip[] = {e->email_id};
	PGresult *r = wvl_pg__exec(ctx, c, address_sql, 1, ip);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) == 1) {
		const char *p[] = {PQgetvalue(r, 0, 0), reason, e->type, e->now};
		rc = exec(ctx, c, suppress_sql, 4, p);
	}
	PQclear(r);
	return rc;
}

static int apply_tx(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	struct event *e = arg;
	const char *p[] = {e->id, e->type, e->provider_id, e->now};
	PGresult *r = wvl_pg__exec(ctx, c, seen_sql, 4, p);
	if (!r)
		return wvl_error_last()->code;
	bool fresh = PQntuples(r) == 1;
	if (fresh && !PQgetisnull(r, 0, 0))
		snprintf(e->email_id, sizeof(e->email_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!fresh)
		return wvl_err__set(WVL_ECONFLICT, NULL, "this event was already received");
	const char *status = status_of(e->type);
	int rc = 0;
	if (status && e->email_id[0]) {
		const char *sp[] = {e->email_id, status, e->now};
		rc = exec(ctx, c, status_sql, 3, sp);
	}
	bool bounced = status && !strcmp(status, "bounced") && hard_bounce(e->data);
	if (!rc && (bounced || (status && !strcmp(status, "complained"))))
		rc = suppress(ctx, c, e, bounced ? "bounce" : "complaint");
	const char *pp[] = {e->now};
	if (!rc)
		rc = exec(ctx, c, prune_sql, 1, pp);
	if (!rc)
		*out = wvl_str__printf("{\"status\":\"%s\",\"email_id\":%s%s%s}",
				       status && e->email_id[0] ? "applied" : "recorded",
				       e->email_id[0] ? "\"" : "", e->email_id[0] ? e->email_id : "null",
				       e->email_id[0] ? "\"" : "");
	return rc;
}

int wvl_email_webhook(char **out_json, wvl_ctx *ctx, const wvl_email_webhook_request *req)
{
	if (!out_json || !ctx || !req)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and req are required");
	*out_json = NULL;
	if (req->version != WVL_EMAIL_WEBHOOK_REQUEST_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_email_webhook_request version");
	int rc = verify(ctx, req);
	if (rc)
		return rc;
	json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
	const char *type = json_string_value(json_object_get(doc, "type"));
	json_t *data = json_object_get(doc, "data");
	if (!type || !json_is_object(data)) {
		json_decref(doc);
		return wvl_err__set(WVL_EINVAL, NULL, "the event has no type or data");
	}
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	struct event e = {req->id, type, json_string_value(json_object_get(data, "email_id")), now,
			  data, ""};
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	rc = wvl_pg__in_tx(out_json, ctx, &sys, apply_tx, &e);
	json_decref(doc);
	return rc;
}
