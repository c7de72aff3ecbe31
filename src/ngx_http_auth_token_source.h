
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_SOURCE_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_SOURCE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


ngx_http_auth_token_source_t *ngx_http_auth_token_source_get(ngx_conf_t *cf,
    ngx_str_t *uri, ngx_uint_t max, ngx_uint_t type, ngx_array_t *issuers,
    char *what);
char *ngx_http_auth_token_bound_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_http_auth_token_issuer_t *ngx_http_auth_token_issuer_find(
    ngx_array_t *bound, u_char *hash);
ngx_http_auth_token_source_t *ngx_http_auth_token_source_of(
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_array_t *ngx_http_auth_token_keysets_of(
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_TOKEN_SOURCE_H_INCLUDED_ */
