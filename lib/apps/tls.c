/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* WL_TLS_CERT and WL_TLS_KEY: wl-server serves HTTPS itself when both name
 * PEM files.  Checked here, when the configuration is, with GnuTLS (the
 * library libmicrohttpd speaks TLS with), so a wrong file stops the
 * program at start with the key named instead of a listener that fails its
 * first handshake. */

#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "apps.h"

static int refuse(const char *key, const char *why)
{
	return wvl_err__set(WVL_EINVAL, NULL, "%s: %s", key, why);
}

/* The file's bytes (free with gnutls_free), or a refusal naming `key`. */
static int load(gnutls_datum_t *out, const char *key, const char *path)
{
	int rc = gnutls_load_file(path, out);
	if (rc < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "%s: cannot read %s", key, path);
	return 0;
}

static int check_cert(const gnutls_datum_t *pem)
{
	gnutls_x509_crt_t *crts = NULL;
	unsigned int n = 0;
	int rc = gnutls_x509_crt_list_import2(&crts, &n, pem, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0 || n == 0)
		return refuse("WL_TLS_CERT", "holds no PEM certificate");
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return 0;
}

static int check_key(const gnutls_datum_t *pem)
{
	gnutls_x509_privkey_t k;
	if (gnutls_x509_privkey_init(&k) < 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = gnutls_x509_privkey_import(k, pem, GNUTLS_X509_FMT_PEM);
	gnutls_x509_privkey_deinit(k);
	return rc < 0 ? refuse("WL_TLS_KEY", "holds no unencrypted PEM private key") : 0;
}

static int check_pair(const gnutls_datum_t *cert, const gnutls_datum_t *key)
{
	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = gnutls_certificate_set_x509_key_mem2(cred, cert, key, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		return refuse("WL_TLS_KEY", "is not the private key of the certificate in WL_TLS_CERT");
	return rc < 0 ? wvl_err__set(WVL_EINVAL, NULL, "WL_TLS_CERT, WL_TLS_KEY: GnuTLS refuses them: %s",
				     gnutls_strerror(rc))
		      : 0;
}

int wvl_apps__validate_tls(const wvl_config *cfg)
{
	const char *cert = wvl_config_get(cfg, "WL_TLS_CERT");
	const char *key = wvl_config_get(cfg, "WL_TLS_KEY");
	bool has_cert = cert && *cert, has_key = key && *key;
	if (!has_cert && !has_key)
		return 0;
	if (!has_key)
		return refuse("WL_TLS_KEY", "is required with WL_TLS_CERT");
	if (!has_cert)
		return refuse("WL_TLS_CERT", "is required with WL_TLS_KEY");
	gnutls_datum_t c = {NULL, 0}, k = {NULL, 0};
	int rc = load(&c, "WL_TLS_CERT", cert);
	if (!rc)
		rc = load(&k, "WL_TLS_KEY", key);
	if (!rc)
		rc = check_cert(&c);
	if (!rc)
		rc = check_key(&k);
	if (!rc)
		rc = check_pair(&c, &k);
	gnutls_free(c.data);
	if (k.data) {
		sodium_memzero(k.data, k.size); /* no private key lingers in freed memory */
		gnutls_free(k.data);
	}
	return rc;
}
