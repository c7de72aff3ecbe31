
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"

#include <jansson.h>


extern ngx_conf_enum_t  ngx_http_auth_token_bind_modes[];


/* configuration: auth_token_dpop_algs, auth_token_client_cert, merge */

char *ngx_http_auth_token_dpop_algs(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_client_cert(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_auth_token_binding_create(ngx_http_auth_token_loc_conf_t *conf);
char *ngx_http_auth_token_binding_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *prev,
    ngx_http_auth_token_loc_conf_t *conf);

/* the FIND step: "Authorization: DPoP <token>" */

ngx_int_t ngx_http_auth_token_dpop_scheme(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t rc, ngx_str_t *token);

/* the BIND step */

ngx_int_t ngx_http_auth_token_bind(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);

/* a refusal's DPoP challenge */

ngx_int_t ngx_http_auth_token_dpop_challenge(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *realm, ngx_str_t *error, ngx_str_t *reason,
    ngx_uint_t *scope);

/* the verified-token cache keeps a token's cnf (verify.c) */

void ngx_http_auth_token_cnf_decode(json_t *claims,
    ngx_http_auth_token_cnf_t *cnf);

/* $auth_token_cnf_x5t */

ngx_int_t ngx_http_auth_token_cnf_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *x5t);


#endif /* _NGX_HTTP_AUTH_TOKEN_BINDING_H_INCLUDED_ */
