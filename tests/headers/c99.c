/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
/* The public headers compile as pedantic C99 on their own. */
#include <wavelaunch.h>

int main(void)
{
	wvl_ctx_options o = WVL_CTX_OPTIONS_INIT;
	wvl_migrate_options m = WVL_MIGRATE_OPTIONS_INIT;
	return (int)(o.version + m.version) - 2 + (wvl_error_last() == 0);
}
