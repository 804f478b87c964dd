-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0023 email attachments and scheduled reports.
--
--   * email_log.attachments: the files (files module ids, in order) a
--     message carries.  The bytes stay in storage: the sender reads them
--     when it renders the message, and refuses a file that was deleted or
--     is not servable (lib/email/jobs.c says which and why).  No foreign
--     key: a file row may be purged after its mail was sent, and the log
--     keeps the ids it sent.
--   * report_schedules takes the API's shape (lib/reports): any cron
--     expression (the scheduler's parser validates it, and a cron_schedules
--     row named "report:<id>" fires it, so next_run_at lives there), its
--     recipients, a name and the period of the analytics it mails.  Several
--     schedules per admin.  Nothing wrote the table before this migration;
--     a row that exists keeps its cron and gets its owner as recipient.

-- ---------------------------------------------------------------------------
ALTER TABLE email_log
	ADD COLUMN attachments uuid[] NOT NULL DEFAULT '{}'
	CHECK (cardinality(attachments) <= 10 AND array_position(attachments, NULL) IS NULL);

-- Sets a queued email's attachments as the system (email_log is the
-- team's, and a client's action may queue mail), as wvl_email_queue does.
CREATE FUNCTION wvl_email_attach(p_email_id uuid, p_files uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
BEGIN
	PERFORM set_config('wvl.actor_role', 'system', true);
	UPDATE email_log SET attachments = p_files WHERE id = p_email_id;
	PERFORM set_config('wvl.actor_role', prev, true);
END $$;

-- ---------------------------------------------------------------------------
ALTER TABLE report_schedules
	ADD COLUMN name text,
	ADD COLUMN recipients text[],
	ADD COLUMN period text NOT NULL DEFAULT 'previous_month'
	CHECK (period IN ('current_month', 'previous_month', 'last_3_months', 'last_12_months',
	                  'year_to_date'));

UPDATE report_schedules r SET name = 'Analytics report',
	recipients = ARRAY[(SELECT u.email FROM users u WHERE u.id = r.user_id)];

ALTER TABLE report_schedules
	ALTER COLUMN name SET NOT NULL,
	ADD CONSTRAINT report_schedules_name_check CHECK (length(name) BETWEEN 1 AND 200),
	ALTER COLUMN recipients SET NOT NULL,
	ADD CONSTRAINT report_schedules_recipients_check
	CHECK (cardinality(recipients) BETWEEN 1 AND 20
	       AND array_position(recipients, NULL) IS NULL),
	DROP CONSTRAINT report_schedules_when_check,
	DROP COLUMN cadence,
	DROP COLUMN weekday,
	DROP COLUMN day_of_month,
	DROP COLUMN hour,
	DROP COLUMN next_run_at;

DROP INDEX report_schedules_user_id_key;
CREATE INDEX report_schedules_user_id_idx ON report_schedules (user_id);
-- The admins' list, oldest first, in keyset pages.
CREATE INDEX report_schedules_created_idx ON report_schedules (created_at, id);

-- What the scheduler fires for an existing row.
INSERT INTO cron_schedules (name, cron, timezone, job_kind, args, missed_policy, enabled)
	SELECT 'report:' || r.id, r.cron, r.timezone, 'report_send',
	       json_build_object('schedule_id', r.id)::jsonb, 'run_once', r.active
	  FROM report_schedules r
	ON CONFLICT (name) DO NOTHING;
