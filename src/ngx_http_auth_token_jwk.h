
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_JWK_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_JWK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwa.h"

#include <jansson.h>


#define NGX_HTTP_AUTH_TOKEN_MAX_JWKS        (4 * 1024 * 1024)
#define NGX_HTTP_AUTH_TOKEN_MAX_JWKS_DEPTH  8


/* a verification key, parsed once */

typedef struct {
    ngx_str_t                       kid;
    ngx_uint_t                      kty;
    ngx_uint_t                      algs;       /* bit per alg */
    EVP_PKEY                       *pkey;
    ngx_str_t                       secret;     /* kty "oct" */
    u_char                          fp[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    EVP_PKEY_CTX                   *ctx[NGX_HTTP_AUTH_TOKEN_ALG_COUNT];
} ngx_http_auth_token_key_t;


struct ngx_http_auth_token_keyset_s {
    ngx_str_t                       name;       /* for logs */
    ngx_array_t                     keys;       /* ngx_http_auth_token_key_t */
};


/* pure: documents from files or identity providers */

ngx_http_auth_token_keyset_t *ngx_http_auth_token_jwks_parse(
    ngx_pool_t *pool, ngx_log_t *log, ngx_str_t *name, u_char *data,
    size_t len, const char **err);
ngx_http_auth_token_keyset_t *ngx_http_auth_token_jwks_load_file(
    ngx_conf_t *cf, ngx_str_t *path, const char **err);
const char *ngx_http_auth_token_jwk_parse(ngx_pool_t *pool, json_t *jwk,
    ngx_http_auth_token_key_t *key);
void ngx_http_auth_token_key_free(ngx_http_auth_token_key_t *key);
ngx_uint_t ngx_http_auth_token_keyset_has_kid(
    ngx_http_auth_token_keyset_t *ks, ngx_str_t *kid);


#endif /* _NGX_HTTP_AUTH_TOKEN_JWK_H_INCLUDED_ */
