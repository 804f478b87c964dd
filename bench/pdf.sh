#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# PDF rendering (lib/pdf: pango on cairo's PDF surface), release build,
# fsync on, end to end:
#   (1) business plans: N long plans (markdown with headings, paragraphs,
#       nested lists and a 30-row table per section) are created over HTTP
#       and POST /api/business-plans/{id}/pdf queues a pdf_generate job
#       each; then one wl-worker starts (WL_WORKER_CONCURRENCY 1, then 2
#       on a second batch) and the clock runs until every job is completed
#       (render + store through the files module).  Pages come from pdfinfo
#       on a downloaded PDF; peak RSS is wl-worker's VmHWM.
#   (2) the analytics report: GET /api/analytics/export?format=pdf over 24
#       months (laid out in the request), M times in a row, with curl's
#       time_total; wl-server's peak RSS during them; and one 120-month
#       export, which answers 202 and is made by the export_file job.
#   bench/pdf.sh [plans=20] [analytics_requests=20]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${1:-20}
M=${2:-20}
command -v pdfinfo >/dev/null || die "pdfinfo (poppler-utils) is needed"
bench_setup
export WL_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
export WL_CLAMD= WL_SCAN_REQUIRED=false
export WL_RATELIMIT_WRITE=1000000/1s WL_RATELIMIT_READ=1000000/1s
BASE=$WL_PUBLIC_URL
OWNER_URL=$WL_MIGRATE_DATABASE_URL
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$OWNER_URL" -c "SET wvl.actor_role = 'system'" -c "$1"; }

ADMIN_PW="Quartz-$(random_word)-7!"
printf '%s\n' "$ADMIN_PW" | "$BUILD/apps/wl-migrate" bootstrap-admin --email pdf-admin@example.com >/dev/null
"$BUILD/apps/wl-migrate" seed-demo --clients 200 >/dev/null
# Three years of monthly payments for the demo clients, so the report has figures.
sql "INSERT INTO payments (client_id, amount_cents, status, paid_at, period)
     SELECT c.id, 50000 + (abs(hashtext(c.id::text)) % 200000), 'paid', m + interval '3 days', m::date
     FROM clients c, generate_series(date_trunc('month', now()) - interval '35 months',
                                    date_trunc('month', now()), interval '1 month') m" >/dev/null
start_server "$STATE/server.log"

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
JAR=$STATE/cookies
CSRF=$(curl -fsS -c "$JAR" -H 'Content-Type: application/json' \
  -d "{\"email\":\"pdf-admin@example.com\",\"password\":\"$ADMIN_PW\"}" "$BASE/api/auth/login" \
  | json csrf_token)
api() { curl -fsS -b "$JAR" -H "X-CSRF-Token: $CSRF" "$@"; }

# The long plan: 12 sections, each a heading, two paragraphs, a nested
# list and a table of 30 rows.
python3 - > "$STATE/plan.json" <<'PY'
import json
parts = ["# Growth plan\n\nA plan long enough to paginate, as real ones do.\n"]
for s in range(1, 13):
    parts.append(f"## Section {s}: market and offer\n")
    parts.append(("We position the brand for **segment %d** with a clear offer, "
                  "a _measured_ budget and `weekly` reviews. " % s) * 4 + "\n")
    parts.append("Risks are tracked in the table below; owners report monthly.\n")
    parts.append("1. Research\n   - interviews\n   - surveys\n2. Build\n   - site\n   - content\n3. Launch\n")
    parts.append("| Item | Owner | Month | Cost |\n|---|---|---|---:|")
    for r in range(1, 31):
        parts.append(f"| Task {s}.{r} | Team {r % 5} | M{r % 12 + 1} | {r * 125}.00 |")
    parts.append("")
print(json.dumps({"title": "Growth plan (bench)", "content_markdown": "\n".join(parts)}))
PY

make_plans() { # count -> ids of new plans, each of its own client, with a queued PDF
  local i cid pid
  for i in $(seq "$1"); do
    cid=$(api -H 'Content-Type: application/json' -d "{\"name\":\"PDF bench $i\"}" "$BASE/api/clients" | json id)
    pid=$(api -H 'Content-Type: application/json' -d @"$STATE/plan.json" \
      "$BASE/api/clients/$cid/business-plans" | json id)
    api -X POST "$BASE/api/business-plans/$pid/pdf" >/dev/null
    echo "$pid"
  done
}

run_worker() { # concurrency count: time until `count` pdf_generate jobs completed
  local conc=$1 n=$2 t0 t1 done
  t0=$(date +%s.%N)
  WL_WORKER_CONCURRENCY="$conc" WL_WORKER_POLL_MS=50 "$BUILD/apps/wl-worker" 2>"$STATE/worker-$conc.log" &
  WORKER_PID=$!
  while :; do
    done=$(sql "SELECT count(*) FILTER (WHERE state = 'completed') || ' ' || count(*) FILTER (WHERE state IN ('failed','retryable'))
                FROM jobs WHERE kind = 'pdf_generate'")
    [ "${done#* }" -gt 0 ] && { cat "$STATE/worker-$conc.log" >&2; die "pdf_generate failed"; }
    [ "${done% *}" -ge "$n" ] && break
    sleep 0.02
  done
  t1=$(date +%s.%N)
  PEAK=$(peak_rss_kib "$WORKER_PID")
  kill "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null || true
  WORKER_PID=
  ELAPSED=$(echo "$t1 - $t0" | bc -l)
}
trap '[ -n "${WORKER_PID:-}" ] && kill "$WORKER_PID" 2>/dev/null; bench_cleanup' EXIT

pages_of() { # url -> pages of the downloaded PDF
  curl -fsS -o "$STATE/doc.pdf" "$1"
  pdfinfo "$STATE/doc.pdf" | awk '/^Pages:/ {print $2}'
}

echo "== (1) business plans: $N long plans per run (bench/pdf.sh $N $M)"
printf '| worker concurrency | plans | pages each | PDF bytes | seconds | ms per plan | pages/s | wl-worker peak RSS KiB |\n'
printf '|---|---|---|---|---|---|---|---|\n'
total=0
for conc in 1 2; do
  mapfile -t PLANS < <(make_plans "$N")
  total=$((total + N))
  run_worker "$conc" "$total"
  url=$(api "$BASE/api/business-plans/${PLANS[0]}/pdf" | json url)
  pages=$(pages_of "$url")
  bytes=$(stat -c %s "$STATE/doc.pdf")
  awk -v c="$conc" -v n="$N" -v p="$pages" -v b="$bytes" -v s="$ELAPSED" -v r="$PEAK" \
    'BEGIN { printf "| %d | %d | %d | %d | %.2f | %.0f | %.1f | %d |\n", c, n, p, b, s, 1000 * s / n, n * p / s, r }'
done

echo
echo "== (2) the analytics report as PDF: $M requests of 24 months, one at a time"
TO=$(date -u +%Y-%m)
FROM24=$(date -u -d "$(date -u +%Y-%m-01) -23 months" +%Y-%m)
FROM120=$(date -u -d "$(date -u +%Y-%m-01) -119 months" +%Y-%m)
echo 5 > "/proc/$SERVER_PID/clear_refs"
rss0=$(rss_kib "$SERVER_PID")
: > "$STATE/times"
for _ in $(seq "$M"); do
  read -r code t < <(curl -sS -b "$JAR" -o "$STATE/a.pdf" -w '%{http_code} %{time_total}\n' \
    "$BASE/api/analytics/export?format=pdf&from=$FROM24&to=$TO")
  [ "$code" = 200 ] || die "analytics export: HTTP $code"
  echo "$t" >> "$STATE/times"
done
peak=$(peak_rss_kib "$SERVER_PID")
apages=$(pdfinfo "$STATE/a.pdf" | awk '/^Pages:/ {print $2}')
sort -n "$STATE/times" | awk -v p="$apages" -v b="$(stat -c %s "$STATE/a.pdf")" -v r0="$rss0" -v pk="$peak" '
  { t[NR] = $1; s += $1 }
  END { printf "| pages | PDF bytes | mean ms | median ms | max ms | pages/s | wl-server RSS before KiB | peak KiB |\n|---|---|---|---|---|---|---|---|\n";
        printf "| %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d |\n", p, b, 1000 * s / NR, 1000 * t[int((NR + 1) / 2)], 1000 * t[NR], p * NR / s, r0, pk }'
# The first request computed the figures (the analytics cache is cold);
# the others read them from Redis: the time is the layout's.
echo "   first request (figures computed): $(head -1 "$STATE/times") s"

echo
echo "== (2') 120 months: 202 and the export_file job"
t0=$(date +%s.%N)
code=$(curl -sS -b "$JAR" -o "$STATE/job.json" -w '%{http_code}' "$BASE/api/analytics/export?format=pdf&from=$FROM120&to=$TO")
[ "$code" = 202 ] || die "120 months: HTTP $code, not 202"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$STATE/job.json")
WL_WORKER_CONCURRENCY=1 WL_WORKER_POLL_MS=50 "$BUILD/apps/wl-worker" 2>"$STATE/worker-export.log" &
WORKER_PID=$!
while [ "$(sql "SELECT state FROM jobs WHERE id = '$JOB'")" != completed ]; do
  [ "$(sql "SELECT state FROM jobs WHERE id = '$JOB'")" = failed ] && die "export_file failed"
  sleep 0.02
done
t1=$(date +%s.%N)
FILE=$(sql "SELECT id FROM files WHERE name = 'analytics-$FROM120-to-$TO.pdf'")
url=$(api "$BASE/api/files/$FILE/download" | json url)
p=$(pages_of "$url")
echo "   120 months: $p pages, $(stat -c %s "$STATE/doc.pdf") bytes, $(echo "$t1 - $t0" | bc -l | cut -c1-5) s from the request to the stored file (wl-worker start-up included), wl-worker peak RSS $(peak_rss_kib "$WORKER_PID") KiB"
kill "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null || true
WORKER_PID=
exit 0
