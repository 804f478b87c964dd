/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-migrate: schema migrations and the first admin.  Thin: every rule
 * lives in libwavelaunch. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/app.h"
#include "import_v1.h"

static void usage(FILE *f)
{
	fputs("usage: wl-migrate up | status | verify [--dir FOLDER]\n"
	      "       wl-migrate bootstrap-admin --email EMAIL\n"
	      "       wl-migrate seed-demo [--clients N] [--help-articles N]\n"
	      "       wl-migrate import-v1 FILE.db [--dry-run] [--json]\n"
	      "  up               apply pending migrations, create/grant WL_APP_ROLE\n"
	      "  status           list migrations and whether each is applied\n"
	      "  verify           fail when an applied migration was edited\n"
	      "  seed-demo        add N demo clients with plans, milestones, notes\n"
	      "                   (--clients), and N help articles, most published, each\n"
	      "                   with its first version (--help-articles); 1..100000\n"
	      "  import-v1        copy a v1 SQLite database in (import-v1 --help)\n"
	      "  bootstrap-admin  create the first admin; the password is read from\n"
	      "                   standard input when it is not a terminal, otherwise\n"
	      "                   one is generated and printed once\n",
	      f);
}

static int fail(const char *what)
{
	fprintf(stderr, "wl-migrate: %s: %s\n", what, wvl_error_last()->message);
	return 1;
}

/* One line from stdin, without the newline; NULL when empty or too long. */
static char *read_password(void)
{
	char buf[1024];
	if (!fgets(buf, sizeof(buf), stdin))
		return NULL;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == sizeof(buf) - 1)
		return NULL;
	buf[n] = '\0';
	char *p = n ? strdup(buf) : NULL;
	memset(buf, 0, sizeof(buf));
	return p;
}

static int bootstrap(wvl_ctx *ctx, const char *email)
{
	char *given = NULL;
	if (!isatty(STDIN_FILENO)) {
		given = read_password();
		if (!given) {
			fputs("wl-migrate: no password on standard input\n", stderr);
			return 1;
		}
	}
	int created = 0;
	char *generated = NULL;
	int rc = wvl_auth_bootstrap_admin(&created, &generated, ctx, email, given);
	if (given) {
		memset(given, 0, strlen(given));
		free(given);
	}
	if (rc)
		return fail("bootstrap-admin");
	if (!created) {
		printf("admin %s already exists: nothing changed\n", email);
	} else if (generated) {
		printf("created admin %s\npassword (shown once): %s\n", email, generated);
		memset(generated, 0, strlen(generated));
	} else {
		printf("created admin %s\n", email);
	}
	wvl_free(generated);
	return 0;
}

/* A count of 1..100000, or 0 (with a message) when `v` is not one. */
static unsigned count_of(const char *option, const char *v)
{
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > 100000) {
		fprintf(stderr, "wl-migrate: %s must be 1..100000\n", option);
		return 0;
	}
	return (unsigned)n;
}

static int seed_demo(wvl_ctx *ctx, const char *clients, const char *articles)
{
	unsigned nc = clients ? count_of("--clients", clients) : 0;
	unsigned na = articles ? count_of("--help-articles", articles) : 0;
	int created = 0;
	if ((clients && !nc) || (articles && !na))
		return 2;
	if (nc && wvl_migrate_seed_demo(&created, ctx, nc))
		return fail("seed-demo");
	if (nc)
		printf("added %d demo clients\n", created);
	if (na && wvl_help_seed_demo(&created, ctx, na))
		return fail("seed-demo");
	if (na)
		printf("added %d demo help articles\n", created);
	return 0;
}

static int run_command(wvl_ctx *ctx, int argc, char **argv)
{
	const char *cmd = argv[1], *dir = NULL, *email = NULL, *clients = NULL, *articles = NULL;
	if (strcmp(cmd, "import-v1") == 0)
		return import_v1_main(ctx, argc - 1, argv + 1);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
			clients = argv[++i];
		else if (strcmp(argv[i], "--help-articles") == 0 && i + 1 < argc)
			articles = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	wvl_migrate_options opts = WVL_MIGRATE_OPTIONS_INIT;
	opts.dir = dir;
	if (strcmp(cmd, "up") == 0) {
		int applied = 0;
		if (wvl_migrate_up(&applied, ctx, &opts))
			return fail("up");
		printf(applied ? "applied %d migration(s)\n" : "schema is up to date\n", applied);
		return 0;
	}
	if (strcmp(cmd, "status") == 0) {
		char *json = NULL;
		if (wvl_migrate_status(&json, ctx, &opts))
			return fail("status");
		printf("%s\n", json);
		wvl_free(json);
		return 0;
	}
	if (strcmp(cmd, "verify") == 0) {
		if (wvl_migrate_verify(ctx, &opts))
			return fail("verify");
		puts("every applied migration matches its file");
		return 0;
	}
	if (strcmp(cmd, "seed-demo") == 0 && (clients || articles))
		return seed_demo(ctx, clients, articles);
	if (strcmp(cmd, "bootstrap-admin") == 0 && email)
		return bootstrap(ctx, email);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if (app_load_config(&cfg, "wl-migrate") || app_ctx_new(&ctx, cfg, "wl-migrate")) {
		wvl_config_free(cfg);
		return 1;
	}
	int rc = run_command(ctx, argc, argv);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	return rc;
}
