/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Markdown of descriptions and messages, rendered once on write. */

#include <string.h>

#include "../core/json.h"
#include "tickets.h"
#include "wavelaunch/sanitize.h"

int wvl_tickets__render(char **html, const char *field, const char *markdown)
{
	*html = NULL;
	/* The table's CHECK trims spaces only; a message of newlines would
	 * pass it and show as nothing. */
	if (field && !markdown[strspn(markdown, " \t\r\n")])
		return wvl_json__field_error(field, "must not be blank");
	return wvl_sanitize_markdown(html, markdown, strlen(markdown));
}
