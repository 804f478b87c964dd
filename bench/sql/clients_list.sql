SELECT c.id, c.name, c.brand_name, c.email, c.niche, c.status, c.start_date, c.onboarded_at, c.monthly_fee_cents, c.currency, c.social_handles, c.intake, c.automation_paused, c.created_at, c.updated_at, c.archived_at
FROM clients c
WHERE c.status <> 'archived'
ORDER BY c.created_at DESC, c.id DESC LIMIT $1::int
