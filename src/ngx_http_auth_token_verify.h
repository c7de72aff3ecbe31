
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_VERIFY_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_VERIFY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"

#include <jansson.h>


ngx_int_t ngx_http_auth_token_lookup(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_parse(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_verify(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);

ngx_int_t ngx_http_auth_token_select_issuer(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
json_t *ngx_http_auth_token_get_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
json_t *ngx_http_auth_token_get_jws_header(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
void ngx_http_auth_token_set_claims(ngx_http_auth_token_ctx_t *ctx,
    json_t *claims);


#endif /* _NGX_HTTP_AUTH_TOKEN_VERIFY_H_INCLUDED_ */
