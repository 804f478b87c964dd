/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Every message the library sends: one row per template, with its
 * category, subject, bodies and (for the ones queued as requests) the SQL
 * that finds its recipients.  Both bodies come from the same data and sit
 * in one shared layout (the two layouts at the end).
 *
 * Variables every template has (render.c): name, email, app_name,
 * public_url, and for non-transactional mail unsubscribe_url and
 * category_label.  Links are built from public_url, so they open the web
 * UI (API.md, "Links in emails"); the one exception is a file's signed
 * download link (download_url, render.c), which the API serves itself. */

#include <stdio.h>
#include <string.h>

#include "../pdf/pdf.h"
#include "email.h"

/* ---- recipients of requests: $1 the job's args (jsonb), $2 now ---- */

#define ARG(k) "($1::jsonb ->> '" k "')"

/* A user named by the args (the request form wvl_auth queued before
 * 0017: {"template","user_id","token_sealed"}). */
#define USER_TOKEN_SQL                                                                  \
	"SELECT u.id, u.email, u.name, u.client_id,"                                    \
	" json_build_object('token_sealed', " ARG("token_sealed") ")"                 \
	" FROM users u WHERE u.id = " ARG("user_id") "::uuid AND u.active"

#define CLIENT_USERS "JOIN users u ON u.client_id = c.id AND u.role = 'client' AND u.active"

static const char deliverable_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'milestone', d.milestone, 'title', d.title,"
	" 'download_file_id', " ARG("download_file_id") ")"
	" FROM deliverables d JOIN clients c ON c.id = d.client_id " CLIENT_USERS
	" WHERE d.id = " ARG("deliverable_id") "::uuid";

/* The deliverable's PDF of its current content, made now unless it exists
 * (lib/pdf), so the mail can carry a signed link to it (render.c signs
 * it); the args gain "download_file_id".  A PDF that cannot be made is
 * left out, and the mail still links the portal. */
static char *deliverable_pdf(char *why, size_t why_len, wvl_ctx *ctx, const char *args_json)
{
	json_t *args = json_loads(args_json, 0, NULL);
	const char *id = json_string_value(json_object_get(args, "deliverable_id"));
	char file_id[37] = "";
	bool made = false;
	char *out = NULL;
	if (!id || !wvl_uuid_valid(id))
		snprintf(why, why_len, "the request names no deliverable");
	else if (wvl_pdf__document_generate(file_id, &made, ctx, "deliverable", id) != 0)
		snprintf(why, why_len, "its PDF could not be made: %s", wvl_error_last()->message);
	else if (json_object_set_new(args, "download_file_id", json_string(file_id)) != 0 ||
		 !(out = json_dumps(args, JSON_COMPACT)))
		snprintf(why, why_len, "out of memory");
	json_decref(args);
	return out;
}

/* A paused journey, an archived client or a milestone already delivered
 * gets no reminder. */
static const char reminder_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'milestone', d.milestone, 'title', d.title, 'due_date', " ARG("due_date") ")"
	" FROM clients c JOIN deliverables d ON d.client_id = c.id"
	"  AND d.milestone = " ARG("milestone") "::int " CLIENT_USERS
	" WHERE c.id = " ARG("client_id") "::uuid AND c.status <> 'archived'"
	"   AND NOT c.automation_paused AND d.status NOT IN ('ready', 'delivered')";

/* Every onboarding or active client (or the one named): progress over the
 * eight milestones, the next one, and the week's activity. */
static const char weekly_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'ready', (SELECT count(*) FROM deliverables d WHERE d.client_id = c.id"
	"           AND d.status IN ('ready', 'delivered')),"
	" 'activity', (SELECT count(*) FROM activities a WHERE a.client_id = c.id"
	"           AND a.created_at > $2::timestamptz - interval '7 days'),"
	" 'next', (SELECT json_build_object('milestone', d.milestone, 'title', d.title,"
	"           'due_date', d.due_date) FROM deliverables d WHERE d.client_id = c.id"
	"           AND d.status NOT IN ('ready', 'delivered') ORDER BY d.milestone LIMIT 1))"
	" FROM clients c " CLIENT_USERS
	" WHERE c.status IN ('onboarding', 'active')"
	"   AND (" ARG("client_id") " IS NULL OR c.id = " ARG("client_id") "::uuid)";

/* The team (the assignee when there is one) or the client's users. */
static const char ticket_sql[] =
	"SELECT u.id, u.email, u.name, t.client_id, json_build_object('number', t.number,"
	" 'ticket_subject', t.subject, 'status', t.status, 'client_name', c.name,"
	" 'link', CASE WHEN u.role = 'client' THEN '/portal/tickets/' ELSE '/tickets/' END || t.id)"
	" FROM support_tickets t LEFT JOIN clients c ON c.id = t.client_id"
	" JOIN users u ON u.active AND CASE WHEN " ARG("audience") " = 'client'"
	"   THEN u.role = 'client' AND u.client_id = t.client_id"
	"   ELSE u.role IN ('admin', 'staff')"
	"     AND (t.assigned_to_id IS NULL OR u.id = t.assigned_to_id) END"
	" WHERE t.id = " ARG("ticket_id") "::uuid";

static const char budget_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'spent', to_char(" ARG("spent_cents") "::numeric / 100, 'FM9999999990.00'),"
	" 'budget', to_char(" ARG("budget_cents") "::numeric / 100, 'FM9999999990.00'),"
	" 'month', " ARG("month") ", 'link', '/clients/' || c.id)"
	" FROM clients c JOIN users u ON u.role = 'admin' AND u.active"
	" WHERE c.id = " ARG("client_id") "::uuid";

/* An automation rule's own message (lib/automation: its subject and text
 * are the rule's config, checked when the rule is saved) to the client's
 * users. */
static const char rule_message_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'subject', " ARG("subject") ", 'message', " ARG("message") ")"
	" FROM clients c " CLIENT_USERS
	" WHERE c.id = " ARG("client_id") "::uuid AND c.status <> 'archived'";
/* A client's AI spend reaching 50, 80 or 100 % of its monthly budget
 * (lib/ai/usage.c): the admins. */
static const char budget_threshold_sql[] =
	"SELECT u.id, u.email, u.name, c.id, json_build_object('client_name', c.name,"
	" 'percent', " ARG("percent") ","
	" 'spent', to_char(" ARG("spent_cents") "::numeric / 100, 'FM9999999990.00'),"
	" 'budget', to_char(" ARG("budget_cents") "::numeric / 100, 'FM9999999990.00'),"
	" 'month', " ARG("month") ", 'link', '/clients/' || c.id)"
	" FROM clients c JOIN users u ON u.role = 'admin' AND u.active"
	" WHERE c.id = " ARG("client_id") "::uuid";

/* ---- the messages ---- */

#define GREETING "{{#name}}Hi {{name}},{{/name}}{{^name}}Hello,{{/name}}"

#define TICKET_TEXT(what)                                                               \
	GREETING "\n\nTicket #{{number}}, \"{{ticket_subject}}\", " what ".\n\n"          \
	"Open it: {{public_url}}{{link}}\n"
#define TICKET_HTML(what)                                                               \
	"<p>" GREETING "</p>\n<p>Ticket #{{number}}, &ldquo;{{ticket_subject}}&rdquo;, " what \
	".</p>\n<p><a href=\"{{public_url}}{{link}}\">Open the ticket</a></p>\n"

static const struct wvl_email_template templates[] = {
	{"welcome", NULL, "Welcome to {{app_name}}, {{client_name}}",
	 GREETING "\n\nWelcome aboard! Your launch team has set up {{client_name}}'s workspace:"
	 " the business plan, eight monthly deliverables and your files will live there.\n\n"
	 "You will receive an invitation to your portal shortly.\n",
	 "<p>" GREETING "</p>\n<p>Welcome aboard! Your launch team has set up"
	 " <strong>{{client_name}}</strong>'s workspace: the business plan, eight monthly"
	 " deliverables and your files will live there.</p>\n"
	 "<p>You will receive an invitation to your portal shortly.</p>\n",
	 NULL, NULL},
	{"portal_invite", NULL, "Your {{app_name}} portal invitation",
	 GREETING "\n\n{{#inviter}}{{inviter}} invited you{{/inviter}}{{^inviter}}You are invited{{/inviter}}"
	 " to the portal of {{client_name}}. Choose a password to get in:\n\n"
	 "{{public_url}}/invite?token={{token}}\n\nThe link is valid for 7 days and works once.\n",
	 "<p>" GREETING "</p>\n<p>{{#inviter}}{{inviter}} invited you{{/inviter}}"
	 "{{^inviter}}You are invited{{/inviter}} to the portal of <strong>{{client_name}}</strong>."
	 "</p>\n<p><a href=\"{{public_url}}/invite?token={{token}}\">Choose a password</a></p>\n"
	 "<p>The link is valid for 7 days and works once.</p>\n",
	 NULL, NULL},
	{"password_reset", NULL, "Reset your {{app_name}} password",
	 GREETING "\n\nSomeone asked to reset the password of this account. If it was you,"
	 " choose a new one here:\n\n{{public_url}}/reset-password?token={{token}}\n\n"
	 "The link works once{{#valid_minutes}} and for {{valid_minutes}} minutes{{/valid_minutes}}."
	 " If it was not you, ignore this email: your password stays as it is.\n",
	 "<p>" GREETING "</p>\n<p>Someone asked to reset the password of this account. If it was"
	 " you, choose a new one:</p>\n<p><a href=\"{{public_url}}/reset-password?token={{token}}\">"
	 "Reset my password</a></p>\n<p>The link works once{{#valid_minutes}} and for"
	 " {{valid_minutes}} minutes{{/valid_minutes}}. If it was not you, ignore this email:"
	 " your password stays as it is.</p>\n",
	 USER_TOKEN_SQL, NULL},
	{"account_unlock", NULL, "Your {{app_name}} account is locked",
	 GREETING "\n\nYour account was locked after several failed sign-ins. If they were yours,"
	 " unlock it now:\n\n{{public_url}}/unlock?token={{token}}\n\nIf they were not, someone"
	 " may be guessing your password: the lock protects you, and it ends by itself.\n",
	 "<p>" GREETING "</p>\n<p>Your account was locked after several failed sign-ins. If they"
	 " were yours, unlock it now:</p>\n<p><a href=\"{{public_url}}/unlock?token={{token}}\">"
	 "Unlock my account</a></p>\n<p>If they were not, someone may be guessing your password:"
	 " the lock protects you, and it ends by itself.</p>\n",
	 USER_TOKEN_SQL, NULL},
	{"deliverable_ready", "deliverables", "M{{milestone}} is ready: {{title}}",
	 GREETING "\n\nMilestone {{milestone}} of {{client_name}}, \"{{title}}\", is ready for"
	 " you in the portal:\n\n{{public_url}}/portal/deliverables\n"
	 "{{#download_url}}\nOr download it as a PDF (the link works until {{download_until}}):"
	 "\n\n{{download_url}}\n{{/download_url}}",
	 "<p>" GREETING "</p>\n<p>Milestone {{milestone}} of <strong>{{client_name}}</strong>,"
	 " &ldquo;{{title}}&rdquo;, is ready for you.</p>\n"
	 "<p><a href=\"{{public_url}}/portal/deliverables\">See it in the portal</a></p>\n"
	 "{{#download_url}}<p><a href=\"{{download_url}}\">Download the PDF</a> (the link works"
	 " until {{download_until}}).</p>\n{{/download_url}}",
	 deliverable_sql, deliverable_pdf},
	{"milestone_reminder", "reminders", "Coming up: M{{milestone}} on {{due_date}}",
	 GREETING "\n\nMilestone {{milestone}} of {{client_name}}, \"{{title}}\", is due on"
	 " {{due_date}}. If there is anything your team still needs from you, now is a good"
	 " time:\n\n{{public_url}}/portal\n",
	 "<p>" GREETING "</p>\n<p>Milestone {{milestone}} of <strong>{{client_name}}</strong>,"
	 " &ldquo;{{title}}&rdquo;, is due on {{due_date}}. If there is anything your team still"
	 " needs from you, now is a good time.</p>\n<p><a href=\"{{public_url}}/portal\">Open the"
	 " portal</a></p>\n",
	 reminder_sql, NULL},
	{"weekly_summary", "reminders", "Your week at {{app_name}}: {{client_name}}",
	 GREETING "\n\n{{client_name}}: {{ready}} of 8 milestones ready, {{activity}} update(s)"
	 " this week.\n{{#next}}Next: M{{milestone}}, {{title}}{{#due_date}}, due {{due_date}}"
	 "{{/due_date}}.\n{{/next}}\n{{public_url}}/portal\n",
	 "<p>" GREETING "</p>\n<p><strong>{{client_name}}</strong>: {{ready}} of 8 milestones"
	 " ready, {{activity}} update(s) this week.</p>\n{{#next}}<p>Next: M{{milestone}},"
	 " {{title}}{{#due_date}}, due {{due_date}}{{/due_date}}.</p>\n{{/next}}"
	 "<p><a href=\"{{public_url}}/portal\">Open the portal</a></p>\n",
	 weekly_sql, NULL},
	{"ticket_created", "tickets", "[#{{number}}] {{ticket_subject}}", TICKET_TEXT("was opened"),
	 TICKET_HTML("was opened"), ticket_sql, NULL},
	{"ticket_replied", "tickets", "Re: [#{{number}}] {{ticket_subject}}",
	 TICKET_TEXT("has a new reply"), TICKET_HTML("has a new reply"), ticket_sql, NULL},
	{"ticket_closed", "tickets", "Closed: [#{{number}}] {{ticket_subject}}",
	 TICKET_TEXT("was closed"), TICKET_HTML("was closed"), ticket_sql, NULL},
	{"automation_message", "updates", "{{subject}}",
	 GREETING "\n\n{{message}}\n\n{{public_url}}/portal\n",
	 "<p>" GREETING "</p>\n<p>{{message}}</p>\n"
	 "<p><a href=\"{{public_url}}/portal\">Open the portal</a></p>\n",
	 rule_message_sql, NULL},
	{"token_budget_alert", "updates", "AI budget exceeded: {{client_name}}",
	 GREETING "\n\n{{client_name}} spent {{spent}} on AI in {{month}}, over the budget of"
	 " {{budget}}.\n\n{{public_url}}{{link}}\n",
	 "<p>" GREETING "</p>\n<p><strong>{{client_name}}</strong> spent {{spent}} on AI in"
	 " {{month}}, over the budget of {{budget}}.</p>\n"
	 "<p><a href=\"{{public_url}}{{link}}\">Open the client</a></p>\n",
	 budget_sql, NULL},
	{"token_budget_threshold", "updates", "AI budget at {{percent}} %: {{client_name}}",
	 GREETING "\n\n{{client_name}} spent {{spent}} on AI in {{month}}: {{percent}} % of the"
	 " monthly budget of {{budget}}.\n\n{{public_url}}{{link}}\n",
	 "<p>" GREETING "</p>\n<p><strong>{{client_name}}</strong> spent {{spent}} on AI in"
	 " {{month}}: {{percent}} % of the monthly budget of {{budget}}.</p>\n"
	 "<p><a href=\"{{public_url}}{{link}}\">Open the client</a></p>\n",
	 budget_threshold_sql, NULL},
	/* Transactional: an admin chose these recipients for a schedule
	 * (lib/reports), and stops it there; the files are attached. */
	{"analytics_report", NULL, "{{report_name}}: {{period}}",
	 "Hello,\n\nThe analytics of {{period}} ({{from}} to {{to}}) are attached:\n"
	 "{{#files}}- {{name}}\n{{/files}}\n{{scheduled_by}} scheduled this report to be sent"
	 " to you. To change or stop it, an admin edits the schedule \"{{report_name}}\" in"
	 " {{app_name}}.\n",
	 "<p>Hello,</p>\n<p>The analytics of <strong>{{period}}</strong> ({{from}} to {{to}}) are"
	 " attached:</p>\n<ul>\n{{#files}}<li>{{name}}</li>\n{{/files}}</ul>\n"
	 "<p>{{scheduled_by}} scheduled this report to be sent to you. To change or stop it, an"
	 " admin edits the schedule &ldquo;{{report_name}}&rdquo; in {{app_name}}.</p>\n",
	 NULL, NULL},
};

const struct wvl_email_template *wvl_email__template(const char *name)
{
	for (size_t i = 0; name && i < sizeof(templates) / sizeof(templates[0]); i++)
		if (!strcmp(templates[i].name, name))
			return &templates[i];
	return NULL;
}

const char wvl_email__layout_text[] =
	"{{> body}}\n"
	"-- \n"
	"{{app_name}} - {{public_url}}\n"
	"{{#unsubscribe_url}}\n"
	"You get this because {{category_label}} emails are on for your account.\n"
	"Unsubscribe: {{unsubscribe_url}}\n"
	"{{/unsubscribe_url}}\n";

const char wvl_email__layout_html[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>{{subject}}</title>\n</head>\n"
	"<body style=\"margin:0;padding:24px;background:#f5f5f7;font-family:-apple-system,"
	"Segoe UI,Helvetica,Arial,sans-serif;color:#1d1d1f;line-height:1.5\">\n"
	"<div style=\"max-width:560px;margin:0 auto;background:#fff;border-radius:8px;"
	"padding:24px\">\n"
	"{{> body}}"
	"</div>\n"
	"<p style=\"max-width:560px;margin:16px auto 0;font-size:12px;color:#6e6e73\">"
	"{{app_name}} &middot; <a href=\"{{public_url}}\" style=\"color:#6e6e73\">{{public_url}}</a>"
	"{{#unsubscribe_url}}<br>\nYou get this because {{category_label}} emails are on for"
	" your account. <a href=\"{{unsubscribe_url}}\" style=\"color:#6e6e73\">Unsubscribe</a>"
	"{{/unsubscribe_url}}</p>\n"
	"</body>\n</html>\n";
