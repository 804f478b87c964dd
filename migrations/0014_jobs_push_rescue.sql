-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0014 jobs: a pushed job is taken back as soon as its worker is gone.
--
-- An offer is taken only while its session holds its advisory lock, but a
-- worker killed a moment before the push still holds it until PostgreSQL
-- has read the closed socket: the job was then pushed into the void and
-- waited the whole rescue period (60 s) for its heartbeat to go stale.
-- The job now keeps the offer's token; the rescuer takes a running job
-- back at once when that token's lock is free (the session that would run
-- it is gone), not only when its heartbeat is stale.  A job its worker is
-- running is fenced by its lease as before, so one taken back after a
-- listener lost its connection (a PostgreSQL restart) cannot be completed
-- twice.
-- No index of its own: the rescuer looks at running jobs only, which are
-- few (what the workers hold) and already indexed (jobs_running_heartbeat_idx).
ALTER TABLE jobs ADD COLUMN push_token bigint;

CREATE OR REPLACE FUNCTION wvl_jobs_enqueue_push(p_kind text, p_args jsonb, p_queue text,
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
						  attempted_at, heartbeat_at, claimed_by, push_token)
				VALUES (p_kind, p_args, p_queue, p_priority, p_run_at, p_max_attempts,
					p_client_id, 'running', p_now, 1, lease, p_now, p_now, w_worker,
					w_token)
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
