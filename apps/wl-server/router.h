/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ROUTER_H
#define WL_ROUTER_H

/* A small router: "/api/users/{id}/unlock" style patterns, exact segments
 * or one {param} per segment. */

#include "server.h"

typedef void (*wl_handler)(struct wl_request *req, struct wl_response *resp);

/* Route flags. */
#define WL_PUBLIC 1u   /* no authentication needed */
#define WL_STREAM 2u   /* the body is streamed (wl_route.stream), not accumulated */
#define WL_NO_STORE 4u /* a success carries Cache-Control: no-store (secrets) */
/* A credential in the request itself decides (a webhook's signature, a
 * link's token): no session is looked up (the actor is anonymous, so no
 * CSRF check and the stranger's body limit), and the body reaches the
 * handler as it came, whatever its content type (RFC 8058's one-click
 * POST is a form; a webhook's signature covers the exact bytes). */
#define WL_RAW 8u

/* A route whose body is too large to hold (uploads).  The request is
 * routed, authenticated, CSRF-checked and rate-limited on the first call,
 * when only the headers are known, so a refused request stores nothing;
 * then the body is handed over piece by piece, and the route's handler
 * answers once it has all arrived. */
struct wl_stream_ops {
	/* Sets up req->stream.  False when it answered already (resp set). */
	bool (*begin)(struct wl_request *req, struct wl_response *resp);
	/* A piece of the body.  Failures are remembered and answered by the
	 * handler at the end: libmicrohttpd cannot answer mid-body. */
	void (*data)(struct wl_request *req, const char *data, size_t len);
	/* Always called when the connection is done with the request,
	 * answered or not (`aborted`: the client went away or timed out). */
	void (*cleanup)(struct wl_request *req, bool aborted);
};

/* How a route calls the library: the few shapes every endpoint has.
 * {id} is the path's first parameter (NULL when it has none), body the
 * request's JSON text, query its wvl_query. */
enum wl_call {
	WL_CALL_HANDLER, /* written by hand: login, uploads, downloads, ... */
	WL_CALL_ACTOR,   /* f(&out, ctx, actor) */
	WL_CALL_ID,      /* f(&out, ctx, actor, {id}) */
	WL_CALL_BODY,    /* f(&out, ctx, actor, body) */
	WL_CALL_ID_BODY, /* f(&out, ctx, actor, {id}, body) */
	WL_CALL_LIST,    /* f(&out, ctx, actor, {id}, query): every list */
	WL_CALL_ID_QUERY, /* f(&out, ctx, actor, {id}, query): a read with parameters
			     that is not a list (a diff) */
	WL_CALL_ID_DO,   /* f(ctx, actor, {id}): nothing comes back */
	WL_CALL_BODY_DO, /* f(ctx, body): no actor, nothing comes back */
};

struct wl_route {
	const char *method;
	const char *pattern;
	unsigned int flags;
	enum wl_call call;
	union {
		wl_handler handler;
		int (*actor)(char **, wvl_ctx *, const wvl_actor *);
		int (*id)(char **, wvl_ctx *, const wvl_actor *, const char *);
		int (*id_body)(char **, wvl_ctx *, const wvl_actor *, const char *, const char *);
		int (*list)(char **, wvl_ctx *, const wvl_actor *, const char *, const wvl_query *);
		int (*id_do)(wvl_ctx *, const wvl_actor *, const char *);
		int (*body_do)(wvl_ctx *, const char *);
	} fn;
	unsigned int status;                /* of a success */
	const struct wl_stream_ops *stream; /* WL_STREAM routes */
};

/* The rest of a route's row after method, pattern and flags. */
#define WL_HANDLER(f) .call = WL_CALL_HANDLER, .fn.handler = (f)
#define WL_ACTOR(f, st) .call = WL_CALL_ACTOR, .fn.actor = (f), .status = (st)
#define WL_ID(f, st) .call = WL_CALL_ID, .fn.id = (f), .status = (st)
#define WL_BODY(f, st) .call = WL_CALL_BODY, .fn.id = (f), .status = (st)
#define WL_ID_BODY(f, st) .call = WL_CALL_ID_BODY, .fn.id_body = (f), .status = (st)
#define WL_LIST(f) .call = WL_CALL_LIST, .fn.list = (f), .status = 200
#define WL_ID_QUERY(f, st) .call = WL_CALL_ID_QUERY, .fn.list = (f), .status = (st)
#define WL_ID_DO(f) .call = WL_CALL_ID_DO, .fn.id_do = (f), .status = 204
#define WL_BODY_DO(f) .call = WL_CALL_BODY_DO, .fn.body_do = (f), .status = 204
#define WL_STREAMED(f, ops) .call = WL_CALL_HANDLER, .fn.handler = (f), .stream = (ops)

/* Runs a route's library call and answers from its result. */
void wl_route_run(const struct wl_route *route, struct wl_request *req,
		  struct wl_response *resp);

enum wl_match { WL_MATCH_OK, WL_MATCH_NO_PATH, WL_MATCH_NO_METHOD };

/* Matches method and path against the table.  On WL_MATCH_OK the route is
 * returned and req->params filled (pointing into `scratch`, which must hold
 * a copy of the path); on WL_MATCH_NO_METHOD `allow` lists the methods the
 * path takes ("GET, POST"). */
enum wl_match wl_route_match(const struct wl_route *routes, size_t n,
			     struct wl_request *req, char *scratch, size_t scratch_len,
			     const struct wl_route **out, char *allow, size_t allow_len);

/* The table of routes (routes.c). */
extern const struct wl_route wl_routes[];
extern const size_t wl_routes_count;

#endif
