
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * The shared zone: a slab pool with an rbtree of nodes keyed by a SHA-256
 * and an LRU queue.  Nodes are never keyed by a raw token.  Pinned nodes
 * (key set documents) are not in the queue and are never evicted.
 */


static ngx_int_t ngx_http_auth_token_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_auth_token_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_uint_t ngx_http_auth_token_cache_evict(
    ngx_http_auth_token_zone_t *zone, ngx_uint_t n);


char *
ngx_http_auth_token_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_main_conf_t *amcf = conf;

    u_char                      *p;
    ssize_t                      size;
    ngx_str_t                   *value, name, s;
    ngx_http_auth_token_zone_t  *zone;

    if (amcf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    p = (u_char *) ngx_strchr(value[1].data, ':');
    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\", expected name:size",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data;
    name.len = p - value[1].data;

    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);

    if (name.len == 0 || size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small", &value[1]);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    amcf->zone = ngx_shared_memory_add(cf, &name, size,
                                       &ngx_http_auth_token_module);
    if (amcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (amcf->zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    zone->name = name;

    amcf->zone->init = ngx_http_auth_token_init_zone;
    amcf->zone->data = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_token_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_auth_token_zone_t  *ozone = data;

    size_t                       len;
    ngx_http_auth_token_zone_t  *zone;

    zone = shm_zone->data;

    if (ozone) {
        /* a reload with an unchanged zone: keep everything cached */
        zone->sh = ozone->sh;
        zone->shpool = ozone->shpool;
        return NGX_OK;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zone->sh = zone->shpool->data;
        return NGX_OK;
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

    len = sizeof(" in auth_token zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in auth_token zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* eviction makes room: running out is not worth an error line */
    zone->shpool->log_nomem = 0;

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


/* the zone's mutex must be held */

ngx_http_auth_token_node_t *
ngx_http_auth_token_cache_lookup(ngx_http_auth_token_zone_t *zone,
    u_char *hash)
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
 * Allocates a node with len bytes of data; when the zone is full, the
 * least recently used nodes go.  The zone's mutex must be held.
 */

ngx_http_auth_token_node_t *
ngx_http_auth_token_cache_alloc(ngx_http_auth_token_zone_t *zone,
    u_char *hash, size_t len, ngx_uint_t pinned)
{
    ngx_uint_t                   i;
    ngx_http_auth_token_node_t  *n;

    for (i = 0; /* void */ ; i++) {
        n = ngx_slab_alloc_locked(zone->shpool,
                                  offsetof(ngx_http_auth_token_node_t, data)
                                  + len);
        if (n) {
            break;
        }

        if (ngx_http_auth_token_cache_evict(zone, 1 << ngx_min(i, 10)) == 0)
        {
            return NULL;
        }
    }

    ngx_memzero(n, offsetof(ngx_http_auth_token_node_t, data));

    ngx_memcpy(n->hash, hash, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    n->node.key = ngx_http_auth_token_rbtree_key(hash);
    n->len = len;
    n->pinned = pinned;

    ngx_rbtree_insert(&zone->sh->rbtree, &n->node);

    if (!pinned) {
        ngx_queue_insert_head(&zone->sh->lru, &n->queue);
    }

    return n;
}


void
ngx_http_auth_token_cache_free(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_node_t *n)
{
    if (!n->pinned) {
        ngx_queue_remove(&n->queue);
    }

    ngx_rbtree_delete(&zone->sh->rbtree, &n->node);
    ngx_slab_free_locked(zone->shpool, n);
}


static ngx_uint_t
ngx_http_auth_token_cache_evict(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t n)
{
    time_t                       now;
    ngx_uint_t                   evicted;
    ngx_queue_t                 *q;
    ngx_http_auth_token_node_t  *node;

    evicted = 0;

    while (evicted < n && !ngx_queue_empty(&zone->sh->lru)) {
        q = ngx_queue_last(&zone->sh->lru);
        node = ngx_queue_data(q, ngx_http_auth_token_node_t, queue);

        ngx_http_auth_token_cache_free(zone, node);

        zone->sh->evictions++;
        evicted++;
    }

    /*
     * A full zone is normal under a flood of distinct tokens, but a zone
     * too small for the real traffic costs IdP calls and signature checks:
     * worth a line, once per period for all workers.
     */

    now = ngx_time();

    if (evicted
        && now - zone->sh->warned >= NGX_HTTP_AUTH_TOKEN_FULL_WARN_PERIOD)
    {
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


/* plain slab memory (a key set document), with eviction when full */

void *
ngx_http_auth_token_cache_alloc_data(ngx_http_auth_token_zone_t *zone,
    size_t len)
{
    void        *p;
    ngx_uint_t   i;

    for (i = 0; /* void */ ; i++) {
        p = ngx_slab_alloc_locked(zone->shpool, len);
        if (p) {
            return p;
        }

        if (ngx_http_auth_token_cache_evict(zone, 1 << ngx_min(i, 10)) == 0)
        {
            return NULL;
        }
    }
}


/* verified JWTs: only the verification is cached, never the token */

ngx_int_t
ngx_http_auth_token_cache_get_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v)
{
    ngx_int_t                    rc;
    ngx_http_auth_token_node_t  *node;

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, hash);

    if (node && node->len == sizeof(ngx_http_auth_token_verified_t)) {
        ngx_memcpy(v, node->data, sizeof(ngx_http_auth_token_verified_t));

        if (ngx_time() < v->expires) {
            rc = NGX_OK;

        } else {
            ngx_http_auth_token_cache_free(zone, node);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return rc;
}


void
ngx_http_auth_token_cache_put_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v)
{
    ngx_http_auth_token_node_t  *node;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_auth_token_cache_lookup(zone, hash);

    if (node == NULL) {
        node = ngx_http_auth_token_cache_alloc(zone, hash,
                                       sizeof(ngx_http_auth_token_verified_t),
                                       0);
    }

    if (node && node->len == sizeof(ngx_http_auth_token_verified_t)) {
        ngx_memcpy(node->data, v, sizeof(ngx_http_auth_token_verified_t));
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);
}
