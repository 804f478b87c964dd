/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTAI_H
#define WL_TESTAI_H

/* The loopback Messages API scripts/test starts
 * (tests/common/anthropic_loopback.py, at WL_TEST_ANTHROPIC_URL): each
 * API key has its own plan and request log there, so a test that uses a
 * key of its own runs beside the others. */

#include <jansson.h>

#include <wavelaunch.h>

/* A fresh API key ("sk-test-" and random hex) into out. */
void test_ai_key(char out[48]);
/* Points `cfg` at the loopback under `key`. */
void test_ai_config(wvl_config *cfg, const char *key);
/* Appends actions (a JSON array text) to the key's plan (asserted). */
void test_ai_plan(const char *key, const char *actions_json);
/* The requests the loopback received under `key`, oldest first: an array
 * of {"request_id","anthropic_version","content_type","body"}.  The
 * caller decrefs. */
json_t *test_ai_requests(const char *key);

#endif
