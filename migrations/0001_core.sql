-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0001 core: clients, users and everything authentication needs (sessions,
-- login attempts, lockouts, reset/unlock links, API tokens, portal invites).
--
-- Conventions for every migration:
--   * the runner wraps each file in one transaction: no BEGIN/COMMIT here;
--   * uuid keys from gen_random_uuid() (core since PostgreSQL 13);
--   * enums are text + CHECK so a value can be added with one ALTER;
--   * every foreign key column is the leading column of a plain index;
--   * "now" defaults are only a fallback: the library passes its clock's now
--     as a parameter wherever a rule depends on time;
--   * secrets (session, reset, unlock, invite and API tokens) are stored only
--     as a hash (bytea), never in clear.

-- Trigram search on client names ("ILIKE '%foo%'" and similarity()).
-- pg_trgm is a trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Keeps updated_at honest whatever statement touched the row.  The library may
-- still set updated_at itself; this trigger overrides it with the
-- transaction's now(), which is what an audit column should say.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- clients: the creators the agency launches.  Created before users because a
-- portal user belongs to one client.
CREATE TABLE clients (
	id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name               text NOT NULL CHECK (btrim(name) <> ''),  -- the creator's name
	brand_name         text,
	email              text,
	niche              text,
	status             text NOT NULL DEFAULT 'lead'
	                   CHECK (status IN ('lead', 'onboarding', 'active', 'paused',
	                                     'completed', 'churned', 'archived')),
	onboarded_at       timestamptz,
	start_date         date,
	monthly_fee_cents  bigint NOT NULL DEFAULT 0 CHECK (monthly_fee_cents >= 0),
	currency           text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
	social_handles     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(social_handles) = 'object'),
	intake             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(intake) = 'object'),
	automation_paused  boolean NOT NULL DEFAULT false,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	archived_at        timestamptz
);
-- Keyset pagination of the client list, filtered by status or not.
CREATE INDEX clients_status_created_idx ON clients (status, created_at, id);
CREATE INDEX clients_created_idx ON clients (created_at, id);
-- Name / brand search ("q=") with ILIKE or similarity().
CREATE INDEX clients_name_trgm_idx ON clients USING gin (name gin_trgm_ops);
CREATE INDEX clients_brand_name_trgm_idx ON clients USING gin (brand_name gin_trgm_ops);
CREATE INDEX clients_email_idx ON clients (lower(email));
CREATE TRIGGER clients_set_updated_at BEFORE UPDATE ON clients
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- users: admins, staff and client portal users in one table.
CREATE TABLE users (
	id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	-- Stored normalised (trimmed, lower-case) by the library; the CHECK makes
	-- a forgotten normalisation fail loudly instead of creating a twin account.
	email           text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '_%@_%'),
	name            text NOT NULL DEFAULT '',
	role            text NOT NULL CHECK (role IN ('admin', 'staff', 'client')),
	client_id       uuid REFERENCES clients (id) ON DELETE CASCADE,
	password_hash   text,            -- Argon2id encoded string; NULL: cannot log in
	active          boolean NOT NULL DEFAULT true,
	failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until    timestamptz,
	last_login_at   timestamptz,
	email_prefs     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(email_prefs) = 'object'),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	deactivated_at  timestamptz,
	-- A portal user always belongs to exactly one client; team members never do.
	CONSTRAINT users_client_role_check CHECK ((role = 'client') = (client_id IS NOT NULL))
);
-- Look users up with "WHERE lower(email) = $1" so this index is used.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_client_id_idx ON users (client_id);
CREATE INDEX users_role_created_idx ON users (role, created_at, id);
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- sessions: cookie sessions.  The cookie carries a random token; only its
-- hash is stored, so a database leak does not hand out live sessions.
CREATE TABLE sessions (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash    bytea NOT NULL CHECK (octet_length(token_hash) >= 16),
	csrf_token    text NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	last_seen_at  timestamptz NOT NULL DEFAULT now(),   -- idle timeout (24 h)
	expires_at    timestamptz NOT NULL,                 -- absolute maximum
	ip            inet,
	user_agent    text,
	revoked_at    timestamptz
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);  -- pruning

-- ---------------------------------------------------------------------------
-- login_attempts: every login attempt, kept for audit and for lockout
-- counting by normalised email (whether or not such a user exists, so there
-- is deliberately no foreign key to users).
CREATE TABLE login_attempts (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email_normalized  text NOT NULL,
	ip                inet,
	user_agent        text,
	outcome           text NOT NULL
	                  CHECK (outcome IN ('success', 'failure', 'locked', 'rate_limited')),
	reason            text,
	device_id         text,   -- nonce of a valid device cookie, if one was sent
	created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_created_idx ON login_attempts (email_normalized, created_at);
CREATE INDEX login_attempts_ip_created_idx ON login_attempts (ip, created_at);
CREATE INDEX login_attempts_created_idx ON login_attempts (created_at);  -- pruning

-- lockouts: the failure counter per (email, device).  device_id '' is the
-- shared bucket of every browser without a valid device cookie; a browser
-- with a device cookie from an earlier successful login of that user counts
-- in its own bucket, so strangers cannot lock it out (OWASP device cookies).
-- '' rather than NULL because NULL cannot take part in a primary key.
CREATE TABLE lockouts (
	email_normalized   text NOT NULL,
	device_id          text NOT NULL DEFAULT '',
	failures           integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
	window_started_at  timestamptz NOT NULL,
	locked_until       timestamptz,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (email_normalized, device_id)
);
CREATE INDEX lockouts_locked_until_idx ON lockouts (locked_until)
	WHERE locked_until IS NOT NULL;
CREATE TRIGGER lockouts_set_updated_at BEFORE UPDATE ON lockouts
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- password_resets: single-use links, 1 hour.
CREATE TABLE password_resets (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash  bytea NOT NULL CHECK (octet_length(token_hash) >= 16),
	expires_at  timestamptz NOT NULL,
	used_at     timestamptz,
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX password_resets_token_hash_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);
CREATE INDEX password_resets_expires_at_idx ON password_resets (expires_at);

-- unlock_tokens: self-unlock links mailed to a locked-out user; same shape
-- and rules as password_resets.
CREATE TABLE unlock_tokens (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash  bytea NOT NULL CHECK (octet_length(token_hash) >= 16),
	expires_at  timestamptz NOT NULL,
	used_at     timestamptz,
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX unlock_tokens_token_hash_key ON unlock_tokens (token_hash);
CREATE INDEX unlock_tokens_user_id_idx ON unlock_tokens (user_id);
CREATE INDEX unlock_tokens_expires_at_idx ON unlock_tokens (expires_at);

-- ---------------------------------------------------------------------------
-- api_tokens: bearer tokens for programs, scoped to their user's role.
CREATE TABLE api_tokens (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name          text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 100),
	token_hash    bytea NOT NULL CHECK (octet_length(token_hash) >= 16),
	created_at    timestamptz NOT NULL DEFAULT now(),
	last_used_at  timestamptz,
	revoked_at    timestamptz
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id, created_at);

-- ---------------------------------------------------------------------------
-- invites: portal invitations; accepting one creates a client user.
CREATE TABLE invites (
	id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id    uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	email        text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '_%@_%'),
	token_hash   bytea NOT NULL CHECK (octet_length(token_hash) >= 16),
	expires_at   timestamptz NOT NULL,
	accepted_at  timestamptz,
	revoked_at   timestamptz,   -- set when a newer invite replaces this one
	created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX invites_token_hash_key ON invites (token_hash);
CREATE INDEX invites_client_id_idx ON invites (client_id, created_at);
CREATE INDEX invites_created_by_idx ON invites (created_by);
CREATE INDEX invites_email_idx ON invites (email);
