/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the payloads the jobs listener reads from PostgreSQL's NOTIFY,
 * which any session of the database may send: the hint on wvl_jobs
 * ("<queue> <id>", wvl_jobs__parse_hint) and the pushed job on a worker's
 * own channel (wvl_jobs__parse_push).
 *
 * Input: a mode byte (bit 0: a push, else a hint), then the payload.  For
 * every input: no crash or sanitizer report, and the parser agrees with a
 * reference written here from migration 0010's format: a hint is a queue
 * of 1-63 bytes, one blank and a uuid; a push is "id lease attempt
 * max_attempts priority run_at_us queue kind client|- args" with uuids,
 * numbers as PostgreSQL writes them (an optional '-', digits without a
 * leading zero) in their ranges
 * (attempt and max_attempts 1..INT_MAX, priority a smallint, run_at an
 * int64), a queue and kind of their names' shapes, a client uuid or "-",
 * and args a JSON object.  What it accepts reads back field by field, so
 * printing the job in the same format gives the payload again.
 *
 * Bit 1 of the mode byte: the announcement of a new notification on
 * wvl_notify (migration 0016's trigger, wvl_notify__announcement), read by
 * wl-server's stream hub: "<user id> <json object>" is taken with the
 * user id and the JSON as they are; anything else is dropped.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "jobs/jobs.h"
#include "notify/notify.h"

static bool uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void check_hint(const char *payload)
{
	char queue[64], id[37];
	bool got = wvl_jobs__parse_hint(queue, id, payload);
	const char *sp = strchr(payload, ' ');
	bool want = sp && sp > payload && sp - payload < 64 && uuid_shape(sp + 1);
	FUZZ_CHECK(got == want, "notify: hint \"%.200s\" %s", payload, got ? "taken" : "refused");
	if (got) {
		char again[128];
		snprintf(again, sizeof(again), "%s %s", queue, id);
		FUZZ_CHECK(!strcmp(again, payload), "notify: hint \"%s\" read as \"%s\"", payload, again);
	}
}

/* A number as PostgreSQL writes one: '-'? digits, no leading zero, no
 * "-0", within [lo, hi]. */
static bool number(const char *s, long long lo, long long hi, long long *out)
{
	const char *d = s + (s[0] == '-');
	if (!*d || strspn(d, "0123456789") != strlen(d) || (d[0] == '0' && (d[1] || d != s)))
		return false;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool name_shape(const char *s, bool kind)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !(islower((unsigned char)s[0]) || (!kind && isdigit((unsigned char)s[0]))))
		return false;
	return strspn(s, kind ? "abcdefghijklmnopqrstuvwxyz0123456789_."
			      : "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool json_object_text(const char *s)
{
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	bool ok = v && json_is_object(v) && strlen(s) <= 256 * 1024;
	json_decref(v);
	return ok;
}

/* The reference: the nine fields and the args, or false. */
static bool ref_push(const char *payload)
{
	char *copy = strdup(payload), *f[10], *p = copy;
	for (int i = 0; i < 9; i++) {
		char *sp = p ? strchr(p, ' ') : NULL;
		f[i] = p;
		p = sp ? (*sp = '\0', sp + 1) : NULL;
	}
	f[9] = p;
	long long v;
	bool ok = f[9] && uuid_shape(f[0]) && uuid_shape(f[1]) && number(f[2], 1, INT_MAX, &v) &&
		  number(f[3], 1, INT_MAX, &v) && number(f[4], SHRT_MIN, SHRT_MAX, &v) &&
		  number(f[5], LLONG_MIN, LLONG_MAX, &v) && name_shape(f[6], false) &&
		  name_shape(f[7], true) && (!strcmp(f[8], "-") || uuid_shape(f[8])) &&
		  json_object_text(f[9]);
	free(copy);
	return ok;
}

static void check_push(const char *payload)
{
	char *copy = strdup(payload);
	wvl_job j;
	bool got = wvl_jobs__parse_push(&j, copy, 42);
	bool want = ref_push(payload);
	FUZZ_CHECK(got == want, "notify: push \"%.300s\" %s", payload, got ? "taken" : "refused");
	if (got) {
		char *again = NULL;
		if (asprintf(&again, "%s %s %d %d %d %" PRId64 " %s %s %s %s", j.id, j.lease_id,
			     j.attempt, j.max_attempts, j.priority, j.run_at, j.queue, j.kind,
			     j.client_id[0] ? j.client_id : "-", j.args_json) < 0)
			abort();
		FUZZ_CHECK(!strcmp(again, payload), "notify: push \"%.300s\" read as \"%.300s\"",
			   payload, again);
		FUZZ_CHECK(j.claimed_at == 42, "notify: claimed_at not the time given");
		free(again);
		free(j.args_json);
	}
	free(copy);
}

static void check_announcement(const char *payload)
{
	char user[37] = "untouched", want[37] = "";
	const char *json = wvl_notify__announcement(payload, user);
	size_t n = strlen(payload);
	if (n >= 36)
		memcpy(want, payload, 36), want[36] = '\0';
	bool ok = n >= 38 && payload[36] == ' ' && payload[37] == '{' && uuid_shape(want);
	FUZZ_CHECK(ok == (json != NULL), "notify: announcement \"%s\" %s", payload,
		   json ? "taken" : "dropped");
	if (ok)
		FUZZ_CHECK(json == payload + 37 && !strcmp(user, want),
			   "notify: announcement read as %s and %s", user, json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in);
	char *payload = fuzz_rest(&in, NULL);
	if (mode & 2)
		check_announcement(payload);
	else if (mode & 1)
		check_push(payload);
	else
		check_hint(payload);
	free(payload);
	return 0;
}
