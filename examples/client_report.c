/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Example: a report over every client, read page by page with keyset
 * paging (each page asks for the rows after the previous page's cursor, so
 * a long list costs the same per page however deep it goes).
 *
 *   client_report [--page-size N] [--status S]
 *
 * Prints one line per client (name, status, monthly fee), then the count
 * and the monthly fees by status and in all.  Reads as the system; a
 * program acting for a person passes that person's actor instead, and the
 * library shows only what that person may see. */

#include <string.h>

#include <jansson.h>

#include "example_common.h"

#define MAX_STATUSES 16

struct tally {
	char status[32];
	long count;
	long long fee_cents;
};

static void add(struct tally *t, size_t *n, const char *status, long long fee)
{
	size_t i = 0;
	while (i < *n && strcmp(t[i].status, status))
		i++;
	if (i == *n) {
		if (*n == MAX_STATUSES)
			return;
		snprintf(t[i].status, sizeof(t[i].status), "%s", status);
		(*n)++;
	}
	t[i].count++;
	t[i].fee_cents += fee;
}

int main(int argc, char **argv)
{
	const char *page_size = "25", *status = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--page-size") && i + 1 < argc)
			page_size = argv[++i];
		else if (!strcmp(argv[i], "--status") && i + 1 < argc)
			status = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--page-size N] [--status S]\n", argv[0]);
			return 2;
		}
	}
	wvl_ctx *ctx = example_ctx();
	if (!ctx)
		return 1;
	const wvl_actor system_actor = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	struct tally t[MAX_STATUSES];
	size_t nt = 0;
	long pages = 0, total = 0;
	char *cursor = NULL;
	int rc = 0;
	do {
		wvl_query *q = NULL;
		char *page = NULL;
		if (wvl_query_new(&q) != 0 || wvl_query_add(q, "limit", page_size) != 0 ||
		    wvl_query_add(q, "sort", "name") != 0 ||
		    (status && wvl_query_add(q, "status", status) != 0) ||
		    (cursor && wvl_query_add(q, "cursor", cursor) != 0) ||
		    wvl_clients_list(&page, ctx, &system_actor, NULL, q) != 0) {
			fprintf(stderr, "list: %s\n", wvl_error_last()->message);
			wvl_query_free(q);
			rc = 1;
			break;
		}
		wvl_query_free(q);
		free(cursor);
		cursor = NULL;
		json_t *doc = json_loads(page, 0, NULL);
		wvl_free(page);
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(doc, "data"), i, c) {
			const char *st = json_string_value(json_object_get(c, "status"));
			json_int_t fee = json_integer_value(json_object_get(c, "monthly_fee_cents"));
			printf("%-40s %-12s %10.2f\n", json_string_value(json_object_get(c, "name")),
			       st ? st : "?", fee / 100.0);
			add(t, &nt, st ? st : "?", fee);
			total++;
		}
		const char *next = json_string_value(json_object_get(doc, "next_cursor"));
		cursor = next ? strdup(next) : NULL;
		json_decref(doc);
		pages++;
	} while (cursor);
	free(cursor);
	if (!rc) {
		long long fees = 0;
		printf("\n%ld clients in %ld pages\n", total, pages);
		for (size_t i = 0; i < nt; i++) {
			printf("  %-12s %6ld clients, %12.2f a month\n", t[i].status, t[i].count,
			       t[i].fee_cents / 100.0);
			fees += t[i].fee_cents;
		}
		printf("  %-12s %6ld clients, %12.2f a month\n", "all", total, fees / 100.0);
	}
	wvl_ctx_free(ctx);
	return rc;
}
