
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_HANDLER_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_HANDLER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


ngx_int_t ngx_http_auth_token_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_precontent_handler(ngx_http_request_t *r);
ngx_http_auth_token_ctx_t *ngx_http_auth_token_get_ctx(
    ngx_http_request_t *r);
ngx_http_auth_token_ctx_t *ngx_http_auth_token_request_ctx(
    ngx_http_request_t *r);
ngx_str_t *ngx_http_auth_token_status_name(ngx_uint_t status);


#endif /* _NGX_HTTP_AUTH_TOKEN_HANDLER_H_INCLUDED_ */
