
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_sender.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_jws.h"

#include <math.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>


/*
 * Sender-constrained tokens (RFC 9449 DPoP, RFC 8705 certificate-bound
 * tokens), what needs no request: DPoP proofs read and checked, the htu
 * normalized, thumbprints of keys, tokens and certificates, the "cnf"
 * claim.  Pure: no request here (see the header for how the request step
 * uses it).
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_CERT  65536


typedef struct {
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          jkt[NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN];
    ngx_uint_t                      used;
    ngx_http_auth_token_key_t       key;
} ngx_http_auth_token_dpop_key_t;


struct ngx_http_auth_token_dpop_keys_s {
    ngx_http_auth_token_dpop_key_t  entry[NGX_HTTP_AUTH_TOKEN_DPOP_KEYS];
};



static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_key(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_keys_t *keys);
static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_cached_key(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_key_t *e);
static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_claims(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason);
static ngx_int_t ngx_http_auth_token_claim_string(json_t *claims,
    const char *name, size_t max, ngx_str_t *out);
static ngx_int_t ngx_http_auth_token_sha256_text(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_str_t *out);
static ngx_uint_t ngx_http_auth_token_is_b64url(u_char *p, size_t len);
static u_char *ngx_http_auth_token_htu_host(u_char *d, u_char *p,
    u_char *last);
static u_char *ngx_http_auth_token_htu_path(u_char *d, u_char *p,
    u_char *last);
static size_t ngx_http_auth_token_remove_dots(u_char *path, size_t len);
static ngx_int_t ngx_http_auth_token_hex(u_char c);
static ngx_uint_t ngx_http_auth_token_unreserved(u_char c);
static ngx_uint_t ngx_http_auth_token_sub_delim(u_char c);
static ngx_int_t ngx_http_auth_token_cert_pem(ngx_pool_t *pool, u_char *p,
    u_char *last, ngx_str_t *der, const char **err);
static ngx_int_t ngx_http_auth_token_cert_base64(ngx_pool_t *pool,
    u_char *p, u_char *last, ngx_str_t *der, const char **err);
static ngx_int_t ngx_http_auth_token_base64_any(ngx_pool_t *pool, u_char *p,
    u_char *last, ngx_uint_t url, ngx_str_t *dst);
static ngx_uint_t ngx_http_auth_token_b64_value(u_char c, ngx_uint_t url);
static ngx_uint_t ngx_http_auth_token_blank(u_char c);


/* ------------------------------------------------------------------------
 * DPoP proofs
 */

ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_parse(ngx_pool_t *pool, ngx_str_t *proof,
    ngx_uint_t algs, ngx_http_auth_token_dpop_t *p, const char **reason)
{
    return ngx_http_auth_token_dpop_parse_cached(pool, proof, algs, p,
                                                 reason, NULL);
}


ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_parse_cached(ngx_pool_t *pool, ngx_str_t *proof,
    ngx_uint_t algs, ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_keys_t *keys)
{
    json_t                        *typ;
    ngx_http_auth_token_jws_t      jws;
    ngx_http_auth_token_status_e   status;

    ngx_memzero(p, sizeof(ngx_http_auth_token_dpop_t));

    if (proof->len == 0) {
        *reason = "DPoP proof is empty";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (proof->len > NGX_HTTP_AUTH_TOKEN_DPOP_MAX_LENGTH) {
        *reason = "DPoP proof is too long";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /*
     * The compact JWS and its header, as for an access token; its reasons
     * speak of a token, so they are replaced.  "none" and unknown
     * algorithms, "crit" and "b64" are refused there.
     */

    status = ngx_http_auth_token_jws_parse(pool, proof, &jws, reason);

    if (status == NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG) {
        *reason = "DPoP proof algorithm or header is not supported";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        *reason = "Malformed DPoP proof";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /*
     * RFC 9449, section 4.3, check 4: "typ" is exactly "dpop+jwt", so that
     * no other JWT the client signed (an access token, a client assertion)
     * can pass for a proof
     */

    typ = json_object_get(jws.header, "typ");

    if (!json_is_string(typ)
        || json_string_length(typ) != sizeof("dpop+jwt") - 1
        || ngx_memcmp(json_string_value(typ), "dpop+jwt",
                      sizeof("dpop+jwt") - 1)
           != 0)
    {
        *reason = "DPoP proof \"typ\" is not \"dpop+jwt\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* check 5: an asymmetric algorithm that the location allows */

    if (!(algs & NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC
          & NGX_HTTP_AUTH_TOKEN_ALG_BIT(jws.alg)))
    {
        *reason = "DPoP proof algorithm is not allowed";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    p->alg = jws.alg;

    /* checks 6 and 7: the key of the "jwk" header, and the signature */

    status = ngx_http_auth_token_dpop_key(pool, &jws, p, reason, keys);
    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return status;
    }

    /* the claims, parsed only now that the signature is known good */

    return ngx_http_auth_token_dpop_claims(pool, &jws, p, reason);
}


static ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_key(ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_keys_t *keys)
{
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    json_t                         *jwk, *kty;
    ngx_int_t                       rc;
    ngx_str_t                       parts[2];
    ngx_uint_t                      i;
    const char                     *err;
    ngx_http_auth_token_key_t       key;
    ngx_http_auth_token_dpop_key_t *e;

    static const char  *private[] = {
        "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
    };

    /* a header seen in a proof that passed: its key, ready */

    e = NULL;

    if (keys) {
        ngx_str_set(&parts[0], "dpop key");
        parts[1] = jws->header_json;

        if (ngx_http_auth_token_sha256(hash, NULL, parts, 2) != NGX_OK) {
            *reason = "Out of memory";
            return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
        }

        e = &keys->entry[(hash[0] | hash[1] << 8)
                         % NGX_HTTP_AUTH_TOKEN_DPOP_KEYS];

        if (e->used
            && ngx_memcmp(e->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN) == 0)
        {
            return ngx_http_auth_token_dpop_cached_key(pool, jws, p, reason,
                                                       e);
        }
    }

    jwk = json_object_get(jws->header, "jwk");

    if (jwk == NULL) {
        *reason = "DPoP proof has no \"jwk\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (!json_is_object(jwk)) {
        *reason = "DPoP proof \"jwk\" is not an object";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /*
     * RFC 9449, section 4.3, check 6: a public key only.  A private member
     * means the client published its key; "oct" is a secret by nature.
     */

    for (i = 0; private[i]; i++) {
        if (json_object_get(jwk, private[i])) {
            *reason = "DPoP proof \"jwk\" holds a private key";
            return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
        }
    }

    kty = json_object_get(jwk, "kty");

    if (json_is_string(kty) && ngx_strcmp(json_string_value(kty), "oct") == 0)
    {
        *reason = "DPoP proof \"jwk\" is a symmetric key";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    rc = ngx_http_auth_token_jwk_thumbprint(pool, jwk, &p->jkt);

    if (rc == NGX_ERROR) {
        *reason = "Out of memory";
        return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
    }

    if (rc != NGX_OK) {
        *reason = "DPoP proof \"jwk\" is not a valid public key";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /*
     * The same members, now as a key; the key lives only for this check.
     * ngx_http_auth_token_jwk_parse() narrows it to its own "alg", refuses
     * "use" other than "sig", small RSA keys and points off the curve.
     */

    ngx_memzero(&key, sizeof(ngx_http_auth_token_key_t));

    err = ngx_http_auth_token_jwk_parse(pool, jwk, &key);

    if (err) {
        ngx_http_auth_token_key_free(&key);
        *reason = "DPoP proof \"jwk\" is not a usable key";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (!(key.algs & NGX_HTTP_AUTH_TOKEN_ALG_BIT(jws->alg))) {
        ngx_http_auth_token_key_free(&key);
        *reason = "DPoP proof key does not fit its algorithm";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    rc = ngx_http_auth_token_verify_key(&key, jws->alg, &jws->signing_input,
                                        &jws->signature);

    if (rc != NGX_OK || e == NULL) {
        ngx_http_auth_token_key_free(&key);

    } else {

        /* kept for the next proof with this header (its kid is the pool's) */

        if (e->used) {
            ngx_http_auth_token_key_free(&e->key);
        }

        ngx_str_null(&key.kid);

        e->key = key;
        e->used = 1;
        ngx_memcpy(e->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
        ngx_memcpy(e->jkt, p->jkt.data, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
    }

    if (rc != NGX_OK) {
        *reason = "DPoP proof signature is invalid";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* the key of a header that passed every check before: only the signature */

static ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_cached_key(ngx_pool_t *pool,
    ngx_http_auth_token_jws_t *jws, ngx_http_auth_token_dpop_t *p,
    const char **reason, ngx_http_auth_token_dpop_key_t *e)
{
    if (!(e->key.algs & NGX_HTTP_AUTH_TOKEN_ALG_BIT(jws->alg))) {
        *reason = "DPoP proof key does not fit its algorithm";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* the request keeps it: the entry may be replaced meanwhile */

    p->jkt.data = ngx_pnalloc(pool, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
    if (p->jkt.data == NULL) {
        *reason = "Out of memory";
        return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
    }

    ngx_memcpy(p->jkt.data, e->jkt, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
    p->jkt.len = NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN;

    if (ngx_http_auth_token_verify_key(&e->key, jws->alg, &jws->signing_input,
                                       &jws->signature)
        != NGX_OK)
    {
        *reason = "DPoP proof signature is invalid";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


ngx_http_auth_token_dpop_keys_t *
ngx_http_auth_token_dpop_keys_create(void)
{
    return OPENSSL_zalloc(sizeof(ngx_http_auth_token_dpop_keys_t));
}


void
ngx_http_auth_token_dpop_keys_free(ngx_http_auth_token_dpop_keys_t *keys)
{
    ngx_uint_t  i;

    if (keys == NULL) {
        return;
    }

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_DPOP_KEYS; i++) {
        if (keys->entry[i].used) {
            ngx_http_auth_token_key_free(&keys->entry[i].key);
        }
    }

    OPENSSL_free(keys);
}


static ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_claims(ngx_pool_t *pool,
    ngx_http_auth_token_jws_t *jws, ngx_http_auth_token_dpop_t *p,
    const char **reason)
{
    json_t      *v;
    const char  *err;

    p->claims = ngx_http_auth_token_json_object(pool, &jws->payload_json,
                                          NGX_HTTP_AUTH_TOKEN_DPOP_MAX_CLAIMS,
                                          &err);
    if (p->claims == NULL) {
        *reason = "Malformed DPoP proof claims";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (ngx_http_auth_token_claim_string(p->claims, "jti",
                                         NGX_HTTP_AUTH_TOKEN_DPOP_MAX_JTI,
                                         &p->jti)
        != NGX_OK)
    {
        *reason = "DPoP proof has no valid \"jti\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (ngx_http_auth_token_claim_string(p->claims, "htm", 0, &p->htm)
        != NGX_OK)
    {
        *reason = "DPoP proof has no valid \"htm\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (ngx_http_auth_token_claim_string(p->claims, "htu", 0, &p->htu)
        != NGX_OK)
    {
        *reason = "DPoP proof has no valid \"htu\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* "iat": a NumericDate (RFC 7519, section 2), maybe fractional */

    v = json_object_get(p->claims, "iat");

    if (json_is_integer(v)) {
        p->iat = (double) json_integer_value(v);

    } else if (json_is_real(v) && isfinite(json_real_value(v))) {
        p->iat = json_real_value(v);

    } else {
        *reason = "DPoP proof has no valid \"iat\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* optional here: "ath" is required with an access token, in check() */

    if (json_object_get(p->claims, "ath")
        && ngx_http_auth_token_claim_string(p->claims, "ath", 0, &p->ath)
           != NGX_OK)
    {
        *reason = "DPoP proof has an invalid \"ath\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (json_object_get(p->claims, "nonce")
        && ngx_http_auth_token_claim_string(p->claims, "nonce", 0, &p->nonce)
           != NGX_OK)
    {
        *reason = "DPoP proof has an invalid \"nonce\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    *reason = NULL;

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* a non-empty string claim of at most max bytes (0: any length) */

static ngx_int_t
ngx_http_auth_token_claim_string(json_t *claims, const char *name,
    size_t max, ngx_str_t *out)
{
    json_t  *v;

    v = json_object_get(claims, name);

    if (!json_is_string(v) || json_string_length(v) == 0
        || (max && json_string_length(v) > max))
    {
        return NGX_ERROR;
    }

    out->data = (u_char *) json_string_value(v);
    out->len = json_string_length(v);

    return NGX_OK;
}


ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_check(ngx_pool_t *pool,
    ngx_http_auth_token_dpop_t *p, ngx_http_auth_token_dpop_request_t *req,
    time_t *expires, const char **reason)
{
    time_t      t;
    ngx_int_t   rc;
    ngx_str_t   ath;

    /*
     * RFC 9449, section 7.1: a token presented with DPoP is bound to the
     * proof's key; one that is bound to none is the token's fault
     */

    if (req->jkt.len == 0) {
        *reason = "Token is not bound to a DPoP key";
        return NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH;
    }

    /* section 4.3, checks 8 and 9 */

    if (p->htm.len != req->method.len
        || ngx_memcmp(p->htm.data, req->method.data, p->htm.len) != 0)
    {
        *reason = "DPoP proof \"htm\" does not match the request method";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    rc = ngx_http_auth_token_dpop_htu_match(pool, &p->htu, &req->htu);

    if (rc == NGX_ERROR) {
        *reason = "Out of memory";
        return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
    }

    if (rc != NGX_OK) {
        *reason = "DPoP proof \"htu\" does not match the request URI";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* check 11: created within the window, with the leeway both ways */

    if (p->iat > (double) req->now + (double) req->leeway) {
        *reason = "DPoP proof is issued in the future";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (p->iat < (double) req->now - (double) req->window
                 - (double) req->leeway)
    {
        *reason = "DPoP proof is too old";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* check 12: the proof is for this access token, and from its key */

    if (p->ath.data == NULL) {
        *reason = "DPoP proof has no \"ath\"";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (ngx_http_auth_token_dpop_ath(pool, &req->token, &ath) != NGX_OK) {
        *reason = "Out of memory";
        return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
    }

    if (!ngx_http_auth_token_thumbprint_equal(&p->ath, &ath)) {
        *reason = "DPoP proof \"ath\" does not match the access token";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    if (!ngx_http_auth_token_thumbprint_equal(&p->jkt, &req->jkt)) {
        *reason = "DPoP proof key does not match the token";
        return NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF;
    }

    /* rounded up; iat is within a window of now: no overflow */

    t = (time_t) p->iat;

    if ((double) t < p->iat) {
        t++;
    }

    *expires = t + req->window + req->leeway;
    *reason = NULL;

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


ngx_int_t
ngx_http_auth_token_dpop_replay_key(ngx_http_auth_token_dpop_t *p,
    u_char *key)
{
    ngx_str_t  parts[3];

    ngx_str_set(&parts[0], "dpop jti");
    parts[1] = p->jkt;
    parts[2] = p->jti;

    return ngx_http_auth_token_sha256(key, NULL, parts, 3);
}


/* "ES256 RS256 PS256 EdDSA": for the algs="" of the DPoP challenge */

ngx_int_t
ngx_http_auth_token_dpop_algs_text(ngx_pool_t *pool, ngx_uint_t algs,
    ngx_str_t *text)
{
    u_char                           *p;
    size_t                            len;
    ngx_uint_t                        alg;
    const ngx_http_auth_token_alg_t  *a;

    algs &= NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC;

    len = 0;

    for (alg = 0; alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; alg++) {
        if (algs & NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg)) {
            len += ngx_http_auth_token_alg(alg)->name.len + 1;
        }
    }

    text->data = ngx_pnalloc(pool, len);
    if (text->data == NULL) {
        return NGX_ERROR;
    }

    p = text->data;

    for (alg = 0; alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; alg++) {
        if (!(algs & NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg))) {
            continue;
        }

        if (p != text->data) {
            *p++ = ' ';
        }

        a = ngx_http_auth_token_alg(alg);
        p = ngx_cpymem(p, a->name.data, a->name.len);
    }

    text->len = p - text->data;

    return NGX_OK;
}


/* ------------------------------------------------------------------------
 * The htu
 */

ngx_int_t
ngx_http_auth_token_htu_normalize(ngx_pool_t *pool, ngx_str_t *uri,
    ngx_str_t *out)
{
    u_char      *p, *last, *host, *host_end, *colon, *path, *d, *start;
    ngx_uint_t   https, port, digits;

    p = uri->data;
    last = p + uri->len;

    /* the query and the fragment never count */

    for (path = p; path < last && *path != '?' && *path != '#'; path++) {
        /* void */
    }

    last = path;

    if (last - p >= 7 && ngx_strncasecmp(p, (u_char *) "http://", 7) == 0) {
        https = 0;
        p += 7;

    } else if (last - p >= 8
               && ngx_strncasecmp(p, (u_char *) "https://", 8) == 0)
    {
        https = 1;
        p += 8;

    } else {
        return NGX_DECLINED;
    }

    /* the authority: host, then maybe ":port"; no userinfo */

    host = p;

    for (path = p; path < last && *path != '/'; path++) {
        if (*path == '@') {
            return NGX_DECLINED;
        }
    }

    if (host < path && *host == '[') {
        host_end = ngx_strlchr(host, path, ']');
        if (host_end == NULL) {
            return NGX_DECLINED;
        }

        host_end++;

    } else {
        host_end = ngx_strlchr(host, path, ':');
        if (host_end == NULL) {
            host_end = path;
        }
    }

    if (host_end == host) {
        return NGX_DECLINED;
    }

    port = https ? 443 : 80;
    digits = 0;

    if (host_end < path) {
        if (*host_end != ':') {
            return NGX_DECLINED;
        }

        port = 0;

        for (colon = host_end + 1; colon < path; colon++) {
            if (*colon < '0' || *colon > '9') {
                return NGX_DECLINED;
            }

            port = port * 10 + (*colon - '0');
            digits = 1;

            if (port > 65535) {
                return NGX_DECLINED;
            }
        }

        if (!digits) {
            /* "http://host:/" is "http://host/" (RFC 3986, 6.2.3) */
            port = https ? 443 : 80;
        }
    }

    /* a byte may become "%XX": three times the input is always enough */

    out->data = ngx_pnalloc(pool, sizeof("https://") - 1
                                  + 3 * (host_end - host)
                                  + sizeof(":65535") - 1
                                  + 3 * (last - path) + 1);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    d = out->data;

    d = https ? ngx_cpymem(d, "https://", 8) : ngx_cpymem(d, "http://", 7);

    d = ngx_http_auth_token_htu_host(d, host, host_end);
    if (d == NULL) {
        return NGX_DECLINED;
    }

    if (port != (https ? 443 : 80)) {
        d = ngx_sprintf(d, ":%ui", port);
    }

    start = d;

    if (path == last) {
        *d++ = '/';

    } else {
        d = ngx_http_auth_token_htu_path(d, path, last);
    }

    d = start + ngx_http_auth_token_remove_dots(start, d - start);

    out->len = d - out->data;

    return NGX_OK;
}


/*
 * The host: letters lowercased, percent-encoding normalized; only what
 * RFC 3986 allows in a reg-name, an IPv4 address or an IP-literal.
 */

static u_char *
ngx_http_auth_token_htu_host(u_char *d, u_char *p, u_char *last)
{
    u_char      c;
    ngx_int_t   hi, lo;
    ngx_uint_t  literal;

    static u_char  hex[] = "0123456789ABCDEF";

    literal = (*p == '[');

    while (p < last) {
        c = *p++;

        if (c == '%') {
            if (last - p < 2) {
                return NULL;
            }

            hi = ngx_http_auth_token_hex(p[0]);
            lo = ngx_http_auth_token_hex(p[1]);

            if (hi < 0 || lo < 0) {
                return NULL;
            }

            p += 2;
            c = (u_char) (hi << 4 | lo);

            if (ngx_http_auth_token_unreserved(c)) {
                *d++ = ngx_tolower(c);
                continue;
            }

            *d++ = '%';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 0x0f];
            continue;
        }

        if (ngx_http_auth_token_unreserved(c)
            || ngx_http_auth_token_sub_delim(c)
            || (literal && (c == '[' || c == ']' || c == ':')))
        {
            *d++ = ngx_tolower(c);
            continue;
        }

        return NULL;
    }

    return d;
}


/*
 * The path, percent-encoding normalized (RFC 3986, section 6.2.2.2):
 * uppercase hex digits, unreserved characters decoded, and anything that
 * may not stand unencoded in a path encoded, so that "a b" and "a%20b"
 * compare equal.
 */

static u_char *
ngx_http_auth_token_htu_path(u_char *d, u_char *p, u_char *last)
{
    u_char     c;
    ngx_int_t  hi, lo;

    static u_char  hex[] = "0123456789ABCDEF";

    while (p < last) {
        c = *p++;

        if (c == '%' && last - p >= 2) {
            hi = ngx_http_auth_token_hex(p[0]);
            lo = ngx_http_auth_token_hex(p[1]);

            if (hi >= 0 && lo >= 0) {
                p += 2;
                c = (u_char) (hi << 4 | lo);

                if (ngx_http_auth_token_unreserved(c)) {
                    *d++ = c;
                    continue;
                }

                goto encode;
            }
        }

        if (c != '%'
            && (ngx_http_auth_token_unreserved(c)
                || ngx_http_auth_token_sub_delim(c)
                || c == ':' || c == '@' || c == '/'))
        {
            *d++ = c;
            continue;
        }

    encode:

        *d++ = '%';
        *d++ = hex[c >> 4];
        *d++ = hex[c & 0x0f];
    }

    return d;
}


/*
 * remove_dot_segments (RFC 3986, section 5.2.4) of an absolute path, in
 * place: the result is never longer.  Returns the new length.
 */

static size_t
ngx_http_auth_token_remove_dots(u_char *path, size_t len)
{
    u_char  *in, *end, *seg, *out;
    size_t   n;

    in = path;
    end = path + len;
    out = path;

    while (in < end) {

        /* in is at a "/" */

        seg = in + 1;

        for (in = seg; in < end && *in != '/'; in++) {
            /* void */
        }

        n = in - seg;

        if (n == 1 && seg[0] == '.') {
            if (in == end) {
                *out++ = '/';
            }

            continue;
        }

        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/') {
                /* void */
            }

            if (in == end) {
                *out++ = '/';
            }

            continue;
        }

        /* out never passes seg - 1: memmove for the overlap */

        *out++ = '/';
        ngx_memmove(out, seg, n);
        out += n;
    }

    if (out == path) {
        *out++ = '/';
    }

    return out - path;
}


ngx_int_t
ngx_http_auth_token_dpop_htu(ngx_pool_t *pool, ngx_str_t *origin,
    ngx_str_t *path, ngx_str_t *out)
{
    u_char     *p;
    size_t      olen, plen;
    ngx_str_t   uri;

    /* an origin with a query or a fragment cannot be a prefix */

    if (ngx_strlchr(origin->data, origin->data + origin->len, '?')
        || ngx_strlchr(origin->data, origin->data + origin->len, '#'))
    {
        return NGX_DECLINED;
    }

    olen = origin->len;

    while (olen && origin->data[olen - 1] == '/') {
        olen--;
    }

    for (plen = 0; plen < path->len; plen++) {
        if (path->data[plen] == '?' || path->data[plen] == '#') {
            break;
        }
    }

    uri.len = olen + 1 + plen;
    uri.data = ngx_pnalloc(pool, uri.len);
    if (uri.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(uri.data, origin->data, olen);

    if (plen == 0 || path->data[0] != '/') {
        *p++ = '/';
    }

    p = ngx_cpymem(p, path->data, plen);
    uri.len = p - uri.data;

    return ngx_http_auth_token_htu_normalize(pool, &uri, out);
}


ngx_int_t
ngx_http_auth_token_dpop_htu_match(ngx_pool_t *pool, ngx_str_t *htu,
    ngx_str_t *expected)
{
    ngx_int_t  rc;
    ngx_str_t  norm;

    rc = ngx_http_auth_token_htu_normalize(pool, htu, &norm);
    if (rc != NGX_OK) {
        return rc;
    }

    if (norm.len != expected->len
        || ngx_memcmp(norm.data, expected->data, norm.len) != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */

static ngx_uint_t
ngx_http_auth_token_unreserved(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


/*
 * sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";"
 *              / "="
 */

static ngx_uint_t
ngx_http_auth_token_sub_delim(u_char c)
{
    switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=':
        return 1;
    }

    return 0;
}


/* ------------------------------------------------------------------------
 * Thumbprints
 */

ngx_int_t
ngx_http_auth_token_jwk_thumbprint(ngx_pool_t *pool, json_t *jwk,
    ngx_str_t *out)
{
    u_char       *buf, *d, *s, *last;
    size_t        len, n;
    json_t       *kty, *v;
    ngx_int_t     rc;
    ngx_uint_t    i;
    const char  **names;

    /* the required members of each key type, in lexicographic order */

    static const char  *ec[] = { "crv", "kty", "x", "y", NULL };
    static const char  *rsa[] = { "e", "kty", "n", NULL };
    static const char  *okp[] = { "crv", "kty", "x", NULL };

    if (!json_is_object(jwk)) {
        return NGX_DECLINED;
    }

    kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty)) {
        return NGX_DECLINED;
    }

    if (ngx_strcmp(json_string_value(kty), "EC") == 0) {
        names = ec;

    } else if (ngx_strcmp(json_string_value(kty), "RSA") == 0) {
        names = rsa;

    } else if (ngx_strcmp(json_string_value(kty), "OKP") == 0) {
        names = okp;

    } else {
        return NGX_DECLINED;
    }

    /*
     * Every value is serialized as it is: the key material must be strict
     * base64url and "crv" printable, so that none needs escaping
     */

    len = sizeof("{}") - 1;

    for (i = 0; names[i]; i++) {
        v = json_object_get(jwk, names[i]);

        if (!json_is_string(v) || json_string_length(v) == 0) {
            return NGX_DECLINED;
        }

        s = (u_char *) json_string_value(v);
        n = json_string_length(v);

        if (ngx_strcmp(names[i], "crv") == 0
            || ngx_strcmp(names[i], "kty") == 0)
        {
            for (last = s + n; s < last; s++) {
                if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\') {
                    return NGX_DECLINED;
                }
            }

        } else if (!ngx_http_auth_token_is_b64url(s, n)) {
            return NGX_DECLINED;
        }

        len += sizeof("\"\":\"\",") - 1 + ngx_strlen(names[i]) + n;
    }

    buf = ngx_pnalloc(pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    d = buf;
    *d++ = '{';

    for (i = 0; names[i]; i++) {
        v = json_object_get(jwk, names[i]);

        if (i) {
            *d++ = ',';
        }

        *d++ = '"';
        d = ngx_cpymem(d, names[i], ngx_strlen(names[i]));
        *d++ = '"';
        *d++ = ':';
        *d++ = '"';
        d = ngx_cpymem(d, json_string_value(v), json_string_length(v));
        *d++ = '"';
    }

    *d++ = '}';

    rc = ngx_http_auth_token_sha256_text(pool, buf, d - buf, out);

    return rc;
}


ngx_int_t
ngx_http_auth_token_dpop_ath(ngx_pool_t *pool, ngx_str_t *token,
    ngx_str_t *out)
{
    return ngx_http_auth_token_sha256_text(pool, token->data, token->len,
                                           out);
}


ngx_uint_t
ngx_http_auth_token_thumbprint_equal(ngx_str_t *a, ngx_str_t *b)
{
    if (a->len != b->len || a->len == 0) {
        return 0;
    }

    return CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}


/* base64url(SHA-256(data)) in the pool */

static ngx_int_t
ngx_http_auth_token_sha256_text(ngx_pool_t *pool, u_char *data, size_t len,
    ngx_str_t *out)
{
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  n;

    if (EVP_Digest(data, len, md, &n,
                   ngx_http_auth_token_alg_md(NGX_HTTP_AUTH_TOKEN_HS256),
                   NULL)
        != 1
        || n != 32)
    {
        ERR_clear_error();
        return NGX_ERROR;
    }

    out->data = ngx_pnalloc(pool, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    out->len = ngx_http_auth_token_b64url_encode(out->data, md, n)
               - out->data;

    return NGX_OK;
}


/* strict base64url text: the alphabet only, no padding */

static ngx_uint_t
ngx_http_auth_token_is_b64url(u_char *p, size_t len)
{
    u_char     *last;
    ngx_str_t   src, dst;
    u_char      buf[3];

    if (len % 4 == 1) {
        return 0;
    }

    for (last = p + len; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        {
            return 0;
        }
    }

    /* and no stray bits at the end: one value, one encoding */

    if (len % 4 == 0) {
        return 1;
    }

    src.data = last - len % 4;
    src.len = len % 4;
    dst.data = buf;

    return ngx_http_auth_token_b64url_decode(&dst, &src) == NGX_OK;
}


/* ------------------------------------------------------------------------
 * Client certificates
 */

ngx_int_t
ngx_http_auth_token_cert_thumbprint(ngx_pool_t *pool, ngx_str_t *in,
    ngx_uint_t encoding, ngx_str_t *out, const char **err)
{
    u_char               *p, *last, *d;
    X509                 *x509;
    ngx_int_t             hi, lo, rc;
    ngx_str_t             der;
    const unsigned char  *q;

    p = in->data;
    last = p + in->len;

    if (in->len > NGX_HTTP_AUTH_TOKEN_MAX_CERT) {
        *err = "client certificate too large";
        return NGX_DECLINED;
    }

    while (p < last && ngx_http_auth_token_blank(*p)) {
        p++;
    }

    if (p == last) {
        *err = "no client certificate";
        return NGX_DECLINED;
    }

    if (encoding == NGX_HTTP_AUTH_TOKEN_CERT_AUTO) {
        if (ngx_strlchr(p, last, '%')) {
            encoding = NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED;

        } else if (*p == '-') {
            encoding = NGX_HTTP_AUTH_TOKEN_CERT_PEM;

        } else {
            encoding = NGX_HTTP_AUTH_TOKEN_CERT_BASE64;
        }
    }

    switch (encoding) {

    case NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED:

        /* URL-escaped PEM: %XX decoded first, nothing else changes */

        d = ngx_pnalloc(pool, last - p);
        if (d == NULL) {
            *err = "out of memory";
            return NGX_ERROR;
        }

        der.data = d;

        while (p < last) {
            if (*p != '%') {
                *d++ = *p++;
                continue;
            }

            if (last - p < 3) {
                *err = "bad URL escaping";
                return NGX_DECLINED;
            }

            hi = ngx_http_auth_token_hex(p[1]);
            lo = ngx_http_auth_token_hex(p[2]);

            if (hi < 0 || lo < 0) {
                *err = "bad URL escaping";
                return NGX_DECLINED;
            }

            *d++ = (u_char) (hi << 4 | lo);
            p += 3;
        }

        p = der.data;
        last = d;

        /* fall through */

    case NGX_HTTP_AUTH_TOKEN_CERT_PEM:
        rc = ngx_http_auth_token_cert_pem(pool, p, last, &der, err);
        break;

    case NGX_HTTP_AUTH_TOKEN_CERT_BASE64:
        rc = ngx_http_auth_token_cert_base64(pool, p, last, &der, err);
        break;

    default:
        *err = "unknown certificate encoding";
        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        return rc;
    }

    /* all of it one certificate, as OpenSSL reads it */

    q = der.data;

    x509 = d2i_X509(NULL, &q, der.len);

    if (x509 == NULL || q != der.data + der.len) {
        X509_free(x509);
        ERR_clear_error();
        *err = "not exactly one certificate";
        return NGX_DECLINED;
    }

    X509_free(x509);

    if (ngx_http_auth_token_sha256_text(pool, der.data, der.len, out)
        != NGX_OK)
    {
        *err = "out of memory";
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * One PEM certificate block, blanks around it and inside its base64 (the
 * old $ssl_client_cert starts lines with a tab), nothing else
 */

static ngx_int_t
ngx_http_auth_token_cert_pem(ngx_pool_t *pool, u_char *p, u_char *last,
    ngx_str_t *der, const char **err)
{
    u_char     *body, *end;
    ngx_int_t   rc;

    static u_char  begin[] = "-----BEGIN CERTIFICATE-----";
    static u_char  tail[] = "-----END CERTIFICATE-----";

    while (p < last && ngx_http_auth_token_blank(*p)) {
        p++;
    }

    while (last > p && ngx_http_auth_token_blank(last[-1])) {
        last--;
    }

    if ((size_t) (last - p) < sizeof(begin) - 1 + sizeof(tail) - 1
        || ngx_memcmp(p, begin, sizeof(begin) - 1) != 0
        || ngx_memcmp(last - (sizeof(tail) - 1), tail, sizeof(tail) - 1)
           != 0)
    {
        *err = "not a PEM certificate";
        return NGX_DECLINED;
    }

    body = p + sizeof(begin) - 1;
    end = last - (sizeof(tail) - 1);

    /*
     * the standard alphabet only: the "-----" of a second block, or
     * anything else, is not base64
     */

    rc = ngx_http_auth_token_base64_any(pool, body, end, 0, der);

    if (rc == NGX_ERROR) {
        *err = "out of memory";
        return NGX_ERROR;
    }

    if (rc != NGX_OK || der->len == 0) {
        *err = "not exactly one PEM certificate";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* base64 DER, either alphabet; RFC 9440 wraps it in colons */

static ngx_int_t
ngx_http_auth_token_cert_base64(ngx_pool_t *pool, u_char *p, u_char *last,
    ngx_str_t *der, const char **err)
{
    ngx_int_t  rc;

    while (last > p && ngx_http_auth_token_blank(last[-1])) {
        last--;
    }

    if (last - p >= 2 && *p == ':' && last[-1] == ':') {
        p++;
        last--;
    }

    rc = ngx_http_auth_token_base64_any(pool, p, last, 1, der);

    if (rc == NGX_ERROR) {
        *err = "out of memory";
        return NGX_ERROR;
    }

    if (rc != NGX_OK || der->len == 0) {
        *err = "not a base64 certificate";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * base64 (RFC 4648, section 4; with url, section 5's "-_" as well) into
 * the pool; blanks ignored, padding optional but only at the end, unused
 * bits zero
 */

static ngx_int_t
ngx_http_auth_token_base64_any(ngx_pool_t *pool, u_char *p, u_char *last,
    ngx_uint_t url, ngx_str_t *dst)
{
    u_char      *d;
    ngx_uint_t   v, acc, bits, n, pad;

    dst->data = ngx_pnalloc(pool, (last - p) / 4 * 3 + 3);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    d = dst->data;
    acc = 0;
    bits = 0;
    n = 0;
    pad = 0;

    for ( /* void */ ; p < last; p++) {

        if (ngx_http_auth_token_blank(*p)) {
            continue;
        }

        if (*p == '=') {
            if (++pad > 2) {
                return NGX_DECLINED;
            }

            continue;
        }

        v = ngx_http_auth_token_b64_value(*p, url);

        if (pad || v > 63) {
            return NGX_DECLINED;
        }

        acc = (acc << 6 | v) & 0xffff;
        bits += 6;
        n++;

        if (bits >= 8) {
            bits -= 8;
            *d++ = (u_char) (acc >> bits);
        }
    }

    if (n % 4 == 1 || (pad && (n + pad) % 4 != 0)
        || (acc & (((ngx_uint_t) 1 << bits) - 1)))
    {
        return NGX_DECLINED;
    }

    dst->len = d - dst->data;

    return NGX_OK;
}


/* a base64 digit (with url: of either alphabet), or 64 */

static ngx_uint_t
ngx_http_auth_token_b64_value(u_char c, ngx_uint_t url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == '+' || (url && c == '-')) {
        return 62;
    }

    if (c == '/' || (url && c == '_')) {
        return 63;
    }

    return 64;
}


static ngx_uint_t
ngx_http_auth_token_blank(u_char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* ------------------------------------------------------------------------
 * The confirmation claim
 */

ngx_http_auth_token_status_e
ngx_http_auth_token_cnf(json_t *claims, ngx_str_t *jkt, ngx_str_t *x5t,
    const char **reason)
{
    json_t      *cnf, *v;
    ngx_uint_t   i;
    ngx_str_t   *out[2];

    static const char  *names[] = { "jkt", "x5t#S256" };

    ngx_str_null(jkt);
    ngx_str_null(x5t);

    out[0] = jkt;
    out[1] = x5t;

    cnf = json_object_get(claims, "cnf");

    if (cnf == NULL) {
        return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
    }

    if (!json_is_object(cnf)) {
        *reason = "Malformed \"cnf\" claim";
        return NGX_HTTP_AUTH_TOKEN_MALFORMED;
    }

    for (i = 0; i < 2; i++) {
        v = json_object_get(cnf, names[i]);

        if (v == NULL) {
            continue;
        }

        if (!json_is_string(v)
            || json_string_length(v) != NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN
            || !ngx_http_auth_token_is_b64url((u_char *) json_string_value(v),
                                              json_string_length(v)))
        {
            *reason = "Malformed \"cnf\" claim";
            return NGX_HTTP_AUTH_TOKEN_MALFORMED;
        }

        out[i]->data = (u_char *) json_string_value(v);
        out[i]->len = json_string_length(v);
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}
