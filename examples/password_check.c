/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Example: check passwords against the house policy and hash one, using
 * only the public API.  Needs no database.
 *   password_check EMAIL PASSWORD...
 * Prints one line per password; exits 0 when all pass. */

#include <stdio.h>

#include <wavelaunch.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s EMAIL PASSWORD...\n", argv[0]);
		return 2;
	}
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if (wvl_config_new(&cfg) != 0 || wvl_ctx_new(&ctx, cfg, NULL) != 0) {
		fprintf(stderr, "setup failed: %s\n", wvl_error_last()->message);
		wvl_config_free(cfg);
		return 1;
	}
	int failures = 0;
	for (int i = 2; i < argc; i++) {
		if (wvl_auth_password_check(argv[i], argv[1]) != 0) {
			printf("refused: %s\n", wvl_error_last()->message);
			failures++;
			continue;
		}
		char *hash = NULL;
		int match = 0;
		if (wvl_auth_password_hash(&hash, ctx, argv[i]) != 0 ||
		    wvl_auth_password_verify(&match, ctx, argv[i], hash) != 0 || !match) {
			printf("hashing failed: %s\n", wvl_error_last()->message);
			failures++;
		} else {
			printf("accepted (%.10s...)\n", hash);
		}
		wvl_free(hash);
	}
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	return failures ? 1 : 0;
}
