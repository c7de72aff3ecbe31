
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * Token introspection (RFC 7662, and status-code style APIs) through a
 * subrequest.  Results live in the shared zone, keyed by a SHA-256 of the
 * endpoint's identity (server, URI, client credentials) and the token.  A
 * request that finds no fresh result takes a lease on the entry and asks
 * the identity provider; others with the same token wait for it, in any
 * worker.  Active results are kept for auth_token_introspect_cache_valid,
 * never past the token's exp; inactive ones for a shorter time, at the cold
 * end of the LRU queue, so that a flood of garbage tokens evicts garbage
 * first.
 */


#define NGX_HTTP_AUTH_TOKEN_STATE_PENDING     0
#define NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE      1
#define NGX_HTTP_AUTH_TOKEN_STATE_INACTIVE    2
#define NGX_HTTP_AUTH_TOKEN_STATE_REVOKED     3
#define NGX_HTTP_AUTH_TOKEN_STATE_ERROR       4

#define NGX_HTTP_AUTH_TOKEN_MAX_ANSWER  (64 * 1024)


typedef struct {
    ngx_uint_t                      state;
    time_t                          expires;    /* fresh until */
    time_t                          token_exp;  /* never used past it */
    time_t                          lease;      /* a call runs until */
    size_t                          claims_len;
    u_char                          claims[1];
} ngx_http_auth_token_result_sh_t;


typedef struct {
    ngx_http_auth_token_fetch_t     fetch;
    ngx_http_auth_token_ctx_t      *ctx;
    ngx_http_auth_token_loc_conf_t *alcf;
    ngx_uint_t                      cached;
} ngx_http_auth_token_introspect_fetch_t;


static ngx_int_t ngx_http_auth_token_introspect_start(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_uint_t cached);
static void ngx_http_auth_token_introspect_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);
static ngx_uint_t ngx_http_auth_token_introspect_answer(
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_fetch_t *f,
    json_t **claims, const char **err);
static void ngx_http_auth_token_introspect_store(
    ngx_http_auth_token_zone_t *zone, u_char *key, ngx_uint_t state,
    time_t expires, time_t token_exp, ngx_str_t *claims);
static void ngx_http_auth_token_introspect_apply(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_uint_t state, u_char *claims,
    size_t len);


/* at merge time: the endpoint's identity and client authentication */

char *
ngx_http_auth_token_introspect_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    u_char                            *p, *buf;
    size_t                             len;
    unsigned int                       hlen;
    ngx_http_core_srv_conf_t          *cscf;
    ngx_http_auth_token_introspect_t  *is;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

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

    len = sizeof("introspect") + cscf->server_name.len + 1 + is->uri.len + 1
          + is->basic.len + 1;

    buf = ngx_pnalloc(cf->temp_pool, len);
    if (buf == NULL) {
        return NGX_CONF_ERROR;
    }

    p = ngx_cpymem(buf, "introspect", sizeof("introspect"));
    p = ngx_cpymem(p, cscf->server_name.data, cscf->server_name.len);
    *p++ = '\0';
    p = ngx_cpymem(p, is->uri.data, is->uri.len);
    *p++ = '\0';
    p = ngx_cpymem(p, is->basic.data, is->basic.len);
    *p++ = (u_char) is->format;

    if (EVP_Digest(buf, p - buf, is->id, &hlen, EVP_sha256(), NULL) != 1) {
        return NGX_CONF_ERROR;
    }

    conf->introspect = is;

    return NGX_CONF_OK;
}


/*
 * NGX_OK: ctx holds the result (claims to check, or a refusal);
 * NGX_AGAIN: the request waits for an introspection.
 */

ngx_int_t
ngx_http_auth_token_introspect(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char                            *claims;
    time_t                             now;
    size_t                             len;
    EVP_MD_CTX                        *md;
    ngx_uint_t                         state, cached;
    unsigned int                       hlen;
    ngx_http_auth_token_node_t        *node;
    ngx_http_auth_token_zone_t        *zone;
    ngx_http_auth_token_result_sh_t   *e;
    ngx_http_auth_token_main_conf_t   *amcf;

    if (ctx->introspected) {
        return NGX_OK;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

    if (amcf->zone == NULL) {
        ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        return ngx_http_auth_token_introspect_start(r, alcf, ctx, 0);
    }

    if (!ctx->keyed) {
        md = EVP_MD_CTX_new();

        if (md == NULL
            || EVP_DigestInit_ex(md, ngx_http_auth_token_sha256(), NULL) != 1
            || EVP_DigestUpdate(md, alcf->introspect->id,
                                NGX_HTTP_AUTH_TOKEN_HASH_LEN) != 1
            || EVP_DigestUpdate(md, ctx->token.data, ctx->token.len) != 1
            || EVP_DigestFinal_ex(md, ctx->key, &hlen) != 1)
        {
            EVP_MD_CTX_free(md);
            ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
            ctx->reason = "Internal error";
            return NGX_OK;
        }

        EVP_MD_CTX_free(md);
        ctx->keyed = 1;
    }

    zone = amcf->zone->data;
    now = ngx_time();
    claims = NULL;
    len = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, ctx->key);

    if (node == NULL) {
        node = ngx_http_auth_token_cache_alloc(zone, ctx->key,
                                     sizeof(ngx_http_auth_token_result_sh_t),
                                     0);
        if (node == NULL) {
            ngx_shmtx_unlock(&zone->shpool->mutex);
            ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
            return ngx_http_auth_token_introspect_start(r, alcf, ctx, 0);
        }

        e = (ngx_http_auth_token_result_sh_t *) node->data;
        ngx_memzero(e, sizeof(ngx_http_auth_token_result_sh_t));

        e->lease = now + alcf->lock_timeout / 1000 + 1;

        ngx_shmtx_unlock(&zone->shpool->mutex);

        ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
        return ngx_http_auth_token_introspect_start(r, alcf, ctx, 1);
    }

    e = (ngx_http_auth_token_result_sh_t *) node->data;

    if (e->state != NGX_HTTP_AUTH_TOKEN_STATE_PENDING && now < e->expires
        && (e->token_exp == 0 || now < e->token_exp))
    {
        state = e->state;

        if (e->claims_len) {
            claims = ngx_pnalloc(r->pool, e->claims_len);
            if (claims) {
                len = e->claims_len;
                ngx_memcpy(claims, e->claims, len);
            }
        }

        ngx_shmtx_unlock(&zone->shpool->mutex);

        if (state == NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE && claims == NULL) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
            ctx->reason = "Internal error";
            return NGX_OK;
        }

        if (ctx->cache == NGX_HTTP_AUTH_TOKEN_CACHE_NONE) {
            ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
        }

        ngx_http_auth_token_introspect_apply(r, ctx, state, claims, len);
        return NGX_OK;
    }

    if (e->lease > now) {
        ngx_shmtx_unlock(&zone->shpool->mutex);

        /* another request asks for this token: wait for its answer */

        if (!ctx->waiting) {
            ctx->waiting = 1;
            ctx->wait_start = ngx_current_msec;
            ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
        }

        if (ngx_current_msec - ctx->wait_start < alcf->lock_timeout) {
            return ngx_http_auth_token_park(r, 20);
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for another "
                      "introspection after %M ms", alcf->lock_timeout);

        ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        return ngx_http_auth_token_introspect_start(r, alcf, ctx, 0);
    }

    cached = (e->state != NGX_HTTP_AUTH_TOKEN_STATE_PENDING);
    e->lease = now + alcf->lock_timeout / 1000 + 1;

    ngx_shmtx_unlock(&zone->shpool->mutex);

    ctx->cache = cached ? NGX_HTTP_AUTH_TOKEN_CACHE_EXPIRED
                        : NGX_HTTP_AUTH_TOKEN_CACHE_MISS;

    return ngx_http_auth_token_introspect_start(r, alcf, ctx, 1);
}


static ngx_int_t
ngx_http_auth_token_introspect_start(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_uint_t cached)
{
    u_char                                  *p;
    ngx_http_auth_token_introspect_fetch_t  *jf;

    jf = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_introspect_fetch_t));
    if (jf == NULL) {
        goto failed;
    }

    jf->ctx = ctx;
    jf->alcf = alcf;
    jf->cached = cached;

    jf->fetch.handler = ngx_http_auth_token_introspect_done;
    jf->fetch.data = jf;
    jf->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_ANSWER;
    jf->fetch.req_auth = alcf->introspect->basic;
    ngx_str_set(&jf->fetch.req_type, "application/x-www-form-urlencoded");

    /* RFC 7662, section 2.1 */

    p = ngx_pnalloc(r->pool, sizeof("token=&token_type_hint=access_token")
                             + 3 * ctx->token.len);
    if (p == NULL) {
        goto failed;
    }

    jf->fetch.req_body.data = p;

    p = ngx_cpymem(p, "token=", sizeof("token=") - 1);
    p = ngx_http_auth_token_form_escape(p, &ctx->token);
    p = ngx_cpymem(p, "&token_type_hint=access_token",
                   sizeof("&token_type_hint=access_token") - 1);

    jf->fetch.req_body.len = p - jf->fetch.req_body.data;

    if (ngx_http_auth_token_fetch(r, &alcf->introspect->uri, &jf->fetch, 0)
        == NGX_OK)
    {
        return NGX_AGAIN;
    }

failed:

    ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
    ctx->reason = "Internal error";
    ctx->introspected = 1;

    return NGX_OK;
}


static void
ngx_http_auth_token_introspect_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_introspect_fetch_t *jf = f->data;

    u_char                            *stale;
    json_t                            *claims, *exp;
    time_t                             now, expires, token_exp;
    size_t                             stale_len;
    ngx_str_t                          text;
    ngx_uint_t                         state;
    const char                        *err;
    ngx_http_auth_token_ctx_t         *ctx;
    ngx_http_auth_token_node_t        *node;
    ngx_http_auth_token_zone_t        *zone;
    ngx_http_auth_token_loc_conf_t    *alcf;
    ngx_http_auth_token_result_sh_t   *e;
    ngx_http_auth_token_main_conf_t   *amcf;

    ctx = jf->ctx;
    alcf = jf->alcf;
    now = ngx_time();

    amcf = ngx_http_get_module_main_conf(sr, ngx_http_auth_token_module);
    zone = (jf->cached && amcf->zone) ? amcf->zone->data : NULL;

    ctx->introspected = 1;

    state = ngx_http_auth_token_introspect_answer(alcf, f, &claims, &err);

    if (state == NGX_HTTP_AUTH_TOKEN_STATE_ERROR) {

        ngx_log_error(NGX_LOG_ERR, sr->connection->log, 0,
                      "auth_token: introspection failed: %s", err);

        stale = NULL;
        stale_len = 0;

        if (zone) {
            ngx_shmtx_lock(&zone->shpool->mutex);

            node = ngx_http_auth_token_cache_lookup(zone, ctx->key);

            if (node) {
                e = (ngx_http_auth_token_result_sh_t *) node->data;
                e->lease = 0;

                if (e->state == NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE
                    && now < e->expires + alcf->stale_if_error
                    && (e->token_exp == 0 || now < e->token_exp))
                {
                    stale = ngx_pnalloc(sr->pool, e->claims_len);
                    if (stale) {
                        stale_len = e->claims_len;
                        ngx_memcpy(stale, e->claims, stale_len);
                    }
                }
            }

            ngx_shmtx_unlock(&zone->shpool->mutex);
        }

        if (stale) {
            ctx->cache = NGX_HTTP_AUTH_TOKEN_CACHE_STALE;
            ngx_http_auth_token_introspect_apply(sr, ctx,
                                                 NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE,
                                                 stale, stale_len);
            return;
        }

        ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
        ctx->reason = "Token introspection failed";
        return;
    }

    token_exp = 0;

    if (state == NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE) {
        expires = now + alcf->cache_valid;

        exp = json_object_get(claims, "exp");

        if (json_is_integer(exp)) {
            token_exp = (time_t) json_integer_value(exp);
        }

        json_decref(claims);

    } else {
        expires = now + alcf->cache_inactive;
    }

    text = f->body;

    if (state != NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE) {
        ngx_str_null(&text);
    }

    if (zone) {
        ngx_http_auth_token_introspect_store(zone, ctx->key, state, expires,
                                             token_exp, &text);
    }

    ngx_http_auth_token_introspect_apply(sr, ctx, state, text.data,
                                         text.len);
}


/* what the identity provider said, in the configured style */

static ngx_uint_t
ngx_http_auth_token_introspect_answer(ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_fetch_t *f, json_t **claims, const char **err)
{
    json_t  *json, *active;

    *claims = NULL;

    if (alcf->introspect->format == NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS) {

        switch (f->status) {

        case NGX_HTTP_OK:
            break;

        case 410:   /* Gone: revoked */
            return NGX_HTTP_AUTH_TOKEN_STATE_REVOKED;

        case NGX_HTTP_UNAUTHORIZED:
        case NGX_HTTP_NOT_FOUND:
            return NGX_HTTP_AUTH_TOKEN_STATE_INACTIVE;

        default:
            *err = "unexpected HTTP status";
            return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
        }

    } else if (f->status != NGX_HTTP_OK) {
        *err = "unexpected HTTP status";
        return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
    }

    if (f->too_large) {
        *err = "answer too large";
        return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
    }

    json = ngx_http_auth_token_json_parse(NULL, f->body.data, f->body.len,
                                          NGX_HTTP_AUTH_TOKEN_MAX_DEPTH, err);
    if (json == NULL) {
        return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
    }

    if (!json_is_object(json)) {
        json_decref(json);
        *err = "answer is not a JSON object";
        return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
    }

    if (alcf->introspect->format == NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662) {

        active = json_object_get(json, "active");

        if (!json_is_boolean(active)) {
            json_decref(json);
            *err = "answer has no boolean \"active\"";
            return NGX_HTTP_AUTH_TOKEN_STATE_ERROR;
        }

        if (json_is_false(active)) {
            json_decref(json);
            return NGX_HTTP_AUTH_TOKEN_STATE_INACTIVE;
        }
    }

    /* the caller releases the claims */
    *claims = json;

    return NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE;
}


static void
ngx_http_auth_token_introspect_store(ngx_http_auth_token_zone_t *zone,
    u_char *key, ngx_uint_t state, time_t expires, time_t token_exp,
    ngx_str_t *claims)
{
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_result_sh_t  *e;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, key);

    if (node) {
        ngx_http_auth_token_cache_free(zone, node);
    }

    node = ngx_http_auth_token_cache_alloc(zone, key,
                          offsetof(ngx_http_auth_token_result_sh_t, claims)
                          + claims->len,
                          0);

    if (node) {
        e = (ngx_http_auth_token_result_sh_t *) node->data;

        e->state = state;
        e->expires = expires;
        e->token_exp = token_exp;
        e->lease = 0;
        e->claims_len = claims->len;
        ngx_memcpy(e->claims, claims->data, claims->len);

        if (state != NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE) {
            /* refusals go to the cold end: evicted before results */
            ngx_queue_remove(&node->queue);
            ngx_queue_insert_tail(&zone->sh->lru, &node->queue);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


static void
ngx_http_auth_token_introspect_apply(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_uint_t state, u_char *claims,
    size_t len)
{
    json_t      *json;
    const char  *err;

    ctx->introspected = 1;

    switch (state) {

    case NGX_HTTP_AUTH_TOKEN_STATE_ACTIVE:
        json = ngx_http_auth_token_json_parse(r->pool, claims, len,
                                              NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                              &err);
        if (json == NULL || !json_is_object(json)) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED;
            ctx->reason = "Token introspection failed";
            return;
        }

        ctx->claims = json;
        ctx->payload.data = claims;
        ctx->payload.len = len;
        ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
        return;

    case NGX_HTTP_AUTH_TOKEN_STATE_REVOKED:
        ctx->status = NGX_HTTP_AUTH_TOKEN_REVOKED;
        ctx->reason = "Token has been revoked";
        return;

    default:
        ctx->status = NGX_HTTP_AUTH_TOKEN_INACTIVE;
        ctx->reason = "Token is not active";
        return;
    }
}
