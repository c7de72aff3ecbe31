
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_dpop.h"

#include <jansson.h>


/* the BIND step */

ngx_int_t ngx_http_auth_token_bind(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);

/* for the DPoP part of BIND (binding_dpop.c) */

ngx_http_auth_token_dpop_keys_t *ngx_http_auth_token_bind_dpop_keys(
    ngx_http_request_t *r);
void ngx_http_auth_token_bind_refuse(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_status_e status,
    const char *reason);

/* the verified-token cache keeps a token's cnf (verify.c) */

void ngx_http_auth_token_cnf_decode(json_t *claims,
    ngx_http_auth_token_cnf_t *cnf);

/* $auth_token_cnf_x5t */

ngx_int_t ngx_http_auth_token_cnf_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *x5t);


#endif /* _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_ */
