#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# wrk against GET /api/health (one PostgreSQL round trip, one Redis PING and
# a statvfs per request) with keep-alive at 64 connections.
#   bench/health.sh [seconds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${1:-15}
# /api/health is a GET under /api (300 per 15 min per IP by API.md): the
# limiter stays on, with a budget wrk cannot exhaust.
export WL_RATELIMIT_READ=1000000/1s
bench_setup
start_server "$STATE/server.log"
URL="http://127.0.0.1:$HTTP_PORT/api/health"
wrk -t2 -c64 -d3s "$URL" >/dev/null   # warm-up: fill the pools
echo "== wrk -t2 -c64 -d${DURATION}s --latency $URL"
wrk -t2 -c64 -d"${DURATION}s" --latency "$URL" | tee "$STATE/wrk.txt"
echo "== wl-server RSS: $(rss_kib "$SERVER_PID") KiB now, $(peak_rss_kib "$SERVER_PID") KiB peak"
grep -q "Non-2xx" "$STATE/wrk.txt" && die "some responses were not 2xx"
exit 0
