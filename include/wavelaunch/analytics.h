/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_ANALYTICS_H
#define WAVELAUNCH_ANALYTICS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Analytics: the agency's business figures, month by month, computed in
 * SQL over any range of months.  docs/ANALYTICS.md defines every figure and
 * works one example through by hand.  Months are calendar months in UTC; a
 * client's state in a month is its state at the month's end (the
 * client_status_history a trigger keeps).
 */

/**
 * The figures of a range of months (admins and the system only:
 * WVL_EFORBIDDEN for staff and client users, WVL_EUNAUTHENTICATED for
 * anonymous actors).  `scope_id` must be NULL (WVL_EINVAL otherwise).
 *
 * Query parameters (each optional; any other is WVL_EINVAL "bad_request"
 * naming it):
 *   from      YYYY-MM or YYYY-MM-DD: the first month (its month counts);
 *             default: eleven months before `to`
 *   to        YYYY-MM or YYYY-MM-DD: the last month; default: the current
 *             month by the context's clock
 *   currency  ISO 4217 code of the money figures (clients and payments in
 *             other currencies are left out of them); default USD
 * A malformed value, from after to, or more than 120 months is
 * WVL_EVALIDATION with the field named.
 *
 * Returns 0 with *out_json (the caller's, wvl_free) set to
 * {"from","to","currency","months":[{"month":"YYYY-MM","mrr_cents",
 *  "active_clients","new_mrr_cents","expansion_mrr_cents",
 *  "contraction_mrr_cents","reactivation_mrr_cents","churned_mrr_cents",
 *  "new_clients","reactivated_clients","churned_clients","logo_churn",
 *  "gross_mrr_churn","net_mrr_churn","revenue_cents","payments",
 *  "refunded_cents","ai":{"calls","input_tokens","output_tokens",
 *  "cost_cents"},"tickets":{"opened","responded",
 *  "first_response_median_seconds","first_response_met","resolved",
 *  "resolution_median_seconds","resolution_met"}}, ...],
 *  "cohorts":[{"cohort":"YYYY-MM","size","active":[...],"retention":[...]}],
 *  "funnel":[{"step","clients","conversion"}, ...],
 *  "time_to_deliverable":[{"milestone","delivered","median_days",
 *  "p90_days"}, ...],"ai_by_purpose":[...],"totals":{...}}
 * Ratios are fractions rounded to 4 places, null when their denominator is
 * zero.  Other failures: WVL_EUNAVAILABLE (database down), WVL_EINTERNAL.
 * Thread-safe (the context's pools are).
 */
WVL_EXTERN int wvl_analytics_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
