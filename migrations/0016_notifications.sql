-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0016 in-app notifications: each user reads only their own, the fan-out
-- honours the in-app preferences, and every new one is announced for the
-- live streams.

-- 0005 let every team member read every notification; a notification is
-- its recipient's alone.  The system (the worker, the fan-out) writes them.
DROP POLICY notifications_team ON notifications;
CREATE POLICY notifications_team ON notifications FOR ALL
	USING (wvl_actor_role() = 'system'
	       OR (wvl_actor_is_team() AND user_id = wvl_actor_id()))
	WITH CHECK (wvl_actor_role() = 'system'
	            OR (wvl_actor_is_team() AND user_id = wvl_actor_id()));

-- The live push: after commit, channel wvl_notify carries the recipient and
-- the notification as JSON ("<user id> <json>"), so a server hands it to
-- that user's streams without a read.  The message is cut to keep the
-- payload under NOTIFY's 8000 bytes; the list has it whole.
CREATE FUNCTION notifications_announce() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('wvl_notify', NEW.user_id::text || ' ' ||
		json_build_object('id', NEW.id, 'type', NEW.type, 'title', left(NEW.title, 200),
				  'message', left(NEW.message, 1000), 'link', left(NEW.link, 500),
				  'read', NEW.read, 'client_id', NEW.client_id,
				  'created_at', NEW.created_at)::text);
	RETURN NULL;
END $$;
CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
	FOR EACH ROW EXECUTE FUNCTION notifications_announce();

-- A notification made by a job carries the job's id: a job run twice (its
-- worker died after the commit) adds nothing the second time.
ALTER TABLE notifications ADD COLUMN source_key text;
CREATE UNIQUE INDEX notifications_source_key ON notifications (user_id, source_key)
	WHERE source_key IS NOT NULL;

-- One notification per recipient of an audience: 'client' (the client's
-- portal users), 'team' (admins and staff), 'admins', or 'user' (p_user),
-- each only when their in-app preference for p_category is on.  Written as
-- the system whoever the caller is (a client opening a ticket notifies the
-- team), the caller's actor restored after.  Returns how many.
CREATE FUNCTION wvl_notify_fanout(p_audience text, p_client uuid, p_user uuid,
				  p_category text, p_type text, p_title text,
				  p_message text, p_link text, p_now timestamptz, p_source text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
	n integer;
BEGIN
	PERFORM set_config('wvl.actor_role', 'system', true);
	INSERT INTO notifications (user_id, client_id, type, title, message, link, created_at,
				   source_key)
	SELECT u.id, p_client, p_type, p_title, p_message, p_link, p_now, p_source FROM users u
	 WHERE u.active
	   AND ((p_audience = 'client' AND u.role = 'client' AND u.client_id = p_client)
	        OR (p_audience = 'team' AND u.role IN ('admin', 'staff'))
	        OR (p_audience = 'admins' AND u.role = 'admin')
	        OR (p_audience = 'user' AND u.id = p_user))
	   AND coalesce((u.email_prefs -> 'inapp' ->> p_category)::boolean, true)
	ON CONFLICT (user_id, source_key) WHERE source_key IS NOT NULL DO NOTHING;
	GET DIAGNOSTICS n = ROW_COUNT;
	PERFORM set_config('wvl.actor_role', prev, true);
	RETURN n;
END $$;
