/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* HTTPS credentials handed to GnuTLS per handshake (libmicrohttpd's
 * MHD_OPTION_HTTPS_CERT_CALLBACK), so SIGHUP can swap in a renewed
 * certificate without a restart: handshakes after the swap get the new
 * pair.  GnuTLS uses what the callback returns for the whole handshake and
 * does not copy it, so a replaced pair is kept until the daemon stops
 * (a few kilobytes per reload). */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "../common/app.h"
#include "tls.h"

#define MAX_CHAIN 16

struct creds {
	gnutls_pcert_st chain[MAX_CHAIN];
	unsigned int n;
	gnutls_privkey_t key;
	struct creds *older; /* replaced pairs, freed at the end */
};

static _Atomic(struct creds *) current;
static char cert_path[4096], key_path[4096];

static void creds_free(struct creds *c)
{
	while (c) {
		struct creds *older = c->older;
		for (unsigned int i = 0; i < c->n; i++)
			gnutls_pcert_deinit(&c->chain[i]);
		if (c->key)
			gnutls_privkey_deinit(c->key);
		free(c);
		c = older;
	}
}

/* The pair at the configured paths, or NULL with `why` set. */
static struct creds *load(char *why, size_t why_len)
{
	struct creds *c = calloc(1, sizeof(*c));
	gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
	const char *fault = NULL;
	if (!c)
		fault = "out of memory";
	else if (gnutls_load_file(cert_path, &cert) < 0)
		fault = "WL_TLS_CERT cannot be read";
	else if (gnutls_load_file(key_path, &key) < 0)
		fault = "WL_TLS_KEY cannot be read";
	if (!fault) {
		c->n = MAX_CHAIN;
		if (gnutls_pcert_list_import_x509_raw(c->chain, &c->n, &cert, GNUTLS_X509_FMT_PEM,
						      0) < 0) {
			c->n = 0;
			fault = "WL_TLS_CERT holds no PEM certificate chain (at most 16)";
		} else if (gnutls_privkey_init(&c->key) < 0 ||
			   gnutls_privkey_import_x509_raw(c->key, &key, GNUTLS_X509_FMT_PEM, NULL,
							  0) < 0) {
			fault = "WL_TLS_KEY holds no unencrypted PEM private key";
		}
	}
	gnutls_free(cert.data);
	if (key.data) {
		gnutls_memset(key.data, 0, key.size);
		gnutls_free(key.data);
	}
	if (fault) {
		snprintf(why, why_len, "%s", fault);
		creds_free(c);
		return NULL;
	}
	return c;
}

static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
		    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_len,
		    gnutls_pcert_st **pcert, unsigned int *pcert_len, gnutls_privkey_t *key)
{
	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_len;
	struct creds *c = atomic_load(&current);
	if (!c)
		return -1;
	*pcert = c->chain;
	*pcert_len = c->n;
	*key = c->key;
	return 0;
}

gnutls_certificate_retrieve_function2 *wl_tls_start(const char *cert, const char *key)
{
	snprintf(cert_path, sizeof(cert_path), "%s", cert);
	snprintf(key_path, sizeof(key_path), "%s", key);
	char why[200];
	struct creds *c = load(why, sizeof(why));
	if (!c) {
		app_log_json(WVL_LOG_ERROR, NULL, why, NULL);
		return NULL;
	}
	atomic_store(&current, c);
	return retrieve;
}

void wl_tls_reload(void)
{
	if (!atomic_load(&current))
		return;
	char why[200], msg[260];
	struct creds *c = load(why, sizeof(why));
	if (!c) {
		snprintf(msg, sizeof(msg), "SIGHUP: certificate not reloaded: %s", why);
		app_log_json(WVL_LOG_ERROR, NULL, msg, NULL);
		return;
	}
	/* Only the signal thread swaps, so the exchange needs no lock. */
	c->older = atomic_exchange(&current, c);
	app_log_json(WVL_LOG_INFO, NULL, "SIGHUP: certificate reloaded", NULL);
}

void wl_tls_stop(void)
{
	creds_free(atomic_exchange(&current, NULL));
}
