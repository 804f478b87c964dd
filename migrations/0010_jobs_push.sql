-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0010 jobs: push dispatch to idle workers.
--
-- An idle worker (its last claim came back short) offers its free slots
-- here from its listener's session.  An enqueue that finds an offer takes
-- it (FOR UPDATE SKIP LOCKED, in the enqueue's own transaction), writes the
-- job already running under a new lease for that worker, and sends the
-- whole job in a notification on the worker's own channel: the worker
-- starts it without a claim round trip.  A rolled-back enqueue gives the
-- offer back and sends nothing; a worker that dies holding a pushed job is
-- rescued like any other (the job is running with a heartbeat).
--
-- Offers are session state: token is a session advisory lock the listener
-- holds while it lives, so an offer whose session is gone is never taken,
-- and the table is UNLOGGED (nothing to recover after a crash: every
-- offering session died with it).
CREATE UNLOGGED TABLE jobs_waiters (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token   bigint NOT NULL,    -- pg_advisory_lock(token) held by the offering session
	queues  text[] NOT NULL,
	kinds   text[],             -- NULL: every kind
	worker  text                -- recorded as the job's claimed_by
);
CREATE INDEX jobs_waiters_token_idx ON jobs_waiters (token);
ALTER TABLE jobs_waiters ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs_waiters FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_waiters_team ON jobs_waiters FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

-- As in 0007, plus the push.  Only a job that may run now, has no unique
-- key (its conflict check stays the only path to the row) and whose
-- notification fits (8000 bytes) is pushed; the others are queued and
-- claimed as before.  An offer whose session is gone fails the lock test
-- and is skipped (the taking session gets a shared lock on a dead token
-- until it commits; nobody waits for it).
CREATE OR REPLACE FUNCTION wvl_jobs_enqueue(p_kind text, p_args jsonb, p_queue text,
					   p_priority smallint, p_run_at timestamptz,
					   p_max_attempts integer, p_unique_key text,
					   p_client_id uuid, p_now timestamptz,
					   OUT job_id uuid, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
	prev text := coalesce(current_setting('wvl.actor_role', true), '');
	args text;
	w_token bigint;
	w_worker text;
	lease uuid;
BEGIN
	PERFORM set_config('wvl.actor_role', 'system', true);
	IF p_unique_key IS NULL AND p_run_at <= p_now THEN
		args := p_args::text;
		IF octet_length(args) + octet_length(p_kind) + octet_length(p_queue) < 7500 THEN
			DELETE FROM jobs_waiters WHERE id = (
				SELECT id FROM jobs_waiters
				 WHERE p_queue = ANY (queues) AND (kinds IS NULL OR p_kind = ANY (kinds))
				   AND NOT pg_try_advisory_xact_lock_shared(token)
				 LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING token, worker INTO w_token, w_worker;
		END IF;
	END IF;
	IF w_token IS NOT NULL THEN
		lease := gen_random_uuid();
		INSERT INTO jobs (kind, args, queue, priority, run_at, max_attempts, client_id,
				  state, created_at, attempt, lease_id, attempted_at, heartbeat_at,
				  claimed_by)
		VALUES (p_kind, p_args, p_queue, p_priority, p_run_at, p_max_attempts, p_client_id,
			'running', p_now, 1, lease, p_now, p_now, w_worker)
		RETURNING id INTO job_id;
		-- id lease attempt max_attempts priority run_at(µs) queue kind client args
		PERFORM pg_notify('wvl_jobs_' || w_token::text,
			concat_ws(' ', job_id, lease, 1, p_max_attempts, p_priority,
				  (extract(epoch FROM p_run_at) * 1000000)::int8, p_queue, p_kind,
				  coalesce(p_client_id::text, '-'), args));
		created := true;
		PERFORM set_config('wvl.actor_role', prev, true);
		RETURN;
	END IF;
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

-- jobs_client_id_idx serves lookups of a client's jobs (its admin filter,
-- the journey's pause, the foreign key's SET NULL), never of system work
-- (client_id NULL).  Every insert and every claim or completion (never HOT)
-- of a system job added an entry to it all the same.
DROP INDEX jobs_client_id_idx;
CREATE INDEX jobs_client_id_idx ON jobs (client_id, state) WHERE client_id IS NOT NULL;
