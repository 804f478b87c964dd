/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Small helpers shared by every module: strings, time, uuids, roles. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

char *wvl_str__dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *wvl_str__printf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (p)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void wvl_time__rfc3339(char *buf, size_t len, int64_t usec)
{
	time_t secs = (time_t)(usec / 1000000);
	long frac = (long)(usec % 1000000);
	if (frac < 0) {
		frac += 1000000;
		secs -= 1;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ldZ", base, frac);
}

int wvl_uuid_valid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

const char *wvl_role_name(wvl_role role)
{
	switch (role) {
	case WVL_ROLE_CLIENT: return "client";
	case WVL_ROLE_STAFF: return "staff";
	case WVL_ROLE_ADMIN: return "admin";
	case WVL_ROLE_SYSTEM: return "system";
	case WVL_ROLE_ANONYMOUS: break;
	}
	return "anonymous";
}

int wvl_version__check(unsigned int version, unsigned int known, const char *type,
		       const char *init)
{
	if (version >= 1 && version <= known)
		return 0;
	return wvl_err__set(WVL_EINVAL, NULL,
			    "%s version %u is not one this library knows (1 to %u): set it with %s",
			    type, version, known, init);
}

int wvl_actor__check(const wvl_actor *a)
{
	return a ? wvl_version__check(a->version, WVL_ACTOR_VERSION, "wvl_actor",
				      "WVL_ACTOR_INIT")
		 : 0;
}

bool wvl_actor__is_team(const wvl_actor *a)
{
	return a && a->version == WVL_ACTOR_VERSION &&
	       (a->role == WVL_ROLE_ADMIN || a->role == WVL_ROLE_STAFF ||
		a->role == WVL_ROLE_SYSTEM);
}

int wvl_actor__need_team(const wvl_actor *a)
{
	int rc = wvl_actor__check(a);
	if (rc)
		return rc;
	if (!a || a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	return wvl_actor__is_team(a) ? 0
				     : wvl_err__set(WVL_EFORBIDDEN, NULL, "only the team may do this");
}

int wvl_err__not_found(void) { return wvl_err__set(WVL_ENOTFOUND, NULL, "not found"); }

/* Email addresses are a value type like uuids: users, clients, invites
 * and the lockout all compare them in this one normal form. */
int wvl_email_normalize(char *out, size_t outlen, const char *email)
{
	if (!out || outlen == 0 || !email)
		return wvl_err__set(WVL_EINVAL, NULL, "email is required");
	while (*email == ' ' || *email == '\t')
		email++;
	size_t n = strlen(email);
	while (n && (email[n - 1] == ' ' || email[n - 1] == '\t'))
		n--;
	if (n < 3 || n > 254 || n >= outlen)
		return wvl_err__set(WVL_EINVAL, NULL, "email must be 3 to 254 characters");
	int ats = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)email[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return wvl_err__set(WVL_EINVAL, NULL, "email contains characters that are not allowed");
		ats += c == '@';
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	const char *at = strchr(out, '@');
	if (ats != 1 || at == out || !at[1] || !strchr(at, '.') || at[1] == '.' ||
	    out[n - 1] == '.')
		return wvl_err__set(WVL_EINVAL, NULL, "email must look like name@example.com");
	return 0;
}
