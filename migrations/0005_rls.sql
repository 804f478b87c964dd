-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0005 row level security: the second line of authorization.  The library
-- checks ownership in every domain call; these policies stop a query that
-- forgot its predicate.  They are driven by transaction-local settings the
-- library sets at the start of every transaction:
--
--   SELECT set_config('wvl.actor_role',      $1, true),  -- admin|staff|client|system|anonymous
--          set_config('wvl.actor_id',        $2, true),  -- users.id, '' for system/anonymous
--          set_config('wvl.actor_client_id', $3, true);  -- client users only, else ''
--
-- No setting at all means role 'none', which sees and may write nothing, so
-- a forgotten set_config fails closed.
--
-- RLS is FORCED so that it binds the table owner too (wl-migrate, tools):
-- data written at migration or import time must run as role 'system'.
-- Foreign key checks and ON DELETE CASCADE/SET NULL actions bypass RLS by
-- design in PostgreSQL, so deleting a client still removes all its rows.
--
-- Deliberately WITHOUT row level security (reached only through the
-- library's auth code, which must work before any actor exists, e.g. the
-- login looks a user up by email; protected instead by never being exposed
-- by a generic query and by storing secrets hashed):
--   users, sessions, api_tokens, password_resets, unlock_tokens,
--   lockouts, login_attempts, email_suppressions (one-click unsubscribe is
--   anonymous).
-- help_articles has none either: it is public content and "published only"
-- is filtered by the help module.

-- ---------------------------------------------------------------------------
-- Helpers.  LANGUAGE sql STABLE so the planner inlines them into the policy
-- expression (no function call per row).  The policies are a filter, a
-- backstop: the library's own "WHERE client_id = $1" is what uses the indexes.

CREATE FUNCTION public.wvl_actor_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('wvl.actor_role', true), ''), 'none') $$;

CREATE FUNCTION public.wvl_actor_client() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('wvl.actor_client_id', true), '')::uuid $$;

CREATE FUNCTION public.wvl_actor_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('wvl.actor_id', true), '')::uuid $$;

-- The agency side: admins, staff and the system (worker, migrations, tools)
-- see and change every row.  Finer admin-vs-staff rules live in the library.
CREATE FUNCTION public.wvl_actor_is_team() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT public.wvl_actor_role() IN ('admin', 'staff', 'system') $$;

-- ---------------------------------------------------------------------------
-- clients: a portal user sees its own client row only.
ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE clients FORCE ROW LEVEL SECURITY;
CREATE POLICY clients_team ON clients FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY clients_client ON clients FOR ALL
	USING (wvl_actor_role() = 'client' AND id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND id = wvl_actor_client());

-- ---------------------------------------------------------------------------
-- Client-owned tables a portal user may see: rows of its own client only.

ALTER TABLE business_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY business_plans_team ON business_plans FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY business_plans_client ON business_plans FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

ALTER TABLE deliverables ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliverables FORCE ROW LEVEL SECURITY;
CREATE POLICY deliverables_team ON deliverables FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY deliverables_client ON deliverables FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY files_team ON files FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY files_client ON files FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

-- activities with client_id NULL (team events) never match a client.
ALTER TABLE activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE activities FORCE ROW LEVEL SECURITY;
CREATE POLICY activities_team ON activities FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY activities_client ON activities FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_team ON messages FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY messages_client ON messages FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

ALTER TABLE onboarding_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboarding_progress FORCE ROW LEVEL SECURITY;
CREATE POLICY onboarding_progress_team ON onboarding_progress FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY onboarding_progress_client ON onboarding_progress FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

-- Internal tickets (client_id NULL) never match a client.
ALTER TABLE support_tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE support_tickets FORCE ROW LEVEL SECURITY;
CREATE POLICY support_tickets_team ON support_tickets FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY support_tickets_client ON support_tickets FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

-- ticket_messages has no client_id of its own: a client sees the messages of
-- its own client's tickets except internal ones, and may only write
-- non-internal, non-admin messages under its own name.
ALTER TABLE ticket_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY ticket_messages_team ON ticket_messages FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY ticket_messages_client ON ticket_messages FOR ALL
	USING (wvl_actor_role() = 'client'
	       AND NOT internal
	       AND EXISTS (SELECT 1 FROM support_tickets t
	                    WHERE t.id = ticket_messages.ticket_id
	                      AND t.client_id = wvl_actor_client()))
	WITH CHECK (wvl_actor_role() = 'client'
	            AND NOT internal
	            AND NOT is_admin_reply
	            AND author_id = wvl_actor_id()
	            AND EXISTS (SELECT 1 FROM support_tickets t
	                         WHERE t.id = ticket_messages.ticket_id
	                           AND t.client_id = wvl_actor_client()));

-- ---------------------------------------------------------------------------
-- Per-user tables: a portal user sees only what is addressed to it.  Matching
-- client_id alone would show it the team's notifications and coach chats
-- about its client.

-- client_id may be NULL on a client user's own notification ("password
-- changed"); when set it must be the user's client.
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_team ON notifications FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY notifications_client ON notifications FOR ALL
	USING (wvl_actor_role() = 'client' AND user_id = wvl_actor_id()
	       AND (client_id IS NULL OR client_id = wvl_actor_client()))
	WITH CHECK (wvl_actor_role() = 'client' AND user_id = wvl_actor_id()
	            AND (client_id IS NULL OR client_id = wvl_actor_client()));

-- A portal user's conversation always carries its client.
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY conversations_team ON conversations FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY conversations_client ON conversations FOR ALL
	USING (wvl_actor_role() = 'client' AND user_id = wvl_actor_id()
	       AND client_id = wvl_actor_client())
	WITH CHECK (wvl_actor_role() = 'client' AND user_id = wvl_actor_id()
	            AND client_id = wvl_actor_client());

-- No client_id of its own: follows its conversation.
ALTER TABLE conversation_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY conversation_messages_team ON conversation_messages FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY conversation_messages_client ON conversation_messages FOR ALL
	USING (wvl_actor_role() = 'client'
	       AND EXISTS (SELECT 1 FROM conversations c
	                    WHERE c.id = conversation_messages.conversation_id
	                      AND c.user_id = wvl_actor_id()
	                      AND c.client_id = wvl_actor_client()))
	WITH CHECK (wvl_actor_role() = 'client'
	            AND EXISTS (SELECT 1 FROM conversations c
	                         WHERE c.id = conversation_messages.conversation_id
	                           AND c.user_id = wvl_actor_id()
	                           AND c.client_id = wvl_actor_client()));

-- ---------------------------------------------------------------------------
-- Team-only tables: a portal user never sees or writes a row, not even of its
-- own client.  Side effects of a client's action (enqueuing a job, logging an
-- email, recording token usage) are therefore written by the library as
-- 'system' (set_config('wvl.actor_role', 'system', true) after the client's
-- own reads and writes in that transaction).

-- invites: created by admins; accepted anonymously through a token, which
-- the library looks up as 'system'.
ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
CREATE POLICY invites_team ON invites FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_team ON notes FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_team ON jobs FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE job_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_events FORCE ROW LEVEL SECURITY;
CREATE POLICY job_events_team ON job_events FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE automation_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE automation_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY automation_rules_team ON automation_rules FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE automation_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE automation_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY automation_logs_team ON automation_logs FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

-- No client_id, but schedules (reports, backups) are team business.
ALTER TABLE cron_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE cron_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY cron_schedules_team ON cron_schedules FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE email_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_log FORCE ROW LEVEL SECURITY;
CREATE POLICY email_log_team ON email_log FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE token_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY token_usage_team ON token_usage FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_team ON payments FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
