
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_binding.h"
#include "ngx_http_auth_token_binding_dpop.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_thumbprint.h"
#include "ngx_http_auth_token_verify.h"

#include <openssl/evp.h>
#include <openssl/x509.h>


/*
 * Sender-constrained tokens, the request side (the BIND step, between
 * CLAIMS and REQUIRE): DPoP proofs (RFC 9449, auth_token_dpop) and
 * certificate-bound tokens (RFC 8705, section 3, auth_token_cert_binding).
 * The pure work is elsewhere: parsing and checking a proof in
 * ngx_http_auth_token_dpop.c, the htu in _htu.c, thumbprints and "cnf" in
 * _thumbprint.c; here are the request's parts of it:
 *
 *   - the token's "cnf": kept with its verification in the verified-token
 *     cache (a hit parses nothing), or from its claims, or from the
 *     introspection answer;
 *   - DPoP: the scheme the token came with, exactly one DPoP header, the
 *     proof (verified on every request: proofs change on every request),
 *     the htu from auth_token_dpop_origin and the request-target as the
 *     client sent it, and last the replay cache in the zone, consulted
 *     only once everything else passed (a refused proof does not consume
 *     its jti);
 *   - certificates: the client certificate of the TLS connection, or the
 *     auth_token_client_cert variable (a load balancer's header).
 *
 * The DPoP parts are ngx_http_auth_token_binding_dpop.c's, the directives
 * ngx_http_auth_token_binding_conf.c's.
 */


/* forwarded certificates whose thumbprint a worker remembers */
#define NGX_HTTP_AUTH_TOKEN_CERTS          64
#define NGX_HTTP_AUTH_TOKEN_CERT_MAX_KEEP  16384


typedef struct {
    u_char                         *value;      /* as forwarded: ngx_alloc */
    size_t                          len;
    ngx_uint_t                      encoding;
    u_char                          x5t[NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN];
} ngx_http_auth_token_cert_t;


typedef struct {
    ngx_http_auth_token_dpop_keys_t  *keys;
    ngx_http_auth_token_cert_t        certs[NGX_HTTP_AUTH_TOKEN_CERTS];
} ngx_http_auth_token_bind_cache_t;


static ngx_int_t ngx_http_auth_token_bind_cert(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *x5t);
static ngx_int_t ngx_http_auth_token_client_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_str_t *x5t);
static ngx_int_t ngx_http_auth_token_cert_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_str_t *value, ngx_str_t *x5t);
static ngx_int_t ngx_http_auth_token_cnf_get(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *jkt, ngx_str_t *x5t,
    ngx_http_auth_token_status_e *status, const char **reason);
static ngx_int_t ngx_http_auth_token_thumbprint_text(ngx_pool_t *pool,
    u_char *raw, ngx_str_t *text);
static ngx_http_auth_token_bind_cache_t *ngx_http_auth_token_bind_cache(
    ngx_http_request_t *r);
static void ngx_http_auth_token_bind_cache_cleanup(void *data);


/*
 * Per worker, answers that outside bytes always get, only those that
 * passed: the keys of DPoP proof headers (dpop.c, by a SHA-256 of the
 * header), the thumbprints of forwarded certificates (the bytes
 * themselves, compared in full).  Direct-mapped; a client that sends the
 * same key or certificate again costs a signature check or a compare, not
 * an OpenSSL import (150 us and more with OpenSSL 3).  Freed with the
 * cycle.
 */

static ngx_http_auth_token_bind_cache_t  *ngx_http_auth_token_bind_cache_p;


/* ------------------------------------------------------------------------
 * BIND
 */

/*
 * NGX_OK: ctx->status is UNCHECKED (the bindings hold, or the location
 * asks for none the token has) or says why not; NGX_ERROR: an internal
 * failure.
 */

ngx_int_t
ngx_http_auth_token_bind(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                      rc;
    ngx_str_t                      jkt, x5t;
    ngx_uint_t                     dpop_scheme;
    const char                    *reason;
    ngx_http_auth_token_ctx_t     *mctx;
    ngx_http_auth_token_status_e   status;

    ngx_str_null(&ctx->dpop_jkt);
    ngx_str_null(&ctx->cnf_x5t);
    ctx->dpop_bound = 0;

    /* the token's confirmation: from a JWT's claims, or the IdP's answer */

    if (ngx_http_auth_token_cnf_get(r, ctx, &jkt, &x5t, &status, &reason)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_http_auth_token_bind_refuse(r, ctx, status, reason);
        return NGX_OK;
    }

    ctx->cnf_x5t = x5t;
    ctx->dpop_bound = (jkt.len != 0);

    /* the scheme a subrequest's token came with is its main request's */

    dpop_scheme = ctx->dpop_scheme;

    if (r != r->main && !dpop_scheme) {
        mctx = ngx_http_auth_token_get_ctx(r->main);

        dpop_scheme = (mctx && mctx->dpop_scheme
                       && mctx->token.data == ctx->token.data);
    }

    ngx_log_debug6(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: cnf jkt %s, x5t#S256 %s%s, scheme %s, "
                   "dpop %ui, cert_binding %ui",
                   jkt.len ? "yes" : "no", x5t.len ? "yes" : "no",
                   ctx->cnf_set ? " (cached)" : "",
                   dpop_scheme ? "DPoP" : "other", alcf->dpop,
                   alcf->cert_binding);

    /* the cheap refusals first; the proof is verified last */

    if (alcf->dpop) {

        if (jkt.len && !dpop_scheme) {
            /* RFC 9449, section 7.1 */
            ngx_http_auth_token_bind_refuse(r, ctx,
                                       NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                       "DPoP-bound token sent without the "
                                       "DPoP scheme");
            return NGX_OK;
        }

        if (jkt.len == 0 && dpop_scheme) {
            ngx_http_auth_token_bind_refuse(r, ctx,
                                       NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                       "Token is not bound to a DPoP key");
            return NGX_OK;
        }

        if (jkt.len == 0 && alcf->dpop == NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED) {
            ngx_http_auth_token_bind_refuse(r, ctx,
                                       NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                       "Token is not DPoP-bound");
            return NGX_OK;
        }
    }

    if (alcf->cert_binding) {
        rc = ngx_http_auth_token_bind_cert(r, alcf, ctx, &x5t);

        if (rc != NGX_OK || ctx->status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
            return rc;
        }
    }

    if (alcf->dpop && jkt.len) {
        return ngx_http_auth_token_bind_dpop(r, alcf, ctx, &jkt);
    }

    return NGX_OK;
}


/*
 * The token's cnf as text: the one the verified-token cache kept (no
 * parsing), or from its claims (a JWT's, or an introspection answer).
 * NGX_OK: *status says whether it could be read; NGX_ERROR.
 */

static ngx_int_t
ngx_http_auth_token_cnf_get(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *jkt, ngx_str_t *x5t,
    ngx_http_auth_token_status_e *status, const char **reason)
{
    json_t      *claims;
    ngx_uint_t   lazy;

    ngx_str_null(jkt);
    ngx_str_null(x5t);

    *status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;

    if (ctx->cnf_set) {

        if (ctx->cnf.has & NGX_HTTP_AUTH_TOKEN_CNF_BAD) {
            *status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            *reason = "Malformed \"cnf\" claim";
            return NGX_OK;
        }

        if ((ctx->cnf.has & NGX_HTTP_AUTH_TOKEN_CNF_JKT)
            && ngx_http_auth_token_thumbprint_text(r->pool, ctx->cnf.jkt, jkt)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        if ((ctx->cnf.has & NGX_HTTP_AUTH_TOKEN_CNF_X5T)
            && ngx_http_auth_token_thumbprint_text(r->pool, ctx->cnf.x5t, x5t)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    lazy = ctx->lazy;

    claims = ngx_http_auth_token_get_claims(r, ctx);

    if (claims == NULL && lazy) {
        return NGX_ERROR;
    }

    *status = ngx_http_auth_token_cnf(claims, jkt, x5t, reason);

    return NGX_OK;
}


/* a SHA-256 as the base64url text of a thumbprint */

static ngx_int_t
ngx_http_auth_token_thumbprint_text(ngx_pool_t *pool, u_char *raw,
    ngx_str_t *text)
{
    ngx_str_t  src;

    text->data = ngx_pnalloc(pool, ngx_base64_encoded_length(
                                       NGX_HTTP_AUTH_TOKEN_HASH_LEN));
    if (text->data == NULL) {
        return NGX_ERROR;
    }

    src.data = raw;
    src.len = NGX_HTTP_AUTH_TOKEN_HASH_LEN;

    ngx_encode_base64url(text, &src);

    return NGX_OK;
}


/*
 * What the verified-token cache keeps of a token's cnf: the values its
 * thumbprints hold (ngx_http_auth_token_cnf() checked that they are
 * base64url of exactly 32 bytes, without stray bits: the text comes back
 * the same), or that it cannot be read.
 */

void
ngx_http_auth_token_cnf_decode(json_t *claims, ngx_http_auth_token_cnf_t *cnf)
{
    ngx_str_t    jkt, x5t, dst;
    const char  *reason;

    ngx_memzero(cnf, sizeof(ngx_http_auth_token_cnf_t));

    if (ngx_http_auth_token_cnf(claims, &jkt, &x5t, &reason)
        != NGX_HTTP_AUTH_TOKEN_UNCHECKED)
    {
        cnf->has = NGX_HTTP_AUTH_TOKEN_CNF_BAD;
        return;
    }

    if (jkt.len) {
        dst.data = cnf->jkt;

        if (ngx_http_auth_token_b64url_decode(&dst, &jkt) != NGX_OK
            || dst.len != NGX_HTTP_AUTH_TOKEN_HASH_LEN)
        {
            cnf->has = NGX_HTTP_AUTH_TOKEN_CNF_BAD;
            return;
        }

        cnf->has |= NGX_HTTP_AUTH_TOKEN_CNF_JKT;
    }

    if (x5t.len) {
        dst.data = cnf->x5t;

        if (ngx_http_auth_token_b64url_decode(&dst, &x5t) != NGX_OK
            || dst.len != NGX_HTTP_AUTH_TOKEN_HASH_LEN)
        {
            cnf->has = NGX_HTTP_AUTH_TOKEN_CNF_BAD;
            return;
        }

        cnf->has |= NGX_HTTP_AUTH_TOKEN_CNF_X5T;
    }
}


/* RFC 8705, section 3: the token's x5t#S256 against the client's */

static ngx_int_t
ngx_http_auth_token_bind_cert(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *x5t)
{
    ngx_int_t  rc;
    ngx_str_t  client;

    if (x5t->len == 0) {

        if (alcf->cert_binding == NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED) {
            ngx_http_auth_token_bind_refuse(r, ctx,
                                       NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                       "Token is not bound to a "
                                       "certificate");
        }

        return NGX_OK;
    }

    rc = ngx_http_auth_token_client_x5t(r, alcf, &client);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                        "No client certificate");
        return NGX_OK;
    }

    if (rc == NGX_ABORT) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                        "Client certificate cannot be read");
        return NGX_OK;
    }

    if (!ngx_http_auth_token_thumbprint_equal(&client, x5t)) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
                                        "Client certificate does not match "
                                        "the token");
        return NGX_OK;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: the client certificate matches");

    return NGX_OK;
}


/*
 * The client certificate's x5t#S256: of the TLS connection's own
 * certificate, or of the auth_token_client_cert variable.  NGX_OK: *x5t;
 * NGX_DECLINED: no certificate; NGX_ABORT: not one certificate;
 * NGX_ERROR: an internal failure.
 */

static ngx_int_t
ngx_http_auth_token_client_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_str_t *x5t)
{
    ngx_str_t     value;
#if (NGX_HTTP_SSL)
    ngx_int_t     rc;
    X509         *cert;
    u_char        md[EVP_MAX_MD_SIZE];
    ngx_str_t     digest;
    unsigned int  len;
#endif

    if (alcf->client_cert) {

        if (ngx_http_complex_value(r, alcf->client_cert, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len == 0) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: bind: auth_token_client_cert is "
                           "empty");
            return NGX_DECLINED;
        }

        return ngx_http_auth_token_cert_x5t(r, alcf, &value, x5t);
    }

#if (NGX_HTTP_SSL)

    /* the certificate the TLS handshake received: $ssl_client_raw_cert */

    if (r->connection->ssl == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: bind: not a TLS connection");
        return NGX_DECLINED;
    }

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    cert = SSL_get0_peer_certificate(r->connection->ssl->connection);
#else
    cert = SSL_get_peer_certificate(r->connection->ssl->connection);
#endif

    if (cert == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: bind: no client certificate");
        return NGX_DECLINED;
    }

    rc = (X509_digest(cert, EVP_sha256(), md, &len) == 1) ? NGX_OK
                                                          : NGX_ERROR;

#if (OPENSSL_VERSION_NUMBER < 0x30000000L)
    X509_free(cert);
#endif

    if (rc != NGX_OK) {
        ngx_ssl_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth_token: X509_digest() failed");
        return NGX_ERROR;
    }

    x5t->data = ngx_pnalloc(r->pool, ngx_base64_encoded_length(len));
    if (x5t->data == NULL) {
        return NGX_ERROR;
    }

    digest.data = md;
    digest.len = len;

    ngx_encode_base64url(x5t, &digest);

    return NGX_OK;

#else

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: nginx is built without TLS");

    return NGX_DECLINED;

#endif
}


/*
 * The thumbprint of a certificate from auth_token_client_cert, remembered
 * with the bytes it came as (a load balancer forwards the same certificate
 * with every request of a client); a hit compares them in full.  As
 * ngx_http_auth_token_client_x5t().
 */

static ngx_int_t
ngx_http_auth_token_cert_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_str_t *value, ngx_str_t *x5t)
{
    u_char                            *copy;
    ngx_int_t                          rc;
    const char                        *err;
    ngx_http_auth_token_cert_t        *c;
    ngx_http_auth_token_bind_cache_t  *bc;

    bc = ngx_http_auth_token_bind_cache(r);

    c = bc ? &bc->certs[ngx_murmur_hash2(value->data, value->len)
                        % NGX_HTTP_AUTH_TOKEN_CERTS]
           : NULL;

    x5t->data = ngx_pnalloc(r->pool, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
    if (x5t->data == NULL) {
        return NGX_ERROR;
    }

    if (c && c->value && c->len == value->len
        && c->encoding == alcf->client_cert_encoding
        && ngx_memcmp(c->value, value->data, value->len) == 0)
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: bind: a certificate seen before");

        ngx_memcpy(x5t->data, c->x5t, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);
        x5t->len = NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN;

        return NGX_OK;
    }

    err = NULL;

    rc = ngx_http_auth_token_cert_thumbprint(r->pool, value,
                                             alcf->client_cert_encoding,
                                             x5t, &err);

    if (rc == NGX_DECLINED) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: bind: auth_token_client_cert: %s", err);
        return NGX_ABORT;
    }

    if (rc != NGX_OK || x5t->len != NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN) {
        return NGX_ERROR;
    }

    if (c == NULL || value->len > NGX_HTTP_AUTH_TOKEN_CERT_MAX_KEEP) {
        return NGX_OK;
    }

    /* not remembering is no failure */

    copy = ngx_alloc(value->len, r->connection->log);
    if (copy == NULL) {
        return NGX_OK;
    }

    if (c->value) {
        ngx_free(c->value);
    }

    ngx_memcpy(copy, value->data, value->len);

    c->value = copy;
    c->len = value->len;
    c->encoding = alcf->client_cert_encoding;
    ngx_memcpy(c->x5t, x5t->data, NGX_HTTP_AUTH_TOKEN_THUMBPRINT_LEN);

    return NGX_OK;
}


/* this worker's caches, made when first needed; NULL: none */

static ngx_http_auth_token_bind_cache_t *
ngx_http_auth_token_bind_cache(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t                *cln;
    ngx_http_auth_token_bind_cache_t  *bc;

    if (ngx_http_auth_token_bind_cache_p) {
        return ngx_http_auth_token_bind_cache_p;
    }

    /* freed with the cycle: at exit, or once a reload replaced it */

    cln = ngx_pool_cleanup_add(ngx_cycle->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    bc = ngx_calloc(sizeof(ngx_http_auth_token_bind_cache_t),
                    r->connection->log);
    if (bc == NULL) {
        return NULL;
    }

    bc->keys = ngx_http_auth_token_dpop_keys_create();

    cln->handler = ngx_http_auth_token_bind_cache_cleanup;
    cln->data = bc;

    ngx_http_auth_token_bind_cache_p = bc;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: the binding caches of this worker: %p", bc);

    return bc;
}


static void
ngx_http_auth_token_bind_cache_cleanup(void *data)
{
    ngx_http_auth_token_bind_cache_t *bc = data;

    ngx_uint_t  i;

    if (ngx_http_auth_token_bind_cache_p == bc) {
        ngx_http_auth_token_bind_cache_p = NULL;
    }

    ngx_http_auth_token_dpop_keys_free(bc->keys);

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_CERTS; i++) {
        if (bc->certs[i].value) {
            ngx_free(bc->certs[i].value);
        }
    }

    ngx_free(bc);
}


/* the per-worker cache of DPoP proof keys (binding_dpop.c); NULL: none */

ngx_http_auth_token_dpop_keys_t *
ngx_http_auth_token_bind_dpop_keys(ngx_http_request_t *r)
{
    ngx_http_auth_token_bind_cache_t  *bc;

    bc = ngx_http_auth_token_bind_cache(r);

    return bc ? bc->keys : NULL;
}


void
ngx_http_auth_token_bind_refuse(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_status_e status,
    const char *reason)
{
    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: %V: %s",
                   ngx_http_auth_token_status_name(status), reason);

    ctx->status = status;
    ctx->reason = reason;
}


/* ------------------------------------------------------------------------
 * $auth_token_cnf_x5t: the token's cnf["x5t#S256"], checked or not
 */

ngx_int_t
ngx_http_auth_token_cnf_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_str_t *x5t)
{
    ngx_str_t                      jkt;
    const char                    *reason;
    ngx_http_auth_token_status_e   status;

    if (ctx->cnf_x5t.len) {
        *x5t = ctx->cnf_x5t;
        return NGX_OK;
    }

    ngx_str_null(x5t);

    if (ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
        return NGX_OK;
    }

    if (ngx_http_auth_token_cnf_get(r, ctx, &jkt, x5t, &status, &reason)
        != NGX_OK
        || status != NGX_HTTP_AUTH_TOKEN_UNCHECKED)
    {
        ngx_str_null(x5t);
    }

    return NGX_OK;
}
