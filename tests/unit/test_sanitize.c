/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

#include "htmlcheck.h"
#include "xss_corpus.h"

/* ---- helpers ---- */

static char *sanitize_n(const char *html, size_t len)
{
	char *out = NULL;
	int rc = wvl_sanitize_html(&out, html, len);
	cr_assert_eq(rc, 0, "sanitising %.80s failed: %d %s", html, rc,
		     wvl_error_last()->message);
	cr_assert_not_null(out);
	return out;
}

static char *sanitize(const char *html)
{
	return sanitize_n(html, strlen(html));
}

/* The invariants every output must satisfy: safe when re-parsed, and a
 * fixed point of the sanitiser. */
static void expect_safe_and_stable(const char *input, const char *out)
{
	const char *why = htmlcheck_unsafe(out);
	cr_expect_null(why, "input %s\noutput %s\nis unsafe: %s", input, out, why);
	char *again = sanitize(out);
	cr_expect_str_eq(again, out, "not idempotent for input %s", input);
	wvl_free(again);
}

static void expect_sanitized(const char *input, const char *want)
{
	char *out = sanitize(input);
	cr_expect_str_eq(out, want, "input %s", input);
	expect_safe_and_stable(input, out);
	wvl_free(out);
}

static char *render(const char *md)
{
	char *out = NULL;
	int rc = wvl_sanitize_markdown(&out, md, strlen(md));
	cr_assert_eq(rc, 0, "rendering failed: %d %s", rc, wvl_error_last()->message);
	expect_safe_and_stable(md, out);
	return out;
}

static char *repeat(const char *unit, size_t total)
{
	size_t n = strlen(unit), len = 0;
	char *s = malloc(total + 1);
	cr_assert_not_null(s);
	while (len + n <= total) {
		memcpy(s + len, unit, n);
		len += n;
	}
	s[len] = '\0';
	return s;
}

/* ---- the XSS corpus (tests/common/xss_corpus.c): every output must
 * re-parse without executable content. ---- */

Test(sanitize, xss_corpus_outputs_nothing_executable)
{
	size_t n = xss_vectors_count;
	for (size_t i = 0; i < n; i++) {
		char *out = sanitize(xss_vectors[i]);
		expect_safe_and_stable(xss_vectors[i], out);
		cr_expect_null(strstr(out, "alert(1)<"), "script body leaked markup for %s: %s",
			       xss_vectors[i], out);
		wvl_free(out);
	}
	cr_log_info("%zu XSS vectors checked", n);
}

Test(sanitize, every_spelling_of_a_bad_scheme_loses_the_href)
{
	static const char *const hrefs[] = {
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
		"jav&#x09;ascript:alert(1)", "jav&#9;ascript:alert(1)", "&#106;avascript:alert(1)",
		"&#0000106avascript:alert(1)", "&#x6A&#x61vascript:alert(1)",
		"javascript&colon;alert(1)", "java\nscript:alert(1)", "\x01javascript:alert(1)",
		"vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
		"data:image/png;base64,AAAA", "file:///etc/passwd", "about:blank",
		"/relative/path", "relative", "//evil.example/", "https:evil.example", "",
		"   ", "mailto:", "https://"};
	for (size_t i = 0; i < sizeof(hrefs) / sizeof(hrefs[0]); i++) {
		char in[256];
		snprintf(in, sizeof(in), "<a href=\"%s\">x</a>", hrefs[i]);
		expect_sanitized(in, "<a>x</a>");
	}
}

Test(sanitize, good_urls_survive_cleaned)
{
	expect_sanitized("<a href=\"  https://example.com/a?b=1&amp;c=2#d  \">x</a>",
			 "<a href=\"https://example.com/a?b=1&amp;c=2#d\" "
			 "rel=\"noopener noreferrer nofollow\">x</a>");
	expect_sanitized("<a href=\"HTTP://EXAMPLE.COM/\">x</a>",
			 "<a href=\"HTTP://EXAMPLE.COM/\" rel=\"noopener noreferrer nofollow\">x</a>");
	expect_sanitized("<a href=\"mailto:team@example.com\">mail</a>",
			 "<a href=\"mailto:team@example.com\" "
			 "rel=\"noopener noreferrer nofollow\">mail</a>");
	expect_sanitized("<a href=\"#section-2\">jump</a>",
			 "<a href=\"#section-2\" rel=\"noopener noreferrer nofollow\">jump</a>");
	expect_sanitized("<a href=\"https://exa\nmple.com/\">x</a>",
			 "<a href=\"https://example.com/\" rel=\"noopener noreferrer nofollow\">x</a>");
}

Test(sanitize, images_need_an_http_source)
{
	expect_sanitized("<p><img src=\"https://cdn.example.com/a.png\" alt=\"A\" title=\"T\" "
			 "width=\"640\" height=\"480\" onerror=\"alert(1)\" class=\"x\"></p>",
			 "<p><img src=\"https://cdn.example.com/a.png\" alt=\"A\" title=\"T\" "
			 "width=\"640\" height=\"480\"></p>");
	expect_sanitized("<p>a<img src=\"x.png\">b<img src=\"#x\">c<img alt=\"no src\">d</p>",
			 "<p>abcd</p>");
	expect_sanitized("<img src=\"mailto:a@b\"><img src=\"data:image/png;base64,AA\">", "");
	expect_sanitized("<img src=\"http://a/b.png\" width=\"50%\" height=\"1e3\">",
			 "<img src=\"http://a/b.png\">");
}

Test(sanitize, links_get_rel_and_lose_everything_else)
{
	expect_sanitized("<a href=\"https://x.example\" target=\"_blank\" rel=\"opener\" "
			 "id=\"i\" class=\"c\" style=\"color:red\" title=\"Go\" download>go</a>",
			 "<a href=\"https://x.example\" title=\"Go\" "
			 "rel=\"noopener noreferrer nofollow\">go</a>");
	expect_sanitized("<a name=\"anchor\">here</a>", "<a>here</a>");
}

Test(sanitize, dangerous_elements_go_with_their_content)
{
	expect_sanitized("a<script>alert(1)</script>b", "ab");
	expect_sanitized("a<style>p{}</style>b", "ab");
	expect_sanitized("a<svg><text>svg text</text></svg>b", "ab");
	expect_sanitized("a<math><mi>x</mi></math>b", "ab");
	expect_sanitized("a<form><p>field</p></form>b", "ab");
	expect_sanitized("a<textarea>t</textarea>b", "ab");
	expect_sanitized("a<select><option>o</option></select>b", "ab");
	expect_sanitized("a<template><p>t</p></template>b", "ab");
	expect_sanitized("a<noscript><p>n</p></noscript>b", "ab");
	expect_sanitized("a<iframe src=\"https://x\">i</iframe>b", "ab");
	expect_sanitized("a<object data=\"x\"><p>fallback</p></object>b", "ab");
	expect_sanitized("a<title>t</title><meta charset=utf-8><base href=\"https://x/\">b", "ab");
	expect_sanitized("a<!-- comment -->b", "ab");
}

Test(sanitize, unknown_elements_are_unwrapped)
{
	expect_sanitized("<section><article><p>x</p></article></section>", "<p>x</p>");
	expect_sanitized("<p><font color=\"red\">red</font> <my-widget a=1>w</my-widget></p>",
			 "<p>red w</p>");
	expect_sanitized("<p><mark>m</mark><small>s</small><kbd>k</kbd></p>", "<p>msk</p>");
	expect_sanitized("<center><h2>t</h2></center>", "<h2>t</h2>");
}

Test(sanitize, only_language_classes_on_code)
{
	expect_sanitized("<pre><code class=\"language-c\">int x;</code></pre>",
			 "<pre><code class=\"language-c\">int x;</code></pre>");
	expect_sanitized("<code class=\"language-c btn-danger\">x</code>", "<code>x</code>");
	expect_sanitized("<code class=\"modal\">x</code><p class=\"language-c\">y</p>",
			 "<code>x</code><p>y</p>");
}

Test(sanitize, text_is_escaped_and_round_trips)
{
	expect_sanitized("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 \"q\" 'a'</p>",
			 "<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 \"q\" 'a'</p>");
	expect_sanitized("a < b > c & d", "a &lt; b &gt; c &amp; d");
	expect_sanitized("<p title=\"a &quot;b&quot; <c>\">x</p>", "<p>x</p>");
	expect_sanitized("<a href=\"https://x\" title=\"a &quot;b&quot; <c> &amp;\">x</a>",
			 "<a href=\"https://x\" title=\"a &quot;b&quot; &lt;c&gt; &amp;\" "
			 "rel=\"noopener noreferrer nofollow\">x</a>");
	expect_sanitized("caf\xc3\xa9 &nbsp;&eacute;&#x1F600;", "caf\xc3\xa9 \xc2\xa0\xc3\xa9\xf0\x9f\x98\x80");
}

Test(sanitize, pre_keeps_its_leading_newline)
{
	expect_sanitized("<pre>\n\nline</pre>", "<pre>\n\nline</pre>");
	expect_sanitized("<pre>\nline</pre>", "<pre>line</pre>");
}

/* Editor-produced documents, written the way the sanitiser writes them:
 * they must come through byte for byte. */
static const char *const editor_docs[] = {
	"<h1>Brand strategy</h1><h2>Positioning</h2><h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6>"
	"<p>Our <strong>creator</strong> is <em>unique</em>, <b>bold</b>, <i>calm</i>, <u>u</u>, "
	"<s>old</s>, <del>gone</del>, H<sub>2</sub>O, x<sup>2</sup>.</p>",
	"<ul><li>One</li><li>Two<ul><li>Nested</li></ul></li></ul>"
	"<ol start=\"3\"><li>Three</li><li>Four</li></ol>",
	"<p>See <a href=\"https://example.com/plan?id=1&amp;v=2\" title=\"Plan\" "
	"rel=\"noopener noreferrer nofollow\">the plan</a> or "
	"<a href=\"mailto:team@example.com\" rel=\"noopener noreferrer nofollow\">mail us</a>."
	"<br>Second line.</p><hr><blockquote><p>Quoted.</p></blockquote>",
	"<table><caption>Revenue</caption><thead><tr><th>Month</th><th align=\"right\">Fee</th>"
	"</tr></thead><tbody><tr><td>M1</td><td align=\"right\">1,000</td></tr><tr>"
	"<td colspan=\"2\">Total</td></tr></tbody><tfoot><tr><td rowspan=\"1\">x</td></tr>"
	"</tfoot></table>",
	"<pre><code class=\"language-python\">def f(x):\n    return x &lt; 2\n</code></pre>"
	"<p>Inline <code>wvl_free()</code>.</p>",
	"<p><img src=\"https://cdn.example.com/logo.png\" alt=\"Logo\" title=\"Our logo\" "
	"width=\"120\" height=\"40\"></p><div><span>plain</span> <div>nested div</div></div>",
	"<p>Line one</p>\n<p>Line two</p>\n",
};

Test(sanitize, editor_markup_comes_through_unchanged)
{
	for (size_t i = 0; i < sizeof(editor_docs) / sizeof(editor_docs[0]); i++)
		expect_sanitized(editor_docs[i], editor_docs[i]);
}

Test(sanitize, sloppy_markup_is_normalised)
{
	expect_sanitized("<P>One<P>Two", "<p>One</p><p>Two</p>");
	expect_sanitized("<ul><li>a<li>b</ul>", "<ul><li>a</li><li>b</li></ul>");
	expect_sanitized("<table><tr><td>x</table>",
			 "<table><tbody><tr><td>x</td></tr></tbody></table>");
	expect_sanitized("<b>bold <i>both</b> italic</i>", "<b>bold <i>both</i></b><i> italic</i>");
	expect_sanitized("<p>a<section><p>b</p></section>", "<p>a</p><p>b</p>");
}

Test(sanitize, empty_and_odd_bytes)
{
	char *out = sanitize_n(NULL, 0);
	cr_expect_str_eq(out, "");
	wvl_free(out);
	out = sanitize_n("a\0b<b\0>c</b>", 12);
	cr_expect_str_eq(out, "abc"); /* NUL is dropped; <b\0> is an unknown element */
	wvl_free(out);
	out = sanitize("\xff\xfe<p>\xc3</p>");
	cr_expect_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd<p>\xef\xbf\xbd</p>");
	wvl_free(out);
}

Test(sanitize, rejects_bad_arguments)
{
	char *out = (char *)"untouched";
	cr_expect_eq(wvl_sanitize_html(NULL, "x", 1), WVL_EINVAL);
	cr_expect_eq(wvl_sanitize_html(&out, NULL, 1), WVL_EINVAL);
	cr_expect_eq(wvl_sanitize_markdown(NULL, "x", 1), WVL_EINVAL);
	cr_expect_eq(wvl_sanitize_markdown(&out, NULL, 1), WVL_EINVAL);
}

Test(sanitize, input_over_the_cap_is_too_large)
{
	char *big = repeat("a", WVL_SANITIZE_MAX_INPUT + 1);
	char *out = NULL;
	cr_expect_eq(wvl_sanitize_html(&out, big, WVL_SANITIZE_MAX_INPUT + 1), WVL_ETOOLARGE);
	cr_expect_null(out);
	cr_expect_eq(wvl_sanitize_markdown(&out, big, WVL_SANITIZE_MAX_INPUT + 1), WVL_ETOOLARGE);
	free(big);
}

/* gumbo itself has no depth limit: these inputs used to take minutes
 * ("<div>") or overflow the stack ("<b>") inside gumbo. */
Test(sanitize, deep_nesting_is_refused_quickly)
{
	static const char *const units[] = {"<div>", "<b>", "<b><div></b>",
					    "<div><!--</div>-->", "<span><li></span>",
					    "<svg><g>", "<a><div></a>",
					    "<textarea></textarea><div>"};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		char *deep = repeat(units[i], WVL_SANITIZE_MAX_INPUT);
		char *out = NULL;
		clock_t t0 = clock();
		int rc = wvl_sanitize_html(&out, deep, strlen(deep));
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		cr_expect_eq(rc, WVL_ETOOLARGE, "%s repeated: %d", units[i], rc);
		cr_expect_str_eq(wvl_error_last()->slug, "too_deep");
		cr_expect_lt(secs, 2.0, "%s repeated took %.2fs", units[i], secs);
		wvl_free(out);
		free(deep);
	}
}

Test(sanitize, moderate_nesting_is_kept)
{
	char *open = repeat("<div>", 5 * 200), *close = repeat("</div>", 6 * 200);
	size_t len = strlen(open) + 1 + strlen(close);
	char *doc = malloc(len + 1);
	snprintf(doc, len + 1, "%sx%s", open, close);
	expect_sanitized(doc, doc);
	free(open);
	free(close);
	free(doc);
}

Test(sanitize, a_large_flat_document_is_fine)
{
	char *doc = repeat("<p>Lorem <b>ipsum</b> dolor.</p>", WVL_SANITIZE_MAX_INPUT);
	char *out = sanitize(doc);
	/* Not cr_expect_str_eq: Criterion's --full-stats chokes on 1 MiB operands. */
	cr_expect(strcmp(out, doc) == 0, "a 1 MiB editor document changed");
	wvl_free(out);
	free(doc);
}

/* ---- markdown ---- */

Test(markdown, gfm_tables_render)
{
	char *out = render("| Month | Fee |\n|:------|----:|\n| M1 | 1,000 |\n");
	cr_expect_str_eq(out, "<table>\n<thead>\n<tr>\n<th align=\"left\">Month</th>\n"
			      "<th align=\"right\">Fee</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
			      "<td align=\"left\">M1</td>\n<td align=\"right\">1,000</td>\n"
			      "</tr>\n</tbody>\n</table>\n");
	wvl_free(out);
}

Test(markdown, strikethrough_autolinks_and_tasks_render)
{
	char *out = render("~~old~~ and www.example.com and https://x.example/a\n");
	cr_expect_str_eq(out, "<p><del>old</del> and <a href=\"http://www.example.com\" "
			      "rel=\"noopener noreferrer nofollow\">www.example.com</a> and "
			      "<a href=\"https://x.example/a\" rel=\"noopener noreferrer "
			      "nofollow\">https://x.example/a</a></p>\n");
	wvl_free(out);
	out = render("- [ ] todo\n- [x] done\n");
	cr_expect_str_eq(out, "<ul>\n<li> \u2610 todo</li>\n<li> \u2611 done</li>\n</ul>\n");
	wvl_free(out);
}

Test(markdown, headings_lists_code_and_images_render)
{
	char *out = render("# Plan\n\n1. one\n2. two\n\n```c\nint x;\n```\n\n"
			   "![logo](https://cdn.example.com/l.png \"Logo\")\n");
	cr_expect_str_eq(out, "<h1>Plan</h1>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"
			      "<pre><code class=\"language-c\">int x;\n</code></pre>\n"
			      "<p><img src=\"https://cdn.example.com/l.png\" alt=\"logo\" "
			      "title=\"Logo\"></p>\n");
	wvl_free(out);
}

Test(markdown, raw_html_is_sanitised)
{
	static const char *const mds[] = {
		"<script>alert(1)</script>\n",
		"hello <img src=x onerror=alert(1)> world\n",
		"<div onclick=\"alert(1)\">\n\n*x*\n\n</div>\n",
		"<svg><p><style><img src=x onerror=alert(1)>\n",
		"<iframe src=\"javascript:alert(1)\"></iframe>\n",
		"<a href=\"javascript:alert(1)\">x</a>\n",
	};
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		char *out = render(mds[i]);
		cr_expect_null(strstr(out, "onerror"), "%s", out);
		cr_expect_null(strstr(out, "<script"), "%s", out);
		cr_expect_null(strstr(out, "javascript"), "%s", out);
		wvl_free(out);
	}
}

Test(markdown, javascript_links_are_neutralised)
{
	static const char *const mds[] = {
		"[x](javascript:alert(1))\n",
		"[x](JaVaScRiPt:alert(1))\n",
		"[x](&#106;avascript:alert(1))\n",
		"[x](java&#x09;script:alert(1))\n",
		"[x](<javascript:alert(1)>)\n",
		"[x][r]\n\n[r]: javascript:alert(1)\n",
		"<javascript:alert(1)>\n",
		"[x](data:text/html;base64,PHNjcmlwdD4=)\n",
		"[x](vbscript:msgbox)\n",
		"![x](javascript:alert(1))\n",
	};
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		char *out = render(mds[i]);
		cr_expect_null(strstr(out, "href"), "%s -> %s", mds[i], out);
		cr_expect_null(strstr(out, "src="), "%s -> %s", mds[i], out);
		wvl_free(out);
	}
}

Test(markdown, deep_quotes_are_refused)
{
	char *deep = repeat(">", 100000);
	char *out = NULL;
	cr_expect_eq(wvl_sanitize_markdown(&out, deep, strlen(deep)), WVL_ETOOLARGE);
	free(deep);
}
