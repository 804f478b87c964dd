/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ROUTES_H
#define WL_ROUTES_H

/* Route handlers, one file per area. */

#include <jansson.h>

#include "router.h"

/* routes_auth.c */
void wl_route_login(struct wl_request *req, struct wl_response *resp);
void wl_route_logout(struct wl_request *req, struct wl_response *resp);
void wl_route_me(struct wl_request *req, struct wl_response *resp);
void wl_route_me_update(struct wl_request *req, struct wl_response *resp);
void wl_route_password_forgot(struct wl_request *req, struct wl_response *resp);
void wl_route_password_reset(struct wl_request *req, struct wl_response *resp);
void wl_route_password_change(struct wl_request *req, struct wl_response *resp);
void wl_route_unlock_self(struct wl_request *req, struct wl_response *resp);
void wl_route_tokens_list(struct wl_request *req, struct wl_response *resp);
void wl_route_tokens_create(struct wl_request *req, struct wl_response *resp);
void wl_route_tokens_revoke(struct wl_request *req, struct wl_response *resp);
void wl_route_users_list(struct wl_request *req, struct wl_response *resp);
void wl_route_users_create(struct wl_request *req, struct wl_response *resp);
void wl_route_users_get(struct wl_request *req, struct wl_response *resp);
void wl_route_users_update(struct wl_request *req, struct wl_response *resp);
void wl_route_users_deactivate(struct wl_request *req, struct wl_response *resp);
void wl_route_users_unlock(struct wl_request *req, struct wl_response *resp);

/* routes_clients.c */
void wl_route_clients_list(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_create(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_get(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_update(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_archive(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_pause(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_resume(struct wl_request *req, struct wl_response *resp);
void wl_route_clients_activity(struct wl_request *req, struct wl_response *resp);
void wl_route_activity(struct wl_request *req, struct wl_response *resp);

/* routes_work.c */
void wl_route_plans_list(struct wl_request *req, struct wl_response *resp);
void wl_route_plans_create(struct wl_request *req, struct wl_response *resp);
void wl_route_plans_get(struct wl_request *req, struct wl_response *resp);
void wl_route_plans_update(struct wl_request *req, struct wl_response *resp);
void wl_route_plans_approve(struct wl_request *req, struct wl_response *resp);
void wl_route_deliverables_list(struct wl_request *req, struct wl_response *resp);
void wl_route_deliverables_get(struct wl_request *req, struct wl_response *resp);
void wl_route_deliverables_update(struct wl_request *req, struct wl_response *resp);
void wl_route_deliverables_ready(struct wl_request *req, struct wl_response *resp);
void wl_route_notes_list(struct wl_request *req, struct wl_response *resp);
void wl_route_notes_create(struct wl_request *req, struct wl_response *resp);
void wl_route_notes_delete(struct wl_request *req, struct wl_response *resp);
void wl_route_portal_dashboard(struct wl_request *req, struct wl_response *resp);
void wl_route_portal_plan(struct wl_request *req, struct wl_response *resp);
void wl_route_portal_deliverables(struct wl_request *req, struct wl_response *resp);
/* routes_files.c */
void wl_route_files_upload(struct wl_request *req, struct wl_response *resp);
extern const struct wl_stream_ops wl_files_upload_stream;
void wl_route_files_get(struct wl_request *req, struct wl_response *resp);
void wl_route_files_delete(struct wl_request *req, struct wl_response *resp);
void wl_route_files_download(struct wl_request *req, struct wl_response *resp);
void wl_route_files_content(struct wl_request *req, struct wl_response *resp);
void wl_route_files_list(struct wl_request *req, struct wl_response *resp);

/* routes_jobs.c */
void wl_route_jobs_list(struct wl_request *req, struct wl_response *resp);
void wl_route_jobs_get(struct wl_request *req, struct wl_response *resp);
void wl_route_jobs_retry(struct wl_request *req, struct wl_response *resp);
void wl_route_jobs_cancel(struct wl_request *req, struct wl_response *resp);
void wl_route_automation_rules_list(struct wl_request *req, struct wl_response *resp);
void wl_route_automation_rules_set(struct wl_request *req, struct wl_response *resp);
void wl_route_automation_logs(struct wl_request *req, struct wl_response *resp);

#endif
