/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_APPS_H
#define WVL_APPS_H

/* The keys of the three programs (config_keys.c). */

#include "../core/internal.h"

/* The installed web UI (meson sets it from the prefix). */
#ifndef WVL_WEB_DIR
#define WVL_WEB_DIR ""
#endif

extern const struct wvl_module wvl_apps__module;

/* WL_TLS_CERT and WL_TLS_KEY (tls.c): both or neither; readable PEM
 * files, a certificate and its unencrypted private key.  WVL_EINVAL naming
 * the key. */
int wvl_apps__validate_tls(const wvl_config *cfg);

#endif
