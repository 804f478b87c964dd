#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# No-op job throughput and enqueue -> start latency of wl-worker,
# graphile-worker and BullMQ, in one run on one machine: a private
# PostgreSQL cluster with the defaults (fsync and synchronous_commit on) and
# a private Redis without persistence, both on loopback (bench/lib.sh).
# One worker process each, concurrency 10, a handler that does nothing but
# note when it started.
#
#   drain:   N jobs (default 20,000) enqueued in bulk, then the worker started
#            and timed until every job has completed; jobs/s, and the
#            enqueue -> start time, which here is mostly time spent queued.
#   latency: the worker idle; M jobs (default 1,000) enqueued one at a time,
#            GAP µs apart (default 5,000); enqueue -> start p50/p99.
#
#   bench/jobs/run.sh [N=20000] [M=1000] [GAP_US=5000]
#
# Prints the JSON line of every run, then a Markdown table for
# docs/PERFORMANCE.md.  Every run has a deadline, so the script ends by
# itself.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$WL_ROOT"

N=${1:-20000}
M=${2:-1000}
GAP=${3:-5000}
HERE=$WL_ROOT/bench/jobs

# Node peers: pinned versions (package.json, package-lock.json).
[ -d "$HERE/node_modules/graphile-worker" ] && [ -d "$HERE/node_modules/bullmq" ] \
  || (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null)

# At most two compile jobs: the machine is shared.
if [ -f "$WL_ROOT/build-release/build.ninja" ]; then ninja -C "$WL_ROOT/build-release" -j2 >/dev/null; fi
bench_setup
trap '[ -n "${WORKER_PID:-}" ] && kill "$WORKER_PID" 2>/dev/null; bench_cleanup' EXIT
cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$WL_ROOT/include" -I"$BUILD/include" \
  -I"$(pg_config --includedir)" "$HERE/wl_bench.c" apps/common/app.c \
  -L"$BUILD/lib" -Wl,-rpath,"$BUILD/lib" -lwavelaunch -ljansson -lpq -lpthread \
  -o "$STATE/wl_bench"

pg_psql "$PG_PORT" "$SUPER_PW" -c "CREATE DATABASE graphile"
export BENCH_GRAPHILE_URL="postgresql://postgres:$SUPER_PW@127.0.0.1:$PG_PORT/graphile"
export BENCH_REDIS_PORT=$REDIS_PORT
export WL_WORKER_CONCURRENCY=10
RESULTS=$STATE/results.jsonl
: > "$RESULTS"

owner_sql() { PGPASSWORD=$OWNER_PW psql -X -q -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
  -U wavelaunch_owner -d wavelaunch -c "SET wvl.actor_role = 'system'; $1" >/dev/null; }

# N noop jobs in one statement through the library's own enqueue function,
# each with its enqueue time in args.t (µs since the epoch).
wl_bulk_enqueue() {
  owner_sql "TRUNCATE jobs CASCADE"
  owner_sql "SELECT count(*) FROM (SELECT wvl_jobs_enqueue('noop',
      jsonb_build_object('t', (extract(epoch FROM clock_timestamp()) * 1000000)::int8),
      'default', 0::smallint, now(), 3, NULL, NULL, now()) FROM generate_series(1, $N)) s;
    ANALYZE jobs"
}

run() { "$@" | tee -a "$RESULTS"; }

echo "== drain: $N jobs enqueued in bulk, then one worker, concurrency 10" >&2
wl_bulk_enqueue
run "$STATE/wl_bench" drain "$N"

# The shipped binary on the same load, timed from outside (20 ms polls).
wl_bulk_enqueue
"$BUILD/apps/wl-worker" 2>"$STATE/wl-worker.log" &
WORKER_PID=$!
run "$STATE/wl_bench" watch
kill -TERM "$WORKER_PID"
wait "$WORKER_PID" || true
WORKER_PID=

run node "$HERE/peers.js" graphile drain "$N"
run node "$HERE/peers.js" bullmq drain "$N"

echo "== latency: $M jobs one at a time, ${GAP} µs apart, to an idle worker" >&2
owner_sql "TRUNCATE jobs CASCADE"
run "$STATE/wl_bench" latency "$M" "$GAP"
run node "$HERE/peers.js" graphile latency "$M" "$GAP"
run node "$HERE/peers.js" bullmq latency "$M" "$GAP"

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def get(system, mode):
    return next((r for r in rows if r["system"] == system and r["mode"] == mode), {})
names = {"wl-worker": "wl-worker (wl_bench: the library's worker)", "graphile": "graphile-worker 0.17.3", "bullmq": "BullMQ 6.7.0"}
print("| worker | jobs/s (drain) | drain s | queued→start p50 / p99 ms (drain) | enqueue→start p50 ms | p99 ms | max ms |")
print("|---|---|---|---|---|---|---|")
for s in ("wl-worker", "graphile", "bullmq"):
    d, l = get(s, "drain"), get(s, "latency")
    print(f"| {names[s]} | {d.get('jobs_per_s', 0):,} | {d.get('seconds', 0):.2f} | "
          f"{d.get('p50_ms', 0):.0f} / {d.get('p99_ms', 0):.0f} | {l.get('p50_ms', 0):.2f} | "
          f"{l.get('p99_ms', 0):.2f} | {l.get('max_ms', 0):.2f} |")
w = get("wl-worker binary", "watch")
if w:
    n = get("wl-worker", "drain").get("jobs", 0)
    print(f"\nwl-worker binary, same {n:,} jobs, timed from outside: {w['seconds']:.2f} s "
          f"= {n / w['seconds']:,.0f} jobs/s")
wd, gd, bd = get("wl-worker", "drain"), get("graphile", "drain"), get("bullmq", "drain")
wl, bl = get("wl-worker", "latency"), get("bullmq", "latency")
if wd and gd and bd:
    print(f"\nwl-worker / BullMQ throughput: {wd['jobs_per_s'] / bd['jobs_per_s']:.2f}x (target >= 1.2x); "
          f"wl-worker / graphile-worker: {wd['jobs_per_s'] / gd['jobs_per_s']:.2f}x (target >= 3x)")
if wl and bl:
    print(f"p50 latency wl-worker {wl['p50_ms']:.2f} ms vs BullMQ {bl['p50_ms']:.2f} ms (target: no worse)")
PY
