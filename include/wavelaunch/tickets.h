/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_TICKETS_H
#define WAVELAUNCH_TICKETS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Support tickets: numbered threads between a client and the team.
 *
 * Ticket (JSON):
 *   {"id","number","subject","description","description_html","status",
 *    "priority","category","client_id","assigned_to_id","created_by",
 *    "merged_into_id","message_count","first_response_at","resolved_at",
 *    "closed_at","created_at","updated_at","sla"}
 * with sla {"state","due_at","first_response_seconds","resolution_seconds",
 * "paused_seconds"}.  status is open, in_progress, waiting_on_client,
 * resolved or closed; priority low, medium (default), high or urgent;
 * category general (default), technical, billing, deliverable, account,
 * feature_request or other.  description is markdown and description_html
 * its rendering (cmark-gfm, then wvl_sanitize_html).  A client user's view
 * leaves out the team's side: assigned_to_id, created_by and sla.
 *
 * Message (JSON):
 *   {"id","ticket_id","message","html","is_admin_reply","internal",
 *    "author_id","author_name","files":[{"id","name","size","content_type"}],
 *    "created_at"}
 * message is markdown, html its sanitised rendering.  internal marks a
 * team-only note: a client user never sees one, nor learns of it through
 * message_count, search or the activity trail.  For a client user the
 * author_id of the team's messages is null.
 *
 * Numbers come from a PostgreSQL sequence: unique under any concurrency,
 * with gaps after rollbacks.  Wherever a ticket is named (`id` below) the
 * uuid or the number in decimal is accepted, and a ticket merged into
 * another resolves to that one.
 *
 * Who may do what: the team (admin, staff) reaches every ticket; a client
 * user only its own client's.  A ticket out of reach is WVL_ENOTFOUND,
 * never WVL_EFORBIDDEN; an action the role may never take (a client
 * assigning, changing priority or category, writing internal notes,
 * merging) is WVL_EFORBIDDEN; anonymous is WVL_EUNAUTHENTICATED.
 *
 * Status transitions (anything else is WVL_ECONFLICT, the message naming
 * the allowed targets; setting the current status is a no-op):
 *   open              -> in_progress, waiting_on_client, resolved, closed
 *   in_progress       -> open, waiting_on_client, resolved, closed
 *   waiting_on_client -> open, in_progress, resolved, closed
 *   resolved          -> open, in_progress, closed
 *   closed            -> open (the team reopens)
 * A client user may only close.  A client's reply moves a ticket that is
 * waiting_on_client or resolved back to open; nobody may reply to a
 * closed ticket (WVL_ECONFLICT), though the team may still add internal
 * notes.
 *
 * SLA clock (times from the context's clock, wvl_now): the first team
 * reply that is not internal is due 1 h (urgent), 4 h (high), 24 h
 * (medium) or 72 h (low) after creation; resolution 24 h, 72 h, 168 h or
 * 336 h.  Time in waiting_on_client does not count: it pauses the clock
 * and moves the deadline (sla.due_at is null while paused or finished).
 * first_response_seconds and resolution_seconds are measured net of the
 * pauses; reopening clears the resolution.  sla.state is paused, on_track,
 * breached, and for resolved or closed tickets met or missed.
 *
 * Side effects, in the same transaction as the change (a rolled-back change
 * leaves none): a new ticket or a client's reply enqueues a
 * "notification_create" (queue "notifications") and an "email_send" (queue
 * "email") job for the team; a team reply that is not internal, the same
 * two for the client; closing, an "email_send" for the client.  Their args:
 * {"template","type","audience","client_id","ticket_id","number"} with
 * template = type = ticket_created, ticket_replied or ticket_closed and
 * audience "team" or "client".  Every change writes an activity row
 * (entity_type "ticket"); those rows are the team's (a client's trail does
 * not show them).
 *
 * Every call below may also return WVL_EINVAL for a NULL out_json, ctx or
 * actor, WVL_EUNAUTHENTICATED for an anonymous actor, and WVL_EUNAVAILABLE
 * when PostgreSQL cannot be reached; on any failure *out_json is NULL.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

/**
 * Opens a ticket.  Body for the team: {"subject" (required, <= 300),
 * "description" (markdown, <= 50,000 characters), "priority", "category",
 * "client_id" (NULL or absent: an internal ticket), "assigned_to_id" (an
 * active admin or staff user)}.  A client user sends subject, description
 * and category only; the client is its own.
 *
 * Returns 0 with the ticket; WVL_EINVAL for a malformed body;
 * WVL_EVALIDATION with field errors (unknown field, bad value, blank
 * subject, no such client, not a team member); WVL_EUNAUTHENTICATED;
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_tickets_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *body_json) WVL_WARN_UNUSED;

/**
 * One ticket by uuid or number (a merged one resolves to where it went),
 * as the actor's view.  Returns 0 with the ticket (the caller's, wvl_free);
 * WVL_ENOTFOUND when there is none within
 * the actor's reach (or `id` is neither form); WVL_EUNAUTHENTICATED;
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_tickets_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *id) WVL_WARN_UNUSED;

/**
 * Lists tickets (the rules of query.h); merged tickets are left out.
 * `scope_id`: NULL for every ticket in reach, or a client's id
 * (/api/clients/{id}/tickets).  Filters: status, priority, category,
 * assigned_to_id, client_id, sla (a sla.state), q (full-text search over
 * subjects, descriptions and the messages the actor may see; "42" or "#42"
 * also finds ticket 42).  A client user always gets its own client's
 * tickets: client_id, assigned_to_id and sla are ignored for it, and a
 * scope of another client is WVL_ENOTFOUND.  Sorts: created_at (default,
 * newest first), updated_at, number, priority (urgent first), sla (the
 * soonest deadline first, tickets without one last).  Fields: every field
 * of the actor's view.  Returns 0 with a page; WVL_EINVAL (slug
 * "bad_request") for a query the list does not take; WVL_ENOTFOUND (a
 * scope that is not a uuid, or another client's for a client user);
 * WVL_EUNAUTHENTICATED; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_tickets_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Changes a ticket: body {"status","priority","category","assigned_to_id"
 * (null unassigns)}; a client user may only send {"status":"closed"}.
 * Returns 0 with the ticket (the caller's); WVL_EINVAL (malformed or empty
 * body);
 * WVL_EVALIDATION (bad values, an assignee who is not an active team
 * member); WVL_ENOTFOUND; WVL_EFORBIDDEN (a client changing anything but
 * closing); WVL_ECONFLICT (a transition the table above does not allow).
 */
WVL_EXTERN int wvl_tickets_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Closes a ticket (its client user or the team): wvl_tickets_update with
 * {"status":"closed"}.  Returns what that returns: 0 with the ticket (the
 * caller's), WVL_ENOTFOUND, WVL_ECONFLICT (closed already is a no-op, not a
 * conflict), and the common errors above.
 */
WVL_EXTERN int wvl_tickets_close(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id) WVL_WARN_UNUSED;

/**
 * Adds a message.  Body {"message" (markdown, required, <= 50,000
 * characters), "internal" (team only; default false), "file_ids" (up to 10
 * files of the ticket's client, not deleted)}.  The team's first reply
 * that is not internal stops the first-response clock.
 *
 * Returns 0 with the message (the caller's); WVL_EINVAL; WVL_EVALIDATION
 * (blank message,
 * files that are not the client's); WVL_ENOTFOUND; WVL_EFORBIDDEN (a client
 * writing an internal note); WVL_ECONFLICT (the ticket is closed).
 */
WVL_EXTERN int wvl_tickets_reply(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * A ticket's messages, oldest first (the rules of query.h; no filters or
 * sorts).  `ticket_id` is the ticket's uuid or number.  Internal notes are
 * left out for client users.  Returns 0 with a page (the caller's);
 * WVL_EINVAL (a query
 * the list does not take, or no ticket given); WVL_ENOTFOUND for a ticket
 * out of reach; WVL_EUNAUTHENTICATED; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_tickets_messages_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					 const char *ticket_id, const wvl_query *query)
	WVL_WARN_UNUSED;

/**
 * Merges the duplicate `id` into another ticket (team only): body
 * {"into": uuid or number}.  The duplicate's messages move (its description
 * becomes a message dated when it was written), it is closed with
 * merged_into_id set, and from then on its id and number resolve to the
 * other ticket.  No email is sent.
 *
 * Returns 0 with the ticket merged into (the caller's); WVL_EVALIDATION ("into" missing,
 * unknown, the same ticket, or another client's); WVL_ENOTFOUND;
 * WVL_EFORBIDDEN; WVL_ECONFLICT (the duplicate was merged already, or the
 * other ticket is closed).
 */
WVL_EXTERN int wvl_tickets_merge(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id, const char *body_json) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
