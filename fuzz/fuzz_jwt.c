
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * A JWT from a client: ngx_http_auth_token_jws_parse() (splitting, strict
 * base64url, the JOSE header), ngx_http_auth_token_jws_verify() against
 * the test key set t/keys/jwks.json (RSA, RSA-PSS, EC P-256/384/521,
 * Ed25519 and HMAC keys, so every verification path gets garbage), then
 * the claims: ngx_http_auth_token_json_parse() of the payload, their
 * times, the issuer, audience and scope checks and the rendering for
 * headers.  Claims are parsed whatever the signature said, unlike in the
 * module, so that the fuzzer reaches them.
 *
 * Input, two forms:
 *   - a compact token, as the client sends it (any bytes, not only the
 *     b64token characters that the access handler lets through);
 *   - a zero byte, then the raw header JSON, a zero byte, the raw payload
 *     JSON, a zero byte and the raw signature: the target encodes each
 *     part in base64url and joins them with dots, so that the fuzzer works
 *     on the JSON itself.
 */


#include "ngx_fuzz.h"


static u_char *ngx_fuzz_b64url(u_char *dst, const u_char *src, size_t len);
static size_t ngx_fuzz_split(const u_char **p, const u_char *last);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                          *p;
    json_t                          *claims;
    size_t                           len[3];
    ngx_str_t                        token;
    ngx_uint_t                       kid_found;
    ngx_pool_t                      *pool;
    const char                      *err, *reason;
    const u_char                    *part[3], *s, *last;
    ngx_http_auth_token_jws_t        jwt;
    ngx_http_auth_token_key_t       *key;
    ngx_http_auth_token_keyset_t    *ks;
    ngx_http_auth_token_status_e     status;

    ngx_fuzz_init();
    ks = ngx_fuzz_test_keys();

    if (size && data[0] == '\0') {
        s = data + 1;
        last = data + size;

        part[0] = s;
        len[0] = ngx_fuzz_split(&s, last);
        part[1] = s;
        len[1] = ngx_fuzz_split(&s, last);
        part[2] = s;
        len[2] = last - s;

        token.data = malloc((len[0] + len[1] + len[2]) / 3 * 4 + 16);
        ngx_fuzz_check(token.data != NULL, "out of memory");

        p = ngx_fuzz_b64url(token.data, part[0], len[0]);
        *p++ = '.';
        p = ngx_fuzz_b64url(p, part[1], len[1]);
        *p++ = '.';
        p = ngx_fuzz_b64url(p, part[2], len[2]);

        token.len = p - token.data;

    } else {
        /* an allocation of its own: a read past the token is caught */

        token.data = malloc(size);
        ngx_fuzz_check(token.data != NULL, "out of memory");

        ngx_memcpy(token.data, data, size);
        token.len = size;
    }

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    reason = NULL;
    status = ngx_http_auth_token_jws_parse(pool, &token, &jwt, &reason);

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_fuzz_check(jwt.alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT
                       && json_is_object(jwt.header),
                       "jws_parse: accepted without alg or header");

        key = NULL;
        kid_found = 0;

        status = ngx_http_auth_token_jws_verify(&jwt, &ks, 1, &key,
                                                &kid_found, &reason);

        if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
            ngx_fuzz_check(key != NULL
                           && ngx_http_auth_token_find_fp(&ks, 1, key->fp,
                                                          jwt.alg)
                              != NULL,
                           "jws_verify: verified without a key");

        } else {
            ngx_fuzz_check(reason != NULL, "jws_verify: refused, no reason");
        }

        claims = ngx_http_auth_token_json_parse(pool, jwt.payload_json.data,
                                                jwt.payload_json.len,
                                                NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                                &err);
        if (json_is_object(claims)) {
            ngx_fuzz_claims(pool, claims);
        }

    } else {
        ngx_fuzz_check(reason != NULL, "jws_parse: refused, no reason");
    }

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "jwt: %s\n", reason ? reason : "verified");
    }

    ngx_destroy_pool(pool);
    free(token.data);

    return 0;
}


/* up to the next zero byte, which is skipped */

static size_t
ngx_fuzz_split(const u_char **p, const u_char *last)
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


/* base64url without padding (RFC 7515, section 2) */

static u_char *
ngx_fuzz_b64url(u_char *dst, const u_char *src, size_t len)
{
    uint32_t     v;
    static char  alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789-_";

    while (len >= 3) {
        v = (uint32_t) src[0] << 16 | (uint32_t) src[1] << 8 | src[2];

        *dst++ = alphabet[v >> 18];
        *dst++ = alphabet[(v >> 12) & 0x3f];
        *dst++ = alphabet[(v >> 6) & 0x3f];
        *dst++ = alphabet[v & 0x3f];

        src += 3;
        len -= 3;
    }

    if (len) {
        v = (uint32_t) src[0] << 16;

        if (len == 2) {
            v |= (uint32_t) src[1] << 8;
        }

        *dst++ = alphabet[v >> 18];
        *dst++ = alphabet[(v >> 12) & 0x3f];

        if (len == 2) {
            *dst++ = alphabet[(v >> 6) & 0x3f];
        }
    }

    return dst;
}
