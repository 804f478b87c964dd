/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_SANITIZE_H
#define WAVELAUNCH_SANITIZE_H

/*
 * Rich text: an allow-list HTML sanitiser and a markdown renderer whose
 * output goes through it.  Every rich-text field is sanitised on write.
 *
 * What survives wvl_sanitize_html:
 *  - elements p, br, h1-h6, ul, ol (start), li, strong, b, em, i, u, s, del,
 *    sub, sup, blockquote, code, pre, hr, span, div, table, caption, thead,
 *    tbody, tfoot, tr, th and td (colspan, rowspan, align=left|center|right),
 *    a (href, title; rel="noopener noreferrer nofollow" is always added),
 *    img (src, alt, title, width, height; dropped without a valid src);
 *    code keeps class="language-xxx" (the only class kept: highlighters
 *    key on it; any other class could hook into the application's own CSS
 *    or scripts);
 *  - URLs: href may be an absolute http:, https: or mailto: URL or a
 *    fragment ("#top"); src only http: or https:.  Relative URLs are
 *    dropped: the same text is shown in the portal, in emails and in PDFs,
 *    where a relative link would point somewhere else in each.  Schemes are
 *    checked after entity decoding, removal of whitespace and control
 *    characters, and case folding.
 *
 * What goes: script, style, iframe, frame(set), object, embed, applet, form
 * and its controls, svg, math, template, noscript, base, meta, link, title
 * and the like are removed with their content; every other element is
 * unwrapped (its content kept); comments, and every attribute not listed
 * above (on*, style, id, class, ...) are dropped.
 *
 * The output is well-formed UTF-8 HTML for use inside a <div>, and stable:
 * sanitising it again gives the same bytes.
 *
 * Thread-safety: both functions may be called from any thread.
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest input both functions accept, in bytes (1 MiB). */
#define WVL_SANITIZE_MAX_INPUT ((size_t)1 << 20)

/**
 * Sanitises `len` bytes of HTML (not NUL-terminated; NUL bytes allowed;
 * invalid UTF-8 becomes U+FFFD) into `*out_html`, a NUL-terminated string
 * the caller owns and releases with wvl_free() (NULL on failure).  `html`
 * may be NULL when `len` is 0.
 *
 * Returns 0; WVL_EINVAL for a NULL argument or for markup that does not
 * settle into a stable form (never seen in practice); WVL_ETOOLARGE when
 * the input is over WVL_SANITIZE_MAX_INPUT or nests deeper than 512
 * elements; WVL_EINTERNAL when out of memory.
 */
WVL_EXTERN int wvl_sanitize_html(char **out_html, const char *html, size_t len)
	WVL_WARN_UNUSED;

/**
 * Renders GitHub-flavoured markdown (tables, strikethrough, autolinks,
 * task lists) to sanitised HTML in `*out_html`, a string the caller owns
 * and releases with wvl_free().  `markdown` may be NULL when `len` is 0.
 * Raw HTML in the markdown is not passed through, and the rendered HTML
 * then goes through wvl_sanitize_html, so the result obeys the rules above.
 * Task-list items start with U+2610 or U+2611 instead of a checkbox.
 *
 * Returns 0; WVL_EINVAL for a NULL argument (or, as for
 * wvl_sanitize_html, rendered markup that does not settle); WVL_ETOOLARGE
 * when the markdown is over WVL_SANITIZE_MAX_INPUT, renders to more than
 * 8 MiB of HTML, or nests deeper than 512 elements;
 * WVL_EINTERNAL when out of memory.  On failure *out_html is NULL.
 */
WVL_EXTERN int wvl_sanitize_markdown(char **out_html, const char *markdown, size_t len)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
