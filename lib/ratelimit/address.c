/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Client addresses: which hop of X-Forwarded-For to believe, and the key a
 * request is counted under.  Everything here reads attacker-controlled
 * text, so each parser is bounded and rejects rather than guesses. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit_int.h"

/* No real proxy chain is this long; a header that claims one is forged or
 * misconfigured, and we stop at the nearest trusted hop. */
#define MAX_HOPS 32
#define ADDR_TEXT_MAX 63

int wvl_ratelimit__addr_parse(struct wvl_rl_addr *out, const char *s, size_t len)
{
	char buf[ADDR_TEXT_MAX + 1];
	if (len == 0 || len > ADDR_TEXT_MAX || memchr(s, '\0', len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->b) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->b) != 1)
		return -1;
	out->family = 6;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; one client
	 * must get one key whichever way it arrived. */
	if (memcmp(out->b, mapped, sizeof(mapped)) == 0) {
		memmove(out->b, out->b + 12, 4);
		memset(out->b + 4, 0, 12);
		out->family = 4;
	}
	return 0;
}

void wvl_ratelimit__addr_format(char *out, size_t outlen, const struct wvl_rl_addr *a)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, (socklen_t)outlen))
		snprintf(out, outlen, "%s", "");
}

static const char *trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

static int parse_net(struct wvl_rl_net *out, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	if (wvl_ratelimit__addr_parse(&out->addr, s, alen))
		return -1;
	bool written_v6 = memchr(s, ':', alen) != NULL;
	unsigned max = written_v6 ? 128 : 32;
	unsigned prefix = max;
	if (slash) {
		char num[4];
		size_t nlen = len - alen - 1;
		if (nlen == 0 || nlen > 3)
			return -1;
		memcpy(num, slash + 1, nlen);
		num[nlen] = '\0';
		char *end = NULL;
		unsigned long n = strtoul(num, &end, 10);
		if (*end || num[0] < '0' || num[0] > '9' || n > max)
			return -1;
		prefix = (unsigned)n;
	}
	if (written_v6 && out->addr.family == 4) {
		/* ::ffff:10.0.0.0/104 is 10.0.0.0/8 once mapped addresses are IPv4. */
		if (prefix < 96)
			return -1;
		prefix -= 96;
	}
	out->prefix = prefix;
	return 0;
}

int wvl_ratelimit__nets_parse(struct wvl_rl_net **out, size_t *n, const char *list)
{
	*out = NULL;
	*n = 0;
	if (!list || !*list)
		return 0;
	size_t cap = 1;
	for (const char *p = list; *p; p++)
		cap += *p == ',';
	struct wvl_rl_net *nets = calloc(cap, sizeof(*nets));
	if (!nets)
		return -1;
	size_t count = 0;
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		const char *item = trim(p, &len);
		if (len && parse_net(&nets[count++], item, len)) {
			free(nets);
			return -1;
		}
		p += strcspn(p, ",");
		if (!*p++)
			break;
	}
	*out = nets;
	*n = count;
	return 0;
}

static bool net_contains(const struct wvl_rl_net *net, const struct wvl_rl_addr *a)
{
	if (net->addr.family != a->family)
		return false;
	unsigned full = net->prefix / 8, bits = net->prefix % 8;
	if (memcmp(net->addr.b, a->b, full) != 0)
		return false;
	if (!bits)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - bits));
	return (net->addr.b[full] & mask) == (a->b[full] & mask);
}

static bool trusted(const struct wvl_ratelimit_state *st, const struct wvl_rl_addr *a)
{
	for (size_t i = 0; i < st->nproxies; i++)
		if (net_contains(&st->proxies[i], a))
			return true;
	return false;
}

/* One X-Forwarded-For entry: "addr", "v4:port", "[v6]" or "[v6]:port" (some
 * proxies append ports). */
static int parse_hop(struct wvl_rl_addr *out, const char *s, size_t len)
{
	s = trim(s, &len);
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return -1;
		size_t rest = len - (size_t)(close - s) - 1;
		if (rest && (close[1] != ':' || rest < 2 || rest > 6 ||
			     strspn(close + 2, "0123456789") < rest - 1))
			return -1;
		return wvl_ratelimit__addr_parse(out, s + 1, (size_t)(close - s) - 1);
	}
	const char *colon = memchr(s, ':', len);
	if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
		size_t port = len - (size_t)(colon - s) - 1;
		if (port == 0 || port > 5 || strspn(colon + 1, "0123456789") < port)
			return -1;
		len = (size_t)(colon - s);
	}
	return wvl_ratelimit__addr_parse(out, s, len);
}

/* Walks X-Forwarded-For from the right while the hop that wrote the entry is
 * trusted; `cur` starts as the socket peer and ends as the client. */
static void walk_forwarded(struct wvl_rl_addr *cur, const struct wvl_ratelimit_state *st,
			   const char *xff)
{
	const char *end = xff + strlen(xff);
	for (int hop = 0; hop < MAX_HOPS && end > xff && trusted(st, cur); hop++) {
		const char *comma = memrchr(xff, ',', (size_t)(end - xff));
		const char *start = comma ? comma + 1 : xff;
		struct wvl_rl_addr a;
		if (parse_hop(&a, start, (size_t)(end - start)))
			return;
		*cur = a;
		end = comma ? comma : xff;
	}
}

int wvl_ratelimit_client_ip(char *out, size_t outlen, wvl_ctx *ctx, const char *socket_ip,
			    const char *x_forwarded_for)
{
	if (!out || !ctx || !socket_ip || outlen < WVL_RATELIMIT_IP_MAX)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "out (of WVL_RATELIMIT_IP_MAX bytes), ctx and socket_ip are required");
	out[0] = '\0';
	struct wvl_rl_addr cur;
	if (wvl_ratelimit__addr_parse(&cur, socket_ip, strlen(socket_ip)))
		return wvl_err__set(WVL_EINVAL, NULL, "socket_ip is not an IP address");
	struct wvl_ratelimit_state *st = wvl_ratelimit__state(ctx);
	if (!st)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (x_forwarded_for)
		walk_forwarded(&cur, st, x_forwarded_for);
	wvl_ratelimit__addr_format(out, outlen, &cur);
	return 0;
}

int wvl_ratelimit_key(char *out, size_t outlen, wvl_ratelimit_policy policy,
		      const wvl_actor *actor, const char *client_ip)
{
	WVL_ACTOR_GUARD(actor);
	if (!out || !client_ip || outlen < WVL_RATELIMIT_KEY_MAX ||
	    policy <= WVL_RATELIMIT_NONE || policy > WVL_RATELIMIT_READ)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "out (of WVL_RATELIMIT_KEY_MAX bytes), a policy and client_ip "
				    "are required");
	out[0] = '\0';
	struct wvl_rl_addr a;
	if (wvl_ratelimit__addr_parse(&a, client_ip, strlen(client_ip)))
		return wvl_err__set(WVL_EINVAL, NULL, "client_ip is not an IP address");
	bool per_user = policy == WVL_RATELIMIT_WRITE || policy == WVL_RATELIMIT_READ;
	if (per_user && actor && actor->user_id[0]) {
		snprintf(out, outlen, "user:%.36s", actor->user_id);
		return 0;
	}
	char text[INET6_ADDRSTRLEN];
	if (a.family == 6)
		memset(a.b + 8, 0, 8);
	wvl_ratelimit__addr_format(text, sizeof(text), &a);
	snprintf(out, outlen, a.family == 4 ? "ip:%s" : "ip6:%s/64", text);
	return 0;
}

int wvl_ratelimit_trusted_proxy(const wvl_ctx *ctx, const char *ip)
{
	struct wvl_rl_addr a;
	const struct wvl_ratelimit_state *st = ctx ? wvl_ratelimit__state(ctx) : NULL;
	return st && ip && wvl_ratelimit__addr_parse(&a, ip, strlen(ip)) == 0 && trusted(st, &a);
}
