#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# What strangers can hold: 1,000 hostile slow connections from four
# loopback addresses (half trickling header bytes, half holding back the
# body of a 1 MiB POST, a byte every 5 s), while a normal signed-in client
# reads GET /api/clients?limit=20 with wrk.  Prints wl-server's peak RSS
# and the normal client's latency, with and without the hostile load.
# Target (issue "Hardening"): RSS under 64 MiB, p99 under 20 ms.
#   bench/slow.sh [seconds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-30}
export WL_RATELIMIT_READ=1000000/1s
bench_setup
"$BUILD/apps/wl-migrate" seed-demo --clients 200 >/dev/null
printf '%s\n' 'Quiet-Harbor-Lamp-93!' | "$BUILD/apps/wl-migrate" bootstrap-admin \
  --email bench@example.com >/dev/null
start_server "$STATE/server.log"
BASE="http://127.0.0.1:$HTTP_PORT"
TOKEN=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"Quiet-Harbor-Lamp-93!"}' "$BASE/api/auth/login" |
  sed -n 's/^Set-Cookie: wl_session=\([^;]*\).*/\1/p' | tr -d '\r')
[ -n "$TOKEN" ] || die "login failed"
COOKIE="Cookie: wl_session=$TOKEN"
URL="$BASE/api/clients?limit=20"

normal() { # name
  wrk -t1 -c8 -d"${DURATION}s" --latency -H "$COOKIE" "$URL" > "$STATE/$1.wrk"
  grep -q "Non-2xx" "$STATE/$1.wrk" && { cat "$STATE/$1.wrk"; die "$1: non-2xx responses"; }
  printf '   %s: %s req/s, p50 %s, p99 %s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' "$STATE/$1.wrk")" \
    "$(awk '$1 == "50%" {print $2}' "$STATE/$1.wrk")" \
    "$(awk '$1 == "99%" {print $2}' "$STATE/$1.wrk")"
}

echo "== wl-server alone (RSS $(rss_kib "$SERVER_PID") KiB)"
wrk -t1 -c8 -d3s -H "$COOKIE" "$URL" >/dev/null
normal quiet
echo "== with 1,000 hostile slow connections from 127.0.0.2-127.0.0.5"
python3 "$WL_ROOT/bench/slow/hostile.py" "$HTTP_PORT" 1000 $((DURATION + 10)) \
  127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 > "$STATE/hostile.out" &
HOSTILE=$!
sleep 5
normal hostile
wait "$HOSTILE"
echo "   hostile clients: $(cat "$STATE/hostile.out")"
echo "   wl-server peak RSS: $(peak_rss_kib "$SERVER_PID") KiB (target < 65536)"
