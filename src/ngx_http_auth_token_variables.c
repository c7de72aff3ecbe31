
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_variables.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_binding.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_source.h"
#include "ngx_http_auth_token_endpoint.h"


/*
 * The module's variables, and auth_token_claim_set.  A variable reads the
 * context of the request that decided (for a subrequest without a
 * decision of its own, its parent's), so that nothing survives into
 * another request.
 */


typedef struct {
    ngx_array_t                    *path;       /* ngx_str_t */
} ngx_http_auth_token_claim_var_t;


static ngx_int_t ngx_http_auth_token_variable_str(
    ngx_http_variable_value_t *v, ngx_str_t *s);
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
static ngx_int_t ngx_http_auth_token_variable_jwks_age(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_discovered(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_claim_set(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_dpop_jkt(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_token_variable_cnf_x5t(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


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

    { ngx_string("auth_token_jwks_uri"), NULL,
      ngx_http_auth_token_variable_discovered,
      offsetof(ngx_http_auth_token_discovery_t, jwks_uri),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_introspection_endpoint"), NULL,
      ngx_http_auth_token_variable_discovered,
      offsetof(ngx_http_auth_token_discovery_t, introspection_endpoint),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token"), NULL,
      ngx_http_auth_token_variable_token, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_dpop_jkt"), NULL,
      ngx_http_auth_token_variable_dpop_jkt, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("auth_token_cnf_x5t"), NULL,
      ngx_http_auth_token_variable_cnf_x5t, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


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
    ngx_int_t  rc;
    ngx_str_t  s;

    if (json == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    rc = ngx_http_auth_token_render(r->pool, json, &s);

    if (rc == NGX_DECLINED) {
        /* a value that cannot be represented is not shown */
        v->not_found = 1;
        return NGX_OK;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_variable_str(v, &s);
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
        json = ngx_http_auth_token_get_jws_header(r, ctx);
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
    ngx_str_t                  *name;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        v->not_found = 1;
        return NGX_OK;
    }

    name = ngx_http_auth_token_status_name(ctx->status);

    return ngx_http_auth_token_variable_str(v, name);
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

    return ngx_http_auth_token_variable_str(v,
                                    &ngx_http_auth_token_cache_names[cache]);
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

    return ngx_http_auth_token_variable_str(v, &ctx->reissued);
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

    return ngx_http_auth_token_variable_str(v, &ctx->token);
}


/* the thumbprint of a DPoP proof's key, once its signature verified */

static ngx_int_t
ngx_http_auth_token_variable_dpop_jkt(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL || ctx->dpop_jkt.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_auth_token_variable_str(v, &ctx->dpop_jkt);
}


/* the token's cnf["x5t#S256"] */

static ngx_int_t
ngx_http_auth_token_variable_cnf_x5t(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                   x5t;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL
        || ngx_http_auth_token_cnf_x5t(r, ctx, &x5t) != NGX_OK
        || x5t.len == 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_auth_token_variable_str(v, &x5t);
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




static ngx_int_t
ngx_http_auth_token_variable_jwks_age(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                          *p;
    ngx_http_auth_token_ctx_t       *ctx;
    ngx_http_auth_token_keys_t      *ks;
    ngx_http_auth_token_source_t    *src;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);
    ctx = ngx_http_auth_token_get_ctx(r);
    src = ngx_http_auth_token_source_of(alcf, ctx);

    if (src == NULL
        || (src->fixed == NULL
            && (ctx == NULL || ctx->keys_uri.data == NULL)))
    {
        v->not_found = 1;
        return NGX_OK;
    }

    ks = ngx_http_auth_token_keys_of(r, alcf, ctx);
    if (ks == NULL) {
        return NGX_ERROR;
    }

    if (ks->keyset == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_sprintf(p, "%T", ngx_time() - ks->fetched) - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $auth_token_jwks_uri, $auth_token_introspection_endpoint: in the
 * module's own call to the identity provider (the internal location that
 * proxies to it), what the discovery document named for that call; in the
 * request, what it named for the request
 */

static ngx_int_t
ngx_http_auth_token_variable_discovered(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                        *value;
    ngx_http_auth_token_ctx_t        *ctx;
    ngx_http_auth_token_fetch_t      *f;
    ngx_http_auth_token_discovery_t   d;

    f = ngx_http_auth_token_fetch_of(r);

    if (f) {
        d.jwks_uri = f->jwks_uri;
        d.introspection_endpoint = f->introspection_endpoint;
        value = (ngx_str_t *) ((u_char *) &d + data);

    } else {
        ctx = ngx_http_auth_token_get_ctx(r);

        if (ctx == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        value = (ngx_str_t *) ((u_char *) &ctx->discovered + data);
    }

    if (value->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_auth_token_variable_str(v, value);
}


/* a value that lives as long as the request: no copy */

static ngx_int_t
ngx_http_auth_token_variable_str(ngx_http_variable_value_t *v, ngx_str_t *s)
{
    v->data = s->data;
    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
