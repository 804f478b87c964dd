SELECT json_build_object('id', c.id, 'name', c.name, 'brand_name', c.brand_name, 'email', c.email, 'niche', c.niche, 'status', c.status, 'start_date', c.start_date, 'onboarded_at', c.onboarded_at, 'monthly_fee_cents', c.monthly_fee_cents, 'currency', c.currency, 'social_handles', c.social_handles, 'intake', c.intake, 'automation_paused', c.automation_paused, 'created_at', c.created_at, 'updated_at', c.updated_at, 'archived_at', c.archived_at) AS j,
  to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), c.id
FROM clients c
WHERE ($1::text IS NULL OR c.status = $1)
  AND ($1::text IS NOT NULL OR c.status <> 'archived')
  AND ($2::text IS NULL OR c.name ILIKE $2 OR c.brand_name ILIKE $2 OR c.email ILIKE $2)
  AND ($3::uuid IS NULL OR c.id = $3::uuid)
  AND ($4::text IS NULL OR (c.created_at, c.id) < ($4::timestamptz, $5::uuid))
ORDER BY c.created_at DESC, c.id DESC LIMIT $6::int
