
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_zone_shm.h"
#include "ngx_http_auth_token_flight.h"


/*
 * Identity providers' answers in the zone (introspection, reissue): one
 * entry per call key, with the single flight of the call that fills it,
 * trusted by each location for its own lifetimes; refusals go to the cold
 * end of the LRU queue.
 */


static ngx_uint_t ngx_http_auth_token_answer_type(ngx_uint_t kind);
static ngx_uint_t ngx_http_auth_token_answer_fresh(
    ngx_http_auth_token_answer_sh_t *a, ngx_http_auth_token_trust_t *trust,
    time_t now);
static ngx_int_t ngx_http_auth_token_answer_copy(
    ngx_http_auth_token_answer_sh_t *a, ngx_pool_t *pool,
    ngx_http_auth_token_outcome_t *o);
static void ngx_http_auth_token_answer_stale(
    ngx_http_auth_token_answer_sh_t *a, ngx_http_auth_token_trust_t *trust,
    time_t now, ngx_pool_t *pool, ngx_http_auth_token_outcome_t *o,
    ngx_uint_t *cache);


/*
 * An identity provider's answer under key, as this location trusts it:
 *
 * NGX_OK:       *o holds an outcome: fresh (*cache HIT), or a recent
 *               failure shared (FAILED, or a stale answer: *cache STALE)
 * NGX_AGAIN:    the lease is ours: make the call (*cache MISS or EXPIRED)
 * NGX_BUSY:     another request makes the call: wait
 * NGX_DECLINED: no room in the zone: call without it (*cache BYPASS)
 * NGX_ERROR:    out of memory
 */

ngx_int_t
ngx_http_auth_token_zone_get_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key, ngx_http_auth_token_trust_t *trust,
    ngx_pool_t *pool, ngx_http_auth_token_outcome_t *o, ngx_uint_t *cache)
{
    time_t                            now;
    ngx_int_t                         rc;
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_answer_sh_t  *a;

    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, key,
                                     ngx_http_auth_token_answer_type(kind));
    if (node == NULL) {
        node = ngx_http_auth_token_zone_alloc(zone, key,
                                     ngx_http_auth_token_answer_type(kind),
                                     sizeof(ngx_http_auth_token_answer_sh_t),
                                     0);
        if (node == NULL) {
            *cache = NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS;
            rc = NGX_DECLINED;
            goto done;
        }

        a = (ngx_http_auth_token_answer_sh_t *) node->data;

        (void) ngx_http_auth_token_flight_acquire(&a->flight, now,
                                                  trust->lock_timeout);
        *cache = NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
        rc = NGX_AGAIN;
        goto done;
    }

    a = (ngx_http_auth_token_answer_sh_t *) node->data;

    if (ngx_http_auth_token_answer_fresh(a, trust, now)) {
        rc = ngx_http_auth_token_answer_copy(a, pool, o);
        *cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
        goto done;
    }

    switch (ngx_http_auth_token_flight_acquire(&a->flight, now,
                                               trust->lock_timeout))
    {
    case NGX_BUSY:
        rc = NGX_BUSY;
        break;

    case NGX_DECLINED:

        /*
         * a call failed a moment ago: requests that waited for it (or
         * come right after) share its outcome instead of calling again
         */

        ngx_http_auth_token_answer_stale(a, trust, now, pool, o, cache);
        rc = NGX_OK;
        break;

    default:
        *cache = (a->state == NGX_HTTP_AUTH_TOKEN_PENDING)
                 ? NGX_HTTP_AUTH_TOKEN_CACHE_MISS
                 : NGX_HTTP_AUTH_TOKEN_CACHE_EXPIRED;
        rc = NGX_AGAIN;
        break;
    }

done:

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


/* the call answered: its outcome replaces the entry, the lease ends */

void
ngx_http_auth_token_zone_put_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key, ngx_http_auth_token_outcome_t *o)
{
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_answer_sh_t  *a;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, key,
                                     ngx_http_auth_token_answer_type(kind));
    if (node) {
        ngx_http_auth_token_zone_free(zone, node);
    }

    node = ngx_http_auth_token_zone_alloc(zone, key,
                          ngx_http_auth_token_answer_type(kind),
                          offsetof(ngx_http_auth_token_answer_sh_t, value)
                          + o->value.len,
                          0);
    if (node) {
        a = (ngx_http_auth_token_answer_sh_t *) node->data;

        a->state = o->state;
        a->stored = o->stored;
        a->not_after = o->not_after;
        a->len = o->value.len;

        if (a->len) {
            ngx_memcpy(a->value, o->value.data, a->len);
        }

        if (o->state != NGX_HTTP_AUTH_TOKEN_ACCEPTED) {
            /* refusals go to the cold end: evicted before results */
            ngx_queue_remove(&node->queue);
            ngx_queue_insert_tail(&zone->sh->lru, &node->queue);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/*
 * The call failed: the lease ends with a back-off, and *o becomes a stale
 * answer if this location allows one, or stays a failure.
 */

void
ngx_http_auth_token_zone_fail_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key, ngx_http_auth_token_trust_t *trust,
    ngx_pool_t *pool, ngx_http_auth_token_outcome_t *o, ngx_uint_t *cache)
{
    time_t                            now;
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_answer_sh_t  *a;

    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, key,
                                     ngx_http_auth_token_answer_type(kind));
    if (node) {
        a = (ngx_http_auth_token_answer_sh_t *) node->data;

        (void) ngx_http_auth_token_flight_failed(&a->flight, now);
        ngx_http_auth_token_answer_stale(a, trust, now, pool, o, cache);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/* the client went away during the call: the lease ends, no back-off */

void
ngx_http_auth_token_zone_drop_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key)
{
    ngx_http_auth_token_node_t       *node;
    ngx_http_auth_token_answer_sh_t  *a;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, key,
                                     ngx_http_auth_token_answer_type(kind));
    if (node) {
        a = (ngx_http_auth_token_answer_sh_t *) node->data;
        ngx_http_auth_token_flight_abandoned(&a->flight);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/* the entry type of an endpoint's answers */

static ngx_uint_t
ngx_http_auth_token_answer_type(ngx_uint_t kind)
{
    return (kind == NGX_HTTP_AUTH_TOKEN_INTROSPECTION)
           ? NGX_HTTP_AUTH_TOKEN_ENTRY_INTROSPECTION
           : NGX_HTTP_AUTH_TOKEN_ENTRY_REISSUE;
}


/* fresh for this location: within its lifetime, and never past not_after */

static ngx_uint_t
ngx_http_auth_token_answer_fresh(ngx_http_auth_token_answer_sh_t *a,
    ngx_http_auth_token_trust_t *trust, time_t now)
{
    time_t  valid;

    switch (a->state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        valid = trust->accepted;
        break;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
    case NGX_HTTP_AUTH_TOKEN_GONE:
        valid = trust->refused;
        break;

    default:
        return 0;
    }

    return now - a->stored < valid
           && (a->not_after == 0 || now < a->not_after);
}


static ngx_int_t
ngx_http_auth_token_answer_copy(ngx_http_auth_token_answer_sh_t *a,
    ngx_pool_t *pool, ngx_http_auth_token_outcome_t *o)
{
    o->state = a->state;
    o->stored = a->stored;
    o->not_after = a->not_after;
    o->err = NULL;

    ngx_str_null(&o->value);

    if (a->len == 0) {
        return NGX_OK;
    }

    o->value.data = ngx_pnalloc(pool, a->len);
    if (o->value.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(o->value.data, a->value, a->len);
    o->value.len = a->len;

    return NGX_OK;
}


/*
 * After a failed call: an accepted answer that expired at most
 * trust->stale ago, or the failure.  The mutex is held.
 */

static void
ngx_http_auth_token_answer_stale(ngx_http_auth_token_answer_sh_t *a,
    ngx_http_auth_token_trust_t *trust, time_t now, ngx_pool_t *pool,
    ngx_http_auth_token_outcome_t *o, ngx_uint_t *cache)
{
    o->state = NGX_HTTP_AUTH_TOKEN_FAILED;

    if (a->state != NGX_HTTP_AUTH_TOKEN_ACCEPTED
        || now - a->stored >= trust->accepted + trust->stale
        || (a->not_after && now >= a->not_after))
    {
        return;
    }

    if (ngx_http_auth_token_answer_copy(a, pool, o) != NGX_OK) {
        o->state = NGX_HTTP_AUTH_TOKEN_FAILED;
        return;
    }

    *cache = NGX_HTTP_AUTH_TOKEN_CACHE_STALE;
}
