/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The table writer: CSV streamed row by row through stdio, XLSX through
 * libxlsxwriter in constant_memory mode (a row is flushed to its
 * temporary file as soon as the next begins, so a sheet of any length
 * holds one row in memory). */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "export.h"

enum { FMT_HEADER, FMT_INT, FMT_NUMBER, FMT_RATIO, FMT_DATE, FMT_DATETIME, FMT_MONTH, NFMT };

struct wvl_table {
	bool xlsx;
	bool bom;
	char dir[512];
	char path[600];
	/* CSV */
	FILE *f;
	int sheets;
	/* XLSX */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *fmt[NFMT];
	/* the current sheet */
	char sheet_name[32];
	const struct wvl_col *cols;
	int ncols;
	struct wvl_chart_spec chart;
	uint32_t rows; /* data rows written */
};

static int fail(const char *what)
{
	return wvl_err__set(WVL_EINTERNAL, NULL, "export: %s", what);
}

static void add_formats(struct wvl_table *t)
{
	static const char *const num[NFMT] = {NULL, "#,##0", "#,##0.00##", "0.00%", "yyyy-mm-dd",
					      "yyyy-mm-dd hh:mm:ss", "yyyy-mm"};
	for (int i = 0; i < NFMT; i++) {
		t->fmt[i] = workbook_add_format(t->wb);
		if (num[i])
			format_set_num_format(t->fmt[i], num[i]);
	}
	format_set_bold(t->fmt[FMT_HEADER]);
}

int wvl_table__open(struct wvl_table **out, const char *format, const char *tmpdir, bool bom)
{
	*out = NULL;
	struct wvl_table *t = calloc(1, sizeof(*t));
	if (!t)
		return fail("out of memory");
	t->xlsx = strcmp(format, "xlsx") == 0;
	t->bom = bom;
	snprintf(t->dir, sizeof(t->dir), "%s/wl-export-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(t->dir)) {
		free(t);
		return fail("cannot create a temporary folder");
	}
	snprintf(t->path, sizeof(t->path), "%s/report.%s", t->dir, t->xlsx ? "xlsx" : "csv");
	if (t->xlsx) {
		lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = t->dir};
		t->wb = workbook_new_opt(t->path, &o);
		if (t->wb)
			add_formats(t);
	} else {
		t->f = fopen(t->path, "wxe");
		if (t->f && bom)
			fputs("\xEF\xBB\xBF", t->f);
	}
	if (!t->wb && !t->f) {
		wvl_table__free(t);
		return fail("cannot create the file");
	}
	*out = t;
	return 0;
}

/* Autofilter over what was written and the sheet's chart. */
static int close_sheet(struct wvl_table *t)
{
	if (!t->ws)
		return 0;
	lxw_error e = worksheet_autofilter(t->ws, 0, 0, t->rows, (lxw_col_t)(t->ncols - 1));
	if (e == LXW_NO_ERROR && t->chart.kind != WVL_CHART_NONE && t->rows > 0) {
		static const uint8_t kinds[] = {0, LXW_CHART_LINE, LXW_CHART_COLUMN, LXW_CHART_BAR};
		lxw_chart *ch = workbook_add_chart(t->wb, kinds[t->chart.kind]);
		if (!ch)
			return fail("cannot add a chart");
		chart_title_set_name(ch, t->chart.title);
		for (int i = 0; i < t->chart.nvals; i++) {
			lxw_chart_series *s = chart_add_series(ch, NULL, NULL);
			if (!s)
				return fail("cannot add a chart series");
			chart_series_set_categories(s, t->sheet_name, 1, (lxw_col_t)t->chart.cat,
						    t->rows, (lxw_col_t)t->chart.cat);
			chart_series_set_values(s, t->sheet_name, 1, (lxw_col_t)t->chart.vals[i],
						t->rows, (lxw_col_t)t->chart.vals[i]);
			chart_series_set_name_range(s, t->sheet_name, 0, (lxw_col_t)t->chart.vals[i]);
		}
		e = worksheet_insert_chart(t->ws, 1, (lxw_col_t)(t->ncols + 1), ch);
	}
	t->ws = NULL;
	return e == LXW_NO_ERROR ? 0 : fail(lxw_strerror(e));
}

static void csv_row(FILE *f, const char *const *v, const struct wvl_col *cols, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		if (!v[i])
			continue;
		if (cols && cols[i].type != WVL_COL_TEXT)
			wvl_csv__number(f, v[i]);
		else
			wvl_csv__text(f, v[i], strlen(v[i]));
	}
	fputs("\r\n", f);
}

int wvl_table__sheet(struct wvl_table *t, const char *name, const struct wvl_col *cols,
		     int ncols, const struct wvl_chart_spec *chart)
{
	/* The sheet before is finished with its own columns and rows. */
	int rc = t->xlsx ? close_sheet(t) : 0;
	if (rc)
		return rc;
	t->cols = cols;
	t->ncols = ncols;
	t->rows = 0;
	t->chart = chart ? *chart : (struct wvl_chart_spec){0};
	snprintf(t->sheet_name, sizeof(t->sheet_name), "%s", name);
	const char *names[64];
	for (int i = 0; i < ncols && i < 64; i++)
		names[i] = cols[i].name;
	if (!t->xlsx) {
		if (t->sheets++ == 0)
			csv_row(t->f, names, NULL, ncols);
		return ferror(t->f) ? fail("cannot write the file") : 0;
	}
	t->ws = workbook_add_worksheet(t->wb, name);
	if (!t->ws)
		return fail("cannot add a worksheet");
	for (int i = 0; i < ncols; i++) {
		worksheet_set_column(t->ws, (lxw_col_t)i, (lxw_col_t)i, cols[i].width, NULL);
		worksheet_write_string(t->ws, 0, (lxw_col_t)i, cols[i].name, t->fmt[FMT_HEADER]);
	}
	worksheet_freeze_panes(t->ws, 1, 0);
	return 0;
}

static bool parse_datetime(const char *s, enum wvl_col_type type, lxw_datetime *dt)
{
	*dt = (lxw_datetime){0};
	int n = 0;
	char extra;
	if (type == WVL_COL_MONTH) {
		dt->day = 1;
		n = sscanf(s, "%4d-%2d%c", &dt->year, &dt->month, &extra);
		return n == 2;
	}
	if (type == WVL_COL_DATE)
		return sscanf(s, "%4d-%2d-%2d%c", &dt->year, &dt->month, &dt->day, &extra) == 3;
	n = sscanf(s, "%4d-%2d-%2d %2d:%2d:%lf", &dt->year, &dt->month, &dt->day, &dt->hour,
		   &dt->min, &dt->sec);
	return n == 6;
}

static void xlsx_cell(struct wvl_table *t, lxw_row_t r, lxw_col_t c, const char *v)
{
	enum wvl_col_type type = t->cols[c].type;
	char *end = NULL;
	if (type == WVL_COL_INT || type == WVL_COL_NUMBER || type == WVL_COL_RATIO) {
		errno = 0;
		double d = strtod(v, &end);
		if (*v && end && *end == '\0' && errno == 0) {
			int f = type == WVL_COL_INT ? FMT_INT : type == WVL_COL_RATIO ? FMT_RATIO : FMT_NUMBER;
			worksheet_write_number(t->ws, r, c, d, t->fmt[f]);
			return;
		}
	} else if (type != WVL_COL_TEXT) {
		lxw_datetime dt;
		if (parse_datetime(v, type, &dt)) {
			int f = type == WVL_COL_DATE ? FMT_DATE : type == WVL_COL_MONTH ? FMT_MONTH : FMT_DATETIME;
			worksheet_write_datetime(t->ws, r, c, &dt, t->fmt[f]);
			return;
		}
	}
	/* Text (never a formula: a string cell is not evaluated). */
	worksheet_write_string(t->ws, r, c, v, NULL);
}

int wvl_table__row(struct wvl_table *t, const char *const *values)
{
	if (!t->xlsx) {
		if (t->sheets == 1)
			csv_row(t->f, values, t->cols, t->ncols);
		return ferror(t->f) ? fail("cannot write the file") : 0;
	}
	if (t->rows >= LXW_ROW_MAX - 1)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "export: more rows than a worksheet holds");
	lxw_row_t r = ++t->rows;
	for (int i = 0; i < t->ncols; i++)
		if (values[i])
			xlsx_cell(t, r, (lxw_col_t)i, values[i]);
	return 0;
}

int wvl_table__finish(struct wvl_table *t, int *out_fd, uint64_t *out_size)
{
	*out_fd = -1;
	int rc = 0;
	if (t->xlsx) {
		rc = close_sheet(t);
		lxw_error e = workbook_close(t->wb);
		t->wb = NULL;
		if (!rc && e != LXW_NO_ERROR)
			rc = fail(lxw_strerror(e));
	} else {
		int e = fclose(t->f);
		t->f = NULL;
		if (e != 0)
			rc = fail("cannot write the file");
	}
	int fd = rc ? -1 : open(t->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (!rc && (fd < 0 || fstat(fd, &st) != 0))
		rc = fail("cannot read the file back");
	if (rc) {
		if (fd >= 0)
			close(fd);
		wvl_table__free(t);
		return rc;
	}
	*out_fd = fd;
	*out_size = (uint64_t)st.st_size;
	wvl_table__free(t);
	return 0;
}

void wvl_table__free(struct wvl_table *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	if (t->wb)
		workbook_close(t->wb);
	unlink(t->path);
	rmdir(t->dir);
	free(t);
}
