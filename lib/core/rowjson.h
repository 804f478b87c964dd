/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_ROWJSON_H
#define WVL_CORE_ROWJSON_H

/* Internal: JSON objects built in C from the text columns of a result.
 *
 * Why not json_build_object in SQL: PostgreSQL looks up each argument's
 * type category and output function on every call, which made it the
 * largest cost of a client-list page (50 rows of 16 columns: 5,900
 * statements/s with json_build_object against 13,300 selecting the plain
 * columns, same plan; see docs/PERFORMANCE.md).  The value built here is
 * the one json_build_object gives for the same columns on a connection with
 * TimeZone UTC and DateStyle ISO (the pool sets both), written without the
 * blanks json_build_object puts around ':' and ','; a test compares the two
 * on hostile values.  Hand-written because no Debian library turns
 * PostgreSQL's text output into JSON. */

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "buf.h"

/* A JSON string literal of `n` bytes of UTF-8, escaped as PostgreSQL's
 * escape_json does. */
void wvl_rowjson__string(struct wvl_buf *b, const char *s, size_t n);

/* {"col":value,...} for columns [first, first + ncols) of `row`, keyed by
 * the columns' names.  Values by type: NULL → null; bool → true/false;
 * integers, and floats/numerics that are JSON numbers → bare; json and
 * jsonb → as they are; timestamptz/timestamp → ISO 8601 with a "T"
 * (and "+HH:MM"); everything else → a JSON string of its text. */
void wvl_rowjson__object(struct wvl_buf *b, const PGresult *r, int row, int first, int ncols);

/* The same for many rows of one result: the keys are escaped and the types
 * looked up once.  layout returns -1 when out of memory. */
struct wvl_rowjson {
	const PGresult *r;
	int first, ncols;
	char *keys;      /* '{' or ',', then "name": for each column, back to back */
	size_t *key_end; /* where each column's part of `keys` ends */
	Oid *types;
};
int wvl_rowjson__layout(struct wvl_rowjson *j, const PGresult *r, int first, int ncols);
void wvl_rowjson__row(struct wvl_buf *b, const struct wvl_rowjson *j, int row);
void wvl_rowjson__free(struct wvl_rowjson *j);

#endif
