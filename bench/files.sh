#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# Upload and download of large files through a release wl-server with
# curl: throughput and the server's resident memory.  Uploads are streamed
# (post processor -> spool) and downloads sent from the descriptor, so the
# peak RSS must not grow with the file size.
#   bench/files.sh [SIZE_MB...]      (default: 10 100)
#   BENCH_SCAN=0 bench/files.sh ...  (no clamd: what the HTTP path costs)
#
# By default the real pipeline runs: libmagic, SHA-256, and a private clamd
# with the tests' signature database scanning every byte (StreamMaxLength
# raised above the largest size), with WL_SCAN_REQUIRED=true.  With
# BENCH_SCAN=0 scanning is not configured and not required (files are
# stored "unscanned").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10 100)
MAX_MB=0
for s in "${SIZES[@]}"; do [ "$s" -gt "$MAX_MB" ] && MAX_MB=$s; done

bench_setup
trap 'clamd_stop "$STATE/clamd"; bench_cleanup' EXIT
if [ "${BENCH_SCAN:-1}" = 1 ]; then
  clamd_start "$STATE/clamd" "$WL_ROOT/tests/data/clamav" "$((MAX_MB + 8))M"
  export WL_CLAMD="unix:$STATE/clamd/clamd.sock"
  export WL_SCAN_REQUIRED=true
else
  export WL_CLAMD=
  export WL_SCAN_REQUIRED=false
fi
export WL_UPLOAD_MAX_BYTES=$(((MAX_MB + 1) * 1048576))
export WL_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
BASE=$WL_PUBLIC_URL

ADMIN_PW="Quartz-$(random_word)-7!"
printf '%s\n' "$ADMIN_PW" | "$BUILD/apps/wl-migrate" bootstrap-admin --email perf-admin@example.com >/dev/null
start_server "$STATE/server.log"

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

JAR=$STATE/cookies
CSRF=$(curl -fsS -c "$JAR" -H 'Content-Type: application/json' \
  -d "{\"email\":\"perf-admin@example.com\",\"password\":\"$ADMIN_PW\"}" "$BASE/api/auth/login" \
  | json csrf_token)
api() { curl -fsS -b "$JAR" -H "X-CSRF-Token: $CSRF" "$@"; }
CLIENT_ID=$(api -H 'Content-Type: application/json' -d '{"name":"Bench client"}' \
  "$BASE/api/clients" | json id)

# Resets the kernel's peak RSS (VmHWM) to the current RSS, so the peak read
# afterwards is this step's, not the login's Argon2 (19 MiB) or start-up's.
reset_peak() { echo 5 > "/proc/$SERVER_PID/clear_refs"; }

mbps() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]) / 1e6:.1f}')" "$1" "$2"; }

echo "== scanning: ${WL_CLAMD:-none}, required: $WL_SCAN_REQUIRED"
echo "== wl-server $SERVER_PID after start-up and login: RSS $(rss_kib "$SERVER_PID") KiB, peak $(peak_rss_kib "$SERVER_PID") KiB"
printf '| size | upload s | upload MB/s | download s | download MB/s | RSS before KiB | peak RSS in upload KiB | peak RSS in download KiB |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for mb in "${SIZES[@]}"; do
  f=$STATE/bench-$mb.txt
  bytes=$((mb * 1048576))
  # Text, so libmagic takes it (text/plain); random, so nothing compresses.
  # (The last head closes the pipe early: that SIGPIPE is no failure.)
  (set +o pipefail; head -c "$bytes" /dev/urandom | base64 -w 76 | head -c "$bytes" > "$f")
  reset_peak
  before=$(rss_kib "$SERVER_PID")
  read -r code up_s < <(curl -sS -b "$JAR" -H "X-CSRF-Token: $CSRF" -o "$STATE/up.json" -w '%{http_code} %{time_total}\n' \
    -F "client_id=$CLIENT_ID" -F "file=@$f;filename=bench-$mb.txt" "$BASE/api/files")
  [ "$code" = 201 ] || { cat "$STATE/up.json" >&2; die "upload of $mb MB: HTTP $code"; }
  peak_up=$(peak_rss_kib "$SERVER_PID")
  id=$(json id < "$STATE/up.json")
  [ "$(json sha256 < "$STATE/up.json")" = "$(sha256sum "$f" | cut -d' ' -f1)" ] \
    || die "stored hash differs"
  url=$(api "$BASE/api/files/$id/download" | json url)
  reset_peak
  read -r code down_s < <(curl -sS -o "$STATE/down.bin" -w '%{http_code} %{time_total}\n' "$url")
  [ "$code" = 200 ] || die "download of $mb MB: HTTP $code"
  cmp -s "$f" "$STATE/down.bin" || die "downloaded bytes differ"
  peak_down=$(peak_rss_kib "$SERVER_PID")
  printf '| %s MiB | %s | %s | %s | %s | %s | %s | %s |\n' "$mb" "$up_s" "$(mbps "$bytes" "$up_s")" \
    "$down_s" "$(mbps "$bytes" "$down_s")" "$before" "$peak_up" "$peak_down"
  rm -f "$f" "$STATE/down.bin"
done
echo "== wl-server RSS at the end: $(rss_kib "$SERVER_PID") KiB now, $(peak_rss_kib "$SERVER_PID") KiB peak"
