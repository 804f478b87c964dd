/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The PDF module's WL_* key (struct wvl_config_key in core/internal.h);
 * its text is checked again by the module's validate_config hook (doc.c). */

#include "../core/internal.h"
#include "pdf.h"

static const struct wvl_config_key keys[] = {
	{"WL_AGENCY_NAME", WVL_CFG_STRING, "Wavelaunch Studio", 0, 800, NULL, 0,
	 "the agency's name in PDF headers and footers (1..200 characters)"},
};

const struct wvl_config_keyset wvl_pdf__keys = {keys, sizeof(keys) / sizeof(keys[0])};
