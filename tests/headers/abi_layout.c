/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The public structs whose layout soname 2 fixes (core.h says why): their
 * sizes and field offsets on LP64 as 0.4.0 shipped them.  A change here is
 * an ABI break: a new soname, not an edit of these numbers. */

#include <stddef.h>

#include <wavelaunch.h>

#if defined(__LP64__)
#define FIXED(what, value) _Static_assert((what) == (value), #what " changed: an ABI break")

FIXED(sizeof(wvl_actor), 148);
FIXED(offsetof(wvl_actor, user_id), 4);
FIXED(offsetof(wvl_actor, client_id), 41);
FIXED(offsetof(wvl_actor, session_check), 78);

FIXED(sizeof(wvl_job), 280);
FIXED(offsetof(wvl_job, lease_id), 37);
FIXED(offsetof(wvl_job, attempt), 76);
FIXED(offsetof(wvl_job, kind), 88);
FIXED(offsetof(wvl_job, queue), 152);
FIXED(offsetof(wvl_job, client_id), 216);
FIXED(offsetof(wvl_job, args_json), 256);
FIXED(offsetof(wvl_job, run_at), 264);
FIXED(offsetof(wvl_job, claimed_at), 272);

FIXED(sizeof(wvl_auth_session_info), 101);
FIXED(offsetof(wvl_auth_session_info, csrf_token), 37);
#endif

int main(void) { return 0; }
