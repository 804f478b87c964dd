-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0010 jobs: push dispatch to idle workers.
--
-- An idle worker (its last claim came back short) offers its free slots
-- here from its listener's session.  The library's own enqueue (in a
-- transaction that commits right after it) that finds an offer takes
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

-- The push.  wvl_jobs_enqueue (0007) is left as it is: it runs inside a
-- caller's transaction, which may stay open for a long time, and a job
-- pushed there would commit already running with the heartbeat of its
-- enqueue, stale by then, for the rescuer to take back while its worker
-- runs it.  This one is called only by the library's own enqueue, whose
-- transaction commits right after it (one pipeline, or BEGIN, this,
-- COMMIT), so the heartbeat is as fresh as the commit.
-- Only a job that may run now, has no unique key (its conflict check stays
-- the only path to the row) and whose notification fits (8000 bytes) is
-- pushed; the others go through wvl_jobs_enqueue and are claimed as before.
-- An offer whose session is gone fails the lock test and is skipped (the
-- taking session gets a shared lock on a dead token until it commits;
-- nobody waits for it).
CREATE FUNCTION wvl_jobs_enqueue_push(p_kind text, p_args jsonb, p_queue text,
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
	IF p_unique_key IS NULL AND p_run_at <= p_now THEN
		args := p_args::text;
		IF octet_length(args) + octet_length(p_kind) + octet_length(p_queue) < 7500 THEN
			PERFORM set_config('wvl.actor_role', 'system', true);
			DELETE FROM jobs_waiters WHERE id = (
				SELECT id FROM jobs_waiters
				 WHERE p_queue = ANY (queues) AND (kinds IS NULL OR p_kind = ANY (kinds))
				   AND NOT pg_try_advisory_xact_lock_shared(token)
				 LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING token, worker INTO w_token, w_worker;
			IF w_token IS NOT NULL THEN
				lease := gen_random_uuid();
				INSERT INTO jobs (kind, args, queue, priority, run_at, max_attempts,
						  client_id, state, created_at, attempt, lease_id,
						  attempted_at, heartbeat_at, claimed_by)
				VALUES (p_kind, p_args, p_queue, p_priority, p_run_at, p_max_attempts,
					p_client_id, 'running', p_now, 1, lease, p_now, p_now, w_worker)
				RETURNING id INTO job_id;
				-- id lease attempt max_attempts priority run_at(µs) queue kind client args
				PERFORM pg_notify('wvl_jobs_' || w_token::text,
					concat_ws(' ', job_id, lease, 1, p_max_attempts, p_priority,
						  (extract(epoch FROM p_run_at) * 1000000)::int8, p_queue,
						  p_kind, coalesce(p_client_id::text, '-'), args));
				created := true;
			END IF;
			PERFORM set_config('wvl.actor_role', prev, true);
			IF w_token IS NOT NULL THEN
				RETURN;
			END IF;
		END IF;
	END IF;
	SELECT e.job_id, e.created INTO job_id, created
	  FROM wvl_jobs_enqueue(p_kind, p_args, p_queue, p_priority, p_run_at, p_max_attempts,
				p_unique_key, p_client_id, p_now) e;
END;
$$;

-- jobs_client_id_idx serves lookups of a client's jobs (its admin filter,
-- the journey's pause, the foreign key's SET NULL), never of system work
-- (client_id NULL).  Every insert and every claim or completion (never HOT)
-- of a system job added an entry to it all the same.
DROP INDEX jobs_client_id_idx;
CREATE INDEX jobs_client_id_idx ON jobs (client_id, state) WHERE client_id IS NOT NULL;
