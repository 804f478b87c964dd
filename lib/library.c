/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The library's assembly: which modules a context carries.  lib/core
 * knows no domain; the modules that check configuration keys, keep state
 * per context (help: its batch of view counts) or guard remembered actors
 * are listed here, once, and the core runs their hooks (struct wvl_module
 * in core/internal.h). */

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "apps/apps.h"
#include "auth/auth.h"
#include "automation/automation.h"
#include "cache/cache.h"
#include "email/email.h"
#include "files/files_internal.h"
#include "help/help.h"
#include "pdf/pdf.h"
#include "jobs/jobs.h"
#include "ratelimit/ratelimit_int.h"
#include "sentry/sentry_int.h"

/* The reporter first: freed last, it hears every other module's errors. */
static const struct wvl_module *const modules[] = {
	&wvl_sentry__module,
	&wvl_auth__module,
	&wvl_ratelimit__module,
	&wvl_files__module,
	&wvl_email__module,
	&wvl_help__module,
	&wvl_cache__module,
	&wvl_pdf__module,
	&wvl_ai__module,
	&wvl_jobs__module,
	&wvl_automation__module,
	&wvl_apps__module,
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

int wvl_config_new(wvl_config **out)
{
	return wvl_config__new(out, modules, NMODULES);
}

size_t wvl_config_known_count(void)
{
	size_t n = 0;
	while (wvl_config__key_at(n, modules, NMODULES))
		n++;
	return n;
}

const char *wvl_config_known_key(size_t i)
{
	const struct wvl_config_key *k = wvl_config__key_at(i, modules, NMODULES);
	return k ? k->key : NULL;
}

const char *wvl_config_known_default(size_t i)
{
	const struct wvl_config_key *k = wvl_config__key_at(i, modules, NMODULES);
	return k ? k->def : NULL;
}

const char *wvl_config_known_help(size_t i)
{
	const struct wvl_config_key *k = wvl_config__key_at(i, modules, NMODULES);
	return k ? k->help : NULL;
}

const char *wvl_config_known_reserved(size_t i)
{
	const struct wvl_config_key *k = wvl_config__key_at(i, modules, NMODULES);
	return k && k->type == WVL_CFG_RESERVED ? k->choices : NULL;
}

size_t wvl_config_unknown(const wvl_config *cfg, wvl_config_key_fn fn, void *payload)
{
	return wvl_config__unknown(cfg, modules, NMODULES, fn, payload);
}

size_t wvl_config_reserved_set(const wvl_config *cfg, wvl_config_key_fn fn, void *payload)
{
	size_t n = 0;
	const struct wvl_config_key *k;
	for (size_t i = 0; (k = wvl_config__key_at(i, modules, NMODULES)); i++) {
		const char *v = wvl_config_get(cfg, k->key);
		if (k->type != WVL_CFG_RESERVED || !v || !*v || strcmp(v, k->def ? k->def : "") == 0)
			continue;
		n++;
		if (fn)
			fn(k->key, k->choices, payload);
	}
	return n;
}

unsigned long wvl_config_get_uint(const wvl_config *cfg, const char *key)
{
	const struct wvl_config_key *k = wvl_config__find_key(key, modules, NMODULES);
	unsigned long n = 0;
	if (!k || k->type != WVL_CFG_UINT)
		return 0;
	const char *v = wvl_config_get(cfg, key);
	if (!v || !*v)
		v = k->def;
	return wvl_config__parse(k, v, &n) == 0 ? n : 0;
}

bool wvl_config_get_bool(const wvl_config *cfg, const char *key)
{
	const struct wvl_config_key *k = wvl_config__find_key(key, modules, NMODULES);
	unsigned long n = 0;
	if (!k || k->type != WVL_CFG_BOOL)
		return false;
	return wvl_config__parse(k, wvl_config_get(cfg, key), &n) == 0 && n == 1;
}
