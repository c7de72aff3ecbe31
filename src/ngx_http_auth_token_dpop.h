
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_DPOP_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_DPOP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_thumbprint.h"

#include <jansson.h>


/*
 * DPoP proofs (RFC 9449), the pure part: nothing here sees a request;
 * the request step (ngx_http_auth_token_binding.c) gives each function the
 * bytes it needs.  Thumbprints and the "cnf" claim are
 * ngx_http_auth_token_thumbprint.c's, the htu ngx_http_auth_token_htu.c's.
 *
 * How the request step uses this (DPoP):
 *
 *   1. ngx_http_auth_token_cnf() on the token's claims (a verified JWT, or
 *      an accepted introspection answer): jkt non-empty means the token is
 *      DPoP-bound, x5t non-empty that it is certificate-bound.  A status
 *      other than UNCHECKED (a malformed "cnf") refuses the token.
 *   2. A DPoP-bound token must have come with "Authorization: DPoP", never
 *      "Bearer" (RFC 9449, section 7.1), and with exactly one "DPoP"
 *      header (section 4.3, check 1): both are the request step's.
 *   3. ngx_http_auth_token_dpop_parse() on the "DPoP" header's value, with
 *      the location's auth_token_dpop_algs.
 *   4. ngx_http_auth_token_dpop_htu() once per request: the expected htu,
 *      from auth_token_dpop_origin and r->unparsed_uri (see htu.h).
 *   5. ngx_http_auth_token_dpop_check() with the method, that htu, the
 *      access token as sent, the token's cnf.jkt, the clock, the window
 *      and the leeway.
 *   6. Only when all of that passed: the replay cache, keyed by
 *      ngx_http_auth_token_dpop_replay_key(), an entry kept until the
 *      "expires" that dpop_check() returned.  A refused proof must not
 *      consume its jti, or anyone who saw a jti could lock its client out.
 *
 * Every refusal of steps 3 and 5 is NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
 * (401, WWW-Authenticate: DPoP error="invalid_dpop_proof") with *reason;
 * except a token presented with DPoP that is not DPoP-bound, which is
 * NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH (invalid_token).
 */


/* limits on a proof, which comes from the client */
#define NGX_HTTP_AUTH_TOKEN_DPOP_MAX_LENGTH  8192
#define NGX_HTTP_AUTH_TOKEN_DPOP_MAX_CLAIMS  32
#define NGX_HTTP_AUTH_TOKEN_DPOP_MAX_JTI     256


/* the algorithms a proof may use: asymmetric ones only */

#define NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg)  ((ngx_uint_t) 1 << (alg))

#define NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC                             \
    (NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS256)                   \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS384)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS512)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_PS256)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_PS384)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_PS512)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_ES256)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_ES384)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_ES512)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_EDDSA))

/* auth_token_dpop_algs by default: ES256 RS256 PS256 EdDSA */

#define NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT                                \
    (NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_ES256)                   \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS256)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_PS256)                 \
     | NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_EDDSA))


/*
 * A DPoP proof that ngx_http_auth_token_dpop_parse() accepted: its
 * signature verified with the public key of its own "jwk" header, its
 * claims typed.  The strings point into the parsed claims (released with
 * the pool) or into the pool; none is NUL-terminated.
 */

typedef struct {
    ngx_uint_t                      alg;        /* ngx_http_auth_token_alg_e */
    ngx_str_t                       jkt;        /* RFC 7638 thumbprint */
    ngx_str_t                       jti;        /* non-empty */
    ngx_str_t                       htm;        /* non-empty */
    ngx_str_t                       htu;        /* non-empty, as sent */
    double                          iat;        /* a NumericDate */
    ngx_str_t                       ath;        /* data NULL: absent */
    ngx_str_t                       nonce;      /* data NULL: absent */
    json_t                         *claims;
} ngx_http_auth_token_dpop_t;


/*
 * What a proof is checked against, all from the request and the location
 * (ngx_http_auth_token_dpop_check()).
 *
 *   method  r->method_name, compared exactly (methods are case-sensitive,
 *           RFC 9110, section 9.1);
 *   htu     from ngx_http_auth_token_dpop_htu();
 *   token   the access token exactly as it came after "DPoP " (ctx->token):
 *           "ath" is the hash of those bytes;
 *   jkt     the token's cnf.jkt from ngx_http_auth_token_cnf(); empty: the
 *           token is not DPoP-bound, which is refused;
 *   now     ngx_time();
 *   window  auth_token_dpop_window: how old a proof may be;
 *   leeway  auth_token_leeway: clock skew, both ways.
 */

typedef struct {
    ngx_str_t                       method;
    ngx_str_t                       htu;
    ngx_str_t                       token;
    ngx_str_t                       jkt;
    time_t                          now;
    time_t                          window;
    time_t                          leeway;
} ngx_http_auth_token_dpop_request_t;


/*
 * A cache of proof keys, optional, one per process (the request step's):
 * the key of a proof whose JOSE header is byte for byte (as sent, still
 * base64url) that of a proof that passed before, ready to verify, so that
 * a client's proofs cost a signature check and not a key import (OpenSSL
 * 3 makes a key from its parameters, checks its point and sets up a
 * context in about 150 us), nor decoding and parsing the header again.  A
 * hit gives what parsing the same header again would give: the header
 * alone decides typ, alg, the key, whether it may be used and its
 * thumbprint; only the location's algorithms are checked again.
 * Direct-mapped, NGX_HTTP_AUTH_TOKEN_DPOP_KEYS entries, allocated with
 * OPENSSL_zalloc() and freed with ngx_http_auth_token_dpop_keys_free().
 */

#define NGX_HTTP_AUTH_TOKEN_DPOP_KEYS  64

typedef struct ngx_http_auth_token_dpop_keys_s
    ngx_http_auth_token_dpop_keys_t;



/*
 * DPoP proofs.
 *
 * ngx_http_auth_token_dpop_parse(): everything about a proof that needs no
 * request (RFC 9449, section 4.3, checks 2 to 7): a compact JWS of at most
 * NGX_HTTP_AUTH_TOKEN_DPOP_MAX_LENGTH bytes, "typ" exactly "dpop+jwt", an
 * "alg" in algs (a bit per ngx_http_auth_token_alg_e, masked with
 * NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC: HS* and "none" are never
 * accepted), a "jwk" header with a public key only, that may verify that
 * alg, a valid signature with it, then the claims: "jti", "htm", "htu"
 * (strings), "iat" (a NumericDate), "ath" and "nonce" (strings, optional
 * here).  UNCHECKED, or INVALID_DPOP_PROOF (or INTERNAL_ERROR: out of
 * memory) with *reason.  The key parsed from "jwk" is freed before it
 * returns; p->jkt is its thumbprint.  ngx_http_auth_token_dpop_parse_cached()
 * is the same with a cache of proof keys (see above), which keeps the key
 * instead.
 *
 * ngx_http_auth_token_dpop_check(): the rest of section 4.3 but the
 * replay check: htm, htu, iat within [now - window - leeway,
 * now + leeway], ath, and the proof key against the token's cnf.jkt.
 * *expires: until when the proof's jti must be remembered (after that,
 * the iat check refuses it anyway).
 *
 * ngx_http_auth_token_dpop_replay_key(): the 32-byte key of the replay
 * cache: a SHA-256 of the proof key's thumbprint and the jti, so that one
 * client cannot burn the jti of another.
 */

ngx_http_auth_token_status_e ngx_http_auth_token_dpop_parse(ngx_pool_t *pool,
    ngx_str_t *proof, ngx_uint_t algs, ngx_http_auth_token_dpop_t *p,
    const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_dpop_parse_cached(
    ngx_pool_t *pool, ngx_str_t *proof, ngx_uint_t algs,
    ngx_http_auth_token_dpop_t *p, const char **reason,
    ngx_http_auth_token_dpop_keys_t *keys);
ngx_http_auth_token_dpop_keys_t *ngx_http_auth_token_dpop_keys_create(void);
void ngx_http_auth_token_dpop_keys_free(ngx_http_auth_token_dpop_keys_t *keys);
ngx_http_auth_token_status_e ngx_http_auth_token_dpop_check(ngx_pool_t *pool,
    ngx_http_auth_token_dpop_t *p, ngx_http_auth_token_dpop_request_t *req,
    time_t *expires, const char **reason);
ngx_int_t ngx_http_auth_token_dpop_replay_key(ngx_http_auth_token_dpop_t *p,
    u_char *key);
ngx_int_t ngx_http_auth_token_dpop_algs_text(ngx_pool_t *pool,
    ngx_uint_t algs, ngx_str_t *text);


#endif /* _NGX_HTTP_AUTH_TOKEN_DPOP_H_INCLUDED_ */
