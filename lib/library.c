/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The library's assembly: which modules a context carries.  lib/core
 * knows no domain; the modules that check configuration keys, keep state
 * per context (help: its batch of view counts) or guard remembered actors
 * are listed here, once, and the core runs their hooks (struct wvl_module
 * in core/internal.h). */

#include "ai/ai.h"
#include "auth/auth.h"
#include "cache/cache.h"
#include "email/email.h"
#include "files/files_internal.h"
#include "help/help.h"
#include "pdf/pdf.h"
#include "ratelimit/ratelimit_int.h"

static const struct wvl_module *const modules[] = {
	&wvl_auth__module,
	&wvl_ratelimit__module,
	&wvl_files__module,
	&wvl_email__module,
	&wvl_help__module,
	&wvl_cache__module,
	&wvl_pdf__module,
	&wvl_ai__module,
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

int wvl_config_validate(const wvl_config *cfg)
{
	return wvl_config__validate(cfg, modules, NMODULES);
}

int wvl_ctx_new(wvl_ctx **out, const wvl_config *cfg, const wvl_ctx_options *opts)
{
	return wvl_ctx__new(out, cfg, opts, modules, NMODULES);
}
