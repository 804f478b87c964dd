/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* From an email_log row to the message: the template rendered with the
 * row's data (secrets unsealed), the common variables, the unsubscribe
 * links, and the RFC 5322 bytes.  Nothing here depends on when it runs, so
 * every attempt of a send produces the same message. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../files/files_internal.h"
#include "email.h"

#define SUBJECT_MAX 200 /* bytes; a ticket's subject can be long */
#define UNSUBSCRIBE_DAYS 90

static const char *const category_labels[][2] = {
	{"deliverables", "deliverable"},
	{"reminders", "reminder"},
	{"tickets", "support ticket"},
	{"updates", "account update"},
};

static const char *label_of(const char *category)
{
	for (size_t i = 0; i < sizeof(category_labels) / sizeof(category_labels[0]); i++)
		if (!strcmp(category_labels[i][0], category))
			return category_labels[i][1];
	return category;
}

/* Members "x_sealed" become "x", opened; false when one cannot be. */
static bool unseal_all(const wvl_ctx *ctx, json_t *data)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(data, tmp, key, v) {
		size_t n = strlen(key);
		if (n <= 7 || strcmp(key + n - 7, "_sealed") != 0)
			continue;
		char *plain = json_is_string(v) ? wvl_keys__unseal(ctx, json_string_value(v)) : NULL;
		if (!plain)
			return false;
		char *plain_key = strndup(key, n - 7);
		if (plain_key)
			json_object_set_new(data, plain_key, json_string(plain));
		free(plain_key);
		free(plain);
		json_object_del(data, key);
	}
	return true;
}

struct partials {
	const char *body;
};

static const char *partial_of(void *payload, const char *name)
{
	return !strcmp(name, "body") ? ((struct partials *)payload)->body : NULL;
}

static char *render_part(const char *layout, const char *body, json_t *data, bool html)
{
	struct partials p = {body};
	struct wvl_tmpl_env env = {html, partial_of, &p};
	struct wvl_buf b = WVL_BUF_INIT;
	if (wvl_tmpl__render(&b, layout, data, &env) != 0) {
		wvl_buf__free(&b);
		return NULL;
	}
	return wvl_buf__take(&b);
}

/* The subject on one line, cut to SUBJECT_MAX bytes on a character. */
static char *render_subject(const struct wvl_email_template *t, json_t *data)
{
	struct wvl_tmpl_env env = {false, NULL, NULL};
	struct wvl_buf b = WVL_BUF_INIT;
	if (wvl_tmpl__render(&b, t->subject, data, &env) != 0) {
		wvl_buf__free(&b);
		return NULL;
	}
	char *s = wvl_buf__take(&b);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n > SUBJECT_MAX) {
		n = SUBJECT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return s;
}

/* The two unsubscribe links of a non-transactional mail to a user: the
 * page in the web UI for the body, the API for RFC 8058's one-click POST. */
static int unsubscribe_links(struct wvl_email_msg *m, json_t *data, wvl_ctx *ctx,
			     const struct wvl_email_fields *f, const char *base)
{
	char token[96];
	int64_t exp = (f->created_s + (int64_t)UNSUBSCRIBE_DAYS * 86400) * 1000000;
	int rc = wvl_email__unsubscribe_token(token, ctx, f->user_id, f->category, exp);
	if (rc)
		return rc;
	char *page = wvl_str__printf("%s/unsubscribe?token=%s", base, token);
	m->list_unsubscribe = wvl_str__printf("%s/api/email/unsubscribe?token=%s", base, token);
	if (!page || !m->list_unsubscribe) {
		free(page);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	json_object_set_new(data, "unsubscribe_url", json_string(page));
	json_object_set_new(data, "category_label", json_string(label_of(f->category)));
	free(page);
	return 0;
}

/* A file the data names ("download_file_id", e.g. the ready deliverable's
 * PDF) becomes "download_url", a signed link that works until the mail's
 * creation plus WL_EMAIL_LINK_TTL, and "download_until", that day.  Both
 * come from the row, so every attempt signs the same link. */
static int download_link(json_t *data, const wvl_ctx *ctx, const struct wvl_email_fields *f)
{
	char file_id[37] = "";
	const char *v = json_string_value(json_object_get(data, "download_file_id"));
	if (v && strlen(v) < sizeof(file_id))
		snprintf(file_id, sizeof(file_id), "%s", v);
	json_object_del(data, "download_file_id");
	if (!wvl_uuid_valid(file_id))
		return 0;
	long long ttl = (long long)wvl_config__uint(ctx->cfg, "WL_EMAIL_LINK_TTL", 604800,
						    WVL_EMAIL_LINK_TTL_MAX + 1);
	long long expires = (long long)f->created_s + ttl;
	char *url = NULL;
	int rc = wvl_files__signed_url(&url, ctx, file_id, expires);
	if (rc)
		return rc;
	char until[40];
	wvl_time__rfc3339(until, sizeof(until), (int64_t)expires * 1000000);
	until[10] = '\0'; /* the day, UTC */
	json_object_set_new(data, "download_url", json_string(url));
	json_object_set_new(data, "download_until", json_string(until));
	free(url);
	return 0;
}

static int sender(struct wvl_email_msg *m, const wvl_ctx *ctx)
{
	if (wvl_mime__split_address(&m->from_name, &m->from_addr,
				    wvl_config_get(ctx->cfg, "WL_EMAIL_FROM")) != 0)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_EMAIL_FROM is not a valid address");
	m->message_id = wvl_str__printf("<%s@%s>", m->id, strchr(m->from_addr, '@') + 1);
	return m->message_id ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* The variables of `data` every template has. */
static void common(json_t *data, const struct wvl_email_msg *m, const struct wvl_email_fields *f,
		   const char *base)
{
	json_object_set_new(data, "name", json_string(f->name ? f->name : ""));
	json_object_set_new(data, "email", json_string(f->to));
	json_object_set_new(data, "app_name", json_string(*m->from_name ? m->from_name
									  : "WavelaunchOS"));
	json_object_set_new(data, "public_url", json_string(base));
}

static int render_with(struct wvl_email_msg *m, wvl_ctx *ctx, const struct wvl_email_fields *f,
		       const struct wvl_email_template *t, json_t *data)
{
	char base[512];
	wvl_email__public_url(base, sizeof(base), ctx);
	if (!unseal_all(ctx, data))
		return wvl_err__set(WVL_EVALIDATION, NULL,
				    "a sealed value cannot be opened (was WL_SECRET_KEY changed?)");
	int rc = sender(m, ctx);
	if (rc)
		return rc;
	common(data, m, f, base);
	if ((rc = download_link(data, ctx, f)) != 0)
		return rc;
	if (t->category && f->category && f->user_id && *f->user_id &&
	    (rc = unsubscribe_links(m, data, ctx, f, base)) != 0)
		return rc;
	if (!(m->subject = render_subject(t, data)))
		return wvl_error_last()->code;
	json_object_set_new(data, "subject", json_string(m->subject));
	m->text = render_part(wvl_email__layout_text, t->text, data, false);
	m->html = m->text ? render_part(wvl_email__layout_html, t->html, data, true) : NULL;
	if (!m->html)
		return wvl_error_last()->code;
	if ((rc = wvl_email__attach_load(m, ctx, f->attachments_json)) != 0)
		return rc;
	return wvl_mime__build(m);
}

int wvl_email__render(struct wvl_email_msg *m, wvl_ctx *ctx, const struct wvl_email_fields *f)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", f->id);
	snprintf(m->date, sizeof(m->date), "%s", f->date);
	m->to_addr = wvl_str__dup(f->to);
	m->to_name = wvl_str__dup(f->name ? f->name : "");
	m->idempotency_key = wvl_str__dup(f->key);
	if (!m->to_addr || !m->to_name || !m->idempotency_key)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const struct wvl_email_template *t = wvl_email__template(f->template_name);
	if (!t)
		return wvl_err__set(WVL_EVALIDATION, NULL, "no template is called %s",
				    f->template_name);
	json_t *data = json_loads(f->data_json ? f->data_json : "{}", 0, NULL);
	if (!json_is_object(data)) {
		json_decref(data);
		return wvl_err__set(WVL_EVALIDATION, NULL, "the email's data is not an object");
	}
	int rc = render_with(m, ctx, f, t, data);
	json_decref(data);
	return rc;
}
