/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Login with lockout and device cookies.
 *
 * Lockout counts failures per normalised email in PostgreSQL (so a Redis
 * outage cannot lift a lock) whether or not an account exists.  A browser
 * that once logged in as that user carries a signed device cookie and is
 * counted under its own device id, after OWASP's "slow down online guessing
 * attacks with device cookies": failures from elsewhere cannot lock it out. */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "wavelaunch/ratelimit.h"

#define DEVICE_ID_BYTES 16

struct attempt {
	const wvl_auth_login_request *req;
	char email[256];
	char device_id[40]; /* "" when no valid device cookie */
	char now[40];
	char ip[64];        /* "" when not an address */
	int64_t now_us;
	/* On success, the stored hash is replaced by upgrade_hash (Argon2id
	 * with today's settings) if it is still stored_hash. */
	const char *stored_hash;
	char *upgrade_hash;
};

/* The dummy hash verified for unknown emails, so they cost the same time
 * as wrong passwords.  Made once per context with its Argon2id settings. */
static const char *dummy_hash(wvl_ctx *ctx)
{
	struct wvl_auth_state *st = wvl_auth__state(ctx);
	pthread_mutex_lock(&st->lock);
	if (!st->dummy_hash) {
		char pw[48];
		wvl_token__random(pw, sizeof(pw), 24);
		char *h = NULL;
		if (wvl_auth_password_hash(&h, ctx, pw) == 0)
			st->dummy_hash = h;
	}
	pthread_mutex_unlock(&st->lock);
	return st->dummy_hash;
}

/* ---- device cookies: "v1.<device id>.<hmac(v1.<id>.<email>)>" ---- */

char *wvl_auth__device_cookie_make(const wvl_ctx *ctx, const char *email, const char *device_id)
{
	char msg[400], sig[48];
	snprintf(msg, sizeof(msg), "v1.%s.%s", device_id, email);
	wvl_keys__sign(ctx, WVL_KEY_DEVICE, msg, sig);
	return wvl_str__printf("v1.%s.%s", device_id, sig);
}

void wvl_auth__device_cookie_check(const wvl_ctx *ctx, const char *cookie, const char *email,
				  char device_id[40])
{
	device_id[0] = '\0';
	if (!cookie || strlen(cookie) > 128 || strncmp(cookie, "v1.", 3) != 0)
		return;
	const char *id = cookie + 3, *dot = strchr(id, '.');
	if (!dot || dot - id < 8 || dot - id > 32)
		return;
	char idbuf[40], msg[400];
	snprintf(idbuf, sizeof(idbuf), "%.*s", (int)(dot - id), id);
	snprintf(msg, sizeof(msg), "v1.%s.%s", idbuf, email);
	if (wvl_keys__verify(ctx, WVL_KEY_DEVICE, msg, dot + 1))
		snprintf(device_id, 40, "%s", idbuf);
}

/* ---- the attempt log ---- */

static const char record_sql[] =
	"INSERT INTO login_attempts (email_normalized, ip, user_agent, outcome, reason,"
	" device_id, created_at) VALUES ($1, NULLIF($2, '')::inet, $3, $4, $5,"
	" NULLIF($6, ''), $7::timestamptz)";

static int record(wvl_ctx *ctx, PGconn *c, const struct attempt *a, const char *outcome,
		  const char *reason)
{
	char ua[513];
	snprintf(ua, sizeof(ua), "%s", a->req->user_agent ? a->req->user_agent : "");
	const char *p[] = {a->email, a->ip, ua, outcome, reason, a->device_id, a->now};
	return wvl_auth__exec(ctx, c, record_sql, 7, p);
}

/* ---- lockout ---- */

static const char locked_sql[] =
	"SELECT ceil(extract(epoch FROM locked_until - $3::timestamptz))::int FROM lockouts"
	" WHERE email_normalized = $1 AND device_id = $2 AND locked_until > $3::timestamptz";

/* Counts one failure; a fixed window restarts once it (or a lock) is over. */
static const char fail_sql[] =
	"WITH w AS (SELECT $3::timestamptz AS now, make_interval(secs => $5::int) AS win,"
	"   make_interval(secs => $6::int) AS lock)"
	" INSERT INTO lockouts AS l (email_normalized, device_id, failures, window_started_at,"
	"   locked_until)"
	" SELECT $1, $2, 1, w.now, CASE WHEN 1 >= $4::int THEN w.now + w.lock END FROM w"
	" ON CONFLICT (email_normalized, device_id) DO UPDATE SET"
	"   failures = CASE WHEN l.window_started_at <= EXCLUDED.window_started_at"
	"       - make_interval(secs => $5::int) THEN 1 ELSE l.failures + 1 END,"
	"   window_started_at = CASE WHEN l.window_started_at <= EXCLUDED.window_started_at"
	"       - make_interval(secs => $5::int) THEN EXCLUDED.window_started_at"
	"       ELSE l.window_started_at END,"
	"   locked_until = CASE WHEN (CASE WHEN l.window_started_at <= EXCLUDED.window_started_at"
	"       - make_interval(secs => $5::int) THEN 1 ELSE l.failures + 1 END) >= $4::int"
	"       THEN EXCLUDED.window_started_at + make_interval(secs => $6::int) END"
	" RETURNING failures, locked_until IS NOT NULL,"
	"   to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

static const char mirror_lock_sql[] =
	"UPDATE users SET failed_logins = $2::int, locked_until = NULLIF($3, '')::timestamptz"
	" WHERE email = $1 RETURNING id";

static const char unlock_token_sql[] =
	"INSERT INTO unlock_tokens (user_id, token_hash, expires_at)"
	" VALUES ($1::uuid, $2::bytea, $3::timestamptz)";

/* A lock just began: if a user has the address, mail them a single-use
 * link that unlocks it (it expires with the lock). */
static int offer_self_unlock(wvl_ctx *ctx, PGconn *c, const char *user_id, const char *until)
{
	char token[64], hex[68];
	unsigned char hash[32];
	wvl_token__random(token, sizeof(token), 32);
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	const char *p[] = {user_id, hex, until};
	int rc = wvl_auth__exec(ctx, c, unlock_token_sql, 3, p);
	if (!rc)
		rc = wvl_auth__enqueue_email(ctx, c, "account_unlock", user_id, token, NULL);
	sodium_memzero(token, sizeof(token));
	return rc;
}

static int count_failure(wvl_ctx *ctx, PGconn *c, const struct attempt *a)
{
	char thr[16], win[16], lock[16];
	snprintf(thr, sizeof(thr), "%lu", wvl_config__uint(ctx->cfg, "WL_LOCKOUT_THRESHOLD", 5, 1000));
	snprintf(win, sizeof(win), "%lu", wvl_auth__seconds(ctx, "WL_LOCKOUT_WINDOW_SECONDS", 900));
	snprintf(lock, sizeof(lock), "%lu", wvl_auth__seconds(ctx, "WL_LOCKOUT_SECONDS", 900));
	const char *p[] = {a->email, a->device_id, a->now, thr, win, lock};
	PGresult *r = wvl_pg__exec(ctx, c, fail_sql, 6, p);
	if (!r)
		return wvl_error_last()->code;
	int failures = atoi(PQgetvalue(r, 0, 0));
	bool locked = PQgetvalue(r, 0, 1)[0] == 't';
	char until[40] = "";
	if (locked)
		snprintf(until, sizeof(until), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	int rc = 0;
	/* The users row mirrors the counter that needs no device cookie, which
	 * is the one an admin sees and unlocks. */
	if (a->device_id[0] == '\0') {
		char nf[16];
		snprintf(nf, sizeof(nf), "%d", failures);
		const char *mp[] = {a->email, nf, until};
		r = wvl_pg__exec(ctx, c, mirror_lock_sql, 3, mp);
		if (!r)
			return wvl_error_last()->code;
		if (locked && failures == atoi(thr) && PQntuples(r) == 1)
			rc = offer_self_unlock(ctx, c, PQgetvalue(r, 0, 0), until);
		PQclear(r);
	}
	if (locked)
		wvl_log(ctx, WVL_LOG_WARN, "login locked for an address after %d failures", failures);
	return rc;
}

/* ---- the successful path ---- */

static const char user_sql[] =
	"SELECT id, password_hash, active FROM users WHERE email = $1";

static const char success_sql[] =
	"WITH d AS (DELETE FROM lockouts WHERE email_normalized = $2 AND device_id = $3)"
	" UPDATE users u SET last_login_at = $4::timestamptz, failed_logins ="
	"   CASE WHEN $3 = '' THEN 0 ELSE failed_logins END,"
	"   locked_until = CASE WHEN $3 = '' THEN NULL ELSE locked_until END"
	" WHERE id = $1::uuid RETURNING " WVL_USER_JSON_SQL;

/* Only if nobody changed the password meanwhile. */
static const char upgrade_sql[] =
	"UPDATE users SET password_hash = $2 WHERE id = $1::uuid AND password_hash = $3";

static int grant(wvl_auth_login_result *res, wvl_ctx *ctx, PGconn *c, struct attempt *a,
		 const char *user_id)
{
	int rc = wvl_auth__session_open(res, ctx, c, user_id, a->ip, a->req->user_agent, a->now);
	if (rc)
		return rc;
	const char *up[] = {user_id, a->email, a->device_id, a->now};
	PGresult *r = wvl_pg__exec(ctx, c, success_sql, 4, up);
	if (!r)
		return wvl_error_last()->code;
	res->user_json = wvl_str__dup(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (a->upgrade_hash) {
		const char *hp[] = {user_id, a->upgrade_hash, a->stored_hash};
		if ((rc = wvl_auth__exec(ctx, c, upgrade_sql, 3, hp)) != 0)
			return rc;
	}
	char device[40];
	if (a->device_id[0])
		snprintf(device, sizeof(device), "%s", a->device_id);
	else
		wvl_token__random(device, sizeof(device), DEVICE_ID_BYTES);
	res->device_cookie = wvl_auth__device_cookie_make(ctx, a->email, device);
	res->device_max_age = (int)wvl_auth__seconds(ctx, "WL_DEVICE_COOKIE_SECONDS", 365UL * 86400);
	return record(ctx, c, a, "success", NULL);
}

static int prepare(struct attempt *a, wvl_ctx *ctx, const wvl_auth_login_request *req)
{
	memset(a, 0, sizeof(*a));
	a->req = req;
	if (!req->email || !*req->email)
		return wvl_json__field_error("email", "is required");
	if (!req->password || !*req->password)
		return wvl_json__field_error("password", "is required");
	if (wvl_email_normalize(a->email, sizeof(a->email), req->email) != 0) {
		/* Not an address at all: still counted and logged, under a bounded
		 * lower-case copy, and answered like any wrong password. */
		size_t n = strlen(req->email);
		n = n > 254 ? 254 : n;
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)req->email[i];
			a->email[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : (ch < 0x20 ? '?' : ch));
		}
		a->email[n] = '\0';
	}
	unsigned char buf[16];
	if (req->ip && (inet_pton(AF_INET, req->ip, buf) == 1 || inet_pton(AF_INET6, req->ip, buf) == 1))
		snprintf(a->ip, sizeof(a->ip), "%s", req->ip);
	a->now_us = wvl_now(ctx);
	wvl_auth__now(ctx, a->now);
	wvl_auth__device_cookie_check(ctx, req->device_cookie, a->email, a->device_id);
	return 0;
}

/* Reads the lock and the user on one connection, outside a transaction:
 * the slow password hash must not hold a transaction open. */
static int lookup(wvl_ctx *ctx, const struct attempt *a, int *retry_after, char *user_id,
		  char **hash, bool *active)
{
	PGconn *c;
	int rc = wvl_pg__acquire(ctx, &c);
	if (rc)
		return rc;
	const char *lp[] = {a->email, a->device_id, a->now};
	PGresult *r = wvl_pg__exec(ctx, c, locked_sql, 3, lp);
	if (r) {
		*retry_after = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
		PQclear(r);
		const char *up[] = {a->email};
		r = wvl_pg__exec(ctx, c, user_sql, 1, up);
	}
	if (!r) {
		rc = wvl_error_last()->code;
	} else {
		if (PQntuples(r) == 1) {
			snprintf(user_id, 37, "%s", PQgetvalue(r, 0, 0));
			*hash = PQgetisnull(r, 0, 1) ? NULL : wvl_str__dup(PQgetvalue(r, 0, 1));
			*active = PQgetvalue(r, 0, 2)[0] == 't';
		}
		PQclear(r);
	}
	wvl_pg__release(ctx, c);
	return rc;
}

static const char counter_sql[] =
	"INSERT INTO lockouts (email_normalized, device_id, failures, window_started_at)"
	" VALUES ($1, $2, 0, $3::timestamptz) ON CONFLICT DO NOTHING";
static const char counter_lock_sql[] =
	"SELECT CASE WHEN locked_until > $3::timestamptz"
	"   THEN ceil(extract(epoch FROM locked_until - $3::timestamptz))::int ELSE 0 END"
	" FROM lockouts WHERE email_normalized = $1 AND device_id = $2 FOR UPDATE";

/* Makes sure the counter row exists, locks it for this transaction and
 * reports the seconds left of a lock (0: not locked). */
static int lock_counter(int *out_retry, wvl_ctx *ctx, PGconn *c, const struct attempt *a)
{
	const char *p[] = {a->email, a->device_id, a->now};
	int rc = wvl_auth__exec(ctx, c, counter_sql, 3, p);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, c, counter_lock_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	*out_retry = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return 0;
}

static int finish(wvl_auth_login_result *res, wvl_ctx *ctx, struct attempt *a, const char *user_id,
		  bool ok, int retry_after)
{
	wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	int rc = wvl_pg__begin(ctx, &system, &c);
	if (rc)
		return rc;
	/* Concurrent attempts for one address meet here one at a time: the
	 * counter row is locked, and a lock that landed after lookup() read it
	 * refuses this attempt too, right password or not. */
	int locked_now = 0;
	if ((rc = lock_counter(&locked_now, ctx, c, a)) != 0)
		return wvl_pg__fail(ctx, c, rc);
	if (locked_now > 0)
		retry_after = locked_now;
	if (retry_after > 0)
		rc = record(ctx, c, a, "locked", "address locked");
	else if (ok)
		rc = grant(res, ctx, c, a, user_id);
	else if (!(rc = record(ctx, c, a, "failure", user_id[0] ? "wrong password or inactive"
								: "unknown email")))
		rc = count_failure(ctx, c, a);
	if (rc)
		return wvl_pg__fail(ctx, c, rc);
	if ((rc = wvl_pg__commit(ctx, c)) != 0)
		return rc;
	if (retry_after > 0) {
		wvl_err__set(WVL_ELOCKED, "account_locked",
			     "too many failed logins: try again later or use the unlock link "
			     "sent by email");
		wvl_err__set_retry_after(retry_after);
		return WVL_ELOCKED;
	}
	if (!ok)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "invalid_credentials",
				    "the email or password is not correct");
	return 0;
}

/* The credentials from the request's body when it carries one: exactly
 * {"email":"...","password":"..."}; *doc keeps the strings alive. */
static int from_body(wvl_auth_login_request *r, json_t **doc, const wvl_auth_login_request *req)
{
	*r = *req;
	*doc = NULL;
	if (!req->body_json)
		return 0;
	json_t *b = json_loads(req->body_json, JSON_REJECT_DUPLICATES, NULL);
	json_t *email = json_object_get(b, "email"), *pw = json_object_get(b, "password");
	if (!json_is_object(b) || json_object_size(b) != 2 || !json_is_string(email) ||
	    !json_is_string(pw)) {
		json_decref(b);
		return wvl_err__set(WVL_EVALIDATION, NULL,
				    "send exactly {\"email\":\"...\",\"password\":\"...\"}");
	}
	r->email = json_string_value(email);
	r->password = json_string_value(pw);
	*doc = b;
	return 0;
}

static int login(wvl_auth_login_result **out, wvl_ctx *ctx, const wvl_auth_login_request *req)
{
	struct attempt a;
	int rc = prepare(&a, ctx, req);
	if (rc)
		return rc;
	char user_id[37] = "";
	char *hash = NULL;
	bool active = false;
	int retry_after = 0;
	if ((rc = lookup(ctx, &a, &retry_after, user_id, &hash, &active)) != 0)
		return rc;
	int match = 0;
	/* Locked or not, known or not: one Argon2id verification each time. */
	const char *against = hash ? hash : dummy_hash(ctx);
	if (against && wvl_auth_password_verify(&match, ctx, req->password, against) != 0)
		match = 0;
	bool ok = match && hash && active && retry_after == 0;
	/* A v1 bcrypt hash (or older Argon2id settings) is replaced now, while
	 * the password is at hand; hashed before the transaction, which it
	 * would otherwise hold for the hashing's time. */
	if (ok && wvl_auth__password_needs_upgrade(ctx, hash) &&
	    wvl_auth_password_hash(&a.upgrade_hash, ctx, req->password) == 0)
		a.stored_hash = hash;
	wvl_auth_login_result *res = calloc(1, sizeof(*res));
	if (!res) {
		free(hash);
		free(a.upgrade_hash);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	res->version = WVL_AUTH_LOGIN_RESULT_VERSION;
	rc = finish(res, ctx, &a, user_id, ok, retry_after);
	free(hash);
	if (a.upgrade_hash)
		sodium_memzero(a.upgrade_hash, strlen(a.upgrade_hash));
	free(a.upgrade_hash);
	if (rc) {
		wvl_auth_login_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

int wvl_auth_login(wvl_auth_login_result **out, wvl_ctx *ctx, const wvl_auth_login_request *req)
{
	if (!out || !ctx || !req || req->version != WVL_AUTH_LOGIN_REQUEST_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "out, ctx and a versioned request are required");
	*out = NULL;
	wvl_auth_login_request r;
	json_t *doc;
	int rc = from_body(&r, &doc, req);
	if (!rc)
		rc = login(out, ctx, &r);
	json_decref(doc);
	return rc;
}

void wvl_auth_login_result_free(wvl_auth_login_result *r)
{
	if (!r)
		return;
	if (r->session_token)
		sodium_memzero(r->session_token, strlen(r->session_token));
	free(r->session_token);
	free(r->csrf_token);
	free(r->device_cookie);
	free(r->user_json);
	free(r);
}

/* Whether one more refused attempt from this address may be recorded in
 * this window: its own key under the login policy. */
static bool refusal_recordable(wvl_ctx *ctx, const char *ip)
{
	char key[WVL_RATELIMIT_KEY_MAX + 16], ipkey[WVL_RATELIMIT_KEY_MAX];
	wvl_ratelimit_result cap = WVL_RATELIMIT_RESULT_INIT;
	if (!ip || wvl_ratelimit_key(ipkey, sizeof(ipkey), WVL_RATELIMIT_LOGIN, NULL, ip) != 0)
		return false;
	snprintf(key, sizeof(key), "refused:%s", ipkey);
	return wvl_ratelimit_check(&cap, ctx, WVL_RATELIMIT_LOGIN, key) == 0 && cap.allowed;
}

int wvl_auth_login_refused(wvl_ctx *ctx, const wvl_auth_login_request *req)
{
	if (!ctx || !req || req->version != WVL_AUTH_LOGIN_REQUEST_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and a versioned request are required");
	wvl_auth_login_request r;
	json_t *doc;
	if (from_body(&r, &doc, req) != 0 || !r.email || !refusal_recordable(ctx, r.ip)) {
		json_decref(doc);
		wvl_error_clear();
		return 0; /* nothing to record */
	}
	r.password = "-"; /* prepare() wants one; it is never looked at */
	struct attempt a;
	int rc = prepare(&a, ctx, &r);
	PGconn *c = NULL;
	if (!rc)
		rc = wvl_pg__acquire(ctx, &c);
	if (!rc)
		rc = record(ctx, c, &a, "rate_limited", "request rate limit");
	wvl_pg__release(ctx, c);
	json_decref(doc);
	return rc;
}
