-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0017 email: what the sender needs on email_log, the provider webhooks'
-- de-duplication, and the indexes of the admins' email log.

-- email_log: a row is written when an email is queued (lib/email) and
-- rendered when it is sent, from its template and `data`, so a retried
-- job sends the same message byte for byte.
--   to_name    the recipient's display name (never trusted in a header as
--              it is: the library strips line breaks and encodes it);
--   category   the preference category (deliverables, reminders, tickets,
--              updates); NULL for transactional mail, which always goes;
--   data       the template's variables; secrets (a reset token) rest
--              sealed under a key ending in "_sealed";
--   attempts   sends tried (the job's attempts, for the log);
--   message_id the RFC 5322 Message-ID the message carried;
--   resends    how often an admin sent it again (part of its
--              idempotency key from then on).
ALTER TABLE email_log
	ADD COLUMN to_name     text NOT NULL DEFAULT '',
	ADD COLUMN category    text CHECK (category IN ('deliverables', 'reminders', 'tickets',
	                                                'updates')),
	ADD COLUMN data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
	ADD COLUMN attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	ADD COLUMN message_id  text,
	ADD COLUMN resends     integer NOT NULL DEFAULT 0 CHECK (resends >= 0),
	ADD COLUMN event_at    timestamptz;   -- the last provider event applied

-- The admins' log is newest first with optional filters; keyset pages on
-- (created_at, id).
CREATE INDEX email_log_status_created_idx ON email_log (status, created_at, id);
CREATE INDEX email_log_template_created_idx ON email_log (template, created_at, id);

-- email_webhook_events: the ids of provider events already applied
-- (Standard Webhooks' webhook-id), so a replay is refused.  Kept a day:
-- a signature older than 5 minutes is refused anyway.
CREATE TABLE email_webhook_events (
	id           text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
	type         text NOT NULL,
	email_log_id uuid REFERENCES email_log (id) ON DELETE SET NULL,
	received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_webhook_events_received_idx ON email_webhook_events (received_at);
CREATE INDEX email_webhook_events_email_log_id_idx ON email_webhook_events (email_log_id);
-- Webhooks arrive without a user; the library applies them as 'system'.
ALTER TABLE email_webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_webhook_events FORCE ROW LEVEL SECURITY;
CREATE POLICY email_webhook_events_team ON email_webhook_events FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

-- invites: the user an accepted invite created.
ALTER TABLE invites ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX invites_user_id_idx ON invites (user_id);

-- Queues an email for the library, in the caller's transaction: the row is
-- written as 'system' (email_log is team-only, and a client's action may
-- send mail) and the caller's role is put back afterwards, as
-- wvl_jobs_enqueue does.  A recipient user (p_user_id) must be active; its
-- address and name are taken from users.  An existing row with the same
-- idempotency key wins: nothing is written and email_id is NULL.
CREATE FUNCTION wvl_email_queue(p_template text, p_category text, p_user_id uuid,
				p_to text, p_name text, p_client_id uuid, p_data jsonb,
				p_key text, p_now timestamptz,
				OUT email_id uuid, OUT email_client_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
BEGIN
	PERFORM set_config('wvl.actor_role', 'system', true);
	INSERT INTO email_log (to_address, to_name, template, category, user_id, client_id, data,
			       idempotency_key, created_at, updated_at)
	SELECT coalesce(u.email, p_to), coalesce(u.name, p_name, ''), p_template, p_category,
	       u.id, coalesce(p_client_id, u.client_id), p_data,
	       coalesce(p_key, gen_random_uuid()::text), p_now, p_now
	  FROM (SELECT 1) one LEFT JOIN users u ON u.id = p_user_id AND u.active
	 WHERE (p_user_id IS NULL OR u.id IS NOT NULL) AND coalesce(u.email, p_to) IS NOT NULL
	ON CONFLICT (idempotency_key) DO NOTHING
	RETURNING id, client_id INTO email_id, email_client_id;
	PERFORM set_config('wvl.actor_role', prev, true);
END;
$$;
