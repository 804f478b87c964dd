#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# The web UI's numbers: bundle sizes, page-load time on loopback and
# Lighthouse scores (desktop preset, median of 3 runs, cold cache) for the
# login page, the team dashboard, a client's page, the portal dashboard,
# the public help center and an article, the help CMS's editor, the
# clients list, the analytics page and a portal coach conversation,
# against the release wl-server with 25 demo clients and 60 articles.
#   bench/web.sh [runs]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${1:-3}
export WL_RATELIMIT_READ=1000000/1s WL_RATELIMIT_WRITE=1000000/1s WL_RATELIMIT_LOGIN=1000/1s
ensure_packages "${WL_TEST_PACKAGES[@]}"
build_web
bench_setup
export WL_STATIC_DIR=$WL_ROOT/apps/web/dist
export WL_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
export WL_ARGON2_MEMORY_KIB=19456
ADMIN_EMAIL=bench-lead@wavelaunch.local
ADMIN_PASSWORD="Bench-$(random_word)-7!"
printf '%s\n' "$ADMIN_PASSWORD" | "$BUILD/apps/wl-migrate" bootstrap-admin --email "$ADMIN_EMAIL" >/dev/null
"$BUILD/apps/wl-migrate" seed-demo --clients 25 --help-articles 60 >/dev/null
start_server "$STATE/server.log"
log "installing Lighthouse (bench/web)"
(cd "$WL_ROOT/bench/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
CHROME_PATH=/usr/bin/chromium WEB_BASE="http://127.0.0.1:$HTTP_PORT" WEB_RUNS=$RUNS \
  WEB_ADMIN_EMAIL=$ADMIN_EMAIL WEB_ADMIN_PASSWORD=$ADMIN_PASSWORD WEB_STATE=$STATE \
  node "$WL_ROOT/bench/web/run.mjs"
