#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# Analytics and exports, release build, fsync on (bench/lib.sh):
#   (1) GET /api/analytics over 36 months for 10,000 clients (wl-migrate
#       seed-demo) with three years of monthly payments (360,000 rows):
#       cold (the Redis cache emptied before each request: the one
#       statement runs) and cached (the same request again), R requests
#       each, one at a time, curl's time_total.
#   (2) the client export of 100,000 clients (seed-demo up to 100,000) as
#       CSV and as XLSX: more than 10,000 rows, so GET /api/clients/export
#       answers 202 and one wl-worker writes the file (export_file) and
#       stores it; seconds from the request to the completed job (worker
#       start-up included), the file's size, wl-worker's peak RSS.
#   bench/analytics.sh [requests=20]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
R=${1:-20}
bench_setup
export WL_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
export WL_CLAMD= WL_SCAN_REQUIRED=false
export WL_RATELIMIT_WRITE=1000000/1s WL_RATELIMIT_READ=1000000/1s
BASE=$WL_PUBLIC_URL
OWNER_URL=$WL_MIGRATE_DATABASE_URL
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$OWNER_URL" -c "SET wvl.actor_role = 'system'" -c "$1"; }
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

ADMIN_PW="Quartz-$(random_word)-7!"
printf '%s\n' "$ADMIN_PW" | "$BUILD/apps/wl-migrate" bootstrap-admin --email an-admin@example.com >/dev/null
t0=$(date +%s.%N)
"$BUILD/apps/wl-migrate" seed-demo --clients 10000 >/dev/null
sql "INSERT INTO payments (client_id, amount_cents, status, paid_at, period)
     SELECT c.id, 50000 + (abs(hashtext(c.id::text)) % 200000), 'paid', m + interval '3 days', m::date
     FROM clients c, generate_series(date_trunc('month', now()) - interval '35 months',
                                    date_trunc('month', now()), interval '1 month') m;
     SET client_min_messages = error; ANALYZE" >/dev/null
echo "== seeded $(sql "SELECT count(*) FROM clients") clients and $(sql "SELECT count(*) FROM payments") payments in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"
start_server "$STATE/server.log"
trap '[ -n "${WORKER_PID:-}" ] && kill "$WORKER_PID" 2>/dev/null; bench_cleanup' EXIT

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
JAR=$STATE/cookies
CSRF=$(curl -fsS -c "$JAR" -H 'Content-Type: application/json' \
  -d "{\"email\":\"an-admin@example.com\",\"password\":\"$ADMIN_PW\"}" "$BASE/api/auth/login" \
  | json csrf_token)

TO=$(date -u +%Y-%m)
FROM=$(date -u -d "$(date -u +%Y-%m-01) -35 months" +%Y-%m)
URL="$BASE/api/analytics?from=$FROM&to=$TO"
drop_cache() { rcli EVAL "for _,k in ipairs(redis.call('KEYS','wl:cache:*')) do redis.call('DEL',k) end return 0" 0 >/dev/null; }
one() { # -> seconds
  local code t
  read -r code t < <(curl -sS -b "$JAR" -o "$STATE/a.json" -w '%{http_code} %{time_total}\n' "$URL")
  [ "$code" = 200 ] || { cat "$STATE/a.json" >&2; die "analytics: HTTP $code"; }
  echo "$t"
}
stats() { sort -n | awk '{ t[NR] = $1; s += $1 } END { printf "mean %.1f ms, median %.1f ms, max %.1f ms", 1000 * s / NR, 1000 * t[int((NR + 1) / 2)], 1000 * t[NR] }'; }

echo "== (1) GET /api/analytics?from=$FROM&to=$TO, $R requests each (bench/analytics.sh $R)"
one >/dev/null # the connection pool and the plan cache warm
: > "$STATE/cold"; : > "$STATE/warm"
for _ in $(seq "$R"); do drop_cache; one >> "$STATE/cold"; done
one >/dev/null
for _ in $(seq "$R"); do one >> "$STATE/warm"; done
echo "   cold (computed): $(stats < "$STATE/cold")"
echo "   cached (Redis):  $(stats < "$STATE/warm")"
echo "   response: $(stat -c %s "$STATE/a.json") bytes; wl-server RSS $(rss_kib "$SERVER_PID") KiB, peak $(peak_rss_kib "$SERVER_PID") KiB"

echo
echo "== (2) the client export of 100,000 clients through the export_file job"
t0=$(date +%s.%N)
"$BUILD/apps/wl-migrate" seed-demo --clients 90000 >/dev/null
sql "SET client_min_messages = error; ANALYZE" >/dev/null
echo "   seeded up to $(sql "SELECT count(*) FROM clients WHERE status <> 'archived'") exported clients in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"
printf '| format | rows | file bytes | seconds (request to stored file) | rows/s | wl-worker peak RSS KiB |\n'
printf '|---|---|---|---|---|---|\n'
for fmt in csv xlsx; do
  t0=$(date +%s.%N)
  code=$(curl -sS -b "$JAR" -o "$STATE/job.json" -w '%{http_code}' "$BASE/api/clients/export?format=$fmt")
  [ "$code" = 202 ] || { cat "$STATE/job.json" >&2; die "export $fmt: HTTP $code, not 202"; }
  JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$STATE/job.json")
  WL_WORKER_CONCURRENCY=1 WL_WORKER_POLL_MS=50 "$BUILD/apps/wl-worker" 2>"$STATE/worker-$fmt.log" &
  WORKER_PID=$!
  while :; do
    st=$(sql "SELECT state FROM jobs WHERE id = '$JOB'")
    [ "$st" = completed ] && break
    [ "$st" = failed ] || [ "$st" = retryable ] && { cat "$STATE/worker-$fmt.log" >&2; die "export_file $fmt: $st"; }
    sleep 0.02
  done
  t1=$(date +%s.%N)
  peak=$(peak_rss_kib "$WORKER_PID")
  kill "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null || true
  WORKER_PID=
  rows=$(sql "SELECT (regexp_match(log::text, 'of ([0-9]+) rows'))[1] FROM jobs WHERE id = '$JOB'")
  bytes=$(sql "SELECT size FROM files WHERE name LIKE 'clients-%.$fmt' ORDER BY created_at DESC LIMIT 1")
  awk -v f="$fmt" -v r="$rows" -v b="$bytes" -v s="$(echo "$t1 - $t0" | bc -l)" -v p="$peak" \
    'BEGIN { printf "| %s | %d | %d | %.2f | %.0f | %d |\n", f, r, b, s, r / s, p }'
done
exit 0
