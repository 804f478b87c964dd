/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_EMAIL_INTERNAL_H
#define WVL_EMAIL_INTERNAL_H

/* Internal to libwavelaunch: the email module's pieces and its entry
 * points for other modules.  Never installed.
 *
 * The life of an email: a module queues it in its own transaction
 * (wvl_email__enqueue_tx: an email_log row 'queued' and an email_send job),
 * or queues a request job ({"template":...}) that the worker expands into
 * such rows for the template's recipients.  The worker renders the row's
 * template with its data into one RFC 5322 message (deterministic: the
 * same row gives the same bytes on every attempt), checks the suppression
 * list and the recipient's preferences, and hands the message to the
 * configured transport. */

#include <curl/curl.h>
#include <jansson.h>

#include "../core/buf.h"
#include "../core/pg.h"
#include "wavelaunch/email.h"
#include "wavelaunch/worker.h"

/* ---- templates (template.c: the engine; templates.c: the messages) ---- */

struct wvl_tmpl_env {
	bool html; /* {{name}} is HTML-escaped */
	/* The text of partial `name`, or NULL when there is none. */
	const char *(*partial)(void *payload, const char *name);
	void *payload;
};

/* Renders `tmpl` with `data` (an object, may be NULL) onto `out`.
 * WVL_EINTERNAL for a malformed template (the message says what). */
int wvl_tmpl__render(struct wvl_buf *out, const char *tmpl, json_t *data,
		     const struct wvl_tmpl_env *env);
/* & < > " ' as HTML entities. */
void wvl_tmpl__escape_html(struct wvl_buf *b, const char *s, size_t n);

/* The longest WL_EMAIL_LINK_TTL: 30 days. */
#define WVL_EMAIL_LINK_TTL_MAX 2592000

struct wvl_email_template {
	const char *name;
	const char *category; /* a preference category; NULL: transactional */
	const char *subject;  /* text mode */
	const char *text;     /* the plain-text body (inside the text layout) */
	const char *html;     /* the HTML body (inside the HTML layout) */
	/* For a request job ({"template": name, ...}): a statement over $1
	 * (the job's args, jsonb) returning the recipients as (user_id,
	 * email, name, client_id, data) with data a JSON object of the
	 * template's variables.  NULL: the template is only queued directly. */
	const char *recipients_sql;
	/* For a request: work done once before its recipients are found,
	 * outside any transaction (the deliverable's PDF).  Returns the args
	 * to use instead of the job's (malloc'd), or NULL to keep them, with
	 * `why` saying what was left out (the mail goes without it). */
	char *(*prepare)(char *why, size_t why_len, wvl_ctx *ctx, const char *args_json);
};

/* The template called `name`, or NULL. */
const struct wvl_email_template *wvl_email__template(const char *name);
/* The layouts every message shares: {{> body}} is the template's body. */
extern const char wvl_email__layout_text[];
extern const char wvl_email__layout_html[];

/* ---- the message (render.c, mime.c, attach.c) ---- */

/* A file a message carries (attach.c loads it from the files module). */
struct wvl_email_attachment {
	char file_id[37];
	char *filename;     /* as stored (sanitised by the files module); mime.c encodes it */
	char *content_type; /* type/subtype, checked; application/octet-stream otherwise */
	unsigned char *data;
	size_t len;
};

/* At most this many files per email (migration 0023's check). */
#define WVL_EMAIL_MAX_ATTACHMENTS 10

struct wvl_email_msg {
	char id[37];           /* the email_log row */
	char *to_addr;         /* envelope and To address */
	char *to_name;         /* display name, as stored (sanitised in headers) */
	char *from_addr;       /* envelope sender, from WL_EMAIL_FROM */
	char *from_name;       /* its display name ("" for none) */
	char *subject;         /* decoded UTF-8, one line */
	char *text, *html;     /* the two bodies */
	char *message_id;      /* "<id@domain>" */
	char *list_unsubscribe;/* HTTPS URL for List-Unsubscribe, or NULL (transactional) */
	char *idempotency_key; /* what the provider de-duplicates on */
	char date[64];         /* RFC 5322 date of the row's creation */
	char *mime;            /* the whole message, CRLF line ends */
	size_t mime_len;
	struct wvl_email_attachment *att; /* the files it carries, in order */
	size_t natt;
};

/* What a message is made of: an email_log row's columns. */
struct wvl_email_fields {
	const char *id, *to, *name, *template_name, *category, *data_json, *user_id;
	const char *key;  /* the idempotency key in force */
	const char *date; /* RFC 5322 date of the row's creation */
	int64_t created_s; /* the row's creation, seconds since the epoch (the
			    * unsubscribe link's 90 days count from it, so every
			    * attempt renders the same bytes) */
	/* The row's attachments with their files' state, as the sender's
	 * query gives them: [{"id","name","content_type","size","key","scan",
	 * "deleted"}] (name NULL: no such file); NULL or "[]" for none. */
	const char *attachments_json;
};

/* Renders the row's template into `m` (zeroed first; free it with
 * wvl_email__msg_free whatever the result).  WVL_EVALIDATION when the row
 * cannot make a message (no such template, a sealed value that cannot be
 * opened, a bad address): retrying would not help. */
int wvl_email__render(struct wvl_email_msg *m, wvl_ctx *ctx, const struct wvl_email_fields *f);

/* Loads the files `attachments_json` (wvl_email_fields) lists into
 * m->att.  A file that was deleted, is gone from storage, is infected or
 * takes the message over WL_EMAIL_ATTACHMENTS_MAX_BYTES is WVL_EVALIDATION
 * (never sent: retrying would not help); one not scanned yet (pending, or
 * the scanner failed) is WVL_EUNAVAILABLE (tried again later).  The message
 * names the file and why. */
int wvl_email__attach_load(struct wvl_email_msg *m, wvl_ctx *ctx, const char *attachments_json);
/* The base64 size of `n` bytes (what Resend's limit counts). */
uint64_t wvl_email__b64_size(uint64_t n);
/* WL_EMAIL_ATTACHMENTS_MAX_BYTES: the most base64 bytes of attachments
 * one email may carry. */
uint64_t wvl_email__attachments_max(const wvl_ctx *ctx);

/* Frees what a message holds (not the struct).  Accepts a zeroed one. */
void wvl_email__msg_free(struct wvl_email_msg *m);

/* The RFC 5322 message of `m`'s fields into m->mime: multipart/alternative
 * (text then HTML, quoted-printable), RFC 2047 encoded words for non-ASCII
 * header text, line breaks in user data turned into spaces.  With
 * attachments, a multipart/mixed of that alternative and one base64 part
 * per file (Content-Disposition: attachment, the name RFC 2231-encoded
 * when it is not plain ASCII). */
int wvl_mime__build(struct wvl_email_msg *m);
/* Parses "Name <addr>" or "addr" into its parts (malloc'd); -1 when the
 * address is missing or malformed. */
int wvl_mime__split_address(char **name, char **addr, const char *from);
/* Appends `text` as the value of a header whose name (and ": ") took
 * `used` columns: ASCII folded at blanks, anything else as RFC 2047
 * encoded words of at most 75 characters, never splitting a UTF-8
 * sequence.  CR and LF are replaced by spaces first. */
void wvl_mime__header_text(struct wvl_buf *b, const char *text, size_t used);

/* ---- transports (transport_*.c) ----
 * send: 0 with the provider's id in `provider_id`; WVL_EUNAVAILABLE for a
 * temporary failure (retried); any other code is permanent.  The thread's
 * error message says why (never the message's content). */
struct wvl_email_transport {
	const char *name;
	int (*send)(char *provider_id, size_t id_len, wvl_ctx *ctx,
		    const struct wvl_email_msg *m);
};
extern const struct wvl_email_transport wvl_email__mailbox;
extern const struct wvl_email_transport wvl_email__smtp;
extern const struct wvl_email_transport wvl_email__resend;
/* The transport WL_EMAIL_TRANSPORT names (validated at start-up). */
const struct wvl_email_transport *wvl_email__transport(const wvl_ctx *ctx);
/* What every libcurl transfer of a transport sets: WL_EMAIL_TIMEOUT, no
 * signals, only the protocols `protocols` ("smtp,smtps"), no redirects. */
void wvl_email__curl_defaults(CURL *h, const wvl_ctx *ctx, const char *protocols);
/* A transfer's outcome as a transport's result: CURLE_OK is 0; transport
 * faults (connection, timeout) are temporary, `what` names the service. */
int wvl_email__curl_failed(CURLcode rc, const char *what);

/* ---- queueing (enqueue.c) ---- */

/* Attempts of one send in total (the seed plan's rule). */
#define WVL_EMAIL_ATTEMPTS 3

struct wvl_email_req {
	const char *template_name;
	const char *user_id;   /* recipient user: address and name from users */
	const char *to;        /* or an address (normalised) and name */
	const char *name;
	const char *client_id; /* may be NULL */
	const char *data_json; /* the template's variables; NULL: {} */
	const char *key;       /* idempotency key; NULL: one is made */
	int64_t run_at;        /* not before (0: now) */
	/* Files (ids) the email carries, in order: at most
	 * WVL_EMAIL_MAX_ATTACHMENTS, each visible to the caller's actor and
	 * not deleted, together within WL_EMAIL_ATTACHMENTS_MAX_BYTES. */
	const char *const *attachments;
	size_t nattachments;
};

/* Writes the email_log row ('queued') and its email_send job inside the
 * caller's transaction on `c` (as the system, restoring the caller's
 * actor).  Attachments that break req's rules are WVL_EINVAL
 * "validation_failed" on the field "attachments", naming the file or the
 * limit.  `out_id` (37 bytes, may be NULL) receives the row's id, "" when
 * a user recipient is inactive or missing (then nothing is queued).  A
 * failure leaves the transaction aborted. */
int wvl_email__enqueue_tx(char *out_id, wvl_ctx *ctx, PGconn *c, const struct wvl_email_req *req);

/* The email_send job of the queued row `email_id`, in the transaction on
 * `c` (unique per row while it lives). */
int wvl_email__enqueue_send(wvl_ctx *ctx, PGconn *c, const char *email_id,
			    const char *client_id, int64_t run_at);

/* ---- the log (log.c) ---- */

/* The log entry `id` as JSON, read in the transaction on `c`. */
int wvl_email__get_tx(char **out, wvl_ctx *ctx, PGconn *c, const char *id);

/* ---- the worker (jobs.c) ---- */

/* email_send: {"email_id":"..."} sends one queued email; {"template":...}
 * expands a request into queued emails for its recipients. */
int wvl_email__job_send(char **out_error, wvl_worker_task *run, void *payload);

/* ---- unsubscribe links (unsubscribe.c) ---- */

/* A signed token (URL-safe base64) saying that `user_id`
 * no longer wants `category` mail; valid until `expires_us`.  `out` gets 77 characters and a NUL. */
int wvl_email__unsubscribe_token(char out[96], const wvl_ctx *ctx, const char *user_id,
				 const char *category, int64_t expires_us);

/* ---- the module (module.c) ---- */

extern const struct wvl_module wvl_email__module;
extern const struct wvl_config_keyset wvl_email__keys;
/* WL_PUBLIC_URL without a trailing slash. */
void wvl_email__public_url(char *out, size_t len, const wvl_ctx *ctx);

#endif
