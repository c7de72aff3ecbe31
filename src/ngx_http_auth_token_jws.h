
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_JWS_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_JWS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwk.h"

#include <jansson.h>


/* a compact JWS split and decoded; all memory is from one pool */

struct ngx_http_auth_token_jws_s {
    ngx_str_t                       signing_input;
    ngx_str_t                       header_b64;     /* as sent */
    ngx_str_t                       header_json;
    ngx_str_t                       payload_json;
    ngx_str_t                       signature;
    ngx_str_t                       kid;
    ngx_uint_t                      alg;
    json_t                         *header;
};


/*
 * Pure.  Decisions about a token return a status (UNCHECKED: nothing
 * against it) and set *reason, a sentence for people.
 */

ngx_http_auth_token_status_e ngx_http_auth_token_jws_parse(ngx_pool_t *pool,
    ngx_str_t *token, ngx_http_auth_token_jws_t *jws, const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_jws_split(ngx_pool_t *pool,
    ngx_str_t *token, ngx_http_auth_token_jws_t *jws, const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_jws_read_header(
    ngx_pool_t *pool, ngx_http_auth_token_jws_t *jws, const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_jws_verify(
    ngx_http_auth_token_jws_t *jws, ngx_http_auth_token_keyset_t **ks,
    ngx_uint_t n, ngx_http_auth_token_key_t **key, ngx_uint_t *kid_found,
    const char **reason);
ngx_http_auth_token_key_t *ngx_http_auth_token_find_fp(
    ngx_http_auth_token_keyset_t **ks, ngx_uint_t n, u_char *fp,
    ngx_uint_t alg);
ngx_int_t ngx_http_auth_token_verify_key(ngx_http_auth_token_key_t *key,
    ngx_uint_t alg, ngx_str_t *input, ngx_str_t *sig);


#endif /* _NGX_HTTP_AUTH_TOKEN_JWS_H_INCLUDED_ */
