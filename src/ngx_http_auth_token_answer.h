
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_ANSWER_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_ANSWER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* auth_token_error_format */

#define NGX_HTTP_AUTH_TOKEN_ERRORS_HEADER   0   /* www-authenticate */
#define NGX_HTTP_AUTH_TOKEN_ERRORS_JSON     1
#define NGX_HTTP_AUTH_TOKEN_ERRORS_PROBLEM  2


ngx_int_t ngx_http_auth_token_reject(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_answer(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t code);


#endif /* _NGX_HTTP_AUTH_TOKEN_ANSWER_H_INCLUDED_ */
