
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_thumbprint.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_jwa.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>


/*
 * Thumbprints (RFC 7638 of a JWK, "ath", x5t#S256 of a client
 * certificate in any of the encodings a server or a load balancer gives
 * it) and the confirmation claim.  Pure (see the header).
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_CERT  65536


static ngx_int_t ngx_http_auth_token_sha256_text(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_str_t *out);
static ngx_uint_t ngx_http_auth_token_is_b64url(u_char *p, size_t len);
static ngx_int_t ngx_http_auth_token_cert_pem(ngx_pool_t *pool, u_char *p,
    u_char *last, ngx_str_t *der, const char **err);
static ngx_int_t ngx_http_auth_token_cert_base64(ngx_pool_t *pool,
    u_char *p, u_char *last, ngx_str_t *der, const char **err);
static ngx_int_t ngx_http_auth_token_base64_any(ngx_pool_t *pool, u_char *p,
    u_char *last, ngx_uint_t url, ngx_str_t *dst);
static ngx_uint_t ngx_http_auth_token_b64_value(u_char c, ngx_uint_t url);
static ngx_uint_t ngx_http_auth_token_blank(u_char c);


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

            hi = ngx_http_auth_token_hex_value(p[1]);
            lo = ngx_http_auth_token_hex_value(p[2]);

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
