/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Demo help articles, generated in bulk by PostgreSQL: believable titles
 * and bodies over a vocabulary of forty topics (so a search for one word
 * finds a few percent of them, as in a real help center), nine in ten
 * published, each with its version 1 and some views.  The search
 * benchmark (bench/help.sh) runs over 10,000 of them. */

#include <stdio.h>
#include <stdlib.h>

#include "help.h"

static const char seed_sql[] =
	"WITH w AS (SELECT"
	"  ARRAY['password','invoice','deliverable','portal','branding','logo','storefront',"
	"   'shipping','refund','analytics','newsletter','instagram','tiktok','youtube',"
	"   'merchandise','packaging','pricing','launch','budget','contract','onboarding',"
	"   'calendar','upload','notification','email','security','billing','subscription',"
	"   'photography','influencer','audience','campaign','manufacturer','sample','inventory',"
	"   'domain','checkout','discount','tax','report'] AS topics,"
	"  ARRAY['set up','change','review','export','share','update','cancel','approve',"
	"   'track','plan'] AS verbs,"
	"  ARRAY['getting-started','billing','portal','branding','products','marketing',"
	"   'account','security'] AS categories,"
	"  ARRAY['Most questions about your %2$s start here, and the answer is usually short.',"
	"   'To %1$s your %2$s, open the portal and pick the %2$s section from the menu.',"
	"   'Your account manager can %1$s the %3$s for you if you prefer not to do it yourself.',"
	"   'Changes to the %2$s show up in your dashboard within a few minutes.',"
	"   'If the %2$s looks wrong, check the %3$s first: the two are often linked.',"
	"   'Every change is kept in the history, so nothing you %1$s is lost.',"
	"   'Creators who %1$s their %2$s early tend to launch a month sooner.',"
	"   'The team reviews each %3$s before it reaches your audience.',"
	"   'You can %1$s the %2$s from your phone as well as from a computer.',"
	"   'Ask in a support ticket when the %2$s or the %3$s does not behave as described.',"
	"   'We send an email whenever your %2$s needs your attention.',"
	"   'A short video in the portal walks through the %3$s step by step.'] AS sentences),"
	" src AS (SELECT g, w.topics[1 + (g * 7) % 40] AS t1, w.topics[1 + (g * 13 + 5) % 40] AS t2,"
	"   w.verbs[1 + (g * 3) % 10] AS verb, w.categories[1 + (g * 7) % 8] AS category, w.sentences,"
	/* Published or not by a hash: by g % 10 whole topics would be drafts. */
	"   abs(hashtext('help' || g)) % 10 <> 0 AS pub,"
	"   $2::timestamptz - make_interval(days => (g * 37) % 700) AS created"
	"   FROM generate_series(1, $1::int) AS g, w),"
	/* Three different sentences a paragraph: offsets 0, 1..5 and 7..10. */
	" para AS (SELECT s.*, ARRAY(SELECT format(s.sentences[1 + i % 12], s.verb, s.t1, s.t2)"
	"     || ' ' || format(s.sentences[1 + (i + 1 + s.g % 5) % 12], s.verb, s.t1, s.t2)"
	"     || ' ' || format(s.sentences[1 + (i + 7 + k % 4) % 12], s.verb, s.t1, s.t2)"
	"     FROM generate_series(1, 3 + s.g % 3) AS k, LATERAL (SELECT s.g * 5 + k * 7 AS i) o)"
	"   AS ps FROM src s),"
	" doc AS (SELECT p.*, upper(left(p.verb, 1)) || substr(p.verb, 2) || ' your ' || p.t1"
	"   || CASE p.g % 3 WHEN 0 THEN ''"
	"     WHEN 1 THEN ' and ' || p.t2 ELSE ' settings' END AS title,"
	"   array_to_string(p.ps, E'\\n\\n') AS body FROM para p),"
	" ins AS (INSERT INTO help_articles (slug, title, content, html, body_text, excerpt,"
	"   category, tags, published, published_at, first_published_at, author_id, created_at,"
	"   updated_at)"
	"  SELECT help_slug_base(d.title) || '-' || (d.g + (SELECT count(*) FROM help_articles)), d.title,"
	"   '## About your ' || d.t1 || E'\\n\\n' || d.body,"
	"   '<h2>About your ' || d.t1 || '</h2>' || E'\\n<p>'"
	"     || array_to_string(d.ps, E'</p>\\n<p>') || '</p>',"
	"   'About your ' || d.t1 || E'\\n' || d.body,"
	"   regexp_replace(left(d.ps[1], 200), '\\s+\\S*$', '') || '\u2026',"
	"   d.category, CASE WHEN d.t1 = d.t2 THEN ARRAY[d.t1] ELSE ARRAY[d.t1, d.t2] END,"
	"   d.pub, CASE WHEN d.pub THEN d.created + interval '1 day' END,"
	"   CASE WHEN d.pub THEN d.created + interval '1 day' END, NULL, d.created,"
	"   d.created + interval '1 day'"
	/* Numbered after the articles there are, so seeding twice works; a
	 * slug someone took by hand is skipped. */
	"  FROM doc d ON CONFLICT (slug) DO NOTHING"
	"  RETURNING id, title, content, category, tags, published, created_at),"
	" ver AS (INSERT INTO help_article_versions (article_id, version, title, content, excerpt,"
	"   category, tags, reason, created_at)"
	"  SELECT id, 1, title, content, '', category, tags, 'created', created_at FROM ins),"
	" views AS (INSERT INTO help_article_views (article_id, views, updated_at)"
	"  SELECT id, (abs(hashtext(id::text)) % 5000), $2::timestamptz FROM ins WHERE published)"
	" SELECT count(*) FROM ins";

int wvl_help_seed_demo(int *out_created, wvl_ctx *ctx, unsigned int articles)
{
	if (!out_created || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_created and ctx are required");
	*out_created = 0;
	if (articles < 1 || articles > 100000)
		return wvl_err__set(WVL_EINVAL, NULL, "articles must be between 1 and 100000");
	char n[16], now[40];
	snprintf(n, sizeof(n), "%u", articles);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	const char *p[] = {n, now};
	PGconn *c;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, c, seed_sql, 2, p);
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	int created = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((rc = wvl_pg__commit(ctx, c)) != 0)
		return rc;
	*out_created = created;
	wvl_log(ctx, WVL_LOG_INFO, "seeded %d demo help articles", created);
	return 0;
}
