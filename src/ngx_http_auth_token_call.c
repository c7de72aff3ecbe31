
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * A cached call to the identity provider (introspection, reissue).
 *
 * Outcomes live in the shared zone under the caller's key, a SHA-256 of
 * the endpoint's identity and of what is asked (never a raw token).  A
 * request that finds no fresh outcome takes a lease on the entry and makes
 * the call; others with the same key wait for it, in any worker, and then
 * read the zone.  Refusals are kept at the cold end of the LRU queue, so
 * that a flood of garbage evicts garbage first.  When the call fails, an
 * accepted outcome that expired at most call->stale ago may be used.
 */


typedef struct {
    ngx_uint_t                      state;
    time_t                          expires;    /* fresh until */
    time_t                          token_exp;  /* never used past it */
    time_t                          lease;      /* a call runs until */
    time_t                          failed;     /* a call failed: until */
    size_t                          len;
    u_char                          value[1];
} ngx_http_auth_token_outcome_t;


static ngx_int_t ngx_http_auth_token_call_start(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call);
static void ngx_http_auth_token_call_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);
static void ngx_http_auth_token_call_store(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_call_t *call);
static void ngx_http_auth_token_call_stale(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_outcome_t *o,
    time_t now);


/*
 * NGX_OK: call->state and call->value hold the outcome;
 * NGX_AGAIN: the request waits for a call.
 */

ngx_int_t
ngx_http_auth_token_call(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call)
{
    time_t                            now;
    ngx_uint_t                        expired;
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_zone_t       *zone;
    ngx_http_auth_token_outcome_t    *o;

    if (call->done) {
        return NGX_OK;
    }

    if (call->zone == NULL) {
        call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        return ngx_http_auth_token_call_start(r, call);
    }

    zone = call->zone->data;
    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, call->key);

    if (node == NULL) {
        node = ngx_http_auth_token_cache_alloc(zone, call->key,
                                       sizeof(ngx_http_auth_token_outcome_t),
                                       0);
        if (node == NULL) {
            ngx_shmtx_unlock(&zone->shpool->mutex);
            call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
            return ngx_http_auth_token_call_start(r, call);
        }

        o = (ngx_http_auth_token_outcome_t *) node->data;
        ngx_memzero(o, sizeof(ngx_http_auth_token_outcome_t));

        o->lease = now + call->lock_timeout / 1000 + 1;

        ngx_shmtx_unlock(&zone->shpool->mutex);

        call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
        call->store = 1;
        return ngx_http_auth_token_call_start(r, call);
    }

    o = (ngx_http_auth_token_outcome_t *) node->data;

    if (o->state != NGX_HTTP_AUTH_TOKEN_PENDING && now < o->expires
        && (o->token_exp == 0 || now < o->token_exp))
    {
        call->state = o->state;
        call->value.len = 0;

        if (o->len) {
            call->value.data = ngx_pnalloc(r->pool, o->len);
            if (call->value.data) {
                call->value.len = o->len;
                ngx_memcpy(call->value.data, o->value, o->len);
            }
        }

        ngx_shmtx_unlock(&zone->shpool->mutex);

        if (call->state == NGX_HTTP_AUTH_TOKEN_ACCEPTED
            && call->value.len == 0)
        {
            call->state = NGX_HTTP_AUTH_TOKEN_FAILED;
        }

        if (call->cache == NGX_HTTP_AUTH_TOKEN_CACHE_NONE) {
            call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
        }

        call->done = 1;
        return NGX_OK;
    }

    if (o->lease > now) {
        ngx_shmtx_unlock(&zone->shpool->mutex);

        /* another request makes this call: wait for its outcome */

        if (!call->waiting) {
            call->waiting = 1;
            call->wait_start = ngx_current_msec;
            call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
        }

        if (ngx_current_msec - call->wait_start < call->lock_timeout) {
            return ngx_http_auth_token_park(r, 20);
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_token: gave up waiting for another %s call "
                      "after %M ms", call->what, call->lock_timeout);

        call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
        return ngx_http_auth_token_call_start(r, call);
    }

    if (o->failed > now) {

        /*
         * a call failed a moment ago: requests that waited for it (or
         * come right after) share its outcome instead of calling again
         */

        ngx_http_auth_token_call_stale(r, call, o, now);

        ngx_shmtx_unlock(&zone->shpool->mutex);

        call->done = 1;
        return NGX_OK;
    }

    expired = (o->state != NGX_HTTP_AUTH_TOKEN_PENDING);
    o->lease = now + call->lock_timeout / 1000 + 1;

    ngx_shmtx_unlock(&zone->shpool->mutex);

    call->cache = expired ? NGX_HTTP_AUTH_TOKEN_CACHE_EXPIRED
                          : NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
    call->store = 1;

    return ngx_http_auth_token_call_start(r, call);
}


static ngx_int_t
ngx_http_auth_token_call_start(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call)
{
    call->fetch.handler = ngx_http_auth_token_call_done;
    call->fetch.data = call;

    if (ngx_http_auth_token_fetch(r, call->uri, &call->fetch, 0) == NGX_OK) {
        return NGX_AGAIN;
    }

    call->state = NGX_HTTP_AUTH_TOKEN_FAILED;
    call->done = 1;

    return NGX_OK;
}


static void
ngx_http_auth_token_call_done(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_http_auth_token_call_t *call = f->data;

    time_t                          now;
    ngx_http_auth_token_node_t     *node;
    ngx_http_auth_token_zone_t     *zone;
    ngx_http_auth_token_outcome_t  *o;

    now = ngx_time();
    zone = (call->store && call->zone) ? call->zone->data : NULL;

    call->done = 1;
    call->err = NULL;
    call->token_exp = 0;
    ngx_str_null(&call->value);

    if (f->abandoned) {

        /* the client went away: no outcome, and nobody's fault */

        ngx_log_error(NGX_LOG_INFO, sr->connection->log, 0,
                      "auth_token: %s call abandoned", call->what);

        call->state = NGX_HTTP_AUTH_TOKEN_FAILED;

        if (zone) {
            ngx_shmtx_lock(&zone->shpool->mutex);

            node = ngx_http_auth_token_cache_lookup(zone, call->key);
            if (node) {
                ((ngx_http_auth_token_outcome_t *) node->data)->lease = 0;
            }

            ngx_shmtx_unlock(&zone->shpool->mutex);
        }

        return;
    }

    call->state = call->answer(sr, call, f);

    if (call->state != NGX_HTTP_AUTH_TOKEN_FAILED) {
        if (zone) {
            ngx_http_auth_token_call_store(zone, call);
        }

        return;
    }

    ngx_log_error(NGX_LOG_ERR, sr->connection->log, 0,
                  "auth_token: %s failed: %s (HTTP status %ui)",
                  call->what, call->err ? call->err : "no answer",
                  f->status);

    if (zone == NULL) {
        return;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, call->key);

    if (node) {
        o = (ngx_http_auth_token_outcome_t *) node->data;
        o->lease = 0;
        o->failed = now + 1;

        ngx_http_auth_token_call_stale(sr, call, o, now);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/*
 * After a failed call: an accepted outcome that expired at most
 * call->stale ago, or the failure.  The zone's mutex must be held.
 */

static void
ngx_http_auth_token_call_stale(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_outcome_t *o,
    time_t now)
{
    call->state = NGX_HTTP_AUTH_TOKEN_FAILED;

    if (o->state != NGX_HTTP_AUTH_TOKEN_ACCEPTED
        || now >= o->expires + call->stale
        || (o->token_exp && now >= o->token_exp))
    {
        return;
    }

    call->value.data = ngx_pnalloc(r->pool, o->len);
    if (call->value.data == NULL) {
        return;
    }

    call->value.len = o->len;
    ngx_memcpy(call->value.data, o->value, o->len);

    call->state = NGX_HTTP_AUTH_TOKEN_ACCEPTED;
    call->cache = NGX_HTTP_AUTH_TOKEN_CACHE_STALE;
}


static void
ngx_http_auth_token_call_store(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_call_t *call)
{
    ngx_http_auth_token_node_t     *node;
    ngx_http_auth_token_outcome_t  *o;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, call->key);

    if (node) {
        ngx_http_auth_token_cache_free(zone, node);
    }

    node = ngx_http_auth_token_cache_alloc(zone, call->key,
                              offsetof(ngx_http_auth_token_outcome_t, value)
                              + call->value.len,
                              0);

    if (node) {
        o = (ngx_http_auth_token_outcome_t *) node->data;

        o->state = call->state;
        o->expires = call->expires;
        o->token_exp = call->token_exp;
        o->lease = 0;
        o->failed = 0;
        o->len = call->value.len;

        if (o->len) {
            ngx_memcpy(o->value, call->value.data, o->len);
        }

        if (call->state != NGX_HTTP_AUTH_TOKEN_ACCEPTED) {
            /* refusals go to the cold end: evicted before results */
            ngx_queue_remove(&node->queue);
            ngx_queue_insert_tail(&zone->sh->lru, &node->queue);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/* the cache key: SHA-256 over the endpoint's identity and the parts */

ngx_int_t
ngx_http_auth_token_call_key(u_char *key, u_char *id, ngx_str_t *parts,
    ngx_uint_t n)
{
    ngx_uint_t     i;
    EVP_MD_CTX    *md;
    unsigned int   len;

    static u_char  sep;

    md = ngx_http_auth_token_digest_ctx();

    if (EVP_DigestInit_ex(md, ngx_http_auth_token_sha256(), NULL) != 1
        || EVP_DigestUpdate(md, id, NGX_HTTP_AUTH_TOKEN_HASH_LEN) != 1)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (EVP_DigestUpdate(md, parts[i].data, parts[i].len) != 1
            || EVP_DigestUpdate(md, &sep, 1) != 1)
        {
            return NGX_ERROR;
        }
    }

    if (EVP_DigestFinal_ex(md, key, &len) != 1) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The server a location belongs to, as the zone knows it across reloads:
 * every address it listens on and every name it has.  Two servers never
 * share both, so that two servers with the same internal URI for
 * different identity providers never share cached keys or answers.
 */

ngx_int_t
ngx_http_auth_token_server_id(ngx_conf_t *cf, ngx_str_t *id)
{
    u_char                     *p, *last;
    size_t                      len;
    ngx_uint_t                  i, j, k;
    ngx_http_conf_port_t       *port;
    ngx_http_conf_addr_t       *addr;
    ngx_http_server_name_t     *name;
    ngx_http_core_srv_conf_t   *cscf, **servers;
    ngx_http_core_main_conf_t  *cmcf;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    len = 0;
    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (i = 0; port && i < cmcf->ports->nelts; i++) {
        len += port[i].addrs.nelts * (NGX_SOCKADDR_STRLEN + 1);
    }

    name = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {
        len += name[i].name.len + 1;
    }

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    id->data = p;
    last = p + len + 1;

    for (i = 0; port && i < cmcf->ports->nelts; i++) {

        addr = port[i].addrs.elts;

        for (j = 0; j < port[i].addrs.nelts; j++) {

            servers = addr[j].servers.elts;

            for (k = 0; k < addr[j].servers.nelts; k++) {
                if (servers[k] != cscf) {
                    continue;
                }

                p += ngx_sock_ntop(addr[j].opt.sockaddr,
                                   addr[j].opt.socklen, p, last - p, 1);
                *p++ = ' ';
                break;
            }
        }
    }

    for (i = 0; i < cscf->server_names.nelts; i++) {
        p = ngx_cpymem(p, name[i].name.data, name[i].name.len);
        *p++ = ' ';
    }

    id->len = p - id->data;

    return NGX_OK;
}


/* an endpoint's identity: server, URI, client credentials, options */

ngx_int_t
ngx_http_auth_token_call_id(ngx_conf_t *cf, u_char *id, const char *kind,
    ngx_str_t *uri, ngx_str_t *basic, ngx_str_t *options)
{
    ngx_str_t  parts[4];

    static u_char  zero[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    if (ngx_http_auth_token_server_id(cf, &parts[1]) != NGX_OK) {
        return NGX_ERROR;
    }

    parts[0].data = (u_char *) kind;
    parts[0].len = ngx_strlen(kind);
    parts[2] = *uri;
    parts[3] = *basic;

    if (ngx_http_auth_token_call_key(id, zero, parts, 4) != NGX_OK) {
        return NGX_ERROR;
    }

    if (options && options->len) {
        return ngx_http_auth_token_call_key(id, id, options, 1);
    }

    return NGX_OK;
}
