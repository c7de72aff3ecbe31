
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_oauth.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_encoding.h"


/*
 * The OAuth wire formats of the identity-provider endpoints: what is sent
 * (RFC 7662 introspection, RFC 8693 token exchange, a JSON-body reissue,
 * RFC 6749 client authentication) and what an answer means (RFC 7662 or
 * status-code introspection, RFC 8693 or JSON reissue).  Pure: no request
 * here; the mechanism that sends them is ngx_http_auth_token_endpoint.c.
 */


/* a reissued token is kept until it expires, less this margin */
#define NGX_HTTP_AUTH_TOKEN_REISSUE_MARGIN 30


static void ngx_http_auth_token_introspect_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    ngx_http_auth_token_outcome_t *o);
static void ngx_http_auth_token_reissue_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    time_t now, ngx_http_auth_token_outcome_t *o);
static ngx_int_t ngx_http_auth_token_exchange_form(ngx_pool_t *pool,
    ngx_str_t *token, ngx_http_auth_token_param_t *params, ngx_str_t *values,
    ngx_uint_t n, ngx_str_t *body);
static ngx_int_t ngx_http_auth_token_reissue_json(ngx_pool_t *pool,
    ngx_str_t *token, ngx_http_auth_token_param_t *params, ngx_str_t *values,
    ngx_uint_t n, ngx_str_t *body);
static time_t ngx_http_auth_token_unverified_exp(ngx_pool_t *pool,
    ngx_str_t *token);
static ngx_int_t ngx_http_auth_token_discovery_member(ngx_pool_t *pool,
    json_t *doc, const char *name, ngx_uint_t url, ngx_str_t *out,
    const char **err);


static ngx_str_t  ngx_http_auth_token_exchange_prefix = ngx_string(
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
    "&subject_token_type="
    "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
    "&subject_token=");


/* RFC 6749, section 2.3.1: Basic with form-encoded id and secret */

ngx_int_t
ngx_http_auth_token_oauth_basic(ngx_pool_t *pool, ngx_str_t *id,
    ngx_str_t *secret, ngx_str_t *out)
{
    u_char     *p;
    ngx_str_t   plain, encoded;

    plain.data = ngx_pnalloc(pool, 3 * (id->len + secret->len) + 1);
    if (plain.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_http_auth_token_form_escape(plain.data, id);
    *p++ = ':';
    p = ngx_http_auth_token_form_escape(p, secret);
    plain.len = p - plain.data;

    out->data = ngx_pnalloc(pool, sizeof("Basic ") - 1
                                  + ngx_base64_encoded_length(plain.len));
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    encoded.data = ngx_cpymem(out->data, "Basic ", sizeof("Basic ") - 1);
    ngx_encode_base64(&encoded, &plain);

    out->len = sizeof("Basic ") - 1 + encoded.len;

    return NGX_OK;
}


/*
 * The body of a call and its Content-Type.  NGX_DECLINED: a parameter
 * cannot be sent (not UTF-8 in a JSON body); NGX_ERROR: out of memory.
 */

ngx_int_t
ngx_http_auth_token_oauth_body(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_str_t *token,
    ngx_http_auth_token_param_t *params, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *type, ngx_str_t *body)
{
    u_char  *p;

    if (ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION) {

        /* RFC 7662, section 2.1 */

        ngx_str_set(type, "application/x-www-form-urlencoded");

        p = ngx_pnalloc(pool, sizeof("token=&token_type_hint=access_token")
                              + 3 * token->len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        body->data = p;

        p = ngx_cpymem(p, "token=", sizeof("token=") - 1);
        p = ngx_http_auth_token_form_escape(p, token);
        p = ngx_cpymem(p, "&token_type_hint=access_token",
                       sizeof("&token_type_hint=access_token") - 1);

        body->len = p - body->data;

        return NGX_OK;
    }

    if (ep->format == NGX_HTTP_AUTH_TOKEN_FORMAT_JSON) {
        ngx_str_set(type, "application/json");
        return ngx_http_auth_token_reissue_json(pool, token, params, values,
                                                n, body);
    }

    ngx_str_set(type, "application/x-www-form-urlencoded");

    return ngx_http_auth_token_exchange_form(pool, token, params, values, n,
                                             body);
}


/* RFC 8693, section 2.1 */

static ngx_int_t
ngx_http_auth_token_exchange_form(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_param_t *params, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *body)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = ngx_http_auth_token_exchange_prefix.len + 3 * token->len;

    for (i = 0; i < n; i++) {
        len += 2 + 3 * (params[i].name.len + values[i].len);
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    p = ngx_cpymem(p, ngx_http_auth_token_exchange_prefix.data,
                   ngx_http_auth_token_exchange_prefix.len);
    p = ngx_http_auth_token_form_escape(p, token);

    for (i = 0; i < n; i++) {
        if (values[i].len == 0) {
            continue;
        }

        *p++ = '&';
        p = ngx_http_auth_token_form_escape(p, &params[i].name);
        *p++ = '=';
        p = ngx_http_auth_token_form_escape(p, &values[i]);
    }

    body->len = p - body->data;

    return NGX_OK;
}


/* {"token": "...", "name": "value", ...}, built by jansson */

static ngx_int_t
ngx_http_auth_token_reissue_json(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_param_t *params, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *body)
{
    char        *s;
    json_t      *obj, *v;
    ngx_int_t    rc;
    ngx_uint_t   i;

    obj = json_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    v = json_stringn((const char *) token->data, token->len);

    if (v == NULL || json_object_set_new(obj, "token", v) != 0) {
        goto done;
    }

    for (i = 0; i < n; i++) {

        /* invalid UTF-8 from a client's header makes no string */

        v = json_stringn((const char *) values[i].data, values[i].len);

        if (v == NULL) {
            rc = NGX_DECLINED;
            goto done;
        }

        if (json_object_setn_new(obj, (const char *) params[i].name.data,
                                 params[i].name.len, v)
            != 0)
        {
            goto done;
        }
    }

    s = json_dumps(obj, JSON_COMPACT);
    if (s == NULL) {
        goto done;
    }

    body->len = ngx_strlen(s);
    body->data = ngx_pnalloc(pool, body->len);

    if (body->data) {
        ngx_memcpy(body->data, s, body->len);
        rc = NGX_OK;
    }

    free(s);

done:

    json_decref(obj);

    return rc;
}


/*
 * Reads an answer from its HTTP status and body alone: sets the outcome's
 * state, and its value, not_after or err.  client_exp: the exp of the
 * client's token, past which no outcome about it is used (0: none).
 */

void
ngx_http_auth_token_oauth_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    time_t now, time_t client_exp, ngx_http_auth_token_outcome_t *o)
{
    ngx_str_null(&o->value);
    o->err = NULL;
    o->stored = now;
    o->not_after = client_exp;

    if (ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION) {
        ngx_http_auth_token_introspect_answer(pool, ep, a, o);

    } else {
        ngx_http_auth_token_reissue_answer(pool, ep, a, now, o);
    }
}


/* RFC 7662, section 2.2, or a status-code style API (410: revoked) */

static void
ngx_http_auth_token_introspect_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    ngx_http_auth_token_outcome_t *o)
{
    json_t  *json, *v;

    o->state = NGX_HTTP_AUTH_TOKEN_FAILED;

    if (ep->format == NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS) {

        switch (a->status) {

        case NGX_HTTP_OK:
            break;

        case 410:   /* Gone */
            o->state = NGX_HTTP_AUTH_TOKEN_GONE;
            return;

        case NGX_HTTP_UNAUTHORIZED:
        case NGX_HTTP_NOT_FOUND:
            o->state = NGX_HTTP_AUTH_TOKEN_REFUSED;
            return;

        default:
            o->err = "unexpected HTTP status";
            return;
        }

    } else if (a->status != NGX_HTTP_OK) {
        o->err = "unexpected HTTP status";
        return;
    }

    if (a->too_large) {
        o->err = "answer too large";
        return;
    }

    json = ngx_http_auth_token_json_parse(pool, a->body.data, a->body.len,
                                          NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                          &o->err);
    if (json == NULL) {
        return;
    }

    if (!json_is_object(json)) {
        o->err = "answer is not a JSON object";
        return;
    }

    if (ep->format == NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662) {
        v = json_object_get(json, "active");

        if (!json_is_boolean(v)) {
            o->err = "answer has no boolean \"active\"";
            return;
        }

        if (json_is_false(v)) {
            o->state = NGX_HTTP_AUTH_TOKEN_REFUSED;
            return;
        }
    }

    /* the provider's word on the token's lifetime, never used past it */

    v = json_object_get(json, "exp");

    o->not_after = json_is_integer(v) ? (time_t) json_integer_value(v) : 0;
    o->value = a->body;
    o->state = NGX_HTTP_AUTH_TOKEN_ACCEPTED;
}


/* RFC 8693, section 2.2, or a JSON API answering {"<field>": "<token>"} */

static void
ngx_http_auth_token_reissue_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    time_t now, ngx_http_auth_token_outcome_t *o)
{
    json_t      *json, *v;
    time_t       new_exp;
    ngx_str_t    token;
    const char  *err;

    o->state = NGX_HTTP_AUTH_TOKEN_FAILED;

    err = "not valid JSON";
    json = NULL;

    if (a->body.len && !a->too_large) {
        json = ngx_http_auth_token_json_parse(pool, a->body.data,
                                              a->body.len,
                                              NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                              &err);
    }

    if (a->status == NGX_HTTP_BAD_REQUEST) {

        /* RFC 8693, section 2.2.2; RFC 6749, section 5.2 */

        v = json_object_get(json, "error");

        if (json_is_string(v)
            && (ngx_strcmp(json_string_value(v), "invalid_target") == 0
                || ngx_strcmp(json_string_value(v), "invalid_scope") == 0))
        {
            o->state = NGX_HTTP_AUTH_TOKEN_REFUSED;
            return;
        }

        if (json_is_string(v)
            && ngx_strcmp(json_string_value(v), "invalid_grant") == 0)
        {
            o->state = NGX_HTTP_AUTH_TOKEN_GONE;
            return;
        }

        o->err = "refused the request";
        return;
    }

    if (a->status == NGX_HTTP_FORBIDDEN) {
        o->state = NGX_HTTP_AUTH_TOKEN_REFUSED;
        return;
    }

    if (a->status == NGX_HTTP_UNAUTHORIZED) {
        o->state = NGX_HTTP_AUTH_TOKEN_GONE;
        return;
    }

    if (a->status != NGX_HTTP_OK) {
        o->err = "unexpected HTTP status";
        return;
    }

    if (a->too_large) {
        o->err = "answer too large";
        return;
    }

    if (json == NULL) {
        o->err = a->body.len ? err : "empty answer";
        return;
    }

    if (!json_is_object(json)) {
        o->err = "answer is not a JSON object";
        return;
    }

    v = json_object_getn(json, (const char *) ep->field.data, ep->field.len);

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > NGX_HTTP_AUTH_TOKEN_MAX_LENGTH)
    {
        o->err = "answer has no token";
        return;
    }

    token.data = (u_char *) json_string_value(v);
    token.len = json_string_length(v);

    /* it goes into a request header: b64token characters only */

    if (ngx_http_auth_token_valid_chars(&token) != NGX_OK) {
        o->err = "answer has a malformed token";
        return;
    }

    o->value.data = ngx_pnalloc(pool, token.len);
    if (o->value.data == NULL) {
        o->err = "out of memory";
        return;
    }

    ngx_memcpy(o->value.data, token.data, token.len);
    o->value.len = token.len;
    o->state = NGX_HTTP_AUTH_TOKEN_ACCEPTED;

    /* kept until the new token expires, less a margin */

    v = json_object_get(json, "expires_in");

    if (json_is_integer(v) && json_integer_value(v) > 0) {
        new_exp = now + (time_t) ngx_min(json_integer_value(v),
                                         (json_int_t) 365 * 86400);

    } else {
        new_exp = ngx_http_auth_token_unverified_exp(pool, &o->value);
    }

    if (new_exp == 0) {
        return;
    }

    /*
     * an exp in the past means "do not keep" whatever its value;
     * one near INT64_MIN must not overflow below
     */

    new_exp = ngx_max(new_exp, now) - NGX_HTTP_AUTH_TOKEN_REISSUE_MARGIN;

    if (o->not_after == 0 || new_exp < o->not_after) {
        o->not_after = new_exp;
    }
}


/*
 * The exp of a JWT from the identity provider, read without verification:
 * it is only a hint for how long to keep it.
 */

static time_t
ngx_http_auth_token_unverified_exp(ngx_pool_t *pool, ngx_str_t *token)
{
    json_t                     *claims, *exp;
    const char                 *reason;
    ngx_http_auth_token_jws_t   jws;

    if (ngx_http_auth_token_jws_parse(pool, token, &jws, &reason)
        != NGX_HTTP_AUTH_TOKEN_UNCHECKED)
    {
        return 0;
    }

    claims = ngx_http_auth_token_json_parse(pool, jws.payload_json.data,
                                            jws.payload_json.len,
                                            NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                            &reason);

    exp = json_object_get(claims, "exp");

    return json_is_integer(exp) ? (time_t) json_integer_value(exp) : 0;
}


/*
 * An OpenID Connect Discovery 1.0 / RFC 8414 document: "issuer" and
 * "jwks_uri" are required, "introspection_endpoint" is optional; the URLs
 * must be absolute http(s) URLs that a proxy_pass with a variable can
 * take.  Unknown members are ignored.  NGX_DECLINED: *err says why.
 */

ngx_int_t
ngx_http_auth_token_discovery_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_http_auth_token_discovery_t *d, const char **err)
{
    json_t     *doc;
    ngx_str_t   text;

    text.data = data;
    text.len = len;

    doc = ngx_http_auth_token_json_object(pool, &text,
                                          NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS, err);
    if (doc == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_auth_token_discovery_member(pool, doc, "issuer", 0,
                                             &d->issuer, err)
        != NGX_OK
        || ngx_http_auth_token_discovery_member(pool, doc, "jwks_uri", 1,
                                                &d->jwks_uri, err)
           != NGX_OK
        || ngx_http_auth_token_discovery_member(pool, doc,
                                                "introspection_endpoint", 1,
                                                &d->introspection_endpoint,
                                                err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (d->issuer.len == 0) {
        *err = "no \"issuer\"";
        return NGX_DECLINED;
    }

    if (d->jwks_uri.len == 0) {
        *err = "no \"jwks_uri\"";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_discovery_member(ngx_pool_t *pool, json_t *doc,
    const char *name, ngx_uint_t url, ngx_str_t *out, const char **err)
{
    u_char  *p, *last;
    json_t  *v;

    ngx_str_null(out);

    v = json_object_get(doc, name);

    if (v == NULL) {
        return NGX_OK;
    }

    if (!json_is_string(v)
        || json_string_length(v) > NGX_HTTP_AUTH_TOKEN_MAX_URL)
    {
        *err = "a member is not a string of at most 2048 bytes";
        return NGX_DECLINED;
    }

    p = (u_char *) json_string_value(v);
    last = p + json_string_length(v);

    for ( /* void */ ; p < last; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            *err = "a member holds spaces, controls or non-ASCII bytes";
            return NGX_DECLINED;
        }
    }

    p = (u_char *) json_string_value(v);

    if (url
        && !(last - p > 8 && ngx_strncasecmp(p, (u_char *) "https://", 8) == 0)
        && !(last - p > 7 && ngx_strncasecmp(p, (u_char *) "http://", 7) == 0))
    {
        *err = "a URL is not an absolute http(s) URL";
        return NGX_DECLINED;
    }

    out->len = last - p;
    out->data = ngx_pnalloc(pool, out->len);
    if (out->data == NULL) {
        *err = "out of memory";
        return NGX_ERROR;
    }

    ngx_memcpy(out->data, p, out->len);

    return NGX_OK;
}
