
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"

#include <math.h>


typedef struct {
    ngx_array_t                    *path;       /* ngx_str_t */
} ngx_http_auth_token_claim_var_t;


static ngx_int_t ngx_http_auth_token_time(json_t *v, double *t);
static ngx_int_t ngx_http_auth_token_has_value(json_t *v, ngx_str_t *s);
static ngx_int_t ngx_http_auth_token_has_scope(json_t *claims,
    ngx_str_t *scope);
static ngx_int_t ngx_http_auth_token_set_value(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *json);
static ngx_int_t ngx_http_auth_token_variable_field(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_payload(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_cache(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_reissued(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_token(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_claim_set(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_same_header(ngx_str_t *a, ngx_str_t *b);
static ngx_int_t ngx_http_auth_token_index_header(ngx_http_request_t *r,
    ngx_http_auth_token_header_t *hdr, ngx_table_elt_t *e);


static ngx_str_t  ngx_http_auth_token_status_names[] = {
    ngx_null_string,
    ngx_string("valid"),
    ngx_string("missing"),
    ngx_string("invalid_request"),
    ngx_string("malformed"),
    ngx_string("unsupported_alg"),
    ngx_string("unknown_key"),
    ngx_string("bad_signature"),
    ngx_string("expired"),
    ngx_string("not_yet_valid"),
    ngx_string("wrong_issuer"),
    ngx_string("wrong_audience"),
    ngx_string("insufficient_scope"),
    ngx_string("requirement_failed"),
    ngx_string("keys_unavailable"),
    ngx_string("inactive"),
    ngx_string("revoked"),
    ngx_string("introspection_failed"),
    ngx_string("reissue_denied"),
    ngx_string("reissue_rejected"),
    ngx_string("reissue_failed")
};


static ngx_str_t  ngx_http_auth_token_cache_names[] = {
    ngx_null_string,
    ngx_string("HIT"),
    ngx_string("MISS"),
    ngx_string("EXPIRED"),
    ngx_string("STALE"),
    ngx_string("BYPASS")
};


static ngx_http_variable_t  ngx_http_auth_token_vars[] = {

    { ngx_string("auth_token_claim_"), NULL,
      ngx_http_auth_token_variable_field, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("auth_token_jwt_header_"), NULL,
      ngx_http_auth_token_variable_field, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("auth_token_payload"), NULL,
      ngx_http_auth_token_variable_payload, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_status"), NULL,
      ngx_http_auth_token_variable_status, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_cache"), NULL,
      ngx_http_auth_token_variable_cache, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_reissued"), NULL,
      ngx_http_auth_token_variable_reissued, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_jwks_age"), NULL,
      ngx_http_auth_token_variable_jwks_age, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token"), NULL,
      ngx_http_auth_token_variable_token, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


const char *
ngx_http_auth_token_status_name(ngx_uint_t status)
{
    return (const char *) ngx_http_auth_token_status_names[status].data;
}


/*
 * The checks that depend on the location, in the order a client can best
 * act on: time, issuer, audience, scope.
 */

void
ngx_http_auth_token_check_claims(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_result_t *res)
{
    double                           now;
    json_t                          *v, *claims;
    ngx_str_t                       *s;
    ngx_uint_t                       i;
    const char                      *reason;
    ngx_http_auth_token_verified_t   times, *t;

    /* a cache hit knows its times without parsing the claims */

    if (ctx->lazy_claims) {
        t = &ctx->cached;

    } else {
        t = &times;

        if (ngx_http_auth_token_claim_times(ctx->claims, t, &reason)
            != NGX_OK)
        {
            res->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            res->reason = reason;
            return;
        }
    }

    now = (double) ngx_time();

    if ((t->times & NGX_HTTP_AUTH_TOKEN_HAS_EXP)
        && now - (double) alcf->leeway >= t->exp)
    {
        res->status = NGX_HTTP_AUTH_TOKEN_EXPIRED;
        res->reason = "Token expired";
        return;
    }

    if ((t->times & NGX_HTTP_AUTH_TOKEN_HAS_NBF)
        && now + (double) alcf->leeway < t->nbf)
    {
        res->status = NGX_HTTP_AUTH_TOKEN_NOT_YET_VALID;
        res->reason = "Token not yet valid";
        return;
    }

    if (alcf->issuers == NULL && alcf->audiences == NULL
        && alcf->scopes == NULL)
    {
        return;
    }

    claims = ngx_http_auth_token_get_claims(r, ctx);

    if (alcf->issuers) {
        v = json_object_get(claims, "iss");
        s = alcf->issuers->elts;

        for (i = 0; i < alcf->issuers->nelts; i++) {
            if (json_is_string(v) && ngx_http_auth_token_has_value(v, &s[i])) {
                break;
            }
        }

        if (i == alcf->issuers->nelts) {
            res->status = NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER;
            res->reason = "Token issuer not accepted";
            return;
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
            res->status = NGX_HTTP_AUTH_TOKEN_WRONG_AUDIENCE;
            res->reason = "Token audience not accepted";
            return;
        }
    }

    if (alcf->scopes) {
        s = alcf->scopes->elts;

        for (i = 0; i < alcf->scopes->nelts; i++) {
            if (!ngx_http_auth_token_has_scope(claims, &s[i])) {
                res->status = NGX_HTTP_AUTH_TOKEN_INSUFFICIENT_SCOPE;
                res->reason = "Token lacks a required scope";
                return;
            }
        }
    }
}


/* the "exp" and "nbf" claims, when present, must be NumericDates */

ngx_int_t
ngx_http_auth_token_claim_times(json_t *claims,
    ngx_http_auth_token_verified_t *v, const char **reason)
{
    json_t  *t;

    v->times = 0;
    v->exp = 0;
    v->nbf = 0;

    t = json_object_get(claims, "exp");
    if (t) {
        if (ngx_http_auth_token_time(t, &v->exp) != NGX_OK) {
            *reason = "Invalid \"exp\" claim";
            return NGX_ERROR;
        }

        v->times |= NGX_HTTP_AUTH_TOKEN_HAS_EXP;
    }

    t = json_object_get(claims, "nbf");
    if (t) {
        if (ngx_http_auth_token_time(t, &v->nbf) != NGX_OK) {
            *reason = "Invalid \"nbf\" claim";
            return NGX_ERROR;
        }

        v->times |= NGX_HTTP_AUTH_TOKEN_HAS_NBF;
    }

    return NGX_OK;
}


/* NumericDate (RFC 7519, section 2): a JSON number, maybe fractional */

static ngx_int_t
ngx_http_auth_token_time(json_t *v, double *t)
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


/* auth_token_require: every value non-empty and not "0" */

ngx_int_t
ngx_http_auth_token_check_require(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_str_t                       val;
    ngx_uint_t                      i, j;
    ngx_http_complex_value_t       *cv;
    ngx_http_auth_token_require_t  *req;

    if (alcf->requires == NULL) {
        return NGX_OK;
    }

    req = alcf->requires->elts;

    for (i = 0; i < alcf->requires->nelts; i++) {

        cv = req[i].values->elts;

        for (j = 0; j < req[i].values->nelts; j++) {

            if (ngx_http_complex_value(r, &cv[j], &val) != NGX_OK) {
                return NGX_ERROR;
            }

            if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
                ctx->code = req[i].error;
                return NGX_DECLINED;
            }
        }
    }

    return NGX_OK;
}


/*
 * Variables.  State lives in the main request's context, so that
 * subrequests (e.g. auth_request, mirror) see the same identity and
 * nothing survives into another request.
 */

ngx_int_t
ngx_http_auth_token_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_auth_token_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}




static ngx_int_t
ngx_http_auth_token_set_value(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, json_t *json)
{
    ngx_str_t  s;

    if (json == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_auth_token_json_render(r->pool, json, &s) != NGX_OK) {
        return NGX_ERROR;
    }

    v->data = s.data;
    v->len = s.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $auth_token_claim_<name> and $auth_token_jwt_header_<name>: for prefix
 * variables nginx passes the variable's own name as data
 */

static ngx_int_t
ngx_http_auth_token_variable_field(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t *name = (ngx_str_t *) data;

    json_t                     *json;
    size_t                      prefix;
    ngx_str_t                   field;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
        v->not_found = 1;
        return NGX_OK;
    }

    prefix = sizeof("auth_token_claim_") - 1;

    if (ngx_strncmp(name->data, "auth_token_claim_", prefix) == 0) {
        json = ngx_http_auth_token_get_claims(r, ctx);

    } else {
        prefix = sizeof("auth_token_jwt_header_") - 1;
        json = ngx_http_auth_token_get_jwt_header(r, ctx);
    }

    field.data = name->data + prefix;
    field.len = name->len - prefix;

    return ngx_http_auth_token_set_value(r, v,
                          ngx_http_auth_token_json_path(json, &field, 1));
}


static ngx_int_t
ngx_http_auth_token_variable_payload(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_auth_token_set_value(r, v,
                                  ngx_http_auth_token_get_claims(r, ctx));
}


static ngx_int_t
ngx_http_auth_token_variable_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_http_auth_token_status_names[ctx->status].data;
    v->len = ngx_http_auth_token_status_names[ctx->status].len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_variable_cache(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                  cache;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    /* an introspection's answer, or a JWT's verification */

    cache = ctx->introspection ? ctx->introspection->cache : ctx->jwt_cache;

    if (cache == NGX_HTTP_AUTH_TOKEN_CACHE_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_http_auth_token_cache_names[cache].data;
    v->len = ngx_http_auth_token_cache_names[cache].len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_variable_reissued(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status != NGX_HTTP_AUTH_TOKEN_VALID
        || ctx->reissued.len == 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ctx->reissued.data;
    v->len = ctx->reissued.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_variable_token(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->token.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ctx->token.data;
    v->len = ctx->token.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_variable_claim_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_claim_var_t *cv = (ngx_http_auth_token_claim_var_t *)
                                          data;

    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_auth_token_set_value(r, v,
                          ngx_http_auth_token_json_path(
                              ngx_http_auth_token_get_claims(r, ctx),
                              cv->path->elts, cv->path->nelts));
}


/* auth_token_claim_set $variable claim [nested ...]; */

char *
ngx_http_auth_token_claim_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                        *value, *s;
    ngx_uint_t                        i;
    ngx_http_variable_t              *var;
    ngx_http_auth_token_claim_var_t  *cv;

    value = cf->args->elts;

    if (value[1].len < 2 || value[1].data[0] != '$') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid variable name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    value[1].len--;
    value[1].data++;

    var = ngx_http_add_variable(cf, &value[1], NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_CONF_ERROR;
    }

    if (var->get_handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "variable \"$%V\" is already defined", &value[1]);
        return NGX_CONF_ERROR;
    }

    cv = ngx_palloc(cf->pool, sizeof(ngx_http_auth_token_claim_var_t));
    if (cv == NULL) {
        return NGX_CONF_ERROR;
    }

    cv->path = ngx_array_create(cf->pool, cf->args->nelts - 2,
                                sizeof(ngx_str_t));
    if (cv->path == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        s = ngx_array_push(cv->path);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    var->get_handler = ngx_http_auth_token_variable_claim_set;
    var->data = (uintptr_t) cv;

    return NGX_CONF_OK;
}


/*
 * Runs before the content handler of every request whose location names
 * claim headers: the client's copies of those headers go first (in any
 * case, with "_" for "-"), then the headers from an accepted token are
 * added.  This also holds when "satisfy any" let the request in without a
 * token.  The request's header list is rebuilt, so that every upstream
 * module (proxy, fastcgi, grpc, uwsgi, scgi) and $http_* see the result.
 */

ngx_int_t
ngx_http_auth_token_headers_handler(ngx_http_request_t *r)
{
    u_char                          *p;
    json_t                          *json;
    ngx_str_t                        value;
    ngx_uint_t                       i, j, n, strip_auth, reissued;
    ngx_list_t                       list;
    ngx_list_part_t                 *part;
    ngx_table_elt_t                 *h, *e;
    ngx_http_auth_token_ctx_t       *ctx;
    ngx_http_auth_token_header_t    *hdr;
    ngx_http_auth_token_loc_conf_t  *alcf;

    if (ngx_http_auth_token_fetch_of(r)) {
        /* our own call to the identity provider: its headers are ours */
        return NGX_DECLINED;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);
    ctx = ngx_http_auth_token_get_ctx(r);

    reissued = (ctx && ctx->status == NGX_HTTP_AUTH_TOKEN_VALID
                && ctx->reissued.len);

    /* the upstream sees the reissued token only, or none */

    strip_auth = r->headers_in.authorization != NULL
                 && (reissued
                     || (!alcf->pass_token && alcf->realm && ctx
                         && ctx->from_header));

    if (alcf->headers == NULL && !strip_auth && !reissued) {
        return NGX_DECLINED;
    }

    hdr = alcf->headers ? alcf->headers->elts : NULL;
    n = alcf->headers ? alcf->headers->nelts : 0;

    if (ngx_list_init(&list, r->pool, 20, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (strip_auth && &h[i] == r->headers_in.authorization) {
            continue;
        }

        for (j = 0; j < n; j++) {
            if (ngx_http_auth_token_same_header(&h[i].key, &hdr[j].name)) {
                break;
            }
        }

        if (j < n) {
            continue;
        }

        e = ngx_list_push(&list);
        if (e == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *e = h[i];
    }

    if (strip_auth) {
        r->headers_in.authorization = NULL;
    }

    for (j = 0; j < n; j++) {
        if (ngx_http_auth_token_index_header(r, &hdr[j], NULL) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (reissued) {
        e = ngx_list_push(&list);
        if (e == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        e->value.len = alcf->reissue_scheme.len + 1 + ctx->reissued.len;
        e->value.data = ngx_pnalloc(r->pool, e->value.len);
        if (e->value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_cpymem(e->value.data, alcf->reissue_scheme.data,
                       alcf->reissue_scheme.len);
        *p++ = ' ';
        ngx_memcpy(p, ctx->reissued.data, ctx->reissued.len);

        ngx_str_set(&e->key, "Authorization");
        e->lowcase_key = (u_char *) "authorization";
        e->hash = ngx_hash_key(e->lowcase_key, e->key.len);

        r->headers_in.authorization = e;
    }

    for (j = 0; j < n; j++) {

        if (ctx == NULL || ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
            break;
        }

        json = ngx_http_auth_token_json_path(
                                   ngx_http_auth_token_get_claims(r, ctx),
                                   hdr[j].path->elts, hdr[j].path->nelts);

        if (ngx_http_auth_token_json_render(r->pool, json, &value)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (value.len == 0) {
            continue;
        }

        e = ngx_list_push(&list);
        if (e == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        e->hash = hdr[j].hash;
        e->key = hdr[j].name;
        e->lowcase_key = hdr[j].lowcase.data;
        e->value = value;

        if (ngx_http_auth_token_index_header(r, &hdr[j], e) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->headers_in.headers = list;

    return NGX_DECLINED;
}


/*
 * nginx keeps pointers to some request headers in r->headers_in (for
 * $http_x_forwarded_for, $proxy_add_x_forwarded_for, $http_user_agent,
 * the realip module...).  Client copies removed from the list must go from
 * there too, and the header from the claim take their place; e NULL:
 * only forget the client's copies.
 */

static ngx_int_t
ngx_http_auth_token_index_header(ngx_http_request_t *r,
    ngx_http_auth_token_header_t *hdr, ngx_table_elt_t *e)
{
    u_char            *field;
    ngx_table_elt_t  **ph;
#if (nginx_version < 1023000)
    ngx_array_t       *a;
#endif

    if (hdr->offset == 0) {
        return NGX_OK;
    }

    field = (u_char *) &r->headers_in + hdr->offset;

#if (nginx_version < 1023000)

    /* before 1.23, headers that may repeat are arrays of pointers */

    if (hdr->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)) {
        a = (ngx_array_t *) field;
        a->nelts = 0;

        if (e == NULL) {
            return NGX_OK;
        }

        if (a->elts == NULL
            && ngx_array_init(a, r->pool, 1, sizeof(ngx_table_elt_t *))
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        ph = ngx_array_push(a);
        if (ph == NULL) {
            return NGX_ERROR;
        }

        *ph = e;

        return NGX_OK;
    }

#else

    if (e) {
        e->next = NULL;
    }

#endif

    ph = (ngx_table_elt_t **) field;
    *ph = e;

    return NGX_OK;
}


/* header names compare case-insensitively, with "_" the same as "-" */

static ngx_int_t
ngx_http_auth_token_same_header(ngx_str_t *a, ngx_str_t *b)
{
    u_char      c1, c2;
    ngx_uint_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        c1 = ngx_tolower(a->data[i]);
        c2 = ngx_tolower(b->data[i]);

        if (c1 == '_') {
            c1 = '-';
        }

        if (c2 == '_') {
            c2 = '-';
        }

        if (c1 != c2) {
            return 0;
        }
    }

    return 1;
}
