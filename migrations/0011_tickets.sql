-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0011 support tickets: what 0004 left to the tickets module.
--
--   * rendered markdown next to its source (description_html, html), so a
--     read never renders;
--   * the SLA clock: time spent in 'waiting_on_client' is paused time,
--     kept as a running total (sla_paused) plus the start of the open pause
--     (waiting_since); first-response and resolution durations are stored
--     when they happen, already net of the pauses;
--   * merge: merged_into_id points a duplicate at the ticket it went into
--     (always a live one: merging B into C moves the pointers of tickets
--     merged into B as well, so one hop resolves any old number);
--   * full-text search over subjects, descriptions and messages;
--   * attachments: a message refers to files of its ticket's client.
--
-- Every "now" here is a parameter the library passes from its clock; the
-- functions below take it as an argument and never call now().

ALTER TABLE support_tickets
	ADD COLUMN description_html     text NOT NULL DEFAULT '',
	ADD COLUMN merged_into_id       uuid REFERENCES support_tickets (id) ON DELETE SET NULL,
	ADD COLUMN waiting_since        timestamptz,
	ADD COLUMN sla_paused           interval NOT NULL DEFAULT '0'
	                                CHECK (sla_paused >= interval '0'),
	ADD COLUMN first_response_time  interval,
	ADD COLUMN resolution_time      interval,
	ADD COLUMN search               tsvector GENERATED ALWAYS AS (
	                                    setweight(to_tsvector('english'::regconfig, subject), 'A')
	                                 || setweight(to_tsvector('english'::regconfig, description), 'B')
	                                ) STORED;
-- A ticket already waiting started its pause at its last change.
UPDATE support_tickets SET waiting_since = updated_at WHERE status = 'waiting_on_client';
ALTER TABLE support_tickets
	ADD CONSTRAINT support_tickets_merge_check
	    CHECK (merged_into_id IS NULL OR (merged_into_id <> id AND status = 'closed')),
	ADD CONSTRAINT support_tickets_waiting_check
	    CHECK ((status = 'waiting_on_client') = (waiting_since IS NOT NULL));
CREATE INDEX support_tickets_merged_into_id_idx ON support_tickets (merged_into_id);
CREATE INDEX support_tickets_search_idx ON support_tickets USING gin (search);
-- The list's other orders (newest first by created_at has 0004's indexes).
CREATE INDEX support_tickets_updated_idx ON support_tickets (updated_at, id);

ALTER TABLE ticket_messages
	ADD COLUMN html    text NOT NULL DEFAULT '',
	ADD COLUMN search  tsvector GENERATED ALWAYS AS (
	                       to_tsvector('english'::regconfig, message)) STORED;
CREATE INDEX ticket_messages_search_idx ON ticket_messages USING gin (search);

-- ---------------------------------------------------------------------------
-- SLA targets by priority: the first team reply, then the resolution.
-- IMMUTABLE so the list can use them in expressions freely; a change of
-- targets is a new migration (the library documents them in tickets.h).
CREATE FUNCTION wvl_ticket_sla_target(p_priority text, p_first_response boolean)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN p_first_response THEN
	CASE p_priority WHEN 'urgent' THEN interval '1 hour' WHEN 'high' THEN interval '4 hours'
	                WHEN 'medium' THEN interval '24 hours' ELSE interval '72 hours' END
ELSE
	CASE p_priority WHEN 'urgent' THEN interval '24 hours' WHEN 'high' THEN interval '72 hours'
	                WHEN 'medium' THEN interval '168 hours' ELSE interval '336 hours' END
END;

-- When the running target falls due: creation + paused time + the target
-- (first response until the team has answered, then resolution).
CREATE FUNCTION wvl_ticket_sla_due(p_created timestamptz, p_priority text,
				   p_responded boolean, p_paused interval)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_created + p_paused + wvl_ticket_sla_target(p_priority, NOT p_responded);

-- Paused time up to p_now, the open pause included.
CREATE FUNCTION wvl_ticket_paused(t support_tickets, p_now timestamptz)
RETURNS interval
LANGUAGE sql STABLE PARALLEL SAFE
RETURN t.sla_paused + CASE WHEN t.waiting_since IS NULL THEN interval '0'
                           ELSE greatest(p_now - t.waiting_since, interval '0') END;

-- paused (waiting on the client), breached (the running target is past),
-- on_track, and for finished tickets met or missed (a stored duration over
-- its target).
CREATE FUNCTION wvl_ticket_sla_state(t support_tickets, p_now timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
	WHEN t.status IN ('resolved', 'closed') THEN
		CASE WHEN t.resolution_time > wvl_ticket_sla_target(t.priority, false)
		       OR t.first_response_time > wvl_ticket_sla_target(t.priority, true)
		     THEN 'missed' ELSE 'met' END
	WHEN t.status = 'waiting_on_client' THEN 'paused'
	WHEN t.sla_due_at < p_now THEN 'breached'
	ELSE 'on_track' END;

CREATE FUNCTION wvl_ticket_sla_json(t support_tickets, p_now timestamptz)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object(
	'state', wvl_ticket_sla_state(t, p_now),
	'due_at', t.sla_due_at,
	'first_response_seconds', floor(extract(epoch FROM t.first_response_time))::bigint,
	'resolution_seconds', floor(extract(epoch FROM t.resolution_time))::bigint,
	'paused_seconds', floor(extract(epoch FROM wvl_ticket_paused(t, p_now)))::bigint);

-- Tickets made before this migration get their first deadline.
UPDATE support_tickets
   SET sla_due_at = wvl_ticket_sla_due(created_at, priority, first_response_at IS NOT NULL,
				       sla_paused)
 WHERE sla_due_at IS NULL AND status NOT IN ('waiting_on_client', 'resolved', 'closed');

-- ---------------------------------------------------------------------------
-- ticket_message_files: a message's attachments.  The library checks that
-- a file belongs to the ticket's client; the policies below check it again.
CREATE TABLE ticket_message_files (
	message_id  uuid NOT NULL REFERENCES ticket_messages (id) ON DELETE CASCADE,
	file_id     uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
	PRIMARY KEY (message_id, file_id)
);
CREATE INDEX ticket_message_files_file_id_idx ON ticket_message_files (file_id);

-- A client sees (and writes) the links of the messages it may see, to
-- files it may see: the subqueries run under those tables' own policies,
-- so an internal note's attachments stay hidden with the note.
ALTER TABLE ticket_message_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_message_files FORCE ROW LEVEL SECURITY;
CREATE POLICY ticket_message_files_team ON ticket_message_files FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY ticket_message_files_client ON ticket_message_files FOR ALL
	USING (wvl_actor_role() = 'client'
	       AND EXISTS (SELECT 1 FROM ticket_messages m
	                    WHERE m.id = ticket_message_files.message_id)
	       AND EXISTS (SELECT 1 FROM files f
	                    WHERE f.id = ticket_message_files.file_id
	                      AND f.client_id = wvl_actor_client()))
	WITH CHECK (wvl_actor_role() = 'client'
	            AND EXISTS (SELECT 1 FROM ticket_messages m
	                         WHERE m.id = ticket_message_files.message_id
	                           AND m.author_id = wvl_actor_id())
	            AND EXISTS (SELECT 1 FROM files f
	                         WHERE f.id = ticket_message_files.file_id
	                           AND f.client_id = wvl_actor_client()));
