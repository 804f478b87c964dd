/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email module's WL_* keys (struct wvl_config_key in core/internal.h).
 * Which keys a transport needs, the SMTP URL, the sender and the webhook
 * secret's form are checked by the module's validate_config hook. */

#include "email.h"

static const struct wvl_config_key keys[] = {
	{"WL_EMAIL_TRANSPORT", WVL_CFG_ENUM, "mailbox", 0, 0, "resend|smtp|mailbox", 0,
	 "resend, smtp or mailbox"},
	{"WL_SMTP_URL", WVL_CFG_STRING, "", 0, 0, NULL, WVL_CFG_SECRET,
	 "smtp:// or smtps://user:pass@host:port"},
	{"WL_RESEND_API_KEY", WVL_CFG_STRING, "", 0, 0, NULL, WVL_CFG_SECRET, "Resend API key"},
	{"WL_RESEND_BASE_URL", WVL_CFG_STRING, "https://api.resend.com", 0, 0, NULL, 0,
	 "Resend base URL"},
	{"WL_MAILBOX_DIR", WVL_CFG_STRING, "./var/mailbox", 0, 0, NULL, 0,
	 "folder for .eml files (mailbox transport)"},
	{"WL_EMAIL_FROM", WVL_CFG_STRING, "WavelaunchOS <no-reply@wavelaunch.local>", 0, 0, NULL, 0,
	 "sender address"},
	{"WL_WEBHOOK_SECRET", WVL_CFG_STRING, "", 0, 0, NULL, WVL_CFG_SECRET,
	 "whsec_... secret for provider webhooks"},
	{"WL_SMTP_CA_FILE", WVL_CFG_STRING, "", 0, 0, NULL, 0,
	 "PEM file of the CAs SMTP's TLS trusts; empty: the system's"},
	{"WL_EMAIL_LINK_TTL", WVL_CFG_UINT, "604800", 3600, WVL_EMAIL_LINK_TTL_MAX, NULL, 0,
	 "seconds a download link in an email works, from the email's creation (3600..2592000)"},
	{"WL_EMAIL_TIMEOUT", WVL_CFG_UINT, "30", 1, 600, NULL, 0,
	 "seconds one send to the SMTP server or Resend may take (1..600)"},
	/* Resend takes 40 MB of attachments per email after base64 encoding. */
	{"WL_EMAIL_ATTACHMENTS_MAX_BYTES", WVL_CFG_UINT, "40000000", 1024, 104857600, NULL, 0,
	 "most bytes of attachments one email carries, counted after base64 (1024..104857600)"},
};

const struct wvl_config_keyset wvl_email__keys = {keys, sizeof(keys) / sizeof(keys[0])};
