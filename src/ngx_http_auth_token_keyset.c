
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_flight.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_subrequest.h"


/*
 * The remote key-set scheduler (auth_token_jwks_request).
 *
 * The document lives in the shared zone with a generation number; each
 * worker parses a new generation once into its own keys.  Fetches follow
 * the single flight (ngx_http_auth_token_flight.c): one at a time across
 * all workers.  Requests that have keys go on with them while a refresh
 * runs in the background; requests without keys wait for the fetch.  A
 * token with an unknown kid causes (or waits for) an early fetch, at most
 * one per refetch interval across all workers.  After a failure the last
 * good keys stay in use and fetches back off.
 *
 * Verification is synchronous, so a worker replaces its keys only between
 * requests' uses of them: no request ever holds keys across an event.
 */


typedef struct {
    ngx_http_auth_token_fetch_t     fetch;
    ngx_http_auth_token_source_t   *src;
    time_t                          refresh;
    time_t                          refetch;
} ngx_http_auth_token_keys_fetch_t;


static ngx_int_t ngx_http_auth_token_keys_query(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_keys_query_t *q);
static ngx_int_t ngx_http_auth_token_keys_fetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t background);
static void ngx_http_auth_token_keys_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);
static void ngx_http_auth_token_keys_sync(ngx_http_auth_token_source_t *src,
    ngx_http_auth_token_keys_query_t *q, ngx_log_t *log);
static void ngx_http_auth_token_keys_install(
    ngx_http_auth_token_source_t *src, ngx_http_auth_token_keyset_t *ks,
    ngx_pool_t *pool, ngx_uint_t generation, time_t fetched);
static void ngx_http_auth_token_keys_log_change(ngx_log_t *log,
    ngx_str_t *uri, ngx_http_auth_token_keyset_t *old,
    ngx_http_auth_token_keyset_t *ks);
static void ngx_http_auth_token_source_cleanup(void *data);


/*
 * At merge time: a source is identified by its server (addresses and
 * names) and URI, so that two servers with the same internal URI for
 * different identity providers never share keys.
 */

char *
ngx_http_auth_token_source_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_uint_t                         i;
    ngx_pool_cleanup_t                *cln;
    ngx_http_core_srv_conf_t          *cscf;
    ngx_http_auth_token_source_t      *src, **srcp;
    ngx_http_auth_token_main_conf_t   *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);
    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (amcf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_jwks_request\" requires "
                           "\"auth_token_zone\"");
        return NGX_CONF_ERROR;
    }

    srcp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        if (srcp[i]->cscf == cscf && srcp[i]->uri.len == conf->jwks_uri.len
            && ngx_strncmp(srcp[i]->uri.data, conf->jwks_uri.data,
                           conf->jwks_uri.len)
               == 0)
        {
            conf->jwks = srcp[i];
            return NGX_CONF_OK;
        }
    }

    src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_source_t));
    if (src == NULL) {
        return NGX_CONF_ERROR;
    }

    src->uri = conf->jwks_uri;
    src->zone = amcf->zone;
    src->cscf = cscf;

    if (ngx_http_auth_token_endpoint_id(cf, src->hash, "jwks", &src->uri,
                                        NULL, NULL)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_auth_token_source_cleanup;
    cln->data = src;

    srcp = ngx_array_push(&amcf->sources);
    if (srcp == NULL) {
        return NGX_CONF_ERROR;
    }

    *srcp = src;
    conf->jwks = src;

    return NGX_CONF_OK;
}


static void
ngx_http_auth_token_source_cleanup(void *data)
{
    ngx_http_auth_token_source_t *src = data;

    if (src->pool) {
        ngx_destroy_pool(src->pool);
        src->pool = NULL;
        src->keyset = NULL;
    }
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
    ngx_int_t                          rc;
    ngx_http_auth_token_source_t      *src;
    ngx_http_auth_token_keys_query_t   q;

    src = alcf->jwks;

    if (src == NULL) {
        return NGX_OK;
    }

    q.unknown_kid = 0;
    q.kid = NULL;

    if (ngx_http_auth_token_keys_query(r, alcf, ctx, &q) != NGX_OK) {
        return NGX_ERROR;
    }

    switch (q.action) {

    case NGX_HTTP_AUTH_TOKEN_KEYS_WAIT:
        rc = ngx_http_auth_token_wait(r, &ctx->wait, alcf->lock_timeout,
                                      NGX_HTTP_AUTH_TOKEN_WAIT_STEP);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for JWKS \"%V\" after %M ms",
                      &src->uri, alcf->lock_timeout);
        break;

    case NGX_HTTP_AUTH_TOKEN_KEYS_FETCH:
        ngx_http_auth_token_wait_end(&ctx->wait);
        return ngx_http_auth_token_keys_fetch(r, alcf, 0);

    case NGX_HTTP_AUTH_TOKEN_KEYS_REFRESH:
        (void) ngx_http_auth_token_keys_fetch(r, alcf, 1);
        break;

    default:
        break;
    }

    ngx_http_auth_token_wait_end(&ctx->wait);

    if (src->keyset == NULL && alcf->keysets == NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: no keys from JWKS \"%V\"", &src->uri);
        return NGX_DECLINED;
    }

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
    ngx_http_auth_token_source_t      *src;
    ngx_http_auth_token_keys_query_t   q;

    src = alcf->jwks;

    if (src == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_auth_token_sha256(kid, NULL, &ctx->jws->kid, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx->refetched) {

        if (ctx->kid_looked_for) {
            ngx_http_auth_token_zone_unknown_kid(src->zone->data, src->hash,
                                                 src->generation, kid);
        }

        return NGX_DECLINED;
    }

    if (!ctx->wait.parked) {
        /* the keys that did not know the kid */
        ctx->keys_seen = src->generation;

    } else if (src->generation != ctx->keys_seen) {

        /* another request brought newer keys into this worker meanwhile */

        ctx->refetched = 1;
        ctx->kid_looked_for = 1;
        ngx_http_auth_token_wait_end(&ctx->wait);

        return NGX_OK;
    }

    q.unknown_kid = 1;
    q.kid = kid;

    if (ngx_http_auth_token_keys_query(r, alcf, ctx, &q) != NGX_OK) {
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
                      &src->uri);

        ctx->refetched = 1;
        ctx->kid_looked_for = 1;
        ngx_http_auth_token_wait_end(&ctx->wait);

        return ngx_http_auth_token_keys_fetch(r, alcf, 0);

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
                      &src->uri, alcf->lock_timeout);
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
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_keys_query_t *q)
{
    ngx_http_auth_token_source_t  *src;

    src = alcf->jwks;

    q->refetch = alcf->jwks_refetch;
    q->lock_timeout = alcf->lock_timeout;
    q->generation = src->generation;

    if (ngx_http_auth_token_zone_keys(src->zone->data, src->hash, r->pool, q)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: JWKS \"%V\": action %ui, newer document: %s",
                   &src->uri, (ngx_uint_t) q->action,
                   q->doc.len ? "yes" : "no");

    if (q->doc.len) {
        ngx_http_auth_token_keys_sync(src, q, r->connection->log);
    }

    return NGX_OK;
}


/* NGX_AGAIN: the fetch runs (waited for unless in the background) */

static ngx_int_t
ngx_http_auth_token_keys_fetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t background)
{
    ngx_http_auth_token_source_t      *src;
    ngx_http_auth_token_keys_fetch_t  *kf;

    src = alcf->jwks;

    kf = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_keys_fetch_t));
    if (kf == NULL) {
        goto failed;
    }

    kf->fetch.handler = ngx_http_auth_token_keys_done;
    kf->fetch.data = kf;
    kf->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_JWKS;
    kf->src = src;
    kf->refresh = alcf->jwks_refresh;
    kf->refetch = alcf->jwks_refetch;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: fetching JWKS \"%V\"%s", &src->uri,
                   background ? " in the background" : "");

    if (ngx_http_auth_token_fetch(r, &src->uri, &kf->fetch, background)
        == NGX_OK)
    {
        return NGX_AGAIN;
    }

failed:

    ngx_http_auth_token_zone_drop_keys(src->zone->data, src->hash);

    return NGX_ERROR;
}


static void
ngx_http_auth_token_keys_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_keys_fetch_t *kf = f->data;

    time_t                          refresh, backoff;
    ngx_log_t                      *log;
    ngx_uint_t                      generation, had_keys;
    ngx_pool_t                     *pool;
    const char                     *err;
    ngx_http_auth_token_zone_t     *zone;
    ngx_http_auth_token_keyset_t   *ks;
    ngx_http_auth_token_source_t   *src;

    u_char                          reason[64];

    src = kf->src;
    zone = src->zone->data;
    log = sr->connection->log;
    ks = NULL;
    pool = NULL;
    err = NULL;

    if (f->abandoned) {
        /* the client went away: the next request fetches, no backoff */
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: JWKS \"%V\" fetch abandoned", &src->uri);
        ngx_http_auth_token_zone_drop_keys(zone, src->hash);
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
            ks = ngx_http_auth_token_jwks_parse(pool, log, &src->uri,
                                                f->answer.body.data,
                                                f->answer.body.len, &err);
        }
    }

    if (err == NULL) {
        refresh = kf->refresh;

        /* a shorter max-age from the provider, but not too short */

        if (f->max_age >= 0) {
            refresh = ngx_min(refresh, ngx_max(f->max_age, kf->refetch));
        }

        if (ngx_http_auth_token_zone_put_keys(zone, src->hash,
                                              &f->answer.body, refresh,
                                              &generation)
            != NGX_OK)
        {
            err = "no room in the zone";
        }
    }

    if (err) {
        if (pool) {
            ngx_destroy_pool(pool);
        }

        backoff = ngx_http_auth_token_zone_fail_keys(zone, src->hash,
                                                     &had_keys);

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "auth_token: JWKS \"%V\" fetch failed: %s; %s, "
                      "next attempt in %T s", &src->uri, err,
                      had_keys ? "keeping the last good keys"
                               : "no keys yet", backoff);
        return;
    }

    ngx_http_auth_token_keys_log_change(log, &src->uri, src->keyset, ks);
    ngx_http_auth_token_keys_install(src, ks, pool, generation, ngx_time());
}


/* another worker fetched a new document: parse it once */

static void
ngx_http_auth_token_keys_sync(ngx_http_auth_token_source_t *src,
    ngx_http_auth_token_keys_query_t *q, ngx_log_t *log)
{
    ngx_pool_t                    *pool;
    const char                    *err;
    ngx_http_auth_token_keyset_t  *ks;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        return;
    }

    ks = ngx_http_auth_token_jwks_parse(pool, NULL, &src->uri, q->doc.data,
                                        q->doc.len, &err);
    if (ks == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "auth_token: JWKS \"%V\" in the zone: %s",
                      &src->uri, err);
        ngx_destroy_pool(pool);
        src->generation = q->doc_generation;
        return;
    }

    ngx_http_auth_token_keys_install(src, ks, pool, q->doc_generation,
                                     q->fetched);
}


static void
ngx_http_auth_token_keys_install(ngx_http_auth_token_source_t *src,
    ngx_http_auth_token_keyset_t *ks, ngx_pool_t *pool,
    ngx_uint_t generation, time_t fetched)
{
    if (src->pool) {
        ngx_destroy_pool(src->pool);
    }

    src->keyset = ks;
    src->pool = pool;
    src->generation = generation;
    src->fetched = fetched;
}


static void
ngx_http_auth_token_keys_log_change(ngx_log_t *log, ngx_str_t *uri,
    ngx_http_auth_token_keyset_t *old, ngx_http_auth_token_keyset_t *ks)
{
    u_char                     *p, *last;
    ngx_uint_t                  i, added, removed;
    ngx_http_auth_token_key_t  *key;

    u_char                      buf[512];

    p = buf;
    last = buf + sizeof(buf) - 4;
    added = 0;
    removed = 0;

    key = ks->keys.elts;

    for (i = 0; i < ks->keys.nelts; i++) {
        if (old == NULL
            || !ngx_http_auth_token_keyset_has_kid(old, &key[i].kid))
        {
            p = ngx_slprintf(p, last, "%s\"%V\"",
                             added++ ? " " : ", added ", &key[i].kid);
        }
    }

    if (old) {
        key = old->keys.elts;

        for (i = 0; i < old->keys.nelts; i++) {
            if (!ngx_http_auth_token_keyset_has_kid(ks, &key[i].kid)) {
                p = ngx_slprintf(p, last, "%s\"%V\"",
                                 removed++ ? " " : ", removed ",
                                 &key[i].kid);
            }
        }
    }

    if (old && added == 0 && removed == 0) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: JWKS \"%V\" refreshed, unchanged", uri);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "auth_token: JWKS \"%V\" %s: %ui keys%*s",
                  uri, old ? "changed" : "loaded", ks->keys.nelts,
                  p - buf, buf);
}
