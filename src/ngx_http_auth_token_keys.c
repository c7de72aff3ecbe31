
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * Remote key sets (auth_token_jwks_request).
 *
 * The document lives in the shared zone with its fetch time and a
 * generation number; each worker parses a new generation once into its own
 * keys.  One request at a time, across all workers, fetches: it holds a
 * lease in the zone while its subrequest runs; others that have keys go on
 * with them (a refresh runs in the background), others wait for the lease.
 * A token with an unknown kid may cause an early fetch, at most once per
 * refetch interval across all workers.  After a failure the last good keys
 * stay in use and fetches back off.
 *
 * Verification is synchronous, so a worker replaces its keys only between
 * requests' uses of them: no request ever holds keys across an event.
 */


#define NGX_HTTP_AUTH_TOKEN_LEASE       30
#define NGX_HTTP_AUTH_TOKEN_MAX_BACKOFF 60
#define NGX_HTTP_AUTH_TOKEN_WAIT_STEP   20


typedef struct {
    ngx_http_auth_token_fetch_t     fetch;
    ngx_http_auth_token_jwks_src_t *src;
    time_t                          refresh;
    time_t                          refetch;
} ngx_http_auth_token_jwks_fetch_t;


typedef enum {
    NGX_HTTP_AUTH_TOKEN_USE = 0,
    NGX_HTTP_AUTH_TOKEN_WAIT,
    NGX_HTTP_AUTH_TOKEN_FETCH,
    NGX_HTTP_AUTH_TOKEN_REFRESH,
    NGX_HTTP_AUTH_TOKEN_NONE
} ngx_http_auth_token_action_e;


static ngx_http_auth_token_jwks_sh_t *ngx_http_auth_token_jwks_state(
    ngx_http_auth_token_zone_t *zone, ngx_http_auth_token_jwks_src_t *src);
static ngx_int_t ngx_http_auth_token_jwks_start(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t background);
static void ngx_http_auth_token_jwks_release(
    ngx_http_auth_token_jwks_src_t *src);
static ngx_int_t ngx_http_auth_token_jwks_wait(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
static void ngx_http_auth_token_jwks_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);
static void ngx_http_auth_token_jwks_sync(ngx_http_auth_token_jwks_src_t *src,
    u_char *doc, size_t len, ngx_uint_t generation, time_t fetched,
    ngx_log_t *log);
static void ngx_http_auth_token_jwks_install(
    ngx_http_auth_token_jwks_src_t *src, ngx_http_auth_token_keyset_t *ks,
    ngx_pool_t *pool, ngx_uint_t generation, time_t fetched);
static void ngx_http_auth_token_jwks_log_change(ngx_log_t *log,
    ngx_str_t *uri, ngx_http_auth_token_keyset_t *old,
    ngx_http_auth_token_keyset_t *ks);
static ngx_uint_t ngx_http_auth_token_has_kid(ngx_http_auth_token_keyset_t *ks,
    ngx_str_t *kid);
static void ngx_http_auth_token_jwks_cleanup(void *data);


/*
 * At merge time: the source of a location is identified by its server
 * (addresses and names, see ngx_http_auth_token_server_id()) and URI, so
 * that two servers with the same internal URI for different identity
 * providers never share keys.
 */

char *
ngx_http_auth_token_jwks_src(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_str_t                          parts[3];
    ngx_uint_t                         i;
    ngx_pool_cleanup_t                *cln;
    ngx_http_core_srv_conf_t          *cscf;
    ngx_http_auth_token_jwks_src_t    *src;
    ngx_http_auth_token_jwks_conf_t   *jc;
    ngx_http_auth_token_main_conf_t   *amcf;

    static u_char  zero[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);
    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (amcf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_jwks_request\" requires "
                           "\"auth_token_zone\"");
        return NGX_CONF_ERROR;
    }

    jc = amcf->jwks.elts;

    for (i = 0; i < amcf->jwks.nelts; i++) {
        if (jc[i].cscf == cscf && jc[i].uri.len == conf->jwks_uri.len
            && ngx_strncmp(jc[i].uri.data, conf->jwks_uri.data,
                           conf->jwks_uri.len)
               == 0)
        {
            conf->jwks = jc[i].src;
            return NGX_CONF_OK;
        }
    }

    src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_jwks_src_t));
    if (src == NULL) {
        return NGX_CONF_ERROR;
    }

    src->uri = conf->jwks_uri;
    src->zone = amcf->zone;

    parts[0].data = (u_char *) "jwks";
    parts[0].len = 4;
    parts[2] = src->uri;

    if (ngx_http_auth_token_server_id(cf, &parts[1]) != NGX_OK
        || ngx_http_auth_token_call_key(src->hash, zero, parts, 3) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_auth_token_jwks_cleanup;
    cln->data = src;

    jc = ngx_array_push(&amcf->jwks);
    if (jc == NULL) {
        return NGX_CONF_ERROR;
    }

    jc->cscf = cscf;
    jc->uri = conf->jwks_uri;
    jc->src = src;

    conf->jwks = src;

    return NGX_CONF_OK;
}


static void
ngx_http_auth_token_jwks_cleanup(void *data)
{
    ngx_http_auth_token_jwks_src_t *src = data;

    if (src->keyset_pool) {
        ngx_destroy_pool(src->keyset_pool);
        src->keyset_pool = NULL;
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
    u_char                          *doc;
    size_t                           len;
    time_t                           now, fetched;
    ngx_uint_t                       generation;
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_action_e     action;
    ngx_http_auth_token_jwks_sh_t   *js;
    ngx_http_auth_token_jwks_src_t  *src;

    src = alcf->jwks;

    if (src == NULL) {
        return NGX_OK;
    }

    if (ctx->waiting) {
        if (ngx_http_auth_token_jwks_wait(r, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }
    }

    zone = src->zone->data;
    now = ngx_time();
    doc = NULL;
    len = 0;
    generation = 0;
    fetched = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    js = ngx_http_auth_token_jwks_state(zone, src);

    if (js == NULL) {
        action = NGX_HTTP_AUTH_TOKEN_NONE;

    } else if (js->doc == NULL) {

        if (js->lease > now) {
            /* after auth_token_lock_timeout, a request waits no more */
            action = ctx->gave_up ? NGX_HTTP_AUTH_TOKEN_NONE
                                  : NGX_HTTP_AUTH_TOKEN_WAIT;

        } else if (js->retry_at > now) {
            action = NGX_HTTP_AUTH_TOKEN_NONE;

        } else {
            js->lease = now + NGX_HTTP_AUTH_TOKEN_LEASE;
            js->fetch_start = now;
            action = NGX_HTTP_AUTH_TOKEN_FETCH;
        }

    } else {
        action = NGX_HTTP_AUTH_TOKEN_USE;

        if (now >= js->refresh_at && js->lease <= now
            && js->retry_at <= now)
        {
            js->lease = now + NGX_HTTP_AUTH_TOKEN_LEASE;
            js->fetch_start = now;
            action = NGX_HTTP_AUTH_TOKEN_REFRESH;
        }

        if (js->generation != src->generation) {
            doc = ngx_pnalloc(r->pool, js->doc_len);

            if (doc) {
                ngx_memcpy(doc, js->doc, js->doc_len);
                len = js->doc_len;
                generation = js->generation;
                fetched = js->fetched;
            }
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (doc) {
        ngx_http_auth_token_jwks_sync(src, doc, len, generation, fetched,
                                      r->connection->log);
    }

    switch (action) {

    case NGX_HTTP_AUTH_TOKEN_WAIT:
        ctx->waiting = 1;
        ctx->wait_start = ngx_current_msec;
        return ngx_http_auth_token_park(r, NGX_HTTP_AUTH_TOKEN_WAIT_STEP);

    case NGX_HTTP_AUTH_TOKEN_FETCH:
        if (ngx_http_auth_token_jwks_start(r, alcf, 0) != NGX_OK) {
            return NGX_DECLINED;
        }

        return NGX_AGAIN;

    case NGX_HTTP_AUTH_TOKEN_REFRESH:
        (void) ngx_http_auth_token_jwks_start(r, alcf, 1);
        break;

    default:
        break;
    }

    if (src->keyset == NULL && alcf->keysets == NULL) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * A token names a kid that no key has: fetch early, at most once per
 * refetch interval across all workers; NGX_AGAIN means verify again after.
 */

ngx_int_t
ngx_http_auth_token_keys_refetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    time_t                           now;
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_action_e     action;
    ngx_http_auth_token_jwks_sh_t   *js;
    ngx_http_auth_token_jwks_src_t  *src;

    src = alcf->jwks;

    if (src == NULL || ctx->refetched) {
        return NGX_DECLINED;
    }

    ctx->refetched = 1;

    zone = src->zone->data;
    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    js = ngx_http_auth_token_jwks_state(zone, src);

    if (js == NULL) {
        action = NGX_HTTP_AUTH_TOKEN_NONE;

    } else if (js->lease > now) {
        action = NGX_HTTP_AUTH_TOKEN_WAIT;

    } else if (now - js->fetch_start >= alcf->jwks_refetch) {
        js->lease = now + NGX_HTTP_AUTH_TOKEN_LEASE;
        js->fetch_start = now;
        action = NGX_HTTP_AUTH_TOKEN_FETCH;

    } else {
        action = NGX_HTTP_AUTH_TOKEN_NONE;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    switch (action) {

    case NGX_HTTP_AUTH_TOKEN_WAIT:
        ctx->waiting = 1;
        ctx->wait_start = ngx_current_msec;
        return ngx_http_auth_token_park(r, NGX_HTTP_AUTH_TOKEN_WAIT_STEP);

    case NGX_HTTP_AUTH_TOKEN_FETCH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_token: unknown kid, fetching JWKS \"%V\" early",
                      &src->uri);

        if (ngx_http_auth_token_jwks_start(r, alcf, 0) != NGX_OK) {
            return NGX_DECLINED;
        }

        return NGX_AGAIN;

    default:
        return NGX_DECLINED;
    }
}


/* the zone's mutex must be held */

static ngx_http_auth_token_jwks_sh_t *
ngx_http_auth_token_jwks_state(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_jwks_src_t *src)
{
    ngx_http_auth_token_node_t  *node;

    node = ngx_http_auth_token_cache_lookup(zone, src->hash);

    if (node == NULL) {
        node = ngx_http_auth_token_cache_alloc(zone, src->hash,
                                       sizeof(ngx_http_auth_token_jwks_sh_t),
                                       1);
        if (node == NULL) {
            return NULL;
        }

        ngx_memzero(node->data, sizeof(ngx_http_auth_token_jwks_sh_t));
    }

    return (ngx_http_auth_token_jwks_sh_t *) node->data;
}


static ngx_int_t
ngx_http_auth_token_jwks_wait(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    time_t                           now;
    ngx_uint_t                       busy;
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_jwks_sh_t   *js;
    ngx_http_auth_token_jwks_src_t  *src;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);
    src = alcf->jwks;
    zone = src->zone->data;
    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    js = ngx_http_auth_token_jwks_state(zone, src);
    busy = (js && js->lease > now);

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (busy) {
        if (ngx_current_msec - ctx->wait_start < alcf->lock_timeout) {
            return ngx_http_auth_token_park(r,
                                            NGX_HTTP_AUTH_TOKEN_WAIT_STEP);
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for JWKS \"%V\" after %M ms",
                      &src->uri, alcf->lock_timeout);

        ctx->gave_up = 1;
    }

    ctx->waiting = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_jwks_start(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t background)
{
    ngx_http_auth_token_jwks_fetch_t  *jf;

    jf = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_jwks_fetch_t));
    if (jf == NULL) {
        goto failed;
    }

    jf->fetch.handler = ngx_http_auth_token_jwks_done;
    jf->fetch.data = jf;
    jf->fetch.max = NGX_HTTP_AUTH_TOKEN_MAX_JWKS;
    jf->src = alcf->jwks;
    jf->refresh = alcf->jwks_refresh;
    jf->refetch = alcf->jwks_refetch;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: fetching JWKS \"%V\"%s", &alcf->jwks->uri,
                   background ? " in the background" : "");

    if (ngx_http_auth_token_fetch(r, &alcf->jwks->uri, &jf->fetch,
                                  background)
        == NGX_OK)
    {
        return NGX_OK;
    }

failed:

    ngx_http_auth_token_jwks_release(alcf->jwks);

    return NGX_ERROR;
}


static void
ngx_http_auth_token_jwks_release(ngx_http_auth_token_jwks_src_t *src)
{
    ngx_http_auth_token_zone_t     *zone;
    ngx_http_auth_token_jwks_sh_t  *js;

    zone = src->zone->data;

    ngx_shmtx_lock(&zone->shpool->mutex);

    js = ngx_http_auth_token_jwks_state(zone, src);
    if (js) {
        js->lease = 0;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


static void
ngx_http_auth_token_jwks_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_jwks_fetch_t *jf = f->data;

    u_char                          *doc;
    time_t                           now, refresh, backoff;
    ngx_uint_t                       generation, had_keys;
    ngx_log_t                       *log;
    ngx_pool_t                      *pool;
    const char                      *err;
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_keyset_t    *ks;
    ngx_http_auth_token_jwks_sh_t   *js;
    ngx_http_auth_token_jwks_src_t  *src;

    u_char                           reason[64];

    src = jf->src;
    zone = src->zone->data;
    log = sr->connection->log;
    now = ngx_time();
    ks = NULL;
    pool = NULL;
    err = NULL;

    if (f->abandoned) {
        /* the client went away: the next request fetches, no backoff */
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: JWKS \"%V\" fetch abandoned", &src->uri);
        ngx_http_auth_token_jwks_release(src);
        return;
    }

    if (f->status != NGX_HTTP_OK) {
        ngx_sprintf(reason, "HTTP status %ui%Z", f->status);
        err = (const char *) reason;

    } else if (f->too_large) {
        err = "answer larger than 4 MB";

    } else {
        pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);

        if (pool == NULL) {
            err = "out of memory";

        } else {
            ks = ngx_http_auth_token_jwks_parse(pool, log, &src->uri,
                                                f->body.data, f->body.len,
                                                &err);
            if (ks == NULL) {
                ngx_destroy_pool(pool);
                pool = NULL;
            }
        }
    }

    generation = 0;
    backoff = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    js = ngx_http_auth_token_jwks_state(zone, src);

    if (js == NULL && err == NULL) {
        err = "no room in the zone";
    }

    if (js && err == NULL) {
        doc = ngx_http_auth_token_cache_alloc_data(zone, f->body.len);

        if (doc == NULL) {
            err = "no room in the zone";

        } else {
            ngx_memcpy(doc, f->body.data, f->body.len);

            if (js->doc) {
                ngx_slab_free_locked(zone->shpool, js->doc);
            }

            refresh = jf->refresh;

            /* a shorter max-age from the provider, but not too short */

            if (f->max_age >= 0) {
                refresh = ngx_min(refresh, ngx_max(f->max_age, jf->refetch));
            }

            js->doc = doc;
            js->doc_len = f->body.len;
            js->generation = ++zone->sh->generation;
            js->fetched = now;
            js->refresh_at = now + refresh;
            js->failures = 0;
            js->retry_at = 0;

            generation = js->generation;
        }
    }

    had_keys = 0;

    if (js) {
        js->lease = 0;
        had_keys = (js->doc != NULL);

        if (err) {
            js->failures++;
            backoff = (time_t) 1 << ngx_min(js->failures - 1, 6);
            backoff = ngx_min(backoff, NGX_HTTP_AUTH_TOKEN_MAX_BACKOFF);
            js->retry_at = now + backoff;
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (err) {
        if (pool) {
            ngx_destroy_pool(pool);
        }

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "auth_token: JWKS \"%V\" fetch failed: %s; %s, "
                      "next attempt in %T s", &src->uri, err,
                      had_keys ? "keeping the last good keys"
                               : "no keys yet", backoff);
        return;
    }

    ngx_http_auth_token_jwks_log_change(log, &src->uri, src->keyset, ks);
    ngx_http_auth_token_jwks_install(src, ks, pool, generation, now);
}


/* another worker fetched a new document: parse it once */

static void
ngx_http_auth_token_jwks_sync(ngx_http_auth_token_jwks_src_t *src,
    u_char *doc, size_t len, ngx_uint_t generation, time_t fetched,
    ngx_log_t *log)
{
    ngx_pool_t                    *pool;
    const char                    *err;
    ngx_http_auth_token_keyset_t  *ks;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        return;
    }

    ks = ngx_http_auth_token_jwks_parse(pool, NULL, &src->uri, doc, len,
                                        &err);
    if (ks == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "auth_token: JWKS \"%V\" in the zone: %s",
                      &src->uri, err);
        ngx_destroy_pool(pool);
        src->generation = generation;
        return;
    }

    ngx_http_auth_token_jwks_install(src, ks, pool, generation, fetched);
}


static void
ngx_http_auth_token_jwks_install(ngx_http_auth_token_jwks_src_t *src,
    ngx_http_auth_token_keyset_t *ks, ngx_pool_t *pool,
    ngx_uint_t generation, time_t fetched)
{
    if (src->keyset_pool) {
        ngx_destroy_pool(src->keyset_pool);
    }

    src->keyset = ks;
    src->keyset_pool = pool;
    src->generation = generation;
    src->fetched = fetched;
}


static void
ngx_http_auth_token_jwks_log_change(ngx_log_t *log, ngx_str_t *uri,
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
        if (old == NULL || !ngx_http_auth_token_has_kid(old, &key[i].kid)) {
            p = ngx_slprintf(p, last, "%s\"%V\"",
                             added++ ? " " : ", added ", &key[i].kid);
        }
    }

    if (old) {
        key = old->keys.elts;

        for (i = 0; i < old->keys.nelts; i++) {
            if (!ngx_http_auth_token_has_kid(ks, &key[i].kid)) {
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


static ngx_uint_t
ngx_http_auth_token_has_kid(ngx_http_auth_token_keyset_t *ks, ngx_str_t *kid)
{
    ngx_uint_t                  i;
    ngx_http_auth_token_key_t  *key;

    key = ks->keys.elts;

    for (i = 0; i < ks->keys.nelts; i++) {
        if (key[i].kid.len == kid->len
            && ngx_memcmp(key[i].kid.data, kid->data, kid->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_auth_token_variable_jwks_age(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                          *p;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    if (alcf->jwks == NULL || alcf->jwks->keyset == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_sprintf(p, "%T", ngx_time() - alcf->jwks->fetched) - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
