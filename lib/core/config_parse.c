/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* One checked parser per value type of a WL_* key (struct wvl_config_key).
 * Each failure is one line: the key, what is wrong with the value, and the
 * form expected ("WL_HTTP_THREADS: \"lots\" is not a whole number; expected
 * a whole number from 0 to 1024").  Secret values are never repeated. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "internal.h"
#include "redis.h"

/* The value as the message shows it: quoted, cut at 64 bytes, control
 * bytes as '?'; "(secret)" for a secret. */
static void shown(char *buf, size_t len, const struct wvl_config_key *k, const char *v)
{
	if (k->flags & WVL_CFG_SECRET) {
		snprintf(buf, len, "the value");
		return;
	}
	char clean[68];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p && n < 64; p++)
		clean[n++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	clean[n] = '\0';
	snprintf(buf, len, "\"%s%s\"", clean, strlen(v) > 64 ? "..." : "");
}

static int refuse(const struct wvl_config_key *k, const char *v, const char *problem,
		  const char *expected)
{
	char s[96];
	shown(s, sizeof(s), k, v);
	return wvl_err__set(WVL_EINVAL, NULL, "%s: %s %s; expected %s", k->key, s, problem,
			    expected);
}

static int parse_uint(const struct wvl_config_key *k, const char *v, unsigned long *out)
{
	char expected[96];
	snprintf(expected, sizeof(expected), "a whole number from %lu to %lu", k->min, k->max);
	const char *p = v;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == v || *p)
		return refuse(k, v, "is not a whole number", expected);
	errno = 0;
	unsigned long n = strtoul(v, NULL, 10);
	if (errno == ERANGE || n < k->min || n > k->max)
		return refuse(k, v, "is out of range", expected);
	if (out)
		*out = n;
	return 0;
}

static int parse_enum(const struct wvl_config_key *k, const char *v, unsigned long *out)
{
	size_t vl = strlen(v);
	unsigned long i = 0;
	for (const char *c = k->choices; c && *c; i++) {
		size_t n = strcspn(c, "|");
		if (n == vl && strncmp(c, v, n) == 0) {
			if (out)
				*out = i;
			return 0;
		}
		c += n + (c[n] == '|');
	}
	char expected[256];
	snprintf(expected, sizeof(expected), "one of %s", k->choices ? k->choices : "");
	for (char *p = expected; *p; p++)
		if (*p == '|')
			*p = ',';
	return refuse(k, v, "is not allowed", expected);
}

static int parse_pg(const struct wvl_config_key *k, const char *v)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(v, &err);
	if (!opts) {
		char problem[200];
		snprintf(problem, sizeof(problem), "is not a libpq connection string (%s)",
			 err ? err : "out of memory");
		problem[strcspn(problem, "\n")] = '\0';
		/* libpq's message may quote the value: keep the secret out. */
		if (k->flags & WVL_CFG_SECRET)
			snprintf(problem, sizeof(problem), "is not a libpq connection string");
		PQfreemem(err);
		return refuse(k, v, problem,
			      "postgresql://user[:password]@host[:port]/database[?param=value]");
	}
	/* libpq checks a port only when it connects: a typo would read as
	 * "database down" at start.  Several hosts have a port list. */
	bool port_ok = true;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (strcmp(o->keyword, "port") != 0 || !o->val)
			continue;
		for (const char *p = o->val; *p && port_ok; p += *p == ',') {
			size_t n = strspn(p, "0123456789");
			long port = n && n < 6 ? strtol(p, NULL, 10) : 0;
			port_ok = port >= 1 && port <= 65535 && (p[n] == ',' || p[n] == '\0');
			p += n;
		}
	}
	PQconninfoFree(opts);
	if (!port_ok)
		return refuse(k, v, "has a port outside 1..65535",
			      "postgresql://user[:password]@host[:port]/database[?param=value]");
	return 0;
}

static int parse_http(const struct wvl_config_key *k, const char *v)
{
	static const char expected[] = "http://host[:port][/path] or https://...";
	CURLU *u = curl_url();
	if (!u)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	char *scheme = NULL, *host = NULL;
	int rc = 0;
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		rc = refuse(k, v, "is not a URL with a host", expected);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		rc = refuse(k, v, "has a scheme other than http or https", expected);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* host:port: a host (a name, an IPv4 address, or an IPv6 address in
 * brackets) and a port from 0 (any free port) to 65535. */
static int parse_listen(const struct wvl_config_key *k, const char *v)
{
	static const char expected[] = "host:port or [ipv6]:port with a port from 0 to 65535";
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v)
		return refuse(k, v, "is not host:port", expected);
	const char *p = colon + 1;
	char *end = NULL;
	errno = 0;
	unsigned long port = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 100000;
	if (errno || !end || *end || port > 65535)
		return refuse(k, v, "has no port from 0 to 65535", expected);
	size_t hl = (size_t)(colon - v);
	if (v[0] == '[') {
		if (hl < 3 || v[hl - 1] != ']' || memchr(v + 1, ']', hl - 2) ||
		    strspn(v + 1, "0123456789abcdefABCDEF:.%") < hl - 2)
			return refuse(k, v, "has a malformed [IPv6] host", expected);
		return 0;
	}
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' && v[i] != '_')
			return refuse(k, v, "has a malformed host (an IPv6 address needs [ ])",
				      expected);
	return 0;
}

static int parse_redis(const struct wvl_config_key *k, const char *v)
{
	struct wvl_redis_url u;
	const char *problem = NULL;
	if (wvl_redis__parse_url(&u, v, &problem) != 0)
		return refuse(k, v, problem,
			      "redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)");
	sodium_memzero(&u, sizeof(u));
	return 0;
}

int wvl_config__parse(const struct wvl_config_key *k, const char *value,
		      unsigned long *out)
{
	const char *v = value ? value : "";
	if (!*v && (k->flags & WVL_CFG_EMPTY_OK || k->type == WVL_CFG_RESERVED ||
		    (k->type == WVL_CFG_STRING && k->min == 0))) {
		if (out)
			*out = 0;
		return 0;
	}
	if (!*v)
		return wvl_err__set(WVL_EINVAL, NULL, "%s: is empty; expected %s", k->key,
				    k->help ? k->help : "a value");
	switch (k->type) {
	case WVL_CFG_UINT:
		return parse_uint(k, v, out);
	case WVL_CFG_BOOL: {
		if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
			if (out)
				*out = v[0] == 't';
			return 0;
		}
		return refuse(k, v, "is not a boolean", "true or false");
	}
	case WVL_CFG_ENUM:
		return parse_enum(k, v, out);
	case WVL_CFG_PG_URL:
		return parse_pg(k, v);
	case WVL_CFG_REDIS_URL:
		return parse_redis(k, v);
	case WVL_CFG_HTTP_URL:
		return parse_http(k, v);
	case WVL_CFG_LISTEN:
		return parse_listen(k, v);
	case WVL_CFG_STRING:
		if (k->max && strlen(v) > k->max) {
			char expected[64];
			snprintf(expected, sizeof(expected), "at most %lu bytes", k->max);
			return refuse(k, v, "is too long", expected);
		}
		return 0;
	case WVL_CFG_RESERVED:
		return 0; /* set but unused: the apps warn (wvl_config_reserved_set) */
	}
	return wvl_err__set(WVL_EINTERNAL, NULL, "%s: unknown value type", k->key);
}
