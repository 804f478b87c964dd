/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_migrate_import_v1 (migrate.h): reads a WavelaunchOS v1 SQLite database (the
 * Prisma models of the v1 Next.js app, described in docs/IMPORT-V1.md) with
 * Debian's libsqlite3 and writes its rows into v2 over libpq, as the owner
 * acting as the system (row-level security applies to the owner too).
 *
 * Re-run safe: a v2 row's id is derived from its v1 id (SHA-256 of
 * "v1:<model>:<id>", shaped as a uuid), so a second run finds every row it
 * wrote and adds only what is new.  One transaction for the whole import
 * (a dry run rolls it back); each row in a savepoint, so a row PostgreSQL
 * refuses (a foreign key that points nowhere, a duplicate slug or email, a
 * check) is skipped with PostgreSQL's reason and the rest goes on.
 *
 * Passwords: bcrypt hashes ($2a$/$2b$/$2y$, the shape auth checks) and
 * Argon2id ones are kept; auth verifies bcrypt and replaces it with
 * Argon2id at the next login.
 * Any other hash is dropped (the user resets their password) and counted.
 *
 * Uploads: a File row's bytes are read from the folder the caller names
 * (storagePath under it, never outside), judged and stored by the files
 * module as an upload would be (type, virus scan), and the row written
 * here with its derived id; bytes stored for a row that is then refused,
 * or for an import that fails, are removed again.  A dry run reads and
 * judges the bytes but stores nothing.
 *
 * Verification: per model, rows read / written / already there / skipped
 * with reasons, and a SHA-256 over the rows' content computed twice — from
 * the values sent and from what PostgreSQL holds afterwards — which must
 * agree.  Written by hand: no library maps these models. */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include "../auth/auth.h"
#include "../cache/cache.h"
#include "../core/buf.h"
#include "../core/internal.h"
#include "../files/files_internal.h"
#include "../help/help.h"
#include "../jobs/jobs.h"
#include "migrations.h"
#include "wavelaunch/migrate.h"
#include "wavelaunch/sanitize.h"

#define MAX_PARAMS 24
#define MAX_REASONS 16

/* One v1 row on its way: the parameters of the insert (owned strings, or
 * NULL) and its canonical content for the hash. */
struct run;

struct row {
	char *p[MAX_PARAMS];
	int n;
	char uuid[37];
	char *canon;
	struct run *run;
	char stored_key[WVL_STORAGE_KEY_LEN + 1]; /* bytes this row stored ("" none) */
};

struct reason {
	char text[160];
	long count;
};

struct tally {
	long read, written, present, skipped;
	struct reason reasons[MAX_REASONS];
	int nreasons;
	long unusable_passwords;
	char source_hash[65], stored_hash[65];
};

struct model;
/* Fills `r` from the current SQLite row; returns NULL, or why the row is
 * skipped before it reaches PostgreSQL. */
typedef const char *(*convert_fn)(struct row *r, sqlite3_stmt *st, struct tally *t);

struct model {
	const char *v1;       /* Prisma model = v1 table */
	const char *v2;       /* v2 table */
	const char *select;   /* SQLite: the columns convert reads, in order */
	const char *insert;   /* PostgreSQL: $1 is the row's uuid; RETURNING 1 when new */
	const char *canon;    /* PostgreSQL: the canonical content of a row of v2 */
	convert_fn convert;
};

/* ---- values --------------------------------------------------------------- */

static char *dup_or_null(const char *s) { return s ? wvl_str__dup(s) : NULL; }

static void add(struct row *r, char *v) { r->p[r->n++] = v; }

static const char *text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The v2 uuid of v1 row `id` of `model`. */
static void v1_uuid(char out[37], const char *model, const char *id)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state s;
	crypto_hash_sha256_init(&s);
	crypto_hash_sha256_update(&s, (const unsigned char *)"v1:", 3);
	crypto_hash_sha256_update(&s, (const unsigned char *)model, strlen(model));
	crypto_hash_sha256_update(&s, (const unsigned char *)":", 1);
	crypto_hash_sha256_update(&s, (const unsigned char *)id, strlen(id));
	crypto_hash_sha256_final(&s, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 shape: name-based */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = 0;
}

/* A reference to another model's row, or NULL when the v1 value is empty. */
static char *ref(const char *model, const char *id)
{
	if (!id || !*id)
		return NULL;
	char u[37];
	v1_uuid(u, model, id);
	return wvl_str__dup(u);
}

/* A v1 DateTime: Prisma's SQLite connector writes milliseconds since the
 * epoch; hand-made rows hold ISO 8601 or "YYYY-MM-DD HH:MM:SS" text.  `*ok`
 * turns false on anything else.  NULL for NULL. */
static char *when(sqlite3_stmt *st, int col, bool *ok)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		return NULL;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT: {
		double ms = sqlite3_column_double(st, col);
		if (ms < -62135596800000.0 || ms > 253402300799000.0) {
			*ok = false;
			return NULL;
		}
		return wvl_str__printf("%.6f", ms / 1000.0); /* seconds: to_timestamp() in SQL */
	}
	default: {
		const char *s = text(st, col);
		/* YYYY-MM-DD, then an optional time and zone: PostgreSQL parses
		 * the rest; here only the shape is checked so a bad value skips
		 * its row instead of failing the statement. */
		if (!s || strlen(s) < 10 || strlen(s) > 40 || !isdigit((unsigned char)s[0]) ||
		    s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-:.TZ +") != strlen(s)) {
			*ok = false;
			return NULL;
		}
		return wvl_str__dup(s);
	}
	}
}

/* Both forms go through one SQL expression: a number is epoch seconds. */
#define TS(n) "pg_temp.wl_v1_ts($" #n ")"

/* `value` lower-cased when it is one of `allowed` (lower-case, NULL-ended). */
static char *enum_of(const char *value, const char *const *allowed)
{
	if (!value)
		return NULL;
	char low[64];
	size_t i = 0;
	for (; value[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)value[i]);
	low[i] = 0;
	for (; *allowed; allowed++)
		if (!strcmp(low, *allowed))
			return wvl_str__dup(low);
	return NULL;
}

static char *boolean(sqlite3_stmt *st, int col)
{
	return wvl_str__dup(sqlite3_column_type(st, col) != SQLITE_NULL && sqlite3_column_int(st, col)
			      ? "true"
			      : "false");
}

static char *integer(sqlite3_stmt *st, int col)
{
	return wvl_str__printf("%lld", (long long)sqlite3_column_int64(st, col));
}

static char *markdown_html(const char *md)
{
	char *html = NULL;
	if (wvl_sanitize_markdown(&html, md ? md : "", md ? strlen(md) : 0) != 0)
		return NULL;
	char *copy = wvl_str__dup(html);
	wvl_free(html);
	return copy;
}

/* A JSON object kept as text, or "{}" for NULL; NULL when it is not one. */
static char *json_object_text(const char *s)
{
	if (!s || !*s)
		return wvl_str__dup("{}");
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	char *out = json_is_object(j) ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return out;
}

static const char *status_of(struct row *r, char *v, const char *what)
{
	add(r, v);
	return v ? NULL : what;
}

/* The shared tail of every model: its canonical content, from the same
 * values the insert sends, joined by US (0x1f) as the canon SQL does. */
static void canon(struct row *r, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	struct wvl_buf b = WVL_BUF_INIT;
	for (int i = 0; i < n; i++) {
		const char *v = va_arg(ap, const char *);
		if (i)
			wvl_buf__putc(&b, 0x1f);
		wvl_buf__puts(&b, v ? v : "");
	}
	va_end(ap);
	r->canon = wvl_buf__take(&b);
}

/* ---- models --------------------------------------------------------------- */

static const char *const client_statuses[] = {"lead",	   "onboarding", "active", "paused",
					      "completed", "churned",	 "archived", NULL};

static const char *conv_client(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	const char *name = text(st, 1);
	if (!name || !*name)
		return "no creator name";
	add(r, wvl_str__dup(name));
	add(r, dup_or_null(text(st, 2)));
	char email[256] = "";
	if (text(st, 3) && *text(st, 3) &&
	    wvl_email_normalize(email, sizeof(email), text(st, 3)) != 0)
		return "invalid email";
	add(r, email[0] ? wvl_str__dup(email) : NULL);
	add(r, dup_or_null(text(st, 4)));
	const char *why = status_of(r, enum_of(text(st, 5), client_statuses), "unknown status");
	if (why)
		return why;
	double fee = sqlite3_column_double(st, 6);
	if (fee < 0 || fee > 1e12)
		return "monthly fee out of range";
	add(r, wvl_str__printf("%lld", (long long)(fee * 100.0 + 0.5)));
	add(r, when(st, 7, &ok));
	char *social = json_object_text(text(st, 8)), *intake = json_object_text(text(st, 9));
	add(r, social);
	add(r, intake);
	if (!social || !intake)
		return "social handles or onboarding data are not a JSON object";
	add(r, when(st, 10, &ok));
	add(r, when(st, 11, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 4, r->p[1], r->p[5], r->p[3], r->p[6]);
	return NULL;
}

static const char *const roles[] = {"admin", "staff", "client", NULL};

/* bcrypt as v1 wrote it, or Argon2id: kept.  Anything else: dropped. */
static bool usable_hash(const char *h)
{
	if (!h)
		return false;
	if (!strncmp(h, "$argon2id$", 10))
		return strlen(h) < 256;
	return wvl_auth__hash_is_bcrypt(h);
}

static const char *conv_user(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	bool ok = true;
	char email[256];
	if (!text(st, 1) || wvl_email_normalize(email, sizeof(email), text(st, 1)) != 0)
		return "invalid email";
	add(r, wvl_str__dup(email));
	add(r, wvl_str__dup(text(st, 2) ? text(st, 2) : ""));
	const char *why = status_of(r, enum_of(text(st, 3), roles), "unknown role");
	if (why)
		return why;
	add(r, ref("Client", text(st, 4)));
	if ((strcmp(r->p[3], "client") == 0) != (r->p[4] != NULL))
		return "a client user needs a client, and only a client user has one";
	const char *hash = text(st, 5);
	if (hash && *hash && !usable_hash(hash))
		t->unusable_passwords++;
	add(r, usable_hash(hash) ? wvl_str__dup(hash) : NULL);
	add(r, boolean(st, 6));
	add(r, when(st, 7, &ok));
	add(r, when(st, 8, &ok));
	add(r, when(st, 9, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[1], r->p[2], r->p[3]);
	return NULL;
}

static const char *const plan_statuses[] = {"draft", "in_review", "approved", "superseded", NULL};

static const char *conv_plan(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Client", text(st, 1)));
	if (!r->p[1])
		return "no client";
	int version = sqlite3_column_int(st, 2);
	if (version < 1)
		return "version below 1";
	add(r, wvl_str__printf("%d", version));
	const char *why = status_of(r, enum_of(text(st, 3), plan_statuses), "unknown status");
	if (why)
		return why;
	add(r, wvl_str__dup(text(st, 4) ? text(st, 4) : ""));
	add(r, wvl_str__dup(text(st, 5) ? text(st, 5) : ""));
	add(r, markdown_html(r->p[5]));
	if (!r->p[6])
		return "content too large to render";
	add(r, when(st, 6, &ok));
	add(r, ref("User", text(st, 7)));
	add(r, when(st, 8, &ok));
	add(r, when(st, 9, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[2], r->p[3], r->p[5]);
	return NULL;
}

static const char *const deliverable_statuses[] = {"planned", "generating", "draft", "ready",
						   "delivered", NULL};

static const char *conv_deliverable(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Client", text(st, 1)));
	if (!r->p[1])
		return "no client";
	int month = sqlite3_column_int(st, 2);
	if (month < 1 || month > 8)
		return "milestone outside 1..8";
	add(r, wvl_str__printf("%d", month));
	add(r, wvl_str__dup(text(st, 3) ? text(st, 3) : ""));
	const char *why =
		status_of(r, enum_of(text(st, 4), deliverable_statuses), "unknown status");
	if (why)
		return why;
	add(r, when(st, 5, &ok));
	add(r, wvl_str__dup(text(st, 6) ? text(st, 6) : ""));
	add(r, markdown_html(r->p[6]));
	if (!r->p[7])
		return "content too large to render";
	add(r, when(st, 7, &ok));
	add(r, when(st, 8, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[2], r->p[4], r->p[6]);
	return NULL;
}

static const char *conv_note(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Client", text(st, 1)));
	if (!r->p[1])
		return "no client";
	add(r, ref("User", text(st, 2)));
	if (!text(st, 3) || !*text(st, 3))
		return "empty note";
	add(r, wvl_str__dup(text(st, 3)));
	add(r, when(st, 4, &ok));
	add(r, when(st, 5, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 1, r->p[3]);
	return NULL;
}

static const char *const ticket_statuses[] = {"open",	  "in_progress", "waiting_on_client",
					      "resolved", "closed",	 NULL};
static const char *const priorities[] = {"low", "medium", "high", "urgent", NULL};
static const char *const categories[] = {"general", "technical",       "billing", "deliverable",
					 "account", "feature_request", "other",   NULL};

static const char *conv_ticket(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Client", text(st, 1)));
	if (!r->p[1])
		return "no client";
	if (!text(st, 2) || !*text(st, 2))
		return "no subject";
	add(r, wvl_str__dup(text(st, 2)));
	add(r, wvl_str__dup(text(st, 3) ? text(st, 3) : ""));
	add(r, markdown_html(r->p[3]));
	if (!r->p[4])
		return "description too large to render";
	const char *why = status_of(r, enum_of(text(st, 4), ticket_statuses), "unknown status");
	if (!why)
		why = status_of(r, enum_of(text(st, 5), priorities), "unknown priority");
	if (why)
		return why;
	char *category = enum_of(text(st, 6), categories);
	add(r, category ? category : wvl_str__dup(text(st, 6) ? "other" : "general"));
	add(r, ref("User", text(st, 7)));
	add(r, ref("User", text(st, 8)));
	add(r, when(st, 9, &ok));
	add(r, when(st, 10, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[2], r->p[5], r->p[6]);
	return NULL;
}

static const char *conv_message(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Ticket", text(st, 1)));
	if (!r->p[1])
		return "no ticket";
	add(r, ref("User", text(st, 2)));
	const char *m = text(st, 3);
	if (!m || strspn(m, " \t\r\n") == strlen(m))
		return "empty message";
	add(r, wvl_str__dup(m));
	add(r, markdown_html(m));
	if (!r->p[4])
		return "message too large to render";
	add(r, boolean(st, 4));
	add(r, when(st, 5, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 1, r->p[3]);
	return NULL;
}

/* `in` as a slug of at most `max` characters (lower-case letters and
 * digits joined by '-', help's shape); "" when nothing is left. */
static void slugify(char *out, size_t max, const char *in)
{
	size_t n = 0;
	for (; in && *in && n < max; in++)
		if (isalnum((unsigned char)*in))
			out[n++] = (char)tolower((unsigned char)*in);
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	while (n && out[n - 1] == '-')
		n--;
	out[n] = 0;
}

/* A help tag list: v1 kept a JSON array or a comma-separated string; v2
 * takes help's checked tags (slugs of at most 40, no repeats, at most 20)
 * as a text[] literal. */
static char *tags_literal(const char *v)
{
	json_t *in = json_array(), *tags = json_array();
	json_t *j = v ? json_loads(v, 0, NULL) : NULL;
	if (json_is_array(j)) {
		json_array_extend(in, j);
	} else if (v) {
		char *copy = wvl_str__dup(v), *save = NULL;
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			json_array_append_new(in, json_string(tok));
		free(copy);
	}
	json_decref(j);
	size_t i;
	json_t *tag;
	json_array_foreach(in, i, tag) {
		char slug[41];
		slugify(slug, 40, json_string_value(tag));
		bool seen = !slug[0] || json_array_size(tags) == 20;
		for (size_t k = 0; !seen && k < json_array_size(tags); k++)
			seen = !strcmp(slug, json_string_value(json_array_get(tags, k)));
		if (!seen)
			json_array_append_new(tags, json_string(slug));
	}
	char *out = wvl_help__tags_literal(tags);
	json_decref(in);
	json_decref(tags);
	return out;
}

static const char *conv_article(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	const char *slug = text(st, 1);
	if (!slug || !wvl_help__slug_ok(slug))
		return "invalid slug";
	add(r, wvl_str__dup(slug));
	if (!text(st, 2) || !*text(st, 2))
		return "no title";
	add(r, wvl_str__dup(text(st, 2)));
	const char *content = text(st, 3) ? text(st, 3) : "";
	if (strchr(content, '\x02') || strchr(content, '\x03'))
		return "control characters in the content";
	add(r, wvl_str__dup(content));
	add(r, markdown_html(content));
	if (!r->p[4])
		return "content too large to render";
	add(r, wvl_str__dup(text(st, 4) ? text(st, 4) : ""));
	char cat[61];
	slugify(cat, 60, text(st, 5));
	add(r, wvl_str__dup(cat[0] ? cat : "general"));
	add(r, tags_literal(text(st, 6)));
	add(r, boolean(st, 7));
	add(r, when(st, 8, &ok));
	add(r, ref("User", text(st, 9)));
	add(r, when(st, 10, &ok));
	add(r, when(st, 11, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[1], r->p[2], r->p[3]);
	return NULL;
}

static const char *conv_notification(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("User", text(st, 1)));
	if (!r->p[1])
		return "no user";
	add(r, ref("Client", text(st, 2)));
	if (!text(st, 3) || !*text(st, 3))
		return "no type";
	add(r, wvl_str__dup(text(st, 3)));
	add(r, wvl_str__dup(text(st, 4) ? text(st, 4) : ""));
	add(r, wvl_str__dup(text(st, 5) ? text(st, 5) : ""));
	add(r, dup_or_null(text(st, 6)));
	add(r, boolean(st, 7));
	add(r, when(st, 8, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 2, r->p[3], r->p[4]);
	return NULL;
}

static const char *conv_usage(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	bool ok = true;
	add(r, ref("Client", text(st, 1)));
	add(r, ref("User", text(st, 2)));
	add(r, dup_or_null(text(st, 3)));
	if (!text(st, 4) || !*text(st, 4))
		return "no model";
	add(r, wvl_str__dup(text(st, 4)));
	if (sqlite3_column_int64(st, 5) < 0 || sqlite3_column_int64(st, 6) < 0 ||
	    sqlite3_column_int64(st, 5) > 2147483647 || sqlite3_column_int64(st, 6) > 2147483647)
		return "token counts out of range";
	add(r, integer(st, 5));
	add(r, integer(st, 6));
	double cost = sqlite3_column_double(st, 7);
	if (cost < 0 || cost > 1e9)
		return "cost out of range";
	add(r, wvl_str__printf("%.4f", cost * 100.0));
	add(r, when(st, 8, &ok));
	if (!ok)
		return "unreadable date";
	canon(r, 3, r->p[4], r->p[5], r->p[6]);
	return NULL;
}

/* Below, with the run it needs. */
static const char *conv_file(struct row *r, sqlite3_stmt *st, struct tally *t);

#define SEP " || chr(31) || "

/* In dependency order: a row's parents are imported before it. */
static const struct model models[] = {
	{"Client", "clients",
	 "SELECT id, creatorName, brandName, email, niche, status, monthlyFee, startDate,"
	 " socialHandles, onboardingData, createdAt, updatedAt FROM Client ORDER BY id",
	 "INSERT INTO clients (id, name, brand_name, email, niche, status, monthly_fee_cents,"
	 " start_date, social_handles, intake, created_at, updated_at, onboarded_at, archived_at)"
	 " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::bigint, " TS(8) "::date, $9::jsonb, $10::jsonb,"
	 " coalesce(" TS(11) ", now()), coalesce(" TS(12) ", now()),"
	 " CASE WHEN $6 NOT IN ('lead') THEN " TS(11) " END,"
	 " CASE WHEN $6 = 'archived' THEN " TS(12) " END)"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "name" SEP "status" SEP "coalesce(email, '')" SEP "monthly_fee_cents::text", conv_client},
	{"User", "users",
	 "SELECT id, email, name, role, clientId, passwordHash, isActive, lastLoginAt, createdAt,"
	 " updatedAt FROM User ORDER BY id",
	 "INSERT INTO users (id, email, name, role, client_id, password_hash, active,"
	 " last_login_at, created_at, updated_at)"
	 " VALUES ($1::uuid, $2, $3, $4, $5::uuid, $6, $7::boolean, " TS(8) ","
	 " coalesce(" TS(9) ", now()), coalesce(" TS(10) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "email" SEP "name" SEP "role", conv_user},
	{"BusinessPlan", "business_plans",
	 "SELECT id, clientId, version, status, title, content, approvedAt, createdById,"
	 " createdAt, updatedAt FROM BusinessPlan ORDER BY id",
	 "INSERT INTO business_plans (id, client_id, version, status, title, content_markdown,"
	 " content_html, approved_at, created_by, created_at, updated_at)"
	 " VALUES ($1::uuid, $2::uuid, $3::int, $4, $5, $6, $7,"
	 " CASE WHEN $4 = 'approved' THEN coalesce(" TS(8) ", " TS(11) ", now()) ELSE " TS(8) " END,"
	 " (SELECT id FROM users WHERE id = $9::uuid),"
	 " coalesce(" TS(10) ", now()), coalesce(" TS(11) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "version::text" SEP "status" SEP "content_markdown", conv_plan},
	{"Deliverable", "deliverables",
	 "SELECT id, clientId, month, title, status, dueDate, content, createdAt, updatedAt"
	 " FROM Deliverable ORDER BY id",
	 "INSERT INTO deliverables (id, client_id, milestone, title, status, due_date,"
	 " content_markdown, content_html, created_at, updated_at, ready_at)"
	 " VALUES ($1::uuid, $2::uuid, $3::smallint, $4, $5, " TS(6) "::date, $7, $8,"
	 " coalesce(" TS(9) ", now()), coalesce(" TS(10) ", now()),"
	 " CASE WHEN $5 IN ('ready', 'delivered') THEN coalesce(" TS(10) ", now()) END)"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "milestone::text" SEP "status" SEP "content_markdown", conv_deliverable},
	{"Note", "notes",
	 "SELECT id, clientId, authorId, content, createdAt, updatedAt FROM Note ORDER BY id",
	 "INSERT INTO notes (id, client_id, author_id, body, created_at, updated_at)"
	 " VALUES ($1::uuid, $2::uuid, (SELECT id FROM users WHERE id = $3::uuid), $4,"
	 " coalesce(" TS(5) ", now()), coalesce(" TS(6) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "body", conv_note},
	{"Ticket", "support_tickets",
	 "SELECT id, clientId, subject, description, status, priority, category, createdById,"
	 " assignedToId, createdAt, updatedAt FROM Ticket ORDER BY id",
	 "INSERT INTO support_tickets (id, client_id, subject, description, description_html,"
	 " status, priority, category, created_by, assigned_to_id, created_at, updated_at,"
	 " waiting_since, resolved_at, closed_at)"
	 " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8,"
	 " (SELECT id FROM users WHERE id = $9::uuid), (SELECT id FROM users WHERE id = $10::uuid"
	 "  AND role IN ('admin', 'staff')),"
	 " coalesce(" TS(11) ", now()), coalesce(" TS(12) ", now()),"
	 " CASE WHEN $6 = 'waiting_on_client' THEN coalesce(" TS(12) ", now()) END,"
	 " CASE WHEN $6 IN ('resolved', 'closed') THEN coalesce(" TS(12) ", now()) END,"
	 " CASE WHEN $6 = 'closed' THEN coalesce(" TS(12) ", now()) END)"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "subject" SEP "status" SEP "priority", conv_ticket},
	{"TicketMessage", "ticket_messages",
	 "SELECT id, ticketId, authorId, message, isAdminReply, createdAt FROM TicketMessage"
	 " ORDER BY id",
	 "INSERT INTO ticket_messages (id, ticket_id, author_id, message, html, is_admin_reply,"
	 " created_at)"
	 " VALUES ($1::uuid, $2::uuid, (SELECT id FROM users WHERE id = $3::uuid), $4, $5,"
	 " $6::boolean, coalesce(" TS(7) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "message", conv_message},
	{"HelpArticle", "help_articles",
	 "SELECT id, slug, title, content, excerpt, category, tags, published, publishedAt,"
	 " authorId, createdAt, updatedAt FROM HelpArticle ORDER BY id",
	 "WITH a AS (INSERT INTO help_articles (id, slug, title, content, html, excerpt, category,"
	 " tags, published, published_at, first_published_at, author_id, body_text, created_at,"
	 " updated_at)"
	 " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::text[], $9::boolean,"
	 " CASE WHEN $9::boolean THEN coalesce(" TS(10) ", " TS(13) ", now()) END,"
	 " CASE WHEN $9::boolean THEN coalesce(" TS(10) ", " TS(13) ", now()) END,"
	 " (SELECT id FROM users WHERE id = $11::uuid), $4,"
	 " coalesce(" TS(12) ", now()), coalesce(" TS(13) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING id, title, content, excerpt, category, tags,"
	 " author_id, created_at)"
	 " INSERT INTO help_article_versions (article_id, version, title, content, excerpt,"
	 " category, tags, reason, author_id, created_at)"
	 " SELECT id, 1, title, content, excerpt, category, tags, 'created', author_id, created_at"
	 " FROM a RETURNING 1",
	 "slug" SEP "title" SEP "content", conv_article},
	{"Notification", "notifications",
	 "SELECT id, userId, clientId, type, title, message, link, read, createdAt"
	 " FROM Notification ORDER BY id",
	 "INSERT INTO notifications (id, user_id, client_id, type, title, message, link, read,"
	 " read_at, created_at)"
	 " VALUES ($1::uuid, $2::uuid, (SELECT id FROM clients WHERE id = $3::uuid), $4, $5, $6,"
	 " $7, $8::boolean, CASE WHEN $8::boolean THEN coalesce(" TS(9) ", now()) END,"
	 " coalesce(" TS(9) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "type" SEP "title", conv_notification},
	{"TokenUsage", "token_usage",
	 "SELECT id, clientId, userId, purpose, model, inputTokens, outputTokens, cost, createdAt"
	 " FROM TokenUsage ORDER BY id",
	 "INSERT INTO token_usage (id, client_id, user_id, purpose, model, input_tokens,"
	 " output_tokens, cost_cents, created_at)"
	 " VALUES ($1::uuid, (SELECT id FROM clients WHERE id = $2::uuid),"
	 " (SELECT id FROM users WHERE id = $3::uuid), $4, $5, $6::int, $7::int, $8::numeric,"
	 " coalesce(" TS(9) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "model" SEP "input_tokens::text" SEP "output_tokens::text", conv_usage},
	{"File", "files",
	 "SELECT id, clientId, fileName, storagePath, uploadedById, createdAt FROM File"
	 " ORDER BY id",
	 "INSERT INTO files (id, client_id, uploaded_by, storage_key, name, content_type, size,"
	 " sha256, scan_status, scanned_at, created_at, updated_at)"
	 " VALUES ($1::uuid, $2::uuid, (SELECT id FROM users WHERE id = $3::uuid), $4, $5, $6,"
	 " $7::bigint, $8, $9, CASE WHEN $10::boolean THEN now() END,"
	 " coalesce(" TS(11) ", now()), coalesce(" TS(11) ", now()))"
	 " ON CONFLICT (id) DO NOTHING RETURNING 1",
	 "name" SEP "sha256" SEP "size::text", conv_file},
};

#define NMODELS (sizeof(models) / sizeof(models[0]))

/* ---- running -------------------------------------------------------------- */

struct run {
	wvl_ctx *ctx;
	PGconn *pg;
	sqlite3 *db;
	const wvl_migrate_import_options *opts;
	struct tally tally[NMODELS];
	char files_root[PATH_MAX]; /* opts->files_dir resolved; "" without one */
	char why[200];             /* a skip reason made from a message */
	char **stored;             /* keys of bytes stored, removed if the import fails */
	size_t nstored, capstored;
	long pending_scan;         /* files kept waiting for clamd */
};

/* ---- uploads -------------------------------------------------------------- */

/* A v1 storagePath, relative to the files folder, resolved (so neither
 * ".." nor a symbolic link leads out of it) into `out`. */
static const char *resolve_upload(char out[PATH_MAX], const struct run *run, const char *path)
{
	if (path[0] == '/')
		return "storage path is absolute (it must be relative to the files folder)";
	char *joined = wvl_str__printf("%s/%s", run->files_root, path);
	char *real = joined ? realpath(joined, NULL) : NULL;
	int err = errno;
	free(joined);
	if (!real)
		return err == ENOENT || err == ENOTDIR ? "file missing from the files folder"
						       : "file unreadable";
	size_t n = strlen(run->files_root);
	bool inside = strlen(real) < PATH_MAX && !strncmp(real, run->files_root, n) &&
		      real[n] == '/';
	if (inside)
		snprintf(out, PATH_MAX, "%s", real);
	free(real);
	return inside ? NULL : "storage path leads outside the files folder";
}

/* Reads the file at `path` through an upload and has the files module
 * judge it (and store it when `keep`). */
static const char *read_upload(struct wvl_files_adopted *a, struct run *run, const char *path,
			       const char *name, bool keep)
{
	static const wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return "not a readable regular file";
	}
	wvl_files_upload *up = NULL;
	int rc = wvl_files_upload_begin(&up, run->ctx, &system, NULL, name, (int64_t)sb.st_size,
					NULL);
	char buf[65536];
	ssize_t n = 0;
	while (!rc && (n = read(fd, buf, sizeof(buf))) > 0)
		rc = wvl_files_upload_write(up, buf, (size_t)n);
	if (!rc && n < 0)
		rc = wvl_err__set(WVL_EUNAVAILABLE, NULL, "read error: %s", strerror(errno));
	close(fd);
	if (rc)
		wvl_files_upload_abort(up);
	else
		rc = wvl_files__upload_adopt(a, up, keep);
	if (!rc)
		return NULL;
	if (rc == WVL_ETOOLARGE)
		return "larger than WL_UPLOAD_MAX_BYTES";
	snprintf(run->why, sizeof(run->why), "%s", wvl_error_last()->message);
	return run->why;
}

static bool row_exists(struct run *run, const char *uuid)
{
	const char *p[] = {uuid};
	PGresult *r = PQexecParams(run->pg, "SELECT 1 FROM files WHERE id = $1::uuid", 1, NULL, p,
				   NULL, NULL, 0);
	bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
	return yes;
}

static const char *conv_file(struct row *r, sqlite3_stmt *st, struct tally *t)
{
	(void)t;
	struct run *run = r->run;
	bool ok = true;
	char *client = ref("Client", text(st, 1));
	if (!client)
		return "no client";
	add(r, client);
	add(r, ref("User", text(st, 4)));
	const char *name = text(st, 2), *path = text(st, 3);
	if (!name || !*name)
		return "no file name";
	if (!path || !*path)
		return "no storage path";
	char *created = when(st, 5, &ok);
	const char *why = !ok		      ? "unreadable date"
			  : !run->files_root[0] ? "not read: no files folder was given"
						: NULL;
	char full[PATH_MAX];
	if (!why)
		why = resolve_upload(full, run, path);
	struct wvl_files_adopted a;
	if (!why)
		why = read_upload(&a, run, full, name,
				  !run->opts->dry_run && !row_exists(run, r->uuid));
	if (why) {
		free(created);
		return why;
	}
	snprintf(r->stored_key, sizeof(r->stored_key), "%s", a.key);
	/* A dry run stores nothing: the row (rolled back) borrows its id as key. */
	add(r, wvl_str__dup(a.key[0] ? a.key : r->uuid));
	add(r, wvl_str__dup(a.name));
	add(r, wvl_str__dup(a.content_type));
	add(r, wvl_str__printf("%llu", (unsigned long long)a.size));
	add(r, wvl_str__dup(a.sha256));
	add(r, wvl_str__dup(a.scan_status));
	add(r, wvl_str__dup(a.scanned ? "true" : "false"));
	add(r, created);
	if (!strcmp(a.scan_status, "pending_scan") || !strcmp(a.scan_status, "error"))
		run->pending_scan++;
	canon(r, 3, r->p[4], r->p[7], r->p[6]);
	return NULL;
}

/* Bytes stored for a row: kept in the list until the import ends. */
static void remember_stored(struct run *run, const struct row *r)
{
	if (!r->stored_key[0])
		return;
	if (run->nstored == run->capstored) {
		size_t cap = run->capstored ? run->capstored * 2 : 16;
		char **more = realloc(run->stored, cap * sizeof(*more));
		if (!more)
			return;
		run->stored = more;
		run->capstored = cap;
	}
	run->stored[run->nstored++] = wvl_str__dup(r->stored_key);
}

/* The stored bytes of rows that were not written, or of an import that
 * did not commit, go again. */
static void forget_stored(struct run *run, const struct row *r)
{
	if (r->stored_key[0] && wvl_files__remove_object(run->ctx, r->stored_key) != 0)
		wvl_log(run->ctx, WVL_LOG_WARN, "import-v1: stored bytes %s left behind: %s",
			r->stored_key, wvl_error_last()->message);
}

static void end_stored(struct run *run, bool committed)
{
	for (size_t i = 0; i < run->nstored; i++) {
		if (!committed && wvl_files__remove_object(run->ctx, run->stored[i]) != 0)
			wvl_log(run->ctx, WVL_LOG_WARN, "import-v1: stored bytes %s left behind: %s",
				run->stored[i], wvl_error_last()->message);
		free(run->stored[i]);
	}
	free(run->stored);
}

/* Why the import cannot go on: logged, and the call's error. */
static int failed(struct run *run, int code, const char *what, const char *detail)
{
	wvl_log(run->ctx, WVL_LOG_ERROR, "import-v1: %s: %s", what, detail);
	return wvl_err__set(code, NULL, "import-v1: %s: %s", what, detail);
}

static void note_reason(struct tally *t, const char *why)
{
	t->skipped++;
	for (int i = 0; i < t->nreasons; i++)
		if (!strcmp(t->reasons[i].text, why)) {
			t->reasons[i].count++;
			return;
		}
	/* The last slot gathers whatever does not fit. */
	if (t->nreasons == MAX_REASONS) {
		snprintf(t->reasons[MAX_REASONS - 1].text, sizeof(t->reasons[0].text),
			 "other reasons");
		t->reasons[MAX_REASONS - 1].count++;
		return;
	}
	struct reason *r = &t->reasons[t->nreasons++];
	snprintf(r->text, sizeof(r->text), "%s", why);
	r->count = 1;
}

static int exec_ok(struct run *run, const char *sql)
{
	PGresult *r = PQexec(run->pg, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok ? 0 : failed(run, WVL_EUNAVAILABLE, sql, PQerrorMessage(run->pg));
}

/* What PostgreSQL's refusal of a row means, in a line for the report. */
static void refusal(char *out, size_t len, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char *what = "refused";
	if (state && !strcmp(state, "23503"))
		what = "refers to a row that was not imported";
	else if (state && !strcmp(state, "23505"))
		what = "duplicate";
	else if (state && !strcmp(state, "23514"))
		what = "refused by a check";
	else if (state && (!strncmp(state, "22", 2)))
		what = "invalid value";
	snprintf(out, len, "%s (%s)", what,
		 constraint ? constraint : (state ? state : "no sqlstate"));
}

static void progress(const struct run *run, const struct model *m, long done, long total)
{
	if (run->opts->progress)
		run->opts->progress(m->v1, done, total, run->opts->progress_payload);
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp((*(struct row *const *)a)->uuid, (*(struct row *const *)b)->uuid);
}

static void hex(char out[65], const unsigned char h[32])
{
	sodium_bin2hex(out, 65, h, 32);
}

/* The two content hashes of the rows kept (written or already there). */
static int hash_model(struct run *run, const struct model *m, struct tally *t,
		       struct row **kept, size_t n)
{
	qsort(kept, n, sizeof(*kept), cmp_rows);
	crypto_hash_sha256_state s;
	crypto_hash_sha256_init(&s);
	size_t ids_len = 3 + n * 37;
	char *ids = malloc(ids_len);
	size_t o = 0;
	ids[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i) {
			crypto_hash_sha256_update(&s, (const unsigned char *)"\n", 1);
			ids[o++] = ',';
		}
		crypto_hash_sha256_update(&s, (const unsigned char *)kept[i]->canon,
					  strlen(kept[i]->canon));
		memcpy(ids + o, kept[i]->uuid, 36);
		o += 36;
	}
	ids[o++] = '}';
	ids[o] = 0;
	unsigned char h[32];
	crypto_hash_sha256_final(&s, h);
	hex(t->source_hash, h);

	char *sql = wvl_str__printf("SELECT coalesce(string_agg(%s, E'\\n' ORDER BY id), '') FROM %s"
			" WHERE id = ANY($1::uuid[])",
			m->canon, m->v2);
	const char *p[] = {ids};
	PGresult *r = PQexecParams(run->pg, sql, 1, NULL, p, NULL, NULL, 0);
	free(sql);
	free(ids);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return failed(run, WVL_EUNAVAILABLE, m->v2, PQerrorMessage(run->pg));
	}
	const char *all = PQgetvalue(r, 0, 0);
	crypto_hash_sha256(h, (const unsigned char *)all, strlen(all));
	hex(t->stored_hash, h);
	PQclear(r);
	return 0;
}

static void row_free(struct row *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->p[i]);
	free(r->canon);
	free(r);
}

static int import_model(struct run *run, const struct model *m, struct tally *t)
{
	char count_sql[96];
	snprintf(count_sql, sizeof(count_sql), "SELECT count(*) FROM \"%s\"", m->v1);
	sqlite3_stmt *st = NULL;
	long total = 0;
	if (sqlite3_prepare_v2(run->db, count_sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(run->db, m->select, -1, &st, NULL) != SQLITE_OK)
		return failed(run, WVL_EINVAL, m->v1, sqlite3_errmsg(run->db));
	size_t nkept = 0, cap = 64;
	struct row **kept = malloc(cap * sizeof(*kept));
	int rc = 0, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		t->read++;
		struct row *r = calloc(1, sizeof(*r));
		r->run = run;
		const char *id = text(st, 0);
		const char *why = NULL;
		if (!id || !*id) {
			why = "no id";
		} else {
			v1_uuid(r->uuid, m->v1, id);
			add(r, wvl_str__dup(r->uuid));
			why = m->convert(r, st, t);
		}
		if (!why) {
			PQclear(PQexec(run->pg, "SAVEPOINT v1_row"));
			PGresult *res = PQexecParams(run->pg, m->insert, r->n, NULL,
						     (const char *const *)r->p, NULL, NULL, 0);
			char because[200];
			if (PQresultStatus(res) == PGRES_TUPLES_OK) {
				PQclear(PQexec(run->pg, "RELEASE SAVEPOINT v1_row"));
				if (PQntuples(res) > 0)
					t->written++;
				else
					t->present++;
				remember_stored(run, r);
				if (nkept == cap)
					kept = realloc(kept, (cap *= 2) * sizeof(*kept));
				kept[nkept++] = r;
				r = NULL;
			} else if (PQstatus(run->pg) != CONNECTION_OK) {
				forget_stored(run, r);
				rc = failed(run, WVL_EUNAVAILABLE, m->v1, PQerrorMessage(run->pg));
			} else {
				forget_stored(run, r);
				refusal(because, sizeof(because), res);
				PQclear(PQexec(run->pg, "ROLLBACK TO SAVEPOINT v1_row"));
				note_reason(t, because);
			}
			PQclear(res);
		} else {
			note_reason(t, why);
		}
		if (r)
			row_free(r);
		if (rc)
			break;
		if (t->read % 100 == 0)
			progress(run, m, t->read, total);
	}
	if (!rc && step != SQLITE_DONE)
		rc = failed(run, WVL_EINVAL, m->v1, sqlite3_errmsg(run->db));
	sqlite3_finalize(st);
	if (!rc) {
		progress(run, m, t->read, t->read);
		rc = hash_model(run, m, t, kept, nkept);
	}
	for (size_t i = 0; i < nkept; i++)
		row_free(kept[i]);
	free(kept);
	return rc;
}

static char *report(const struct run *run, bool *all_match)
{
	*all_match = true;
	json_t *doc = json_object(), *tables = json_object();
	for (size_t i = 0; i < NMODELS; i++) {
		const struct tally *t = &run->tally[i];
		json_t *reasons = json_object();
		for (int k = 0; k < t->nreasons; k++)
			json_object_set_new(reasons, t->reasons[k].text,
					    json_integer(t->reasons[k].count));
		bool match = !strcmp(t->source_hash, t->stored_hash);
		*all_match &= match;
		json_object_set_new(
			tables, models[i].v1,
			json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:s,s:s,s:b}", "table", models[i].v2,
				  "read", (json_int_t)t->read, "written", (json_int_t)t->written,
				  "already_imported", (json_int_t)t->present, "skipped",
				  (json_int_t)t->skipped, "skipped_reasons", reasons,
				  "source_sha256", t->source_hash, "stored_sha256", t->stored_hash,
				  "hashes_match", match));
	}
	json_object_set_new(doc, "dry_run", json_boolean(run->opts->dry_run));
	json_object_set_new(doc, "tables", tables);
	json_object_set_new(doc, "unusable_password_hashes",
			    json_integer(run->tally[1].unusable_passwords));
	json_object_set_new(doc, "verified", json_boolean(*all_match));
	char *out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}

/* Epoch seconds (a v1 integer DateTime) or ISO text, to timestamptz. */
static const char ts_function[] =
	"CREATE FUNCTION pg_temp.wl_v1_ts(v text) RETURNS timestamptz LANGUAGE sql IMMUTABLE"
	" AS $$ SELECT CASE WHEN v IS NULL THEN NULL"
	" WHEN v ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN to_timestamp(v::double precision)"
	" ELSE v::timestamptz END $$";

int wvl_migrate_import_v1(char **out_report, int *out_verified, wvl_ctx *ctx,
			  const char *sqlite_path, const wvl_migrate_import_options *opts)
{
	static const wvl_migrate_import_options defaults = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	if (!out_report || !ctx || !sqlite_path)
		return wvl_err__set(WVL_EINVAL, NULL, "out_report, ctx and sqlite_path are required");
	*out_report = NULL;
	if (out_verified)
		*out_verified = 0;
	if (opts && opts->version != WVL_MIGRATE_IMPORT_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown import options version");
	struct run run = {.ctx = ctx, .opts = opts ? opts : &defaults};
	int rc;
	if (run.opts->files_dir) {
		struct stat sb;
		char *real = realpath(run.opts->files_dir, NULL);
		bool dir = real && stat(real, &sb) == 0 && S_ISDIR(sb.st_mode) &&
			   strlen(real) < sizeof(run.files_root);
		if (dir)
			snprintf(run.files_root, sizeof(run.files_root), "%s", real);
		free(real);
		if (!dir)
			return failed(&run, WVL_EINVAL, run.opts->files_dir,
				      "the files folder is not a readable folder");
	}
	if (sqlite3_open_v2(sqlite_path, &run.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = failed(&run, WVL_EINVAL, sqlite_path,
			    run.db ? sqlite3_errmsg(run.db) : "cannot open");
		sqlite3_close(run.db);
		return rc;
	}
	if ((rc = wvl_migrate__connect_owner(ctx, &run.pg)) != 0) {
		sqlite3_close(run.db);
		return rc;
	}
	/* The whole import in one transaction, as the system (row-level
	 * security binds the owner too). */
	if (!(rc = exec_ok(&run, "BEGIN")) &&
	    !(rc = exec_ok(&run, "SELECT set_config('wvl.actor_role', 'system', true)")) &&
	    !(rc = exec_ok(&run, "SET LOCAL TimeZone = 'UTC'")))
		rc = exec_ok(&run, ts_function);
	for (size_t i = 0; !rc && i < NMODELS; i++)
		rc = import_model(&run, &models[i], &run.tally[i]);
	/* Files waiting for clamd get their scan from wl-worker, as uploads do. */
	if (!rc && run.pending_scan > 0) {
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.queue = "files";
		o.unique_key = "file_rescan";
		o.max_attempts = 10;
		rc = wvl_jobs__enqueue_tx(NULL, NULL, ctx, run.pg, "file_rescan", NULL, &o);
	}
	if (rc) {
		PQclear(PQexec(run.pg, "ROLLBACK"));
		end_stored(&run, false);
	} else if ((rc = exec_ok(&run, run.opts->dry_run ? "ROLLBACK" : "COMMIT")) != 0) {
		/* Whether a failed COMMIT took effect is unknown: the bytes stay,
		 * since rows may name them (a re-run finds out which). */
		if (run.nstored)
			wvl_log(ctx, WVL_LOG_WARN, "import-v1: the commit failed; %zu stored"
				" file(s) kept in case it took effect", run.nstored);
		end_stored(&run, true);
	} else {
		end_stored(&run, true);
		/* Every cached view may have changed (clients, plans, deliverables,
		 * the figures): an import that wrote is a write like any other. */
		if (!run.opts->dry_run)
			wvl_cache__written(ctx, 0, (1u << WVL_CACHE_NKINDS) - 1);
		bool verified;
		*out_report = report(&run, &verified);
		if (out_verified)
			*out_verified = verified;
		if (!*out_report)
			rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	PQfinish(run.pg);
	sqlite3_close(run.db);
	return rc;
}
