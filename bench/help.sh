#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# GET /api/help/articles?q=TERM, public (no session), 64 connections, over
# 10,000 seeded help articles (wl-migrate seed-demo --help-articles), on one
# PostgreSQL (fsync and synchronous_commit on), in one run:
#   (a) wl-server (release build, defaults, the limiter on with a budget wrk
#       cannot exhaust);
#   (b) pgbench running what wl-server sends per request: the actor settings
#       and the search statement, pipelined, as the application role under
#       row-level security, the statement taken from PostgreSQL's own log of
#       a request of (a), so it is the same SQL byte for byte;
#   (b') pgbench running the search statement alone.
# The target is a/b >= 0.7.
#   bench/help.sh [seconds] [term]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-15}
TERM_Q=${2:-password}
export WL_RATELIMIT_READ=1000000/1s
bench_setup
"$BUILD/apps/wl-migrate" seed-demo --help-articles 10000 >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d wavelaunch)
# A bulk insert leaves the GIN index's pending list full (every search would
# scan it) and the statistics stale; autovacuum sees to both in time, the
# benchmark does not wait for it.
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -c "VACUUM ANALYZE help_articles" \
  -c "VACUUM ANALYZE help_article_views" >/dev/null

start_server "$STATE/server.log"
URL="http://127.0.0.1:$HTTP_PORT/api/help/articles?q=$TERM_Q"
HITS=$(curl -fs "$URL&limit=100" | grep -o '"snippet"' | wc -l)
[ "$HITS" -gt 0 ] || die "the search found nothing"

# The statement as wl-server sends it, from PostgreSQL's log of one request.
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -c "ALTER SYSTEM SET log_min_duration_statement = 0" \
  -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
curl -fs "$URL" >/dev/null
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -c "ALTER SYSTEM RESET log_min_duration_statement" \
  -c "SELECT pg_reload_conf()" >/dev/null
SEARCH_SQL=$(grep -o 'execute [^:]*: SELECT .*help_query(\$1).*' "$STATE/pg/server.log" | tail -1 |
  sed -e 's/^execute [^:]*: //' -e 's/help_query(\$1)/help_query(:q)/' -e 's/\$2::int/51::int/')
[ -n "$SEARCH_SQL" ] || die "the search statement was not found in PostgreSQL's log"
echo "$SEARCH_SQL;" > "$STATE/search.sql"
{
  echo '\startpipeline'
  echo "SELECT set_config('wvl.actor_role', 'anonymous', true), set_config('wvl.actor_id', '', true), set_config('wvl.actor_client_id', '', true);"
  echo "$SEARCH_SQL;"
  echo '\endpipeline'
} > "$STATE/pipeline.sql"

# CPU seconds (user+system) used so far by a list of pids.
cpu_of() {
  local t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}
pg_pids() { pgrep -P "$(head -1 "$STATE/pg/postmaster.pid")"; head -1 "$STATE/pg/postmaster.pid"; }

echo "== (a) wl-server: wrk -t2 -c64 -d${DURATION}s --latency $URL ($HITS hits in the first 100)"
wrk -t2 -c64 -d3s "$URL" >/dev/null   # warm-up: fill the pools, prepare the statements
read -r S0 P0 < <(echo "$(cpu_of "$SERVER_PID") $(cpu_of $(pg_pids))")
wrk -t2 -c64 -d"${DURATION}s" --latency "$URL" > "$STATE/a.wrk"
read -r S1 P1 < <(echo "$(cpu_of "$SERVER_PID") $(cpu_of $(pg_pids))")
grep -q "Non-2xx" "$STATE/a.wrk" && { cat "$STATE/a.wrk"; die "non-2xx responses"; }
echo "   CPU seconds during (a): wl-server $(echo "$S1 - $S0" | bc), PostgreSQL $(echo "$P1 - $P0" | bc) (of $((2 * DURATION)) available)"
A_RSS=$(peak_rss_kib "$SERVER_PID")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

# pgbench NAME FILE: 64 clients, prepared, per-transaction log for p99.
run_pgbench() {
  mkdir -p "$STATE/$1"
  ( cd "$STATE/$1" && pgbench -n -d "$WL_DATABASE_URL" -M prepared -c 64 -j 2 -T 3 \
      -D "q=$TERM_Q" -f "$2" >/dev/null 2>&1 && rm -f pgbench_log.* &&
    pgbench -n -d "$WL_DATABASE_URL" -M prepared -c 64 -j 2 -T "$DURATION" -l \
      -D "q=$TERM_Q" -f "$2" > "$STATE/$1.txt" 2>&1 ) ||
    { cat "$STATE/$1.txt"; die "pgbench ($1) failed"; }
}
echo "== (b) pgbench: wl-server's pipeline (actor settings + search), app role, -M prepared -c 64 -j 2 -T $DURATION"
read -r Q0 < <(cpu_of $(pg_pids))
run_pgbench b "$STATE/pipeline.sql"
read -r Q1 < <(cpu_of $(pg_pids))
echo "   CPU seconds of PostgreSQL during (b): $(echo "$Q1 - $Q0" | bc)"
echo "== (b') pgbench: the search statement alone"
run_pgbench b2 "$STATE/search.sql"

rps() { awk '/Requests\/sec/ {print $2}' "$STATE/$1.wrk"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$STATE/$1.wrk"; }
tps() { awk '/^tps/ {print $3; exit}' "$STATE/$1.txt"; }
# p50 and p99 of a pgbench run from its per-transaction log (3rd field, us).
pg_pct() { cat "$STATE/$1"/pgbench_log.* | awk '{print $3}' | sort -n |
  awk -v p="$2" '{v[NR] = $1} END {i = int(NR * p); if (i < 1) i = 1; printf "%.2fms", v[i] / 1000}'; }
printf '\n%-30s %10s %10s %10s %10s\n' "" "req/s" "p50" "p99" "RSS (MiB)"
printf '%-30s %10s %10s %10s %10.1f\n' "(a) wl-server" "$(rps a)" "$(pct a 50%)" "$(pct a 99%)" "$(echo "$A_RSS/1024" | bc -l)"
printf '%-30s %10s %10s %10s %10s\n' "(b) pgbench, wl-server's SQL" "$(tps b)" "$(pg_pct b 0.5)" "$(pg_pct b 0.99)" "-"
printf '%-30s %10s %10s %10s %10s\n' "(b') pgbench, the search alone" "$(tps b2)" "$(pg_pct b2 0.5)" "$(pg_pct b2 0.99)" "-"
printf "\na/b = %.2f   a/b' = %.2f   (target a/b >= 0.7)\n" "$(echo "$(rps a)/$(tps b)" | bc -l)" \
  "$(echo "$(rps a)/$(tps b2)" | bc -l)"
echo "statement: $SEARCH_SQL"
exit 0
