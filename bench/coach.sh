#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# The coach's streamed replies through wl-server (POST
# /api/coach/conversations/{id}/messages, Accept: text/event-stream) against
# the loopback Messages API, beside the loopback's own stream read directly
# (the baseline): time to first token and tokens/s per stream, for N
# concurrent conversations, at a fast provider (our overhead shows) and a
# realistic one.  The reply is TOKENS words, one delta each; every word is
# stamped with the time the loopback sent it, so each token's latency to the
# reader is measured, directly and through wl-server (the difference is
# what wl-server adds; issue 18's target: under 5 ms p99 with 200
# conversations at 20 tokens/s).
#   bench/coach.sh [rates, tokens/s] [concurrent conversations] [tokens]
#   default: bench/coach.sh "2000 50" "1 20 100" 100
#   issue 18's case: bench/coach.sh 20 200 100
#   STAGGER_MS=N starts the streams N ms apart (default: all at once)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RATES=${1:-2000 50}
CONCURRENCY=${2:-1 20 100}
TOKENS=${3:-100}
KEY=sk-bench-coach
export WL_ARGON2_MEMORY_KIB=8192 WL_ARGON2_ITERATIONS=1
export WL_RATELIMIT_LOGIN=1000/1m WL_RATELIMIT_WRITE=100000/1m WL_RATELIMIT_READ=100000/1m
# Every stream comes from 127.0.0.1: the per-address caps meant for strangers
# (32 connections before any authenticates) would reset a burst of 200.
export WL_HTTP_ANON_PER_IP_LIMIT=0 WL_HTTP_PER_IP_LIMIT=0
bench_setup
ANTHROPIC_PORT=$(free_port)
export WL_ANTHROPIC_API_KEY=$KEY WL_ANTHROPIC_BASE_URL="http://127.0.0.1:$ANTHROPIC_PORT"
trap 'anthropic_stop "$STATE/anthropic"; bench_cleanup' EXIT
printf '%s\n' 'Quiet-Harbor-Lamp-93!' | "$BUILD/apps/wl-migrate" bootstrap-admin \
  --email bench@example.com >/dev/null
start_server "$STATE/server.log"
BASE="http://127.0.0.1:$HTTP_PORT"
SESSION=$(curl -fs -D - -o "$STATE/login.json" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"Quiet-Harbor-Lamp-93!"}' "$BASE/api/auth/login" |
  sed -n 's/^Set-Cookie: wl_session=\([^;]*\).*/\1/p' | tr -d '\r')
[ -n "$SESSION" ] || die "login failed"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' \
  "$STATE/login.json")
post() { # path body -> the answer's id
  curl -fs -H 'Content-Type: application/json' -H "Cookie: wl_session=$SESSION" \
    -H "X-CSRF-Token: $CSRF" -d "$2" "$BASE$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
CLIENT=$(post /api/clients '{"name":"Bench Creator","brand_name":"Bench Fit","niche":"fitness"}')
REPLY=$(python3 -c "print(' '.join('word%d' % i for i in range($TOKENS)))")
plan() { # n: n replies of TOKENS words for the next n requests
  python3 -c "import json,sys; print(json.dumps({'actions': [{'reply': sys.argv[1], 'stamp': True}] * int(sys.argv[2])}))" \
    "$REPLY" "$1" | curl -fs -o /dev/null -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
    -d @- "http://127.0.0.1:$ANTHROPIC_PORT/_test/plan"
}
echo "== wl-server $(git -C "$WL_ROOT" rev-parse --short HEAD), $TOKENS tokens a reply, $(nproc) cores"
for RATE in $RATES; do
  anthropic_stop "$STATE/anthropic"
  anthropic_start "$STATE/anthropic" "$ANTHROPIC_PORT" --tokens-per-second "$RATE"
  echo "== loopback at $RATE tokens/s"
  for N in $CONCURRENCY; do
    plan "$N"
    python3 "$WL_ROOT/bench/coach/streams.py" direct "$ANTHROPIC_PORT" "$N" "$KEY"
    CONVS=""
    for _ in $(seq "$N"); do
      CONVS+="${CONVS:+,}$(post /api/coach/conversations "{\"client_id\":\"$CLIENT\"}")"
    done
    plan "$N"
    python3 "$WL_ROOT/bench/coach/streams.py" coach "$HTTP_PORT" "$N" "$SESSION" "$CSRF" "$CONVS"
  done
done
echo "== wl-server RSS $(rss_kib "$SERVER_PID") KiB, peak $(peak_rss_kib "$SERVER_PID") KiB"
