SELECT s.id, s.user_id, u.role, u.client_id, s.csrf_token,
  s.last_seen_at < $2::timestamptz - interval '1 minute'
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1::bytea AND s.revoked_at IS NULL AND u.active
  AND s.expires_at > $2::timestamptz
  AND s.last_seen_at > $2::timestamptz - make_interval(secs => $3::int)
