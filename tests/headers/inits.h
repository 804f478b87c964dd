/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
/* Every initialiser of a public struct, used as a program would (c99.c and
 * cxx.cpp include this after wavelaunch.h): each must compile in pedantic
 * C99 and in C++ and set its struct's version.  check_struct_versions.py
 * holds this list to the headers' initialisers. */
#define WVL_EACH_INIT(X)                                                   \
	X(wvl_actor, WVL_ACTOR_INIT(WVL_ROLE_STAFF), WVL_ACTOR_VERSION)    \
	X(wvl_ai_request, WVL_AI_REQUEST_INIT, WVL_AI_REQUEST_VERSION)     \
	X(wvl_ai_usage, WVL_AI_USAGE_INIT, WVL_AI_USAGE_VERSION)           \
	X(wvl_auth_login_request, WVL_AUTH_LOGIN_REQUEST_INIT,             \
	  WVL_AUTH_LOGIN_REQUEST_VERSION)                                   \
	X(wvl_auth_session_info, WVL_AUTH_SESSION_INFO_INIT,               \
	  WVL_AUTH_SESSION_INFO_VERSION)                                    \
	X(wvl_ctx_options, WVL_CTX_OPTIONS_INIT, WVL_CTX_OPTIONS_VERSION)  \
	X(wvl_email_webhook_request, WVL_EMAIL_WEBHOOK_REQUEST_INIT,       \
	  WVL_EMAIL_WEBHOOK_REQUEST_VERSION)                                \
	X(wvl_export_file, WVL_EXPORT_FILE_INIT, WVL_EXPORT_FILE_VERSION)  \
	X(wvl_files_meta, WVL_FILES_META_INIT, WVL_FILES_META_VERSION)     \
	X(wvl_files_upload_options, WVL_FILES_UPLOAD_OPTIONS_INIT,         \
	  WVL_FILES_UPLOAD_OPTIONS_VERSION)                                 \
	X(wvl_invite_accept_request, WVL_INVITE_ACCEPT_REQUEST_INIT,       \
	  WVL_INVITE_ACCEPT_REQUEST_VERSION)                                \
	X(wvl_jobs_claim_options, WVL_JOBS_CLAIM_OPTIONS_INIT,             \
	  WVL_JOBS_CLAIM_OPTIONS_VERSION)                                   \
	X(wvl_job_options, WVL_JOB_OPTIONS_INIT, WVL_JOB_OPTIONS_VERSION)  \
	X(wvl_migrate_import_options, WVL_MIGRATE_IMPORT_OPTIONS_INIT,     \
	  WVL_MIGRATE_IMPORT_OPTIONS_VERSION)                               \
	X(wvl_migrate_options, WVL_MIGRATE_OPTIONS_INIT,                   \
	  WVL_MIGRATE_OPTIONS_VERSION)                                      \
	X(wvl_pool_stats, WVL_POOL_STATS_INIT, WVL_POOL_STATS_VERSION)     \
	X(wvl_ratelimit_result, WVL_RATELIMIT_RESULT_INIT,                 \
	  WVL_RATELIMIT_RESULT_VERSION)                                     \
	X(wvl_scheduler_def, WVL_SCHEDULER_DEF_INIT,                       \
	  WVL_SCHEDULER_DEF_VERSION)                                        \
	X(wvl_worker_counts_info, WVL_WORKER_COUNTS_INFO_INIT,             \
	  WVL_WORKER_COUNTS_INFO_VERSION)                                   \
	X(wvl_worker_options, WVL_WORKER_OPTIONS_INIT,                     \
	  WVL_WORKER_OPTIONS_VERSION)                                       \
	X(wvl_worker_stats_info, WVL_WORKER_STATS_INFO_INIT,               \
	  WVL_WORKER_STATS_INFO_VERSION)
