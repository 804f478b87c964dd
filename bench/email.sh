#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# Emails per second through one wl-worker (release build, fsync on):
# N welcome emails are queued in one statement (an email_log row and its
# email_send job each, as wvl_email_enqueue writes them), then one
# wl-worker starts and the clock runs until the log says every one is
# sent.  Each email is rendered from its template (text + HTML in the
# shared layout), built into its RFC 5322 message and handed to
#   - the mailbox transport (one .eml file each, written and linked), and
#   - the SMTP transport: libcurl to the test SMTP sink on loopback
#     (tests/common/smtp_sink.py, python3-aiosmtpd) with STARTTLS and AUTH,
#     one connection per email.
# For each, WL_WORKER_CONCURRENCY 1 and the default 10.
#   bench/email.sh [emails]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${1:-2000}
ensure_packages python3-aiosmtpd openssl
bench_setup
SMTP_PORT=$(free_port)
SMTPS_PORT=$(free_port)
smtp_sink_start "$STATE/smtp" "$SMTP_PORT" "$SMTPS_PORT"
trap 'smtp_sink_stop "$STATE/smtp"; bench_cleanup' EXIT
OWNER_URL=$WL_MIGRATE_DATABASE_URL
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$OWNER_URL" -c "SET wvl.actor_role = 'system'" -c "$1"; }

queue() { # run label: N emails queued, none sent yet
  sql "DELETE FROM jobs; DELETE FROM email_log" >/dev/null
  sql "SELECT count(wvl_jobs_enqueue('email_send', json_build_object('email_id', e.email_id)::jsonb,
         'email', 0::smallint, now(), 3, 'email:' || e.email_id, NULL, now()))
       FROM (SELECT (wvl_email_queue('welcome', NULL, NULL, 'reader' || g || '@bench.example',
               'Reader ' || g, NULL, '{\"client_name\":\"Bench $1\"}'::jsonb,
               'bench:$1:' || g, now())).email_id FROM generate_series(1, $N) g) e" >/dev/null
}

run() { # label concurrency KEY=VALUE...
  local label=$1 conc=$2; shift 2
  queue "$label-$conc"
  local t0 t1 sent=0
  t0=$(date +%s.%N)
  env WL_WORKER_CONCURRENCY="$conc" WL_WORKER_POLL_MS=100 "$@" \
    "$BUILD/apps/wl-worker" 2>"$STATE/worker-$label-$conc.log" &
  local pid=$!
  while :; do
    sent=$(sql "SELECT count(*) FILTER (WHERE status = 'sent') || ' ' ||
                count(*) FILTER (WHERE status = 'failed') FROM email_log")
    [ "${sent% *}" -ge "$N" ] && break
    [ "${sent#* }" -gt 0 ] && { kill "$pid"; cat "$STATE/worker-$label-$conc.log" >&2; die "emails failed"; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n="$N" -v a="$t0" -v b="$t1" -v l="$label" -v c="$conc" \
    'BEGIN { printf "%-8s concurrency %2d: %d emails in %.2f s = %.0f emails/s\n", l, c, n, b - a, n / (b - a) }'
}

echo "== $N emails through one wl-worker (release build): bench/email.sh $N"
for c in 1 10; do
  run mailbox "$c" WL_EMAIL_TRANSPORT=mailbox WL_MAILBOX_DIR="$STATE/mailbox-$c"
  [ "$(ls "$STATE/mailbox-$c" | wc -l)" -eq "$N" ] || die "the mailbox does not hold $N files"
done
for c in 1 10; do
  run smtp "$c" WL_EMAIL_TRANSPORT=smtp \
    WL_SMTP_URL="smtp://bench$c:pw-bench$c@127.0.0.1:$SMTP_PORT" \
    WL_SMTP_CA_FILE="$STATE/smtp/cert.pem"
  [ "$(ls "$STATE/smtp/mail/bench$c" | grep -c "\.eml$")" -eq "$N" ] || die "the sink did not get $N messages"
done
