#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# No user enumeration by timing: POST /api/auth/password/forgot answers
# 202 after the same work whether or not an account has the address (one
# password_reset_request job; the worker looks the account up later).
# Measures both distributions (bench/forgot_timing.py) on the release
# build, first with no worker running (the request path alone), then with
# one wl-worker mailing the resets into a mailbox folder as they come.
#   bench/forgot.sh [requests per kind]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${1:-2000}
export WL_RATELIMIT_PASSWORD=1000000/1s
bench_setup
printf '%s\n' 'Quiet-Harbor-Lamp-93!' |
  "$BUILD/apps/wl-migrate" bootstrap-admin --email known@example.com >/dev/null
export WL_EMAIL_TRANSPORT=mailbox WL_MAILBOX_DIR=$STATE/mailbox
start_server "$STATE/server.log"
echo "== no worker: bench/forgot_timing.py PORT known@example.com $N"
python3 "$WL_ROOT/bench/forgot_timing.py" "$HTTP_PORT" known@example.com "$N"
"$BUILD/apps/wl-worker" 2>"$STATE/worker.log" &
WORKER=$!
echo "== with one wl-worker sending the mail: bench/forgot_timing.py PORT known@example.com $N"
python3 "$WL_ROOT/bench/forgot_timing.py" "$HTTP_PORT" known@example.com "$N"
kill "$WORKER"; wait "$WORKER" 2>/dev/null || true
