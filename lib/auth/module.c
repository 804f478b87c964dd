/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The auth module as the core sees it (struct wvl_module): its
 * configuration checks, its per-context state, and the guard that checks a
 * remembered session again in the round trip of the actor's first
 * statement (session_cache.c says why that is safe). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

/* The guard: the actor's settings, made only while the remembered session
 * is valid and still belongs to the same user, role and client. */
static const char guard_sql[] =
	"SELECT set_config('wvl.actor_role', $1, true), set_config('wvl.actor_id', $2, true),"
	" set_config('wvl.actor_client_id', $3, true)"
	" FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE " WVL_SESSION_VALID_SQL("$4", "$5", "$6")
	"   AND u.id = $2::uuid AND u.role = $1"
	"   AND u.client_id IS NOT DISTINCT FROM nullif($3, '')::uuid";

/* "\\x" and 64 lowercase hex digits: the SHA-256 of the cookie, as
 * wvl_auth_session_cached leaves it. */
static bool check_ok(const char *h)
{
	if (h[0] != '\\' || h[1] != 'x' || strnlen(h, WVL_ACTOR_CHECK_SIZE) != 66)
		return false;
	for (int i = 2; i < 66; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

static void guard_params(wvl_ctx *ctx, const wvl_actor *a, char extra[][80])
{
	snprintf(extra[0], 80, "%s", a->session_check);
	wvl_auth__now(ctx, extra[1]);
	snprintf(extra[2], 80, "%lu", wvl_auth__seconds(ctx, "WL_SESSION_IDLE_SECONDS", 86400));
}

static const struct wvl_actor_guard guard = {
	.sql = guard_sql,
	.nextra = 3,
	.check_ok = check_ok,
	.params = guard_params,
};

static int state_new(void **out, wvl_ctx *ctx)
{
	(void)ctx;
	struct wvl_auth_state *st = calloc(1, sizeof(*st));
	if (!st)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	pthread_mutex_init(&st->lock, NULL);
	*out = st;
	return 0;
}

static void state_free(void *p)
{
	struct wvl_auth_state *st = p;
	wvl_auth__sessions_free(st->sessions);
	free(st->dummy_hash);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const struct wvl_module wvl_auth__module = {
	.name = "auth",
	.keys = &wvl_auth__keys,
	.state_new = state_new,
	.state_free = state_free,
	.guard = &guard,
};

struct wvl_auth_state *wvl_auth__state(const wvl_ctx *ctx)
{
	return wvl_ctx__state(ctx, &wvl_auth__module);
}
