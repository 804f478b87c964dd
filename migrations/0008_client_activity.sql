-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 WavelaunchOS contributors

-- Client users see only the part of their client's activity trail that is
-- meant for them: the client record, files, approved plans and deliverables
-- once ready or delivered -- never notes, drafts or automation changes.
-- The library filters the same way; this is the second wall.
DROP POLICY activities_client ON activities;
CREATE POLICY activities_client ON activities FOR ALL
	USING (wvl_actor_role() = 'client' AND client_id = wvl_actor_client()
	       AND (entity_type IN ('client', 'file')
	            OR (entity_type = 'business_plan' AND action = 'approved')
	            OR (entity_type = 'deliverable' AND action IN ('ready', 'delivered'))))
	WITH CHECK (wvl_actor_role() = 'client' AND client_id = wvl_actor_client()
	            AND entity_type IN ('client', 'file'));
