/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The files module's WL_* keys (struct wvl_config_key in core/internal.h).
 * WL_CLAMD's address form and the production rule are checked by the
 * module's validate_config hook (clamd.c). */

#include "files_internal.h"

static const struct wvl_config_key keys[] = {
	{"WL_STORAGE_DIR", WVL_CFG_STRING, "./var/storage", 1, 4000, NULL, 0,
	 "where uploaded files live (outside any served folder)"},
	{"WL_CLAMD", WVL_CFG_STRING, "", 0, 0, NULL, 0,
	 "unix:/path or tcp:host:port; empty: scanning not configured"},
	{"WL_CLAMD_TIMEOUT", WVL_CFG_UINT, "30", 1, 3599, NULL, 0,
	 "seconds clamd may take per read or write (connect: at most 5)"},
	{"WL_SCAN_REQUIRED", WVL_CFG_BOOL, "", 0, 0, NULL, WVL_CFG_EMPTY_OK,
	 "true: uploads must be virus-scanned; empty: only in production"},
	{"WL_UPLOAD_MAX_BYTES", WVL_CFG_UINT, "26214400", 1, (1UL << 40) - 1, NULL, 0,
	 "largest upload in bytes (25 MiB)"},
	{"WL_STORAGE_QUOTA_BYTES", WVL_CFG_UINT, "5368709120", 0, 1UL << 60, NULL, 0,
	 "bytes of files one client may keep (5 GiB); 0: no quota"},
	{"WL_DOWNLOAD_LINK_TTL", WVL_CFG_UINT, "3600", 1, 7 * 86400, NULL, 0,
	 "seconds a signed download link stays valid"},
	{"WL_ZIP_MAX_ENTRIES", WVL_CFG_UINT, "10000", 1, (1UL << 20) - 1, NULL, 0,
	 "most entries a zip container (DOCX/XLSX/PPTX) may hold"},
	{"WL_ZIP_MAX_UNCOMPRESSED", WVL_CFG_UINT, "1073741824", 1, (1UL << 40) - 1, NULL, 0,
	 "largest declared uncompressed size of a zip container"},
	{"WL_ZIP_MAX_RATIO", WVL_CFG_UINT, "250", 1, (1UL << 20) - 1, NULL, 0,
	 "highest compression ratio of a zip entry over 1 MiB"},
};

const struct wvl_config_keyset wvl_files__keys = {keys, sizeof(keys) / sizeof(keys[0])};
