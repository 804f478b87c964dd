/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The thread-local last error and the one table that maps status codes to
 * API slugs and HTTP statuses. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct status_row {
	int code;
	int http;
	const char *slug;
	const char *text;
};

static const struct status_row status_table[] = {
	{WVL_OK, 200, "ok", "success"},
	{WVL_EINVAL, 400, "bad_request", "invalid argument or input"},
	{WVL_ENOTFOUND, 404, "not_found", "not found"},
	{WVL_EFORBIDDEN, 403, "forbidden", "forbidden"},
	{WVL_EUNAUTHENTICATED, 401, "unauthenticated", "authentication required"},
	{WVL_ECONFLICT, 409, "conflict", "conflict"},
	{WVL_ELOCKED, 423, "account_locked", "account locked"},
	{WVL_ERATELIMITED, 429, "rate_limited", "too many requests"},
	{WVL_ETOOLARGE, 413, "payload_too_large", "payload too large"},
	{WVL_EUNSUPPORTED, 415, "unsupported_media_type", "unsupported"},
	{WVL_EUNAVAILABLE, 503, "unavailable", "service unavailable"},
	{WVL_EINTERNAL, 500, "internal", "internal error"},
	{WVL_EGONE, 410, "link_expired", "expired"},
	{WVL_EVALIDATION, 422, "validation_failed", "the input is not valid"},
};

static const struct status_row *row_for(int code)
{
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].code == code)
			return &status_table[i];
	return row_for(WVL_EINTERNAL); /* unknown codes are internal errors */
}

const char *wvl_strerror(int code) { return row_for(code)->text; }
const char *wvl_status_slug(int code) { return row_for(code)->slug; }
int wvl_status_http(int code) { return row_for(code)->http; }

struct thread_error {
	wvl_error pub;
	char slug[40];
	char message[512];
	char *fields;
};

static _Thread_local struct thread_error last = {
	{WVL_ERROR_VERSION, WVL_OK, "ok", "success", NULL, 0}, "ok", "success", NULL};

/* Frees the field-error text a thread left behind when it exits. */
static pthread_key_t cleanup_key;
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;

static void free_fields(void *p) { free(p); }
static void make_key(void) { (void)pthread_key_create(&cleanup_key, free_fields); }

static void set_fields(const char *json)
{
	free(last.fields);
	last.fields = json ? wvl_str__dup(json) : NULL;
	pthread_once(&cleanup_once, make_key);
	(void)pthread_setspecific(cleanup_key, last.fields);
	last.pub.fields_json = last.fields;
}

static void set_common(int code, const char *slug, const char *fmt, va_list ap)
{
	const struct status_row *row = row_for(code);
	last.pub.code = code;
	snprintf(last.slug, sizeof(last.slug), "%s", slug ? slug : row->slug);
	if (fmt)
		vsnprintf(last.message, sizeof(last.message), fmt, ap);
	else
		snprintf(last.message, sizeof(last.message), "%s", row->text);
	last.pub.slug = last.slug;
	last.pub.message = last.message;
	last.pub.retry_after = 0;
}

int wvl_err__set(int code, const char *slug, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_common(code, slug, fmt, ap);
	va_end(ap);
	set_fields(NULL);
	return code;
}

int wvl_err__set_fields(const char *fields_json, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_common(WVL_EVALIDATION, NULL, fmt, ap);
	va_end(ap);
	set_fields(fields_json);
	return WVL_EVALIDATION;
}

void wvl_err__set_retry_after(int seconds) { last.pub.retry_after = seconds; }

const wvl_error *wvl_error_last(void)
{
	if (last.pub.slug == NULL) {
		last.pub.slug = last.slug;
		last.pub.message = last.message;
	}
	return &last.pub;
}

void wvl_error_clear(void)
{
	last.pub.code = WVL_OK;
	snprintf(last.slug, sizeof(last.slug), "ok");
	snprintf(last.message, sizeof(last.message), "success");
	last.pub.retry_after = 0;
	set_fields(NULL);
}

void wvl_free(void *ptr) { free(ptr); }
