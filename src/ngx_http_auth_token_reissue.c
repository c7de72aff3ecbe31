
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * Reissue: after the client's token is accepted, a downstream token is
 * obtained from the identity provider (RFC 8693 token exchange, or a
 * JSON-body API) and goes upstream instead of the client's.  A cached call
 * (ngx_http_auth_token_call.c) keyed by the endpoint, the client's token and
 * every parameter; kept until the new token expires (less a margin), never
 * past the client token's exp.
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_ANSWER     (64 * 1024)
#define NGX_HTTP_AUTH_TOKEN_REISSUE_MARGIN 30
#define NGX_HTTP_AUTH_TOKEN_DENIAL_VALID   10


typedef struct {
    ngx_http_auth_token_loc_conf_t *alcf;
    time_t                          client_exp;
} ngx_http_auth_token_reissue_data_t;


static ngx_int_t ngx_http_auth_token_reissue_form(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *values, ngx_str_t *body);
static ngx_int_t ngx_http_auth_token_reissue_json(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *values, ngx_str_t *body);
static ngx_uint_t ngx_http_auth_token_reissue_answer(ngx_http_request_t *sr,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f);
static time_t ngx_http_auth_token_jwt_exp(ngx_pool_t *pool, ngx_str_t *token);


static ngx_str_t  ngx_http_auth_token_exchange_form = ngx_string(
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
    "&subject_token_type="
    "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
    "&subject_token=");


/* at merge time: the endpoint's identity and client authentication */

char *
ngx_http_auth_token_reissue_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_str_t                       options;
    ngx_http_auth_token_reissue_t  *ri;

    ri = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_reissue_t));
    if (ri == NULL) {
        return NGX_CONF_ERROR;
    }

    ri->uri = conf->reissue_uri;
    ri->format = conf->reissue_format;
    ri->field = conf->reissue_field;

    if (ri->field.len == 0) {
        if (ri->format == NGX_HTTP_AUTH_TOKEN_FORMAT_JSON) {
            ngx_str_set(&ri->field, "token");

        } else {
            ngx_str_set(&ri->field, "access_token");
        }
    }

    if (conf->reissue_client_id.len
        && ngx_http_auth_token_basic(cf->pool, &conf->reissue_client_id,
                                     &conf->reissue_client_secret,
                                     &ri->basic)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* the answer field and the format change what is cached */

    options.len = ri->field.len + 1;
    options.data = ngx_pnalloc(cf->pool, options.len);
    if (options.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(options.data, ri->field.data, ri->field.len);
    options.data[ri->field.len] = (u_char) ri->format;

    if (ngx_http_auth_token_call_id(cf, ri->id, "reissue", &ri->uri,
                                    &ri->basic, &options)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    conf->reissue = ri;

    return NGX_CONF_OK;
}


/*
 * Runs once the client's token is accepted.  NGX_OK: ctx->reissued holds
 * the downstream token, or ctx->status says why there is none;
 * NGX_AGAIN: the request waits for the answer.
 */

ngx_int_t
ngx_http_auth_token_reissue(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    json_t                              *exp;
    ngx_str_t                           *values, *parts;
    ngx_uint_t                           i, n;
    ngx_http_auth_token_call_t          *call;
    ngx_http_auth_token_param_t         *param;
    ngx_http_auth_token_main_conf_t     *amcf;
    ngx_http_auth_token_reissue_data_t  *data;

    call = ctx->reissue;

    if (call != NULL) {
        goto call;
    }

    call = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_call_t));
    data = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_reissue_data_t));
    if (call == NULL || data == NULL) {
        goto failed;
    }

    ctx->reissue = call;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

    exp = json_object_get(ngx_http_auth_token_get_claims(r, ctx), "exp");

    data->alcf = alcf;
    data->client_exp = json_is_integer(exp) ? json_integer_value(exp) : 0;

    call->uri = &alcf->reissue->uri;
    call->zone = amcf->zone;
    call->lock_timeout = alcf->lock_timeout;
    call->answer = ngx_http_auth_token_reissue_answer;
    call->data = data;
    call->what = "reissue";

    /* the parameters of this request, e.g. a tenant from a header */

    n = alcf->reissue_params ? alcf->reissue_params->nelts : 0;
    param = n ? alcf->reissue_params->elts : NULL;

    values = ngx_pcalloc(r->pool, (n + 1) * sizeof(ngx_str_t));
    parts = ngx_pcalloc(r->pool, (2 * n + 1) * sizeof(ngx_str_t));
    if (values == NULL || parts == NULL) {
        goto failed;
    }

    parts[0] = ctx->token;

    for (i = 0; i < n; i++) {
        if (ngx_http_complex_value(r, &param[i].value, &values[i])
            != NGX_OK)
        {
            goto failed;
        }

        parts[1 + 2 * i] = param[i].name;
        parts[2 + 2 * i] = values[i];
    }

    if (ngx_http_auth_token_call_key(call->key, alcf->reissue->id, parts,
                                     2 * n + 1)
        != NGX_OK)
    {
        goto failed;
    }

    call->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_ANSWER;
    call->fetch.req_auth = alcf->reissue->basic;

    if (alcf->reissue->format == NGX_HTTP_AUTH_TOKEN_FORMAT_JSON) {
        ngx_str_set(&call->fetch.req_type, "application/json");

        if (ngx_http_auth_token_reissue_json(r, alcf, ctx, values,
                                             &call->fetch.req_body)
            != NGX_OK)
        {
            ctx->status = NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST;
            ctx->reason = "Invalid reissue parameter";
            return NGX_OK;
        }

    } else {
        ngx_str_set(&call->fetch.req_type,
                    "application/x-www-form-urlencoded");

        if (ngx_http_auth_token_reissue_form(r, ctx, values,
                                             &call->fetch.req_body)
            != NGX_OK)
        {
            goto failed;
        }
    }

call:

    if (ngx_http_auth_token_call(r, call) == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    switch (call->state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        ctx->reissued = call->value;
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
        ctx->status = NGX_HTTP_AUTH_TOKEN_REISSUE_DENIED;
        ctx->reason = "Token exchange refused for this target";
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_GONE:
        ctx->status = NGX_HTTP_AUTH_TOKEN_REISSUE_REJECTED;
        ctx->reason = "Token rejected by the identity provider";
        return NGX_OK;

    default:
        break;
    }

failed:

    ctx->status = NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED;
    ctx->reason = "Token exchange failed";

    return NGX_OK;
}


/* RFC 8693, section 2.1 */

static ngx_int_t
ngx_http_auth_token_reissue_form(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *values, ngx_str_t *body)
{
    u_char                          *p;
    size_t                           len;
    ngx_uint_t                       i;
    ngx_http_auth_token_param_t     *param;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    len = ngx_http_auth_token_exchange_form.len + 3 * ctx->token.len;

    param = alcf->reissue_params ? alcf->reissue_params->elts : NULL;

    for (i = 0; param && i < alcf->reissue_params->nelts; i++) {
        len += 2 + 3 * (param[i].name.len + values[i].len);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    p = ngx_cpymem(p, ngx_http_auth_token_exchange_form.data,
                   ngx_http_auth_token_exchange_form.len);
    p = ngx_http_auth_token_form_escape(p, &ctx->token);

    for (i = 0; param && i < alcf->reissue_params->nelts; i++) {
        if (values[i].len == 0) {
            continue;
        }

        *p++ = '&';
        p = ngx_http_auth_token_form_escape(p, &param[i].name);
        *p++ = '=';
        p = ngx_http_auth_token_form_escape(p, &values[i]);
    }

    body->len = p - body->data;

    return NGX_OK;
}


/* {"token": "...", "name": "value", ...}, built by jansson */

static ngx_int_t
ngx_http_auth_token_reissue_json(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *values, ngx_str_t *body)
{
    char                         *s;
    json_t                       *obj, *v;
    ngx_int_t                     rc;
    ngx_uint_t                    i;
    ngx_http_auth_token_param_t  *param;

    obj = json_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    v = json_stringn((const char *) ctx->token.data, ctx->token.len);

    if (v == NULL || json_object_set_new(obj, "token", v) != 0) {
        goto done;
    }

    param = alcf->reissue_params ? alcf->reissue_params->elts : NULL;

    for (i = 0; param && i < alcf->reissue_params->nelts; i++) {

        /* invalid UTF-8 from a client's header makes no string */

        v = json_stringn((const char *) values[i].data, values[i].len);

        if (v == NULL
            || json_object_setn_new(obj, (const char *) param[i].name.data,
                                    param[i].name.len, v)
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
    body->data = ngx_pnalloc(r->pool, body->len);

    if (body->data) {
        ngx_memcpy(body->data, s, body->len);
        rc = NGX_OK;
    }

    free(s);

done:

    json_decref(obj);

    return rc;
}


static ngx_uint_t
ngx_http_auth_token_reissue_answer(ngx_http_request_t *sr,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_reissue_data_t *data = call->data;

    return ngx_http_auth_token_reissue_parse(sr->pool, data->alcf,
                                             data->client_exp, call, f);
}


/*
 * Reads an answer from its HTTP status and body alone, with no request,
 * so that it can be tested and fuzzed on its own: returns a state and
 * sets call->expires, call->token_exp (the client token's exp), and
 * call->value or call->err.
 */

ngx_uint_t
ngx_http_auth_token_reissue_parse(ngx_pool_t *pool,
    ngx_http_auth_token_loc_conf_t *alcf, time_t client_exp,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f)
{
    json_t      *json, *v;
    time_t       now, new_exp;
    ngx_str_t    token;
    const char  *err;

    now = ngx_time();
    err = "not valid JSON";

    call->token_exp = client_exp;
    call->expires = now + NGX_HTTP_AUTH_TOKEN_DENIAL_VALID;

    json = NULL;

    if (f->body.len && !f->too_large) {
        json = ngx_http_auth_token_json_parse(pool, f->body.data,
                                              f->body.len,
                                              NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                              &err);
    }

    if (f->status == NGX_HTTP_BAD_REQUEST) {

        /* RFC 8693, section 2.2.2; RFC 6749, section 5.2 */

        v = json_object_get(json, "error");

        if (json_is_string(v)
            && (ngx_strcmp(json_string_value(v), "invalid_target") == 0
                || ngx_strcmp(json_string_value(v), "invalid_scope") == 0))
        {
            return NGX_HTTP_AUTH_TOKEN_REFUSED;
        }

        if (json_is_string(v)
            && ngx_strcmp(json_string_value(v), "invalid_grant") == 0)
        {
            return NGX_HTTP_AUTH_TOKEN_GONE;
        }

        call->err = "refused the request";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (f->status == NGX_HTTP_FORBIDDEN) {
        return NGX_HTTP_AUTH_TOKEN_REFUSED;
    }

    if (f->status == NGX_HTTP_UNAUTHORIZED) {
        return NGX_HTTP_AUTH_TOKEN_GONE;
    }

    if (f->status != NGX_HTTP_OK) {
        call->err = "unexpected HTTP status";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (f->too_large) {
        call->err = "answer too large";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (json == NULL) {
        call->err = f->body.len ? err : "empty answer";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    if (!json_is_object(json)) {
        call->err = "answer is not a JSON object";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    v = json_object_getn(json, (const char *) alcf->reissue->field.data,
                         alcf->reissue->field.len);

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > NGX_HTTP_AUTH_TOKEN_MAX_LENGTH)
    {
        call->err = "answer has no token";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    token.data = (u_char *) json_string_value(v);
    token.len = json_string_length(v);

    /* it goes into a request header: b64token characters only */

    if (ngx_http_auth_token_valid_chars(&token) != NGX_OK) {
        call->err = "answer has a malformed token";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    call->value.data = ngx_pnalloc(pool, token.len);
    if (call->value.data == NULL) {
        call->err = "out of memory";
        return NGX_HTTP_AUTH_TOKEN_FAILED;
    }

    ngx_memcpy(call->value.data, token.data, token.len);
    call->value.len = token.len;

    /* kept until the new token expires, less a margin */

    new_exp = 0;

    v = json_object_get(json, "expires_in");

    if (json_is_integer(v) && json_integer_value(v) > 0) {
        new_exp = now + (time_t) ngx_min(json_integer_value(v),
                                         (json_int_t) 365 * 86400);

    } else {
        new_exp = ngx_http_auth_token_jwt_exp(pool, &call->value);
    }

    call->expires = now + alcf->reissue_cache_valid;

    if (new_exp) {

        /*
         * an exp in the past means "do not keep" whatever its value;
         * one near INT64_MIN must not overflow below
         */

        new_exp = ngx_max(new_exp, now);

        call->expires = ngx_min(call->expires,
                                new_exp - NGX_HTTP_AUTH_TOKEN_REISSUE_MARGIN);
    }

    return NGX_HTTP_AUTH_TOKEN_ACCEPTED;
}


/*
 * The exp of a JWT from the identity provider, read without verification:
 * it is only a hint for how long to keep it.
 */

static time_t
ngx_http_auth_token_jwt_exp(ngx_pool_t *pool, ngx_str_t *token)
{
    json_t                         *exp;
    time_t                          t;
    ngx_http_auth_token_jwt_t       jwt;
    ngx_http_auth_token_result_t    res;
    const char                     *err;

    ngx_http_auth_token_jwt_parse(pool, token, &jwt, &res);

    if (res.status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return 0;
    }

    jwt.claims = ngx_http_auth_token_json_parse(pool, jwt.payload_json.data,
                                                jwt.payload_json.len,
                                                NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                                &err);

    exp = json_object_get(jwt.claims, "exp");
    t = json_is_integer(exp) ? (time_t) json_integer_value(exp) : 0;

    return t;
}
