SELECT json_build_object('id', c.id, 'name', c.name, 'brand_name', c.brand_name, 'email', c.email, 'niche', c.niche, 'status', c.status, 'start_date', c.start_date, 'onboarded_at', c.onboarded_at, 'monthly_fee_cents', c.monthly_fee_cents, 'currency', c.currency, 'social_handles', c.social_handles, 'intake', c.intake, 'automation_paused', c.automation_paused, 'created_at', c.created_at, 'updated_at', c.updated_at, 'archived_at', c.archived_at) AS j
FROM clients c
WHERE c.status <> 'archived'
ORDER BY c.created_at DESC, c.id DESC LIMIT $1::int
