
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* what a source fetches */

#define NGX_HTTP_AUTH_TOKEN_SOURCE_JWKS        0
#define NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERED  1   /* JWKS at a jwks_uri */
#define NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERY   2   /* a discovery document */


/*
 * one remote document (an evaluated URI; for a discovered key set, also
 * the jwks_uri it is fetched from), with this worker's parse of it
 */

typedef struct {
    ngx_queue_t                     queue;      /* LRU of its source */
    ngx_str_t                       uri;
    ngx_str_t                       target;     /* the jwks_uri, or empty */
    ngx_str_t                       name;       /* for logs */
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    ngx_http_auth_token_keyset_t   *keyset;
    ngx_http_auth_token_discovery_t *discovery;
    ngx_pool_t                     *pool;
    ngx_uint_t                      generation;
    time_t                          fetched;
} ngx_http_auth_token_keys_t;


/*
 * auth_token_jwks_request, as configured: one key set, or one per value of
 * the variables in its URI (one per tenant), at most "max" per worker
 */

struct ngx_http_auth_token_source_s {
    ngx_uint_t                      type;       /* ..._SOURCE_JWKS... */
    ngx_array_t                    *issuers;    /* a document must name */
    ngx_str_t                       text;       /* as written */
    ngx_http_complex_value_t       *uri;        /* NULL: no variables */
    u_char                          id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_http_core_srv_conf_t       *cscf;
    ngx_shm_zone_t                 *zone;
    ngx_uint_t                      max;

    /* run time, this worker */
    ngx_http_auth_token_keys_t     *fixed;      /* without variables */
    ngx_queue_t                     sets;       /* with: LRU */
    ngx_uint_t                      nsets;
};


void ngx_http_auth_token_source_cleanup(void *data);
ngx_int_t ngx_http_auth_token_discover(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_keys(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_keys_refetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_http_auth_token_keys_t *ngx_http_auth_token_keys_of(
    ngx_http_request_t *r, ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_ */
