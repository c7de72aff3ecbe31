
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_claims.h"

#include <math.h>


/*
 * The checks a location makes on claims, wherever they come from (a
 * verified JWT, an introspection answer): time, issuer, audience, scope,
 * in the order a client can best act on.  Pure: no request here.
 */


static ngx_int_t ngx_http_auth_token_numeric_date(json_t *v, double *t);
static ngx_int_t ngx_http_auth_token_has_value(json_t *v, ngx_str_t *s);
static ngx_int_t ngx_http_auth_token_has_scope(json_t *claims,
    ngx_str_t *scope);


/* the "exp" and "nbf" claims, when present, must be NumericDates */

ngx_http_auth_token_status_e
ngx_http_auth_token_claim_times(json_t *claims,
    ngx_http_auth_token_times_t *t, const char **reason)
{
    json_t  *v;

    t->has = 0;
    t->exp = 0;
    t->nbf = 0;

    v = json_object_get(claims, "exp");
    if (v) {
        if (ngx_http_auth_token_numeric_date(v, &t->exp) != NGX_OK) {
            *reason = "Invalid \"exp\" claim";
            return NGX_HTTP_AUTH_TOKEN_MALFORMED;
        }

        t->has |= NGX_HTTP_AUTH_TOKEN_HAS_EXP;
    }

    v = json_object_get(claims, "nbf");
    if (v) {
        if (ngx_http_auth_token_numeric_date(v, &t->nbf) != NGX_OK) {
            *reason = "Invalid \"nbf\" claim";
            return NGX_HTTP_AUTH_TOKEN_MALFORMED;
        }

        t->has |= NGX_HTTP_AUTH_TOKEN_HAS_NBF;
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* expired at exp - leeway and after; valid from nbf - leeway */

ngx_http_auth_token_status_e
ngx_http_auth_token_check_times(ngx_http_auth_token_times_t *t,
    time_t leeway, time_t now, const char **reason)
{
    if ((t->has & NGX_HTTP_AUTH_TOKEN_HAS_EXP)
        && (double) now - (double) leeway >= t->exp)
    {
        *reason = "Token expired";
        return NGX_HTTP_AUTH_TOKEN_EXPIRED;
    }

    if ((t->has & NGX_HTTP_AUTH_TOKEN_HAS_NBF)
        && (double) now + (double) leeway < t->nbf)
    {
        *reason = "Token not yet valid";
        return NGX_HTTP_AUTH_TOKEN_NOT_YET_VALID;
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* the location's issuer, audience and scope requirements */

ngx_http_auth_token_status_e
ngx_http_auth_token_check_claims(ngx_http_auth_token_loc_conf_t *alcf,
    json_t *claims, const char **reason)
{
    json_t      *v;
    ngx_str_t   *s;
    ngx_uint_t   i;

    if (alcf->issuers) {
        v = json_object_get(claims, "iss");
        s = alcf->issuers->elts;

        for (i = 0; i < alcf->issuers->nelts; i++) {
            if (json_is_string(v) && ngx_http_auth_token_has_value(v, &s[i])) {
                break;
            }
        }

        if (i == alcf->issuers->nelts) {
            *reason = "Token issuer not accepted";
            return NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER;
        }
    }

    if (alcf->audiences) {
        v = json_object_get(claims, "aud");
        s = alcf->audiences->elts;

        for (i = 0; i < alcf->audiences->nelts; i++) {
            if (ngx_http_auth_token_has_value(v, &s[i])) {
                break;
            }
        }

        if (i == alcf->audiences->nelts) {
            *reason = "Token audience not accepted";
            return NGX_HTTP_AUTH_TOKEN_WRONG_AUDIENCE;
        }
    }

    if (alcf->scopes) {
        s = alcf->scopes->elts;

        for (i = 0; i < alcf->scopes->nelts; i++) {
            if (!ngx_http_auth_token_has_scope(claims, &s[i])) {
                *reason = "Token lacks a required scope";
                return NGX_HTTP_AUTH_TOKEN_INSUFFICIENT_SCOPE;
            }
        }
    }

    return NGX_HTTP_AUTH_TOKEN_UNCHECKED;
}


/* NumericDate (RFC 7519, section 2): a JSON number, maybe fractional */

static ngx_int_t
ngx_http_auth_token_numeric_date(json_t *v, double *t)
{
    if (json_is_integer(v)) {
        *t = (double) json_integer_value(v);
        return NGX_OK;
    }

    if (json_is_real(v) && isfinite(json_real_value(v))) {
        *t = json_real_value(v);
        return NGX_OK;
    }

    return NGX_ERROR;
}


/* a string claim, or an array of strings, holds this value */

static ngx_int_t
ngx_http_auth_token_has_value(json_t *v, ngx_str_t *s)
{
    size_t   i;
    json_t  *item;

    if (json_is_string(v)) {
        return json_string_length(v) == s->len
               && ngx_memcmp(json_string_value(v), s->data, s->len) == 0;
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            if (json_is_string(item)
                && ngx_http_auth_token_has_value(item, s))
            {
                return 1;
            }
        }
    }

    return 0;
}


/* "scope": "a b c" (RFC 8693, RFC 9068) or "scp": ["a", "b"] */

static ngx_int_t
ngx_http_auth_token_has_scope(json_t *claims, ngx_str_t *scope)
{
    u_char      *p, *last, *start;
    json_t      *v;
    ngx_uint_t   i;

    static const char  *names[] = { "scope", "scp", NULL };

    for (i = 0; names[i]; i++) {
        v = json_object_get(claims, names[i]);

        if (json_is_array(v)) {
            if (ngx_http_auth_token_has_value(v, scope)) {
                return 1;
            }

            continue;
        }

        if (!json_is_string(v)) {
            continue;
        }

        p = (u_char *) json_string_value(v);
        last = p + json_string_length(v);

        while (p < last) {
            while (p < last && *p == ' ') {
                p++;
            }

            start = p;

            while (p < last && *p != ' ') {
                p++;
            }

            if ((size_t) (p - start) == scope->len
                && ngx_memcmp(start, scope->data, scope->len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}

