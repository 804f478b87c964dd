-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0012 help center: every edit kept as a version, batched view counts,
-- search over the rendered text, slugs, and row-level security.

-- Slugs from titles with accents ("Crème brûlée" -> "creme-brulee").
-- unaccent is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- ---------------------------------------------------------------------------
-- help_articles gains:
--   body_text           the markdown rendered to plain text by the library:
--                       what snippets are cut from and what the body's
--                       weight in the search vector covers (markup, URLs and
--                       code fences of the markdown would otherwise match);
--   excerpt_custom      whether excerpt was written by hand (else the library
--                       derives it from body_text on every content change);
--   version             the number of the newest entry of help_article_versions;
--   first_published_at  set by the first publish: from then on the slug no
--                       longer follows the title (links to it are out there).
ALTER TABLE help_articles
	ADD COLUMN body_text text NOT NULL DEFAULT '',
	ADD COLUMN excerpt_custom boolean NOT NULL DEFAULT false,
	ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0),
	ADD COLUMN first_published_at timestamptz;
-- Rows written before this migration (none in practice): their markdown is
-- the best plain text there is until the next edit renders it.
UPDATE help_articles SET body_text = translate(content, E'\x02\x03', ''),
	category = CASE WHEN category ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(category) <= 60
			THEN category ELSE 'general' END,
	first_published_at = CASE WHEN published THEN coalesce(published_at, updated_at) END,
	published_at = CASE WHEN published THEN coalesce(published_at, updated_at) END;
ALTER TABLE help_articles
	ADD CONSTRAINT help_articles_category_check
		CHECK (category ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(category) <= 60),
	ADD CONSTRAINT help_articles_published_check
		CHECK (NOT published OR (published_at IS NOT NULL AND first_published_at IS NOT NULL)),
	-- help_snippet marks highlights with STX/ETX: the text never holds them
	-- (the library's bodies refuse control characters; this is the wall).
	ADD CONSTRAINT help_articles_body_text_check
		CHECK (strpos(body_text, E'\x02') = 0 AND strpos(body_text, E'\x03') = 0);

-- The vector of 0004 weighted the markdown source; it now weights the plain
-- text.  Title A (and a title that alone matches the query ranks above any
-- other hit, see help_rank), excerpt and tags B, body C.
DROP INDEX help_articles_search_idx;
ALTER TABLE help_articles DROP COLUMN search;
ALTER TABLE help_articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
	   setweight(to_tsvector('english'::regconfig, title), 'A')
	|| setweight(to_tsvector('english'::regconfig, excerpt), 'B')
	|| setweight(to_tsvector('english'::regconfig, help_tags_text(tags)), 'B')
	|| setweight(to_tsvector('english'::regconfig, body_text), 'C')
) STORED;
-- Kept in the row (compressed) rather than in the TOAST table: a search
-- reads the vector of every match three times (@@, the title test,
-- ts_rank), and out of line each read is a TOAST index lookup and a heap
-- fetch, which made a search over 10,000 articles three times dearer
-- (docs/PERFORMANCE.md).  The wide text columns go out of line first.
ALTER TABLE help_articles ALTER COLUMN search SET STORAGE MAIN;
CREATE INDEX help_articles_search_idx ON help_articles USING gin (search);
-- Browsing (no ?q): newest first among the published.
CREATE INDEX help_articles_published_updated_idx ON help_articles (published, updated_at, id);

-- ---------------------------------------------------------------------------
-- Search helpers, called by the library's statements (lib/help/search.c).
-- bench/help.sh runs the statement it finds in PostgreSQL's log of a
-- request, so pgbench and the server run the same SQL.

-- A user's search text as a query.  websearch_to_tsquery takes any text
-- without a syntax error; a text of stop words only gives an empty query
-- and a NOTICE per call, which would put one log line per such anonymous
-- search in the server's log: the SET keeps it quiet.
CREATE FUNCTION help_query(q text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE SET client_min_messages = warning
RETURN websearch_to_tsquery('english'::regconfig, q);

-- The order of a search: a title that matches the query by itself first,
-- then ts_rank.  ts_rank alone lets a body that repeats the words often
-- enough outrank a title (weights scale, they do not order).  ts_rank is at
-- most 1, so the title's 1 decides.  Scaled to an integer: the list's
-- cursor carries it, and an integer compares exactly.
CREATE FUNCTION help_rank(search tsvector, q tsquery) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (((ts_filter(search, '{a}') @@ q)::int + ts_rank(search, q)::float8) * 1000000)::bigint;

-- A highlighted snippet of the body as HTML.  ts_headline copies the
-- document's text as it is, so it is escaped here; the highlights are
-- marked with STX/ETX (which body_text cannot hold: its check) and become
-- <mark> only after the escaping.  So the only markup a snippet can hold
-- is <mark> and </mark>, balanced.
CREATE FUNCTION help_snippet(body text, q tsquery) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN replace(replace(replace(replace(replace(replace(replace(
	ts_headline('english'::regconfig, body, q,
		E'StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, ShortWord=3, '
		'MaxFragments=2, FragmentDelimiter=" … "'),
	'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;'),
	E'\x02', '<mark>'), E'\x03', '</mark>');

-- What "related" searches with: any word of the title (an OR of its
-- lexemes).  plainto_tsquery's text quotes every lexeme, so only its own
-- operators are replaced.
CREATE FUNCTION help_related_query(title text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE SET client_min_messages = warning
RETURN replace(replace(plainto_tsquery('english'::regconfig, title)::text, ' <-> ', ' | '),
	       ' & ', ' | ')::tsquery;

-- ---------------------------------------------------------------------------
-- Slugs.  The base: the title, accents removed, lower case, runs of
-- anything but [a-z0-9] as one '-', at most 180 characters (room for a
-- suffix under the 200 of the check), "article" when nothing is left, and
-- never the shape of a uuid (an article is fetched by slug or by id).
CREATE FUNCTION help_slug_base(title text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT CASE
		WHEN s = '' THEN 'article'
		WHEN s ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN 'article-' || s
		ELSE s END
	FROM (SELECT trim(BOTH '-' FROM left(trim(BOTH '-' FROM
		regexp_replace(lower(unaccent(title)), '[^a-z0-9]+', '-', 'g')), 180)) AS s) t);

-- The first free slug for a base: the base itself, else base-N with N one
-- more than the largest taken (an article's own slug is not in its way).
-- Free when the statement's snapshot was taken: two creators may pick the
-- same one, and the library's INSERT ... ON CONFLICT (slug) DO NOTHING
-- makes the later one pick again.
CREATE FUNCTION help_next_slug(base text, self uuid) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM help_articles a
				  WHERE a.slug = base AND a.id IS DISTINCT FROM self) THEN base
		ELSE base || '-' || (SELECT coalesce(max(substr(a.slug, length(base) + 2)::bigint), 1) + 1
				       FROM help_articles a
				      WHERE a.slug LIKE base || '-%'
					AND substr(a.slug, length(base) + 2) ~ '^[0-9]{1,15}$'
					AND a.id IS DISTINCT FROM self)
	END);

-- ---------------------------------------------------------------------------
-- help_article_versions: one row per edit (create, update of the title,
-- content, excerpt, category or tags, restore).  The markdown is kept, not
-- the HTML: a restore renders it again with the sanitiser of its day.
-- excerpt is the hand-written excerpt, '' when it was derived.
CREATE TABLE help_article_versions (
	id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	article_id     uuid NOT NULL REFERENCES help_articles (id) ON DELETE CASCADE,
	version        integer NOT NULL CHECK (version > 0),
	title          text NOT NULL,
	content        text NOT NULL,
	excerpt        text NOT NULL DEFAULT '',
	category       text NOT NULL,
	tags           text[] NOT NULL DEFAULT '{}',
	reason         text NOT NULL CHECK (reason IN ('created', 'updated', 'restored')),
	restored_from  integer CHECK ((reason = 'restored') = (restored_from IS NOT NULL)),
	author_id      uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at     timestamptz NOT NULL DEFAULT now()
);
-- Also the index of the article_id foreign key, and the newest-first list.
CREATE UNIQUE INDEX help_article_versions_article_version_key
	ON help_article_versions (article_id, version);
CREATE INDEX help_article_versions_author_id_idx ON help_article_versions (author_id);

INSERT INTO help_article_versions (article_id, version, title, content, excerpt, category, tags,
				   reason, author_id, created_at)
SELECT id, 1, title, content, excerpt, category, tags, 'created', author_id, created_at
  FROM help_articles;
UPDATE help_articles SET excerpt_custom = excerpt <> '';

-- ---------------------------------------------------------------------------
-- help_article_views: the view counter, apart from the article.  A view is
-- counted in the reading process's memory and written in batches
-- (lib/help/views.c): one upsert for all the articles read in the last
-- seconds, not a write per read.  Apart, because an UPDATE of
-- help_articles would recompute its search vector, fire its updated_at
-- trigger and copy a wide row for a number.
CREATE TABLE help_article_views (
	article_id  uuid PRIMARY KEY REFERENCES help_articles (id) ON DELETE CASCADE,
	views       bigint NOT NULL DEFAULT 0 CHECK (views >= 0),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Row-level security (0005 left help_articles without: it holds drafts now
-- that nobody but the team may read).  Everyone reads published articles
-- and their counts; the team (admin, staff, system) reads drafts and
-- versions; only admins and the system write articles and versions, and
-- only the system (the library's own batched flush) writes counts.
ALTER TABLE help_articles ENABLE ROW LEVEL SECURITY;
ALTER TABLE help_articles FORCE ROW LEVEL SECURITY;
CREATE POLICY help_articles_read ON help_articles FOR SELECT
	USING (published OR wvl_actor_is_team());
CREATE POLICY help_articles_write ON help_articles FOR ALL
	USING (wvl_actor_role() IN ('admin', 'system'))
	WITH CHECK (wvl_actor_role() IN ('admin', 'system'));

ALTER TABLE help_article_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE help_article_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY help_article_versions_read ON help_article_versions FOR SELECT
	USING (wvl_actor_is_team());
CREATE POLICY help_article_versions_write ON help_article_versions FOR ALL
	USING (wvl_actor_role() IN ('admin', 'system'))
	WITH CHECK (wvl_actor_role() IN ('admin', 'system'));

ALTER TABLE help_article_views ENABLE ROW LEVEL SECURITY;
ALTER TABLE help_article_views FORCE ROW LEVEL SECURITY;
CREATE POLICY help_article_views_read ON help_article_views FOR SELECT USING (true);
CREATE POLICY help_article_views_write ON help_article_views FOR ALL
	USING (wvl_actor_role() = 'system') WITH CHECK (wvl_actor_role() = 'system');
