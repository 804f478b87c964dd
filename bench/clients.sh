#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# GET /api/clients?limit=50, authenticated, 64 connections, on one
# PostgreSQL (fsync and synchronous_commit on) holding 10,000 clients:
#   (a) wl-server, (b) Fastify 5 + pg (bench/fastify) on the same query,
#   (b') Fastify with the rows' JSON built by PostgreSQL, (c) pgbench running
#   the endpoint's two statements (session lookup + 50 rows): the limit the
#   issue names, and (c') pgbench running what wl-server sends per request.
#   bench/clients.sh [seconds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-15}
BENCH=$WL_ROOT/bench
command -v node >/dev/null || die "node is needed for the Fastify baseline"
( cd "$BENCH/fastify" && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null )

# The limiter stays on (one Redis round trip per request, as in
# production) but with a budget wrk cannot exhaust.
export WL_RATELIMIT_READ=1000000/1s
bench_setup
"$BUILD/apps/wl-migrate" seed-demo --clients 10000 >/dev/null
printf '%s\n' 'Quiet-Harbor-Lamp-93!' | "$BUILD/apps/wl-migrate" bootstrap-admin \
  --email bench@example.com >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT")
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -U postgres -d wavelaunch -c "ANALYZE" >/dev/null
# The v1 baseline's role: no row-level security, as v1 had none.
V1_PW=$(random_word)
PGPASSWORD=$SUPER_PW "${PSQL[@]}" -U postgres -d wavelaunch >/dev/null <<SQL
CREATE ROLE bench_v1 LOGIN BYPASSRLS PASSWORD '$V1_PW';
GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO bench_v1;
SQL

start_server "$STATE/server.log"
BASE="http://127.0.0.1:$HTTP_PORT"
TOKEN=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"Quiet-Harbor-Lamp-93!"}' "$BASE/api/auth/login" |
  sed -n 's/^Set-Cookie: wl_session=\([^;]*\).*/\1/p' | tr -d '\r')
[ -n "$TOKEN" ] || die "login failed"
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
COOKIE="Cookie: wl_session=$TOKEN"
curl -fs -H "$COOKIE" "$BASE/api/clients?limit=50" | grep -q '"next_cursor":"' || die "list failed"

# CPU seconds (user+system) used so far by a list of pids.
cpu_of() {
  local t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}
pg_pids() { pgrep -f "postgres -D $STATE/pg"; pgrep -P "$(head -1 "$STATE/pg/postmaster.pid")"; }

run_wrk() { # name url
  wrk -t2 -c64 -d3s -H "$COOKIE" "$2" >/dev/null
  wrk -t2 -c64 -d"${DURATION}s" --latency -H "$COOKIE" "$2" > "$STATE/$1.wrk"
  grep -q "Non-2xx" "$STATE/$1.wrk" && { cat "$STATE/$1.wrk"; die "$1: non-2xx responses"; }
  return 0
}

echo "== (a) wl-server"
wrk -t2 -c64 -d3s -H "$COOKIE" "$BASE/api/clients?limit=50" >/dev/null
REDIS_PID=$(cat "$STATE/redis/redis.pid")
read -r S0 P0 R0 < <(echo "$(cpu_of "$SERVER_PID") $(cpu_of $(pg_pids)) $(cpu_of "$REDIS_PID")")
run_wrk a "$BASE/api/clients?limit=50"
read -r S1 P1 R1 < <(echo "$(cpu_of "$SERVER_PID") $(cpu_of $(pg_pids)) $(cpu_of "$REDIS_PID")")
A_RSS=$(peak_rss_kib "$SERVER_PID")
echo "   CPU seconds during (a): wl-server $(echo "$S1 - $S0" | bc), PostgreSQL $(echo "$P1 - $P0" | bc), Redis $(echo "$R1 - $R0" | bc) (of $((2 * DURATION)) available)"

# (b) runs wl-server's query; (b') the variant most favourable to node,
# where PostgreSQL builds each row's JSON and node passes it on.
run_fastify() { # name list_json
  echo "== ($1) Fastify + pg${2:+ (rows as JSON from PostgreSQL)}"
  FASTIFY_PORT=$(free_port)
  BENCH_PORT=$FASTIFY_PORT BENCH_LIST_JSON=${2:-0} \
  BENCH_DATABASE_URL="postgresql://bench_v1:$V1_PW@127.0.0.1:$PG_PORT/wavelaunch" \
    node "$BENCH/fastify/server.js" &
  FASTIFY_PID=$!
  trap 'kill $FASTIFY_PID 2>/dev/null || true; bench_cleanup' EXIT
  for _ in $(seq 100); do curl -fs -H "$COOKIE" "http://127.0.0.1:$FASTIFY_PORT/api/clients?limit=50" >/dev/null && break; sleep 0.1; done
  run_wrk "$1" "http://127.0.0.1:$FASTIFY_PORT/api/clients?limit=50"
  eval "${1}_RSS=\$(peak_rss_kib \"\$FASTIFY_PID\")"
  kill "$FASTIFY_PID"; wait "$FASTIFY_PID" 2>/dev/null || true
}
run_fastify b
run_fastify bj 1

echo "== (c) pgbench, the endpoint's two statements"
{
  sed -e 's/\$1::bytea/:hash::bytea/' -e 's/\$2::timestamptz/now()/g' -e 's/\$3::int/86400/' \
    "$BENCH/sql/session.sql" | tr '\n' ' '; echo ';'
  sed -e 's/\$1::int/51/' "$BENCH/sql/clients_list.sql" | tr '\n' ' '; echo ';'
} > "$STATE/pgbench.sql"
PGPASSWORD=$V1_PW pgbench -n -h 127.0.0.1 -p "$PG_PORT" -U bench_v1 -M prepared -c 64 -j 2 \
  -T "$DURATION" -D "hash=\\x$HASH" -f "$STATE/pgbench.sql" wavelaunch > "$STATE/c.txt" 2>&1 ||
  { cat "$STATE/c.txt"; die "pgbench failed"; }

# (c') pgbench running what wl-server itself sends per request once the
# session is remembered: the checked actor settings and the list, pipelined,
# as the application role under row-level security.
ADMIN_ID=$(PGPASSWORD=$SUPER_PW "${PSQL[@]}" -U postgres -d wavelaunch -At \
  -c "SELECT id FROM users WHERE email = 'bench@example.com'")
{
  echo '\startpipeline'
  echo "SELECT set_config('wvl.actor_role', 'admin', true), set_config('wvl.actor_id', '$ADMIN_ID', true), set_config('wvl.actor_client_id', '', true) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :hash::bytea AND s.revoked_at IS NULL AND u.active AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => 86400) AND u.id = '$ADMIN_ID'::uuid AND u.role = 'admin' AND u.client_id IS NOT DISTINCT FROM nullif('', '')::uuid;"
  sed -e 's/\$1::int/51/' "$BENCH/sql/clients_list.sql" | tr '\n' ' '; echo ';'
  echo '\endpipeline'
} > "$STATE/pgbench_own.sql"
pgbench -n -d "$WL_DATABASE_URL" -M prepared -c 64 -j 2 -T "$DURATION" -D "hash=\\x$HASH" \
  -f "$STATE/pgbench_own.sql" > "$STATE/c2.txt" 2>&1 || { cat "$STATE/c2.txt"; die "pgbench (c') failed"; }

rps() { awk '/Requests\/sec/ {print $2}' "$STATE/$1.wrk"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$STATE/$1.wrk"; }
C_TPS=$(awk '/^tps/ {print $3; exit}' "$STATE/c.txt")
C_LAT=$(awk '/latency average/ {print $4}' "$STATE/c.txt")
C2_TPS=$(awk '/^tps/ {print $3; exit}' "$STATE/c2.txt")
C2_LAT=$(awk '/latency average/ {print $4}' "$STATE/c2.txt")
printf '\n%-22s %12s %10s %10s %12s\n' "" "req/s" "p50" "p99" "RSS (MiB)"
printf '%-22s %12s %10s %10s %12.1f\n' "(a) wl-server" "$(rps a)" "$(pct a 50%)" "$(pct a 99%)" "$(echo "$A_RSS/1024" | bc -l)"
printf '%-22s %12s %10s %10s %12.1f\n' "(b) Fastify + pg" "$(rps b)" "$(pct b 50%)" "$(pct b 99%)" "$(echo "$b_RSS/1024" | bc -l)"
printf '%-22s %12s %10s %10s %12.1f\n' "(b') Fastify, PG JSON" "$(rps bj)" "$(pct bj 50%)" "$(pct bj 99%)" "$(echo "$bj_RSS/1024" | bc -l)"
printf '%-22s %12s %10s %10s %12s\n' "(c) pgbench (tps)" "$C_TPS" "avg ${C_LAT}ms" "" "-"
printf '%-22s %12s %10s %10s %12s\n' "(c') wl-server's SQL" "$C2_TPS" "avg ${C2_LAT}ms" "" "-"
printf "\na/b = %.2f   a/b' = %.2f   a/c = %.2f   a/c' = %.2f\n" "$(echo "$(rps a)/$(rps b)" | bc -l)" \
  "$(echo "$(rps a)/$(rps bj)" | bc -l)" "$(echo "$(rps a)/$C_TPS" | bc -l)" "$(echo "$(rps a)/$C2_TPS" | bc -l)"
exit 0
