
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_encoding.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>


/*
 * JSON Web Signatures (RFC 7515) in the compact form: split, header read,
 * signature verified with the keys that may verify it.  Pure: no request
 * here.
 */


static ngx_http_auth_token_status_e ngx_http_auth_token_jws_header(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws, const char **reason);
static ngx_int_t ngx_http_auth_token_verify_hmac(
    ngx_http_auth_token_key_t *key, const EVP_MD *md, ngx_str_t *input,
    ngx_str_t *sig);
static ngx_int_t ngx_http_auth_token_verify_ecdsa(EVP_PKEY_CTX *ctx,
    size_t sig_len, u_char *dgst, size_t dlen, ngx_str_t *sig);
static ngx_int_t ngx_http_auth_token_verify_eddsa(EVP_PKEY *pkey,
    ngx_str_t *input, ngx_str_t *sig);
static u_char *ngx_http_auth_token_der_integer(u_char *p, u_char *v,
    size_t len);


/*
 * Splits a compact JWS (RFC 7515, section 7.1) and reads its protected
 * header.  The payload is decoded but not parsed: claims are parsed only
 * after the signature has been checked.
 */

ngx_http_auth_token_status_e
ngx_http_auth_token_jws_parse(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_jws_t *jws, const char **reason)
{
    ngx_http_auth_token_status_e  status;

    status = ngx_http_auth_token_jws_split(pool, token, jws, reason);

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return status;
    }

    return ngx_http_auth_token_jws_read_header(pool, jws, reason);
}


/*
 * The split alone: the header stays as sent (header_b64), the payload and
 * the signature are decoded.  For a caller that may know the header
 * already (a DPoP proof's, by its bytes).
 */

ngx_http_auth_token_status_e
ngx_http_auth_token_jws_split(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_jws_t *jws, const char **reason)
{
    u_char      *p, *last, *dot[4];
    ngx_uint_t   n;

    ngx_memzero(jws, sizeof(ngx_http_auth_token_jws_t));

    n = 0;
    last = token->data + token->len;

    /* the dots: memchr() reads a long token much faster than a loop */

    p = token->data;

    for ( ;; ) {
        p = memchr(p, '.', last - p);

        if (p == NULL) {
            break;
        }

        if (n == 4) {
            *reason = "Token is not a JWT";
            return NGX_HTTP_AUTH_TOKEN_MALFORMED;
        }

        dot[n++] = p++;
    }

    if (n == 4) {
        *reason = "Encrypted tokens (JWE) are not supported";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    if (n != 2) {
        *reason = "Token is not a JWT";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    if (dot[0] == token->data || dot[1] == dot[0] + 1) {
        *reason = "Malformed token";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    if (dot[1] + 1 == last) {
        *reason = "Unsigned tokens are not accepted";
        return NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
    }

    jws->signing_input.data = token->data;
    jws->signing_input.len = dot[1] - token->data;

    jws->header_b64.data = token->data;
    jws->header_b64.len = dot[0] - token->data;

    if (ngx_http_auth_token_b64url_decode_pool(pool, &jws->payload_json,
                                               dot[0] + 1, dot[1])
        != NGX_OK
        || ngx_http_auth_token_b64url_decode_pool(pool, &jws->signature,
                                                  dot[1] + 1, last)
           != NGX_OK)
    {
        *reason = "Malformed token encoding";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* the header of a split JWS: decoded, read (jws->header, alg, kid) */

ngx_http_auth_token_status_e
ngx_http_auth_token_jws_read_header(ngx_pool_t *pool,
    ngx_http_auth_token_jws_t *jws, const char **reason)
{
    if (ngx_http_auth_token_b64url_decode_pool(pool, &jws->header_json,
                                               jws->header_b64.data,
                                               jws->header_b64.data
                                               + jws->header_b64.len)
        != NGX_OK)
    {
        *reason = "Malformed token encoding";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    return ngx_http_auth_token_jws_header(pool, jws, reason);
}




static ngx_http_auth_token_status_e
ngx_http_auth_token_jws_header(ngx_pool_t *pool,
    ngx_http_auth_token_jws_t *jws, const char **reason)
{
    json_t      *alg, *kid, *v;
    ngx_int_t    n;
    const char  *err;

    jws->header = ngx_http_auth_token_json_parse(pool, jws->header_json.data,
                                                 jws->header_json.len,
                                                 NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                                 &err);
    if (jws->header == NULL || !json_is_object(jws->header)) {
        *reason = "Malformed token header";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    alg = json_object_get(jws->header, "alg");
    if (!json_is_string(alg)) {
        *reason = "Malformed token header";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    kid = json_object_get(jws->header, "kid");
    if (kid) {
        if (!json_is_string(kid)) {
            *reason = "Malformed token header";
            return NGX_HTTP_AUTH_TOKEN_MALFORMED;
        }

        jws->kid.data = (u_char *) json_string_value(kid);
        jws->kid.len = json_string_length(kid);
    }

    /*
     * RFC 7515, section 4.1.11: extensions listed in "crit" must be
     * understood; we understand none, and "b64" (RFC 7797) only makes
     * sense with "crit".
     */

    if (json_object_get(jws->header, "crit")) {
        *reason = "Unsupported critical header";
        return NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
    }

    v = json_object_get(jws->header, "b64");
    if (v && !json_is_true(v)) {
        *reason = "Unencoded payloads are not supported";
        return NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
    }

    /*
     * "jku", "jwk", "x5u" and "x5c" are ignored: keys named by the token
     * itself are never fetched or trusted
     */

    n = ngx_http_auth_token_alg_by_name((u_char *) json_string_value(alg),
                                        json_string_length(alg));
    if (n == NGX_ERROR) {
        *reason = "Unsupported token algorithm";
        return NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG;
    }

    jws->alg = n;
    *reason = NULL;

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/*
 * Tries the keys that may verify this token: the ones with its "kid",
 * or, for a token without "kid", every key whose type fits its "alg".
 * A key never verifies an algorithm of another family.  *kid_found: a key
 * with the token's "kid" exists.
 */

ngx_http_auth_token_status_e
ngx_http_auth_token_jws_verify(ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_keyset_t **ks, ngx_uint_t n,
    ngx_http_auth_token_key_t **key, ngx_uint_t *kid_found,
    const char **reason)
{
    ngx_uint_t                  i, j, found, tried;
    ngx_http_auth_token_key_t  *k;

    found = 0;
    tried = 0;

    for (i = 0; i < n; i++) {

        k = ks[i]->keys.elts;

        for (j = 0; j < ks[i]->keys.nelts; j++) {

            if (jws->kid.data) {
                if (k[j].kid.len != jws->kid.len
                    || ngx_memcmp(k[j].kid.data, jws->kid.data,
                                  jws->kid.len) != 0)
                {
                    continue;
                }

                found = 1;
            }

            if (!(k[j].algs & ((ngx_uint_t) 1 << jws->alg))) {
                continue;
            }

            tried = 1;

            if (ngx_http_auth_token_verify_key(&k[j], jws->alg,
                                               &jws->signing_input,
                                               &jws->signature)
                == NGX_OK)
            {
                *key = &k[j];
                *kid_found = 1;
                *reason = NULL;
                return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
            }
        }
    }

    *kid_found = found;

    if (tried) {
        *reason = "Signature verification failed";
        return NGX_HTTP_AUTH_TOKEN_BAD_SIGNATURE;
    }

    if (jws->kid.data && !found) {
        *reason = "Unknown signing key";

    } else {
        *reason = "No key for the token algorithm";
    }

    return NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY;
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

    a = ngx_http_auth_token_alg(alg);

    switch (a->kty) {

    case NGX_HTTP_AUTH_TOKEN_KTY_OCT:
        return ngx_http_auth_token_verify_hmac(key,
                                   ngx_http_auth_token_alg_md(alg),
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
                   ngx_http_auth_token_alg_md(alg), NULL)
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
