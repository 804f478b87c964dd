/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_EXPORT_INTERNAL_H
#define WVL_EXPORT_INTERNAL_H

/* Internal to the export module: a table writer with two back ends, CSV
 * (csv.c, streamed row by row) and XLSX (xlsx.c, libxlsxwriter in
 * constant_memory mode).  A report is sheets of typed columns; values come
 * in as text (PostgreSQL's), each back end types them its own way. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "../core/internal.h"
#include "wavelaunch/export.h"

enum wvl_col_type {
	WVL_COL_TEXT,
	WVL_COL_INT,      /* whole number ("#,##0") */
	WVL_COL_NUMBER,   /* decimal ("#,##0.00##") */
	WVL_COL_RATIO,    /* fraction shown as a percentage ("0.00%") */
	WVL_COL_DATE,     /* YYYY-MM-DD */
	WVL_COL_DATETIME, /* YYYY-MM-DD HH:MM:SS, UTC */
	WVL_COL_MONTH,    /* YYYY-MM, a date on the month's first day */
};

struct wvl_col {
	const char *name;
	enum wvl_col_type type;
	double width; /* XLSX column width in characters */
};

/* A chart of one sheet: categories from column `cat`, a series per
 * column of `vals` (up to 4). */
enum wvl_chart_kind { WVL_CHART_NONE, WVL_CHART_LINE, WVL_CHART_COLUMN, WVL_CHART_BAR };
struct wvl_chart_spec {
	enum wvl_chart_kind kind;
	const char *title;
	int cat;
	int vals[4];
	int nvals;
};

struct wvl_table;

/* A writer of `format` ("csv" or "xlsx") into a new temporary file under
 * `tmpdir`; `bom` puts a UTF-8 byte order mark before CSV text. */
int wvl_table__open(struct wvl_table **out, const char *format, const char *tmpdir, bool bom);
/* Starts a sheet (CSV: only the first sheet is written, the others are
 * skipped: a CSV file holds one table).  The columns must outlive it. */
int wvl_table__sheet(struct wvl_table *t, const char *name, const struct wvl_col *cols,
		     int ncols, const struct wvl_chart_spec *chart);
/* One row of the current sheet: ncols values as text, NULL for empty. */
int wvl_table__row(struct wvl_table *t, const char *const *values);
/* Finishes the file and hands over a descriptor on it (its name is gone:
 * the file vanishes with the descriptor) and its size.  Frees `t` whether
 * it succeeds or not. */
int wvl_table__finish(struct wvl_table *t, int *out_fd, uint64_t *out_size);
/* Drops an unfinished writer and its file.  Accepts NULL. */
void wvl_table__free(struct wvl_table *t);

/* ---- CSV (csv.c) ---- */

/* Writes one text cell, RFC 4180-quoted when it holds a comma, quote, CR
 * or LF, with a leading ' when it starts with = + - @ tab CR or NUL (a
 * spreadsheet would read those as a formula). */
void wvl_csv__text(FILE *f, const char *s, size_t len);
/* A cell of a numeric column: written as it is when it is a plain
 * number, else as text (wvl_csv__text). */
void wvl_csv__number(FILE *f, const char *s);

/* ---- the exports (export.c, report.c, job.c) ---- */

/* The client list's filters (values point into the query or job args). */
struct wvl_export_filters {
	const char *status;
	const char *q;
	const char *client_id;
};

/* Called after each batch of rows with how many were written; non-zero
 * stops the export with that code. */
struct wvl_export_progress {
	int (*fn)(void *payload, long long done);
	void *payload;
};

/* Reads status, q and client_id, allowing format and bom beside them;
 * WVL_EINVAL "bad_request" for anything else or a bad value. */
int wvl_export__client_filters(struct wvl_export_filters *f, const wvl_query *q);
/* How many clients the filters select, as `actor` sees them. */
int wvl_export__count_clients(long long *out, wvl_ctx *ctx, const wvl_actor *actor,
			      const struct wvl_export_filters *f);
/* Writes the client export into a new file: *out_fd as wvl_table__finish. */
int wvl_export__write_clients(int *out_fd, uint64_t *out_size, wvl_ctx *ctx,
			      const wvl_actor *actor, const struct wvl_export_filters *f,
			      const char *format, bool bom, const struct wvl_export_progress *pr);

/* Queues an export_file job of `args` (a JSON object: "report" and what
 * that report needs, "role" and "user_id" of the actor it runs as) and
 * fills out->job_json with {"job":{...}}.  Takes `args` (decref'd). */
int wvl_export__enqueue(wvl_export_file *out, wvl_ctx *ctx, json_t *args);
/* Checks the caller's `out` is of a version this library fills and empties
 * it (fd -1); WVL_EINVAL, leaving it alone, otherwise. */
int wvl_export__out_reset(wvl_export_file *out);

/* ---- the analytics report (report.c, pdf.c) ---- */

/* The member at `path` of a report row: "key" or "object.key" (report.c). */
json_t *wvl_export__at(json_t *row, const char *path);
/* A JSON scalar as text (strings as they are, numbers written into `buf`);
 * NULL for null, missing or anything else (report.c). */
const char *wvl_export__text_of(json_t *v, char *buf, size_t len);

struct wvl_analytics_range;
/* The analytics file of `r` as `actor` sees it ("csv", "xlsx" or "pdf"):
 * *out_fd as wvl_table__finish. */
int wvl_export__analytics_file(int *out_fd, uint64_t *out_size, wvl_ctx *ctx,
			       const wvl_actor *actor, const struct wvl_analytics_range *r,
			       const char *format, bool bom);
/* The report (wvl_analytics_get's JSON) laid out as a PDF into a new
 * unnamed file under `tmpdir`: *out_fd read from its start. */
int wvl_export__analytics_pdf(int *out_fd, uint64_t *out_size, wvl_ctx *ctx, json_t *report,
			      const struct wvl_analytics_range *r, const char *tmpdir);
/* The content type of a format ("csv", "xlsx", "pdf"), as a download
 * gives it, and as the files module stores it (`stored`: CSV without its
 * charset parameter). */
const char *wvl_export__content_type(const char *format, bool stored);

struct wvl_worker_task;
/* The export_file job (lib/jobs/builtin.c). */
int wvl_export__job(char **out_error, struct wvl_worker_task *run, void *payload);

#endif
