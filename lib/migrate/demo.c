/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Demo data: believable creators, their plans, milestones, notes and
 * activity, generated in bulk by PostgreSQL (10,000 clients take about a
 * second).  The series is bigint: its products (g * 104729) pass 2^31
 * from 20,506 clients on. */

#include <stdio.h>
#include <stdlib.h>

#include "../core/pg.h"
#include "wavelaunch/migrate.h"

static const char clients_sql[] =
	"CREATE TEMP TABLE demo_clients ON COMMIT DROP AS"
	" WITH f(first) AS (SELECT unnest(ARRAY['Ava','Liam','Maya','Noah','Zoe','Kai','Lena','Omar',"
	"   'Priya','Theo','Nia','Mateo','Sofia','Jonas','Aria','Diego','Mila','Ravi','Elena','Sam'])),"
	" l(last) AS (SELECT unnest(ARRAY['Rivera','Chen','Okafor','Novak','Haddad','Silva','Kim',"
	"   'Larsen','Moreau','Patel','Nguyen','Fischer','Costa','Adeyemi','Rossi','Tanaka'])),"
	" n(niche) AS (SELECT unnest(ARRAY['fitness','beauty','gaming','cooking','travel','fashion',"
	"   'music','finance','parenting','tech'])),"
	" src AS (SELECT g,"
	"   (SELECT first FROM f OFFSET (g * 7) % 20 LIMIT 1) AS first,"
	"   (SELECT last FROM l OFFSET (g * 11) % 16 LIMIT 1) AS last,"
	"   (SELECT niche FROM n OFFSET (g * 3) % 10 LIMIT 1) AS niche,"
	"   (ARRAY['lead','onboarding','active','active','active','active','paused','completed'])"
	"     [(1 + (g * 13) % 8)::int] AS status,"
	"   $2::timestamptz - make_interval(days => ((g * 37) % 400)::int) AS created"
	"   FROM generate_series(1::bigint, $1::bigint) AS g),"
	" ins AS (INSERT INTO clients (name, brand_name, email, niche, status, start_date,"
	"   monthly_fee_cents, onboarded_at, created_at, updated_at, social_handles, intake)"
	"   SELECT first || ' ' || last, first || ' ' || initcap(niche) || ' Co.',"
	"     lower(first || '.' || last || '.' || g || '.' || substr(md5(random()::text), 1, 6)"
	"       || '@example.com'),"
	"     niche, status, (created + interval '14 days')::date, 150000 + (g * 7919) % 350000,"
	"     CASE WHEN status <> 'lead' THEN created + interval '7 days' END, created, created,"
	"     json_build_object('instagram', '@' || lower(first || last || g))::jsonb,"
	"     json_build_object('audience', (g * 104729) % 900000 + 10000, 'goal',"
	"       'Launch a ' || niche || ' product line')::jsonb"
	"   FROM src RETURNING id, status, start_date, created_at)"
	" SELECT * FROM ins";

static const char deliverables_sql[] =
	"INSERT INTO deliverables (client_id, milestone, title, status, due_date, content_markdown,"
	" content_html, ready_at, delivered_at)"
	" SELECT c.id, m, (ARRAY['Brand strategy and positioning','Visual identity',"
	"   'Product development','Content strategy','Store and website','Launch marketing plan',"
	"   'Launch execution','Growth and optimisation'])[m],"
	"   CASE WHEN c.status IN ('lead', 'onboarding') THEN 'planned'"
	"     WHEN m <= (abs(hashtext(c.id::text)) % 6) THEN 'delivered'"
	"     WHEN m = (abs(hashtext(c.id::text)) % 6) + 1 THEN 'ready' ELSE 'planned' END,"
	"   wvl_milestone_due(c.start_date, m),"
	"   '## Summary' || E'\\n\\n' || 'Work for milestone ' || m || '.',"
	"   '<h2>Summary</h2>' || E'\\n' || '<p>Work for milestone ' || m || '.</p>', NULL, NULL"
	" FROM demo_clients c, generate_series(1, 8) AS m";

static const char plans_sql[] =
	"INSERT INTO business_plans (client_id, version, status, title, content_markdown,"
	" content_html, approved_at, created_at, updated_at)"
	" SELECT c.id, 1, CASE WHEN c.status = 'lead' THEN 'draft' ELSE 'approved' END,"
	"   'Launch plan', '# Launch plan' || E'\\n\\n' || 'Positioning, products and channels.',"
	"   '<h1>Launch plan</h1>' || E'\\n' || '<p>Positioning, products and channels.</p>',"
	"   CASE WHEN c.status <> 'lead' THEN c.created_at + interval '10 days' END,"
	"   c.created_at, c.created_at FROM demo_clients c";

static const char notes_sql[] =
	"INSERT INTO notes (client_id, body, created_at, updated_at)"
	" SELECT c.id, '<p>Kick-off call went well; follow up on product samples.</p>',"
	"   c.created_at + interval '2 days', c.created_at + interval '2 days' FROM demo_clients c";

static const char activity_sql[] =
	"INSERT INTO activities (client_id, entity_type, entity_id, action, summary, created_at)"
	" SELECT c.id, 'client', c.id, 'created', 'Client created (demo data)', c.created_at"
	" FROM demo_clients c"
	" UNION ALL SELECT p.client_id, 'business_plan', p.id, 'approved', 'Business plan approved',"
	"   p.approved_at FROM business_plans p JOIN demo_clients c ON c.id = p.client_id"
	"   WHERE p.status = 'approved'";

int wvl_migrate_seed_demo(int *out_created, wvl_ctx *ctx, unsigned int clients)
{
	if (!out_created || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_created and ctx are required");
	*out_created = 0;
	if (clients < 1 || clients > 100000)
		return wvl_err__set(WVL_EINVAL, NULL, "clients must be between 1 and 100000");
	char n[16], now[40];
	snprintf(n, sizeof(n), "%u", clients);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (rc)
		return rc;
	const char *p[] = {n, now};
	const char *steps[] = {deliverables_sql, plans_sql, notes_sql, activity_sql};
	PGresult *r = wvl_pg__exec(ctx, c, clients_sql, 2, p);
	for (size_t i = 0; r && i < sizeof(steps) / sizeof(steps[0]); i++) {
		PQclear(r);
		r = wvl_pg__exec(ctx, c, steps[i], 0, NULL);
	}
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	PQclear(r);
	/* Fresh statistics: a 10,000-row insert otherwise leaves the planner
	 * guessing until autovacuum comes by. */
	if ((rc = wvl_pg__commit(ctx, c)) != 0)
		return rc;
	*out_created = (int)clients;
	wvl_log(ctx, WVL_LOG_INFO, "seeded %u demo clients", clients);
	return 0;
}
