#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# GET /api/help/articles?q=TERM, public (no session), 64 connections, over
# 10,000 seeded help articles (wl-migrate seed-demo --help-articles), on one
# PostgreSQL (fsync and synchronous_commit on), in one run:
#   (a)   wl-server (release build, defaults, the limiter on with a budget
#         wrk cannot exhaust), wrk -t2 -c64 --timeout 10s;
#   (a2)  (a) again at the end, for the drift of a shared machine;
#   (a16) the same with WL_HTTP_THREADS=16 (as many statements at a time as
#         its pool holds, against the default 2 per core);
#   (b)   pgbench -c 64 running what wl-server sends per request: the actor
#         settings and the search statement, pipelined, as the application
#         role under row-level security, the statement taken from
#         PostgreSQL's own log of a request of (a), so it is the same SQL
#         byte for byte;
#   (b4)  the same with 4 clients (wl-server's default concurrency);
#   (b')  pgbench -c 64 running the search statement alone.
# The target is a/b >= 0.7.
#   bench/help.sh [seconds] [term]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-15}
TERM_Q=${2:-password}
export WL_RATELIMIT_READ=1000000/1s
# wrk is one address holding 64 anonymous connections: past the guard's
# default cap of 32 (WL_HTTP_ANON_PER_IP_LIMIT) the server would shut the
# rest down as they connect and wrk would spend the run reconnecting (read
# errors by the ten thousand).  In production such a crowd comes through a
# proxy, which WL_TRUSTED_PROXIES exempts; here the cap is off.
export WL_HTTP_ANON_PER_IP_LIMIT=0
bench_setup
"$BUILD/apps/wl-migrate" seed-demo --help-articles 10000 >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d wavelaunch)
# A bulk insert leaves the GIN index's pending list full (every search would
# scan it) and the statistics stale; autovacuum sees to both in time, the
# benchmark does not wait for it.
# The CHECKPOINT writes the load out now rather than in the middle of a
# measurement.
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -c "VACUUM ANALYZE help_articles" \
  -c "VACUUM ANALYZE help_article_views" -c "CHECKPOINT" >/dev/null

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

# CPU seconds (user+system) so far of a process, or of PostgreSQL: the
# postmaster, its live backends and the ones it reaped (pgbench's come and go).
cpu_of() { echo "scale=2; $(awk '{print $14 + $15}' "/proc/$1/stat") / $(getconf CLK_TCK)" | bc; }
pg_cpu() {
  local pm t
  pm=$(head -1 "$STATE/pg/postmaster.pid")
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for c in $(pgrep -P "$pm"); do
    [ -r "/proc/$c/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat")))
  done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}

# wrk_run NAME: the running wl-server under wrk; CPU of it and of PostgreSQL.
wrk_run() {
  wrk -t2 -c64 -d3s "$URL" >/dev/null   # warm-up: fill the pools, prepare the statements
  local s0 p0 s1 p1
  read -r s0 p0 < <(echo "$(cpu_of "$SERVER_PID") $(pg_cpu)")
  wrk -t2 -c64 -d"${DURATION}s" --timeout 10s --latency "$URL" > "$STATE/$1.wrk"
  read -r s1 p1 < <(echo "$(cpu_of "$SERVER_PID") $(pg_cpu)")
  grep -q "Non-2xx" "$STATE/$1.wrk" && { cat "$STATE/$1.wrk"; die "non-2xx responses"; }
  # wrk's own 2 s timeout would cut the slowest answers out of the
  # percentiles (the run's tail is that long): 10 s, and none may reach it.
  grep -q "Socket errors" "$STATE/$1.wrk" && { cat "$STATE/$1.wrk"; die "socket errors"; }
  echo "   CPU seconds: wl-server $(echo "$s1 - $s0" | bc), PostgreSQL $(echo "$p1 - $p0" | bc) (of $((2 * DURATION)) on the machine)"
  eval "${1}_RSS=\$(peak_rss_kib \"\$SERVER_PID\")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

echo "== (a) wl-server, defaults: wrk -t2 -c64 -d${DURATION}s --timeout 10s --latency $URL ($HITS hits in the first 100)"
wrk_run a
# pgbench NAME FILE CLIENTS: prepared, per-transaction log for p50/p99.
run_pgbench() {
  mkdir -p "$STATE/$1"
  local p0 p1
  ( cd "$STATE/$1" && pgbench -n -d "$WL_DATABASE_URL" -M prepared -c "$3" -j 2 -T 3 \
      -D "q=$TERM_Q" -f "$2" >/dev/null 2>&1 ) || die "pgbench ($1) warm-up failed"
  p0=$(pg_cpu)
  ( cd "$STATE/$1" && pgbench -n -d "$WL_DATABASE_URL" -M prepared -c "$3" -j 2 -T "$DURATION" -l \
      -D "q=$TERM_Q" -f "$2" > "$STATE/$1.txt" 2>&1 ) || { cat "$STATE/$1.txt"; die "pgbench ($1) failed"; }
  p1=$(pg_cpu)
  echo "   CPU seconds: PostgreSQL $(echo "$p1 - $p0" | bc)"
}
echo "== (b) pgbench: wl-server's pipeline (actor settings + search), app role, -M prepared -c 64 -j 2 -T $DURATION"
run_pgbench b "$STATE/pipeline.sql" 64
echo "== (a16) wl-server with WL_HTTP_THREADS=16 (16 statements at a time, as many as its pool)"
WL_HTTP_THREADS=16 start_server "$STATE/server16.log"
wrk_run a16
echo "== (b4) pgbench as (b) with 4 clients (wl-server's default statements at a time)"
run_pgbench b4 "$STATE/pipeline.sql" 4
echo "== (b') pgbench: the search statement alone, -c 64"
run_pgbench b2 "$STATE/search.sql" 64
echo "== (a2) wl-server, defaults, again (the drift of the machine over the run)"
start_server "$STATE/server2.log"
wrk_run a2

rps() { awk '/Requests\/sec/ {print $2}' "$STATE/$1.wrk"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$STATE/$1.wrk"; }
tps() { awk '/^tps/ {print $3; exit}' "$STATE/$1.txt"; }
# p50 and p99 of a pgbench run from its per-transaction log (3rd field, us).
pg_pct() { cat "$STATE/$1"/pgbench_log.* | awk '{print $3}' | sort -n |
  awk -v p="$2" '{v[NR] = $1} END {i = int(NR * p); if (i < 1) i = 1; printf "%.2fms", v[i] / 1000}'; }
row() { printf '%-34s %10s %10s %10s %10s\n' "$@"; }
echo
row "" "req/s" "p50" "p99" "RSS (MiB)"
row "(a) wl-server" "$(rps a)" "$(pct a 50%)" "$(pct a 99%)" "$(echo "scale=1; $a_RSS/1024" | bc)"
row "(a2) wl-server, again" "$(rps a2)" "$(pct a2 50%)" "$(pct a2 99%)" "$(echo "scale=1; $a2_RSS/1024" | bc)"
row "(a16) wl-server, 16 threads" "$(rps a16)" "$(pct a16 50%)" "$(pct a16 99%)" "$(echo "scale=1; $a16_RSS/1024" | bc)"
row "(b) pgbench, wl-server's SQL, -c64" "$(tps b)" "$(pg_pct b 0.5)" "$(pg_pct b 0.99)" "-"
row "(b4) pgbench, the same, -c4" "$(tps b4)" "$(pg_pct b4 0.5)" "$(pg_pct b4 0.99)" "-"
row "(b') pgbench, search alone, -c64" "$(tps b2)" "$(pg_pct b2 0.5)" "$(pg_pct b2 0.99)" "-"
ratio() { echo "scale=2; $1 / $2" | bc; }
echo
echo "a/b = $(ratio "$(rps a)" "$(tps b)")   a2/b = $(ratio "$(rps a2)" "$(tps b)")   a16/b = $(ratio "$(rps a16)" "$(tps b)")   a/b4 = $(ratio "$(rps a)" "$(tps b4)")   a/b' = $(ratio "$(rps a)" "$(tps b2)")   (target a/b >= 0.7)"
echo "statement: $SEARCH_SQL"
exit 0
