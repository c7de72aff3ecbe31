
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_encoding.h"


/*
 * The htu of a DPoP proof (RFC 9449, section 4.3): URIs normalized as
 * RFC 3986, sections 6.2.2 and 6.2.3 ask, and the expected one built from
 * auth_token_dpop_origin and the request-target.  Pure (see the header).
 */


static u_char *ngx_http_auth_token_htu_host(u_char *d, u_char *p,
    u_char *last);
static u_char *ngx_http_auth_token_htu_path(u_char *d, u_char *p,
    u_char *last);
static size_t ngx_http_auth_token_remove_dots(u_char *path, size_t len);
static ngx_uint_t ngx_http_auth_token_unreserved(u_char c);
static ngx_uint_t ngx_http_auth_token_sub_delim(u_char c);


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

            hi = ngx_http_auth_token_hex_value(p[0]);
            lo = ngx_http_auth_token_hex_value(p[1]);

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
            hi = ngx_http_auth_token_hex_value(p[0]);
            lo = ngx_http_auth_token_hex_value(p[1]);

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
