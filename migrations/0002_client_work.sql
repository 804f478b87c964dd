-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0002 client work: what the agency produces for and with a client.
-- Every table here carries client_id, which row level security (0005) keys on.
-- Client-owned rows go with their client (ON DELETE CASCADE); references to
-- the user who wrote something survive that user (ON DELETE SET NULL).

-- ---------------------------------------------------------------------------
-- business_plans: versioned; a new version is a new row.
CREATE TABLE business_plans (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id         uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	version           integer NOT NULL CHECK (version >= 1),
	status            text NOT NULL DEFAULT 'draft'
	                  CHECK (status IN ('draft', 'in_review', 'approved', 'superseded')),
	title             text NOT NULL DEFAULT '',
	content_markdown  text NOT NULL DEFAULT '',
	content_html      text NOT NULL DEFAULT '',   -- rendered and sanitised
	approved_by       uuid REFERENCES users (id) ON DELETE SET NULL,
	approved_at       timestamptz,
	created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT business_plans_client_version_key UNIQUE (client_id, version),
	CONSTRAINT business_plans_approved_check CHECK (status <> 'approved' OR approved_at IS NOT NULL)
);
-- At most one approved plan per client: supersede the old one before
-- approving the new one (two statements; unique checks are per row).
CREATE UNIQUE INDEX business_plans_one_approved_key ON business_plans (client_id)
	WHERE status = 'approved';
CREATE INDEX business_plans_approved_by_idx ON business_plans (approved_by);
CREATE INDEX business_plans_created_by_idx ON business_plans (created_by);
CREATE TRIGGER business_plans_set_updated_at BEFORE UPDATE ON business_plans
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- deliverables: one per month of the programme, M1..M8.
CREATE TABLE deliverables (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id         uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	milestone         smallint NOT NULL CHECK (milestone BETWEEN 1 AND 8),
	title             text NOT NULL DEFAULT '',
	status            text NOT NULL DEFAULT 'planned'
	                  CHECK (status IN ('planned', 'generating', 'draft', 'ready', 'delivered')),
	due_date          date,
	content_markdown  text NOT NULL DEFAULT '',
	content_html      text NOT NULL DEFAULT '',   -- rendered and sanitised
	ready_at          timestamptz,
	delivered_at      timestamptz,
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT deliverables_client_milestone_key UNIQUE (client_id, milestone)
);
-- Overdue / upcoming lists and "time to deliver" analytics.
CREATE INDEX deliverables_status_due_idx ON deliverables (status, due_date);
CREATE INDEX deliverables_delivered_at_idx ON deliverables (delivered_at)
	WHERE delivered_at IS NOT NULL;
CREATE TRIGGER deliverables_set_updated_at BEFORE UPDATE ON deliverables
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- files: metadata of uploads; the bytes live under WL_STORAGE_DIR at
-- storage_key.  Nothing but 'clean' may ever be served (unscanned uploads
-- stay quarantined).
CREATE TABLE files (
	id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	uploaded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
	storage_key     text NOT NULL CHECK (storage_key <> ''),
	name            text NOT NULL CHECK (name <> ''),   -- sanitised display name
	content_type    text NOT NULL,                      -- detected, not the client's claim
	size            bigint NOT NULL CHECK (size >= 0),
	sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	scan_status     text NOT NULL DEFAULT 'pending_scan'
	                CHECK (scan_status IN ('pending_scan', 'clean', 'infected', 'error')),
	scan_signature  text,                               -- virus name when infected
	scanned_at      timestamptz,
	deleted_at      timestamptz,                        -- soft delete; cleanup job removes bytes
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX files_storage_key_key ON files (storage_key);
CREATE INDEX files_client_created_idx ON files (client_id, created_at, id);
CREATE INDEX files_uploaded_by_idx ON files (uploaded_by);
-- Rescan queue and cleanup of soft-deleted files.
CREATE INDEX files_pending_scan_idx ON files (created_at)
	WHERE scan_status IN ('pending_scan', 'error');
CREATE INDEX files_deleted_at_idx ON files (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE TRIGGER files_set_updated_at BEFORE UPDATE ON files
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- notes: internal team notes about a client (rich text, sanitised HTML).
-- Never shown to the client (see 0005).
CREATE TABLE notes (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
	body        text NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_client_created_idx ON notes (client_id, created_at, id);
CREATE INDEX notes_author_id_idx ON notes (author_id);
CREATE TRIGGER notes_set_updated_at BEFORE UPDATE ON notes
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- activities: append-only trail.  client_id NULL for events not about one
-- client (team changes, settings); entity_id has no foreign key because it
-- points into whichever table entity_type names.
CREATE TABLE activities (
	id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id    uuid REFERENCES clients (id) ON DELETE CASCADE,
	actor_id     uuid REFERENCES users (id) ON DELETE SET NULL,
	entity_type  text NOT NULL,
	entity_id    uuid,
	action       text NOT NULL,
	summary      text NOT NULL DEFAULT '',
	meta         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(meta) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_client_created_idx ON activities (client_id, created_at, id);
CREATE INDEX activities_actor_id_idx ON activities (actor_id);
CREATE INDEX activities_created_idx ON activities (created_at, id);   -- global feed
CREATE INDEX activities_entity_idx ON activities (entity_type, entity_id);

-- ---------------------------------------------------------------------------
-- messages: the client <-> team message thread of a client.
CREATE TABLE messages (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
	body        text NOT NULL,
	read_at     timestamptz,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_client_created_idx ON messages (client_id, created_at, id);
CREATE INDEX messages_author_id_idx ON messages (author_id);
CREATE TRIGGER messages_set_updated_at BEFORE UPDATE ON messages
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- onboarding_progress: the portal onboarding wizard, one row per client.
CREATE TABLE onboarding_progress (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	client_id     uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	steps         jsonb NOT NULL DEFAULT '{}',   -- step name -> state, shaped by the library
	completed_at  timestamptz,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX onboarding_progress_client_id_key ON onboarding_progress (client_id);
CREATE TRIGGER onboarding_progress_set_updated_at BEFORE UPDATE ON onboarding_progress
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
