-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors

-- 0008 meant client users never to see automation changes, but let every
-- row of entity_type 'client' through, automation_paused and
-- automation_resumed among them.  The client record's own changes only;
-- the library filters the same way (lib/activity), this is the second wall.
DROP POLICY activities_client ON activities;
CREATE POLICY activities_client ON activities FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client()
	       AND ((entity_type = 'client' AND action IN ('created', 'updated', 'archived'))
	            OR entity_type = 'file'
	            OR (entity_type = 'business_plan' AND action = 'approved')
	            OR (entity_type = 'deliverable' AND action IN ('ready', 'delivered'))))
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client()
	            AND entity_type IN ('client', 'file'));

-- Storage per client: a counter kept with every file row, so the quota
-- check (lib/files, under a per-client advisory lock) and the client's
-- record read one number instead of summing files.  Soft-deleted files no
-- longer count; their bytes go with the cleanup job.  A table of its own
-- rather than a column of clients, so an upload neither bumps the client's
-- updated_at nor locks its row.
CREATE TABLE client_storage (
	client_id  uuid PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
	bytes      bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0)
);
ALTER TABLE client_storage ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_storage FORCE ROW LEVEL SECURITY;
CREATE POLICY client_storage_team ON client_storage FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
CREATE POLICY client_storage_client ON client_storage FOR SELECT
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client());

INSERT INTO client_storage (client_id, bytes)
	SELECT client_id, sum(size) FROM files WHERE deleted_at IS NULL GROUP BY client_id;

CREATE FUNCTION files_count_storage() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
	delta bigint := 0;
	client uuid;
BEGIN
	IF TG_OP = 'INSERT' AND NEW.deleted_at IS NULL THEN
		delta := NEW.size;
		client := NEW.client_id;
	ELSIF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
		delta := -OLD.size;
		client := OLD.client_id;
	ELSIF TG_OP = 'DELETE' AND OLD.deleted_at IS NULL THEN
		delta := -OLD.size;
		client := OLD.client_id;
	END IF;
	IF delta <> 0 THEN
		-- The counter is the system's, whoever uploads or deletes.
		PERFORM set_config('wvl.actor_role', 'system', true);
		INSERT INTO client_storage AS s (client_id, bytes) VALUES (client, greatest(delta, 0))
		ON CONFLICT (client_id) DO UPDATE SET bytes = greatest(s.bytes + delta, 0);
		PERFORM set_config('wvl.actor_role', prev, true);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER files_count_storage AFTER INSERT OR UPDATE OF deleted_at OR DELETE ON files
	FOR EACH ROW EXECUTE FUNCTION files_count_storage();
