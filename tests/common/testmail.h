/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTMAIL_H
#define WL_TESTMAIL_H

/* Reading the mail the tests' services received: Python's email package
 * (tests/common/mime_parse.py) parses a message file, and these helpers
 * read its answer. */

#include <jansson.h>
#include <wavelaunch.h>

/* Sets `cfg` to send email by `transport`: "smtp" through the test's SMTP
 * sink as user `tag` (its messages land under that user), "resend" to the
 * loopback Resend API with `tag` as the key, anything else (mailbox) as
 * given. */
void test_mail_transport(wvl_config *cfg, const char *transport, const char *tag);

/* Signs an email provider's webhook as Resend (Svix) does: "v1," and the
 * base64 HMAC-SHA256 of "ID.TS.BODY" under the secret (`secret_b64`: the
 * base64 after "whsec_"), into `sig` (at least 50 bytes). */
void test_webhook_sign(char *sig, size_t siglen, const char *secret_b64, const char *id,
		       const char *ts, const char *body);

/* The parse of a message file: headers (decoded), content_type, parts
 * (type, charset, text), defects, bare_lf, ends_crlf, longest_line. */
json_t *test_mime_parse(const char *path);
/* The first value of a header (lower-case name), or NULL. */
const char *test_mime_header(json_t *mime, const char *name);
/* The decoded text of the first part of `type`, or NULL. */
const char *test_mime_part(json_t *mime, const char *type);
/* The n-th part with Content-Disposition attachment (0 first), or NULL:
 * an object with type, filename, name_param, sha256, size, base64. */
json_t *test_mime_attachment(json_t *mime, size_t index);
/* The .eml files the SMTP sink holds for AUTH user `user`, into names. */
int test_smtp_sink_files(char names[][300], int max, const char *user);
/* The mailbox transport's file of email `id` (malloc'd path). */
char *test_mailbox_file(const wvl_ctx *ctx, const char *id);
/* The [A-Za-z0-9_-] token after `marker` in `text` (malloc'd), or NULL. */
char *test_link_token(const char *text, const char *marker);

#endif
