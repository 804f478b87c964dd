#!/bin/sh
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
#
# docs/openapi.json checked from outside, as a generator of clients reads it
# (the tests run this; scripts/test installs the locked tools with npm ci):
#   check.sh lint   Redocly's recommended ruleset: no error and no warning;
#                   info.version is the project's ($WL_TEST_VERSION).
#   check.sh types  openapi-typescript's types of the document, and
#                   check-types.ts written against them, compiled by
#                   tsc --strict.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../../docs/openapi.json
bin=$here/node_modules/.bin
[ -x "$bin/redocly" ] || { echo "tools/openapi: run npm ci there (scripts/test does)" >&2; exit 1; }
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
case ${1:-} in
lint)
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  status=0
  "$bin/redocly" lint --extends=recommended --format=json "$doc" >"$out" 2>/dev/null || status=$?
  python3 - "$out" "$doc" "${WL_TEST_VERSION:-}" "$status" <<'PY'
import json, sys
out, doc, version, status = sys.argv[1:5]
text = open(out, encoding='utf-8').read()
report = json.loads(text[text.index('{'):])
for p in report.get('problems', []):
    where = ', '.join(l.get('pointer', '') for l in p.get('location', []))
    print(f"{p.get('severity')}: {p.get('ruleId')}: {p.get('message')} ({where})")
t = report.get('totals', {})
print(f"redocly recommended: {t.get('errors')} errors, {t.get('warnings')} warnings")
bad = t.get('errors', 1) or t.get('warnings', 1) or status != '0'
have = json.load(open(doc, encoding='utf-8'))['info']['version']
if version and have != version:
    print(f'info.version is {have}, the project is {version} (meson.build)')
    bad = True
sys.exit(1 if bad else 0)
PY
  ;;
types)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/gen"
  cp "$here/check-types.ts" "$here/tsconfig.json" "$work/"
  "$bin/openapi-typescript" "$doc" -o "$work/gen/api.d.ts" >/dev/null
  "$bin/tsc" -p "$work/tsconfig.json"
  echo "tsc --strict: check-types.ts compiles against the generated types"
  ;;
*)
  echo "usage: check.sh lint|types" >&2
  exit 2
  ;;
esac
