
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_flight.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_subrequest.h"
#include "ngx_http_auth_token_metrics.h"
#include "ngx_http_auth_token_source.h"
#include "ngx_http_auth_token_document.h"


/*
 * The remote key-set scheduler (auth_token_jwks_request).
 *
 * A key set is identified by its server (addresses and names) and its URI
 * as evaluated for the request: a URI with variables ("/_jwks/$host") has
 * one key set per value, each its own entry in the zone and its own keys
 * in each worker (at most "max" per worker, the least recently used go).
 *
 * The document lives in the shared zone with a generation number; each
 * worker parses a new generation once into its own keys.  Fetches follow
 * the single flight (ngx_http_auth_token_flight.c): one at a time across
 * all workers.  Requests that have keys go on with them while a refresh
 * runs in the background; requests without keys wait for the fetch, and so
 * do all requests after a reload until the key set is fetched again under
 * the new configuration (its internal location may point elsewhere now).
 * A token with an unknown kid causes (or waits for) an early fetch, at most
 * one per refetch interval across all workers.  After a failure the last
 * good keys stay in use and fetches back off.
 *
 * Verification is synchronous, so a worker replaces its keys only between
 * requests' uses of them: no request holds keys across an event.  Requests
 * find their key set again by its hash after an event: an evicted one is
 * made again, never used after it was freed.
 */


typedef struct {
    ngx_http_auth_token_fetch_t     fetch;
    ngx_http_auth_token_source_t   *src;
    ngx_str_t                       uri;
    ngx_str_t                       target;     /* a discovered jwks_uri */
    ngx_str_t                       name;       /* for logs */
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_uint_t                      pinned;
    time_t                          refresh;
    time_t                          refetch;
} ngx_http_auth_token_keys_fetch_t;


static ngx_int_t ngx_http_auth_token_keys_current(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_keys_t *ks);
static ngx_http_auth_token_keys_t *ngx_http_auth_token_keys_find(
    ngx_http_auth_token_source_t *src, u_char *hash, ngx_str_t *uri,
    ngx_str_t *target, ngx_uint_t create);
static void ngx_http_auth_token_keys_free(ngx_http_auth_token_keys_t *ks);
static ngx_int_t ngx_http_auth_token_keys_query(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_keys_t *ks,
    ngx_http_auth_token_keys_query_t *q);
static ngx_int_t ngx_http_auth_token_keys_fetch(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_keys_t *ks,
    ngx_uint_t background);
static void ngx_http_auth_token_keys_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);
static void ngx_http_auth_token_keys_sync(ngx_http_auth_token_source_t *src,
    ngx_http_auth_token_keys_t *ks, ngx_str_t *doc, ngx_uint_t generation,
    time_t fetched, ngx_log_t *log);
static void ngx_http_auth_token_keys_install(ngx_http_auth_token_keys_t *ks,
    ngx_http_auth_token_parsed_t *parsed, ngx_pool_t *pool,
    ngx_uint_t generation, time_t fetched);


void
ngx_http_auth_token_source_cleanup(void *data)
{
    ngx_http_auth_token_source_t *src = data;

    ngx_queue_t                 *q;
    ngx_http_auth_token_keys_t  *ks;

    if (src->fixed && src->fixed->pool) {
        ngx_destroy_pool(src->fixed->pool);
        src->fixed->pool = NULL;
        src->fixed->keyset = NULL;
        src->fixed->discovery = NULL;
    }

    while (!ngx_queue_empty(&src->sets)) {
        q = ngx_queue_head(&src->sets);
        ks = ngx_queue_data(q, ngx_http_auth_token_keys_t, queue);

        ngx_queue_remove(q);
        ngx_http_auth_token_keys_free(ks);
    }
}


/*
 * The key set of this request: the one of its source, or the one of its
 * source's URI as evaluated for it (and, for a discovered key set, of the
 * jwks_uri of the discovery document).  NULL: an internal failure.
 */

ngx_http_auth_token_keys_t *
ngx_http_auth_token_keys_of(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_str_t                      parts[2], *target;
    ngx_uint_t                     n;
    ngx_http_auth_token_source_t  *src;

    src = ngx_http_auth_token_source_of(alcf, ctx);

    if (src->fixed) {
        return src->fixed;
    }

    target = (src->type == NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERED)
             ? &ctx->discovered.jwks_uri : NULL;

    if (ctx->keys_uri.data == NULL) {

        if (src->uri == NULL) {
            ctx->keys_uri = src->text;

        } else if (ngx_http_complex_value(r, src->uri, &ctx->keys_uri)
                   != NGX_OK)
        {
            return NULL;
        }

        parts[0] = ctx->keys_uri;
        n = 1;

        if (target) {
            parts[1] = *target;
            n = 2;
        }

        if (ngx_http_auth_token_sha256(ctx->keys_hash, src->id, parts, n)
            != NGX_OK)
        {
            return NULL;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: key set \"%V\" %V", &ctx->keys_uri,
                       target ? target : &ctx->keys_uri);
    }

    return ngx_http_auth_token_keys_find(src, ctx->keys_hash, &ctx->keys_uri,
                                         target, 1);
}


/* this worker's key set by its hash; made when create is set */

static ngx_http_auth_token_keys_t *
ngx_http_auth_token_keys_find(ngx_http_auth_token_source_t *src,
    u_char *hash, ngx_str_t *uri, ngx_str_t *target, ngx_uint_t create)
{
    size_t                       len;
    ngx_str_t                   *shown;
    ngx_queue_t                 *q;
    ngx_http_auth_token_keys_t  *ks;

    if (src->fixed) {
        return src->fixed;
    }

    for (q = ngx_queue_head(&src->sets);
         q != ngx_queue_sentinel(&src->sets);
         q = ngx_queue_next(q))
    {
        ks = ngx_queue_data(q, ngx_http_auth_token_keys_t, queue);

        if (ngx_memcmp(ks->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN) == 0) {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&src->sets, q);
            return ks;
        }
    }

    if (!create) {
        return NULL;
    }

    if (src->nsets >= src->max) {
        q = ngx_queue_last(&src->sets);
        ks = ngx_queue_data(q, ngx_http_auth_token_keys_t, queue);

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "auth_token: key set \"%V\" leaves this worker",
                       &ks->name);

        ngx_queue_remove(q);
        ngx_http_auth_token_keys_free(ks);
        src->nsets--;
    }

    /* named in logs by what it is fetched from: a jwks_uri, or the URI */

    shown = (target && target->len) ? target : uri;
    len = target ? target->len : 0;

    ks = ngx_alloc(sizeof(ngx_http_auth_token_keys_t) + uri->len + len
                   + NGX_HTTP_AUTH_TOKEN_LOG_LEN(shown->len),
                   ngx_cycle->log);
    if (ks == NULL) {
        return NULL;
    }

    ngx_memzero(ks, sizeof(ngx_http_auth_token_keys_t));

    ks->uri.data = (u_char *) ks + sizeof(ngx_http_auth_token_keys_t);
    ks->uri.len = uri->len;
    ngx_memcpy(ks->uri.data, uri->data, uri->len);

    ks->target.data = ks->uri.data + uri->len;
    ks->target.len = len;

    if (len) {
        ngx_memcpy(ks->target.data, target->data, len);
    }

    /* a variable's value (a client's Host...) is escaped in logs */

    ks->name.data = ks->target.data + len;
    ks->name.len = ngx_http_auth_token_log_escape_into(ks->name.data,
                                                       shown->data,
                                                       shown->len)
                   - ks->name.data;
    ngx_memcpy(ks->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    ngx_queue_insert_head(&src->sets, &ks->queue);
    src->nsets++;

    return ks;
}


static void
ngx_http_auth_token_keys_free(ngx_http_auth_token_keys_t *ks)
{
    if (ks->pool) {
        ngx_destroy_pool(ks->pool);
    }

    ngx_free(ks);
}


/*
 * Makes this worker's keys current.  NGX_OK: keys to verify with (maybe
 * none from this source, if files provide others); NGX_AGAIN: the request
 * waits; NGX_DECLINED: no keys at all.
 */

ngx_int_t
ngx_http_auth_token_keys(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                      rc;
    ngx_http_auth_token_keys_t    *ks;
    ngx_http_auth_token_source_t  *src;

    src = ngx_http_auth_token_source_of(alcf, ctx);

    if (src == NULL) {
        return NGX_OK;
    }

    ks = ngx_http_auth_token_keys_of(r, alcf, ctx);
    if (ks == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_http_auth_token_keys_current(r, src, alcf, ctx, ks);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ks->keyset == NULL
        && ngx_http_auth_token_keysets_of(alcf, ctx) == NULL)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: no keys from JWKS \"%V\"", &ks->name);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * The discovery document of the location (auth_token_discovery_request),
 * made current as key sets are, and copied into the request: its issuer,
 * its jwks_uri and its introspection_endpoint.  NGX_DECLINED: none yet.
 */

ngx_int_t
ngx_http_auth_token_discover(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                         rc;
    ngx_http_auth_token_keys_t       *ks;
    ngx_http_auth_token_discovery_t  *d;

    ks = alcf->discovery->fixed;

    rc = ngx_http_auth_token_keys_current(r, alcf->discovery, alcf, ctx, ks);

    if (rc != NGX_OK) {
        return rc;
    }

    d = ks->discovery;

    if (d == NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: no discovery document from \"%V\"",
                       &ks->name);
        return NGX_DECLINED;
    }

    /* the worker may replace its copy after this request's next event */

    ctx->discovered.issuer.data = ngx_pstrdup(r->pool, &d->issuer);
    ctx->discovered.jwks_uri.data = ngx_pstrdup(r->pool, &d->jwks_uri);
    ctx->discovered.introspection_endpoint.data =
                          ngx_pnalloc(r->pool, d->introspection_endpoint.len);

    if (ctx->discovered.issuer.data == NULL
        || ctx->discovered.jwks_uri.data == NULL
        || ctx->discovered.introspection_endpoint.data == NULL)
    {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->discovered.introspection_endpoint.data,
               d->introspection_endpoint.data, d->introspection_endpoint.len);

    ctx->discovered.issuer.len = d->issuer.len;
    ctx->discovered.jwks_uri.len = d->jwks_uri.len;
    ctx->discovered.introspection_endpoint.len =
                                                d->introspection_endpoint.len;

    return NGX_OK;
}


/*
 * A remote document made current for this worker: its copy in the zone,
 * or a fetch (waited for, or in the background).  NGX_OK: whatever this
 * worker has now; NGX_AGAIN: the request waits.
 */

static ngx_int_t
ngx_http_auth_token_keys_current(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_keys_t *ks)
{
    ngx_int_t                          rc;
    ngx_http_auth_token_keys_query_t   q;

    q.unknown_kid = 0;
    q.kid = NULL;

    if (ngx_http_auth_token_keys_query(r, src, alcf, ks, &q) != NGX_OK) {
        return NGX_ERROR;
    }

    switch (q.action) {

    case NGX_HTTP_AUTH_TOKEN_KEYS_WAIT:
        if (!ctx->wait.parked) {
            ngx_http_auth_token_count_wait(r, NGX_HTTP_AUTH_TOKEN_M_JWKS);
        }

        rc = ngx_http_auth_token_wait(r, &ctx->wait, alcf->lock_timeout,
                                      NGX_HTTP_AUTH_TOKEN_WAIT_STEP);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for %s \"%V\" after %M ms",
                      (src->type == NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERY)
                      ? "discovery document" : "JWKS",
                      &ks->name, alcf->lock_timeout);
        break;

    case NGX_HTTP_AUTH_TOKEN_KEYS_FETCH:
        ngx_http_auth_token_wait_end(&ctx->wait);
        return ngx_http_auth_token_keys_fetch(r, src, alcf, ks, 0);

    case NGX_HTTP_AUTH_TOKEN_KEYS_REFRESH:
        (void) ngx_http_auth_token_keys_fetch(r, src, alcf, ks, 1);
        break;

    default:
        break;
    }

    ngx_http_auth_token_wait_end(&ctx->wait);

    return NGX_OK;
}


/*
 * A token names a kid that no key has.  NGX_OK: newer keys are in, verify
 * again; NGX_AGAIN: the request waits for a fetch (its own or another's),
 * then verifies again; NGX_DECLINED: no fetch, the kid stays unknown.
 */

ngx_int_t
ngx_http_auth_token_keys_refetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char                             kid[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_int_t                          rc;
    ngx_msec_t                         delay;
    ngx_time_t                        *tp;
    ngx_http_auth_token_keys_t        *ks;
    ngx_http_auth_token_source_t      *src;
    ngx_http_auth_token_keys_query_t   q;

    src = ngx_http_auth_token_source_of(alcf, ctx);

    if (src == NULL) {
        return NGX_DECLINED;
    }

    ks = ngx_http_auth_token_keys_of(r, alcf, ctx);
    if (ks == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_auth_token_sha256(kid, NULL, &ctx->jws->kid, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx->refetched) {

        if (ctx->kid_looked_for) {
            ngx_http_auth_token_zone_unknown_kid(src->zone->data,
                                                 ks->hash, ks->generation,
                                                 kid);
        }

        return NGX_DECLINED;
    }

    if (!ctx->wait.parked) {
        /* the keys that did not know the kid */
        ctx->keys_seen = ks->generation;

    } else if (ks->generation != ctx->keys_seen) {

        /* another request brought newer keys into this worker meanwhile */

        ctx->refetched = 1;
        ctx->kid_looked_for = 1;
        ngx_http_auth_token_wait_end(&ctx->wait);

        return NGX_OK;
    }

    q.unknown_kid = 1;
    q.kid = kid;

    if (ngx_http_auth_token_keys_query(r, src, alcf, ks, &q) != NGX_OK) {
        return NGX_ERROR;
    }

    switch (q.action) {

    case NGX_HTTP_AUTH_TOKEN_KEYS_USE:
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: unknown kid, newer keys arrived");
        ctx->refetched = 1;
        ctx->kid_looked_for = 1;
        ngx_http_auth_token_wait_end(&ctx->wait);
        return NGX_OK;

    case NGX_HTTP_AUTH_TOKEN_KEYS_FETCH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_token: unknown kid, fetching JWKS \"%V\" early",
                      &ks->name);

        ctx->refetched = 1;
        ctx->kid_looked_for = 1;
        ngx_http_auth_token_wait_end(&ctx->wait);

        return ngx_http_auth_token_keys_fetch(r, src, alcf, ks, 0);

    case NGX_HTTP_AUTH_TOKEN_KEYS_WAIT:

        /* for the fetch that runs, or until the next one is allowed */

        delay = NGX_HTTP_AUTH_TOKEN_WAIT_STEP;

        if (q.wait_until) {
            tp = ngx_timeofday();
            delay = (ngx_msec_t) (q.wait_until - tp->sec) * 1000 - tp->msec
                    + 1;

            if (delay > alcf->lock_timeout) {
                /* too far off: waiting would end in the same refusal */
                break;
            }
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: unknown kid, waiting for a fetch "
                       "(%M ms)", delay);

        rc = ngx_http_auth_token_wait(r, &ctx->wait, alcf->lock_timeout,
                                      delay);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for JWKS \"%V\" after %M ms",
                      &ks->name, alcf->lock_timeout);
        break;

    default:
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: unknown kid, no fetch");
        break;
    }

    ctx->refetched = 1;
    ngx_http_auth_token_wait_end(&ctx->wait);

    return NGX_DECLINED;
}


/* asks the zone, and parses a newer document for this worker */

static ngx_int_t
ngx_http_auth_token_keys_query(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_keys_t *ks,
    ngx_http_auth_token_keys_query_t *q)
{
    ngx_http_auth_token_zone_t  *zone;

    zone = src->zone->data;

    q->refetch = alcf->jwks_refetch;
    q->lock_timeout = alcf->lock_timeout;
    q->generation = ks->generation;
    q->pinned = (src->fixed != NULL);

    if (ngx_http_auth_token_zone_keys(zone, ks->hash, r->pool, q) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: JWKS \"%V\": action %ui, newer document: %s",
                   &ks->name, (ngx_uint_t) q->action,
                   q->doc.len ? "yes" : "no");

    if (q->doc.len) {
        ngx_http_auth_token_keys_sync(src, ks, &q->doc, q->doc_generation,
                                      q->fetched, r->connection->log);
    }

    return NGX_OK;
}


/* NGX_AGAIN: the fetch runs (waited for unless in the background) */

static ngx_int_t
ngx_http_auth_token_keys_fetch(ngx_http_request_t *r,
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_keys_t *ks,
    ngx_uint_t background)
{
    ngx_http_auth_token_keys_fetch_t  *kf;

    kf = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_keys_fetch_t));
    if (kf == NULL) {
        goto failed;
    }

    kf->fetch.handler = ngx_http_auth_token_keys_done;
    kf->fetch.data = kf;
    kf->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_JWKS;
    kf->src = src;
    kf->pinned = (src->fixed != NULL);
    kf->refresh = alcf->jwks_refresh;
    kf->refetch = alcf->jwks_refetch;
    ngx_memcpy(kf->hash, ks->hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    /* the key set may leave this worker before the answer comes */

    kf->uri.data = ngx_pstrdup(r->pool, &ks->uri);
    if (kf->uri.data == NULL) {
        goto failed;
    }

    kf->uri.len = ks->uri.len;

    kf->name.data = ngx_pstrdup(r->pool, &ks->name);
    if (kf->name.data == NULL) {
        goto failed;
    }

    kf->name.len = ks->name.len;

    if (ks->target.len) {
        kf->target.data = ngx_pstrdup(r->pool, &ks->target);
        if (kf->target.data == NULL) {
            goto failed;
        }

        kf->target.len = ks->target.len;

        /* $auth_token_jwks_uri in the internal location */
        kf->fetch.jwks_uri = kf->target;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: fetching \"%V\"%s", &kf->name,
                   background ? " in the background" : "");

    if (ngx_http_auth_token_fetch(r, &kf->uri, &kf->fetch, background)
        == NGX_OK)
    {
        return NGX_AGAIN;
    }

failed:

    ngx_http_auth_token_zone_drop_keys(src->zone->data, ks->hash);

    return NGX_ERROR;
}


static void
ngx_http_auth_token_keys_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_keys_fetch_t *kf = f->data;

    char                           *what;
    time_t                          refresh, backoff;
    ngx_int_t                       rc;
    ngx_log_t                      *log;
    ngx_uint_t                      generation, had_keys, doc, outcome;
    ngx_str_t                      *shown;
    ngx_pool_t                     *pool;
    const char                     *err;
    ngx_http_auth_token_zone_t     *zone;
    ngx_http_auth_token_keys_t     *ks;
    ngx_http_auth_token_parsed_t    parsed;

    u_char                          reason[64];

    zone = kf->src->zone->data;
    log = sr->connection->log;
    pool = NULL;
    err = NULL;
    doc = (kf->src->type == NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERY);
    what = doc ? "discovery document" : "JWKS";

    /* in metrics: what the document is fetched from */
    shown = kf->target.len ? &kf->target : &kf->uri;

    if (f->abandoned) {
        /* the client went away: the next request fetches, no backoff */
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: %s \"%V\" fetch abandoned", what,
                      &kf->name);
        ngx_http_auth_token_zone_drop_keys(zone, kf->hash);
        return;
    }

    if (f->answer.status != NGX_HTTP_OK) {
        ngx_sprintf(reason, "HTTP status %ui%Z", f->answer.status);
        err = (const char *) reason;

    } else if (f->answer.too_large) {
        err = "answer larger than 4 MB";

    } else {
        pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);

        if (pool == NULL) {
            err = "out of memory";

        } else {
            err = ngx_http_auth_token_doc_parse(kf->src, pool, log,
                                                &kf->name, &f->answer.body,
                                                &parsed);
        }
    }

    /* the call: the provider answered with a usable key set, or not */

    if (err == NULL) {
        outcome = NGX_HTTP_AUTH_TOKEN_M_OK;

    } else if (f->answer.status == NGX_HTTP_GATEWAY_TIME_OUT) {
        outcome = NGX_HTTP_AUTH_TOKEN_M_TIMEOUT;

    } else {
        outcome = NGX_HTTP_AUTH_TOKEN_M_ERROR;
    }

    ngx_http_auth_token_count_call(sr, NGX_HTTP_AUTH_TOKEN_M_JWKS, outcome,
                                   f->start);

    if (err == NULL) {
        refresh = kf->refresh;

        /* a shorter max-age from the provider, but not too short */

        if (f->max_age >= 0) {
            refresh = ngx_min(refresh, ngx_max(f->max_age, kf->refetch));
        }

        rc = ngx_http_auth_token_zone_put_keys(zone, kf->hash, shown,
                                               &f->answer.body,
                                               parsed.nkeys, refresh,
                                               kf->pinned, &generation);
        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, log, 0,
                          "auth_token: %s \"%V\" fetched under an older "
                          "configuration: not kept", what, &kf->name);
            ngx_destroy_pool(pool);
            return;
        }

        if (rc != NGX_OK) {
            err = "no room in the zone";
        }
    }

    if (err) {
        if (pool) {
            ngx_destroy_pool(pool);
        }

        backoff = ngx_http_auth_token_zone_fail_keys(zone, kf->hash, shown,
                                                     &had_keys);

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "auth_token: %s \"%V\" fetch failed: %s; %s, "
                      "next attempt in %T s", what, &kf->name, err,
                      had_keys ? (doc ? "keeping the last good document"
                                      : "keeping the last good keys")
                               : (doc ? "no document yet" : "no keys yet"),
                      backoff);
        return;
    }

    ks = ngx_http_auth_token_keys_find(kf->src, kf->hash, &kf->uri,
                                       &kf->target, 0);

    if (parsed.keyset) {
        ngx_http_auth_token_keys_log_change(log, &kf->name,
                                            ks ? ks->keyset : NULL,
                                            parsed.keyset);

    } else {
        ngx_http_auth_token_discovery_log_change(log, &kf->name,
                                                 ks ? ks->discovery : NULL,
                                                 parsed.discovery);
    }

    if (ks == NULL) {
        /* the key set left this worker meanwhile: the zone has it */
        ngx_destroy_pool(pool);
        return;
    }

    ngx_http_auth_token_keys_install(ks, &parsed, pool, generation,
                                     ngx_time());
}


/* another worker fetched a new document: parse it once */

static void
ngx_http_auth_token_keys_sync(ngx_http_auth_token_source_t *src,
    ngx_http_auth_token_keys_t *ks, ngx_str_t *doc, ngx_uint_t generation,
    time_t fetched, ngx_log_t *log)
{
    ngx_pool_t                    *pool;
    const char                    *err;
    ngx_http_auth_token_parsed_t   parsed;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        return;
    }

    err = ngx_http_auth_token_doc_parse(src, pool, NULL, &ks->name, doc,
                                        &parsed);
    if (err) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "auth_token: \"%V\" in the zone: %s",
                      &ks->name, err);
        ngx_destroy_pool(pool);
        ks->generation = generation;
        return;
    }

    ngx_http_auth_token_keys_install(ks, &parsed, pool, generation, fetched);
}


static void
ngx_http_auth_token_keys_install(ngx_http_auth_token_keys_t *ks,
    ngx_http_auth_token_parsed_t *parsed, ngx_pool_t *pool,
    ngx_uint_t generation, time_t fetched)
{
    if (ks->pool) {
        ngx_destroy_pool(ks->pool);
    }

    ks->keyset = parsed->keyset;
    ks->discovery = parsed->discovery;
    ks->pool = pool;
    ks->generation = generation;
    ks->fetched = fetched;
}
