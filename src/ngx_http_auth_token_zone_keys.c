
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
 * Remote documents in the zone (key sets, discovery documents): the
 * document and its generation, fetch times and back-off, the kids looked
 * for and not found, pinned or least recently used; and the list of them
 * a scrape reads.
 */


static ngx_http_auth_token_keys_sh_t *ngx_http_auth_token_keys_state(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t pinned);
static void ngx_http_auth_token_keys_acquire(
    ngx_http_auth_token_keys_sh_t *ks, ngx_http_auth_token_keys_query_t *q,
    time_t now);
static void ngx_http_auth_token_keys_name(ngx_http_auth_token_keys_sh_t *ks,
    ngx_str_t *uri);


/* a remote key set's state, created on first use; the mutex is held */

static ngx_http_auth_token_keys_sh_t *
ngx_http_auth_token_keys_state(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_uint_t pinned)
{
    ngx_http_auth_token_node_t     *node;
    ngx_http_auth_token_keys_sh_t  *ks;

    node = ngx_http_auth_token_zone_lookup(zone, hash,
                                           NGX_HTTP_AUTH_TOKEN_ENTRY_KEYS);
    if (node == NULL) {
        node = ngx_http_auth_token_zone_alloc(zone, hash,
                                       NGX_HTTP_AUTH_TOKEN_ENTRY_KEYS,
                                       sizeof(ngx_http_auth_token_keys_sh_t),
                                       pinned);
        if (node == NULL) {
            return NULL;
        }

        ks = (ngx_http_auth_token_keys_sh_t *) node->data;
        ngx_queue_insert_tail(&zone->sh->keysets, &ks->all);
    }

    return (ngx_http_auth_token_keys_sh_t *) node->data;
}


/*
 * What a request does about a remote key set (q->action), and a copy of a
 * document newer than the worker's (q->doc):
 *
 * - no document yet: fetch and wait for it, or wait for the fetch that
 *   runs, or give up while backing off;
 * - a token with an unknown kid: verify again with a newer document if
 *   there is one; otherwise fetch, at most once per refetch interval
 *   across all workers (only such fetches count), or wait for the fetch
 *   that runs or for the next allowed one (q->wait_until); backing off
 *   after a failure delays that too;
 * - otherwise use the keys, and start a refresh in the background when
 *   one is due.
 */

ngx_int_t
ngx_http_auth_token_zone_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_pool_t *pool, ngx_http_auth_token_keys_query_t *q)
{
    time_t                          now;
    ngx_int_t                       rc;
    ngx_uint_t                      i;
    ngx_http_auth_token_keys_sh_t  *ks;

    now = ngx_time();
    rc = NGX_OK;

    q->action = NGX_HTTP_AUTH_TOKEN_KEYS_NONE;
    q->wait_until = 0;
    ngx_str_null(&q->doc);

    ngx_shmtx_lock(&zone->shpool->mutex);

    ks = ngx_http_auth_token_keys_state(zone, hash, q->pinned);

    if (ks == NULL) {
        goto done;
    }

    if (ks->doc && ks->generation != q->generation) {

        q->doc.data = ngx_pnalloc(pool, ks->doc_len);
        if (q->doc.data == NULL) {
            rc = NGX_ERROR;
            goto done;
        }

        ngx_memcpy(q->doc.data, ks->doc, ks->doc_len);
        q->doc.len = ks->doc_len;
        q->doc_generation = ks->generation;
        q->fetched = ks->fetched;

        if (q->unknown_kid) {
            /* newer keys than those that did not know the kid */
            q->action = NGX_HTTP_AUTH_TOKEN_KEYS_USE;
            goto done;
        }
    }

    if (ks->doc == NULL) {

        ngx_http_auth_token_keys_acquire(ks, q, now);

        goto done;
    }

    if (q->unknown_kid) {

        /* looked for in this very document already: no fetch, no wait */

        if (q->kid && ks->generation == q->generation) {
            for (i = 0; i < ngx_min(ks->unknown_n,
                                    NGX_HTTP_AUTH_TOKEN_UNKNOWN_KIDS); i++)
            {
                if (ngx_memcmp(ks->unknown[i], q->kid,
                               NGX_HTTP_AUTH_TOKEN_HASH_LEN)
                    == 0)
                {
                    goto done;
                }
            }
        }

        if (ks->flight.lease > now) {
            q->action = NGX_HTTP_AUTH_TOKEN_KEYS_WAIT;
            goto done;
        }

        q->wait_until = ngx_max(ks->refetch_at, ks->flight.retry_at);

        if (q->wait_until > now) {
            q->action = NGX_HTTP_AUTH_TOKEN_KEYS_WAIT;
            goto done;
        }

        q->wait_until = 0;

        if (ngx_http_auth_token_flight_acquire(&ks->flight, now,
                                               q->lock_timeout)
            == NGX_OK)
        {
            ks->refetch_at = now + q->refetch;
            ks->unknown_fetches++;
            q->action = NGX_HTTP_AUTH_TOKEN_KEYS_FETCH;
        }

        goto done;
    }

    q->action = NGX_HTTP_AUTH_TOKEN_KEYS_USE;

    if (ks->conf < zone->conf) {

        /*
         * fetched under an older configuration, whose internal location
         * may have pointed to another provider: fetched again, waited for;
         * the old document only if that fails
         */

        ngx_http_auth_token_keys_acquire(ks, q, now);

        goto done;
    }

    if (now >= ks->refresh_at && ks->conf == zone->conf
        && ngx_http_auth_token_flight_acquire(&ks->flight, now,
                                              q->lock_timeout)
           == NGX_OK)
    {
        q->action = NGX_HTTP_AUTH_TOKEN_KEYS_REFRESH;
    }

done:

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


/*
 * A fetched document replaces the key set's; refresh: seconds until the
 * next scheduled fetch.  *generation: the document's number.
 */

ngx_int_t
ngx_http_auth_token_zone_put_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_str_t *uri, ngx_str_t *doc, ngx_uint_t nkeys,
    time_t refresh, ngx_uint_t pinned, ngx_uint_t *generation)
{
    time_t                          now;
    u_char                         *p;
    ngx_int_t                       rc;
    ngx_http_auth_token_node_t     *node;
    ngx_http_auth_token_keys_sh_t  *ks;

    now = ngx_time();
    rc = NGX_ERROR;

    ngx_shmtx_lock(&zone->shpool->mutex);

    ks = ngx_http_auth_token_keys_state(zone, hash, pinned);

    if (ks == NULL) {
        goto done;
    }

    if (ks->conf > zone->conf) {
        /* a worker of an older configuration: the newer one's stays */
        ngx_http_auth_token_flight_abandoned(&ks->flight);
        rc = NGX_DECLINED;
        goto done;
    }

    /* room for the document, but not by evicting its own key set */

    node = (ngx_http_auth_token_node_t *)
               ((u_char *) ks - offsetof(ngx_http_auth_token_node_t, data));

    if (!node->pinned) {
        ngx_queue_remove(&node->queue);
    }

    p = ngx_http_auth_token_zone_alloc_data(zone, doc->len);

    if (!node->pinned) {
        ngx_queue_insert_head(&zone->sh->lru, &node->queue);
    }

    if (p == NULL) {
        goto done;
    }

    ngx_memcpy(p, doc->data, doc->len);

    if (ks->doc) {
        ngx_slab_free_locked(zone->shpool, ks->doc);
    }

    ks->doc = p;
    ks->doc_len = doc->len;
    ks->generation = ++zone->sh->generation;
    ks->fetched = now;
    ks->refresh_at = now + refresh;
    ks->conf = zone->conf;
    ks->unknown_n = 0;
    ks->nkeys = nkeys;

    ngx_http_auth_token_keys_name(ks, uri);

    ngx_http_auth_token_flight_succeeded(&ks->flight);

    *generation = ks->generation;
    rc = NGX_OK;

done:

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


/* a fetch failed: returns the back-off; *had_keys: the last good stay */

time_t
ngx_http_auth_token_zone_fail_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_str_t *uri, ngx_uint_t *had_keys)
{
    time_t                          backoff;
    ngx_http_auth_token_keys_sh_t  *ks;

    backoff = 0;
    *had_keys = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    ks = ngx_http_auth_token_keys_state(zone, hash, 0);

    if (ks) {
        backoff = ngx_http_auth_token_flight_failed(&ks->flight, ngx_time());
        *had_keys = (ks->doc != NULL);
        ks->failures_total++;
        ngx_http_auth_token_keys_name(ks, uri);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return backoff;
}


/* the fetch was abandoned (its client went away): no back-off */

void
ngx_http_auth_token_zone_drop_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash)
{
    ngx_http_auth_token_keys_sh_t  *ks;

    ngx_shmtx_lock(&zone->shpool->mutex);

    ks = ngx_http_auth_token_keys_state(zone, hash, 0);

    if (ks) {
        ngx_http_auth_token_flight_abandoned(&ks->flight);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/*
 * A kid not in the document of this generation, though looked for after a
 * refetch (or a newer document): later tokens with it are refused at once
 * until the document changes.
 */

void
ngx_http_auth_token_zone_unknown_kid(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_uint_t generation, u_char *kid)
{
    ngx_http_auth_token_keys_sh_t  *ks;

    ngx_shmtx_lock(&zone->shpool->mutex);

    ks = ngx_http_auth_token_keys_state(zone, hash, 0);

    if (ks && ks->generation == generation) {
        ngx_memcpy(ks->unknown[ks->unknown_n
                               % NGX_HTTP_AUTH_TOKEN_UNKNOWN_KIDS],
                   kid, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
        ks->unknown_n++;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/* the key set's name for metrics: its URI as evaluated, or its start */

/*
 * Keys that must be fetched before they are used: this worker fetches
 * them (FETCH), or waits for the fetch that runs (WAIT), or neither while
 * the key set backs off after a failure (the action stays as it was).
 */

static void
ngx_http_auth_token_keys_acquire(ngx_http_auth_token_keys_sh_t *ks,
    ngx_http_auth_token_keys_query_t *q, time_t now)
{
    switch (ngx_http_auth_token_flight_acquire(&ks->flight, now,
                                               q->lock_timeout))
    {
    case NGX_OK:
        q->action = NGX_HTTP_AUTH_TOKEN_KEYS_FETCH;
        break;

    case NGX_BUSY:
        q->action = NGX_HTTP_AUTH_TOKEN_KEYS_WAIT;
        break;

    default:
        break;
    }
}


static void
ngx_http_auth_token_keys_name(ngx_http_auth_token_keys_sh_t *ks,
    ngx_str_t *uri)
{
    ks->uri_len = uri->len;
    ngx_memcpy(ks->uri, uri->data, ngx_min(uri->len, sizeof(ks->uri)));
}
