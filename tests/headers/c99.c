/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
/* The public headers compile as pedantic C99 on their own, and every
 * initialiser sets its struct's version (inits.h). */
#include <wavelaunch.h>

#include "inits.h"

int main(void)
{
	int wrong = 0;
#define CHECK(type, init, ver)              \
	{                                   \
		type v = init;              \
		wrong += v.version != (ver); \
	}
	WVL_EACH_INIT(CHECK)
	return wrong + (wvl_error_last() == 0);
}
