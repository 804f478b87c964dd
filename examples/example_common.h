/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What every example does first: a context from the same settings the
 * apps read (a .env file named by WL_ENV_FILE, default ./.env, then the
 * process environment's WL_* variables, which win). */

#ifndef WVL_EXAMPLE_COMMON_H
#define WVL_EXAMPLE_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <wavelaunch.h>

/* The context, or NULL after printing why not. */
static inline wvl_ctx *example_ctx(void)
{
	const char *env_file = getenv("WL_ENV_FILE") ? getenv("WL_ENV_FILE") : ".env";
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if (wvl_config_new(&cfg) != 0 || wvl_config_load_env(cfg, env_file) != 0 ||
	    wvl_config_validate(cfg) != 0 || wvl_ctx_new(&ctx, cfg, NULL) != 0) {
		fprintf(stderr, "configuration: %s\n", wvl_error_last()->message);
		ctx = NULL;
	}
	wvl_config_free(cfg); /* the context keeps a copy */
	return ctx;
}

#endif
