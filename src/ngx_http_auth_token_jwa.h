
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_JWA_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_JWA_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/evp.h>


/* JWS algorithms (RFC 7518, RFC 8037) */

typedef enum {
    NGX_HTTP_AUTH_TOKEN_HS256 = 0,
    NGX_HTTP_AUTH_TOKEN_HS384,
    NGX_HTTP_AUTH_TOKEN_HS512,
    NGX_HTTP_AUTH_TOKEN_RS256,
    NGX_HTTP_AUTH_TOKEN_RS384,
    NGX_HTTP_AUTH_TOKEN_RS512,
    NGX_HTTP_AUTH_TOKEN_PS256,
    NGX_HTTP_AUTH_TOKEN_PS384,
    NGX_HTTP_AUTH_TOKEN_PS512,
    NGX_HTTP_AUTH_TOKEN_ES256,
    NGX_HTTP_AUTH_TOKEN_ES384,
    NGX_HTTP_AUTH_TOKEN_ES512,
    NGX_HTTP_AUTH_TOKEN_EDDSA,
    NGX_HTTP_AUTH_TOKEN_ALG_COUNT
} ngx_http_auth_token_alg_e;


/* key types (the JWK "kty", with OKP narrowed to Ed25519) */

#define NGX_HTTP_AUTH_TOKEN_KTY_OCT      1
#define NGX_HTTP_AUTH_TOKEN_KTY_RSA      2
#define NGX_HTTP_AUTH_TOKEN_KTY_EC       3
#define NGX_HTTP_AUTH_TOKEN_KTY_OKP      4


typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      kty;
    const char                     *digest;
    int                             padding;    /* RSA padding mode */
    size_t                          sig_len;    /* EC: raw r||s length */
    const char                     *group;      /* EC: curve name */
} ngx_http_auth_token_alg_t;


ngx_int_t ngx_http_auth_token_init_algs(ngx_conf_t *cf);
const ngx_http_auth_token_alg_t *ngx_http_auth_token_alg(ngx_uint_t alg);
ngx_int_t ngx_http_auth_token_alg_by_name(u_char *name, size_t len);
const EVP_MD *ngx_http_auth_token_alg_md(ngx_uint_t alg);
ngx_int_t ngx_http_auth_token_sha256(u_char *out, u_char *prefix,
    ngx_str_t *parts, ngx_uint_t n);


#endif /* _NGX_HTTP_AUTH_TOKEN_JWA_H_INCLUDED_ */
