
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_ENDPOINT_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_ENDPOINT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_oauth.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_subrequest.h"


/* a call to an endpoint for one request, and its outcome */

struct ngx_http_auth_token_call_s {
    ngx_http_auth_token_endpoint_t *ep;
    ngx_str_t                       uri;        /* as evaluated */
    ngx_str_t                       token;      /* introspected */
    ngx_http_auth_token_zone_t     *zone;       /* NULL: not cached */
    u_char                          key[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_http_auth_token_trust_t     trust;
    time_t                          client_exp;
    ngx_http_auth_token_fetch_t     fetch;
    ngx_http_auth_token_outcome_t   outcome;
    ngx_uint_t                      cache;      /* $auth_token_cache */
    unsigned                        store:1;    /* the lease is ours */
    unsigned                        done:1;
};


char *ngx_http_auth_token_endpoint_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_endpoint(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_endpoint_t *ep);


#endif /* _NGX_HTTP_AUTH_TOKEN_ENDPOINT_H_INCLUDED_ */
