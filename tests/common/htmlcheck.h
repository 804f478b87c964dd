/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_HTMLCHECK_H
#define WL_HTMLCHECK_H

/* Test support: an independent check that sanitised HTML carries nothing
 * executable.  Shared by the unit tests and the fuzz harness. */

/* NULL when `html` is safe; otherwise a short reason (static storage,
 * overwritten by the next call). */
const char *htmlcheck_unsafe(const char *html);

#endif
