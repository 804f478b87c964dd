/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The route table: each endpoint is one row naming its library call, the
 * call's shape and the status of a success.  Hand-written handlers are
 * left for the few that really differ (routes_auth.c, routes_files.c,
 * routes_help.c, routes_meta.c). */

#include <stdlib.h>

#include "events.h"
#include "routes.h"

const struct wl_route wl_routes[] = {
	{"GET", "/api/health", WL_PUBLIC, WL_HANDLER(wl_route_health)},
	{"GET", "/api/health/details", WL_PUBLIC, WL_HANDLER(wl_route_health_details)},
	{"GET", "/api/openapi.json", WL_PUBLIC, WL_HANDLER(wl_route_openapi)},
	{"GET", "/metrics", WL_PUBLIC, WL_HANDLER(wl_route_metrics)},

	{"POST", "/api/auth/login", WL_PUBLIC, WL_HANDLER(wl_route_login)},
	{"POST", "/api/auth/logout", 0, WL_HANDLER(wl_route_logout)},
	{"GET", "/api/auth/me", 0, WL_ACTOR(wvl_auth_me, 200)},
	{"PATCH", "/api/auth/me", 0, WL_HANDLER(wl_route_me_update)},
	{"GET", "/api/auth/me/preferences", 0, WL_ACTOR(wvl_prefs_get, 200)},
	{"PATCH", "/api/auth/me/preferences", 0, WL_BODY(wvl_prefs_update, 200)},
	{"POST", "/api/auth/password/forgot", WL_PUBLIC, WL_HANDLER(wl_route_password_forgot)},
	{"POST", "/api/auth/password/reset", WL_PUBLIC, WL_BODY_DO(wvl_auth_password_reset)},
	{"POST", "/api/auth/password/change", 0, WL_HANDLER(wl_route_password_change)},
	{"POST", "/api/auth/unlock", WL_PUBLIC, WL_BODY_DO(wvl_auth_unlock_self)},
	{"GET", "/api/auth/tokens", 0, WL_LIST(wvl_auth_tokens_list)},
	{"POST", "/api/auth/tokens", WL_NO_STORE, WL_BODY(wvl_auth_tokens_create, 201)},
	{"DELETE", "/api/auth/tokens/{id}", 0, WL_ID_DO(wvl_auth_tokens_revoke)},

	{"GET", "/api/users", 0, WL_LIST(wvl_users_list)},
	{"POST", "/api/users", 0, WL_BODY(wvl_users_create, 201)},
	{"GET", "/api/users/{id}", 0, WL_ID(wvl_users_get, 200)},
	{"PATCH", "/api/users/{id}", 0, WL_ID_BODY(wvl_users_update, 200)},
	{"DELETE", "/api/users/{id}", 0, WL_ID_DO(wvl_users_deactivate)},
	{"POST", "/api/users/{id}/unlock", 0, WL_ID_DO(wvl_users_unlock)},

	{"GET", "/api/clients", 0, WL_LIST(wvl_clients_list)},
	{"POST", "/api/clients", 0, WL_BODY(wvl_clients_create, 201)},
	/* Before /api/clients/{id}: the first matching row wins. */
	{"GET", "/api/clients/export", 0, WL_HANDLER(wl_route_clients_export)},
	{"GET", "/api/clients/{id}", 0, WL_ID(wvl_clients_get, 200)},
	{"PATCH", "/api/clients/{id}", 0, WL_ID_BODY(wvl_clients_update, 200)},
	{"DELETE", "/api/clients/{id}", 0, WL_ID(wvl_clients_archive, 200)},
	{"POST", "/api/clients/{id}/automation/pause", 0, WL_ID(wvl_clients_pause, 200)},
	{"POST", "/api/clients/{id}/automation/resume", 0, WL_ID(wvl_clients_resume, 200)},
	{"GET", "/api/clients/{id}/activity", 0, WL_LIST(wvl_activity_list)},
	{"GET", "/api/activity", 0, WL_LIST(wvl_activity_list)},

	{"GET", "/api/clients/{id}/business-plans", 0, WL_LIST(wvl_plans_list)},
	{"POST", "/api/clients/{id}/business-plans", 0, WL_ID_BODY(wvl_plans_create, 201)},
	{"GET", "/api/business-plans/{id}", 0, WL_ID(wvl_plans_get, 200)},
	{"PATCH", "/api/business-plans/{id}", 0, WL_ID_BODY(wvl_plans_update, 200)},
	{"POST", "/api/business-plans/{id}/approve", 0, WL_ID(wvl_plans_approve, 200)},
	{"GET", "/api/business-plans/{id}/pdf", WL_NO_STORE, WL_ID(wvl_plans_pdf, 200)},
	{"POST", "/api/business-plans/{id}/pdf", 0, WL_ID(wvl_plans_pdf_generate, 202)},
	{"POST", "/api/clients/{id}/business-plans/generate", 0, WL_ID(wvl_ai_generate_plan, 202)},
	{"GET", "/api/clients/{id}/ai-usage", 0, WL_ID(wvl_ai_budget, 200)},
	{"GET", "/api/clients/{id}/deliverables", 0, WL_LIST(wvl_deliverables_list)},
	{"GET", "/api/deliverables/{id}", 0, WL_ID(wvl_deliverables_get, 200)},
	{"PATCH", "/api/deliverables/{id}", 0, WL_ID_BODY(wvl_deliverables_update, 200)},
	{"POST", "/api/deliverables/{id}/ready", 0, WL_ID(wvl_deliverables_mark_ready, 200)},
	{"GET", "/api/deliverables/{id}/pdf", WL_NO_STORE, WL_ID(wvl_deliverables_pdf, 200)},
	{"POST", "/api/deliverables/{id}/pdf", 0, WL_ID(wvl_deliverables_pdf_generate, 202)},
	{"POST", "/api/deliverables/{id}/generate", 0, WL_ID(wvl_ai_generate_deliverable, 202)},
	{"GET", "/api/clients/{id}/notes", 0, WL_LIST(wvl_notes_list)},
	{"POST", "/api/clients/{id}/notes", 0, WL_ID_BODY(wvl_notes_create, 201)},
	{"DELETE", "/api/notes/{id}", 0, WL_ID_DO(wvl_notes_delete)},
	{"GET", "/api/portal/dashboard", 0, WL_ACTOR(wvl_portal_dashboard, 200)},
	{"GET", "/api/portal/plan", 0, WL_ACTOR(wvl_portal_plan, 200)},
	{"GET", "/api/portal/deliverables", 0, WL_ACTOR(wvl_portal_deliverables, 200)},
	{"GET", "/api/portal/onboarding", 0, WL_ACTOR(wvl_onboarding_get, 200)},
	/* {id}: the step, 1-6 or its name. */
	{"PUT", "/api/portal/onboarding/steps/{id}", 0, WL_ID_BODY(wvl_onboarding_save_step, 200)},
	{"GET", "/api/clients/{id}/onboarding", 0, WL_ID(wvl_onboarding_get_client, 200)},
	{"GET", "/api/portal/preferences", 0, WL_ACTOR(wvl_prefs_get, 200)},
	{"PATCH", "/api/portal/preferences", 0, WL_BODY(wvl_prefs_update, 200)},

	{"GET", "/api/clients/{id}/files", 0, WL_LIST(wvl_files_list)},
	{"POST", "/api/files", WL_STREAM, WL_STREAMED(wl_route_files_upload, &wl_files_upload_stream)},
	{"GET", "/api/files/{id}", 0, WL_ID(wvl_files_get, 200)},
	{"DELETE", "/api/files/{id}", 0, WL_ID_DO(wvl_files_delete)},
	{"GET", "/api/files/{id}/download", WL_NO_STORE, WL_ID(wvl_files_download_link, 200)},
	/* The signed link: its signature is the credential. */
	{"GET", "/api/files/{id}/content", WL_PUBLIC, WL_HANDLER(wl_route_files_content)},

	{"GET", "/api/notifications", 0, WL_LIST(wvl_notify_list)},
	{"GET", "/api/notifications/unread-count", 0, WL_ACTOR(wvl_notify_unread_count, 200)},
	{"POST", "/api/notifications/{id}/read", 0, WL_ID_DO(wvl_notify_mark_read)},
	{"POST", "/api/notifications/read-all", 0, WL_ACTOR(wvl_notify_mark_all_read, 200)},
	{"GET", "/api/notifications/stream", 0, WL_HANDLER(wl_route_notifications_stream)},

	{"GET", "/api/tickets", 0, WL_LIST(wvl_tickets_list)},
	{"POST", "/api/tickets", 0, WL_BODY(wvl_tickets_create, 201)},
	/* {id}: the ticket's uuid or its number. */
	{"GET", "/api/tickets/{id}", 0, WL_ID(wvl_tickets_get, 200)},
	{"PATCH", "/api/tickets/{id}", 0, WL_ID_BODY(wvl_tickets_update, 200)},
	{"POST", "/api/tickets/{id}/close", 0, WL_ID(wvl_tickets_close, 200)},
	{"POST", "/api/tickets/{id}/merge", 0, WL_ID_BODY(wvl_tickets_merge, 200)},
	{"GET", "/api/tickets/{id}/messages", 0, WL_LIST(wvl_tickets_messages_list)},
	{"POST", "/api/tickets/{id}/messages", 0, WL_ID_BODY(wvl_tickets_reply, 201)},
	{"GET", "/api/clients/{id}/tickets", 0, WL_LIST(wvl_tickets_list)},

	{"POST", "/api/coach/conversations", 0, WL_BODY(wvl_coach_create, 201)},
	{"GET", "/api/coach/conversations", 0, WL_LIST(wvl_coach_list)},
	{"GET", "/api/coach/conversations/{id}/messages", 0, WL_LIST(wvl_coach_messages)},
	/* JSON, or Server-Sent Events when the request accepts them. */
	{"POST", "/api/coach/conversations/{id}/messages", 0, WL_HANDLER(wl_route_coach_ask)},

	{"GET", "/api/jobs", 0, WL_LIST(wvl_jobs_list)},
	{"GET", "/api/jobs/{id}", 0, WL_ID(wvl_jobs_get, 200)},
	{"POST", "/api/jobs/{id}/retry", 0, WL_ID_DO(wvl_jobs_retry)},
	{"POST", "/api/jobs/{id}/cancel", 0, WL_ID_DO(wvl_jobs_cancel)},
	{"GET", "/api/automation/rules", 0, WL_LIST(wvl_automation_rules_list)},
	/* Creates or replaces (name, trigger, client): hence 200, not 201. */
	{"POST", "/api/automation/rules", 0, WL_BODY(wvl_automation_rule_set, 200)},
	{"GET", "/api/automation/logs", 0, WL_LIST(wvl_automation_logs_list)},

	{"GET", "/api/emails", 0, WL_LIST(wvl_email_list)},
	{"GET", "/api/emails/{id}", 0, WL_ID(wvl_email_get, 200)},
	{"POST", "/api/emails/{id}/resend", 0, WL_ID(wvl_email_resend, 202)},
	/* Signed by the provider; the signature covers the raw body. */
	{"POST", "/api/webhooks/email", WL_PUBLIC | WL_RAW, WL_HANDLER(wl_route_email_webhook)},
	/* The token in ?token= is the credential (RFC 8058 one-click). */
	{"GET", "/api/email/unsubscribe", WL_PUBLIC | WL_RAW, WL_HANDLER(wl_route_unsubscribe)},
	{"POST", "/api/email/unsubscribe", WL_PUBLIC | WL_RAW, WL_HANDLER(wl_route_unsubscribe)},
	{"POST", "/api/portal-invites", 0, WL_BODY(wvl_invites_create, 201)},
	{"POST", "/api/portal-invites/accept", WL_PUBLIC, WL_HANDLER(wl_route_invite_accept)},
	{"DELETE", "/api/portal-invites/{id}", 0, WL_ID_DO(wvl_invites_revoke)},
	{"GET", "/api/clients/{id}/portal-invites", 0, WL_LIST(wvl_invites_list)},

	/* Analytics, payments and report schedules: admins only (the library
	 * refuses others). */
	{"GET", "/api/analytics", 0, WL_ID_QUERY(wvl_analytics_get, 200)},
	{"GET", "/api/analytics/export", 0, WL_HANDLER(wl_route_analytics_export)},
	{"GET", "/api/payments", 0, WL_LIST(wvl_payments_list)},
	{"POST", "/api/payments", 0, WL_BODY(wvl_payments_create, 201)},
	{"GET", "/api/payments/{id}", 0, WL_ID(wvl_payments_get, 200)},
	{"PATCH", "/api/payments/{id}", 0, WL_ID_BODY(wvl_payments_update, 200)},
	{"GET", "/api/clients/{id}/payments", 0, WL_LIST(wvl_payments_list)},
	{"GET", "/api/reports/schedules", 0, WL_LIST(wvl_reports_list)},
	{"POST", "/api/reports/schedules", 0, WL_BODY(wvl_reports_create, 201)},
	{"GET", "/api/reports/schedules/{id}", 0, WL_ID(wvl_reports_get, 200)},
	{"PATCH", "/api/reports/schedules/{id}", 0, WL_ID_BODY(wvl_reports_update, 200)},
	{"DELETE", "/api/reports/schedules/{id}", 0, WL_ID_DO(wvl_reports_delete)},

	/* The help center: reads are public (drafts only for the team), the
	 * article page is cacheable (routes_help.c); {id} of a GET is the
	 * slug or the id. */
	{"GET", "/api/help/articles", WL_PUBLIC, WL_LIST(wvl_help_list)},
	{"POST", "/api/help/articles", 0, WL_BODY(wvl_help_create, 201)},
	{"POST", "/api/help/articles/preview", 0, WL_BODY(wvl_help_preview, 200)},
	{"GET", "/api/help/articles/{id}", WL_PUBLIC, WL_HANDLER(wl_route_help_article)},
	{"PATCH", "/api/help/articles/{id}", 0, WL_ID_BODY(wvl_help_update, 200)},
	{"DELETE", "/api/help/articles/{id}", 0, WL_ID_DO(wvl_help_delete)},
	{"GET", "/api/help/articles/{id}/related", WL_PUBLIC, WL_LIST(wvl_help_related)},
	{"GET", "/api/help/articles/{id}/versions", 0, WL_LIST(wvl_help_versions_list)},
	{"GET", "/api/help/articles/{id}/diff", 0, WL_ID_QUERY(wvl_help_diff, 200)},
	{"GET", "/api/help/versions/{id}", 0, WL_ID(wvl_help_version_get, 200)},
	{"POST", "/api/help/versions/{id}/restore", 0, WL_ID(wvl_help_version_restore, 200)},
};
const size_t wl_routes_count = sizeof(wl_routes) / sizeof(wl_routes[0]);

void wl_route_run(const struct wl_route *r, struct wl_request *req, struct wl_response *resp)
{
	wvl_ctx *ctx = req->srv->ctx;
	const wvl_actor *a = &req->actor;
	const char *id = req->nparams ? req->params[0] : NULL;
	const char *body = req->body ? req->body : "";
	char *json = NULL;
	int rc = WVL_EINTERNAL;
	switch (r->call) {
	case WL_CALL_HANDLER:
		r->fn.handler(req, resp);
		return;
	case WL_CALL_ACTOR:
		rc = r->fn.actor(&json, ctx, a);
		break;
	case WL_CALL_ID:
		rc = r->fn.id(&json, ctx, a, id);
		break;
	case WL_CALL_BODY:
		rc = r->fn.id(&json, ctx, a, body);
		break;
	case WL_CALL_ID_BODY:
		rc = r->fn.id_body(&json, ctx, a, id, body);
		break;
	case WL_CALL_LIST:
	case WL_CALL_ID_QUERY:
		rc = r->fn.list(&json, ctx, a, id, req->query);
		break;
	case WL_CALL_ID_DO:
		rc = r->fn.id_do(ctx, a, id);
		break;
	case WL_CALL_BODY_DO:
		rc = r->fn.body_do(ctx, body);
		break;
	}
	wl_reply(req, resp, rc, r->status, json);
	if (rc == 0 && (r->flags & WL_NO_STORE))
		wl_resp_header(resp, "Cache-Control", "no-store");
}
