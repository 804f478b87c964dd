-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0003 jobs: the PostgreSQL job queue (transactional outbox), automation and
-- the cron scheduler's table.

-- ---------------------------------------------------------------------------
-- jobs: claimed with
--   UPDATE jobs SET state = 'running', ... WHERE id IN (
--     SELECT id FROM jobs
--      WHERE state IN ('available', 'scheduled', 'retryable')
--        AND queue = $1 AND run_at <= $now
--      ORDER BY priority, run_at, id
--      LIMIT $n FOR UPDATE SKIP LOCKED)
--   RETURNING ...
-- so a smaller priority runs first.  lease_id is set on each claim: a worker
-- may only finish or heartbeat a job whose lease it still holds, so a job
-- the rescuer handed to another worker cannot be completed twice.
CREATE TABLE jobs (
	id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	kind           text NOT NULL CHECK (kind <> ''),
	queue          text NOT NULL DEFAULT 'default' CHECK (queue <> ''),
	state          text NOT NULL DEFAULT 'available'
	               CHECK (state IN ('scheduled', 'available', 'running', 'retryable',
	                                'completed', 'failed', 'cancelled')),
	priority       smallint NOT NULL DEFAULT 0,
	args           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(args) = 'object'),
	-- The client a job works for: lets the claim query be fair between
	-- clients.  SET NULL so the job history survives a deleted client.
	client_id      uuid REFERENCES clients (id) ON DELETE SET NULL,
	attempt        integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
	max_attempts   integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
	run_at         timestamptz NOT NULL DEFAULT now(),
	attempted_at   timestamptz,
	heartbeat_at   timestamptz,
	lease_id       uuid,
	completed_at   timestamptz,
	cancelled_at   timestamptz,
	failed_at      timestamptz,
	progress       smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
	log            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(log) = 'array'),
	errors         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array'),
	unique_key     text,
	rescue_count   integer NOT NULL DEFAULT 0 CHECK (rescue_count >= 0),
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
-- The claim index: only runnable states, so finished jobs never bloat it.
CREATE INDEX jobs_claim_idx ON jobs (state, queue, priority, run_at, id)
	WHERE state IN ('available', 'scheduled', 'retryable');
-- One live job per unique_key; a finished job frees the key.  An insert that
-- wants "enqueue unless already queued" must repeat the predicate:
--   ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL
--     AND state NOT IN ('completed', 'failed', 'cancelled') DO NOTHING
CREATE UNIQUE INDEX jobs_unique_key_key ON jobs (unique_key)
	WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'failed', 'cancelled');
-- The rescuer looks for running jobs whose heartbeat went stale.
CREATE INDEX jobs_running_heartbeat_idx ON jobs (heartbeat_at) WHERE state = 'running';
-- Admin list (filter by state / kind, newest first) and pruning.
CREATE INDEX jobs_created_idx ON jobs (created_at, id);
CREATE INDEX jobs_kind_created_idx ON jobs (kind, created_at, id);
CREATE INDEX jobs_state_updated_idx ON jobs (state, updated_at);
CREATE INDEX jobs_client_id_idx ON jobs (client_id, state);
CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON jobs
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- job_events: state changes and notable moments of a job (claimed, retried,
-- rescued, cancelled ...).  A bigserial key keeps them in insertion order.
CREATE TABLE job_events (
	id          bigserial PRIMARY KEY,
	job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	kind        text NOT NULL,
	detail      jsonb NOT NULL DEFAULT '{}',
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job_id_idx ON job_events (job_id, id);

-- ---------------------------------------------------------------------------
-- automation_rules: client_id NULL is a global rule applying to every client.
-- trigger is an event name ('client.status_changed', 'deliverable.ready',
-- 'schedule', ...) checked against the library's allow-list, not here, so
-- new triggers need no migration.
CREATE TABLE automation_rules (
	id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id    uuid REFERENCES clients (id) ON DELETE CASCADE,
	name         text NOT NULL CHECK (btrim(name) <> ''),
	trigger      text NOT NULL CHECK (trigger <> ''),
	schedule     text,          -- cron expression when the trigger is time based
	action_kind  text NOT NULL CHECK (action_kind <> ''),
	config       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
	enabled      boolean NOT NULL DEFAULT true,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_rules_client_id_idx ON automation_rules (client_id);
CREATE INDEX automation_rules_trigger_idx ON automation_rules (trigger) WHERE enabled;
CREATE TRIGGER automation_rules_set_updated_at BEFORE UPDATE ON automation_rules
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- automation_logs: one row per rule execution.  rule_id and job_id are SET
-- NULL so the log outlives deleted rules and pruned jobs.
CREATE TABLE automation_logs (
	id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	rule_id      uuid REFERENCES automation_rules (id) ON DELETE SET NULL,
	client_id    uuid REFERENCES clients (id) ON DELETE CASCADE,
	job_id       uuid REFERENCES jobs (id) ON DELETE SET NULL,
	status       text NOT NULL CHECK (status IN ('success', 'failure', 'skipped')),
	error        text,
	duration_ms  integer CHECK (duration_ms >= 0),
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_logs_rule_id_idx ON automation_logs (rule_id, created_at);
CREATE INDEX automation_logs_client_id_idx ON automation_logs (client_id, created_at);
CREATE INDEX automation_logs_job_id_idx ON automation_logs (job_id);
CREATE INDEX automation_logs_created_idx ON automation_logs (created_at, id);

-- ---------------------------------------------------------------------------
-- cron_schedules: fired by the one worker holding the scheduler advisory
-- lock.  missed_policy says what to do with fire times missed while no
-- scheduler ran: 'skip' them, or 'run_once' for all of them together.
CREATE TABLE cron_schedules (
	id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name           text NOT NULL CHECK (btrim(name) <> ''),
	cron           text NOT NULL CHECK (cron <> ''),
	timezone       text NOT NULL DEFAULT 'UTC',
	job_kind       text NOT NULL CHECK (job_kind <> ''),
	args           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(args) = 'object'),
	missed_policy  text NOT NULL DEFAULT 'skip' CHECK (missed_policy IN ('skip', 'run_once')),
	enabled        boolean NOT NULL DEFAULT true,
	last_fired_at  timestamptz,
	next_fire_at   timestamptz,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cron_schedules_name_key ON cron_schedules (name);
CREATE INDEX cron_schedules_due_idx ON cron_schedules (next_fire_at) WHERE enabled;
CREATE TRIGGER cron_schedules_set_updated_at BEFORE UPDATE ON cron_schedules
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
