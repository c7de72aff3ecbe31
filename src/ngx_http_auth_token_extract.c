
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token.h"


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
