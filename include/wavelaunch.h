/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_H
#define WAVELAUNCH_H

/*
 * libwavelaunch: the WavelaunchOS back office as a C library.
 *
 * Conventions (see each module's header for details):
 *  - every fallible call returns int: 0, or a negative WVL_E* code, with
 *    details in wvl_error_last() on the calling thread;
 *  - out-parameters come first; what they return belongs to the caller
 *    (strings: wvl_free; objects: their own wvl_<type>_free);
 *  - a wvl_ctx may be shared between threads; everything else is used by
 *    one thread at a time unless its header says otherwise;
 *  - the library never prints: install a log handler on the context.
 */

#include "wavelaunch/core.h"
#include "wavelaunch/query.h"
#include "wavelaunch/version.h"
#include "wavelaunch/health.h"
#include "wavelaunch/migrate.h"
#include "wavelaunch/auth.h"
#include "wavelaunch/users.h"
#include "wavelaunch/prefs.h"
#include "wavelaunch/notify.h"
#include "wavelaunch/clients.h"
#include "wavelaunch/activity.h"
#include "wavelaunch/ratelimit.h"
#include "wavelaunch/files.h"
#include "wavelaunch/sanitize.h"
#include "wavelaunch/plans.h"
#include "wavelaunch/deliverables.h"
#include "wavelaunch/notes.h"
#include "wavelaunch/portal.h"
#include "wavelaunch/onboarding.h"
#include "wavelaunch/jobs.h"
#include "wavelaunch/cron.h"
#include "wavelaunch/scheduler.h"
#include "wavelaunch/maintenance.h"
#include "wavelaunch/automation.h"
#include "wavelaunch/help.h"
#include "wavelaunch/tickets.h"
#include "wavelaunch/worker.h"
#include "wavelaunch/email.h"
#include "wavelaunch/invites.h"
#include "wavelaunch/analytics.h"
#include "wavelaunch/payments.h"
#include "wavelaunch/reports.h"
#include "wavelaunch/export.h"
#include "wavelaunch/cache.h"
#include "wavelaunch/ai.h"
#include "wavelaunch/coach.h"
#include "wavelaunch/sentry.h"

#endif
