/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_EXPORT_H
#define WAVELAUNCH_EXPORT_H

#include <stdint.h>

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Exports: reports as files.  CSV is RFC 4180 (CRLF line ends, quoted
 * cells where needed), UTF-8, optionally with a byte order mark for
 * spreadsheet programs (?bom=true), and defended against formula
 * injection: a text cell starting with = + - @ tab CR or NUL gets a
 * leading '.  XLSX (libxlsxwriter, constant_memory) has typed numbers and
 * dates with number formats, a frozen header row, an autofilter and a
 * chart per report.  Both are written row by row to a temporary file, so
 * memory does not grow with the row count.
 *
 * Up to WVL_EXPORT_SYNC_ROWS rows the file comes back at once (fd >= 0);
 * beyond (and for long analytics PDFs), an "export_file" job is queued that reports its progress and
 * lands the file in the files module (job_json set, fd -1).
 */

#define WVL_EXPORT_SYNC_ROWS 10000

/* The analytics report as PDF is laid out in the request for a range of
 * up to this many months; a longer range (up to the 120 months analytics
 * allows) is rendered by an "export_file" job (job_json set), as a big
 * client export is. */
#define WVL_EXPORT_SYNC_PDF_MONTHS 24

/** An export's result, in the caller's struct: set `version`
 *  (WVL_EXPORT_FILE_INIT) before passing it; every wvl_export_* call
 *  refuses an `out` of a version it does not know with WVL_EINVAL. */
typedef struct wvl_export_file {
	unsigned int version;
	int fd;                 /**< a read-only descriptor on the file, or -1 */
	uint64_t size;          /**< its size in bytes */
	char content_type[96];  /**< e.g. "text/csv; charset=utf-8" */
	char filename[128];     /**< a suggested download name (ASCII) */
	char *job_json;         /**< the queued job ({"job":{...}}) when there is no file */
} wvl_export_file;

#define WVL_EXPORT_FILE_VERSION 1
#define WVL_EXPORT_FILE_INIT {WVL_EXPORT_FILE_VERSION, -1, 0, "", "", NULL}

/** Closes the descriptor and frees job_json; the struct (its version kept)
 *  may be reused.  Accepts NULL and does nothing for an unknown version.
 * Returns nothing.  Not thread-safe: one thread at a time per `f`. */
WVL_EXTERN void wvl_export_file_close(wvl_export_file *f);

/**
 * Exports the client list (team only: WVL_EFORBIDDEN for client users,
 * WVL_EUNAUTHENTICATED for anonymous ones).  Query: "format" (csv or xlsx,
 * required), "bom" (true/false, CSV only), and the list's filters:
 * status, q, client_id (wvl_clients_list); any other parameter is
 * WVL_EINVAL "bad_request".  A missing or unknown format is
 * WVL_EVALIDATION naming "format".  Returns 0 with *out filled (the
 * caller owns it: free with wvl_export_file_close).  WVL_EUNAVAILABLE when the database is
 * down; WVL_EINTERNAL when the file cannot be written.  Thread-safe.
 */
WVL_EXTERN int wvl_export_clients(wvl_export_file *out, wvl_ctx *ctx, const wvl_actor *actor,
				  const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Exports the analytics of a range (admins only, as wvl_analytics_get,
 * whose from, to and currency it takes, with "format" (csv, xlsx or pdf)
 * and "bom" as above).  CSV holds the months; XLSX sheets Months (with an
 * MRR and revenue chart), Funnel and Time to deliverable (each with a
 * chart); PDF (A4, application/pdf) the same figures as tables whose
 * header repeats on every page they run over (the months as three tables:
 * MRR movements; clients and churn; revenue, AI and tickets), with a line
 * chart of MRR and revenue and bar charts of the funnel and of time to
 * deliverable, money in the currency's units.  A PDF of more than
 * WVL_EXPORT_SYNC_PDF_MONTHS months is queued as an "export_file" job
 * (job_json set, fd -1) whose file lands in the files module (no
 * client's), the admin's.  Returns 0 with *out filled (the caller owns it:
 * wvl_export_file_close), or the errors of wvl_analytics_get and
 * wvl_export_clients; WVL_ETOOLARGE when the PDF would exceed its page
 * limit.  Thread-safe.
 */
WVL_EXTERN int wvl_export_analytics(wvl_export_file *out, wvl_ctx *ctx, const wvl_actor *actor,
				    const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
