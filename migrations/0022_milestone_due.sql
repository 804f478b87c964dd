-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors

-- 0022 milestone due: the one rule for when a client's milestone k (1-8)
-- is due, used by the deliverables made with the client (their due_date)
-- and by the journey's planner (its reminders, and each milestone's
-- generation on the previous one's due date): k months after the client's
-- start, counted from the start each time, so a start on the 31st gives
-- the last day of the shorter months and the 31st again after them.  M1 is
-- due a month in and M8 at the end of the eight-month programme.
CREATE FUNCTION wvl_milestone_due(start date, k int) RETURNS date
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT (start + make_interval(months => k))::date $$;
