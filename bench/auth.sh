#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# (1) Login latency at the default Argon2id parameters (m=19456 KiB, t=2):
#     wrk POSTing the right credentials, 1 and 4 connections.
# (2) What the rate limiter adds to a request: GET /api/auth/me,
#     authenticated, 16 connections, with the limiter (one Redis EVALSHA)
#     and with WL_RATELIMIT_ENABLED=false, on the same database.
#   bench/auth.sh [seconds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-10}
export WL_RATELIMIT_LOGIN=1000000/1s WL_RATELIMIT_READ=1000000/1s
bench_setup
PW='Quiet-Harbor-Lamp-93!'
printf '%s\n' "$PW" | "$BUILD/apps/wl-migrate" bootstrap-admin --email bench@example.com >/dev/null
BASE="http://127.0.0.1:$HTTP_PORT"
cat > "$STATE/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"email":"bench@example.com","password":"$PW"}'
wrk.headers["Content-Type"] = "application/json"
LUA

start_server "$STATE/server.log"
for c in 1 4; do
  echo "== login, $c connection(s): wrk -t1 -c$c -d${DURATION}s --latency -s login.lua $BASE/api/auth/login"
  wrk -t1 -c"$c" -d"${DURATION}s" --latency -s "$STATE/login.lua" "$BASE/api/auth/login" |
    grep -E "Latency|50%|99%|Requests/sec|Non-2xx"
done
TOKEN=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench@example.com\",\"password\":\"$PW\"}" "$BASE/api/auth/login" |
  sed -n 's/^Set-Cookie: wl_session=\([^;]*\).*/\1/p' | tr -d '\r')
COOKIE="Cookie: wl_session=$TOKEN"

me() { # label
  wrk -t2 -c16 -d2s -H "$COOKIE" "$BASE/api/auth/me" >/dev/null
  echo "== GET /api/auth/me, $1: wrk -t2 -c16 -d${DURATION}s --latency"
  wrk -t2 -c16 -d"${DURATION}s" --latency -H "$COOKIE" "$BASE/api/auth/me" |
    grep -E "50%|99%|Requests/sec|Non-2xx"
}
me "rate limiter on (Redis)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
WL_RATELIMIT_ENABLED=false start_server "$STATE/server2.log"
me "rate limiter off"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
WL_RATELIMIT_ENABLED=true start_server "$STATE/server3.log"
me "rate limiter on again (order check)"
exit 0
