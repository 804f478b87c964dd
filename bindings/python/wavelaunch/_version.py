# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
# The package's version: meson.build's project version (a test compares them).
VERSION = "0.6.0"
