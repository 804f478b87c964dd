/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_MIGRATE_IMPORT_V1_H
#define WL_MIGRATE_IMPORT_V1_H

#include <stdio.h>

#include <wavelaunch.h>

/* `wl-migrate import-v1 FILE.db [--dry-run] [--json] [--help]`: argv[0] is
 * "import-v1".  Returns the exit code (0 done, 1 failed, 2 usage). */
int import_v1_main(wvl_ctx *ctx, int argc, char **argv);

/* The subcommand's help text. */
void import_v1_usage(FILE *f);

#endif
