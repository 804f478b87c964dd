/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#include "wavelaunch/core.h"
#include "wavelaunch/version.h"

const char *wvl_version(void) { return WVL_VERSION_STRING; }
