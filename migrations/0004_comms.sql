-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0004 communication: email, notifications, support tickets, help center,
-- the AI coach and its token usage, payments.

-- ---------------------------------------------------------------------------
-- email_log: one row per email the system means to send.  idempotency_key
-- is what makes "sent once even when the job runs twice" hold: the sender
-- inserts the row first (ON CONFLICT (idempotency_key) DO NOTHING) and only
-- a row still 'queued' is handed to the provider.
CREATE TABLE email_log (
	id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	to_address       text NOT NULL,
	subject          text NOT NULL DEFAULT '',
	template         text NOT NULL,
	status           text NOT NULL DEFAULT 'queued'
	                 CHECK (status IN ('queued', 'sent', 'delivered', 'delayed', 'opened',
	                                   'clicked', 'bounced', 'complained', 'failed',
	                                   'suppressed')),
	provider_id      text,          -- the provider's message id, matched by webhooks
	error            text,
	idempotency_key  text NOT NULL,
	client_id        uuid REFERENCES clients (id) ON DELETE CASCADE,
	user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
	job_id           uuid REFERENCES jobs (id) ON DELETE SET NULL,
	sent_at          timestamptz,
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX email_log_idempotency_key_key ON email_log (idempotency_key);
CREATE INDEX email_log_created_idx ON email_log (created_at, id);
CREATE INDEX email_log_client_id_idx ON email_log (client_id, created_at);
CREATE INDEX email_log_user_id_idx ON email_log (user_id);
CREATE INDEX email_log_job_id_idx ON email_log (job_id);
CREATE INDEX email_log_provider_id_idx ON email_log (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX email_log_to_address_idx ON email_log (lower(to_address), created_at);
CREATE TRIGGER email_log_set_updated_at BEFORE UPDATE ON email_log
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- email_suppressions: addresses never to mail again (unsubscribe, hard
-- bounce, complaint).  Stored normalised like users.email.
CREATE TABLE email_suppressions (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email       text NOT NULL CHECK (email = lower(btrim(email))),
	reason      text NOT NULL CHECK (reason IN ('unsubscribe', 'bounce', 'complaint', 'manual')),
	detail      text,
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX email_suppressions_email_key ON email_suppressions (email);

-- ---------------------------------------------------------------------------
-- notifications: in-app notifications, one row per recipient user.  type is
-- free text (validated by the library) so new kinds need no migration.
CREATE TABLE notifications (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id   uuid REFERENCES clients (id) ON DELETE CASCADE,
	type        text NOT NULL CHECK (type <> ''),
	title       text NOT NULL,
	message     text NOT NULL DEFAULT '',
	link        text,
	read        boolean NOT NULL DEFAULT false,
	read_at     timestamptz,
	created_at  timestamptz NOT NULL DEFAULT now()
);
-- Unread count and the newest-first list of one user.
CREATE INDEX notifications_user_read_created_idx ON notifications (user_id, read, created_at);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at, id);
CREATE INDEX notifications_client_id_idx ON notifications (client_id);

-- ---------------------------------------------------------------------------
-- support_tickets: number is the human ticket number ("#42"), from a
-- sequence so concurrent creates never collide.  Sequences have gaps after a
-- rollback; that is fine for ticket numbers.
CREATE SEQUENCE support_ticket_number_seq AS bigint START WITH 1;

CREATE TABLE support_tickets (
	id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	number             bigint NOT NULL DEFAULT nextval('support_ticket_number_seq'),
	subject            text NOT NULL CHECK (btrim(subject) <> ''),
	description        text NOT NULL DEFAULT '',
	status             text NOT NULL DEFAULT 'open'
	                   CHECK (status IN ('open', 'in_progress', 'waiting_on_client',
	                                     'resolved', 'closed')),
	priority           text NOT NULL DEFAULT 'medium'
	                   CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
	category           text NOT NULL DEFAULT 'general'
	                   CHECK (category IN ('general', 'technical', 'billing', 'deliverable',
	                                       'account', 'feature_request', 'other')),
	-- NULL only for internal tickets the team opens for itself; a client's
	-- ticket always carries the client, filled in from the actor.
	client_id          uuid REFERENCES clients (id) ON DELETE CASCADE,
	assigned_to_id     uuid REFERENCES users (id) ON DELETE SET NULL,
	created_by         uuid REFERENCES users (id) ON DELETE SET NULL,
	sla_due_at         timestamptz,   -- computed from priority with the injected clock
	first_response_at  timestamptz,
	resolved_at        timestamptz,
	closed_at          timestamptz,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE support_ticket_number_seq OWNED BY support_tickets.number;
CREATE UNIQUE INDEX support_tickets_number_key ON support_tickets (number);
CREATE INDEX support_tickets_client_created_idx ON support_tickets (client_id, created_at, id);
CREATE INDEX support_tickets_assigned_to_idx ON support_tickets (assigned_to_id, status);
CREATE INDEX support_tickets_created_by_idx ON support_tickets (created_by);
CREATE INDEX support_tickets_status_created_idx ON support_tickets (status, created_at, id);
-- SLA breach sweep over tickets still open.
CREATE INDEX support_tickets_sla_idx ON support_tickets (sla_due_at)
	WHERE status NOT IN ('resolved', 'closed');
CREATE TRIGGER support_tickets_set_updated_at BEFORE UPDATE ON support_tickets
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ticket_messages: the thread of a ticket.  internal = a team-only note the
-- client must never see (enforced again by 0005).
CREATE TABLE ticket_messages (
	id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	ticket_id       uuid NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
	author_id       uuid REFERENCES users (id) ON DELETE SET NULL,
	message         text NOT NULL CHECK (btrim(message) <> ''),
	is_admin_reply  boolean NOT NULL DEFAULT false,
	internal        boolean NOT NULL DEFAULT false,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_messages_ticket_created_idx ON ticket_messages (ticket_id, created_at, id);
CREATE INDEX ticket_messages_author_id_idx ON ticket_messages (author_id);

-- ---------------------------------------------------------------------------
-- help_articles: public help center.  search is maintained by PostgreSQL
-- itself (generated column), weighted title > excerpt/tags > body.  Query
-- with: WHERE published AND search @@ websearch_to_tsquery('english', $1)
--       ORDER BY ts_rank(search, websearch_to_tsquery('english', $1)) DESC

-- array_to_string() is only STABLE (element output functions may depend on
-- settings) so a generated column may not call it; for text[] the result
-- cannot change, hence this IMMUTABLE wrapper.
CREATE FUNCTION help_tags_text(tags text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_string(tags, ' ');

CREATE TABLE help_articles (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	slug          text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
	title         text NOT NULL CHECK (btrim(title) <> ''),
	content       text NOT NULL DEFAULT '',   -- markdown source
	html          text NOT NULL DEFAULT '',   -- rendered and sanitised
	excerpt       text NOT NULL DEFAULT '',
	category      text NOT NULL DEFAULT 'general',
	tags          text[] NOT NULL DEFAULT '{}',
	published     boolean NOT NULL DEFAULT false,
	published_at  timestamptz,
	author_id     uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	search        tsvector GENERATED ALWAYS AS (
	                  setweight(to_tsvector('english'::regconfig, title), 'A')
	               || setweight(to_tsvector('english'::regconfig, excerpt), 'B')
	               || setweight(to_tsvector('english'::regconfig, help_tags_text(tags)), 'B')
	               || setweight(to_tsvector('english'::regconfig, content), 'C')
	              ) STORED
);
CREATE UNIQUE INDEX help_articles_slug_key ON help_articles (slug);
CREATE INDEX help_articles_search_idx ON help_articles USING gin (search);
CREATE INDEX help_articles_tags_idx ON help_articles USING gin (tags);   -- ?tag= (tags @> ARRAY[$1])
CREATE INDEX help_articles_category_idx ON help_articles (published, category);
CREATE INDEX help_articles_author_id_idx ON help_articles (author_id);
CREATE TRIGGER help_articles_set_updated_at BEFORE UPDATE ON help_articles
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- conversations / conversation_messages: the AI coach.  A conversation
-- belongs to the user who holds it; client_id says which client it is about
-- (always the user's own client for a portal user).
CREATE TABLE conversations (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id   uuid REFERENCES clients (id) ON DELETE CASCADE,
	title       text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_updated_idx ON conversations (user_id, updated_at, id);
CREATE INDEX conversations_client_id_idx ON conversations (client_id);
CREATE TRIGGER conversations_set_updated_at BEFORE UPDATE ON conversations
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE conversation_messages (
	id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	role             text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
	content          text NOT NULL,
	tokens           integer NOT NULL DEFAULT 0 CHECK (tokens >= 0),
	created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_messages_conversation_idx
	ON conversation_messages (conversation_id, created_at, id);

-- token_usage: one row per AI call, for budgets and cost analytics.
-- cost_cents is numeric because one small call costs a fraction of a cent.
CREATE TABLE token_usage (
	id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id      uuid REFERENCES clients (id) ON DELETE CASCADE,
	user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
	purpose        text,   -- 'coach', 'business_plan', 'deliverable', ...
	model          text NOT NULL,
	input_tokens   integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
	output_tokens  integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
	cost_cents     numeric(14, 4) NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
	created_at     timestamptz NOT NULL DEFAULT now()
);
-- Budget checks sum one client's usage over a period.
CREATE INDEX token_usage_client_created_idx ON token_usage (client_id, created_at);
CREATE INDEX token_usage_user_id_idx ON token_usage (user_id);
CREATE INDEX token_usage_created_idx ON token_usage (created_at);

-- ---------------------------------------------------------------------------
-- payments: a client's monthly fee payments, for revenue analytics.
-- period is the first day of the month paid for.
CREATE TABLE payments (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id     uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
	currency      text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
	status        text NOT NULL DEFAULT 'pending'
	              CHECK (status IN ('pending', 'paid', 'failed', 'refunded', 'cancelled')),
	paid_at       timestamptz,
	period        date CHECK (extract(day FROM period) = 1),
	description   text,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT payments_paid_check CHECK (status <> 'paid' OR paid_at IS NOT NULL)
);
CREATE INDEX payments_client_period_idx ON payments (client_id, period);
CREATE INDEX payments_paid_at_idx ON payments (paid_at) WHERE status = 'paid';
CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON payments
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
