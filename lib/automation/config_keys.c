/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The automation module's WL_* keys (struct wvl_config_key in core/internal.h). */

#include "automation.h"

static const struct wvl_config_key keys[] = {
	{"WL_AUTOMATION_REMINDER_DAYS", WVL_CFG_UINT, "3", 1, 60, NULL, 0,
	 "days before a milestone the reminder email goes"},
};

static const struct wvl_config_keyset keyset = {keys, sizeof(keys) / sizeof(keys[0])};

const struct wvl_module wvl_automation__module = {
	.name = "automation",
	.keys = &keyset,
};
