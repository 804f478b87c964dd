-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors
--
-- 0006 files: the 'unscanned' scan status.  When virus scanning is not
-- required (development) and clamd is not configured or not reachable, an
-- upload is stored as 'unscanned': served while scanning stays optional,
-- withheld as soon as it becomes required, and picked up by the rescan
-- like 'pending_scan' and 'error'.  Marking such files 'clean' would lie.

ALTER TABLE files DROP CONSTRAINT files_scan_status_check;
ALTER TABLE files ADD CONSTRAINT files_scan_status_check
	CHECK (scan_status IN ('pending_scan', 'clean', 'infected', 'error', 'unscanned'));

-- The rescan queue now includes 'unscanned'.
DROP INDEX files_pending_scan_idx;
CREATE INDEX files_pending_scan_idx ON files (created_at)
	WHERE scan_status IN ('pending_scan', 'error', 'unscanned') AND deleted_at IS NULL;
