// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The public headers compile as C++ too.
#include <wavelaunch.h>

int main()
{
	wvl_ctx_options o = WVL_CTX_OPTIONS_INIT;
	return static_cast<int>(o.version) - 1 + (wvl_error_last() == nullptr);
}
