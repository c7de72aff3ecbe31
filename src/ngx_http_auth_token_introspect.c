
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * Token introspection (RFC 7662, and status-code style APIs), as a cached
 * call (ngx_http_auth_token_call.c) keyed by the endpoint and the token.
 * Active answers are kept for auth_token_introspect_cache_valid, never past
 * the token's exp; refusals for auth_token_introspect_cache_inactive.
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_ANSWER  (64 * 1024)


static ngx_uint_t ngx_http_auth_token_introspect_answer(
    ngx_http_request_t *sr, ngx_http_auth_token_call_t *call,
    ngx_http_auth_token_fetch_t *f);


/* at merge time: the endpoint's identity and client authentication */

char *
ngx_http_auth_token_introspect_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_str_t                          format;
    ngx_http_auth_token_introspect_t  *is;

    is = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_introspect_t));
    if (is == NULL) {
        return NGX_CONF_ERROR;
    }

    is->uri = conf->introspect_uri;
    is->format = conf->introspect_format;

    if (conf->client_id.len
        && ngx_http_auth_token_basic(cf->pool, &conf->client_id,
                                     &conf->client_secret, &is->basic)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (is->format == NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS) {
        ngx_str_set(&format, "status");

    } else {
        ngx_str_set(&format, "rfc7662");
    }

    if (ngx_http_auth_token_call_id(cf, is->id, "introspect", &is->uri,
                                    &is->basic, &format)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    conf->introspect = is;

    return NGX_CONF_OK;
}


/*
 * NGX_OK: ctx holds the result (claims to check, or a refusal);
 * NGX_AGAIN: the request waits for the answer.
 */

ngx_int_t
ngx_http_auth_token_introspect(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char                           *p;
    json_t                           *json;
    const char                       *err;
    ngx_http_auth_token_call_t       *call;
    ngx_http_auth_token_main_conf_t  *amcf;

    call = ctx->introspection;

    if (call == NULL) {
        call = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_call_t));
        if (call == NULL) {
            goto failed;
        }

        ctx->introspection = call;

        amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

        call->uri = &alcf->introspect->uri;
        call->zone = amcf->zone;
        call->lock_timeout = alcf->lock_timeout;
        call->stale = alcf->stale_if_error;
        call->answer = ngx_http_auth_token_introspect_answer;
        call->data = alcf;
        call->what = "introspection";

        if (ngx_http_auth_token_call_key(call->key, alcf->introspect->id,
                                         &ctx->token, 1)
            != NGX_OK)
        {
            goto failed;
        }

        /* RFC 7662, section 2.1 */

        call->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_ANSWER;
        call->fetch.req_auth = alcf->introspect->basic;
        ngx_str_set(&call->fetch.req_type,
                    "application/x-www-form-urlencoded");

        p = ngx_pnalloc(r->pool, sizeof("token=&token_type_hint=access_token")
                                 + 3 * ctx->token.len);
        if (p == NULL) {
            goto failed;
        }

        call->fetch.req_body.data = p;

        p = ngx_cpymem(p, "token=", sizeof("token=") - 1);
        p = ngx_http_auth_token_form_escape(p, &ctx->token);
        p = ngx_cpymem(p, "&token_type_hint=access_token",
                       sizeof("&token_type_hint=access_token") - 1);

        call->fetch.req_body.len = p - call->fetch.req_body.data;
    }

    if (ngx_http_auth_token_call(r, call) == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    switch (call->state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        json = ngx_http_auth_token_json_parse(r->pool, call->value.data,
                                              call->value.len,
                                              NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                              &err);
        if (json == NULL || !json_is_object(json)) {
            break;
        }

        /* the provider's word, not the JWT's claims, is what counts */

        ctx->claims = json;
        ctx->lazy_claims = 0;
        ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_GONE:
        ctx->status = NGX_HTTP_AUTH_TOKEN_REVOKED;
        ctx->reason = "Token has been revoked";
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
        ctx->status = NGX_HTTP_AUTH_TOKEN_INACTIVE;
        ctx->reason = "Token is not active";
        return NGX_OK;

    default:
        break;
    }

failed:

    ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
    ctx->reason = "Token introspection failed";

    return NGX_OK;
}


/* what the identity provider said, in the configured style */

static ngx_uint_t
ngx_http_auth_token_introspect_answer(ngx_http_request_t *sr,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f)
{
    return ngx_http_auth_token_introspect_parse(sr->pool, call->data, call,
                                                f);
}


/*
 * Reads an answer from its HTTP status and body alone, with no request,
 * so that it can be tested and fuzzed on its own: returns a state and
 * sets call->expires, and call->value, call->token_exp or call->err.
 */

ngx_uint_t
ngx_http_auth_token_introspect_parse(ngx_pool_t *pool,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_call_t *call,
    ngx_http_auth_token_fetch_t *f)
{
    json_t      *json, *v;
    time_t       now;
    ngx_uint_t   format;

    now = ngx_time();
    format = alcf->introspect->format;

    call->expires = now + alcf->cache_inactive;

    if (format == NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS) {

        switch (f->status) {

        case NGX_HTTP_OK:
            break;

        case 410:   /* Gone */
            return NGX_HTTP_AUTH_TOKEN_GONE;

        case NGX_HTTP_UNAUTHORIZED:
        case NGX_HTTP_NOT_FOUND:
            return NGX_HTTP_AUTH_TOKEN_REFUSED;

        default:
            call->err = "unexpected HTTP status";
            return NGX_HTTP_AUTH_TOKEN_FAILED;
        }

    } else if (f->status != NGX_HTTP_OK) {
        call->err = "unexpected HTTP status";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (f->too_large) {
        call->err = "answer too large";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    json = ngx_http_auth_token_json_parse(pool, f->body.data, f->body.len,
                                          NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                          &call->err);
    if (json == NULL) {
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (!json_is_object(json)) {
        call->err = "answer is not a JSON object";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (format == NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662) {
        v = json_object_get(json, "active");

        if (!json_is_boolean(v)) {
            call->err = "answer has no boolean \"active\"";
            return NGX_HTTP_AUTH_TOKEN_FAILED;
        }

        if (json_is_false(v)) {
            return NGX_HTTP_AUTH_TOKEN_REFUSED;
        }
    }

    v = json_object_get(json, "exp");

    if (json_is_integer(v)) {
        call->token_exp = (time_t) json_integer_value(v);
    }

    call->expires = now + alcf->cache_valid;
    call->value = f->body;

    return NGX_HTTP_AUTH_TOKEN_ACCEPTED;
}
