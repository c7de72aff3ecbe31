
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_ZONE_SHM_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_ZONE_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_flight.h"


/*
 * The zone's memory, for the zone's own files only (zone.c,
 * zone_answers.c, zone_keys.c): the entries' layout and the functions
 * that find, make and free them.  Everything here is called with the
 * zone's mutex held.
 */


typedef enum {
    NGX_HTTP_AUTH_TOKEN_ENTRY_VERIFIED = 1,
    NGX_HTTP_AUTH_TOKEN_ENTRY_INTROSPECTION,
    NGX_HTTP_AUTH_TOKEN_ENTRY_REISSUE,
    NGX_HTTP_AUTH_TOKEN_ENTRY_KEYS,
    NGX_HTTP_AUTH_TOKEN_ENTRY_DPOP_JTI
} ngx_http_auth_token_entry_e;


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


ngx_http_auth_token_node_t *ngx_http_auth_token_zone_lookup(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t type);
ngx_http_auth_token_node_t *ngx_http_auth_token_zone_alloc(
    ngx_http_auth_token_zone_t *zone, u_char *hash, ngx_uint_t type,
    size_t len, ngx_uint_t pinned);
void *ngx_http_auth_token_zone_alloc_data(ngx_http_auth_token_zone_t *zone,
    size_t len);
void ngx_http_auth_token_zone_free(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_node_t *n);


#endif /* _NGX_HTTP_AUTH_TOKEN_ZONE_SHM_H_INCLUDED_ */
