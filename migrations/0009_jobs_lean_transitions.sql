-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0009 jobs: cheaper state transitions and a job id in wake-ups.
--
-- Every claim and completion rewrites the job row (state is in the claim
-- index's predicate, so the update is never HOT) and adds an entry to each
-- of the table's indexes whose predicate the new row meets.  One of them
-- served no query: (state, updated_at) (the admin list filters by state
-- and orders by created_at; the rescuer and the completion find running
-- jobs through jobs_running_heartbeat_idx and the primary key).
DROP INDEX jobs_state_updated_idx;

-- The admin list's (created_at, id) indexes leave running jobs out, so a
-- claim (available -> running) adds no entry to them; the list reads the
-- running jobs, never more than the workers hold, apart (lib/jobs/admin.c).
DROP INDEX jobs_created_idx;
DROP INDEX jobs_kind_created_idx;
CREATE INDEX jobs_created_idx ON jobs (created_at, id) WHERE state <> 'running';
CREATE INDEX jobs_kind_created_idx ON jobs (kind, created_at, id) WHERE state <> 'running';

-- updated_at: the queue's own statements set it themselves (to now(), as
-- the trigger would), which spares a PL/pgSQL call per row; every other
-- update still gets it from the trigger.
DROP TRIGGER jobs_set_updated_at ON jobs;
CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON jobs
	FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at)
	EXECUTE FUNCTION set_updated_at();

-- Wake-ups: a statement that makes a single job available names it
-- ('<queue> <id>'), so an idle worker can claim that row by its key
-- instead of searching the queue; otherwise the payload is the queue, as
-- before.  Still one notification per statement and queue.
CREATE OR REPLACE FUNCTION jobs_notify_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	q text;
	n bigint;
	one text;
BEGIN
	FOR q, n, one IN SELECT queue, count(*), min(id::text) FROM new_jobs
			  WHERE state = 'available' GROUP BY queue LOOP
		PERFORM pg_notify('wvl_jobs', CASE WHEN n = 1 THEN q || ' ' || one ELSE q END);
	END LOOP;
	RETURN NULL;
END;
$$;
