/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_MIGRATE_MIGRATIONS_H
#define WVL_MIGRATE_MIGRATIONS_H

#include <stddef.h>

/* Internal: one migration file, built in or read from a folder. */
struct wvl_migration_file {
	const char *filename; /* NNNN_name.sql */
	const char *sql;
	size_t len;
};

extern const struct wvl_migration_file wvl_migrate__builtin[];
extern const size_t wvl_migrate__builtin_count;

#endif
