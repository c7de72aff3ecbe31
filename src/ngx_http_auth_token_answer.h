
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


/*
 * One WWW-Authenticate challenge (RFC 6750, section 3; RFC 9449, section
 * 7.1), pushed to r->headers_out.headers:
 *   scheme realm="..."[, error="...", error_description="..."]
 *       [, scope="..."][, param="value"]
 * every value quoted and escaped.  The caller makes it
 * r->headers_out.www_authenticate, or chains it after another.
 */

typedef struct {
    ngx_str_t                       scheme;
    ngx_str_t                      *realm;
    ngx_str_t                       error;      /* empty: none */
    ngx_str_t                      *reason;     /* with the error */
    ngx_str_t                      *scope;      /* NULL: none */
    ngx_str_t                       param;      /* empty: none */
    ngx_str_t                       value;
} ngx_http_auth_token_challenge_t;


ngx_table_elt_t *ngx_http_auth_token_challenge_push(ngx_http_request_t *r,
    ngx_http_auth_token_challenge_t *c);
ngx_int_t ngx_http_auth_token_reject(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_answer(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t code);


#endif /* _NGX_HTTP_AUTH_TOKEN_ANSWER_H_INCLUDED_ */
