#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The served OpenAPI document: openapi_version.py IN OUT VERSION writes IN
with info.version set to VERSION (meson's project version, the one source
of the version), byte for byte otherwise as json.dump(indent=2) writes it."""
import json
import sys


def main() -> int:
    src, out, version = sys.argv[1:4]
    with open(src, encoding='utf-8') as f:
        doc = json.load(f)
    doc['info']['version'] = version
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
