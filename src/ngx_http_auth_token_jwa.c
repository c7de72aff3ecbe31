
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwa.h"

#include <openssl/rsa.h>


/*
 * The JWS algorithms (RFC 7518, RFC 8037): names, key types, digests.
 * Pure: no request here.
 */


static void ngx_http_auth_token_free_algs(void *data);


static ngx_http_auth_token_alg_t  ngx_http_auth_token_algs[] = {
    { ngx_string("HS256"), NGX_HTTP_AUTH_TOKEN_KTY_OCT, "SHA256", 0, 32,
      NULL },
    { ngx_string("HS384"), NGX_HTTP_AUTH_TOKEN_KTY_OCT, "SHA384", 0, 48,
      NULL },
    { ngx_string("HS512"), NGX_HTTP_AUTH_TOKEN_KTY_OCT, "SHA512", 0, 64,
      NULL },
    { ngx_string("RS256"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA256",
      RSA_PKCS1_PADDING, 0, NULL },
    { ngx_string("RS384"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA384",
      RSA_PKCS1_PADDING, 0, NULL },
    { ngx_string("RS512"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA512",
      RSA_PKCS1_PADDING, 0, NULL },
    { ngx_string("PS256"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA256",
      RSA_PKCS1_PSS_PADDING, 0, NULL },
    { ngx_string("PS384"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA384",
      RSA_PKCS1_PSS_PADDING, 0, NULL },
    { ngx_string("PS512"), NGX_HTTP_AUTH_TOKEN_KTY_RSA, "SHA512",
      RSA_PKCS1_PSS_PADDING, 0, NULL },
    { ngx_string("ES256"), NGX_HTTP_AUTH_TOKEN_KTY_EC, "SHA256", 0, 64,
      "P-256" },
    { ngx_string("ES384"), NGX_HTTP_AUTH_TOKEN_KTY_EC, "SHA384", 0, 96,
      "P-384" },
    { ngx_string("ES512"), NGX_HTTP_AUTH_TOKEN_KTY_EC, "SHA512", 0, 132,
      "P-521" },
    { ngx_string("EdDSA"), NGX_HTTP_AUTH_TOKEN_KTY_OKP, NULL, 0, 64,
      "Ed25519" }
};


/*
 * Digests fetched once per configuration cycle, not per request, and one
 * reused digest context (creating one per request costs a malloc).  They
 * are freed with their cycle; workers of an older cycle keep their own.
 * When a reload fails, the set of the cycle still running comes back.
 */

typedef struct ngx_http_auth_token_digests_s
    ngx_http_auth_token_digests_t;

struct ngx_http_auth_token_digests_s {
    EVP_MD                         *md[NGX_HTTP_AUTH_TOKEN_ALG_COUNT];
    EVP_MD_CTX                     *ctx;
    ngx_http_auth_token_digests_t  *prev;
};


static ngx_http_auth_token_digests_t  *ngx_http_auth_token_digests;


ngx_int_t
ngx_http_auth_token_init_algs(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_pool_cleanup_t             *cln;
    ngx_http_auth_token_digests_t  *d;

    cln = ngx_pool_cleanup_add(cf->pool,
                               sizeof(ngx_http_auth_token_digests_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    d = cln->data;
    ngx_memzero(d, sizeof(ngx_http_auth_token_digests_t));

    d->prev = ngx_http_auth_token_digests;
    ngx_http_auth_token_digests = d;

    cln->handler = ngx_http_auth_token_free_algs;

    d->ctx = EVP_MD_CTX_new();
    if (d->ctx == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {

        if (ngx_http_auth_token_algs[i].digest == NULL) {
            continue;
        }

        d->md[i] = EVP_MD_fetch(NULL, ngx_http_auth_token_algs[i].digest,
                                NULL);

        if (d->md[i] == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "auth_token: EVP_MD_fetch(\"%s\") failed",
                               ngx_http_auth_token_algs[i].digest);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_auth_token_free_algs(void *data)
{
    ngx_http_auth_token_digests_t *d = data;

    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {
        EVP_MD_free(d->md[i]);
    }

    EVP_MD_CTX_free(d->ctx);

    if (ngx_http_auth_token_digests == d) {
        ngx_http_auth_token_digests = d->prev;
    }
}


const ngx_http_auth_token_alg_t *
ngx_http_auth_token_alg(ngx_uint_t alg)
{
    return &ngx_http_auth_token_algs[alg];
}


const EVP_MD *
ngx_http_auth_token_alg_md(ngx_uint_t alg)
{
    return ngx_http_auth_token_digests->md[alg];
}


/* exact, case-sensitive names: "none", "None", "hs256" are all refused */

ngx_int_t
ngx_http_auth_token_alg_by_name(u_char *name, size_t len)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {
        if (ngx_http_auth_token_algs[i].name.len == len
            && ngx_memcmp(ngx_http_auth_token_algs[i].name.data, name, len)
               == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/*
 * SHA-256 over a 32-byte prefix (an identity; NULL: zeros) and parts, each
 * followed by a separator, with the process's reused digest context: the
 * hash of every identity in the zone.
 */

ngx_int_t
ngx_http_auth_token_sha256(u_char *out, u_char *prefix, ngx_str_t *parts,
    ngx_uint_t n)
{
    ngx_uint_t     i;
    EVP_MD_CTX    *md;
    unsigned int   len;

    static u_char  sep;
    static u_char  zero[32];

    md = ngx_http_auth_token_digests->ctx;

    if (EVP_DigestInit_ex(md,
              ngx_http_auth_token_digests->md[NGX_HTTP_AUTH_TOKEN_HS256],
              NULL)
        != 1
        || EVP_DigestUpdate(md, prefix ? prefix : zero, 32) != 1)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (EVP_DigestUpdate(md, parts[i].data, parts[i].len) != 1
            || EVP_DigestUpdate(md, &sep, 1) != 1)
        {
            return NGX_ERROR;
        }
    }

    if (EVP_DigestFinal_ex(md, out, &len) != 1) {
        return NGX_ERROR;
    }

    return NGX_OK;
}
