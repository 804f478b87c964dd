#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# 1,000 idle Server-Sent Events clients held by wl-server: 20 users signed
# in, 50 streams each, from four loopback addresses.  Prints wl-server's
# threads and RSS with every stream idle, then commits one notification per
# user in one transaction and prints the time until the 1,000th client has
# its event.  Targets (issue "In-app notifications"): RSS < 64 MiB in all,
# commit to the 1,000th client < 1 s.
#   bench/sse.sh [clients] [idle seconds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CLIENTS=${1:-1000}
IDLE=${2:-30}
USERS=20
ulimit -n 8192
# Cheap password hashing: twenty logins should not dominate the peak RSS.
export WL_ARGON2_MEMORY_KIB=8192 WL_ARGON2_ITERATIONS=1
export WL_RATELIMIT_LOGIN=1000/1m WL_RATELIMIT_WRITE=100000/1m
bench_setup
printf '%s\n' 'Quiet-Harbor-Lamp-93!' | "$BUILD/apps/wl-migrate" bootstrap-admin \
  --email bench@example.com >/dev/null
start_server "$STATE/server.log"
BASE="http://127.0.0.1:$HTTP_PORT"
echo "== wl-server started: $(awk '/Threads/ {print $2}' /proc/$SERVER_PID/status) threads," \
  "RSS $(rss_kib "$SERVER_PID") KiB"

login() { # email -> "session csrf"
  curl -fs -D - -o "$STATE/login.json" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"Quiet-Harbor-Lamp-93!\"}" "$BASE/api/auth/login" |
    sed -n 's/^Set-Cookie: wl_session=\([^;]*\).*/\1/p' | tr -d '\r'
}
ADMIN=$(login bench@example.com)
[ -n "$ADMIN" ] || die "admin login failed"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' \
  "$STATE/login.json")
COOKIES=""
for i in $(seq "$USERS"); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -H "Cookie: wl_session=$ADMIN" \
    -H "X-CSRF-Token: $CSRF" \
    -d "{\"email\":\"sse$i@example.com\",\"name\":\"Reader $i\",\"role\":\"staff\",\"password\":\"Quiet-Harbor-Lamp-93!\"}" \
    "$BASE/api/users" || die "creating user $i failed"
  S=$(login "sse$i@example.com")
  [ -n "$S" ] || die "login of sse$i failed"
  COOKIES+="${COOKIES:+,}$S"
done
echo "== $USERS users signed in: RSS $(rss_kib "$SERVER_PID") KiB, peak $(peak_rss_kib "$SERVER_PID") KiB"

COMMIT="psql -q -X '$WL_MIGRATE_DATABASE_URL' -c \"SET wvl.actor_role = 'system'; INSERT INTO notifications (user_id, type, title) SELECT id, 'bench', 'Milestone ready' FROM users WHERE email LIKE 'sse%'\""
echo "== $CLIENTS streams from 127.0.0.2-127.0.0.5"
python3 "$WL_ROOT/bench/sse/clients.py" "$HTTP_PORT" "$CLIENTS" "$IDLE" "$SERVER_PID" \
  127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 "$COOKIES" "$COMMIT"
