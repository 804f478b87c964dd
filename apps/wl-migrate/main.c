/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-migrate: schema migrations and the first admin.  Thin: every rule
 * lives in libwavelaunch. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/app.h"
#include "import_v1.h"

static const char usage[] =
	"usage: wl-migrate COMMAND [OPTIONS]    (wl-migrate COMMAND --help for one)\n"
	"       wl-migrate --help | --version\n"
	"commands:\n"
	"  up               apply pending migrations, create/grant WL_APP_ROLE\n"
	"  status           list migrations and whether each is applied\n"
	"  verify           fail when an applied migration was edited\n"
	"  bootstrap-admin  create the first admin (--email EMAIL)\n"
	"  seed-demo        add demo clients and help articles\n"
	"  gen-secret       print a fresh WL_SECRET_KEY\n"
	"  backup           dump the database into WL_BACKUP_DIR now\n"
	"  restore          restore a backup into an empty database (restore FILE)\n"
	"  import-v1        copy a v1 SQLite database in (import-v1 --help)\n"
	"Configured by WL_* variables from the environment and .env (or\n"
	"WL_ENV_FILE); see .env.example and wl-migrate(8).\n";

struct command {
	const char *name;
	const char *help;
};

static const struct command commands[] = {
	{"up", "usage: wl-migrate up [--dir FOLDER]\n"
	       "  Applies the pending migrations (from FOLDER instead of the built-in ones\n"
	       "  with --dir) as WL_MIGRATE_DATABASE_URL's owner, and creates WL_APP_ROLE\n"
	       "  with what the apps need.\n"},
	{"status", "usage: wl-migrate status [--dir FOLDER]\n"
		   "  Prints every migration and whether it is applied, as JSON.\n"},
	{"verify", "usage: wl-migrate verify [--dir FOLDER]\n"
		   "  Fails (exit 1) when an applied migration's file was edited since.\n"},
	{"bootstrap-admin",
	 "usage: wl-migrate bootstrap-admin --email EMAIL\n"
	 "  Creates the first admin.  The password is read from standard input when\n"
	 "  it is not a terminal; otherwise one is generated and printed once.\n"},
	{"seed-demo", "usage: wl-migrate seed-demo [--clients N] [--help-articles N]\n"
		      "  Adds N demo clients with plans, milestones, notes and activity\n"
		      "  (--clients), and N help articles, most published (--help-articles);\n"
		      "  N is 1..100000.\n"},
	{"gen-secret", "usage: wl-migrate gen-secret\n"
		       "  Prints a fresh WL_SECRET_KEY (base64 of 32 random bytes) and needs no\n"
		       "  configuration: wl-migrate gen-secret >> .env after WL_SECRET_KEY=\n"},
	{"backup", "usage: wl-migrate backup\n"
		   "  Dumps the database with WL_PG_DUMP into WL_BACKUP_DIR (mode 0600, with a\n"
		   "  .sha256 beside it), runs WL_BACKUP_POST_COMMAND on it when set (exit 1 when\n"
		   "  that fails; the dump is kept), deletes dumps older than\n"
		   "  WL_BACKUP_RETENTION_DAYS, and prints the report as JSON: what the worker's\n"
		   "  scheduled backup_database job does, now.\n"},
	{"restore", "usage: wl-migrate restore FILE [--force]\n"
		    "  Verifies FILE (a dump of wl-migrate backup: its .sha256 must match and\n"
		    "  pg_restore must read it), restores it in one transaction into the database\n"
		    "  of WL_MIGRATE_DATABASE_URL, which must be empty, then applies the\n"
		    "  migrations and grants the app role (as up does).\n"
		    "  --force  replace the tables of a database that is not empty\n"},
	/* Its options and help are import_v1.c's. */
	{"import-v1", NULL},
};

static const struct command *command_of(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int fail(const char *what)
{
	char msg[1200];
	snprintf(msg, sizeof(msg), "%s: %s", what, wvl_error_last()->message);
	app_log_json(WVL_LOG_ERROR, NULL, msg, NULL);
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
			app_log_json(WVL_LOG_ERROR, NULL, "bootstrap-admin: no password on standard input",
				     NULL);
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
	long n = v[0] >= '0' && v[0] <= '9' ? strtol(v, &end, 10) : 0;
	if (!end || *end || n < 1 || n > 100000) {
		char what[80];
		snprintf(what, sizeof(what), "%s must be a whole number from 1 to 100000", option);
		app_usage_error(command_of("seed-demo")->help, what, v);
		return 0;
	}
	return (unsigned)n;
}

static int seed_demo(wvl_ctx *ctx, const char *clients, const char *articles)
{
	unsigned nc = clients ? (unsigned)strtoul(clients, NULL, 10) : 0;
	unsigned na = articles ? (unsigned)strtoul(articles, NULL, 10) : 0;
	int created = 0;
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

struct args {
	const char *cmd, *dir, *email, *clients, *articles, *file;
	bool force;
};

/* The options of argv[2..]: 0, or APP_EXIT_USAGE after the command's usage
 * on stderr.  --help is handled by the caller. */
static int parse_args(struct args *a, int argc, char **argv)
{
	const struct command *c = command_of(a->cmd);
	bool dir_ok = !strcmp(a->cmd, "up") || !strcmp(a->cmd, "status") || !strcmp(a->cmd, "verify");
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		bool has_value = i + 1 < argc;
		if (dir_ok && strcmp(o, "--dir") == 0 && has_value)
			a->dir = argv[++i];
		else if (!strcmp(a->cmd, "bootstrap-admin") && !strcmp(o, "--email") && has_value)
			a->email = argv[++i];
		else if (!strcmp(a->cmd, "seed-demo") && !strcmp(o, "--clients") && has_value)
			a->clients = argv[++i];
		else if (!strcmp(a->cmd, "seed-demo") && !strcmp(o, "--help-articles") && has_value)
			a->articles = argv[++i];
		else if (!strcmp(a->cmd, "restore") && !strcmp(o, "--force"))
			a->force = true;
		else if (!strcmp(a->cmd, "restore") && o[0] != '-' && !a->file)
			a->file = o;
		else if (!has_value && (!strcmp(o, "--dir") || !strcmp(o, "--email") ||
					!strcmp(o, "--clients") || !strcmp(o, "--help-articles")))
			return app_usage_error(c->help, "option needs a value", o);
		else
			return app_usage_error(c->help,
					       o[0] == '-' ? "unknown option" : "unexpected argument", o);
	}
	if (!strcmp(a->cmd, "bootstrap-admin") && !a->email)
		return app_usage_error(c->help, "--email is required", NULL);
	if (!strcmp(a->cmd, "restore") && !a->file)
		return app_usage_error(c->help, "FILE is required", NULL);
	if (!strcmp(a->cmd, "seed-demo") && !a->clients && !a->articles)
		return app_usage_error(c->help, "--clients or --help-articles is required", NULL);
	return 0;
}

static int gen_secret(void)
{
	unsigned char raw[32];
	char b64[64];
	if (sodium_init() < 0) {
		app_log_json(WVL_LOG_ERROR, NULL, "gen-secret: libsodium failed to start", NULL);
		return 1;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(raw, sizeof(raw));
	printf("%s\n", b64);
	sodium_memzero(b64, sizeof(b64));
	return 0;
}

static int run_command(wvl_ctx *ctx, const struct args *a)
{
	wvl_migrate_options opts = WVL_MIGRATE_OPTIONS_INIT;
	opts.dir = a->dir;
	const char *cmd = a->cmd;
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
	if (strcmp(cmd, "backup") == 0) {
		char *json = NULL;
		if (wvl_maint_backup_database(&json, ctx))
			return fail("backup");
		printf("%s\n", json);
		wvl_free(json);
		return 0;
	}
	if (strcmp(cmd, "restore") == 0) {
		char *json = NULL;
		if (wvl_maint_restore_database(&json, ctx, a->file, a->force))
			return fail("restore");
		int applied = 0;
		if (wvl_migrate_up(&applied, ctx, &opts)) {
			wvl_free(json);
			return fail("restore: restored, but the migrations failed");
		}
		printf("%s\n", json);
		wvl_free(json);
		return 0;
	}
	if (strcmp(cmd, "seed-demo") == 0)
		return seed_demo(ctx, a->clients, a->articles);
	return bootstrap(ctx, a->email);
}

int main(int argc, char **argv)
{
	app_set_program("wl-migrate");
	if (argc < 2)
		return app_usage_error(usage, "a command is required", NULL);
	if (app_std_option(argv[1], usage) == 0)
		return 0;
	const struct command *c = command_of(argv[1]);
	if (!c)
		return app_usage_error(usage, argv[1][0] == '-' ? "unknown option" : "unknown command",
				       argv[1]);
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			if (c->help)
				fputs(c->help, stdout);
			else
				import_v1_usage(stdout);
			return 0;
		}
	struct args a = {.cmd = c->name};
	int rc = c->help ? parse_args(&a, argc, argv) : 0;
	if (rc)
		return rc;
	if (strcmp(a.cmd, "seed-demo") == 0 && ((a.clients && !count_of("--clients", a.clients)) ||
						(a.articles && !count_of("--help-articles", a.articles))))
		return APP_EXIT_USAGE;
	if (strcmp(a.cmd, "gen-secret") == 0)
		return gen_secret();
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if ((rc = app_load_config(&cfg)) != 0)
		return rc;
	if (app_ctx_new(&ctx, cfg)) {
		wvl_config_free(cfg);
		return 1;
	}
	rc = c->help ? run_command(ctx, &a) : import_v1_main(ctx, argc - 1, argv + 1);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	return rc;
}
