
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_ZONE_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_ZONE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_oauth.h"
#include "ngx_http_auth_token_metrics.h"


typedef struct ngx_http_auth_token_shctx_s  ngx_http_auth_token_shctx_t;

struct ngx_http_auth_token_zone_s {
    ngx_http_auth_token_shctx_t    *sh;
    ngx_slab_pool_t                *shpool;
    ngx_str_t                       name;
    ngx_uint_t                      conf;       /* this cycle's number */

    /* the counters, and this configuration's labels' slots among them */
    ngx_http_auth_token_metrics_sh_t  *metrics;
    ngx_array_t                    *labels;     /* ngx_str_t, configured */
    ngx_http_auth_token_label_sh_t **slots;
};


/* the zone as a scrape sees it */

#define NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES  6

#define NGX_HTTP_AUTH_TOKEN_KEYS_NAME_LEN  128

typedef struct {
    ngx_str_t                       name;       /* for a scrape, unique */
    ngx_str_t                       uri;        /* as evaluated, raw */
    ngx_uint_t                      truncated;  /* only its start */
    u_char                          hash[4];    /* of its entry's key */
    ngx_uint_t                      keys;
    time_t                          age;        /* -1: never fetched */
    ngx_uint_t                      failures;
    ngx_uint_t                      unknown_kid_fetches;
} ngx_http_auth_token_keys_report_t;

typedef struct {
    size_t                          size;
    size_t                          used;
    ngx_uint_t                      entries[NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES];
    ngx_uint_t                      evictions;
    ngx_array_t                     keysets;    /* keys_report_t */
} ngx_http_auth_token_zone_report_t;


/*
 * A verified JWT: which key vouched for it, until when, its times and its
 * confirmation (so that a hit needs no parsing for either; 256 bytes with
 * the node, one slab class)
 */

typedef struct {
    time_t                          expires;
    time_t                          verified;   /* when */
    double                          exp;
    double                          nbf;
    u_char                          times_has;  /* NGX_HTTP_AUTH_TOKEN_HAS_ */
    u_char                          cnf_has;    /* NGX_HTTP_AUTH_TOKEN_CNF_ */
    u_char                          alg;
    u_char                          at_jwt;     /* typ: RFC 9068 */
    u_char                          fp[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          iss[NGX_HTTP_AUTH_TOKEN_ISS_LEN];
    u_char                          jkt[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          x5t[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_verified_t;


/* how long a location trusts an identity provider's answers */

typedef struct {
    time_t                          accepted;
    time_t                          refused;
    time_t                          stale;      /* stale-if-error */
    ngx_msec_t                      lock_timeout;
} ngx_http_auth_token_trust_t;


/* a remote key set, as a request needs it */

typedef enum {
    NGX_HTTP_AUTH_TOKEN_KEYS_USE = 0,           /* the worker's keys */
    NGX_HTTP_AUTH_TOKEN_KEYS_WAIT,              /* for a running fetch */
    NGX_HTTP_AUTH_TOKEN_KEYS_FETCH,             /* ours, waited for */
    NGX_HTTP_AUTH_TOKEN_KEYS_REFRESH,           /* ours, in the background */
    NGX_HTTP_AUTH_TOKEN_KEYS_NONE               /* no fetch now */
} ngx_http_auth_token_keys_action_e;

typedef struct {
    /* asked */
    ngx_uint_t                      unknown_kid;
    u_char                         *kid;        /* its hash, or NULL */
    time_t                          refetch;    /* interval */
    ngx_msec_t                      lock_timeout;
    ngx_uint_t                      generation; /* the worker's */
    ngx_uint_t                      pinned;     /* never evicted */

    /* answered */
    ngx_http_auth_token_keys_action_e  action;
    ngx_str_t                       doc;        /* a newer document */
    ngx_uint_t                      doc_generation;
    time_t                          fetched;
    time_t                          wait_until; /* next allowed refetch */
} ngx_http_auth_token_keys_query_t;


char *ngx_http_auth_token_zone_add(ngx_conf_t *cf, ngx_str_t *value,
    ngx_shm_zone_t **shm_zone, ngx_array_t *labels);
ngx_int_t ngx_http_auth_token_zone_report(ngx_http_auth_token_zone_t *zone,
    ngx_pool_t *pool, ngx_http_auth_token_zone_report_t *rep);

ngx_int_t ngx_http_auth_token_zone_get_verified(
    ngx_http_auth_token_zone_t *zone, u_char *hash,
    ngx_http_auth_token_verified_t *v);
void ngx_http_auth_token_zone_put_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v);

ngx_int_t ngx_http_auth_token_zone_get_outcome(
    ngx_http_auth_token_zone_t *zone, ngx_uint_t kind, u_char *key,
    ngx_http_auth_token_trust_t *trust, ngx_pool_t *pool,
    ngx_http_auth_token_outcome_t *o, ngx_uint_t *cache);
void ngx_http_auth_token_zone_put_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key, ngx_http_auth_token_outcome_t *o);
void ngx_http_auth_token_zone_fail_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key, ngx_http_auth_token_trust_t *trust,
    ngx_pool_t *pool, ngx_http_auth_token_outcome_t *o, ngx_uint_t *cache);
void ngx_http_auth_token_zone_drop_outcome(ngx_http_auth_token_zone_t *zone,
    ngx_uint_t kind, u_char *key);

ngx_int_t ngx_http_auth_token_zone_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_pool_t *pool, ngx_http_auth_token_keys_query_t *q);
ngx_int_t ngx_http_auth_token_zone_put_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_str_t *uri, ngx_str_t *doc, ngx_uint_t nkeys,
    time_t refresh, ngx_uint_t pinned, ngx_uint_t *generation);
time_t ngx_http_auth_token_zone_fail_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_str_t *uri, ngx_uint_t *had_keys);
void ngx_http_auth_token_zone_drop_keys(ngx_http_auth_token_zone_t *zone,
    u_char *hash);
void ngx_http_auth_token_zone_unknown_kid(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_uint_t generation, u_char *kid);

ngx_int_t ngx_http_auth_token_zone_dpop_jti(ngx_http_auth_token_zone_t *zone,
    u_char *key, time_t expires);


#endif /* _NGX_HTTP_AUTH_TOKEN_ZONE_H_INCLUDED_ */
