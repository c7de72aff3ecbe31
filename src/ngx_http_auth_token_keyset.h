
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* a remote key set (auth_token_jwks_request), with this worker's keys */

struct ngx_http_auth_token_source_s {
    ngx_str_t                       uri;
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_shm_zone_t                 *zone;
    ngx_http_core_srv_conf_t       *cscf;

    /* run time: this worker's copy, replaced when the document changes */
    ngx_http_auth_token_keyset_t   *keyset;
    ngx_pool_t                     *pool;
    ngx_uint_t                      generation;
    time_t                          fetched;
};


char *ngx_http_auth_token_source_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_keys(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_keys_refetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_TOKEN_KEYSET_H_INCLUDED_ */
