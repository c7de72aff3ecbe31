
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_THUMBPRINT_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_THUMBPRINT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"

#include <jansson.h>


/*
 * Thumbprints of keys, tokens and certificates, and the confirmation
 * claim that binds a token to one (RFC 7638, RFC 9449, RFC 8705): the
 * pure part of certificate binding, and what DPoP shares with it.
 *
 * Certificate binding: ngx_http_auth_token_cert_thumbprint() of the client
 * certificate ($ssl_client_raw_cert, or the auth_token_client_cert
 * variable), compared with the token's cnf["x5t#S256"] by
 * ngx_http_auth_token_thumbprint_equal(); a mismatch, or a bound token
 * without a certificate, is NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH
 * (RFC 8705, section 3: 401 invalid_token).  The request step is
 * ngx_http_auth_token_binding.c's.
 *
 * Thumbprints (jkt, x5t#S256, ath) are always base64url SHA-256 text,
 * NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN characters, ready for the variables
 * $auth_token_dpop_jkt and $auth_token_cnf_x5t.
 */


/* base64url of a SHA-256, without padding */
#define NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN  43


/* the encodings of a client certificate */

#define NGX_HTTP_AUTH_TOKEN_CERT_AUTO     0   /* any of the three below */
#define NGX_HTTP_AUTH_TOKEN_CERT_PEM      1   /* $ssl_client_raw_cert */
#define NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED  2   /* $ssl_client_escaped_cert */
#define NGX_HTTP_AUTH_TOKEN_CERT_BASE64   3   /* base64 DER, RFC 9440 too */


/*
 * Thumbprints, all base64url SHA-256 text in the pool.
 *
 * ngx_http_auth_token_jwk_thumbprint(): RFC 7638 of a public JWK, from its
 * JSON as the client sent it: the required members only (EC: crv, kty, x,
 * y; RSA: e, kty, n; OKP: crv, kty, x), in that order, without
 * whitespace, their values verbatim; each must be a string, and x, y, n, e
 * strict base64url.  NGX_DECLINED: not such a JWK.
 *
 * ngx_http_auth_token_dpop_ath(): base64url(SHA-256(token)), RFC 9449,
 * section 4.2.
 *
 * ngx_http_auth_token_cert_thumbprint(): the x5t#S256 of a client
 * certificate (RFC 8705, section 3.1), from in as $ssl_client_raw_cert
 * gives it (PEM), as $ssl_client_escaped_cert (URL-escaped PEM, also what
 * AWS ALB forwards), or as base64 DER (base64 or base64url,
 * padding optional, blanks allowed, also RFC 9440's ":...:"); or
 * NGX_HTTP_AUTH_TOKEN_CERT_AUTO, by its first bytes.  Exactly one
 * certificate, parsed by OpenSSL in full, nothing but blanks around it:
 * else NGX_DECLINED with *err.  The hash is over the DER bytes as sent.
 *
 * ngx_http_auth_token_thumbprint_equal(): 1 if a and b are the same text,
 * in constant time (CRYPTO_memcmp) for anything of the same length.
 */

ngx_int_t ngx_http_auth_token_jwk_thumbprint(ngx_pool_t *pool, json_t *jwk,
    ngx_str_t *out);
ngx_int_t ngx_http_auth_token_dpop_ath(ngx_pool_t *pool, ngx_str_t *token,
    ngx_str_t *out);
ngx_int_t ngx_http_auth_token_cert_thumbprint(ngx_pool_t *pool,
    ngx_str_t *in, ngx_uint_t encoding, ngx_str_t *out, const char **err);
ngx_uint_t ngx_http_auth_token_thumbprint_equal(ngx_str_t *a, ngx_str_t *b);


/*
 * The confirmation claim (RFC 7800) of a token's claims or of an
 * introspection answer (RFC 9449, section 6; RFC 8705, section 3.2):
 * cnf.jkt and cnf["x5t#S256"] into jkt and x5t (empty when absent; the
 * strings point into claims).  A "cnf" that is present but not an
 * object, or a jkt or x5t#S256 that is not a string of
 * NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN base64url characters, is MALFORMED
 * with *reason: a binding that cannot be read must not become a bearer
 * token.  Other cnf members (jwk, kid, x5t...) are not bindings this
 * module can check and are ignored.
 */

ngx_http_auth_token_status_e ngx_http_auth_token_cnf(json_t *claims,
    ngx_str_t *jkt, ngx_str_t *x5t, const char **reason);


#endif /* _NGX_HTTP_AUTH_TOKEN_THUMBPRINT_H_INCLUDED_ */
