
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * DPoP proofs and the other outside bytes of sender-constrained tokens
 * (src/ngx_http_auth_token_dpop.c, _htu.c, _thumbprint.c).  The first
 * byte picks what the rest is (its value modulo 8):
 *
 *   0, 1  a DPoP header value: ngx_http_auth_token_dpop_parse() with every
 *         asymmetric algorithm allowed, and _dpop_parse_cached() twice
 *         with a cache of proof keys that lives as long as the process
 *         (as a worker's): each must say exactly what the uncached parse
 *         said (status, reason, thumbprint); then, if accepted,
 *         ngx_http_auth_token_dpop_check() against the request of RFC 9449
 *         figure 1 (POST https://server.example.com/token, RFC 9449's
 *         access token, the shim's clock, window 60 s, leeway 5 s) and the
 *         proof's own key, and the replay key;
 *   2     header JSON, a zero byte, payload JSON: the target joins them and
 *         signs them with t/keys/sender/dpop-ed25519.pem (EdDSA), so that
 *         mutations of the header and claims get past the signature when
 *         the header's jwk is that key's (the seeds' is); then as 0;
 *   3     the same, signed with t/keys/sender/dpop-ec256.pem (ES256);
 *   4     a proof's htu, a zero byte, an origin, a zero byte, a request
 *         path: ngx_http_auth_token_htu_normalize(), _dpop_htu() and
 *         _dpop_htu_match(); checks that normalization is idempotent, that
 *         an expected htu matches itself and that no normalized URI holds
 *         a byte that is not allowed in a URI;
 *   5     one byte of encoding (auto, PEM, escaped, base64), then a client
 *         certificate: ngx_http_auth_token_cert_thumbprint();
 *   6     claims or an introspection answer: ngx_http_auth_token_cnf();
 *   7     a JWK: ngx_http_auth_token_jwk_thumbprint(), and the key parsed
 *         as a proof's would be.
 */


#include "ngx_fuzz.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_thumbprint.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>


#ifndef NGX_FUZZ_KEYS
#define NGX_FUZZ_KEYS  "t/keys"
#endif


static void ngx_fuzz_proof(ngx_pool_t *pool, ngx_str_t *proof);
static void ngx_fuzz_cached(ngx_pool_t *pool, ngx_str_t *proof,
    ngx_http_auth_token_status_e status, const char *reason,
    ngx_http_auth_token_dpop_t *p);
static void ngx_fuzz_signed(ngx_pool_t *pool, const u_char *data,
    size_t size, ngx_uint_t ec);
static void ngx_fuzz_htu(ngx_pool_t *pool, const u_char *data, size_t size);
static void ngx_fuzz_cert(ngx_pool_t *pool, const u_char *data, size_t size);
static void ngx_fuzz_cnf(ngx_pool_t *pool, const u_char *data, size_t size);
static void ngx_fuzz_jwk(ngx_pool_t *pool, const u_char *data, size_t size);
static void ngx_fuzz_uri_chars(ngx_str_t *s);
static EVP_PKEY *ngx_fuzz_load_key(const char *name);
static size_t ngx_fuzz_part(const u_char **p, const u_char *last);
static u_char *ngx_fuzz_b64url(u_char *dst, const u_char *src, size_t len);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_str_t    s;
    ngx_pool_t  *pool;

    ngx_fuzz_init();

    if (size == 0) {
        return 0;
    }

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    switch (data[0] % 8) {

    case 2:
    case 3:
        ngx_fuzz_signed(pool, data + 1, size - 1, data[0] % 8 == 3);
        break;

    case 4:
        ngx_fuzz_htu(pool, data + 1, size - 1);
        break;

    case 5:
        ngx_fuzz_cert(pool, data + 1, size - 1);
        break;

    case 6:
        ngx_fuzz_cnf(pool, data + 1, size - 1);
        break;

    case 7:
        ngx_fuzz_jwk(pool, data + 1, size - 1);
        break;

    default:
        s.data = ngx_fuzz_copy(data + 1, size - 1);
        s.len = size - 1;

        ngx_fuzz_proof(pool, &s);

        free(s.data);
        break;
    }

    ngx_destroy_pool(pool);

    return 0;
}


/* a cache hit (or its filling) never changes a decision */

static void
ngx_fuzz_cached(ngx_pool_t *pool, ngx_str_t *proof,
    ngx_http_auth_token_status_e status, const char *reason,
    ngx_http_auth_token_dpop_t *p)
{
    ngx_uint_t                     i;
    const char                    *r;
    ngx_http_auth_token_dpop_t     c;
    ngx_http_auth_token_status_e   st;

    static ngx_http_auth_token_dpop_keys_t  *keys;

    if (keys == NULL) {
        keys = ngx_http_auth_token_dpop_keys_create();
        ngx_fuzz_check(keys != NULL, "dpop_keys_create failed");
    }

    for (i = 0; i < 2; i++) {
        r = NULL;
        st = ngx_http_auth_token_dpop_parse_cached(pool, proof,
                                    NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC,
                                    &c, &r, keys);

        ngx_fuzz_check(st == status
                       && (st == NGX_HTTP_AUTH_TOKEN_UNCHECKED
                           ? (c.jkt.len == p->jkt.len
                              && ngx_memcmp(c.jkt.data, p->jkt.data,
                                            c.jkt.len) == 0
                              && c.alg == p->alg)
                           : (r != NULL && reason != NULL
                              && strcmp(r, reason) == 0)),
                       "dpop_parse_cached: not what dpop_parse says");
    }
}


static void
ngx_fuzz_proof(ngx_pool_t *pool, ngx_str_t *proof)
{
    u_char                              key[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    time_t                              expires;
    ngx_str_t                           origin, path;
    const char                         *reason;
    ngx_http_auth_token_dpop_t          p;
    ngx_http_auth_token_status_e        status;
    ngx_http_auth_token_dpop_request_t  req;

    reason = NULL;
    status = ngx_http_auth_token_dpop_parse(pool, proof,
                                    NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC,
                                    &p, &reason);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "dpop: parse: %s\n", reason ? reason : "accepted");
    }

    ngx_fuzz_cached(pool, proof, status, reason, &p);

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_fuzz_check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
                       && reason != NULL,
                       "dpop_parse: refused, not invalid_dpop_proof or no "
                       "reason");
        return;
    }

    ngx_fuzz_check(p.alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT
                   && (NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC
                       & NGX_HTTP_AUTH_TOKEN_ALG_BIT(p.alg))
                   && p.jkt.len == NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN
                   && p.jti.len > 0
                   && p.jti.len <= NGX_HTTP_AUTH_TOKEN_DPOP_MAX_JTI
                   && p.htm.len > 0 && p.htu.len > 0
                   && json_is_object(p.claims),
                   "dpop_parse: accepted an incomplete proof");

    /* RFC 9449, figure 1 */

    ngx_memzero(&req, sizeof(req));
    ngx_str_set(&req.method, "POST");
    ngx_str_set(&req.token, "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
    ngx_str_set(&origin, "https://server.example.com");
    ngx_str_set(&path, "/token");
    req.jkt = p.jkt;
    req.now = ngx_time();
    req.window = 60;
    req.leeway = 5;

    ngx_fuzz_check(ngx_http_auth_token_dpop_htu(pool, &origin, &path,
                                                &req.htu)
                   == NGX_OK, "dpop_htu: the RFC 9449 origin refused");

    expires = 0;
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "dpop: check: %s\n", reason ? reason : "valid");
    }

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_fuzz_check(expires >= req.now && expires <= req.now + 60 + 5 + 6,
                       "dpop_check: a jti kept for too long or too short");

        ngx_fuzz_check(ngx_http_auth_token_dpop_replay_key(&p, key)
                       == NGX_OK, "dpop_replay_key failed");

    } else {
        ngx_fuzz_check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
                       && reason != NULL,
                       "dpop_check: refused, not invalid_dpop_proof or no "
                       "reason");
    }

    /* the same proof for a token bound to another key */

    ngx_str_set(&req.jkt, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    ngx_fuzz_check(status != NGX_HTTP_AUTH_TOKEN_UNCHECKED
                   || ngx_http_auth_token_thumbprint_equal(&p.jkt,
                                                           &req.jkt),
                   "dpop_check: a proof of another key accepted");
}


static void
ngx_fuzz_signed(ngx_pool_t *pool, const u_char *data, size_t size,
    ngx_uint_t ec)
{
    u_char               *p, *der, raw[64];
    size_t                len[2], slen;
    const BIGNUM         *r, *s;
    EVP_PKEY             *pkey;
    ngx_str_t             proof;
    EVP_MD_CTX           *md;
    ECDSA_SIG            *sig;
    const u_char         *part[2], *last, *q;

    static EVP_PKEY  *keys[2];

    if (keys[0] == NULL) {
        keys[0] = ngx_fuzz_load_key("dpop-ed25519.pem");
        keys[1] = ngx_fuzz_load_key("dpop-ec256.pem");
    }

    pkey = keys[ec];
    slen = 0;

    last = data + size;
    part[0] = data;
    len[0] = ngx_fuzz_part(&data, last);
    part[1] = data;
    len[1] = last - data;

    proof.data = malloc((len[0] + len[1]) / 3 * 4 + 100);
    ngx_fuzz_check(proof.data != NULL, "out of memory");

    p = ngx_fuzz_b64url(proof.data, part[0], len[0]);
    *p++ = '.';
    p = ngx_fuzz_b64url(p, part[1], len[1]);

    /* the signature over what is now the signing input */

    md = EVP_MD_CTX_new();
    ngx_fuzz_check(md != NULL, "out of memory");

    ngx_fuzz_check(EVP_DigestSignInit(md, NULL, ec ? EVP_sha256() : NULL,
                                      NULL, pkey) == 1
                   && EVP_DigestSign(md, NULL, &slen, proof.data,
                                     p - proof.data) == 1,
                   "EVP_DigestSignInit failed");

    der = malloc(slen);
    ngx_fuzz_check(der != NULL, "out of memory");

    ngx_fuzz_check(EVP_DigestSign(md, der, &slen, proof.data,
                                  p - proof.data) == 1,
                   "EVP_DigestSign failed");

    if (ec) {
        /* JOSE wants r||s, OpenSSL gives DER */

        q = der;
        sig = d2i_ECDSA_SIG(NULL, &q, slen);
        ngx_fuzz_check(sig != NULL, "d2i_ECDSA_SIG failed");

        ECDSA_SIG_get0(sig, &r, &s);
        BN_bn2binpad(r, raw, 32);
        BN_bn2binpad(s, raw + 32, 32);
        ECDSA_SIG_free(sig);

    } else {
        ngx_fuzz_check(slen == 64, "Ed25519 signature not 64 bytes");
        ngx_memcpy(raw, der, 64);
    }

    free(der);
    EVP_MD_CTX_free(md);

    *p++ = '.';
    p = ngx_fuzz_b64url(p, raw, 64);
    proof.len = p - proof.data;

    ngx_fuzz_proof(pool, &proof);

    free(proof.data);
}


static void
ngx_fuzz_htu(ngx_pool_t *pool, const u_char *data, size_t size)
{
    ngx_int_t      rc;
    ngx_str_t      htu, origin, path, norm, again, expected;
    const u_char  *last;

    last = data + size;

    htu.data = (u_char *) data;
    htu.len = ngx_fuzz_part(&data, last);
    origin.data = (u_char *) data;
    origin.len = ngx_fuzz_part(&data, last);
    path.data = (u_char *) data;
    path.len = last - data;

    htu.data = ngx_fuzz_copy(htu.data, htu.len);
    origin.data = ngx_fuzz_copy(origin.data, origin.len);
    path.data = ngx_fuzz_copy(path.data, path.len);

    rc = ngx_http_auth_token_htu_normalize(pool, &htu, &norm);
    ngx_fuzz_check(rc == NGX_OK || rc == NGX_DECLINED,
                   "htu_normalize: neither OK nor DECLINED");

    if (rc == NGX_OK) {
        ngx_fuzz_uri_chars(&norm);

        rc = ngx_http_auth_token_htu_normalize(pool, &norm, &again);
        ngx_fuzz_check(rc == NGX_OK && again.len == norm.len
                       && ngx_memcmp(again.data, norm.data, norm.len) == 0,
                       "htu_normalize: not idempotent");
    }

    rc = ngx_http_auth_token_dpop_htu(pool, &origin, &path, &expected);
    ngx_fuzz_check(rc == NGX_OK || rc == NGX_DECLINED,
                   "dpop_htu: neither OK nor DECLINED");

    if (rc == NGX_OK) {
        ngx_fuzz_uri_chars(&expected);

        ngx_fuzz_check(ngx_http_auth_token_dpop_htu_match(pool, &expected,
                                                          &expected)
                       == NGX_OK, "dpop_htu: does not match itself");

        rc = ngx_http_auth_token_dpop_htu_match(pool, &htu, &expected);
        ngx_fuzz_check(rc == NGX_OK || rc == NGX_DECLINED,
                       "htu_match: neither OK nor DECLINED");
    }

    free(htu.data);
    free(origin.data);
    free(path.data);
}


/* what a normalized URI may hold: RFC 3986's characters, no "?" or "#" */

static void
ngx_fuzz_uri_chars(ngx_str_t *s)
{
    size_t  i;
    u_char  c;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        ngx_fuzz_check(c > 0x20 && c < 0x7f && c != '"' && c != '<'
                       && c != '>' && c != '\\' && c != '^' && c != '`'
                       && c != '{' && c != '|' && c != '}' && c != '?'
                       && c != '#',
                       "htu: a normalized URI holds a forbidden byte");

        if (c == '%') {
            ngx_fuzz_check(i + 2 < s->len
                           && ngx_strchr("0123456789ABCDEF",
                                         s->data[i + 1]) != NULL
                           && ngx_strchr("0123456789ABCDEF",
                                         s->data[i + 2]) != NULL
                           && s->data[i + 1] != '\0'
                           && s->data[i + 2] != '\0',
                           "htu: a normalized URI holds a bad escape");
        }
    }
}


static void
ngx_fuzz_cert(ngx_pool_t *pool, const u_char *data, size_t size)
{
    ngx_int_t    rc;
    ngx_str_t    in, out;
    ngx_uint_t   enc;
    const char  *err;

    if (size == 0) {
        return;
    }

    enc = data[0] % 4;

    in.data = ngx_fuzz_copy(data + 1, size - 1);
    in.len = size - 1;

    err = NULL;
    rc = ngx_http_auth_token_cert_thumbprint(pool, &in, enc, &out, &err);

    if (rc == NGX_OK) {
        ngx_fuzz_check(out.len == NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN,
                       "cert_thumbprint: not a SHA-256");

    } else {
        ngx_fuzz_check(rc == NGX_DECLINED && err != NULL,
                       "cert_thumbprint: refused, no reason");
    }

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "dpop: cert: %s\n", rc == NGX_OK ? "read" : err);
    }

    free(in.data);
}


static void
ngx_fuzz_cnf(ngx_pool_t *pool, const u_char *data, size_t size)
{
    json_t                        *claims;
    ngx_str_t                      text, jkt, x5t;
    const char                    *err, *reason;
    ngx_http_auth_token_status_e   status;

    text.data = ngx_fuzz_copy(data, size);
    text.len = size;

    claims = ngx_http_auth_token_json_object(pool, &text,
                                             NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS,
                                             &err);
    if (claims) {
        reason = NULL;
        status = ngx_http_auth_token_cnf(claims, &jkt, &x5t, &reason);

        if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
            ngx_fuzz_check((jkt.len == 0
                            || jkt.len == NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN)
                           && (x5t.len == 0
                               || x5t.len
                                  == NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN),
                           "cnf: a thumbprint of the wrong length");

        } else {
            ngx_fuzz_check(status == NGX_HTTP_AUTH_TOKEN_MALFORMED
                           && reason != NULL, "cnf: refused, no reason");
        }
    }

    free(text.data);
}


static void
ngx_fuzz_jwk(ngx_pool_t *pool, const u_char *data, size_t size)
{
    json_t                     *jwk;
    ngx_int_t                   rc;
    ngx_str_t                   out;
    const char                 *err;
    ngx_http_auth_token_key_t   key;

    jwk = ngx_http_auth_token_json_parse(pool, (u_char *) data, size,
                                         NGX_HTTP_AUTH_TOKEN_MAX_DEPTH, &err);
    if (jwk == NULL) {
        return;
    }

    rc = ngx_http_auth_token_jwk_thumbprint(pool, jwk, &out);

    if (rc == NGX_OK) {
        ngx_fuzz_check(out.len == NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN,
                       "jwk_thumbprint: not a SHA-256");

        ngx_memzero(&key, sizeof(key));
        (void) ngx_http_auth_token_jwk_parse(pool, jwk, &key);
        ngx_http_auth_token_key_free(&key);

    } else {
        ngx_fuzz_check(rc == NGX_DECLINED, "jwk_thumbprint: not DECLINED");
    }
}


static EVP_PKEY *
ngx_fuzz_load_key(const char *name)
{
    char       path[1024];
    FILE      *f;
    EVP_PKEY  *pkey;

    snprintf(path, sizeof(path), "%s/sender/%s",
             getenv("FUZZ_KEYS") ? getenv("FUZZ_KEYS") : NGX_FUZZ_KEYS,
             name);

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "fuzz: cannot open \"%s\"\n", path);
        abort();
    }

    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);

    ngx_fuzz_check(pkey != NULL, "cannot read a DPoP test key");

    return pkey;
}


/* up to the next zero byte, which is skipped */

static size_t
ngx_fuzz_part(const u_char **p, const u_char *last)
{
    size_t         len;
    const u_char  *start;

    start = *p;

    while (*p < last && **p != '\0') {
        (*p)++;
    }

    len = *p - start;

    if (*p < last) {
        (*p)++;
    }

    return len;
}


static u_char *
ngx_fuzz_b64url(u_char *dst, const u_char *src, size_t len)
{
    return ngx_http_auth_token_b64url_encode(dst, (u_char *) src, len);
}
