# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
# Shared by the benchmarks: a release build and private services, like
# scripts/test but with fsync on (the numbers must be honest).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"

bench_setup() {
  ensure_packages
  BUILD=$WL_ROOT/build-release
  build "$BUILD" --buildtype=release -Dtests=false
  STATE=$(mktemp -d /tmp/wl-bench.XXXXXX)
  chmod 755 "$STATE"
  PG_PORT=$(free_port)
  REDIS_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  SUPER_PW=$(random_word)
  OWNER_PW=$(random_word)
  APP_PW=$(random_word)
  trap bench_cleanup EXIT
  pg_start "$STATE/pg" "$PG_PORT" "$SUPER_PW"
  redis_start "$STATE/redis" "$REDIS_PORT"
  pg_make_owner "$PG_PORT" "$SUPER_PW" "$OWNER_PW" wavelaunch
  export WL_ENV_FILE=/nonexistent
  export WL_DATABASE_URL="postgresql://wavelaunch_app:$APP_PW@127.0.0.1:$PG_PORT/wavelaunch"
  export WL_MIGRATE_DATABASE_URL="postgresql://wavelaunch_owner:$OWNER_PW@127.0.0.1:$PG_PORT/wavelaunch"
  export WL_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export WL_SECRET_KEY=$(random_secret 32)
  export WL_LISTEN="127.0.0.1:$HTTP_PORT"
  export WL_STORAGE_DIR=$STATE/storage
  export WL_LOG_LEVEL=warn
  mkdir -p "$WL_STORAGE_DIR"
  "$BUILD/apps/wl-migrate" up >/dev/null
}

bench_cleanup() {
  # Every step runs whatever the one before returned: a half-cleaned
  # benchmark leaves servers eating the CPU of the next one.
  set +e
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  redis_stop "$STATE/redis"
  pg_stop "$STATE/pg"
  rm -rf "$STATE"
}

# start_server LOGFILE: wl-server in the background, waits until it answers.
start_server() {
  "$BUILD/apps/wl-server" 2>"$1" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$HTTP_PORT/api/health" >/dev/null && return 0
    sleep 0.1
  done
  die "wl-server did not start"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
