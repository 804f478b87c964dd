/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_XSS_CORPUS_H
#define WL_XSS_CORPUS_H

/* Test support: the XSS corpus (xss_corpus.c says where it comes from). */

#include <stddef.h>

extern const char *const xss_vectors[];
extern const size_t xss_vectors_count;

#endif
