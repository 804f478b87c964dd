# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
# Shared by scripts/run and scripts/test: packages, build, private services.
# Sourced, not executed.

WL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian packages the build, the services and the tests need.
WL_PACKAGES=(
  build-essential meson ninja-build pkg-config python3 curl ca-certificates
  libmicrohttpd-dev libgnutls28-dev libpq-dev libhiredis-dev libjansson-dev libsodium-dev
  libcurl4-openssl-dev libzxcvbn-dev libcriterion-dev libmagic-dev zlib1g-dev
  libgumbo-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libgit2-dev
  libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-wqy-microhei
  libsqlite3-dev libsystemd-dev scdoc libcrypt-dev
  postgresql postgresql-contrib redis-server clamav-daemon wrk gcovr
)
# The browser tests' browser (scripts/test only): Debian's Chromium, driven
# by playwright-core, which never downloads a browser of its own.
WL_TEST_PACKAGES=(chromium python3-aiosmtpd python3-jsonschema openssl poppler-utils systemd
  python3-pytest python3-yaml)

# ensure_packages [MORE...]: WL_PACKAGES and MORE; Node.js and npm (for the
# web UI) from Debian when the machine has no npm of its own.
ensure_packages() {
  local missing=() wanted=("${WL_PACKAGES[@]}" "$@")
  command -v npm >/dev/null || wanted+=(nodejs npm)
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
}

# build DIR [meson options...]
# configure_build DIR [meson options]: sets up DIR, or gives an existing one the
# options asked for now.
configure_build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$WL_ROOT" "$@" >/dev/null || die "meson setup failed"
  else
    meson configure "$dir" "$@" >/dev/null || die "meson configure failed"
  fi
}

build() {
  local dir=$1; shift
  configure_build "$dir" "$@"
  ninja -C "$dir" >/dev/null || { ninja -C "$dir"; die "build failed"; }
}

# build_target DIR TARGET [meson options]: compiles one target only.
build_target() {
  local dir=$1 target=$2; shift 2
  configure_build "$dir" "$@"
  meson compile -C "$dir" "$target" >/dev/null || { meson compile -C "$dir" "$target"; die "build failed"; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# PostgreSQL refuses to run as root: as root the cluster belongs to the
# unprivileged postgres user; otherwise to whoever runs the script.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start DATADIR PORT PASSWORD [fast]: a private cluster on loopback with
# scram-sha-256, superuser "postgres" with PASSWORD.  "fast" turns fsync off
# (tests only: the data is thrown away).
pg_start() {
  local data=$1 port=$2 pw=$3 fast=${4:-}
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data" "$(dirname "$data")"
    chmod 700 "$data"
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "$pw" > "$pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      >/dev/null || die "initdb failed"
    rm -f "$pwfile"
  fi
  # Settings live in a file the cluster includes, so a plain restart (as
  # the tests do) keeps the port and socket folder.
  grep -q "include_if_exists = 'wl.conf'" "$data/postgresql.conf" \
    || echo "include_if_exists = 'wl.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$data'"
    echo "max_connections = 300"
    echo "shared_buffers = 256MB"
    if [ "$fast" = fast ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_pg tee "$data/wl.conf" >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
    >/dev/null || { tail -20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() {
  local data=$1
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# redis_start DIR PORT
redis_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no \
    >/dev/null || die "redis did not start"
  for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "redis did not answer on port $port"
}

redis_stop() {
  local dir=$1
  [ -f "$dir/redis.pid" ] || return 0
  kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -f "$dir/redis.pid"
}

# clamd_start DIR DBDIR [MAXLEN]: a private clamd on the unix socket
# DIR/clamd.sock with only the signatures in DBDIR (offline: no freshclam, no
# system database).  With a two-signature database it answers in well under a
# second.  MAXLEN (default 64M) is the longest stream it takes and scans in
# full (StreamMaxLength, MaxFileSize, MaxScanSize): the benchmark sends more.
# As root it runs as root: the clamav user may not exist and the test
# folders are private anyway.
clamd_start() {
  local dir=$1 db=$2 max=${3:-64M}
  mkdir -p "$dir/tmp"
  cat > "$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
DatabaseDirectory $db
PidFile $dir/clamd.pid
LogFile $dir/clamd.log
TemporaryDirectory $dir/tmp
Foreground yes
StreamMaxLength $max
MaxFileSize $max
MaxScanSize $max
MaxThreads 4
CONF
  [ "$(id -u)" -eq 0 ] && echo "User root" >> "$dir/clamd.conf"
  /usr/sbin/clamd -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 &
  echo $! > "$dir/clamd.bgpid"
  for _ in $(seq 200); do
    [ -S "$dir/clamd.sock" ] && return 0
    kill -0 "$(cat "$dir/clamd.bgpid")" 2>/dev/null || break
    sleep 0.05
  done
  cat "$dir/clamd.out" "$dir/clamd.log" >&2 2>/dev/null || true
  die "clamd did not start"
}

clamd_stop() {
  local dir=$1
  [ -f "$dir/clamd.bgpid" ] || return 0
  local pid
  pid=$(cat "$dir/clamd.bgpid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/clamd.bgpid"
}

# The mail services of the tests run on Debian's python, which has
# python3-aiosmtpd (a python of the user's own may not).
SYS_PYTHON=/usr/bin/python3

# bg_start DIR NAME CMD...: runs CMD in the background until it prints
# "ready" (its pid in DIR/NAME.pid, its output in DIR/NAME.log).
bg_start() {
  local dir=$1 name=$2; shift 2
  mkdir -p "$dir"
  "$@" >"$dir/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
  for _ in $(seq 200); do
    grep -q '^ready' "$dir/$name.log" 2>/dev/null && return 0
    kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
    sleep 0.05
  done
  cat "$dir/$name.log" >&2
  die "$name did not start"
}

bg_stop() {
  local dir=$1 name=$2
  [ -f "$dir/$name.pid" ] || return 0
  local pid
  pid=$(cat "$dir/$name.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/$name.pid"
}

# smtp_sink_start DIR PORT TLS_PORT: the SMTP sink (tests/common/smtp_sink.py)
# writing to DIR/mail, with a self-signed certificate for 127.0.0.1 and
# localhost in DIR/cert.pem (the CA its clients trust).
smtp_sink_start() {
  local dir=$1 port=$2 tls_port=$3
  mkdir -p "$dir/mail"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || die "openssl failed"
  bg_start "$dir" smtp-sink "$SYS_PYTHON" "$WL_ROOT/tests/common/smtp_sink.py" \
    --dir "$dir/mail" --port "$port" --tls-port "$tls_port" \
    --cert "$dir/cert.pem" --key "$dir/key.pem"
}

smtp_sink_stop() { bg_stop "$1" smtp-sink; }

# resend_start DIR PORT: the loopback Resend API (tests/common/resend_loopback.py).
resend_start() {
  bg_start "$1" resend "$SYS_PYTHON" "$WL_ROOT/tests/common/resend_loopback.py" --port "$2"
}

resend_stop() { bg_stop "$1" resend; }

# openapi_check_start DIR: the checker every HTTP test's exchanges go through
# (tests/common/openapi_check.py) on DIR/openapi.sock, its findings in
# DIR/findings.jsonl.
openapi_check_start() {
  bg_start "$1" openapi-check "$SYS_PYTHON" "$WL_ROOT/tests/common/openapi_check.py" \
    --spec "$WL_ROOT/docs/openapi.json" --socket "$1/openapi.sock" --log "$1/findings.jsonl"
}

openapi_check_stop() { bg_stop "$1" openapi-check; }
# anthropic_start DIR PORT [ARGS...]: the loopback Messages API
# (tests/common/anthropic_loopback.py), ARGS passed on (--tokens-per-second N).
anthropic_start() {
  local dir=$1 port=$2; shift 2
  bg_start "$dir" anthropic "$SYS_PYTHON" "$WL_ROOT/tests/common/anthropic_loopback.py" \
    --port "$port" "$@"
}

anthropic_stop() { bg_stop "$1" anthropic; }

# psql as the cluster superuser: pg_psql PORT PASSWORD SQL...
pg_psql() {
  local port=$1 pw=$2; shift 2
  PGPASSWORD=$pw psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres \
    -d postgres "$@"
}

# pg_make_owner PORT SUPERPW OWNERPW DBNAME: the owner role that runs
# migrations (CREATEDB, CREATEROLE, not superuser) and its database.
pg_make_owner() {
  local port=$1 spw=$2 opw=$3 db=$4
  pg_psql "$port" "$spw" >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wavelaunch_owner') THEN
    CREATE ROLE wavelaunch_owner LOGIN CREATEDB CREATEROLE PASSWORD '$opw';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $db OWNER wavelaunch_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db')\gexec
SQL
}

random_secret() { head -c "${1:-32}" /dev/urandom | base64 | tr -d '\n'; }
random_word() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }

# The web UI (apps/web) into apps/web/dist: packages exactly as locked,
# then the bundle (which refuses to exceed its size budget).
# openapi_tools: the locked npm tools that check docs/openapi.json from
# outside (tools/openapi: Redocly's lint, openapi-typescript, tsc).
openapi_tools() {
  (cd "$WL_ROOT/tools/openapi" \
    && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
         || npm ci --no-audit --no-fund --loglevel=error >/dev/null; }) \
    || die "the OpenAPI tools (tools/openapi) did not install"
}

build_web() {
  log "building the web UI in apps/web"
  (cd "$WL_ROOT/apps/web" \
    && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
         || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } \
    && npm run --silent build | tail -n 1 >&2) || die "the web UI did not build"
}
