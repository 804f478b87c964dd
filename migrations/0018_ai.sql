-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0018 ai: what lib/ai records of every call to the model, and the
-- budget alerts it has raised.

-- token_usage: the Messages API bills prompt-cache writes and reads apart
-- from ordinary input, so each call keeps the four counts it reported,
-- the provider's request id (what Anthropic's support asks for) and
-- whether the call came to its end.
--   cache_read_tokens   usage.cache_read_input_tokens
--   cache_write_tokens  usage.cache_creation_input_tokens
--   request_id          the request-id response header
--   outcome             'ok', or 'error' for a call that failed after the
--                       provider had started answering (its usage still
--                       counts: it is billed).
ALTER TABLE token_usage
	ADD COLUMN cache_read_tokens   integer NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
	ADD COLUMN cache_write_tokens  integer NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
	ADD COLUMN request_id          text,
	ADD COLUMN outcome             text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'error'));

-- token_budget_alerts: one row per client, month and threshold (50, 80,
-- 100 % of WL_TOKEN_BUDGET_CENTS) once its alert went out, so a threshold
-- is announced once a month however many calls cross it at the same time.
CREATE TABLE token_budget_alerts (
	client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	month       date NOT NULL,
	percent     smallint NOT NULL CHECK (percent IN (50, 80, 100)),
	spent_cents numeric(14, 4) NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (client_id, month, percent)
);
ALTER TABLE token_budget_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_budget_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY token_budget_alerts_team ON token_budget_alerts FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());
