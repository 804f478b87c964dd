/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email module's pure parts: the template engine, the MIME message
 * (header encoding, injection, quoted-printable), configuration checks,
 * and every template rendered from its data. */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "email/email.h"

static const char *partial_of(void *payload, const char *name)
{
	(void)payload;
	if (!strcmp(name, "greet"))
		return "Hi {{name}}!";
	if (!strcmp(name, "loop"))
		return "{{> loop}}";
	return NULL;
}

/* Renders `tmpl` with the JSON text `data`; NULL when it fails. */
static char *render(const char *tmpl, const char *data, bool html)
{
	json_t *d = data ? json_loads(data, 0, NULL) : NULL;
	struct wvl_tmpl_env env = {html, partial_of, NULL};
	struct wvl_buf b = WVL_BUF_INIT;
	int rc = wvl_tmpl__render(&b, tmpl, d, &env);
	json_decref(d);
	if (rc) {
		wvl_buf__free(&b);
		return NULL;
	}
	return wvl_buf__take(&b);
}

static void expect_render(const char *tmpl, const char *data, bool html, const char *want)
{
	char *got = render(tmpl, data, html);
	cr_assert_not_null(got, "%s: %s", tmpl, wvl_error_last()->message);
	cr_expect_str_eq(got, want, "%s", tmpl);
	free(got);
}

Test(template, variables_are_escaped_in_html_only)
{
	const char *d = "{\"name\":\"<b>&\\\"x'\",\"n\":3,\"f\":1.5,\"t\":true,\"z\":null}";
	expect_render("{{name}}", d, true, "&lt;b&gt;&amp;&quot;x&#39;");
	expect_render("{{name}}", d, false, "<b>&\"x'");
	expect_render("{{{name}}}|{{& name}}", d, true, "<b>&\"x'|<b>&\"x'");
	expect_render("{{n}} {{f}} {{t}} [{{z}}] [{{missing}}]", d, true, "3 1.5 true [] []");
	expect_render("{{ name }}", "{\"name\":\"spaced\"}", true, "spaced");
}

Test(template, sections_inverted_and_dotted_names)
{
	const char *d = "{\"items\":[{\"v\":1},{\"v\":2}],\"obj\":{\"a\":{\"b\":\"deep\"}},"
			"\"yes\":true,\"no\":false,\"empty\":[],\"blank\":\"\",\"top\":\"T\"}";
	expect_render("{{#items}}[{{v}}{{top}}]{{/items}}", d, true, "[1T][2T]");
	expect_render("{{#obj}}{{a.b}}{{/obj}}|{{obj.a.b}}", d, true, "deep|deep");
	expect_render("{{#yes}}y{{/yes}}{{#no}}n{{/no}}{{^no}}!n{{/no}}", d, true, "y!n");
	expect_render("{{^empty}}none{{/empty}}{{#empty}}x{{/empty}}{{^blank}}b{{/blank}}", d, true,
		      "noneb");
	expect_render("{{#items}}{{.}}{{/items}}", "{\"items\":[\"a\",\"b\"]}", true, "ab");
	expect_render("{{#s}}{{#s}}in{{/s}}{{/s}}", "{\"s\":true}", true, "in");
	expect_render("{{obj.nope.x}}|{{#obj.nope}}x{{/obj.nope}}", d, true, "|");
}

Test(template, standalone_lines_leave_no_blank_line)
{
	expect_render("a\n{{#t}}\nb\n{{/t}}\nc\n", "{\"t\":true}", false, "a\nb\nc\n");
	expect_render("a\n  {{! note }}\nc", NULL, false, "a\nc");
	expect_render("x {{#t}}y{{/t}} z\n", "{\"t\":true}", false, "x y z\n");
	expect_render("a\r\n{{^t}}\r\nb\r\n{{/t}}\r\n", "{\"t\":false}", false, "a\r\nb\r\n");
	expect_render("{{> greet}}", "{\"name\":\"<Ann>\"}", true, "Hi &lt;Ann&gt;!");
}

Test(template, malformed_templates_are_refused)
{
	const char *bad[] = {"{{name", "{{#s}}open", "{{/s}}", "{{> nope}}", "{{> loop}}",
			     "{{{name}}", NULL};
	for (int i = 0; bad[i]; i++) {
		char *got = render(bad[i], "{\"s\":true}", true);
		cr_expect_null(got, "%s rendered", bad[i]);
		free(got);
		cr_expect_eq(wvl_error_last()->code, WVL_EINTERNAL);
	}
	char deep[512] = "";
	for (int i = 0; i < 20; i++)
		strcat(deep, "{{#a}}");
	for (int i = 0; i < 20; i++)
		strcat(deep, "{{/a}}");
	char *got = render(deep, "{\"a\":{\"a\":1}}", true);
	cr_expect_null(got, "nesting is bounded");
	free(got);
}

/* ---- MIME ---- */

static char *header_of(const char *text, size_t used)
{
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_mime__header_text(&b, text, used);
	return wvl_buf__take(&b);
}

/* Joins the encoded words of a header value back into UTF-8. */
static char *decode_words(const char *v)
{
	char *out = calloc(1, strlen(v) + 1);
	size_t n = 0;
	for (const char *p = strstr(v, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
		p += 10;
		const char *e = strstr(p, "?=");
		size_t len = 0;
		cr_assert_eq(sodium_base642bin((unsigned char *)out + n, strlen(v), p, (size_t)(e - p),
					       NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		n += len;
		p = e + 2;
	}
	out[n] = '\0';
	return out;
}

Test(mime, headers_fold_encode_and_never_break_lines)
{
	char *h = header_of("Plain subject", 9);
	cr_expect_str_eq(h, "Plain subject");
	free(h);
	h = header_of("Evil\r\nBcc: victim@example.com", 9);
	cr_expect_null(strchr(h, '\r'));
	cr_expect_null(strchr(h, '\n'));
	free(h);
	const char *utf = "Überraschung: ünïcödé everywhere, 🚀 rockets and café au lait, twice "
			  "as long as a line may be: ünïcödé ünïcödé ünïcödé ünïcödé";
	h = header_of(utf, 9);
	/* Folded lines, each at most 76 columns, no line starting without a blank. */
	size_t col = 9;
	for (const char *p = h; *p; p++) {
		if (*p == '\r') {
			cr_assert_eq(p[1], '\n');
			cr_assert_eq(p[2], ' ', "a folded line starts with a blank");
			cr_expect_leq(col, 76);
			col = 0;
			p++;
			continue;
		}
		col++;
	}
	cr_expect_leq(col, 76);
	char *back = decode_words(h);
	cr_expect_str_eq(back, utf, "the words decode to the text, no character split");
	free(back);
	free(h);
	char *long_ascii = malloc(400);
	memset(long_ascii, 0, 400);
	for (int i = 0; i < 40; i++)
		strcat(long_ascii, "word0123 ");
	h = header_of(long_ascii, 9);
	cr_expect_not_null(strstr(h, "\r\n "), "long ASCII folds at blanks");
	free(h);
	free(long_ascii);
	h = header_of("looks like =?UTF-8?B?x?=", 9);
	cr_expect_not_null(strstr(h, "=?UTF-8?B?"), "text that reads as a word is encoded");
	free(h);
}

Test(mime, addresses_split_and_refuse_junk)
{
	char *name, *addr;
	cr_assert_eq(wvl_mime__split_address(&name, &addr, "WavelaunchOS <no-reply@w.test>"), 0);
	cr_expect_str_eq(name, "WavelaunchOS");
	cr_expect_str_eq(addr, "no-reply@w.test");
	free(name);
	free(addr);
	cr_assert_eq(wvl_mime__split_address(&name, &addr, "\"Quoted, Name\" <a@b.test>"), 0);
	cr_expect_str_eq(name, "Quoted, Name");
	free(name);
	free(addr);
	cr_assert_eq(wvl_mime__split_address(&name, &addr, "bare@b.test"), 0);
	cr_expect_str_eq(name, "");
	free(name);
	free(addr);
	const char *bad[] = {"no at sign", "x <a@b.test", "x <a@b.test> tail", "<a b@c.test>",
			     "<a@b.test\r\nBcc: c@d.test>", NULL};
	for (int i = 0; bad[i]; i++)
		cr_expect_eq(wvl_mime__split_address(&name, &addr, bad[i]), -1, "%s", bad[i]);
	cr_expect_eq(wvl_mime__split_address(&name, &addr, NULL), -1);
}

static struct wvl_email_msg sample(const char *to_name, const char *subject, const char *text)
{
	struct wvl_email_msg m;
	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "0b7e9a62-3c11-4d7e-9b0e-1f2a3b4c5d6e");
	snprintf(m.date, sizeof(m.date), "Thu, 15 Jan 2026 10:00:00 +0000");
	m.to_addr = strdup("ann@example.com");
	m.to_name = strdup(to_name);
	m.from_addr = strdup("no-reply@w.test");
	m.from_name = strdup("Wavelaunch Ö");
	m.subject = strdup(subject);
	m.text = strdup(text);
	m.html = strdup("<p>caf\xc3\xa9</p>");
	m.message_id = strdup("<0b7e9a62@w.test>");
	m.idempotency_key = strdup("k");
	return m;
}

Test(mime, message_is_multipart_crlf_and_short_lined)
{
	char longline[300];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	char text[600];
	snprintf(text, sizeof(text), "line one\n.starts with a dot\ntrailing blank \n%s\n= sign", longline);
	struct wvl_email_msg m = sample("Ann \"The\" <Admin>\r\nBcc: x@y.test", "Hello", text);
	m.list_unsubscribe = strdup("https://w.test/api/email/unsubscribe?token=abc");
	cr_assert_eq(wvl_mime__build(&m), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(strlen(m.mime), m.mime_len);
	const char *body = strstr(m.mime, "\r\n\r\n");
	cr_assert_not_null(body);
	/* Every line ends in CRLF and is short; headers carry no injected field. */
	for (const char *p = m.mime; *p;) {
		const char *e = strstr(p, "\r\n");
		cr_assert_not_null(e, "the message ends with CRLF");
		cr_expect_leq((size_t)(e - p), 78, "line too long: %.*s", (int)(e - p), p);
		cr_expect_null(memchr(p, '\n', (size_t)(e - p)), "a bare LF");
		if (p < body)
			cr_expect_neq(strncmp(p, "Bcc:", 4), 0, "no header was injected");
		p = e + 2;
	}
	cr_expect_not_null(strstr(m.mime, "To: \"Ann \\\"The\\\" <Admin>  Bcc: x@y.test\" <ann@example.com>"));
	cr_expect_not_null(strstr(m.mime, "From: =?UTF-8?B?"));
	cr_expect_not_null(strstr(m.mime, "List-Unsubscribe: <https://w.test/api/email/unsubscribe?token=abc>\r\n"
					  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	cr_expect_not_null(strstr(m.mime, "Content-Type: multipart/alternative;\r\n boundary=\"=_wvl_"));
	cr_expect_not_null(strstr(m.mime, "\r\n=2Estarts with a dot\r\n"), "a leading dot is encoded");
	cr_expect_not_null(strstr(m.mime, "trailing blank=20\r\n"), "a trailing blank is encoded");
	cr_expect_not_null(strstr(m.mime, "=3D sign"));
	cr_expect_not_null(strstr(m.mime, "caf=C3=A9"));
	cr_expect_not_null(strstr(m.mime, "Auto-Submitted: auto-generated"));
	wvl_email__msg_free(&m);
	struct wvl_email_msg t = sample("", "Hi", "x");
	cr_assert_eq(wvl_mime__build(&t), 0);
	cr_expect_not_null(strstr(t.mime, "To: <ann@example.com>"));
	cr_expect_null(strstr(t.mime, "List-Unsubscribe"), "transactional mail has none");
	wvl_email__msg_free(&t);
	struct wvl_email_msg bad = sample("", "Hi", "x");
	free(bad.to_addr);
	bad.to_addr = strdup("ann@example.com\r\nBcc: evil@example.com");
	cr_expect_eq(wvl_mime__build(&bad), WVL_EVALIDATION);
	wvl_email__msg_free(&bad);
}

/* ---- configuration ---- */

static wvl_config *config(const char *const *kv)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	for (int i = 0; kv && kv[i]; i += 2)
		cr_assert_eq(wvl_config_set(cfg, kv[i], kv[i + 1]), 0);
	return cfg;
}

static void expect_refused(const char *const *kv, const char *key)
{
	wvl_config *cfg = config(kv);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s accepted", key);
	cr_expect_not_null(strstr(wvl_error_last()->message, key), "%s not named: %s", key,
			   wvl_error_last()->message);
	wvl_config_free(cfg);
}

static void expect_accepted(const char *const *kv)
{
	wvl_config *cfg = config(kv);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}

Test(email_config, every_bad_value_is_refused_with_its_key)
{
	expect_accepted(NULL);
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "sendmail", NULL}, "WL_EMAIL_TRANSPORT");
	expect_refused((const char *[]){"WL_MAILBOX_DIR", "", NULL}, "WL_MAILBOX_DIR");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "smtp", NULL}, "WL_SMTP_URL");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "smtp", "WL_SMTP_URL", "http://x", NULL},
		       "WL_SMTP_URL");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "smtp", "WL_SMTP_URL",
					"smtp://host name", NULL}, "WL_SMTP_URL");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "smtp", "WL_SMTP_URL", "smtp://", NULL},
		       "WL_SMTP_URL");
	expect_accepted((const char *[]){"WL_EMAIL_TRANSPORT", "smtp", "WL_SMTP_URL",
					 "smtps://u:p@mail.example.com:465", NULL});
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "resend", NULL}, "WL_RESEND_API_KEY");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "resend", "WL_RESEND_API_KEY",
					"re_ key", NULL}, "WL_RESEND_API_KEY");
	expect_refused((const char *[]){"WL_EMAIL_TRANSPORT", "resend", "WL_RESEND_API_KEY", "re_x",
					"WL_RESEND_BASE_URL", "ftp://x", NULL}, "WL_RESEND_BASE_URL");
	expect_accepted((const char *[]){"WL_EMAIL_TRANSPORT", "resend", "WL_RESEND_API_KEY", "re_x",
					 "WL_RESEND_BASE_URL", "http://127.0.0.1:9", NULL});
	expect_refused((const char *[]){"WL_ENV", "production", "WL_SECRET_KEY",
					"q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU=", "WL_CLAMD",
					"unix:/x", "WL_EMAIL_TRANSPORT", "resend", "WL_RESEND_API_KEY",
					"re_x", "WL_RESEND_BASE_URL", "http://api.resend.test", NULL},
		       "WL_RESEND_BASE_URL");
	expect_refused((const char *[]){"WL_EMAIL_FROM", "not an address", NULL}, "WL_EMAIL_FROM");
	expect_refused((const char *[]){"WL_WEBHOOK_SECRET", "secret", NULL}, "WL_WEBHOOK_SECRET");
	expect_refused((const char *[]){"WL_WEBHOOK_SECRET", "whsec_c2hvcnQ=", NULL},
		       "WL_WEBHOOK_SECRET");
	expect_accepted((const char *[]){"WL_WEBHOOK_SECRET",
					 "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL});
	expect_refused((const char *[]){"WL_EMAIL_TIMEOUT", "0", NULL}, "WL_EMAIL_TIMEOUT");
}

/* ---- every template, from its data ---- */

Test(templates, each_renders_both_parts_from_one_data_set)
{
	const char *names[] = {"welcome", "portal_invite", "password_reset", "account_unlock",
			       "deliverable_ready", "milestone_reminder", "weekly_summary",
			       "ticket_created", "ticket_replied", "ticket_closed",
			       "token_budget_alert", "token_budget_threshold", NULL};
	const char *data =
		"{\"name\":\"Ann <&>\",\"client_name\":\"Nova\",\"token\":\"TOKEN123\","
		"\"valid_minutes\":60,\"milestone\":3,\"title\":\"Product development\","
		"\"due_date\":\"2026-03-01\",\"ready\":2,\"activity\":5,\"next\":{\"milestone\":4,"
		"\"title\":\"Content\",\"due_date\":\"2026-04-01\"},\"number\":42,"
		"\"ticket_subject\":\"Help <me>\",\"link\":\"/tickets/1\",\"spent\":\"12.00\","
		"\"budget\":\"5.00\",\"month\":\"2026-03\",\"inviter\":\"Bo\",\"app_name\":\"W\","
		"\"public_url\":\"https://w.test\",\"unsubscribe_url\":\"https://w.test/u?t=1\","
		"\"category_label\":\"reminder\",\"subject\":\"S\"}";
	for (int i = 0; names[i]; i++) {
		const struct wvl_email_template *t = wvl_email__template(names[i]);
		cr_assert_not_null(t, "%s", names[i]);
		char *subject = render(t->subject, data, false);
		cr_expect(subject && *subject && !strstr(subject, "{{"), "%s: subject", names[i]);
		free(subject);
		char *text = render(t->text, data, false), *html = render(t->html, data, true);
		cr_expect(text && html, "%s renders", names[i]);
		cr_expect(text && !strstr(text, "&lt;"), "%s: text is not escaped", names[i]);
		cr_expect(html && !strstr(html, "<&>") && !strstr(html, "<me>"),
			  "%s: HTML escapes what it is given", names[i]);
		free(text);
		free(html);
		cr_expect_eq(!t->category, !strcmp(names[i], "welcome") ||
						   !strcmp(names[i], "portal_invite") ||
						   !strcmp(names[i], "password_reset") ||
						   !strcmp(names[i], "account_unlock"),
			     "%s: transactional or not", names[i]);
	}
	cr_expect_null(wvl_email__template("nope"));
	cr_expect_null(wvl_email__template(NULL));
	char *layout = render(wvl_email__layout_text, data, false);
	cr_expect_null(layout, "the layout needs its body partial");
	free(layout);
}
