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

struct pg_conn;
struct wvl_ctx;

/* The owner connection wl-migrate's calls use (WL_MIGRATE_DATABASE_URL,
 * else WL_DATABASE_URL), outside the pool: 0 or WVL_EUNAVAILABLE. */
int wvl_migrate__connect_owner(struct wvl_ctx *ctx, struct pg_conn **out);

#endif
