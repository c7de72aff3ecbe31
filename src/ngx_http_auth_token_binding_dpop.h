
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_BINDING_DPOP_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_BINDING_DPOP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* FIND: "Authorization: DPoP <token>" */

ngx_int_t ngx_http_auth_token_dpop_scheme(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t rc, ngx_str_t *token);

/* BIND: the proof of a DPoP-bound token (jkt: its cnf.jkt) */

ngx_int_t ngx_http_auth_token_bind_dpop(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *jkt);

/* a refusal's DPoP challenge */

ngx_int_t ngx_http_auth_token_dpop_challenge(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *realm, ngx_str_t *error, ngx_str_t *reason,
    ngx_uint_t *scope);


#endif /* _NGX_HTTP_AUTH_TOKEN_BINDING_DPOP_H_INCLUDED_ */
