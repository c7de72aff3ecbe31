
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_SENDER_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_SENDER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwa.h"

#include <jansson.h>


/*
 * Sender-constrained tokens, the pure part: DPoP proofs (RFC 9449) and
 * certificate-bound tokens (RFC 8705, section 3).  Nothing here sees a
 * request; the request step gives each function the bytes it needs.
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
 *      from auth_token_dpop_origin and r->unparsed_uri (see below).
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
 *
 * Certificate binding: ngx_http_auth_token_cert_thumbprint() of the client
 * certificate ($ssl_client_raw_cert, or the auth_token_client_cert
 * variable), compared with the token's cnf["x5t#S256"] by
 * ngx_http_auth_token_thumbprint_equal(); a mismatch, or a bound token
 * without a certificate, is NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH
 * (RFC 8705, section 3: 401 invalid_token).
 *
 * Thumbprints (jkt, x5t#S256, ath) are always base64url SHA-256 text,
 * NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN characters, ready for the variables
 * $auth_token_dpop_jkt and $auth_token_cnf_x5t.
 */


/* base64url of a SHA-256, without padding */
#define NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN  43

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
 * the key of a proof whose JOSE header is byte for byte that of a proof
 * that passed before, ready to verify, so that a client's proofs cost a
 * signature check and not a key import (OpenSSL 3 makes a key from its
 * parameters, checks its point and sets up a context in about 150 us).  A
 * hit gives what parsing the same header again would give: the header
 * alone decides the key, whether it may be used and its thumbprint.
 * Direct-mapped, NGX_HTTP_AUTH_TOKEN_DPOP_KEYS entries, allocated with
 * OPENSSL_zalloc() and freed with ngx_http_auth_token_dpop_keys_free().
 */

#define NGX_HTTP_AUTH_TOKEN_DPOP_KEYS  64

typedef struct ngx_http_auth_token_dpop_keys_s
    ngx_http_auth_token_dpop_keys_t;


/* the encodings of a client certificate */

#define NGX_HTTP_AUTH_TOKEN_CERT_AUTO     0   /* any of the three below */
#define NGX_HTTP_AUTH_TOKEN_CERT_PEM      1   /* $ssl_client_raw_cert */
#define NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED  2   /* $ssl_client_escaped_cert */
#define NGX_HTTP_AUTH_TOKEN_CERT_BASE64   3   /* base64 DER, RFC 9440 too */


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


/*
 * The htu (RFC 9449, sections 4.2 and 4.3).
 *
 * What "the request's URI" is for nginx: the client signed the target URI
 * of the request it sent, so the path must be r->unparsed_uri, the
 * request-target as received (for an absolute-form request line nginx
 * keeps only its path there; for HTTP/2 and HTTP/3 it is :path).  Not
 * r->uri: nginx has decoded it (%2F is "/" there), merged slashes,
 * resolved "." and "..", and rewrite, try_files, index and error_page
 * change it; none of that is what the client signed.  Query and fragment
 * never count: ngx_http_auth_token_dpop_htu() stops the path at "?" (so
 * r->unparsed_uri can be passed as it is), and the proof's htu is cut at
 * "?" or "#".
 *
 * The scheme and authority are not the client's to choose: they come from
 * auth_token_dpop_origin, "scheme://host[:port]" (a path prefix after it
 * is allowed, for a gateway mounted under one).  The default
 * "$scheme://$host" has no port ($host never has one): behind a
 * non-default port, configure the external origin, e.g.
 * "https://api.example.com:8443", or "$scheme://$http_host".
 *
 * Both sides are normalized, then compared byte for byte (RFC 9449,
 * section 4.3 asks for RFC 3986 sections 6.2.2 and 6.2.3):
 *   - scheme "http" or "https" only, lowercased; host lowercased; no
 *     userinfo; the port as a number, removed when it is the scheme's
 *     default (":", ":443", ":0443" on https all go);
 *   - percent-encoding: hex digits uppercased, unreserved characters
 *     decoded (%7E is "~", %41 is "A"), a byte that may not appear
 *     unencoded in a path (a space, a non-ASCII byte, a lone "%") encoded;
 *   - dot segments removed (RFC 3986, section 5.2.4); an empty path is
 *     "/".
 *
 * ngx_http_auth_token_htu_normalize(): NGX_OK with the normalized URI in
 * *out, NGX_DECLINED when uri is not an absolute http(s) URI with a host,
 * NGX_ERROR: out of memory.
 * ngx_http_auth_token_dpop_htu(): the expected htu from origin and path,
 * normalized; NGX_DECLINED: the origin is not usable.
 * ngx_http_auth_token_dpop_htu_match(): NGX_OK when the proof's htu
 * normalizes to expected (from ngx_http_auth_token_dpop_htu()),
 * NGX_DECLINED when it does not (or is not an http(s) URI), NGX_ERROR.
 */

ngx_int_t ngx_http_auth_token_htu_normalize(ngx_pool_t *pool, ngx_str_t *uri,
    ngx_str_t *out);
ngx_int_t ngx_http_auth_token_dpop_htu(ngx_pool_t *pool, ngx_str_t *origin,
    ngx_str_t *path, ngx_str_t *out);
ngx_int_t ngx_http_auth_token_dpop_htu_match(ngx_pool_t *pool,
    ngx_str_t *htu, ngx_str_t *expected);


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


#endif /* _NGX_HTTP_AUTH_TOKEN_SENDER_H_INCLUDED_ */
