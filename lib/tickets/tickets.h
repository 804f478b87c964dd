/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_TICKETS_INTERNAL_H
#define WVL_TICKETS_INTERNAL_H

/* Internal to the tickets module: what its files share.  Never installed.
 * The rules themselves are documented in wavelaunch/tickets.h. */

#include <stdbool.h>

#include "../core/json.h"
#include "../core/list.h"
#include "../core/pg.h"
#include "wavelaunch/tickets.h"

/* The live ticket a step works on, after wvl_tickets__lock. */
struct wvl_ticket {
	char id[37];
	char client_id[37]; /* "" for an internal ticket (no client) */
	char status[20];
	char number[24];
	char priority[10];
	char category[20];
	char assignee[37];  /* "" when unassigned */
};

/* The columns of a struct wvl_ticket (alias t), in wvl_tickets__from_row's
 * order. */
#define WVL_TICKETS_ROW                                                                      \
	"t.id, coalesce(t.client_id::text, ''), t.status, t.number, t.priority, t.category,"  \
	" coalesce(t.assigned_to_id::text, '')"

/* Fills `t` from the first row of `r`, whose first columns are
 * WVL_TICKETS_ROW. */
void wvl_tickets__from_row(struct wvl_ticket *t, const PGresult *r);

/* The enums of the resource, NULL-terminated. */
extern const char *const wvl_tickets__statuses[];
extern const char *const wvl_tickets__priorities[];
extern const char *const wvl_tickets__categories[];
/* Whether `v` is one of `set`. */
bool wvl_tickets__one_of(const char *const *set, const char *v);

/* Whether the actor is a client user (the views and predicates differ). */
bool wvl_tickets__is_client(const wvl_actor *a);

/* ---- common.c ---- */

/* 0 for a signed-in actor, WVL_EUNAUTHENTICATED otherwise; WVL_EINVAL for
 * missing arguments (and *out_json cleared). */
int wvl_tickets__begin_call(char **out_json, const wvl_ctx *ctx, const wvl_actor *actor);

/* wvl_tickets__begin_call, then the body parsed against `fields`
 * (wvl_json__parse_body); NULL with the thread's error set on failure. */
json_t *wvl_tickets__begin_body(char **out_json, const wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json, const struct wvl_field *fields, size_t n);

/* The client predicate's parameter: a client user's own client, "" (no
 * restriction) for the team. */
const char *wvl_tickets__scope_of(const wvl_actor *a);

/* A string member of a body, or NULL. */
const char *wvl_tickets__str(json_t *body, const char *key);

/* A validation error for a status, priority or category the body holds
 * that is not one of the enum's. */
int wvl_tickets__check_enums(json_t *body);

/* 0 when `id` is NULL or `sql` ($1 = id) finds a row; otherwise the field
 * error `field`: `message`. */
int wvl_tickets__exists(wvl_ctx *ctx, PGconn *c, const char *sql, const char *id,
			const char *field, const char *message);

/* ---- view.c: the resource's fields and how a ticket is named ---- */

/* Every statement reading tickets (alias t) joins this one-row `clock`:
 * $1 the context's now (the SLA state depends on it) and $2 whether the
 * reader is a client user.  Always parsed, so both parameters have their
 * types whichever fields a sparse fieldset keeps. */
#define WVL_TICKETS_CLOCK "(SELECT $1::timestamptz AS at, $2::boolean AS client) clock"

/* How a ticket is named: a uuid, or its number ("42" or "#42").  Sets
 * *number_form and the parameter text in `param` (37 bytes); false when
 * `ref` is neither. */
bool wvl_tickets__ref(const char *ref, bool *number_form, char param[37]);

/* The list spec of the actor's view (a client user's leaves out the
 * team's fields). */
const struct wvl_list_spec *wvl_tickets__spec(const wvl_actor *actor);

/* The ticket named `ref` (resolving merges) as the actor's view into
 * *out: on `c` inside the caller's transaction, or (c NULL) as a read of
 * its own.  WVL_ENOTFOUND when out of reach. */
int wvl_tickets__view(char **out, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		      const char *ref);

/* Resolves `ref` (merges followed) within the actor's reach and locks the
 * ticket FOR UPDATE in the caller's transaction.  WVL_ENOTFOUND. */
int wvl_tickets__lock(struct wvl_ticket *t, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		      const char *ref);
/* The same as a read of its own, without a lock. */
int wvl_tickets__find(struct wvl_ticket *t, wvl_ctx *ctx, const wvl_actor *actor,
		      const char *ref);

/* ---- messages.c ---- */

/* A message (alias m) as JSON; CLIENT is an SQL boolean: a client user
 * reading, who is not shown the team's user ids.  Deleted files drop out
 * of the attachments. */
#define WVL_TICKETS_MESSAGE_JSON(CLIENT)                                                      \
	"json_build_object('id', m.id, 'ticket_id', m.ticket_id, 'message', m.message,"       \
	" 'html', m.html, 'is_admin_reply', m.is_admin_reply, 'internal', m.internal,"        \
	" 'author_id', CASE WHEN " CLIENT " AND m.is_admin_reply THEN NULL ELSE m.author_id END," \
	" 'author_name', (SELECT u.name FROM users u WHERE u.id = m.author_id),"               \
	" 'files', (SELECT coalesce(json_agg(json_build_object('id', f.id, 'name', f.name,"    \
	"   'size', f.size, 'content_type', f.content_type) ORDER BY f.name, f.id), '[]')"     \
	"   FROM ticket_message_files mf JOIN files f ON f.id = mf.file_id"                    \
	"   WHERE mf.message_id = m.id AND f.deleted_at IS NULL),"                             \
	" 'created_at', m.created_at)"

/* ---- status.c: the transition table and the SLA bookkeeping ---- */

/* Moves a locked ticket to `to` (the table of tickets.h; WVL_ECONFLICT
 * naming the allowed targets otherwise), keeping the SLA clock, writing the
 * activity and, for "closed", enqueueing the client's email.  The current
 * status is a no-op.  Updates t->status. */
int wvl_tickets__transition(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			    struct wvl_ticket *t, const char *to, const char *now);

/* The same change without the table, the activity or the email (a merge
 * closes its duplicate this way). */
int wvl_tickets__apply_status(wvl_ctx *ctx, PGconn *c, const char *id, const char *to,
			      const char *now);

/* ---- update.c ---- */

/* 0 when `user_id` is NULL or an active admin or staff user, else a
 * validation error on assigned_to_id. */
int wvl_tickets__check_assignee(wvl_ctx *ctx, PGconn *c, const char *user_id);

/* ---- events.c: what a change leaves behind ---- */

/* Enqueues the in-app notification and the email (or, email_only, just the
 * email) for `audience` ("team" or "client") in the caller's transaction;
 * `key` makes the jobs unique (a message id, or the ticket id and now). */
int wvl_tickets__notify(wvl_ctx *ctx, PGconn *c, const struct wvl_ticket *t,
			const char *template_name, const char *audience, const char *key,
			bool email_only);

/* Writes the ticket's activity row.  Activity is the team's table: a
 * client user's change writes it as the system (migration 0005), and the
 * actor's role is restored afterwards. */
int wvl_tickets__record(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			const struct wvl_ticket *t, const char *action, const char *summary);

/* ---- render.c ---- */

/* Renders markdown for storage into *html (wvl_free): WVL_EVALIDATION
 * naming `field` when it holds nothing but blanks. */
int wvl_tickets__render(char **html, const char *field, const char *markdown);

#endif
