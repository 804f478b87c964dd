/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The public structs that cross the boundary, as soname 3 lays them out on
 * LP64 (core.h's comment on wvl_actor says why they carry a version): the
 * offset of every field of version 1.  Such a struct only grows by
 * appending a field and raising its version, so a size may grow but no
 * offset here may change: that would be an ABI break, a new soname, not an
 * edit of these numbers.  check_struct_versions.py holds every public
 * struct to starting with its version. */

#include <stddef.h>

#include <wavelaunch.h>

#if defined(__LP64__)
#define FIXED(what, value) _Static_assert((what) == (value), #what " changed: an ABI break")
#define AT_LEAST(what, value) _Static_assert((what) >= (value), #what " shrank: an ABI break")

AT_LEAST(sizeof(wvl_actor), 152);
FIXED(offsetof(wvl_actor, version), 0);
FIXED(offsetof(wvl_actor, role), 4);
FIXED(offsetof(wvl_actor, user_id), 8);
FIXED(offsetof(wvl_actor, client_id), 45);
FIXED(offsetof(wvl_actor, session_check), 82);

AT_LEAST(sizeof(wvl_job), 288);
FIXED(offsetof(wvl_job, version), 0);
FIXED(offsetof(wvl_job, id), 4);
FIXED(offsetof(wvl_job, lease_id), 41);
FIXED(offsetof(wvl_job, attempt), 80);
FIXED(offsetof(wvl_job, max_attempts), 84);
FIXED(offsetof(wvl_job, priority), 88);
FIXED(offsetof(wvl_job, kind), 92);
FIXED(offsetof(wvl_job, queue), 156);
FIXED(offsetof(wvl_job, client_id), 220);
FIXED(offsetof(wvl_job, args_json), 264);
FIXED(offsetof(wvl_job, run_at), 272);
FIXED(offsetof(wvl_job, claimed_at), 280);

AT_LEAST(sizeof(wvl_auth_session_info), 108);
FIXED(offsetof(wvl_auth_session_info, version), 0);
FIXED(offsetof(wvl_auth_session_info, session_id), 4);
FIXED(offsetof(wvl_auth_session_info, csrf_token), 41);

AT_LEAST(sizeof(wvl_auth_login_result), 48);
FIXED(offsetof(wvl_auth_login_result, version), 0);
FIXED(offsetof(wvl_auth_login_result, session_token), 8);
FIXED(offsetof(wvl_auth_login_result, csrf_token), 16);
FIXED(offsetof(wvl_auth_login_result, device_cookie), 24);
FIXED(offsetof(wvl_auth_login_result, user_json), 32);
FIXED(offsetof(wvl_auth_login_result, session_max_age), 40);
FIXED(offsetof(wvl_auth_login_result, device_max_age), 44);

AT_LEAST(sizeof(wvl_error), 40);
FIXED(offsetof(wvl_error, version), 0);
FIXED(offsetof(wvl_error, code), 4);
FIXED(offsetof(wvl_error, slug), 8);
FIXED(offsetof(wvl_error, message), 16);
FIXED(offsetof(wvl_error, fields_json), 24);
FIXED(offsetof(wvl_error, retry_after), 32);

AT_LEAST(sizeof(wvl_pool_stats), 40);
FIXED(offsetof(wvl_pool_stats, version), 0);
FIXED(offsetof(wvl_pool_stats, size), 4);
FIXED(offsetof(wvl_pool_stats, open), 8);
FIXED(offsetof(wvl_pool_stats, in_use), 12);
FIXED(offsetof(wvl_pool_stats, waits), 16);
FIXED(offsetof(wvl_pool_stats, timeouts), 24);
FIXED(offsetof(wvl_pool_stats, reconnects), 32);

AT_LEAST(sizeof(wvl_export_file), 248);
FIXED(offsetof(wvl_export_file, version), 0);
FIXED(offsetof(wvl_export_file, fd), 4);
FIXED(offsetof(wvl_export_file, size), 8);
FIXED(offsetof(wvl_export_file, content_type), 16);
FIXED(offsetof(wvl_export_file, filename), 112);
FIXED(offsetof(wvl_export_file, job_json), 240);

AT_LEAST(sizeof(wvl_files_meta), 536);
FIXED(offsetof(wvl_files_meta, version), 0);
FIXED(offsetof(wvl_files_meta, id), 4);
FIXED(offsetof(wvl_files_meta, client_id), 41);
FIXED(offsetof(wvl_files_meta, content_type), 78);
FIXED(offsetof(wvl_files_meta, sha256), 206);
FIXED(offsetof(wvl_files_meta, name), 271);
FIXED(offsetof(wvl_files_meta, size), 528);

AT_LEAST(sizeof(wvl_ratelimit_result), 32);
FIXED(offsetof(wvl_ratelimit_result, version), 0);
FIXED(offsetof(wvl_ratelimit_result, allowed), 4);
FIXED(offsetof(wvl_ratelimit_result, limit), 8);
FIXED(offsetof(wvl_ratelimit_result, remaining), 12);
FIXED(offsetof(wvl_ratelimit_result, reset), 16);
FIXED(offsetof(wvl_ratelimit_result, retry_after), 20);
FIXED(offsetof(wvl_ratelimit_result, window), 24);
FIXED(offsetof(wvl_ratelimit_result, degraded), 28);

AT_LEAST(sizeof(wvl_worker_stats_info), 32);
FIXED(offsetof(wvl_worker_stats_info, version), 0);
FIXED(offsetof(wvl_worker_stats_info, running), 4);
FIXED(offsetof(wvl_worker_stats_info, queued), 8);
FIXED(offsetof(wvl_worker_stats_info, concurrency), 12);
FIXED(offsetof(wvl_worker_stats_info, leading), 16);
FIXED(offsetof(wvl_worker_stats_info, rescued), 24);

AT_LEAST(sizeof(wvl_worker_counts_info), 88);
FIXED(offsetof(wvl_worker_counts_info, version), 0);
FIXED(offsetof(wvl_worker_counts_info, kind), 8);
FIXED(offsetof(wvl_worker_counts_info, queue), 16);
FIXED(offsetof(wvl_worker_counts_info, claimed), 24);
FIXED(offsetof(wvl_worker_counts_info, completed), 32);
FIXED(offsetof(wvl_worker_counts_info, retried), 40);
FIXED(offsetof(wvl_worker_counts_info, failed), 48);
FIXED(offsetof(wvl_worker_counts_info, lease_lost), 56);
FIXED(offsetof(wvl_worker_counts_info, unrecorded), 64);
FIXED(offsetof(wvl_worker_counts_info, released), 72);
FIXED(offsetof(wvl_worker_counts_info, held), 80);

AT_LEAST(sizeof(wvl_ai_usage), 40);
FIXED(offsetof(wvl_ai_usage, version), 0);
FIXED(offsetof(wvl_ai_usage, input_tokens), 8);
FIXED(offsetof(wvl_ai_usage, output_tokens), 16);
FIXED(offsetof(wvl_ai_usage, cache_read_tokens), 24);
FIXED(offsetof(wvl_ai_usage, cache_write_tokens), 32);
#endif

int main(void) { return 0; }
