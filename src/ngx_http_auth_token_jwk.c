
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_encoding.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>


/*
 * JSON Web Keys (RFC 7517) into verification keys, each parsed once into
 * OpenSSL objects with a ready context per algorithm.  Pure: no request
 * here.
 */

#define NGX_HTTP_AUTH_TOKEN_MIN_RSA_BITS  2048


static const char *ngx_http_auth_token_jwk_oct(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key);
static const char *ngx_http_auth_token_jwk_rsa(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key);
static const char *ngx_http_auth_token_jwk_ec(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key);
static const char *ngx_http_auth_token_jwk_okp(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key);
static const char *ngx_http_auth_token_rsa_modulus(ngx_str_t *n);
static const char *ngx_http_auth_token_ed25519_point(u_char *x);
static EVP_PKEY *ngx_http_auth_token_pkey_fromdata(const char *type,
    OSSL_PARAM_BLD *bld);
static const char *ngx_http_auth_token_jwk_ctx(ngx_http_auth_token_key_t *key);
static const char *ngx_http_auth_token_jwk_fp(ngx_http_auth_token_key_t *key);
static ngx_int_t ngx_http_auth_token_jwk_digest(ngx_http_auth_token_key_t *key,
    u_char *material, size_t len);
static ngx_int_t ngx_http_auth_token_jwk_field(ngx_pool_t *pool,
    json_t *jwk, const char *name, ngx_str_t *out);
static void ngx_http_auth_token_keyset_cleanup(void *data);


/*
 * Parses a JWKS document (RFC 7517, section 5) into verification keys.
 * Keys that cannot be used for signatures are skipped with a warning;
 * a document without any usable key is an error.
 */

ngx_http_auth_token_keyset_t *
ngx_http_auth_token_jwks_parse(ngx_pool_t *pool, ngx_log_t *log,
    ngx_str_t *name, u_char *data, size_t len, const char **err)
{
    u_char                        *e;
    size_t                         i;
    json_t                        *root, *keys, *jwk, *kid;
    const char                    *reason;

    u_char                         escaped[NGX_HTTP_AUTH_TOKEN_LOG_LEN(
                                               NGX_HTTP_AUTH_TOKEN_LOG_MAX)];
    ngx_pool_cleanup_t            *cln;
    ngx_http_auth_token_key_t     *key;
    ngx_http_auth_token_keyset_t  *ks;

    if (len > NGX_HTTP_AUTH_TOKEN_MAX_JWKS) {
        *err = "JWKS too large";
        return NULL;
    }

    root = ngx_http_auth_token_json_parse(NULL, data, len,
                                          NGX_HTTP_AUTH_TOKEN_MAX_JWKS_DEPTH,
                                          err);
    if (root == NULL) {
        return NULL;
    }

    ks = NULL;

    keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        *err = "no \"keys\" array";
        goto done;
    }

    ks = ngx_pcalloc(pool, sizeof(ngx_http_auth_token_keyset_t));
    if (ks == NULL) {
        *err = "out of memory";
        goto done;
    }

    ks->name = *name;

    if (ngx_array_init(&ks->keys, pool, json_array_size(keys) + 1,
                       sizeof(ngx_http_auth_token_key_t))
        != NGX_OK)
    {
        *err = "out of memory";
        ks = NULL;
        goto done;
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        *err = "out of memory";
        ks = NULL;
        goto done;
    }

    cln->handler = ngx_http_auth_token_keyset_cleanup;
    cln->data = ks;

    json_array_foreach(keys, i, jwk) {

        key = ngx_array_push(&ks->keys);
        if (key == NULL) {
            *err = "out of memory";
            ks = NULL;
            goto done;
        }

        ngx_memzero(key, sizeof(ngx_http_auth_token_key_t));

        reason = ngx_http_auth_token_jwk_parse(pool, jwk, key);

        if (reason) {
            kid = json_object_get(jwk, "kid");

            if (log && json_is_string(kid)) {
                e = ngx_http_auth_token_log_escape_into(escaped,
                                           (u_char *) json_string_value(kid),
                                           json_string_length(kid));

                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "auth_token: JWKS \"%V\": key #%uz "
                              "(kid \"%*s\") skipped: %s", name, i,
                              e - escaped, escaped, reason);

            } else if (log) {
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "auth_token: JWKS \"%V\": key #%uz skipped: %s",
                              name, i, reason);
            }

            ngx_http_auth_token_key_free(key);
            ks->keys.nelts--;
        }
    }

    if (ks->keys.nelts == 0) {
        *err = "no usable keys";
        ks = NULL;
    }

done:

    json_decref(root);

    return ks;
}


/*
 * One JWK into a key (zeroed by the caller): NULL, or why it cannot be
 * used.  On failure the key must still be freed.
 */

const char *
ngx_http_auth_token_jwk_parse(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key)
{
    size_t       i;
    json_t      *kty, *v, *op;
    ngx_int_t    alg;
    ngx_uint_t   verify;
    const char  *reason;

    if (!json_is_object(jwk)) {
        return "not an object";
    }

    kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty)) {
        return "no \"kty\"";
    }

    v = json_object_get(jwk, "use");
    if (v && (!json_is_string(v) || ngx_strcmp(json_string_value(v), "sig")))
    {
        return "\"use\" is not \"sig\"";
    }

    v = json_object_get(jwk, "key_ops");
    if (v) {
        verify = 0;

        json_array_foreach(v, i, op) {
            if (json_is_string(op)
                && ngx_strcmp(json_string_value(op), "verify") == 0)
            {
                verify = 1;
            }
        }

        if (!verify) {
            return "\"key_ops\" does not allow \"verify\"";
        }
    }

    v = json_object_get(jwk, "kid");
    if (v) {
        if (!json_is_string(v)) {
            return "\"kid\" is not a string";
        }

        key->kid.len = json_string_length(v);
        key->kid.data = ngx_pnalloc(pool, key->kid.len + 1);
        if (key->kid.data == NULL) {
            return "out of memory";
        }

        ngx_memcpy(key->kid.data, json_string_value(v), key->kid.len + 1);
    }

    if (ngx_strcmp(json_string_value(kty), "oct") == 0) {
        reason = ngx_http_auth_token_jwk_oct(pool, jwk, key);

    } else if (ngx_strcmp(json_string_value(kty), "RSA") == 0) {
        reason = ngx_http_auth_token_jwk_rsa(pool, jwk, key);

    } else if (ngx_strcmp(json_string_value(kty), "EC") == 0) {
        reason = ngx_http_auth_token_jwk_ec(pool, jwk, key);

    } else if (ngx_strcmp(json_string_value(kty), "OKP") == 0) {
        reason = ngx_http_auth_token_jwk_okp(pool, jwk, key);

    } else {
        reason = "unsupported \"kty\"";
    }

    if (reason == NULL) {
        reason = ngx_http_auth_token_jwk_fp(key);
    }

    if (reason) {
        return reason;
    }

    /* the key's own "alg" narrows what it may verify */

    v = json_object_get(jwk, "alg");
    if (v) {
        if (!json_is_string(v)) {
            return "\"alg\" is not a string";
        }

        alg = ngx_http_auth_token_alg_by_name(
                                          (u_char *) json_string_value(v),
                                          json_string_length(v));
        if (alg == NGX_ERROR) {
            return "unsupported \"alg\"";
        }

        if (!(key->algs & ((ngx_uint_t) 1 << alg))) {
            return "\"alg\" does not fit the key";
        }

        key->algs = (ngx_uint_t) 1 << alg;
    }

    return ngx_http_auth_token_jwk_ctx(key);
}


static const char *
ngx_http_auth_token_jwk_oct(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key)
{
    ngx_uint_t  alg;

    if (ngx_http_auth_token_jwk_field(pool, jwk, "k", &key->secret)
        != NGX_OK)
    {
        return "no valid \"k\"";
    }

    key->kty = NGX_HTTP_AUTH_TOKEN_KTY_OCT;

    /* RFC 7518, section 3.2: the secret is at least as long as the hash */

    for (alg = NGX_HTTP_AUTH_TOKEN_HS256; alg <= NGX_HTTP_AUTH_TOKEN_HS512;
         alg++)
    {
        if (key->secret.len >= ngx_http_auth_token_alg(alg)->sig_len) {
            key->algs |= (ngx_uint_t) 1 << alg;
        }
    }

    if (key->algs == 0) {
        return "HMAC secret shorter than 32 bytes";
    }

    return NULL;
}


static const char *
ngx_http_auth_token_jwk_rsa(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key)
{
    BIGNUM          *n, *e;
    ngx_str_t        nb, eb;
    const char      *reason;
    OSSL_PARAM_BLD  *bld;

    if (ngx_http_auth_token_jwk_field(pool, jwk, "n", &nb) != NGX_OK
        || ngx_http_auth_token_jwk_field(pool, jwk, "e", &eb) != NGX_OK)
    {
        return "no valid \"n\" and \"e\"";
    }

    /*
     * FIPS 186-4 bounds the public exponent by 2^256; a bigger one would
     * make every verification as slow as a private-key operation
     */

    while (eb.len && eb.data[0] == 0) {
        eb.data++;
        eb.len--;
    }

    if (eb.len > 32) {
        return "RSA exponent larger than 256 bits";
    }

    /*
     * e = 1 or 2 makes the PKCS#1 encoding of any hash a valid signature;
     * an even e is never valid (NIST SP 800-56B, 6.4.1)
     */

    if (eb.len == 0 || (eb.len == 1 && eb.data[0] < 3)
        || (eb.data[eb.len - 1] & 1) == 0)
    {
        return "RSA exponent is not odd and at least 3";
    }

    n = BN_bin2bn(nb.data, nb.len, NULL);
    e = BN_bin2bn(eb.data, eb.len, NULL);
    bld = OSSL_PARAM_BLD_new();

    reason = "cannot build RSA key";

    if (n && e && bld
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    {
        key->pkey = ngx_http_auth_token_pkey_fromdata("RSA", bld);
    }

    BN_free(n);
    BN_free(e);
    OSSL_PARAM_BLD_free(bld);

    if (key->pkey == NULL) {
        return reason;
    }

    if (EVP_PKEY_get_bits(key->pkey) < NGX_HTTP_AUTH_TOKEN_MIN_RSA_BITS) {
        return "RSA key shorter than 2048 bits";
    }

    reason = ngx_http_auth_token_rsa_modulus(&nb);
    if (reason) {
        return reason;
    }

    key->kty = NGX_HTTP_AUTH_TOKEN_KTY_RSA;
    key->algs = ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_RS256)
                | ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_RS384)
                | ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_RS512)
                | ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_PS256)
                | ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_PS384)
                | ((ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_PS512);

    return NULL;
}


static const char *
ngx_http_auth_token_jwk_ec(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key)
{
    u_char                           *pub;
    size_t                            coord;
    json_t                           *crv;
    ngx_str_t                         x, y;
    ngx_uint_t                        alg;
    OSSL_PARAM_BLD                   *bld;
    const ngx_http_auth_token_alg_t  *a;

    crv = json_object_get(jwk, "crv");
    if (!json_is_string(crv)) {
        return "no \"crv\"";
    }

    for (alg = NGX_HTTP_AUTH_TOKEN_ES256; alg <= NGX_HTTP_AUTH_TOKEN_ES512;
         alg++)
    {
        if (ngx_strcmp(ngx_http_auth_token_alg(alg)->group,
                       json_string_value(crv))
            == 0)
        {
            break;
        }
    }

    if (alg > NGX_HTTP_AUTH_TOKEN_ES512) {
        return "unsupported curve";
    }

    a = ngx_http_auth_token_alg(alg);
    coord = a->sig_len / 2;

    if (ngx_http_auth_token_jwk_field(pool, jwk, "x", &x) != NGX_OK
        || ngx_http_auth_token_jwk_field(pool, jwk, "y", &y) != NGX_OK
        || x.len != coord || y.len != coord)
    {
        return "no valid \"x\" and \"y\"";
    }

    pub = ngx_pnalloc(pool, 1 + 2 * coord);
    if (pub == NULL) {
        return "out of memory";
    }

    pub[0] = 0x04;
    ngx_memcpy(pub + 1, x.data, coord);
    ngx_memcpy(pub + 1 + coord, y.data, coord);

    bld = OSSL_PARAM_BLD_new();

    if (bld
        && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                           a->group, 0)
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                            pub, 1 + 2 * coord))
    {
        key->pkey = ngx_http_auth_token_pkey_fromdata("EC", bld);
    }

    OSSL_PARAM_BLD_free(bld);

    if (key->pkey == NULL) {
        return "not a valid point on the curve";
    }

    key->kty = NGX_HTTP_AUTH_TOKEN_KTY_EC;
    key->algs = (ngx_uint_t) 1 << alg;

    return NULL;
}


static const char *
ngx_http_auth_token_jwk_okp(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key)
{
    json_t      *crv;
    ngx_str_t    x;
    const char  *reason;

    crv = json_object_get(jwk, "crv");
    if (!json_is_string(crv)
        || ngx_strcmp(json_string_value(crv), "Ed25519") != 0)
    {
        return "unsupported curve";
    }

    if (ngx_http_auth_token_jwk_field(pool, jwk, "x", &x) != NGX_OK
        || x.len != 32)
    {
        return "no valid \"x\"";
    }

    reason = ngx_http_auth_token_ed25519_point(x.data);
    if (reason) {
        return reason;
    }

    key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x.data,
                                            x.len);
    if (key->pkey == NULL) {
        ERR_clear_error();
        return "not a valid Ed25519 key";
    }

    key->kty = NGX_HTTP_AUTH_TOKEN_KTY_OKP;
    key->algs = (ngx_uint_t) 1 << NGX_HTTP_AUTH_TOKEN_EDDSA;

    return NULL;
}


/*
 * What a public key validation (NIST SP 800-56B, 6.4.2.1) asks of a modulus
 * that costs little: odd, and without a small prime factor.  Its primality
 * test is left out: milliseconds per key.
 */

static const char *
ngx_http_auth_token_rsa_modulus(ngx_str_t *n)
{
    ngx_uint_t  i, p, r;

    if ((n->data[n->len - 1] & 1) == 0) {
        return "RSA modulus is even";
    }

    /* the modulus modulo every odd prime below 1000 */

    for (p = 3; p < 1000; p += 2) {

        for (i = 3; i * i <= p; i += 2) {
            if (p % i == 0) {
                break;
            }
        }

        if (i * i <= p) {
            continue;
        }

        r = 0;

        for (i = 0; i < n->len; i++) {
            r = (r * 256 + n->data[i]) % p;
        }

        if (r == 0) {
            return "RSA modulus has a small factor";
        }
    }

    return NULL;
}


/*
 * RFC 8032, section 5.1.3: a canonical encoding (y < p), and not one of
 * the points of small order (y = 0, 1, -1 and the two of order 8, with
 * either sign bit), with which anyone forges signatures: with the
 * neutral point, R = the neutral point and S = 0 verify any message.
 */

static const char *
ngx_http_auth_token_ed25519_point(u_char *x)
{
    u_char      y[32];
    ngx_uint_t  i;

    static u_char  small[][32] = {
        { 0 },
        { 1 },
        { 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
        { 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
          0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
          0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
          0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
        { 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
          0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
          0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
          0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a }
    };

    /* y, little-endian, without the sign bit of x */

    ngx_memcpy(y, x, 32);
    y[31] &= 0x7f;

    /* p = 2^255 - 19: y >= p is ff..ff 7f with a low byte of ed or more */

    for (i = 1; i < 31; i++) {
        if (y[i] != 0xff) {
            break;
        }
    }

    if (i == 31 && y[31] == 0x7f && y[0] >= 0xed) {
        return "Ed25519 point not canonically encoded";
    }

    for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
        if (ngx_memcmp(y, small[i], 32) == 0) {
            return "Ed25519 point of small order";
        }
    }

    return NULL;
}


static EVP_PKEY *
ngx_http_auth_token_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY      *pkey;
    OSSL_PARAM    *params;
    EVP_PKEY_CTX  *ctx, *check;

    pkey = NULL;

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

    if (params == NULL || ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        goto done;
    }

    /*
     * An EC point must lie on its curve.  RSA keys are not checked here:
     * OpenSSL 3 tests the modulus for primality even in its quick check,
     * milliseconds per key, seconds for a large JWKS; the size is checked
     * by the caller and verification rejects anything else.
     */

    if (ngx_strcmp(type, "EC") != 0) {
        goto done;
    }

    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

    if (check == NULL || EVP_PKEY_public_check_quick(check) != 1) {
        EVP_PKEY_CTX_free(check);
        EVP_PKEY_free(pkey);
        pkey = NULL;
        goto done;
    }

    EVP_PKEY_CTX_free(check);

done:

    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();

    return pkey;
}


/*
 * The key's fingerprint, a SHA-256 of its material and its "kid": a cached
 * verification is used only while a key with this fingerprint is still
 * configured.  The "kid" is part of it because it decides which keys may
 * verify a token: the same material under another "kid", or under none,
 * must give the answer an uncached verification would give.
 */

static const char *
ngx_http_auth_token_jwk_fp(ngx_http_auth_token_key_t *key)
{
    int         len;
    u_char     *der, *p;
    ngx_int_t   rc;

    if (key->kty == NGX_HTTP_AUTH_TOKEN_KTY_OCT) {
        if (ngx_http_auth_token_jwk_digest(key, key->secret.data,
                                           key->secret.len)
            != NGX_OK)
        {
            goto failed;
        }

        return NULL;
    }

    len = i2d_PUBKEY(key->pkey, NULL);
    if (len <= 0) {
        goto failed;
    }

    der = OPENSSL_malloc(len);
    if (der == NULL) {
        goto failed;
    }

    p = der;

    rc = NGX_ERROR;

    if (i2d_PUBKEY(key->pkey, &p) == len) {
        rc = ngx_http_auth_token_jwk_digest(key, der, len);
    }

    OPENSSL_free(der);

    if (rc != NGX_OK) {
        goto failed;
    }

    return NULL;

failed:

    ERR_clear_error();

    return "cannot fingerprint the key";
}


/* SHA-256 of the material, a separator, and the "kid" if there is one */

static ngx_int_t
ngx_http_auth_token_jwk_digest(ngx_http_auth_token_key_t *key,
    u_char *material, size_t len)
{
    u_char         mark;
    ngx_int_t      rc;
    EVP_MD_CTX    *md;
    unsigned int   n;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return NGX_ERROR;
    }

    mark = key->kid.data ? 1 : 0;

    rc = NGX_ERROR;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
        && EVP_DigestUpdate(md, material, len) == 1
        && EVP_DigestUpdate(md, &mark, 1) == 1
        && (key->kid.data == NULL
            || EVP_DigestUpdate(md, key->kid.data, key->kid.len) == 1)
        && EVP_DigestFinal_ex(md, key->fp, &n) == 1)
    {
        rc = NGX_OK;
    }

    EVP_MD_CTX_free(md);

    return rc;
}


/* one ready verification context per algorithm the key may verify */

static const char *
ngx_http_auth_token_jwk_ctx(ngx_http_auth_token_key_t *key)
{
    ngx_uint_t                        alg;
    EVP_PKEY_CTX                     *ctx;
    const EVP_MD                     *md;
    const ngx_http_auth_token_alg_t  *a;

    if (key->kty != NGX_HTTP_AUTH_TOKEN_KTY_RSA
        && key->kty != NGX_HTTP_AUTH_TOKEN_KTY_EC)
    {
        return NULL;
    }

    for (alg = 0; alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; alg++) {

        if (!(key->algs & ((ngx_uint_t) 1 << alg))) {
            continue;
        }

        a = ngx_http_auth_token_alg(alg);
        md = ngx_http_auth_token_alg_md(alg);

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        if (ctx == NULL) {
            goto failed;
        }

        key->ctx[alg] = ctx;

        if (EVP_PKEY_verify_init(ctx) != 1) {
            goto failed;
        }

        if (a->kty == NGX_HTTP_AUTH_TOKEN_KTY_RSA
            && EVP_PKEY_CTX_set_rsa_padding(ctx, a->padding) <= 0)
        {
            goto failed;
        }

        if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0) {
            goto failed;
        }

        /* RFC 7518, section 3.5: the salt is as long as the hash */

        if (a->padding == RSA_PKCS1_PSS_PADDING
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST)
               <= 0)
        {
            goto failed;
        }
    }

    return NULL;

failed:

    ERR_clear_error();

    return "cannot set up verification";
}


/* a base64url member of a JWK; trailing "=" from lax publishers is allowed */

static ngx_int_t
ngx_http_auth_token_jwk_field(ngx_pool_t *pool, json_t *jwk,
    const char *name, ngx_str_t *out)
{
    json_t     *v;
    ngx_str_t   src;

    v = json_object_get(jwk, name);
    if (!json_is_string(v)) {
        return NGX_ERROR;
    }

    src.data = (u_char *) json_string_value(v);
    src.len = json_string_length(v);

    while (src.len && src.data[src.len - 1] == '=') {
        src.len--;
    }

    if (src.len == 0) {
        return NGX_ERROR;
    }

    out->data = ngx_pnalloc(pool, src.len / 4 * 3 + 3);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_b64url_decode(out, &src);
}


void
ngx_http_auth_token_key_free(ngx_http_auth_token_key_t *key)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {
        EVP_PKEY_CTX_free(key->ctx[i]);
        key->ctx[i] = NULL;
    }

    EVP_PKEY_free(key->pkey);
    key->pkey = NULL;

    if (key->secret.len) {
        OPENSSL_cleanse(key->secret.data, key->secret.len);
        key->secret.len = 0;
    }
}


static void
ngx_http_auth_token_keyset_cleanup(void *data)
{
    ngx_http_auth_token_keyset_t *ks = data;

    ngx_uint_t                  i;
    ngx_http_auth_token_key_t  *key;

    key = ks->keys.elts;

    for (i = 0; i < ks->keys.nelts; i++) {
        ngx_http_auth_token_key_free(&key[i]);
    }
}


ngx_http_auth_token_keyset_t *
ngx_http_auth_token_jwks_load_file(ngx_conf_t *cf, ngx_str_t *path,
    const char **err)
{
    u_char                        *buf;
    size_t                         size;
    ssize_t                        n;
    ngx_fd_t                       fd;
    ngx_file_info_t                fi;
    ngx_http_auth_token_keyset_t  *ks;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        *err = strerror(ngx_errno);
        return NULL;
    }

    ks = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        *err = strerror(ngx_errno);
        goto done;
    }

    size = (size_t) ngx_file_size(&fi);

    if (size > NGX_HTTP_AUTH_TOKEN_MAX_JWKS) {
        *err = "JWKS too large";
        goto done;
    }

    buf = ngx_pnalloc(cf->temp_pool, size + 1);
    if (buf == NULL) {
        *err = "out of memory";
        goto done;
    }

    n = ngx_read_fd(fd, buf, size);
    if (n == -1 || (size_t) n != size) {
        *err = (n == -1) ? strerror(ngx_errno) : "short read";
        goto done;
    }

    ks = ngx_http_auth_token_jwks_parse(cf->pool, cf->log, path, buf, size,
                                        err);

done:

    ngx_close_file(fd);

    return ks;
}


ngx_uint_t
ngx_http_auth_token_keyset_has_kid(ngx_http_auth_token_keyset_t *ks,
    ngx_str_t *kid)
{
    ngx_uint_t                  i;
    ngx_http_auth_token_key_t  *key;

    key = ks->keys.elts;

    for (i = 0; i < ks->keys.nelts; i++) {
        if (key[i].kid.len == kid->len
            && ngx_memcmp(key[i].kid.data, kid->data, kid->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}
