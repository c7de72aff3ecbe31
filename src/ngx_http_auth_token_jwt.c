
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>


static void ngx_http_auth_token_free_algs(void *data);
static ngx_int_t ngx_http_auth_token_jwt_header(ngx_pool_t *pool,
    ngx_http_auth_token_jwt_t *jwt, ngx_http_auth_token_result_t *res);
static ngx_int_t ngx_http_auth_token_verify_hmac(
    ngx_http_auth_token_key_t *key, const EVP_MD *md, ngx_str_t *input,
    ngx_str_t *sig);
static ngx_int_t ngx_http_auth_token_verify_ecdsa(EVP_PKEY_CTX *ctx,
    size_t sig_len, u_char *dgst, size_t dlen, ngx_str_t *sig);
static ngx_int_t ngx_http_auth_token_verify_eddsa(EVP_PKEY *pkey,
    ngx_str_t *input, ngx_str_t *sig);
static u_char *ngx_http_auth_token_der_integer(u_char *p, u_char *v,
    size_t len);


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


static const u_char  ngx_http_auth_token_b64url[256] = {
    /* 255: not in the base64url alphabet (RFC 4648, section 5) */
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255,
    255, 255, 255, 255, 255,   0,   1,   2,   3,   4,   5,   6,
      7,   8,   9,  10,  11,  12,  13,  14,  15,  16,  17,  18,
     19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255,  63,
    255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,
     37,  38,  39,  40,  41,  42,  43,  44,  45,  46,  47,  48,
     49,  50,  51, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255
};


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


const EVP_MD *
ngx_http_auth_token_sha256(void)
{
    return ngx_http_auth_token_digests->md[NGX_HTTP_AUTH_TOKEN_HS256];
}


EVP_MD_CTX *
ngx_http_auth_token_digest_ctx(void)
{
    return ngx_http_auth_token_digests->ctx;
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
 * Strict base64url (RFC 7515, section 2): no padding, no characters
 * outside the alphabet, and unused bits must be zero, so that one value
 * has exactly one encoding.  dst->data must hold src->len * 3 / 4 bytes.
 */

ngx_int_t
ngx_http_auth_token_b64url_decode(ngx_str_t *dst, ngx_str_t *src)
{
    u_char         *s, *d;
    size_t          len;
    ngx_uint_t      a, b, c, e;
    const u_char   *t;

    t = ngx_http_auth_token_b64url;
    s = src->data;
    len = src->len;
    d = dst->data;

    if (len % 4 == 1) {
        return NGX_ERROR;
    }

    while (len >= 4) {
        a = t[s[0]];
        b = t[s[1]];
        c = t[s[2]];
        e = t[s[3]];

        if ((a | b | c | e) == 255) {
            return NGX_ERROR;
        }

        *d++ = (u_char) (a << 2 | b >> 4);
        *d++ = (u_char) (b << 4 | c >> 2);
        *d++ = (u_char) (c << 6 | e);

        s += 4;
        len -= 4;
    }

    if (len >= 2) {
        a = t[s[0]];
        b = t[s[1]];

        if ((a | b) == 255) {
            return NGX_ERROR;
        }

        *d++ = (u_char) (a << 2 | b >> 4);

        if (len == 3) {
            c = t[s[2]];

            if (c == 255 || (c & 0x03)) {
                return NGX_ERROR;
            }

            *d++ = (u_char) (b << 4 | c >> 2);

        } else if (b & 0x0f) {
            return NGX_ERROR;
        }
    }

    dst->len = d - dst->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_b64url_segment(ngx_pool_t *pool, ngx_str_t *dst,
    u_char *start, u_char *end)
{
    ngx_str_t  src;

    src.data = start;
    src.len = end - start;

    dst->data = ngx_pnalloc(pool, src.len / 4 * 3 + 3);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_b64url_decode(dst, &src);
}


/*
 * Splits a compact JWS (RFC 7515, section 7.1) and reads its protected
 * header.  The payload is decoded but not parsed: claims are parsed only
 * after the signature has been checked.
 */

void
ngx_http_auth_token_jwt_parse(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_jwt_t *jwt, ngx_http_auth_token_result_t *res)
{
    u_char      *p, *last, *dot[4];
    ngx_uint_t   n;

    ngx_memzero(jwt, sizeof(ngx_http_auth_token_jwt_t));

    jwt->raw = *token;
    res->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;

    n = 0;
    last = token->data + token->len;

    for (p = token->data; p < last; p++) {
        if (*p == '.') {
            if (n == 4) {
                res->reason = "Token is not a JWT";
                return;
            }

            dot[n++] = p;
        }
    }

    if (n == 4) {
        res->reason = "Encrypted tokens (JWE) are not supported";
        return;
    }

    if (n != 2) {
        res->reason = "Token is not a JWT";
        return;
    }

    if (dot[0] == token->data || dot[1] == dot[0] + 1) {
        res->reason = "Malformed token";
        return;
    }

    if (dot[1] + 1 == last) {
        res->status = NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
        res->reason = "Unsigned tokens are not accepted";
        return;
    }

    jwt->signing_input.data = token->data;
    jwt->signing_input.len = dot[1] - token->data;

    if (ngx_http_auth_token_b64url_segment(pool, &jwt->header_json,
                                           token->data, dot[0])
        != NGX_OK
        || ngx_http_auth_token_b64url_segment(pool, &jwt->payload_json,
                                              dot[0] + 1, dot[1])
           != NGX_OK
        || ngx_http_auth_token_b64url_segment(pool, &jwt->signature,
                                              dot[1] + 1, last)
           != NGX_OK)
    {
        res->reason = "Malformed token encoding";
        return;
    }

    if (ngx_http_auth_token_jwt_header(pool, jwt, res) != NGX_OK) {
        return;
    }

    res->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
    res->reason = NULL;
}


static ngx_int_t
ngx_http_auth_token_jwt_header(ngx_pool_t *pool,
    ngx_http_auth_token_jwt_t *jwt, ngx_http_auth_token_result_t *res)
{
    json_t      *alg, *kid, *v;
    ngx_int_t    n;
    const char  *err;

    jwt->header = ngx_http_auth_token_json_parse(pool, jwt->header_json.data,
                                                 jwt->header_json.len,
                                                 NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                                 &err);
    if (jwt->header == NULL || !json_is_object(jwt->header)) {
        res->reason = "Malformed token header";
        return NGX_ERROR;
    }

    alg = json_object_get(jwt->header, "alg");
    if (!json_is_string(alg)) {
        res->reason = "Malformed token header";
        return NGX_ERROR;
    }

    kid = json_object_get(jwt->header, "kid");
    if (kid) {
        if (!json_is_string(kid)) {
            res->reason = "Malformed token header";
            return NGX_ERROR;
        }

        jwt->kid.data = (u_char *) json_string_value(kid);
        jwt->kid.len = json_string_length(kid);
    }

    /*
     * RFC 7515, section 4.1.11: extensions listed in "crit" must be
     * understood; we understand none, and "b64" (RFC 7797) only makes
     * sense with "crit".
     */

    if (json_object_get(jwt->header, "crit")) {
        res->status = NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
        res->reason = "Unsupported critical header";
        return NGX_ERROR;
    }

    v = json_object_get(jwt->header, "b64");
    if (v && !json_is_true(v)) {
        res->status = NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
        res->reason = "Unencoded payloads are not supported";
        return NGX_ERROR;
    }

    /*
     * "jku", "jwk", "x5u" and "x5c" are ignored: keys named by the token
     * itself are never fetched or trusted
     */

    n = ngx_http_auth_token_alg_by_name((u_char *) json_string_value(alg),
                                        json_string_length(alg));
    if (n == NGX_ERROR) {
        res->status = NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
        res->reason = "Unsupported token algorithm";
        return NGX_ERROR;
    }

    jwt->alg = n;

    return NGX_OK;
}


/*
 * Tries the keys that may verify this token: the ones with its "kid",
 * or, for a token without "kid", every key whose type fits its "alg".
 * A key never verifies an algorithm of another family.
 */

void
ngx_http_auth_token_jwt_verify(ngx_http_auth_token_jwt_t *jwt,
    ngx_http_auth_token_keyset_t **ks, ngx_uint_t n,
    ngx_http_auth_token_result_t *res, ngx_uint_t *kid_found)
{
    ngx_uint_t                  i, j, found, tried;
    ngx_http_auth_token_key_t  *key;

    found = 0;
    tried = 0;

    for (i = 0; i < n; i++) {

        key = ks[i]->keys.elts;

        for (j = 0; j < ks[i]->keys.nelts; j++) {

            if (jwt->kid.data) {
                if (key[j].kid.len != jwt->kid.len
                    || ngx_memcmp(key[j].kid.data, jwt->kid.data,
                                  jwt->kid.len) != 0)
                {
                    continue;
                }

                found = 1;
            }

            if (!(key[j].algs & ((ngx_uint_t) 1 << jwt->alg))) {
                continue;
            }

            tried = 1;

            if (ngx_http_auth_token_verify_key(&key[j], jwt->alg,
                                               &jwt->signing_input,
                                               &jwt->signature)
                == NGX_OK)
            {
                res->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
                res->reason = NULL;
                res->key = &key[j];
                *kid_found = 1;
                return;
            }
        }
    }

    *kid_found = found;

    if (tried) {
        res->status = NGX_HTTP_AUTH_TOKEN_BAD_SIGNATURE;
        res->reason = "Signature verification failed";

    } else if (jwt->kid.data && !found) {
        res->status = NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY;
        res->reason = "Unknown signing key";

    } else {
        res->status = NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY;
        res->reason = "No key for the token algorithm";
    }
}


/* a key with this fingerprint that may verify alg, if still configured */

ngx_http_auth_token_key_t *
ngx_http_auth_token_find_fp(ngx_http_auth_token_keyset_t **ks, ngx_uint_t n,
    u_char *fp, ngx_uint_t alg)
{
    ngx_uint_t                  i, j;
    ngx_http_auth_token_key_t  *key;

    for (i = 0; i < n; i++) {

        key = ks[i]->keys.elts;

        for (j = 0; j < ks[i]->keys.nelts; j++) {
            if ((key[j].algs & ((ngx_uint_t) 1 << alg))
                && ngx_memcmp(key[j].fp, fp, NGX_HTTP_AUTH_TOKEN_HASH_LEN)
                   == 0)
            {
                return &key[j];
            }
        }
    }

    return NULL;
}


ngx_int_t
ngx_http_auth_token_verify_key(ngx_http_auth_token_key_t *key,
    ngx_uint_t alg, ngx_str_t *input, ngx_str_t *sig)
{
    u_char                            dgst[EVP_MAX_MD_SIZE];
    unsigned int                      dlen;
    const ngx_http_auth_token_alg_t  *a;

    a = &ngx_http_auth_token_algs[alg];

    switch (a->kty) {

    case NGX_HTTP_AUTH_TOKEN_KTY_OCT:
        return ngx_http_auth_token_verify_hmac(key,
                                   ngx_http_auth_token_digests->md[alg],
                                   input, sig);

    case NGX_HTTP_AUTH_TOKEN_KTY_OKP:
        return ngx_http_auth_token_verify_eddsa(key->pkey, input, sig);

    default:
        break;
    }

    if (key->ctx[alg] == NULL) {
        return NGX_ERROR;
    }

    if (EVP_Digest(input->data, input->len, dgst, &dlen,
                   ngx_http_auth_token_digests->md[alg], NULL)
        != 1)
    {
        ERR_clear_error();
        return NGX_ERROR;
    }

    if (a->kty == NGX_HTTP_AUTH_TOKEN_KTY_EC) {
        return ngx_http_auth_token_verify_ecdsa(key->ctx[alg], a->sig_len,
                                                dgst, dlen, sig);
    }

    if (EVP_PKEY_verify(key->ctx[alg], sig->data, sig->len, dgst, dlen)
        != 1)
    {
        ERR_clear_error();
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_verify_hmac(ngx_http_auth_token_key_t *key,
    const EVP_MD *md, ngx_str_t *input, ngx_str_t *sig)
{
    u_char        mac[EVP_MAX_MD_SIZE];
    unsigned int  len;

    if (HMAC(md, key->secret.data, (int) key->secret.len, input->data,
             input->len, mac, &len)
        == NULL)
    {
        ERR_clear_error();
        return NGX_ERROR;
    }

    if (sig->len != len || CRYPTO_memcmp(mac, sig->data, len) != 0) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* JOSE carries ECDSA signatures as raw r||s; OpenSSL wants DER */

static ngx_int_t
ngx_http_auth_token_verify_ecdsa(EVP_PKEY_CTX *ctx, size_t sig_len,
    u_char *dgst, size_t dlen, ngx_str_t *sig)
{
    u_char  *p, *body, der[2 * (66 + 4) + 8];
    size_t   half, len;

    if (sig->len != sig_len) {
        return NGX_ERROR;
    }

    half = sig_len / 2;

    body = der + 3;
    p = ngx_http_auth_token_der_integer(body, sig->data, half);
    p = ngx_http_auth_token_der_integer(p, sig->data + half, half);

    len = p - body;

    /* SEQUENCE header, short or long form, placed right before the body */

    if (len < 128) {
        body -= 2;
        body[0] = 0x30;
        body[1] = (u_char) len;

    } else {
        body -= 3;
        body[0] = 0x30;
        body[1] = 0x81;
        body[2] = (u_char) len;
    }

    len = p - body;

    if (EVP_PKEY_verify(ctx, body, len, dgst, dlen) != 1) {
        ERR_clear_error();
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a DER INTEGER from an unsigned big-endian value of at most 66 bytes */

static u_char *
ngx_http_auth_token_der_integer(u_char *p, u_char *v, size_t len)
{
    while (len > 1 && *v == 0) {
        v++;
        len--;
    }

    *p++ = 0x02;

    if (*v & 0x80) {
        *p++ = (u_char) (len + 1);
        *p++ = 0;

    } else {
        *p++ = (u_char) len;
    }

    return ngx_cpymem(p, v, len);
}


static ngx_int_t
ngx_http_auth_token_verify_eddsa(EVP_PKEY *pkey, ngx_str_t *input,
    ngx_str_t *sig)
{
    int          rc;
    EVP_MD_CTX  *md;

    if (sig->len != 64) {
        return NGX_ERROR;
    }

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return NGX_ERROR;
    }

    rc = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey);

    if (rc == 1) {
        rc = EVP_DigestVerify(md, sig->data, sig->len, input->data,
                              input->len);
    }

    EVP_MD_CTX_free(md);

    if (rc != 1) {
        ERR_clear_error();
        return NGX_ERROR;
    }

    return NGX_OK;
}
