
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_IDENTITY_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_IDENTITY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* at configuration time: what a cache entry's identity is made of */

ngx_int_t ngx_http_auth_token_endpoint_id(ngx_conf_t *cf, u_char *id,
    const char *kind, ngx_str_t *uri, ngx_str_t *basic, ngx_str_t *options);
ngx_int_t ngx_http_auth_token_issuer_id(u_char *id, u_char *iss, size_t len);
ngx_int_t ngx_http_auth_token_policy_id(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);


#endif /* _NGX_HTTP_AUTH_TOKEN_IDENTITY_H_INCLUDED_ */
