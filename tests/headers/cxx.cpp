// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The public headers compile as C++ too, and every initialiser sets its
// struct's version (inits.h).
#include <wavelaunch.h>

#include "inits.h"

int main()
{
	int wrong = 0;
#define CHECK(type, init, ver)                                   \
	{                                                        \
		type v = init;                                   \
		wrong += v.version != static_cast<unsigned>(ver); \
	}
	WVL_EACH_INIT(CHECK)
	return wrong + (wvl_error_last() == nullptr);
}
