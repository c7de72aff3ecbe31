
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_endpoint.h"
#include "ngx_http_auth_token_flight.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_metrics.h"


/*
 * Identity-provider endpoints: introspection (auth_token_introspect_request)
 * and reissue (auth_token_reissue_request) are two descriptions of one
 * mechanism.  A call is keyed by the endpoint's identity and what is asked
 * (the token, and the evaluated reissue parameters); its outcome is cached
 * in the zone and coalesced across workers by the single flight, and each
 * location trusts a cached outcome only for its own lifetimes.  What is
 * sent and how an answer reads are in ngx_http_auth_token_oauth.c.
 */


/* a reissue refusal is remembered this long */
#define NGX_HTTP_AUTH_TOKEN_DENIAL_VALID  10


typedef struct {
    const char                     *name;       /* for the error log */
    ngx_http_auth_token_status_e    refused;
    const char                     *refused_reason;
    ngx_http_auth_token_status_e    gone;
    const char                     *gone_reason;
    ngx_http_auth_token_status_e    failed;
    const char                     *failed_reason;
} ngx_http_auth_token_endpoint_kind_t;


static ngx_http_auth_token_endpoint_kind_t  ngx_http_auth_token_kinds[] = {

    /* NGX_HTTP_AUTH_TOKEN_INTROSPECTION */
    { "introspection",
      NGX_HTTP_AUTH_TOKEN_INACTIVE, "Token is not active",
      NGX_HTTP_AUTH_TOKEN_REVOKED, "Token has been revoked",
      NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED, "Token introspection failed" },

    /* NGX_HTTP_AUTH_TOKEN_EXCHANGE */
    { "reissue",
      NGX_HTTP_AUTH_TOKEN_REISSUE_DENIED,
      "Token exchange refused for this target",
      NGX_HTTP_AUTH_TOKEN_REISSUE_REJECTED,
      "Token rejected by the identity provider",
      NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED, "Token exchange failed" }
};


static ngx_http_auth_token_endpoint_t *ngx_http_auth_token_endpoint_add(
    ngx_conf_t *cf, ngx_uint_t kind, ngx_str_t *uri, ngx_uint_t format,
    ngx_str_t *field, ngx_str_t *id, ngx_str_t *secret);
static ngx_int_t ngx_http_auth_token_call_create(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_call_t **pcall);
static ngx_int_t ngx_http_auth_token_call_run(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_call_t *call,
    ngx_msec_t lock_timeout);
static ngx_int_t ngx_http_auth_token_call_start(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call);
static void ngx_http_auth_token_call_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);


/* at merge time: the endpoints of a location, with their identities */

char *
ngx_http_auth_token_endpoint_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    if (conf->introspect_uri.len) {
        conf->introspect = ngx_http_auth_token_endpoint_add(cf,
                                          NGX_HTTP_AUTH_TOKEN_INTROSPECTION,
                                          &conf->introspect_uri,
                                          conf->introspect_format, NULL,
                                          &conf->client_id,
                                          &conf->client_secret);
        if (conf->introspect == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->reissue_uri.len) {
        conf->reissue = ngx_http_auth_token_endpoint_add(cf,
                                          NGX_HTTP_AUTH_TOKEN_EXCHANGE,
                                          &conf->reissue_uri,
                                          conf->reissue_format,
                                          &conf->reissue_field,
                                          &conf->reissue_client_id,
                                          &conf->reissue_client_secret);
        if (conf->reissue == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_http_auth_token_endpoint_t *
ngx_http_auth_token_endpoint_add(ngx_conf_t *cf, ngx_uint_t kind,
    ngx_str_t *uri, ngx_uint_t format, ngx_str_t *field, ngx_str_t *id,
    ngx_str_t *secret)
{
    u_char                            *p;
    ngx_str_t                          options;
    ngx_http_auth_token_endpoint_t    *ep;
    ngx_http_compile_complex_value_t   ccv;

    ep = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_endpoint_t));
    if (ep == NULL) {
        return NULL;
    }

    ep->kind = kind;
    ep->uri = *uri;
    ep->format = format;

    if (field && field->len) {
        ep->field = *field;

    } else if (format == NGX_HTTP_AUTH_TOKEN_FORMAT_JSON) {
        ngx_str_set(&ep->field, "token");

    } else {
        ngx_str_set(&ep->field, "access_token");
    }

    if (id->len
        && ngx_http_auth_token_oauth_basic(cf->pool, id, secret, &ep->basic)
           != NGX_OK)
    {
        return NULL;
    }

    /* a URI with variables: a call, and a cache entry, per value */

    if (ngx_http_script_variables_count(&ep->uri)) {
        ep->uri_cv = ngx_pcalloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (ep->uri_cv == NULL) {
            return NULL;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &ep->uri;
        ccv.complex_value = ep->uri_cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NULL;
        }
    }

    /* the answer style and the answer field change what is cached */

    p = ngx_pnalloc(cf->pool, ep->field.len + NGX_INT_T_LEN + 1);
    if (p == NULL) {
        return NULL;
    }

    options.data = p;
    options.len = ngx_sprintf(p, "%ui %V", format, &ep->field) - p;

    if (ngx_http_auth_token_endpoint_id(cf, ep->id,
                                        ngx_http_auth_token_kinds[kind].name,
                                        &ep->uri, &ep->basic, &options)
        != NGX_OK)
    {
        return NULL;
    }

    return ep;
}


/*
 * The INTROSPECT and REISSUE steps.  NGX_OK: ctx->status says the outcome
 * (UNCHECKED or VALID: accepted, with ctx->claims from an introspection
 * or ctx->reissued); NGX_AGAIN: the request waits; NGX_ERROR: an internal
 * failure.
 */

ngx_int_t
ngx_http_auth_token_endpoint(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_endpoint_t *ep)
{
    json_t                               *json;
    ngx_int_t                             rc;
    const char                           *err;
    ngx_http_auth_token_call_t          **pcall, *call;
    ngx_http_auth_token_endpoint_kind_t  *kind;

    kind = &ngx_http_auth_token_kinds[ep->kind];

    pcall = (ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION)
            ? &ctx->introspection : &ctx->reissue;

    if (*pcall == NULL) {
        rc = ngx_http_auth_token_call_create(r, alcf, ctx, ep, pcall);

        if (rc == NGX_DONE) {
            /* nothing to call: ctx->status says why */
            return NGX_OK;
        }

        if (rc != NGX_OK) {
            return rc;
        }
    }

    call = *pcall;

    if (!call->done) {
        rc = ngx_http_auth_token_call_run(r, ctx, call, alcf->lock_timeout);

        if (rc != NGX_OK) {
            return rc;
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: %s outcome %ui", kind->name,
                   call->outcome.state);

    switch (call->outcome.state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:

        if (ep->kind == NGX_HTTP_AUTH_TOKEN_EXCHANGE) {
            if (call->outcome.value.len == 0) {
                break;
            }

            ctx->reissued = call->outcome.value;
            return NGX_OK;
        }

        /* the provider's word, not the JWT's claims, is what counts */

        json = ngx_http_auth_token_json_object(r->pool, &call->outcome.value,
                                               NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS,
                                               &err);
        if (json == NULL) {
            break;
        }

        ngx_http_auth_token_set_claims(ctx, json);
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
        ctx->status = kind->refused;
        ctx->reason = kind->refused_reason;
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_GONE:
        ctx->status = kind->gone;
        ctx->reason = kind->gone_reason;
        return NGX_OK;

    default:
        break;
    }

    ctx->status = kind->failed;
    ctx->reason = kind->failed_reason;

    return NGX_OK;
}


/* what this request asks, under which key, trusted for how long */

static ngx_int_t
ngx_http_auth_token_call_create(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_call_t **pcall)
{
    json_t                           *exp;
    ngx_int_t                         rc;
    ngx_str_t                        *values, *parts;
    ngx_uint_t                        i, n, np;
    ngx_http_auth_token_call_t       *call;
    ngx_http_auth_token_param_t      *params;
    ngx_http_auth_token_main_conf_t  *amcf;

    call = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_call_t));
    if (call == NULL) {
        return NGX_ERROR;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

    call->ep = ep;
    call->zone = amcf->zone ? amcf->zone->data : NULL;
    call->trust.lock_timeout = alcf->lock_timeout;

    n = 0;
    params = NULL;

    if (ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION) {
        call->trust.accepted = alcf->cache_valid;
        call->trust.refused = alcf->cache_inactive;
        call->trust.stale = alcf->stale_if_error;
        call->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_ANSWER;

    } else {
        call->trust.accepted = alcf->reissue_cache_valid;
        call->trust.refused = NGX_HTTP_AUTH_TOKEN_DENIAL_VALID;
        call->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_ANSWER;

        exp = json_object_get(ngx_http_auth_token_get_claims(r, ctx), "exp");
        call->client_exp = json_is_integer(exp) ? json_integer_value(exp)
                                                : 0;

        if (alcf->reissue_params) {
            n = alcf->reissue_params->nelts;
            params = alcf->reissue_params->elts;
        }
    }

    /*
     * the key: the endpoint (its URI as evaluated, e.g. per tenant), the
     * token, and this request's parameters
     */

    call->uri = ep->uri;

    if (ep->uri_cv
        && ngx_http_complex_value(r, ep->uri_cv, &call->uri) != NGX_OK)
    {
        return NGX_ERROR;
    }

    values = ngx_pcalloc(r->pool, (n + 1) * sizeof(ngx_str_t));
    parts = ngx_pcalloc(r->pool, (2 * n + 3) * sizeof(ngx_str_t));
    if (values == NULL || parts == NULL) {
        return NGX_ERROR;
    }

    parts[0] = ctx->token;
    parts[1] = call->uri;

    /* the endpoint of a discovery document, if the location has one */

    if (ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION) {
        call->fetch.introspection_endpoint =
                                       ctx->discovered.introspection_endpoint;
    }

    np = 2 * n + 2;

    if (call->fetch.introspection_endpoint.len) {
        parts[np++] = call->fetch.introspection_endpoint;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_complex_value(r, &params[i].value, &values[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        parts[2 + 2 * i] = params[i].name;
        parts[3 + 2 * i] = values[i];
    }

    if (ngx_http_auth_token_sha256(call->key, ep->id, parts, np)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    call->fetch.req_auth = ep->basic;
    call->token = ctx->token;

    /*
     * an introspection body only for a call (call_start(): not on a cache
     * hit); a reissue's now, as its parameters may refuse the request
     */

    rc = NGX_OK;

    if (ep->kind != NGX_HTTP_AUTH_TOKEN_INTROSPECTION) {
        rc = ngx_http_auth_token_oauth_body(r->pool, ep, &ctx->token, params,
                                            values, n, &call->fetch.req_type,
                                            &call->fetch.req_body);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    *pcall = call;

    if (rc == NGX_DECLINED) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST;
        ctx->reason = "Invalid reissue parameter";
        call->done = 1;
        call->outcome.state = NGX_HTTP_AUTH_TOKEN_PENDING;
        return NGX_DONE;
    }

    return NGX_OK;
}


/* the zone first: a fresh outcome, a call that runs, or our own call */

static ngx_int_t
ngx_http_auth_token_call_run(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_call_t *call,
    ngx_msec_t lock_timeout)
{
    ngx_int_t   rc;
    ngx_uint_t  kind;

    if (call->zone == NULL) {
        call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        return ngx_http_auth_token_call_start(r, call);
    }

    rc = ngx_http_auth_token_zone_get_outcome(call->zone, call->ep->kind,
                                              call->key,
                                              &call->trust, r->pool,
                                              &call->outcome, &call->cache);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: %s in the zone: %i",
                   ngx_http_auth_token_kinds[call->ep->kind].name, rc);

    kind = (call->ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION)
           ? NGX_HTTP_AUTH_TOKEN_M_INTROSPECTION
           : NGX_HTTP_AUTH_TOKEN_M_REISSUE;

    switch (rc) {

    case NGX_OK:
        ngx_http_auth_token_wait_end(&ctx->wait);
        call->done = 1;

        /* a failure shared during the back-off is no answer from the cache */

        if (call->cache == NGX_HTTP_AUTH_TOKEN_CACHE_STALE) {
            ngx_http_auth_token_count_cache(r, kind,
                                            NGX_HTTP_AUTH_TOKEN_M_STALE);

        } else if (call->outcome.state != NGX_HTTP_AUTH_TOKEN_FAILED) {
            ngx_http_auth_token_count_cache(r, kind,
                                            NGX_HTTP_AUTH_TOKEN_M_HIT);
        }

        return NGX_OK;

    case NGX_AGAIN:
        ngx_http_auth_token_wait_end(&ctx->wait);
        call->store = 1;
        ngx_http_auth_token_count_cache(r, kind, NGX_HTTP_AUTH_TOKEN_M_MISS);
        return ngx_http_auth_token_call_start(r, call);

    case NGX_BUSY:

        /* another request makes this call: wait for its outcome */

        if (!ctx->wait.parked) {
            call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
            ngx_http_auth_token_count_wait(r, kind);
        }

        rc = ngx_http_auth_token_wait(r, &ctx->wait, lock_timeout,
                                      NGX_HTTP_AUTH_TOKEN_WAIT_STEP);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for another %s call "
                      "after %M ms",
                      ngx_http_auth_token_kinds[call->ep->kind].name,
                      lock_timeout);

        ngx_http_auth_token_wait_end(&ctx->wait);
        call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        ngx_http_auth_token_count_cache(r, kind, NGX_HTTP_AUTH_TOKEN_M_MISS);
        return ngx_http_auth_token_call_start(r, call);

    case NGX_DECLINED:
        ngx_http_auth_token_count_cache(r, kind, NGX_HTTP_AUTH_TOKEN_M_MISS);
        return ngx_http_auth_token_call_start(r, call);

    default:
        return NGX_ERROR;
    }
}


static ngx_int_t
ngx_http_auth_token_call_start(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call)
{
    call->fetch.handler = ngx_http_auth_token_call_done;
    call->fetch.data = call;

    if ((call->fetch.req_body.data
         || ngx_http_auth_token_oauth_body(r->pool, call->ep, &call->token,
                                           NULL, NULL, 0,
                                           &call->fetch.req_type,
                                           &call->fetch.req_body)
            == NGX_OK)
        && ngx_http_auth_token_fetch(r, &call->uri, &call->fetch, 0)
           == NGX_OK)
    {
        return NGX_AGAIN;
    }

    if (call->store) {
        ngx_http_auth_token_zone_drop_outcome(call->zone, call->ep->kind,
                                               call->key);
    }

    return NGX_ERROR;
}


static void
ngx_http_auth_token_call_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_call_t *call = f->data;

    ngx_uint_t   kind, outcome;
    const char  *name;

    name = ngx_http_auth_token_kinds[call->ep->kind].name;
    kind = (call->ep->kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION)
           ? NGX_HTTP_AUTH_TOKEN_M_INTROSPECTION
           : NGX_HTTP_AUTH_TOKEN_M_REISSUE;

    call->done = 1;

    if (f->abandoned) {

        /* the client went away: no outcome, and nobody's fault */

        ngx_log_error(NGX_LOG_INFO, sr->connection->log, 0,
                      "auth_token: %s call abandoned", name);

        call->outcome.state = NGX_HTTP_AUTH_TOKEN_FAILED;

        if (call->store) {
            ngx_http_auth_token_zone_drop_outcome(call->zone, call->ep->kind,
                                               call->key);
        }

        return;
    }

    ngx_http_auth_token_oauth_answer(sr->pool, call->ep, &f->answer,
                                     ngx_time(), call->client_exp,
                                     &call->outcome);

    switch (call->outcome.state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        outcome = NGX_HTTP_AUTH_TOKEN_M_OK;
        break;

    case NGX_HTTP_AUTH_TOKEN_FAILED:
        outcome = (f->answer.status == NGX_HTTP_GATEWAY_TIME_OUT)
                  ? NGX_HTTP_AUTH_TOKEN_M_TIMEOUT : NGX_HTTP_AUTH_TOKEN_M_ERROR;
        break;

    default:
        outcome = NGX_HTTP_AUTH_TOKEN_M_REFUSED;
        break;
    }

    ngx_http_auth_token_count_call(sr, kind, outcome, f->start);

    if (call->outcome.state != NGX_HTTP_AUTH_TOKEN_FAILED) {
        if (call->store) {
            ngx_http_auth_token_count_cache(sr, kind,
                                            NGX_HTTP_AUTH_TOKEN_M_STORE);
            ngx_http_auth_token_zone_put_outcome(call->zone, call->ep->kind,
                                                 call->key,
                                                 &call->outcome);
        }

        return;
    }

    ngx_log_error(NGX_LOG_ERR, sr->connection->log, 0,
                  "auth_token: %s failed: %s (HTTP status %ui)", name,
                  call->outcome.err ? call->outcome.err : "no answer",
                  f->answer.status);

    if (call->store) {
        ngx_http_auth_token_zone_fail_outcome(call->zone, call->ep->kind,
                                              call->key,
                                              &call->trust, sr->pool,
                                              &call->outcome, &call->cache);

        if (call->cache == NGX_HTTP_AUTH_TOKEN_CACHE_STALE) {
            ngx_http_auth_token_count_cache(sr, kind,
                                            NGX_HTTP_AUTH_TOKEN_M_STALE);
        }
    }
}
