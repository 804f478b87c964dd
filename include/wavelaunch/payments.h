/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_PAYMENTS_H
#define WAVELAUNCH_PAYMENTS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Payments: what clients paid, recorded by an admin (revenue analytics;
 * MRR comes from the clients' fees, revenue from here).  The resource is
 * {"id","client_id","amount_cents","currency","status","paid_at","period",
 *  "description","recorded_by","created_at","updated_at"}; status is one of
 * pending, paid, failed, refunded, cancelled; period the first day of the
 * month paid for.  Every call is for admins (and the system) only:
 * WVL_EFORBIDDEN for staff and client users, WVL_EUNAUTHENTICATED for
 * anonymous actors.  A write records an activity row (never shown to the
 * client) in the same transaction.  All calls are thread-safe; *out_json
 * is the caller's (wvl_free).
 */

/**
 * Records a payment.  Body: {"client_id","amount_cents"} required;
 * "currency" (default: the client's), "status" (default paid), "paid_at"
 * (RFC 3339; default now by the context's clock when paid), "period"
 * (YYYY-MM or YYYY-MM-01), "description" (up to 500 characters).  Unknown
 * fields and bad values are WVL_EVALIDATION naming the field (a client_id
 * that names no client too); WVL_EUNAVAILABLE when the database is down.
 * Returns 0 with *out_json, the payment, which the caller frees (wvl_free).
 */
WVL_EXTERN int wvl_payments_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				   const char *body_json) WVL_WARN_UNUSED;

/** One payment: returns 0 with *out_json (the caller frees it with wvl_free),
 * WVL_ENOTFOUND when there is none with that id. */
WVL_EXTERN int wvl_payments_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id) WVL_WARN_UNUSED;

/**
 * Changes a payment: "status", "paid_at", "description" (as create).
 * Marking one paid without paid_at takes now.  Returns 0 with *out_json
 * (the caller frees it with wvl_free); WVL_ENOTFOUND, WVL_EVALIDATION as
 * create, WVL_EINVAL "bad_request" for an empty body.
 */
WVL_EXTERN int wvl_payments_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				   const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Lists payments, newest first (the rules of query.h).  `scope_id` NULL
 * for all, or a client's id for its payments.  Filters: status, client_id.
 * Returns 0 with the page in *out_json (the caller frees it with
 * wvl_free); WVL_EINVAL "bad_request" for a bad parameter, WVL_ENOTFOUND
 * for a malformed scope id.
 */
WVL_EXTERN int wvl_payments_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
