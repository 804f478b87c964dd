-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0006 jobs queue: what the queue of lib/jobs needs beyond 0003 — a fair
-- claim index, the worker that holds a lease, wake-ups by NOTIFY, and one
-- enqueue function that both the public call and other modules' open
-- transactions use.

-- fair_key: the client a job works for, with NULL (system work) as a client
-- of its own, so the claim can go round-robin over clients with an index
-- (a NULL would need a second branch in every probe).
ALTER TABLE jobs ADD COLUMN fair_key uuid NOT NULL
	GENERATED ALWAYS AS (coalesce(client_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED;
-- Which worker holds the lease: for the admin view and the rescuer's log.
ALTER TABLE jobs ADD COLUMN claimed_by text;

-- The claim walks the distinct fair_keys of runnable jobs (a loose index
-- scan) and takes each one's first jobs by priority and run_at; this index
-- serves both probes.  It replaces 0003's claim index, which could not.
DROP INDEX jobs_claim_idx;
CREATE INDEX jobs_fair_claim_idx ON jobs (queue, fair_key, priority, run_at, id)
	WHERE state IN ('available', 'scheduled', 'retryable');
-- Pruning by the time a job finished.
CREATE INDEX jobs_finished_idx ON jobs ((coalesce(completed_at, failed_at, cancelled_at)))
	WHERE state IN ('completed', 'failed', 'cancelled');
-- The journey of one client (pause cancels its pending steps).
CREATE INDEX jobs_unique_key_prefix_idx ON jobs (client_id, unique_key text_pattern_ops)
	WHERE unique_key IS NOT NULL;

-- Wake sleeping workers when runnable jobs arrive.  One notification per
-- statement and queue (PostgreSQL folds duplicates within a transaction and
-- delivers them at commit, so a rolled-back enqueue wakes nobody).
-- Workers still poll: a lost notification delays a job, never strands it.
CREATE FUNCTION jobs_notify_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE q text;
BEGIN
	FOR q IN SELECT DISTINCT queue FROM new_jobs WHERE state = 'available' LOOP
		PERFORM pg_notify('wvl_jobs', q);
	END LOOP;
	RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
	REFERENCING NEW TABLE AS new_jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_insert();

-- Enqueue for the library, in the caller's transaction.  The job row is
-- written as 'system' (jobs are team-only under RLS, and a client's action
-- may enqueue work) and the caller's role is put back afterwards, so the
-- rest of the caller's transaction keeps its own actor.  A live job with the
-- same unique_key wins: its id is returned with created = false and
-- nothing is written, without raising (an error would abort the caller's
-- transaction).
CREATE FUNCTION wvl_jobs_enqueue(p_kind text, p_args jsonb, p_queue text,
				 p_priority smallint, p_run_at timestamptz,
				 p_max_attempts integer, p_unique_key text,
				 p_client_id uuid, p_now timestamptz,
				 OUT job_id uuid, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
BEGIN
	PERFORM set_config('wvl.actor_role', 'system', true);
	INSERT INTO jobs (kind, args, queue, priority, run_at, max_attempts, unique_key,
			  client_id, state, created_at)
	VALUES (p_kind, p_args, p_queue, p_priority, p_run_at, p_max_attempts, p_unique_key,
		p_client_id,
		CASE WHEN p_run_at > p_now THEN 'scheduled' ELSE 'available' END, p_now)
	ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL
		AND state NOT IN ('completed', 'failed', 'cancelled') DO NOTHING
	RETURNING id INTO job_id;
	created := job_id IS NOT NULL;
	IF NOT created THEN
		SELECT id INTO job_id FROM jobs
		 WHERE unique_key = p_unique_key
		   AND state NOT IN ('completed', 'failed', 'cancelled');
	END IF;
	PERFORM set_config('wvl.actor_role', prev, true);
END;
$$;

-- automation_logs: which step of which rule ran, and what it did.
ALTER TABLE automation_logs ADD COLUMN action text;
ALTER TABLE automation_logs ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'
	CHECK (jsonb_typeof(detail) = 'object');
-- One override per client and trigger; global rules have client_id NULL.
CREATE UNIQUE INDEX automation_rules_client_trigger_key
	ON automation_rules (coalesce(client_id, '00000000-0000-0000-0000-000000000000'::uuid),
			     trigger, name);
