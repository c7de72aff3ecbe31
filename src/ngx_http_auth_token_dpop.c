
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_jws.h"

#include <math.h>
#include <openssl/crypto.h>


/*
 * DPoP proofs (RFC 9449, section 4.3, all but the replay check): read,
 * their key cached per process, checked against the request's parts.
 * Pure: no request here (see the header for how the request step uses
 * it).
 */


/*
 * A proof header that passed every check (by a SHA-256 of its bytes as
 * sent): its alg, its key ready to verify, the key's thumbprint
 */

typedef struct {
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          jkt[NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN];
    ngx_uint_t                      used;
    ngx_uint_t                      alg;
    ngx_http_auth_token_key_t       key;
} ngx_http_auth_token_dpop_key_t;


struct ngx_http_auth_token_dpop_keys_s {
    ngx_http_auth_token_dpop_key_t  entry[NGX_HTTP_AUTH_TOKEN_DPOP_KEYS];
};


static ngx_http_auth_token_dpop_key_t *ngx_http_auth_token_dpop_slot(
    ngx_http_auth_token_dpop_keys_t *keys, ngx_http_auth_token_jws_t *jws,
    u_char *hash);
static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_key(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_key_t *e, u_char *hash);
static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_cached_key(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_key_t *e);
static ngx_http_auth_token_status_e ngx_http_auth_token_dpop_claims(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason);
static ngx_int_t ngx_http_auth_token_claim_string(json_t *claims,
    const char *name, size_t max, ngx_str_t *out);


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
    u_char                           hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    json_t                          *typ;
    ngx_uint_t                       known;
    ngx_http_auth_token_jws_t        jws;
    ngx_http_auth_token_status_e     status;
    ngx_http_auth_token_dpop_key_t  *e;

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

    status = ngx_http_auth_token_jws_split(pool, proof, &jws, reason);

    /* a header that passed before, by its bytes: typ, alg, jwk are known */

    e = NULL;
    known = 0;

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED && keys) {
        e = ngx_http_auth_token_dpop_slot(keys, &jws, hash);

        if (e == NULL) {
            *reason = "Out of memory";
            return NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
        }

        known = e->used
                && ngx_memcmp(e->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN)
                   == 0;

        if (known) {
            jws.alg = e->alg;
        }
    }

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED && !known) {
        status = ngx_http_auth_token_jws_read_header(pool, &jws, reason);
    }

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

    if (!known) {
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

    if (known) {
        status = ngx_http_auth_token_dpop_cached_key(pool, &jws, p, reason,
                                                     e);

    } else {
        status = ngx_http_auth_token_dpop_key(pool, &jws, p, reason, e,
                                              hash);
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return status;
    }

    /* the claims, parsed only now that the signature is known good */

    return ngx_http_auth_token_dpop_claims(pool, &jws, p, reason);
}


/* the cache entry for the proof's header, and the header's hash */

static ngx_http_auth_token_dpop_key_t *
ngx_http_auth_token_dpop_slot(ngx_http_auth_token_dpop_keys_t *keys,
    ngx_http_auth_token_jws_t *jws, u_char *hash)
{
    ngx_str_t  parts[2];

    ngx_str_set(&parts[0], "dpop header");
    parts[1] = jws->header_b64;

    if (ngx_http_auth_token_sha256(hash, NULL, parts, 2) != NGX_OK) {
        return NULL;
    }

    return &keys->entry[(hash[0] | hash[1] << 8)
                        % NGX_HTTP_AUTH_TOKEN_DPOP_KEYS];
}


/*
 * The key of the proof's "jwk" header, checked, then the signature; kept
 * in the cache entry e (if any) when the signature is good.
 */

static ngx_http_auth_token_status_e
ngx_http_auth_token_dpop_key(ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_key_t *e, u_char *hash)
{
    json_t                     *jwk, *kty;
    ngx_int_t                   rc;
    ngx_uint_t                  i;
    const char                 *err;
    ngx_http_auth_token_key_t   key;

    static const char  *private[] = {
        "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
    };

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
        e->alg = jws->alg;
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
    /* e->alg was checked against the key when the entry was made */

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
