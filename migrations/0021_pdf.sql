-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors

-- 0021 pdf: the stored PDF of a business plan or a deliverable (lib/pdf).
-- One row per document: the file in the files module that holds its PDF
-- and a digest of what it was rendered from, so a changed title or
-- content makes the PDF stale (it is rendered again) without touching the
-- document's own row or its updated_at.
CREATE TABLE document_pdfs (
	doc_kind    text NOT NULL CHECK (doc_kind IN ('business_plan', 'deliverable')),
	doc_id      uuid NOT NULL,
	client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	file_id     uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
	source      text NOT NULL CHECK (source ~ '^[0-9a-f]{32}$'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (doc_kind, doc_id)
);
CREATE INDEX document_pdfs_client_id_idx ON document_pdfs (client_id);
CREATE INDEX document_pdfs_file_id_idx ON document_pdfs (file_id);
-- Written by the worker ('system'); read by the library for the actor
-- after it checked the document itself is within the actor's reach.
ALTER TABLE document_pdfs ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_pdfs FORCE ROW LEVEL SECURITY;
CREATE POLICY document_pdfs_team ON document_pdfs FOR ALL
	USING (wvl_actor_is_team()) WITH CHECK (wvl_actor_is_team());

-- files.generated: a file the library made (a document's PDF), not an
-- upload.  Client users do not see generated files in the files list or by
-- id: a draft plan's PDF must not reach the portal through the client's
-- files.  They get a document's PDF only through the document, whose own
-- rules decide (lib/pdf/documents.c), by a signed link.
ALTER TABLE files ADD COLUMN generated boolean NOT NULL DEFAULT false;
DROP POLICY files_client ON files;
CREATE POLICY files_client ON files FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client() AND NOT generated)
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client() AND NOT generated);
