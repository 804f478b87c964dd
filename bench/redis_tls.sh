#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# What rediss:// costs (lib/core/redis_tls.c): one private redis-server on
# loopback with a plain port and a TLS port (a CA and certificate made here
# with openssl), and bench/ratelimit/rl_bench timing wvl_ratelimit_check over
# redis:// and over rediss://, single-threaded and with THREADS threads, with
# WL_RATELIMIT_LEASE=1 so that every check is one Redis round trip; then
# redis-benchmark's own PING round trip, plain and TLS (OpenSSL), for a
# baseline of the TLS cost without the library.  Prints Markdown rows for
# docs/PERFORMANCE.md.
#
#   bench/redis_tls.sh [CHECKS=100000] [THREADS=4] [KEYS=10000]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$WL_ROOT"

CHECKS=${1:-100000}
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

STATE=$(mktemp -d /tmp/wl-bench-tls.XXXXXX)
PORT=$(free_port)
TLS_PORT=$(free_port)
trap '[ -f "$STATE/redis.pid" ] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null; rm -rf "$STATE"' EXIT

ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj '/CN=WavelaunchOS bench CA' -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$STATE/ca.key" -out "$STATE/ca.pem"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$STATE/server.key" -out "$STATE/server.csr"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$STATE/ext.cnf"
ossl x509 -req -in "$STATE/server.csr" -CA "$STATE/ca.pem" -CAkey "$STATE/ca.key" \
  -CAcreateserial -days 1 -extfile "$STATE/ext.cnf" -out "$STATE/server.pem"

redis-server --port "$PORT" --tls-port "$TLS_PORT" --bind 127.0.0.1 --daemonize yes \
  --dir "$STATE" --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --save "" \
  --appendonly no --tls-cert-file "$STATE/server.pem" --tls-key-file "$STATE/server.key" \
  --tls-ca-cert-file "$STATE/ca.pem" --tls-auth-clients no >/dev/null
for _ in $(seq 50); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

echo "| path | threads | checks | p50 µs | p99 µs | p99.9 µs | max µs | checks/s | state |"
echo "|---|---|---|---|---|---|---|---|---|"
export WL_RATELIMIT_LEASE=1
for t in 1 "$THREADS"; do
  "$BUILD/rl_bench" "redis://127.0.0.1:$PORT/0" "$CHECKS" "$t" "$KEYS"
  WL_REDIS_TLS_CA="$STATE/ca.pem" \
    "$BUILD/rl_bench" "rediss://127.0.0.1:$TLS_PORT/0" "$CHECKS" "$t" "$KEYS"
done
echo
redis-benchmark -p "$PORT" -c 1 -n "$CHECKS" -t ping --csv 2>/dev/null \
  | sed 's/"//g; s/^/redis-benchmark PING, plain, 1 client (ms): /'
redis-benchmark -p "$TLS_PORT" --tls --cacert "$STATE/ca.pem" -c 1 -n "$CHECKS" -t ping \
  --csv 2>/dev/null | sed 's/"//g; s/^/redis-benchmark PING, TLS, 1 client (ms): /'
