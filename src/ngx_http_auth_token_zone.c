
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_flight.h"


/*
 * The shared zone (auth_token_zone), and its only owner: no other file
 * takes its mutex or touches its slab, tree or LRU queue.
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


typedef enum {
    NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED = 1,
    NGX_HTTP_AUTH_TOKEN_ENTRY_INTROSPECTION,
    NGX_HTTP_AUTH_TOKEN_ENTRY_REISSUE,
    NGX_HTTP_AUTH_TOKEN_ENTRY_KEYS,
    NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI
} ngx_http_auth_token_entry_e;


/* the metrics' cache kind of an entry type (M_KINDS: none) */

static ngx_uint_t  ngx_http_auth_token_entry_kind[] = {
    0,
    NGX_HTTP_AUTH_TOKEN_M_TOKEN,
    NGX_HTTP_AUTH_TOKEN_M_INTROSPECTION,
    NGX_HTTP_AUTH_TOKEN_M_REISSUE,
    NGX_HTTP_AUTH_TOKEN_M_JWKS,
    NGX_HTTP_AUTH_TOKEN_M_KINDS
};


typedef struct {
    ngx_rbtree_node_t               node;
    ngx_queue_t                     queue;      /* LRU, unless pinned */
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          type;
    u_char                          pinned;
    size_t                          len;
    u_char                          data[1];
} ngx_http_auth_token_node_t;


/* an identity provider's answer */

typedef struct {
    ngx_http_auth_token_flight_t    flight;
    ngx_uint_t                      state;
    time_t                          stored;
    time_t                          not_after;
    size_t                          len;
    u_char                          value[1];
} ngx_http_auth_token_answer_sh_t;


/* a remote key set */

#define NGX_HTTP_AUTH_TOKEN_UNKNOWN_KIDS  8

typedef struct {
    ngx_http_auth_token_flight_t    flight;
    u_char                         *doc;
    size_t                          doc_len;
    ngx_uint_t                      generation;
    time_t                          fetched;     /* document arrived */
    time_t                          refresh_at;  /* due for a refresh */
    time_t                          refetch_at;  /* next unknown-kid fetch */
    ngx_uint_t                      conf;        /* that fetched it */

    /* for metrics: every key set is in the zone's list of them */
    ngx_queue_t                     all;
    ngx_uint_t                      nkeys;
    ngx_uint_t                      failures_total;
    ngx_uint_t                      unknown_fetches;
    size_t                          uri_len;     /* whole, may be longer */
    u_char                          uri[NGX_HTTP_AUTH_TOKEN_KEYS_NAME_LEN];

    /* kids looked for in this document after a refetch, and not found */
    ngx_uint_t                      unknown_n;
    u_char                          unknown[NGX_HTTP_AUTH_TOKEN_UNKNOWN_KIDS]
                                           [NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_keys_sh_t;


/* the jti of a DPoP proof */

typedef struct {
    time_t                          expires;
} ngx_http_auth_token_jti_sh_t;


struct ngx_http_auth_token_shctx_s {
    ngx_rbtree_t                    rbtree;
    ngx_rbtree_node_t               sentinel;
    ngx_queue_t                     lru;
    ngx_queue_t                     keysets;    /* for metrics */
    ngx_uint_t                      generation; /* of key set documents */
    ngx_uint_t                      conf;       /* configurations seen */
    ngx_uint_t                      evictions;
    ngx_uint_t                      evictions_logged;
    time_t                          warned;     /* zone full, logged at */
    time_t                          jti_evicted; /* expiry of the latest
                                                    jti forgotten early */
    ngx_uint_t                      entries[NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES];
    ngx_http_auth_token_metrics_sh_t  metrics;
};


/* "zone is full" is logged at most once per this many seconds */
#define NGX_HTTP_AUTH_TOKEN_FULL_WARN_PERIOD  60


static ngx_int_t ngx_http_auth_token_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_auth_token_zone_labels(
    ngx_http_auth_token_zone_t *zone);
static void ngx_http_auth_token_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_auth_token_node_t *ngx_http_auth_token_zone_lookup(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t type);
static ngx_http_auth_token_node_t *ngx_http_auth_token_zone_alloc(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t type,
    size_t len, ngx_uint_t pinned);
static void *ngx_http_auth_token_zone_alloc_data(
    ngx_http_auth_token_zone_t *zone, size_t len);
static void ngx_http_auth_token_zone_free(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_node_t *n);
static ngx_uint_t ngx_http_auth_token_zone_live(
    ngx_http_auth_token_node_t *node, time_t now);
static ngx_uint_t ngx_http_auth_token_zone_evict(
    ngx_http_auth_token_zone_t *zone, ngx_uint_t n);
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
static ngx_http_auth_token_keys_sh_t *ngx_http_auth_token_keys_state(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t pinned);
static void ngx_http_auth_token_keys_name(ngx_http_auth_token_keys_sh_t *ks,
    ngx_str_t *uri);


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
                && ngx_memcmp(slot[j].name, name[i].data, name[i].len) == 0)
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
        ngx_memcpy(slot[j].name, name[i].data, name[i].len);

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

static ngx_http_auth_token_node_t *
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

static ngx_http_auth_token_node_t *
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

static void *
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


static void
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


/* the key set's name for metrics: its URI as evaluated, or its start */

static void
ngx_http_auth_token_keys_name(ngx_http_auth_token_keys_sh_t *ks,
    ngx_str_t *uri)
{
    ks->uri_len = uri->len;
    ngx_memcpy(ks->uri, uri->data, ngx_min(uri->len, sizeof(ks->uri)));
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
