-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0020 analytics: what the metrics of docs/ANALYTICS.md need and the
-- schema had not kept.
--
--   * client_status_history: a client's status and monthly fee over time.
--     MRR, churn and cohorts are month-end snapshots of it; clients only
--     held the current values.  A trigger on clients writes it, so every
--     write path (library, wl-migrate imports, tools) is covered.
--   * payments.recorded_by: who recorded a payment (admins do).
--   * files.client_id becomes optional: an export the team asked for (the
--     analytics report, the client list) belongs to no client.  RLS already
--     shows such rows to the team only (the client policy compares
--     client_id with the actor's client, which NULL never equals).
--   * report_schedules: an admin's weekly or monthly analytics mail.

-- ---------------------------------------------------------------------------
CREATE TABLE client_status_history (
	id                 bigserial PRIMARY KEY,
	client_id          uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	status             text NOT NULL,
	monthly_fee_cents  bigint NOT NULL CHECK (monthly_fee_cents >= 0),
	valid_from         timestamptz NOT NULL
);
-- The state at a moment: the last row before it, per client.
CREATE INDEX client_status_history_client_idx
	ON client_status_history (client_id, valid_from, id);
CREATE INDEX client_status_history_valid_from_idx ON client_status_history (valid_from);

-- A row per change of status or fee.  A new client's state starts at its
-- created_at (the library's clock); a change at the transaction's time.
CREATE FUNCTION clients_record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
	   AND NEW.monthly_fee_cents IS NOT DISTINCT FROM OLD.monthly_fee_cents THEN
		RETURN NULL;
	END IF;
	-- The history is the system's, whoever changes the client.
	PERFORM set_config('wvl.actor_role', 'system', true);
	INSERT INTO client_status_history (client_id, status, monthly_fee_cents, valid_from)
	VALUES (NEW.id, NEW.status, NEW.monthly_fee_cents,
	        CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE now() END);
	PERFORM set_config('wvl.actor_role', prev, true);
	RETURN NULL;
END $$;
CREATE TRIGGER clients_record_history AFTER INSERT OR UPDATE OF status, monthly_fee_cents
	ON clients FOR EACH ROW EXECUTE FUNCTION clients_record_history();

-- Existing clients: their current state since they were created (the
-- best that can be known).
INSERT INTO client_status_history (client_id, status, monthly_fee_cents, valid_from)
	SELECT id, status, monthly_fee_cents, created_at FROM clients;

ALTER TABLE client_status_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_status_history FORCE ROW LEVEL SECURITY;
CREATE POLICY client_status_history_team ON client_status_history FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

-- ---------------------------------------------------------------------------
ALTER TABLE payments
	ADD COLUMN recorded_by uuid REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX payments_recorded_by_idx ON payments (recorded_by);
-- The payments list, newest first.
CREATE INDEX payments_created_idx ON payments (created_at, id);

-- ---------------------------------------------------------------------------
ALTER TABLE files ALTER COLUMN client_id DROP NOT NULL;

-- 0013's storage counter, for files of no client (nothing to count).
CREATE OR REPLACE FUNCTION files_count_storage() RETURNS trigger
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
	IF delta <> 0 AND client IS NOT NULL THEN
		-- The counter is the system's, whoever uploads or deletes.
		PERFORM set_config('wvl.actor_role', 'system', true);
		INSERT INTO client_storage AS s (client_id, bytes) VALUES (client, greatest(delta, 0))
		ON CONFLICT (client_id) DO UPDATE SET bytes = greatest(s.bytes + delta, 0);
		PERFORM set_config('wvl.actor_role', prev, true);
	END IF;
	RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------
-- report_schedules: one per admin.  `cron` is derived by the library from
-- cadence, weekday / day_of_month and hour (in `timezone`); next_run_at is
-- when the scheduler mails the next report (the previous week or month).
CREATE TABLE report_schedules (
	id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	cadence        text NOT NULL CHECK (cadence IN ('weekly', 'monthly')),
	weekday        smallint CHECK (weekday BETWEEN 0 AND 6),        -- 0 Sunday
	day_of_month   smallint CHECK (day_of_month BETWEEN 1 AND 28),
	hour           smallint NOT NULL DEFAULT 8 CHECK (hour BETWEEN 0 AND 23),
	timezone       text NOT NULL DEFAULT 'UTC',
	formats        text[] NOT NULL DEFAULT '{xlsx}'
	               CHECK (formats <@ ARRAY['csv', 'xlsx', 'pdf'] AND cardinality(formats) >= 1),
	cron           text NOT NULL,
	active         boolean NOT NULL DEFAULT true,
	next_run_at    timestamptz,
	last_run_at    timestamptz,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT report_schedules_when_check CHECK (
		(cadence = 'weekly' AND weekday IS NOT NULL)
		OR (cadence = 'monthly' AND day_of_month IS NOT NULL))
);
CREATE UNIQUE INDEX report_schedules_user_id_key ON report_schedules (user_id);
CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_at) WHERE active;
CREATE TRIGGER report_schedules_set_updated_at BEFORE UPDATE ON report_schedules
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE report_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY report_schedules_team ON report_schedules FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
