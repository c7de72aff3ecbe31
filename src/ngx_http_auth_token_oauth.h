
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_OAUTH_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_OAUTH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"


/* an identity-provider endpoint, as configured */

#define NGX_HTTP_AUTH_TOKEN_INTROSPECTION  0
#define NGX_HTTP_AUTH_TOKEN_EXCHANGE       1

struct ngx_http_auth_token_endpoint_s {
    ngx_uint_t                      kind;
    ngx_str_t                       uri;        /* as written */
    ngx_http_complex_value_t       *uri_cv;     /* NULL: no variables */
    ngx_uint_t                      format;     /* answer style */
    ngx_str_t                       field;      /* of a reissue answer */
    ngx_str_t                       basic;      /* client authentication */
    u_char                          id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
};


/* an answer as received, and what it means */

typedef struct {
    ngx_uint_t                      status;     /* HTTP */
    ngx_str_t                       body;
    unsigned                        too_large:1;
} ngx_http_auth_token_answer_t;


#define NGX_HTTP_AUTH_TOKEN_PENDING     0
#define NGX_HTTP_AUTH_TOKEN_ACCEPTED    1
#define NGX_HTTP_AUTH_TOKEN_REFUSED     2   /* inactive, denied */
#define NGX_HTTP_AUTH_TOKEN_GONE        3   /* revoked, rejected */
#define NGX_HTTP_AUTH_TOKEN_FAILED      4   /* no usable answer */

typedef struct {
    ngx_uint_t                      state;
    ngx_str_t                       value;      /* accepted: what counts */
    time_t                          not_after;  /* 0: no limit of its own */
    time_t                          stored;     /* when it was answered */
    const char                     *err;        /* failed: why */
} ngx_http_auth_token_outcome_t;


/* pure: what is sent, and what the answer means */

ngx_int_t ngx_http_auth_token_oauth_basic(ngx_pool_t *pool, ngx_str_t *id,
    ngx_str_t *secret, ngx_str_t *out);
ngx_int_t ngx_http_auth_token_oauth_body(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_str_t *token,
    ngx_http_auth_token_param_t *params, ngx_str_t *values, ngx_uint_t n,
    ngx_str_t *type, ngx_str_t *body);
ngx_int_t ngx_http_auth_token_discovery_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_http_auth_token_discovery_t *d, const char **err);
void ngx_http_auth_token_oauth_answer(ngx_pool_t *pool,
    ngx_http_auth_token_endpoint_t *ep, ngx_http_auth_token_answer_t *a,
    time_t now, time_t client_exp, ngx_http_auth_token_outcome_t *o);


#endif /* _NGX_HTTP_AUTH_TOKEN_OAUTH_H_INCLUDED_ */
