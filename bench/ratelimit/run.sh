#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# Rate limiter overhead: builds libwavelaunch as a release build, starts a
# private redis-server on a free loopback port, and times wvl_ratelimit_check
# with Redis and with the in-process fallback, single-threaded and with
# THREADS threads.  Prints a Markdown table for docs/PERFORMANCE.md.
#
#   bench/ratelimit/run.sh [CHECKS=200000] [THREADS=4] [KEYS=10000]
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"
cd "$WL_ROOT"

CHECKS=${1:-200000}
THREADS=${2:-4}
KEYS=${3:-10000}
BUILD=${WL_BENCH_BUILD:-$WL_ROOT/build-release}

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$WL_ROOT" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" -j2 >/dev/null
cc -O2 -std=c11 -Wall -Wextra -D_GNU_SOURCE -I"$WL_ROOT/include" -I"$BUILD/include" \
  bench/ratelimit/rl_bench.c -L"$BUILD/lib" -Wl,-rpath,"$BUILD/lib" -lwavelaunch -lpthread \
  -o "$BUILD/rl_bench"

STATE=$(mktemp -d /tmp/wl-bench.XXXXXX)
PORT=$(free_port)
trap 'redis_stop "$STATE/redis"; rm -rf "$STATE"' EXIT
redis_start "$STATE/redis" "$PORT"

echo "| path | threads | checks | p50 µs | p99 µs | p99.9 µs | max µs | checks/s | state |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in 1 "$THREADS"; do
  "$BUILD/rl_bench" "redis://127.0.0.1:$PORT/0" "$CHECKS" "$t" "$KEYS"
  "$BUILD/rl_bench" "" "$CHECKS" "$t" "$KEYS"
done
# Baselines: a bare PING round trip from one client (redis-benchmark), and
# Redis's own time inside EVALSHA per call.
echo
redis-benchmark -p "$PORT" -c 1 -n "$CHECKS" -t ping --csv 2>/dev/null \
  | sed 's/"//g; s/^/redis-benchmark PING, 1 client (ms): /'
redis-cli -p "$PORT" INFO commandstats | grep -E 'cmdstat_evalsha' | tr -d '\r' \
  | sed 's/^/redis server: /'
