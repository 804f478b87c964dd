/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

#include "htmlcheck.h"

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

/* ---- the XSS corpus: the classes of the OWASP XSS filter evasion cheat
 * sheet, plus mutation-XSS vectors from the DOMPurify and browser bug
 * trackers.  Every output must re-parse without executable content. ---- */

static const char *const xss_vectors[] = {
	/* plain script, script with odd tokenisation */
	"<script>alert(1)</script>",
	"<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
	"<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT/SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
	"<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
	"<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
	"<SCRIPT SRC=//xss.rocks/.j>",
	"<script>alert(1)",
	"</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
	"<SCRIPT a=\">\" SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT =\">\" SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT a=\">\" '' SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT \"a='>'\" SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT a=`>` SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<SCRIPT>document.write(\"<SCRI\");</SCRIPT>PT SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	"<script><!--<script></script><img src=x onerror=alert(1)>--></script>",
	"<script type=module>import('//evil')</script>",
	/* javascript: in image and link URLs, every spelling */
	"<IMG SRC=\"javascript:alert('XSS');\">",
	"<IMG SRC=javascript:alert('XSS')>",
	"<IMG SRC=JaVaScRiPt:alert('XSS')>",
	"<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
	"<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
	"<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
	"<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
	"<a href=\"JaVaScRiPt:alert(1)\">x</a>",
	"<a href=\" javascript:alert(1)\">x</a>",
	"<a href=\"javascript&colon;alert(1)\">x</a>",
	"<a href=\"javascript&#58;alert(1)\">x</a>",
	"<a href=\"java&Tab;script:alert(1)\">x</a>",
	"<a href=\"java&NewLine;script:alert(1)\">x</a>",
	/* entity-encoded schemes: decimal, padded, no semicolons, hex */
	"<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
	"&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
	"<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
	"&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040"
	"&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
	"<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65"
	"&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
	"<a href=\"&#106;avascript:alert(1)\">x</a>",
	"<a href=\"&#x6A;avascript:alert(1)\">x</a>",
	"<a href=\"&#X6a;&#X61;vascript:alert(1)\">x</a>",
	"<a href=\"&#0000106avascript:alert(1)\">x</a>",
	"<a href=\"&#x0000006A;avascript:alert(1)\">x</a>",
	"<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114"
	"&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
	"&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
	/* tabs, newlines, carriage returns and controls inside the scheme */
	"<IMG SRC=\"jav\tascript:alert('XSS');\">",
	"<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
	"<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
	"<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
	"<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
	"<a href=\"&#1;javascript:alert(1)\">x</a>",
	"<a href=\"jav&#x00;ascript:alert(1)\">x</a>",
	"<a href=\"\x01javascript:alert(1)\">x</a>",
	"<a href=\"java\nscript:alert(1)\">x</a>",
	"<a href=\"javascript\t:alert(1)\">x</a>",
	/* non-alphanumeric tokenisation tricks */
	"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
	"<IMG SRC=\"`<javascript:alert>`('XSS')\"",
	"<iframe src=http://xss.rocks/scriptlet.html <",
	"<IMG SRC=\"javascript:alert('XSS')\"",
	"<a href=\"javascript:alert(1)\"",
	"<img/src=x/onerror=alert(1)>",
	"<img\nsrc=x\nonerror=alert(1)>",
	"<img src=x onerror\x0c=alert(1)>",
	/* nested and mis-nested tags */
	"<scr<script>ipt>alert(1)</scr</script>ipt>",
	"<<script>script>alert(1)<</script>/script>",
	"<b><script>alert(1)</b></script>",
	"<div><p><a href=\"javascript:x\"><table><tr><td><a href=\"javascript:y\">z",
	"<a href=\"https://ok.example\"><a href=\"javascript:alert(1)\">x</a></a>",
	"<p><b><i><u>x</b></i></u></p><script>alert(1)</script>",
	"<table><script>alert(1)</script><tr><td>x</td></tr></table>",
	"<table><a href=javascript:alert(1)>x</a><tr><td>y</td></tr></table>",
	/* attribute breakouts: quotes, backticks, unquoted values */
	"<a title=\"x\" onclick=\"alert(1)\">x</a>",
	"<a title='x' onclick=alert(1)>x</a>",
	"<a title=x onclick=alert(1)>x</a>",
	"<img alt=\"x\" src=\"http://a/ \"onerror=alert(1)>",
	"<img src=`x` onerror=`alert(1)`>",
	"<a title=\"&quot; onclick=&quot;alert(1)\">x</a>",
	"<a title=\"&#34; onclick=&#34;alert(1)\">x</a>",
	"<a href=\"https://x/&quot;onmouseover=alert(1)//\">x</a>",
	"<img src=\"https://x/a.png\" alt=\"x\"\"onerror=alert(1)>",
	"<a title=\"</a><script>alert(1)</script>\">x</a>",
	"<img src=\"https://x/a.png\" alt=\"<img src=x onerror=alert(1)>\">",
	"<p title=\"x\" `onclick`=alert(1)>x</p>",
	/* event handlers in every form */
	"<body onload=alert(1)>",
	"<div ONCLICK=alert(1)>x</div>",
	"<div onclick\t=alert(1)>x</div>",
	"<div/onclick=alert(1)>x</div>",
	"<div onclick=\"alert(1)\"onmouseover=alert(2)>x</div>",
	"<details open ontoggle=alert(1)>x</details>",
	"<video><source onerror=alert(1)></video>",
	"<input autofocus onfocus=alert(1)>",
	"<marquee onstart=alert(1)>x</marquee>",
	"<body onpageshow=alert(1)>",
	"<div onpointerover=alert(1)>x</div>",
	"<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
	"<IMG SRC=# onmouseover=\"alert('xxs')\">",
	"<IMG SRC= onmouseover=\"alert('xxs')\">",
	"<IMG onmouseover=\"alert('xxs')\">",
	"<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
	"<img src=x onerror=alert(1)>",
	"<img src=\"https://ok.example/a.png\" onload=alert(1)>",
	/* SVG and MathML */
	"<svg/onload=alert(1)>",
	"<svg><script>alert(1)</script></svg>",
	"<svg><a xlink:href=\"javascript:alert(1)\"><text x=20 y=20>x</text></a></svg>",
	"<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
	"<svg><set attributeName=href to=javascript:alert(1)>",
	"<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
	"<image href='1' onerror='alert(1)' /></svg>#x\"></use></svg>",
	"<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
	"<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
	"<svg><title><img src=x onerror=alert(1)></title></svg>",
	"<svg><style><img src=x onerror=alert(1)></style></svg>",
	"<math href=\"javascript:alert(1)\">CLICK</math>",
	"<math><maction actiontype=\"statusline#http://x\" xlink:href=\"javascript:alert(1)\">"
	"CLICK</maction></math>",
	"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"<math><mi><mglyph><svg><mtext><style><img src=x onerror=alert(1)>",
	"<math><style><img src=x onerror=alert(1)></style></math>",
	/* data:, vbscript: and other schemes */
	"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
	"<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
	"<IMG SRC='vbscript:msgbox(\"XSS\")'>",
	"<a href=\"VBSCRIPT:x\">x</a>",
	"<a href=\"livescript:x\">x</a>",
	"<IMG SRC=\"mocha:[code]\">",
	"<a href=\"file:///etc/passwd\">x</a>",
	"<a href=\"//evil.example/x\">x</a>",
	"<a href=\"/\\evil.example\">x</a>",
	"<a href=\"https:evil.example\">x</a>",
	"<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
	"<img src=\"http://x/\" srcset=\"javascript:alert(1)\">",
	"<a href=\"https://x\" ping=\"javascript:x\">x</a>",
	"<IMG DYNSRC=\"javascript:alert('XSS')\">",
	"<IMG LOWSRC=\"javascript:alert('XSS')\">",
	"<BGSOUND SRC=\"javascript:alert('XSS');\">",
	"<BR SIZE=\"&{alert('XSS')}\">",
	"<blockquote cite=\"javascript:alert(1)\">x</blockquote>",
	/* CSS */
	"<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
	"<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
	"<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
	"<span style=\"background:url(&#106;avascript:alert(1))\">x</span>",
	"<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
	"<STYLE>BODY{-moz-binding:url(\"http://xss.rocks/xssmoz.xml#xss\")}</STYLE>",
	"<XSS STYLE=\"behavior: url(xss.htc);\">",
	"<STYLE TYPE=\"text/javascript\">alert('XSS');</STYLE>",
	"<STYLE>.XSS{background-image:url(\"javascript:alert('XSS')\");}</STYLE><A CLASS=XSS></A>",
	"<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TR><TD BACKGROUND=\"javascript:alert(1)\">x",
	"<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
	/* base, meta, link */
	"<BASE HREF=\"javascript:alert('XSS');//\">",
	"<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
	"<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,"
	"PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
	"<META HTTP-EQUIV=\"Set-Cookie\" Content=\"USERID=<SCRIPT>alert('XSS')</SCRIPT>\">",
	"<LINK REL=\"stylesheet\" HREF=\"http://xss.rocks/xss.css\">",
	/* frames, objects, forms */
	"<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
	"<IFRAME SRC=# onmouseover=\"alert(document.cookie)\"></IFRAME>",
	"<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
	"<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
	"<object data=javascript:alert(1)>",
	"<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3Jn\""
	" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
	"<form action=javascript:alert(1)><button>x</button></form>",
	"<button formaction=javascript:alert(1)>x</button>",
	"<input type=image src=javascript:alert(1)>",
	"<isindex action=javascript:alert(1) type=image>",
	"<LAYER SRC=\"http://xss.rocks/scriptlet.html\"></LAYER>",
	"<XML ID=\"xss\"><I><B><IMG SRC=\"javas<!-- -->cript:alert('XSS')\"></B></I></XML>",
	"<HTML><BODY><?xml:namespace prefix=\"t\" ns=\"urn:schemas-microsoft-com:time\">"
	"<?import namespace=\"t\" implementation=\"#default#time2\"><t:set attributeName="
	"\"innerHTML\" to=\"XSS<SCRIPT DEFER>alert(&quot;XSS&quot;)</SCRIPT>\"></BODY></HTML>",
	/* mutation XSS: content that re-parses differently in another context */
	"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
	"<svg><p><style><img src=x onerror=alert(1)>",
	"<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
	"<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
	"<textarea><img src=x onerror=alert(1)></textarea>",
	"<textarea></textarea><img src=x onerror=alert(1)>",
	"<title><img src=x onerror=alert(1)></title>",
	"<xmp><img src=x onerror=alert(1)></xmp>",
	"<iframe><img src=x onerror=alert(1)></iframe>",
	"<template><img src=x onerror=alert(1)></template>",
	"<noembed><img src=x onerror=alert(1)></noembed>",
	"<noframes><img src=x onerror=alert(1)></noframes>",
	"<style><img src=x onerror=alert(1)></style>",
	"<plaintext><img src=x onerror=alert(1)>",
	"<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
	"<select><template><style><img src=x onerror=alert(1)>",
	"<select><iframe></select><img src=x onerror=alert(1)>",
	"<a href=\"javascript:alert(1)\"><svg><desc><a>x",
	"<img src=\"x` `<script>alert(1)</script>\"` `>",
	"<!--<img src=\"--><img src=x onerror=alert(1)//\">",
	"<!-- --!><img src=x onerror=alert(1)> -->",
	"<![CDATA[><img src=x onerror=alert(1)>]]>",
	"<?xml-stylesheet href=\"javascript:alert(1)\"?>",
	"<!DOCTYPE html><img src=x onerror=alert(1)>",
	"<div id=\"x\" class=\"modal\">x</div>",
	"<a href=\"https://ok.example\" target=\"_blank\" rel=\"opener\">x</a>",
	"<img src=\"https://ok.example/a.png\" width=\"100%\" height=\"10 onload=alert(1)\">",
};

Test(sanitize, xss_corpus_outputs_nothing_executable)
{
	size_t n = sizeof(xss_vectors) / sizeof(xss_vectors[0]);
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

/* Each "<table><i>x<td>" nests four deep in gumbo's tree (table, tbody,
 * tr, td: the <i> is foster parented, then cleared by the cell).  The
 * pre-scan counted three (no implied tbody and tr above the <i>), so 150
 * of them (601 deep) passed the limit of 512; it counts five now. */
Test(sanitize, table_parts_count_towards_the_depth_limit)
{
	char *ok = repeat("<table><i>x<td>", 15 * 100), *deep = repeat("<table><i>x<td>", 15 * 150);
	char *out = NULL;
	cr_expect_eq(wvl_sanitize_html(&out, ok, strlen(ok)), 0, "100 levels: %s",
		     wvl_error_last()->message);
	wvl_free(out);
	out = NULL;
	cr_expect_eq(wvl_sanitize_html(&out, deep, strlen(deep)), WVL_ETOOLARGE);
	cr_expect_str_eq(wvl_error_last()->slug, "too_deep");
	cr_expect_null(out);
	free(ok);
	free(deep);
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
