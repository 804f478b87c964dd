/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* View counts, batched.  A read of a published article adds one to a
 * counter in the context's memory (a mutex and a small open-addressed
 * table: no statement); the counts of every article read are written in
 * one upsert when the batch is due (help.h says when).  So a popular
 * article costs one row write per batch, not one per read, and the reads
 * never wait on each other's row locks.
 *
 * Batched rather than sampled: sampling 1 in N writes as often per article
 * at a high rate but makes the counts of the long tail (most articles,
 * read a few times a day) noise; batching is exact up to the batch a
 * crash loses, and costs one statement per batch however many articles. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "help.h"

/* Distinct articles a batch holds; a fuller table is written out early. */
#define SLOTS 1024
#define SLOTS_HIGH (SLOTS * 3 / 4)

struct slot {
	char id[37]; /* "" when free */
	unsigned int n;
};

struct views {
	wvl_ctx *ctx;
	pthread_mutex_t lock;
	int64_t since;          /* the first waiting view (usec), 0: none */
	unsigned int waiting;   /* views */
	unsigned int used;      /* slots */
	struct slot slots[SLOTS];
};

static struct views *views_of(wvl_ctx *ctx)
{
	return wvl_ctx__state(ctx, &wvl_help__module);
}

static unsigned int hash_of(const char *id)
{
	unsigned int h = 2166136261u; /* FNV-1a: ids are random already */
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % SLOTS;
}

/* Adds one view; the caller holds the lock and made sure a slot is free. */
static void add(struct views *v, const char *id)
{
	unsigned int i = hash_of(id);
	while (v->slots[i].id[0] && strcmp(v->slots[i].id, id) != 0)
		i = (i + 1) % SLOTS;
	if (!v->slots[i].id[0]) {
		snprintf(v->slots[i].id, sizeof(v->slots[i].id), "%s", id);
		v->used++;
	}
	v->slots[i].n++;
	v->waiting++;
}

static bool due(const struct views *v, int64_t now)
{
	return v->waiting >= WVL_HELP_VIEWS_BATCH || v->used >= SLOTS_HIGH ||
	       now - v->since >= (int64_t)WVL_HELP_VIEWS_FLUSH_SECONDS * 1000000;
}

void wvl_help__view(wvl_ctx *ctx, const char *id)
{
	struct views *v = views_of(ctx);
	if (!v || !wvl_uuid_valid(id))
		return;
	int64_t now = wvl_now(ctx);
	pthread_mutex_lock(&v->lock);
	add(v, id);
	if (v->since == 0)
		v->since = now;
	bool flush = due(v, now);
	pthread_mutex_unlock(&v->lock);
	if (flush && wvl_help_views_flush(ctx) != 0)
		wvl_log(ctx, WVL_LOG_WARN, "help view counts could not be written: %s",
			wvl_error_last()->message);
}

/* Takes the batch out of the table as two array literals (ids, counts);
 * false when it is empty. */
static bool take_batch(struct views *v, struct wvl_buf *ids, struct wvl_buf *counts)
{
	pthread_mutex_lock(&v->lock);
	bool any = v->waiting > 0;
	wvl_buf__putc(ids, '{');
	wvl_buf__putc(counts, '{');
	for (unsigned int i = 0, k = 0; any && i < SLOTS; i++) {
		if (!v->slots[i].id[0])
			continue;
		char n[16];
		snprintf(n, sizeof(n), "%s%u", k ? "," : "", v->slots[i].n);
		wvl_buf__puts(ids, k++ ? "," : "");
		wvl_buf__puts(ids, v->slots[i].id);
		wvl_buf__puts(counts, n);
	}
	wvl_buf__putc(ids, '}');
	wvl_buf__putc(counts, '}');
	memset(v->slots, 0, sizeof(v->slots));
	v->waiting = v->used = 0;
	v->since = 0;
	pthread_mutex_unlock(&v->lock);
	return any;
}

/* In id order, so two processes flushing the same articles lock their
 * rows in the same order; deleted articles drop out in the join. */
static const char flush_sql[] =
	"INSERT INTO help_article_views AS v (article_id, views, updated_at)"
	" SELECT a.id, c.n, $3::timestamptz"
	" FROM unnest($1::uuid[], $2::bigint[]) AS c(id, n) JOIN help_articles a ON a.id = c.id"
	" ORDER BY a.id"
	" ON CONFLICT (article_id) DO UPDATE SET views = v.views + EXCLUDED.views,"
	"  updated_at = EXCLUDED.updated_at";

int wvl_help_views_flush(wvl_ctx *ctx)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	struct views *v = views_of(ctx);
	struct wvl_buf ids = WVL_BUF_INIT, counts = WVL_BUF_INIT;
	if (!v || !take_batch(v, &ids, &counts)) {
		wvl_buf__free(&ids);
		wvl_buf__free(&counts);
		return 0;
	}
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	char *i = wvl_buf__take(&ids), *n = wvl_buf__take(&counts);
	const char *p[] = {i, n, now};
	/* The counts are the library's own bookkeeping, not the reader's
	 * doing: only the system writes them (0012's policy). */
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	int rc = i && n ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PGconn *c = NULL;
	if (!rc)
		rc = wvl_pg__begin(ctx, &sys, &c);
	PGresult *r = rc ? NULL : wvl_pg__exec(ctx, c, flush_sql, 3, p);
	if (!rc)
		rc = r ? wvl_pg__commit(ctx, c) : wvl_pg__fail(ctx, c, wvl_error_last()->code);
	PQclear(r);
	free(i);
	free(n);
	return rc;
}

/* ---- the module ---- */

static int state_new(void **out, wvl_ctx *ctx)
{
	struct views *v = calloc(1, sizeof(*v));
	if (!v)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	v->ctx = ctx;
	pthread_mutex_init(&v->lock, NULL);
	*out = v;
	return 0;
}

/* The context is being freed: its pools are still there (modules go
 * first), so the last batch is written now. */
static void state_free(void *state)
{
	struct views *v = state;
	if (v->waiting && wvl_help_views_flush(v->ctx) != 0)
		wvl_log(v->ctx, WVL_LOG_WARN, "help view counts lost at shutdown: %s",
			wvl_error_last()->message);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

const struct wvl_module wvl_help__module = {
	.name = "help",
	.state_new = state_new,
	.state_free = state_free,
};
