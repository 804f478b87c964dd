/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ANALYTICS_FIXTURE_H
#define WL_ANALYTICS_FIXTURE_H

/* The analytics fixture docs/ANALYTICS.md works through by hand; run as
 * the system (test_sys_value), it answers 'ok'. */

#define A "aaaaaaaa-0000-4000-8000-000000000001"
#define B "aaaaaaaa-0000-4000-8000-000000000002"
#define C "aaaaaaaa-0000-4000-8000-000000000003"
#define D "aaaaaaaa-0000-4000-8000-000000000004"
#define E "aaaaaaaa-0000-4000-8000-000000000005"
#define F "aaaaaaaa-0000-4000-8000-000000000006"

/* Clients (USD unless said): the trigger writes each one's first state at
 * created_at; later states are written with their own times. */
static const char analytics_fixture_sql[] =
	"INSERT INTO clients (id, name, status, monthly_fee_cents, currency, start_date, created_at)"
	" VALUES ('" A "', 'A', 'active', 1000, 'USD', '2025-12-01', '2025-12-10T00:00:00Z'),"
	"        ('" B "', 'B', 'lead', 2000, 'USD', NULL, '2026-01-05T00:00:00Z'),"
	"        ('" C "', 'C', 'lead', 500, 'USD', '2026-02-10', '2026-02-03T00:00:00Z'),"
	"        ('" D "', 'D', 'lead', 0, 'USD', NULL, '2026-03-01T00:00:00Z'),"
	"        ('" E "', 'E', 'active', 9999, 'EUR', NULL, '2026-01-01T00:00:00Z'),"
	"        ('" F "', 'F', 'active', 1500, 'USD', NULL, '2026-04-05T00:00:00Z');"
	"INSERT INTO client_status_history (client_id, status, monthly_fee_cents, valid_from) VALUES"
	" ('" B "', 'active', 2000, '2026-01-20T00:00:00Z'),"
	" ('" B "', 'active', 3000, '2026-03-15T00:00:00Z'),"
	" ('" B "', 'churned', 3000, '2026-04-10T00:00:00Z'),"
	" ('" B "', 'active', 3000, '2026-06-02T00:00:00Z'),"
	" ('" C "', 'active', 500, '2026-02-10T00:00:00Z'),"
	" ('" C "', 'active', 400, '2026-05-20T00:00:00Z'),"
	" ('" F "', 'churned', 1500, '2026-04-25T00:00:00Z');"
	"INSERT INTO onboarding_progress (client_id, completed_at) VALUES"
	" ('" A "', '2025-12-20T00:00:00Z'), ('" B "', '2026-02-01T00:00:00Z'),"
	" ('" C "', NULL), ('" E "', '2026-01-10T00:00:00Z');"
	"INSERT INTO deliverables (client_id, milestone, status, delivered_at) VALUES"
	" ('" A "', 1, 'delivered', '2026-01-01T00:00:00Z'),"
	" ('" A "', 2, 'delivered', '2026-02-11T00:00:00Z'),"
	" ('" A "', 3, 'delivered', '2026-07-15T00:00:00Z'),"
	" ('" B "', 1, 'delivered', '2026-02-04T12:00:00Z'),"
	" ('" C "', 1, 'delivered', '2026-03-22T00:00:00Z');"
	"INSERT INTO support_tickets (id, subject, status, priority, client_id, created_at,"
	"   first_response_at, first_response_time, resolved_at, resolution_time) VALUES"
	" ('bbbbbbbb-0000-4000-8000-000000000001', 'T1', 'resolved', 'high', '" A "',"
	"  '2026-01-10T00:00:00Z', '2026-01-10T02:00:00Z', '2 hours', '2026-01-13T08:00:00Z', '80 hours'),"
	" ('bbbbbbbb-0000-4000-8000-000000000002', 'T2', 'resolved', 'medium', '" B "',"
	"  '2026-01-20T00:00:00Z', '2026-01-21T06:00:00Z', '30 hours', '2026-01-24T04:00:00Z', '100 hours'),"
	" ('bbbbbbbb-0000-4000-8000-000000000003', 'T3', 'open', 'low', '" B "',"
	"  '2026-01-25T00:00:00Z', NULL, NULL, NULL, NULL),"
	" ('bbbbbbbb-0000-4000-8000-000000000005', 'T5', 'open', 'urgent', '" C "',"
	"  '2026-02-05T00:00:00Z', '2026-02-05T00:30:00Z', '30 minutes', NULL, NULL);"
	/* A duplicate merged into T1: not counted. */
	"INSERT INTO support_tickets (subject, status, priority, client_id, created_at, merged_into_id,"
	"   closed_at) VALUES ('T4', 'closed', 'low', '" A "', '2026-01-11T00:00:00Z',"
	"   'bbbbbbbb-0000-4000-8000-000000000001', '2026-01-11T01:00:00Z');"
	"INSERT INTO token_usage (client_id, purpose, model, input_tokens, output_tokens, cost_cents,"
	"   created_at) VALUES"
	" ('" A "', 'coach', 'm', 100, 50, 1.5, '2026-01-15T00:00:00Z'),"
	" ('" B "', 'business_plan', 'm', 1000, 2000, 30.25, '2026-01-20T00:00:00Z'),"
	" (NULL, 'coach', 'm', 10, 5, 0.0125, '2026-03-01T00:00:00Z');"
	"INSERT INTO payments (client_id, amount_cents, currency, status, paid_at) VALUES"
	" ('" A "', 1000, 'USD', 'paid', '2026-01-03T00:00:00Z'),"
	" ('" B "', 2000, 'USD', 'paid', '2026-01-31T23:30:00Z'),"
	" ('" A "', 1000, 'USD', 'paid', '2026-02-01T00:00:00Z'),"
	" ('" B "', 2000, 'USD', 'refunded', '2026-02-10T00:00:00Z'),"
	" ('" A "', 1000, 'USD', 'pending', NULL),"
	" ('" E "', 9999, 'EUR', 'paid', '2026-01-05T00:00:00Z');"
	"SELECT 'ok'";

#endif
