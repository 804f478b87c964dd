/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-migrate import-v1: the command line of wvl_migrate_import_v1
 * (migrate.h), which does the import.  Here: the options, a progress bar on
 * a terminal (a JSON log line per model otherwise, the apps' one rule), and
 * the report as a table or, with --json, as the library's JSON. */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/app.h"
#include "import_v1.h"

static void on_progress(const char *model, long done, long total, void *payload)
{
	bool tty = *(const bool *)payload;
	if (tty) {
		int width = 30, filled = total ? (int)(done * width / total) : width;
		fprintf(stderr, "\r%-14s [%.*s%*s] %ld/%ld", model, filled,
			"##############################", width - filled, "", done, total);
		if (done == total)
			fputc('\n', stderr);
		return;
	}
	if (done != total)
		return;
	char extra[160];
	snprintf(extra, sizeof(extra), "\"model\":\"%s\",\"read\":%ld", model, total);
	app_log_json(WVL_LOG_INFO, NULL, "import-v1: model read", extra);
}

static long member(json_t *t, const char *key)
{
	return (long)json_integer_value(json_object_get(t, key));
}

static void print_table(json_t *doc)
{
	printf("%-14s %-16s %7s %7s %7s %7s  %s\n", "v1 model", "v2 table", "read", "written",
	       "present", "skipped", "content");
	const char *model;
	json_t *t;
	json_object_foreach(json_object_get(doc, "tables"), model, t) {
		printf("%-14s %-16s %7ld %7ld %7ld %7ld  %s %.12s\n", model,
		       json_string_value(json_object_get(t, "table")), member(t, "read"),
		       member(t, "written"), member(t, "already_imported"), member(t, "skipped"),
		       json_is_true(json_object_get(t, "hashes_match")) ? "matches" : "DIFFERS",
		       json_string_value(json_object_get(t, "stored_sha256")));
		const char *why;
		json_t *n;
		json_object_foreach(json_object_get(t, "skipped_reasons"), why, n)
			printf("    skipped %lld: %s\n", (long long)json_integer_value(n), why);
	}
	long unusable = member(doc, "unusable_password_hashes");
	if (unusable)
		printf("%ld users had a password hash v2 cannot check: they must reset their "
		       "password\n",
		       unusable);
	puts(json_is_true(json_object_get(doc, "dry_run")) ? "dry run: nothing was written"
							   : "import committed");
}

void import_v1_usage(FILE *f)
{
	fputs("usage: wl-migrate import-v1 FILE.db [--files-dir DIR] [--dry-run] [--json]\n"
	      "  Copies a WavelaunchOS v1 SQLite database into this one: users (bcrypt\n"
	      "  passwords kept, upgraded to Argon2id at their next login), clients,\n"
	      "  business plans, deliverables, notes, tickets and their messages, help\n"
	      "  articles, notifications, token usage and uploaded files.  Safe to run\n"
	      "  again: rows already imported are recognised by their v1 id and left alone.\n"
	      "  --files-dir DIR  v1's upload folder: each File row's storagePath is read\n"
	      "                   under it (type checked and virus scanned like an upload);\n"
	      "                   without it File rows are skipped\n"
	      "  --dry-run        do everything, report, then roll back (stores no bytes)\n"
	      "  --json           the report as JSON on standard output\n"
	      "  The report counts the rows read, written, already there and skipped\n"
	      "  (with reasons) per v1 model, and checks a content hash of what was\n"
	      "  sent against what the database holds.  Exit status 0 when the import\n"
	      "  (or dry run) completed and every hash matched, 1 otherwise.\n",
	      f);
}

int import_v1_main(wvl_ctx *ctx, int argc, char **argv)
{
	wvl_migrate_import_options o = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	bool json = false, tty = isatty(STDERR_FILENO);
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			import_v1_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--dry-run")) {
			o.dry_run = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--files-dir") && i + 1 < argc) {
			o.files_dir = argv[++i];
		} else if (argv[i][0] != '-' && !file) {
			file = argv[i];
		} else {
			import_v1_usage(stderr);
			return 2;
		}
	}
	if (!file) {
		import_v1_usage(stderr);
		return 2;
	}
	o.progress = on_progress;
	o.progress_payload = &tty;
	char *report = NULL;
	int verified = 0;
	if (wvl_migrate_import_v1(&report, &verified, ctx, file, &o) != 0) {
		app_log_json(WVL_LOG_ERROR, NULL, wvl_error_last()->message, NULL);
		return 1;
	}
	if (json) {
		puts(report);
	} else {
		json_t *doc = json_loads(report, 0, NULL);
		print_table(doc);
		json_decref(doc);
	}
	wvl_free(report);
	return verified ? 0 : 1;
}
