/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the client address behind proxies: wvl_ratelimit_client_ip,
 * which reads X-Forwarded-For (every such header joined with ',', as
 * http.c does), and the rate-limit key made from its answer.
 *
 * Input: the socket peer's address text, '\n', the joined header.  The
 * context trusts 10.0.0.0/8, 192.168.1.1, 2001:db8::/32 and
 * ::ffff:172.16.0.0/108 (fuzz.c).  For every input: no crash or sanitizer
 * report, and the answer is the reference's, written here from the
 * header's documentation: a peer that is not an address is refused; the
 * header counts only while the hop that wrote it is trusted; entries are
 * read from the right ("addr", "v4:port", "[v6]", "[v6]:port", blanks and
 * tabs around them), at most 32; a malformed entry stops the walk at the
 * nearest trusted hop; IPv4-mapped IPv6 is written as IPv4.  The answer
 * is canonical text, and its rate-limit key is "ip:<v4>" or
 * "ip6:<the /64>/64".
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

struct addr {
	int family; /* 4 or 6 */
	unsigned char b[16];
};

static bool parse_addr(struct addr *a, const char *s, size_t len)
{
	char buf[64];
	if (len == 0 || len > 63 || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->b) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a->b) != 1)
		return false;
	a->family = 6;
	static const unsigned char v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	if (!memcmp(a->b, v4mapped, 12)) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = 4;
	}
	return true;
}

static void format_addr(char *out, size_t len, const struct addr *a)
{
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, (socklen_t)len);
}

static bool in_net(const struct addr *a, int family, const char *net, unsigned prefix)
{
	unsigned char n[16];
	if (a->family != family || inet_pton(family == 4 ? AF_INET : AF_INET6, net, n) != 1)
		return false;
	for (unsigned bit = 0; bit < prefix; bit++)
		if ((a->b[bit / 8] ^ n[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool trusted(const struct addr *a)
{
	return in_net(a, 4, "10.0.0.0", 8) || in_net(a, 4, "192.168.1.1", 32) ||
	       in_net(a, 6, "2001:db8::", 32) || in_net(a, 4, "172.16.0.0", 12);
}

static bool digits(const char *s, size_t n) { return n >= 1 && n <= 5 && strspn(s, "0123456789") >= n; }

/* One entry: "addr", "v4:port", "[v6]" or "[v6]:port", trimmed. */
static bool parse_hop(struct addr *a, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return false;
		size_t rest = len - (size_t)(close + 1 - s);
		if (rest && (close[1] != ':' || !digits(close + 2, rest - 1)))
			return false;
		return parse_addr(a, s + 1, (size_t)(close - s - 1));
	}
	size_t colons = 0;
	for (size_t i = 0; i < len; i++)
		colons += s[i] == ':';
	if (colons == 1) {
		size_t at = (size_t)((const char *)memchr(s, ':', len) - s);
		if (!digits(s + at + 1, len - at - 1))
			return false;
		len = at;
	}
	return parse_addr(a, s, len);
}

/* The reference: false when the peer is no address. */
static bool ref_client(char *out, size_t outlen, const char *peer, const char *xff)
{
	struct addr cur;
	if (!parse_addr(&cur, peer, strlen(peer)))
		return false;
	size_t end = xff ? strlen(xff) : 0;
	for (int hop = 0; hop < 32 && end > 0 && trusted(&cur); hop++) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		struct addr a;
		if (!parse_hop(&a, xff + start, end - start))
			break;
		cur = a;
		end = start ? start - 1 : 0;
	}
	format_addr(out, outlen, &cur);
	return true;
}

static void check_key(const char *ip)
{
	char key[WVL_RATELIMIT_KEY_MAX], want[80];
	struct addr a;
	FUZZ_CHECK(parse_addr(&a, ip, strlen(ip)), "xff: answer \"%s\" is no address", ip);
	if (a.family == 6)
		memset(a.b + 8, 0, 8);
	char text[64];
	format_addr(text, sizeof(text), &a);
	snprintf(want, sizeof(want), a.family == 4 ? "ip:%s" : "ip6:%s/64", text);
	int rc = wvl_ratelimit_key(key, sizeof(key), WVL_RATELIMIT_LOGIN, NULL, ip);
	FUZZ_CHECK(rc == 0 && !strcmp(key, want), "xff: key of %s is \"%s\", want \"%s\"", ip,
		   rc ? "(refused)" : key, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct fuzz_in in = {data, size};
	bool has_header = size && memchr(data, '\n', size);
	char *peer = fuzz_until(&in, '\n', NULL);
	char *xff = fuzz_rest(&in, NULL);
	const char *header = has_header ? xff : NULL; /* no line: no header at all */
	char got[WVL_RATELIMIT_IP_MAX], want[64];
	int rc = wvl_ratelimit_client_ip(got, sizeof(got), fuzz_ctx(), peer, header);
	if (!ref_client(want, sizeof(want), peer, header)) {
		FUZZ_CHECK(rc == WVL_EINVAL, "xff: peer \"%s\" is no address, yet %d", peer, rc);
	} else {
		FUZZ_CHECK(rc == 0, "xff: refused peer %s: %s", peer, wvl_error_last()->message);
		FUZZ_CHECK(!strcmp(got, want), "xff: %s with \"%.200s\" gave %s, want %s", peer,
			   header ? header : "(none)", got, want);
		check_key(got);
		struct addr p;
		parse_addr(&p, peer, strlen(peer));
		FUZZ_CHECK(wvl_ratelimit_trusted_proxy(fuzz_ctx(), peer) == trusted(&p),
			   "xff: %s trusted disagrees", peer);
	}
	free(peer);
	free(xff);
	return 0;
}
