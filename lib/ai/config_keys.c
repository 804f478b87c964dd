/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The AI module's WL_* keys (struct wvl_config_key in core/internal.h).
 * The base URL's form, the price list and the model name are checked again
 * by the module's validate_config hook (module.c). */

#include "ai.h"

static const struct wvl_config_key keys[] = {
	{"WL_ANTHROPIC_API_KEY", WVL_CFG_STRING, "", 0, 400, NULL, WVL_CFG_SECRET,
	 "Claude API key; empty selects the offline provider"},
	{"WL_ANTHROPIC_BASE_URL", WVL_CFG_HTTP_URL, "https://api.anthropic.com", 0, 0, NULL, 0,
	 "Claude API base URL"},
	{"WL_AI_MODEL", WVL_CFG_STRING, "claude-sonnet-4-5", 0, 200, NULL, 0, "Claude model name"},
	{"WL_AI_TIMEOUT", WVL_CFG_UINT, "600", 1, 3600, NULL, 0,
	 "seconds one attempt of a model call may take (1..3600)"},
	{"WL_AI_MAX_RETRIES", WVL_CFG_UINT, "2", 0, 10, NULL, 0,
	 "retries of a model call after a retryable failure (0..10)"},
	{"WL_AI_PRICES", WVL_CFG_STRING, "300,1500,375,30", 0, 200, NULL, 0,
	 "cents per million tokens: input,output,cache_write,cache_read (the recorded cost)"},
	{"WL_AI_BUDGET_HARD_STOP", WVL_CFG_BOOL, "false", 0, 0, NULL, 0,
	 "true: a client whose month's AI spend reached WL_TOKEN_BUDGET_CENTS gets no more calls"},
	{"WL_COACH_CONTEXT_TOKENS", WVL_CFG_UINT, "8000", 500, 1000000, NULL, 0,
	 "tokens of earlier conversation the coach sends with a question (500..1000000)"},
};

const struct wvl_config_keyset wvl_ai__keys = {keys, sizeof(keys) / sizeof(keys[0])};
