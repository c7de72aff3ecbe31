
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_HEADERS_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_HEADERS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


ngx_int_t ngx_http_auth_token_headers_init(ngx_conf_t *cf);
char *ngx_http_auth_token_headers_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_strip_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_rewrite_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_headers_set(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_upstream_token(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_TOKEN_HEADERS_H_INCLUDED_ */
