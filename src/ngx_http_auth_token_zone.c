
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_flight.h"
#include "ngx_http_auth_token_zone_shm.h"


/*
 * The shared zone (auth_token_zone), and its owner: with its two entry
 * files (ngx_http_auth_token_zone_answers.c, _zone_keys.c), the only code
 * that takes its mutex or touches its slab, tree or LRU queue; this file
 * has the zone itself (its start, its labels, lookup, allocation,
 * eviction, the scrape's report) and the small entries (verifications,
 * DPoP jtis).
 *
 * Entries are typed and keyed by a SHA-256 (never a raw token):
 *   - a verified JWT (evictable),
 *   - an identity provider's answer (evictable; refusals go to the cold
 *     end of the LRU queue, so that a flood of garbage evicts garbage),
 *   - a remote key set's document and fetch state (pinned),
 *   - the jti of a DPoP proof, until the proof is too old to be accepted
 *     anyway (evictable, see ngx_http_auth_token_zone_dpop_jti()).
 * Answers and key sets carry the single-flight state of the call that
 * fills them (ngx_http_auth_token_flight.c).
 */


/* the metrics' cache kind of an entry type (M_KINDS: none) */

static ngx_uint_t  ngx_http_auth_token_entry_kind[] = {
    0,
    NGX_HTTP_AUTH_TOKEN_M_TOKEN,
    NGX_HTTP_AUTH_TOKEN_M_INTROSPECTION,
    NGX_HTTP_AUTH_TOKEN_M_REISSUE,
    NGX_HTTP_AUTH_TOKEN_M_JWKS,
    NGX_HTTP_AUTH_TOKEN_M_KINDS
};


/* "zone is full" is logged at most once per this many seconds */
#define NGX_HTTP_AUTH_TOKEN_FULL_WARN_PERIOD  60


static ngx_int_t ngx_http_auth_token_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_auth_token_zone_labels(
    ngx_http_auth_token_zone_t *zone);
static void ngx_http_auth_token_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_uint_t ngx_http_auth_token_zone_live(
    ngx_http_auth_token_node_t *node, time_t now);
static ngx_uint_t ngx_http_auth_token_zone_evict(
    ngx_http_auth_token_zone_t *zone, ngx_uint_t n);


/* auth_token_zone name:size */

char *
ngx_http_auth_token_zone_add(ngx_conf_t *cf, ngx_str_t *value,
    ngx_shm_zone_t **shm_zone, ngx_array_t *labels)
{
    u_char                      *p;
    ssize_t                      size;
    ngx_str_t                    name, s;
    ngx_http_auth_token_zone_t  *zone;

    p = (u_char *) ngx_strchr(value->data, ':');
    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\", expected name:size", value);
        return NGX_CONF_ERROR;
    }

    name.data = value->data;
    name.len = p - value->data;

    s.data = p + 1;
    s.len = value->data + value->len - s.data;

    size = ngx_parse_size(&s);

    if (name.len == 0 || size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid zone \"%V\"",
                           value);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "zone \"%V\" is too small",
                           value);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    *shm_zone = ngx_shared_memory_add(cf, &name, size,
                                      &ngx_http_auth_token_module);
    if (*shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if ((*shm_zone)->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    zone->name = name;
    zone->labels = labels;

    (*shm_zone)->init = ngx_http_auth_token_zone_init;
    (*shm_zone)->data = zone;

    return NGX_CONF_OK;
}


/*
 * A reload with an unchanged zone keeps everything cached; each
 * configuration gets a number, so that entries can tell which one made
 * them.
 */

static ngx_int_t
ngx_http_auth_token_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_auth_token_zone_t  *ozone = data;

    size_t                       len;
    ngx_http_auth_token_zone_t  *zone;

    zone = shm_zone->data;

    if (ozone) {
        zone->sh = ozone->sh;
        zone->shpool = ozone->shpool;
        goto done;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zone->sh = zone->shpool->data;
        goto done;
    }

    zone->sh = ngx_slab_calloc(zone->shpool,
                               sizeof(ngx_http_auth_token_shctx_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    zone->shpool->data = zone->sh;

    ngx_rbtree_init(&zone->sh->rbtree, &zone->sh->sentinel,
                    ngx_http_auth_token_rbtree_insert);

    ngx_queue_init(&zone->sh->lru);
    ngx_queue_init(&zone->sh->keysets);

    len = sizeof(" in auth_token zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in auth_token zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* eviction makes room: running out is not worth an error line */
    zone->shpool->log_nomem = 0;

done:

    zone->metrics = &zone->sh->metrics;

    ngx_shmtx_lock(&zone->shpool->mutex);

    zone->conf = ++zone->sh->conf;

    if (ngx_http_auth_token_zone_labels(zone) != NGX_OK) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_ERROR;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return NGX_OK;
}


/*
 * The slots of this configuration's metrics labels: a label keeps its
 * slot (and its counts) across reloads; a new one takes a free slot, or
 * else one whose label this configuration no longer has (its counts start
 * again from zero).  The mutex is held.
 */

static ngx_int_t
ngx_http_auth_token_zone_labels(ngx_http_auth_token_zone_t *zone)
{
    u_char                           mine[NGX_HTTP_AUTH_TOKEN_MAX_LABELS];
    ngx_str_t                       *name;
    ngx_uint_t                       i, j;
    ngx_http_auth_token_label_sh_t  *slot;

    name = zone->labels->elts;
    slot = zone->metrics->labels;

    /* the pool of the configuration being loaded, not ngx_cycle's */

    zone->slots = ngx_pcalloc(zone->labels->pool,
                              zone->labels->nelts
                              * sizeof(ngx_http_auth_token_label_sh_t *));
    if (zone->slots == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(mine, sizeof(mine));

    for (i = 0; i < zone->labels->nelts; i++) {
        for (j = 0; j < NGX_HTTP_AUTH_TOKEN_MAX_LABELS; j++) {
            if (slot[j].used && slot[j].len == name[i].len
                && (name[i].len == 0
                    || ngx_memcmp(slot[j].name, name[i].data, name[i].len)
                       == 0))
            {
                zone->slots[i] = &slot[j];
                mine[j] = 1;
                break;
            }
        }
    }

    for (i = 0; i < zone->labels->nelts; i++) {

        if (zone->slots[i]) {
            continue;
        }

        for (j = 0; j < NGX_HTTP_AUTH_TOKEN_MAX_LABELS; j++) {
            if (!slot[j].used) {
                break;
            }
        }

        if (j == NGX_HTTP_AUTH_TOKEN_MAX_LABELS) {
            for (j = 0; j < NGX_HTTP_AUTH_TOKEN_MAX_LABELS; j++) {
                if (!mine[j]) {
                    break;
                }
            }
        }

        /* cannot happen: at most 64 labels per configuration */

        if (j == NGX_HTTP_AUTH_TOKEN_MAX_LABELS) {
            return NGX_ERROR;
        }

        ngx_memzero(&slot[j], sizeof(ngx_http_auth_token_label_sh_t));
        slot[j].used = 1;
        slot[j].len = name[i].len;

        if (name[i].len) {
            /* the slot of the locations without a label has no name */
            ngx_memcpy(slot[j].name, name[i].data, name[i].len);
        }

        zone->slots[i] = &slot[j];
        mine[j] = 1;
    }

    return NGX_OK;
}


static void
ngx_http_auth_token_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t           **p;
    ngx_http_auth_token_node_t   *n, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            n = (ngx_http_auth_token_node_t *) node;
            t = (ngx_http_auth_token_node_t *) temp;

            p = (ngx_memcmp(n->hash, t->hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN)
                 < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_rbtree_key_t
ngx_http_auth_token_rbtree_key(u_char *hash)
{
    ngx_rbtree_key_t  key;

    ngx_memcpy(&key, hash, sizeof(ngx_rbtree_key_t));

    return key;
}


/* the mutex is held; a hit moves to the warm end of the LRU queue */

ngx_http_auth_token_node_t *
ngx_http_auth_token_zone_lookup(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_uint_t type)
{
    ngx_int_t                    rc;
    ngx_rbtree_key_t             key;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_auth_token_node_t  *n;

    key = ngx_http_auth_token_rbtree_key(hash);

    node = zone->sh->rbtree.root;
    sentinel = zone->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (key < node->key) {
            node = node->left;
            continue;
        }

        if (key > node->key) {
            node = node->right;
            continue;
        }

        n = (ngx_http_auth_token_node_t *) node;

        rc = ngx_memcmp(hash, n->hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

        if (rc == 0) {
            if (n->type != type) {
                return NULL;
            }

            if (!n->pinned) {
                ngx_queue_remove(&n->queue);
                ngx_queue_insert_head(&zone->sh->lru, &n->queue);
            }

            return n;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * Allocates an entry with len bytes of data, zeroed; when the zone is
 * full, the least recently used entries go.  The mutex is held.
 */

ngx_http_auth_token_node_t *
ngx_http_auth_token_zone_alloc(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_uint_t type, size_t len, ngx_uint_t pinned)
{
    size_t                       size;
    ngx_http_auth_token_node_t  *n;

    size = offsetof(ngx_http_auth_token_node_t, data) + len;

    n = ngx_http_auth_token_zone_alloc_data(zone, size);
    if (n == NULL) {
        return NULL;
    }

    ngx_memzero(n, size);

    ngx_memcpy(n->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    n->node.key = ngx_http_auth_token_rbtree_key(hash);
    n->type = (u_char) type;
    n->len = len;
    n->pinned = (u_char) pinned;

    ngx_rbtree_insert(&zone->sh->rbtree, &n->node);

    if (!pinned) {
        ngx_queue_insert_head(&zone->sh->lru, &n->queue);
    }

    zone->sh->entries[type]++;

    return n;
}


/* slab memory, with eviction when full; the mutex is held */

void *
ngx_http_auth_token_zone_alloc_data(ngx_http_auth_token_zone_t *zone,
    size_t len)
{
    void        *p;
    ngx_uint_t   i;

    for (i = 0; /* void */ ; i++) {
        p = ngx_slab_alloc_locked(zone->shpool, len);
        if (p) {
            return p;
        }

        if (ngx_http_auth_token_zone_evict(zone, 1 << ngx_min(i, 10)) == 0)
        {
            return NULL;
        }
    }
}


void
ngx_http_auth_token_zone_free(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_node_t *n)
{
    ngx_http_auth_token_keys_sh_t  *ks;

    if (n->type == NGX_HTTP_AUTH_TOKEN_ENTRY_KEYS) {
        ks = (ngx_http_auth_token_keys_sh_t *) n->data;

        ngx_queue_remove(&ks->all);

        if (ks->doc) {
            ngx_slab_free_locked(zone->shpool, ks->doc);
        }
    }

    if (!n->pinned) {
        ngx_queue_remove(&n->queue);
    }

    zone->sh->entries[n->type]--;

    ngx_rbtree_delete(&zone->sh->rbtree, &n->node);
    ngx_slab_free_locked(zone->shpool, n);
}


static ngx_uint_t
ngx_http_auth_token_zone_evict(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t n)
{
    time_t                         now;
    ngx_uint_t                     evicted, live;
    ngx_queue_t                   *q;
    ngx_http_auth_token_node_t    *node;
    ngx_http_auth_token_jti_sh_t  *jti;

    evicted = 0;
    live = 0;
    now = ngx_time();

    while (evicted < n && !ngx_queue_empty(&zone->sh->lru)) {
        q = ngx_queue_last(&zone->sh->lru);
        node = ngx_queue_data(q, ngx_http_auth_token_node_t, queue);

        if (node->type == NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI) {
            jti = (ngx_http_auth_token_jti_sh_t *) node->data;

            /* a jti forgotten while its proof could still be accepted */

            if (jti->expires > now && jti->expires > zone->sh->jti_evicted) {
                zone->sh->jti_evicted = jti->expires;
            }

        } else {
            (void) ngx_atomic_fetch_add(&zone->metrics->cache
                                [ngx_http_auth_token_entry_kind[node->type]]
                                [NGX_HTTP_AUTH_TOKEN_M_EVICT], 1);
        }

        live += ngx_http_auth_token_zone_live(node, now);

        ngx_http_auth_token_zone_free(zone, node);

        evicted++;
    }

    /*
     * Expired entries are only taken back.  A zone that must evict entries
     * still in use is full: normal under a flood of distinct tokens, but a
     * zone too small for the real traffic costs IdP calls and signature
     * checks: worth a line, once per period for all workers.
     */

    if (live == 0) {
        return evicted;
    }

    zone->sh->evictions += live;

    (void) ngx_atomic_fetch_add(&zone->metrics->full, 1);

    if (now - zone->sh->warned >= NGX_HTTP_AUTH_TOKEN_FULL_WARN_PERIOD) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "auth_token: zone \"%V\" is full: %ui least recently "
                      "used entries evicted since %s",
                      &zone->name,
                      zone->sh->evictions - zone->sh->evictions_logged,
                      zone->sh->warned ? "the last warning" : "start");

        zone->sh->warned = now;
        zone->sh->evictions_logged = zone->sh->evictions;
    }

    return evicted;
}


/*
 * Whether an entry could still serve: a verification until its end, an
 * answer until its own limit (an answer without one, as long as some
 * location may trust it: counted as in use).
 */

static ngx_uint_t
ngx_http_auth_token_zone_live(ngx_http_auth_token_node_t *node, time_t now)
{
    ngx_http_auth_token_answer_sh_t  *a;
    ngx_http_auth_token_verified_t   *v;

    if (node->type == NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED) {
        v = (ngx_http_auth_token_verified_t *) node->data;
        return v->expires > now;
    }

    if (node->type == NGX_HTTP_AUTH_TOKEN_ENTRY_INTROSPECTION
        || node->type == NGX_HTTP_AUTH_TOKEN_ENTRY_REISSUE)
    {
        a = (ngx_http_auth_token_answer_sh_t *) node->data;
        return a->not_after == 0 || a->not_after > now;
    }

    if (node->type == NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI) {
        return ((ngx_http_auth_token_jti_sh_t *) node->data)->expires > now;
    }

    return 1;
}


/* verified JWTs: only the verification is kept, never the token */

ngx_int_t
ngx_http_auth_token_zone_get_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v)
{
    ngx_int_t                    rc;
    ngx_http_auth_token_node_t  *node;

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, hash,
                                           NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED);

    /* an entry of another size was made by another build of the module */

    if (node && node->len == sizeof(ngx_http_auth_token_verified_t)) {
        ngx_memcpy(v, node->data, sizeof(ngx_http_auth_token_verified_t));

        if (ngx_time() < v->expires) {
            rc = NGX_OK;

        } else {
            ngx_http_auth_token_zone_free(zone, node);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


void
ngx_http_auth_token_zone_put_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v)
{
    ngx_http_auth_token_node_t  *node;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, hash,
                                           NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED);

    if (node && node->len != sizeof(ngx_http_auth_token_verified_t)) {
        ngx_http_auth_token_zone_free(zone, node);
        node = NULL;
    }

    if (node == NULL) {
        node = ngx_http_auth_token_zone_alloc(zone, hash,
                                       NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED,
                                       sizeof(ngx_http_auth_token_verified_t),
                                       0);
    }

    if (node) {
        ngx_memcpy(node->data, v, sizeof(ngx_http_auth_token_verified_t));
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/*
 * The replay cache of DPoP proofs (RFC 9449, section 11.1): key is
 * ngx_http_auth_token_dpop_replay_key() of a proof that passed every other
 * check, expires the moment its iat leaves the window.
 *
 * NGX_OK:       never seen (or seen so long ago that its proof would be
 *               refused as too old anyway): remembered now;
 * NGX_DECLINED: seen before: a replay;
 * NGX_BUSY:     cannot tell: a full zone forgot jtis of proofs that are
 *               not older than this one (jti_evicted), and this jti may be
 *               one of them; a fresh proof passes;
 * NGX_ERROR:    no room for it.
 *
 * Entries are evicted least recently used first like any other; an entry
 * evicted before it expires moves jti_evicted, so that eviction can make a
 * proof refused, never a replay accepted.
 */

ngx_int_t
ngx_http_auth_token_zone_dpop_jti(ngx_http_auth_token_zone_t *zone,
    u_char *key, time_t expires)
{
    time_t                         now;
    ngx_int_t                      rc;
    ngx_http_auth_token_node_t    *node;
    ngx_http_auth_token_jti_sh_t  *jti;

    now = ngx_time();

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_zone_lookup(zone, key,
                                           NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI);
    if (node) {
        jti = (ngx_http_auth_token_jti_sh_t *) node->data;

        if (jti->expires > now) {
            rc = NGX_DECLINED;
            goto done;
        }

        jti->expires = expires;
        rc = NGX_OK;
        goto done;
    }

    if (expires <= zone->sh->jti_evicted) {
        rc = NGX_BUSY;
        goto done;
    }

    node = ngx_http_auth_token_zone_alloc(zone, key,
                                          NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI,
                                          sizeof(ngx_http_auth_token_jti_sh_t),
                                          0);
    if (node == NULL) {
        rc = NGX_ERROR;
        goto done;
    }

    jti = (ngx_http_auth_token_jti_sh_t *) node->data;
    jti->expires = expires;

    rc = NGX_OK;

done:

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


/*
 * What a scrape shows of the zone: its size and use, entries by type, and
 * each remote key set that was fetched at least once (from the zone's list
 * of them: no walk through all entries with the mutex held).  Copied under
 * the mutex into the pool.
 */

ngx_int_t
ngx_http_auth_token_zone_report(ngx_http_auth_token_zone_t *zone,
    ngx_pool_t *pool, ngx_http_auth_token_zone_report_t *rep)
{
    time_t                              now;
    size_t                              len;
    ngx_int_t                           rc;
    ngx_uint_t                          i;
    ngx_queue_t                        *q;
    ngx_http_auth_token_node_t         *n;
    ngx_http_auth_token_keys_sh_t      *ks;
    ngx_http_auth_token_keys_report_t  *kr;

    if (ngx_array_init(&rep->keysets, pool, 4,
                       sizeof(ngx_http_auth_token_keys_report_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    now = ngx_time();
    rc = NGX_OK;

    ngx_shmtx_lock(&zone->shpool->mutex);

    rep->size = zone->shpool->end - (u_char *) zone->shpool;
    rep->used = rep->size - zone->shpool->pfree * ngx_pagesize;
    rep->evictions = zone->sh->evictions;

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES; i++) {
        rep->entries[i] = zone->sh->entries[i];
    }

    for (q = ngx_queue_head(&zone->sh->keysets);
         q != ngx_queue_sentinel(&zone->sh->keysets);
         q = ngx_queue_next(q))
    {
        ks = ngx_queue_data(q, ngx_http_auth_token_keys_sh_t, all);

        if (ks->uri_len == 0) {
            continue;
        }

        n = (ngx_http_auth_token_node_t *)
                ((u_char *) ks - offsetof(ngx_http_auth_token_node_t, data));

        kr = ngx_array_push(&rep->keysets);
        if (kr == NULL) {
            rc = NGX_ERROR;
            break;
        }

        len = ngx_min(ks->uri_len, sizeof(ks->uri));

        kr->uri.data = ngx_pnalloc(pool, len);
        if (kr->uri.data == NULL) {
            rc = NGX_ERROR;
            break;
        }

        ngx_memcpy(kr->uri.data, ks->uri, len);
        kr->uri.len = len;
        kr->truncated = (ks->uri_len > len);
        ngx_memcpy(kr->hash, n->hash, sizeof(kr->hash));
        kr->keys = ks->doc ? ks->nkeys : 0;
        kr->age = ks->doc ? now - ks->fetched : -1;
        kr->failures = ks->failures_total;
        kr->unknown_kid_fetches = ks->unknown_fetches;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}
