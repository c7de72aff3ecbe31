
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"


/*
 * Encodings of outside bytes, both ways.  Reading: the Authorization
 * header, b64token characters, base64url.  Writing: quoted-strings, form
 * encoding, log lines and claim values for headers and variables.  Pure:
 * no request here.
 */


#define NGX_HTTP_AUTH_TOKEN_CTL      1   /* a control character */
#define NGX_HTTP_AUTH_TOKEN_SPECIAL  2   /* ",", '"' or '\\' */


static ngx_uint_t ngx_http_auth_token_text_class(ngx_str_t *s);


/*
 * Splits an Authorization header value "<scheme> <token>" (RFC 7235,
 * RFC 6750 section 2.1).  The scheme is compared case-insensitively.
 *
 * NGX_DECLINED: another scheme (or none): the request carries no token
 * NGX_ERROR:    our scheme, but no token or a malformed one
 * NGX_OK:       token points into value
 */

ngx_int_t
ngx_http_auth_token_parse_authorization(ngx_str_t *value, ngx_str_t *scheme,
    ngx_str_t *token)
{
    u_char  *p, *last;

    p = value->data;
    last = p + value->len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if ((size_t) (last - p) < scheme->len
        || ngx_strncasecmp(p, scheme->data, scheme->len) != 0)
    {
        return NGX_DECLINED;
    }

    p += scheme->len;

    if (p == last) {
        return NGX_ERROR;
    }

    if (*p != ' ' && *p != '\t') {
        /* "Bearerx ..." is another scheme */
        return NGX_DECLINED;
    }

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) {
        last--;
    }

    token->data = p;
    token->len = last - p;

    if (token->len == 0) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 */

static const u_char  ngx_http_auth_token_b64token[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};


/* the value of a hex digit in either case, -1 for anything else */

ngx_int_t
ngx_http_auth_token_hex_value(u_char c)
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


ngx_int_t
ngx_http_auth_token_valid_chars(ngx_str_t *token)
{
    u_char  *p, *last;

    p = token->data;
    last = p + token->len;

    while (p < last && ngx_http_auth_token_b64token[*p]) {
        p++;
    }

    if (p == token->data) {
        return NGX_ERROR;
    }

    while (p < last && *p == '=') {
        p++;
    }

    return (p == last) ? NGX_OK : NGX_ERROR;
}


/* base64url (RFC 4648, section 5) */

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


/* base64url without padding; dst must hold (len + 2) / 3 * 4 bytes */

u_char *
ngx_http_auth_token_b64url_encode(u_char *dst, u_char *src, size_t len)
{
    uint32_t        v;
    static u_char   alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
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


/* the base64url text from start to end, decoded into the pool */

ngx_int_t
ngx_http_auth_token_b64url_decode_pool(ngx_pool_t *pool, ngx_str_t *dst,
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
 * An RFC 7230 quoted-string; p must hold 2 + 2 * s->len bytes.  Control
 * characters become spaces.
 */

u_char *
ngx_http_auth_token_quote(u_char *p, ngx_str_t *s)
{
    size_t  i;

    *p++ = '"';

    for (i = 0; i < s->len; i++) {
        if (s->data[i] == '"' || s->data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = (s->data[i] < 0x20 || s->data[i] == 0x7f) ? ' ' : s->data[i];
    }

    *p++ = '"';

    return p;
}


/*
 * application/x-www-form-urlencoded: everything but the unreserved
 * characters is escaped; dst must hold 3 * src->len bytes
 */

u_char *
ngx_http_auth_token_form_escape(u_char *dst, ngx_str_t *src)
{
    u_char      c;
    ngx_uint_t  i;

    static u_char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < src->len; i++) {
        c = src->data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            *dst++ = c;
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[c >> 4];
        *dst++ = hex[c & 0x0f];
    }

    return dst;
}


/*
 * Outside strings (a kid, a sub, a URI with a client's Host) in a log line,
 * all escaped the same way: printable ASCII as it is, "\xHH" for anything
 * else and for '"' and '\', so that no value can split a line, pose as
 * another field or hide bytes; at most NGX_HTTP_AUTH_TOKEN_LOG_MAX bytes of
 * it, then "...".  dst must hold NGX_HTTP_AUTH_TOKEN_LOG_LEN(len) bytes.
 */

u_char *
ngx_http_auth_token_log_escape_into(u_char *dst, u_char *src, size_t len)
{
    size_t         i, n;
    static u_char  hex[] = "0123456789abcdef";

    n = ngx_min(len, NGX_HTTP_AUTH_TOKEN_LOG_MAX);

    for (i = 0; i < n; i++) {
        if (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"'
            && src[i] != '\\')
        {
            *dst++ = src[i];
            continue;
        }

        *dst++ = '\\';
        *dst++ = 'x';
        *dst++ = hex[src[i] >> 4];
        *dst++ = hex[src[i] & 0x0f];
    }

    if (n < len) {
        dst = ngx_cpymem(dst, "...", 3);
    }

    return dst;
}


/* the same, into the pool; an empty string if memory runs out */

ngx_str_t *
ngx_http_auth_token_log_escape(ngx_pool_t *pool, u_char *data, size_t len)
{
    ngx_str_t  *s;

    static ngx_str_t  empty = ngx_null_string;

    s = ngx_palloc(pool, sizeof(ngx_str_t));
    if (s == NULL) {
        return &empty;
    }

    s->data = ngx_pnalloc(pool, NGX_HTTP_AUTH_TOKEN_LOG_LEN(len));
    if (s->data == NULL) {
        return &empty;
    }

    s->len = ngx_http_auth_token_log_escape_into(s->data, data, len)
             - s->data;

    return s;
}


/*
 * A claim as a header value, and as a variable's value (one encoding, so
 * that two values of a claim never look the same downstream):
 *
 * - absent, null, "" and []: nothing (no header);
 * - a string: as it is, unless it has a control character (a tab
 *   included) or starts or ends with a space, which upstreams would trim;
 * - true, false, numbers: their JSON text;
 * - an array: a list (RFC 9110, section 5.6.1), its elements separated by
 *   "," and each a token-like text as it is, or a quoted-string ("\"" and
 *   "\\" escaped) when it is empty, has a ",", a quote, a backslash, or
 *   surrounding spaces: ["a,b"] is "\"a,b\"", ["a","b"] is "a,b";
 *   an element that is an object or an array is its JSON text, quoted;
 * - an object: its compact JSON text (JSON escapes control characters).
 *
 * NGX_OK: *out (empty: nothing to send); NGX_DECLINED: the value cannot be
 * represented (a control character in a string); NGX_ERROR: no memory.
 */

ngx_int_t
ngx_http_auth_token_render(ngx_pool_t *pool, json_t *value, ngx_str_t *out)
{
    u_char      *p;
    size_t       len, i, n;
    json_t      *item;
    ngx_int_t    rc;
    ngx_str_t   *parts;
    ngx_uint_t  *quote;

    ngx_str_null(out);

    if (value == NULL) {
        return NGX_OK;
    }

    switch (json_typeof(value)) {

    case JSON_NULL:
        return NGX_OK;

    case JSON_STRING:
        out->data = (u_char *) json_string_value(value);
        out->len = json_string_length(value);

        if (out->len
            && (ngx_http_auth_token_text_class(out) & NGX_HTTP_AUTH_TOKEN_CTL
                || out->data[0] == ' ' || out->data[out->len - 1] == ' '))
        {
            return NGX_DECLINED;
        }

        return NGX_OK;

    case JSON_ARRAY:
        n = json_array_size(value);
        if (n == 0) {
            return NGX_OK;
        }

        parts = ngx_palloc(pool, n * sizeof(ngx_str_t));
        quote = ngx_pcalloc(pool, n * sizeof(ngx_uint_t));
        if (parts == NULL || quote == NULL) {
            return NGX_ERROR;
        }

        len = n - 1;

        json_array_foreach(value, i, item) {

            if (json_is_string(item)) {
                parts[i].data = (u_char *) json_string_value(item);
                parts[i].len = json_string_length(item);

                rc = ngx_http_auth_token_text_class(&parts[i]);

                if (rc & NGX_HTTP_AUTH_TOKEN_CTL) {
                    return NGX_DECLINED;
                }

                quote[i] = (rc & NGX_HTTP_AUTH_TOKEN_SPECIAL)
                           || parts[i].len == 0
                           || parts[i].data[0] == ' '
                           || parts[i].data[parts[i].len - 1] == ' ';

            } else {
                if (ngx_http_auth_token_json_dump(pool, item, &parts[i])
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                if (ngx_http_auth_token_text_class(&parts[i])
                    & NGX_HTTP_AUTH_TOKEN_CTL)
                {
                    return NGX_DECLINED;
                }

                quote[i] = json_is_object(item) || json_is_array(item);
            }

            len += quote[i] ? 2 + 2 * parts[i].len : parts[i].len;
        }

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        out->data = p;

        for (i = 0; i < n; i++) {
            if (i) {
                *p++ = ',';
            }

            if (!quote[i]) {
                p = ngx_cpymem(p, parts[i].data, parts[i].len);
                continue;
            }

            p = ngx_http_auth_token_quote(p, &parts[i]);
        }

        out->len = p - out->data;
        return NGX_OK;

    case JSON_TRUE:
        ngx_str_set(out, "true");
        return NGX_OK;

    case JSON_FALSE:
        ngx_str_set(out, "false");
        return NGX_OK;

    default: /* JSON_INTEGER, JSON_REAL, JSON_OBJECT */

        if (json_is_integer(value)
            && (int64_t) json_integer_value(value) == INT64_MIN)
        {
            /* ngx_sprintf() would negate it: out of range */
            ngx_str_set(out, "-9223372036854775808");
            return NGX_OK;
        }

        if (ngx_http_auth_token_json_dump(pool, value, out) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_http_auth_token_text_class(out) & NGX_HTTP_AUTH_TOKEN_CTL) {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }
}


/* what a text holds: control characters, list delimiters */

static ngx_uint_t
ngx_http_auth_token_text_class(ngx_str_t *s)
{
    u_char      c;
    size_t      i;
    ngx_uint_t  class;

    class = 0;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c < 0x20 || c == 0x7f) {
            class |= NGX_HTTP_AUTH_TOKEN_CTL;

        } else if (c == ',' || c == '"' || c == '\\') {
            class |= NGX_HTTP_AUTH_TOKEN_SPECIAL;
        }
    }

    return class;
}
