
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_binding.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_thumbprint.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_zone.h"

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
 * A subrequest checks its main request's proof (the client signed the
 * main request's method and URI).  The jti a client request consumed is
 * remembered in the main request's context (dpop_seen), so that the same
 * request checked again (an internal redirect, a subrequest) is not a
 * replay of itself.
 */


#define NGX_HTTP_AUTH_TOKEN_DPOP_WINDOW  60

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


static ngx_int_t ngx_http_auth_token_bind_dpop(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *jkt);
static ngx_int_t ngx_http_auth_token_bind_cert(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *x5t);
static ngx_int_t ngx_http_auth_token_client_x5t(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_str_t *x5t);
static ngx_int_t ngx_http_auth_token_dpop_header(ngx_http_request_t *r,
    ngx_str_t *proof);
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
static ngx_uint_t ngx_http_auth_token_scheme_is_dpop(ngx_str_t *scheme);
static void ngx_http_auth_token_bind_refuse(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_status_e status,
    const char *reason);


ngx_conf_enum_t  ngx_http_auth_token_bind_modes[] = {
    { ngx_string("off"), NGX_HTTP_AUTH_TOKEN_BIND_OFF },
    { ngx_string("on"), NGX_HTTP_AUTH_TOKEN_BIND_ON },
    { ngx_string("required"), NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_auth_token_cert_encodings[] = {
    { ngx_string("auto"), NGX_HTTP_AUTH_TOKEN_CERT_AUTO },
    { ngx_string("pem"), NGX_HTTP_AUTH_TOKEN_CERT_PEM },
    { ngx_string("escaped"), NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED },
    { ngx_string("base64"), NGX_HTTP_AUTH_TOKEN_CERT_BASE64 },
    { ngx_null_string, 0 }
};


static ngx_str_t  ngx_http_auth_token_dpop_default_origin =
    ngx_string("$scheme://$host");


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
 * Configuration
 */

/* auth_token_dpop_algs alg ...; asymmetric algorithms only */

char *
ngx_http_auth_token_dpop_algs(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_int_t    alg;
    ngx_str_t   *value;
    ngx_uint_t   i, algs;

    if (alcf->dpop_algs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    algs = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        alg = ngx_http_auth_token_alg_by_name(value[i].data, value[i].len);

        if (alg == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown algorithm \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (!(NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg)
              & NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" cannot sign DPoP proofs: a proof is "
                               "signed with the client's private key, an "
                               "asymmetric algorithm", &value[i]);
            return NGX_CONF_ERROR;
        }

        algs |= NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg);
    }

    alcf->dpop_algs = algs;

    if (ngx_http_auth_token_dpop_algs_text(cf->pool, algs,
                                           &alcf->dpop_algs_text)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* auth_token_client_cert $variable [encoding=auto|pem|escaped|base64]; */

char *
ngx_http_auth_token_client_cert(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value, s;
    ngx_uint_t                         i;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->client_cert != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* a literal would be the same certificate for every client */

    if (ngx_http_script_variables_count(&value[1]) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a variable: the client "
                           "certificate comes from the request "
                           "($ssl_client_raw_cert, or a header set by a "
                           "load balancer)", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->client_cert_encoding = NGX_HTTP_AUTH_TOKEN_CERT_AUTO;

    if (cf->args->nelts == 3) {

        if (ngx_strncmp(value[2].data, "encoding=", 9) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 9;
        s.len = value[2].len - 9;

        for (i = 0; ngx_http_auth_token_cert_encodings[i].name.len; i++) {
            if (ngx_http_auth_token_cert_encodings[i].name.len == s.len
                && ngx_strncmp(ngx_http_auth_token_cert_encodings[i].name.data,
                               s.data, s.len)
                   == 0)
            {
                break;
            }
        }

        if (ngx_http_auth_token_cert_encodings[i].name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", expected "
                               "encoding=auto, pem, escaped or base64",
                               &value[2]);
            return NGX_CONF_ERROR;
        }

        alcf->client_cert_encoding =
                                  ngx_http_auth_token_cert_encodings[i].value;
    }

    alcf->client_cert = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->client_cert == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->client_cert;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void
ngx_http_auth_token_binding_create(ngx_http_auth_token_loc_conf_t *conf)
{
    conf->dpop = NGX_CONF_UNSET_UINT;
    conf->dpop_algs = NGX_CONF_UNSET_UINT;
    conf->dpop_origin = NGX_CONF_UNSET_PTR;
    conf->dpop_window = NGX_CONF_UNSET;
    conf->cert_binding = NGX_CONF_UNSET_UINT;
    conf->client_cert = NGX_CONF_UNSET_PTR;
}


/*
 * Inheritance, defaults, and the configurations that would look protected
 * but cannot be: refused at nginx -t.  Without "auth_token" in the
 * location these directives are inert, like every other of the module.
 */

char *
ngx_http_auth_token_binding_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *prev,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_str_t                           out, slash;
    ngx_http_auth_token_main_conf_t    *amcf;
    ngx_http_compile_complex_value_t    ccv;

    ngx_conf_merge_uint_value(conf->dpop, prev->dpop,
                              NGX_HTTP_AUTH_TOKEN_BIND_OFF);
    ngx_conf_merge_value(conf->dpop_window, prev->dpop_window,
                         NGX_HTTP_AUTH_TOKEN_DPOP_WINDOW);
    ngx_conf_merge_uint_value(conf->cert_binding, prev->cert_binding,
                              NGX_HTTP_AUTH_TOKEN_BIND_OFF);

    if (conf->dpop_algs == NGX_CONF_UNSET_UINT) {

        if (prev->dpop_algs == NGX_CONF_UNSET_UINT) {
            prev->dpop_algs = NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT;

            if (ngx_http_auth_token_dpop_algs_text(cf->pool, prev->dpop_algs,
                                                   &prev->dpop_algs_text)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }
        }

        conf->dpop_algs = prev->dpop_algs;
        conf->dpop_algs_text = prev->dpop_algs_text;
    }

    if (conf->dpop_origin == NGX_CONF_UNSET_PTR) {

        /* the default, compiled once for all that inherit it */

        if (prev->dpop_origin == NGX_CONF_UNSET_PTR) {
            prev->dpop_origin = ngx_palloc(cf->pool,
                                           sizeof(ngx_http_complex_value_t));
            if (prev->dpop_origin == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &ngx_http_auth_token_dpop_default_origin;
            ccv.complex_value = prev->dpop_origin;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }
        }

        conf->dpop_origin = prev->dpop_origin;
    }

    if (conf->client_cert == NGX_CONF_UNSET_PTR) {
        if (prev->client_cert == NGX_CONF_UNSET_PTR) {
            conf->client_cert = NULL;

        } else {
            conf->client_cert = prev->client_cert;
            conf->client_cert_encoding = prev->client_cert_encoding;
        }
    }

    /* an origin without variables can be checked now */

    if (conf->dpop_origin->lengths == NULL) {
        ngx_str_set(&slash, "/");

        if (ngx_http_auth_token_dpop_htu(cf->pool, &conf->dpop_origin->value,
                                         &slash, &out)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_token_dpop_origin\" \"%V\" is not an "
                               "http or https origin "
                               "(scheme://host[:port][/prefix])",
                               &conf->dpop_origin->value);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->realm == NULL || conf->dpop == NGX_HTTP_AUTH_TOKEN_BIND_OFF) {
        return NGX_CONF_OK;
    }

    /* RFC 9449, section 7.1: a DPoP token comes in "Authorization: DPoP" */

    if (conf->token) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_dpop\" cannot be used with "
                           "\"auth_token ... token=%V\": a DPoP-bound token "
                           "comes in the Authorization header",
                           &conf->token->value);
        return NGX_CONF_ERROR;
    }

    /* without the replay cache, a proof seen once could be replayed */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);

    if (amcf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_dpop\" needs \"auth_token_zone\": "
                           "the replay cache of DPoP proofs, shared by all "
                           "workers, lives in the zone");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* ------------------------------------------------------------------------
 * FIND: "Authorization: DPoP <token>", beside the location's own scheme
 */

/*
 * Called with rc, what the Authorization header gave for the location's
 * own scheme (NGX_DECLINED: another scheme): tries DPoP then, and
 * remembers whether the token came with the DPoP scheme.
 */

ngx_int_t
ngx_http_auth_token_dpop_scheme(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t rc, ngx_str_t *token)
{
    ngx_str_t  *value, dpop;

    /* the header find() read: the client's, also once removed */

    if (ctx->client_auth.data) {
        value = &ctx->client_auth;

    } else if (r->headers_in.authorization) {
        value = &r->headers_in.authorization->value;

    } else {
        return rc;
    }

    if (rc == NGX_OK) {
        /* "auth_token_scheme DPoP" */
        ctx->dpop_scheme = ngx_http_auth_token_scheme_is_dpop(&alcf->scheme);
        return rc;
    }

    if (rc != NGX_DECLINED) {
        return rc;
    }

    ngx_str_set(&dpop, "DPoP");

    rc = ngx_http_auth_token_parse_authorization(value, &dpop, token);

    ctx->dpop_scheme = (rc == NGX_OK);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: the DPoP scheme: %i", rc);

    return rc;
}


static ngx_uint_t
ngx_http_auth_token_scheme_is_dpop(ngx_str_t *scheme)
{
    return scheme->len == 4
           && ngx_strncasecmp(scheme->data, (u_char *) "DPoP", 4) == 0;
}


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


/*
 * RFC 9449, section 4.3: the DPoP header, the proof, then the replay
 * cache.  jkt: the token's cnf.jkt.
 */

static ngx_int_t
ngx_http_auth_token_bind_dpop(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *jkt)
{
    time_t                               expires;
    u_char                               key[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_int_t                            rc;
    ngx_str_t                            proof, origin;
    const char                          *reason;
    ngx_http_auth_token_ctx_t           *mctx;
    ngx_http_auth_token_dpop_t           p;
    ngx_http_auth_token_zone_t          *zone;
    ngx_http_auth_token_status_e         status;
    ngx_http_auth_token_main_conf_t     *amcf;
    ngx_http_auth_token_bind_cache_t    *bc;
    ngx_http_auth_token_dpop_request_t   req;

    /* check 1: exactly one DPoP header, of a bounded size */

    rc = ngx_http_auth_token_dpop_header(r, &proof);

    if (rc == NGX_DECLINED) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
                                        "No DPoP proof");
        return NGX_OK;
    }

    if (rc == NGX_BUSY) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
                                        "More than one DPoP proof");
        return NGX_OK;
    }

    if (proof.len > NGX_HTTP_AUTH_TOKEN_DPOP_MAX_LENGTH) {
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
                                        "DPoP proof is too long");
        return NGX_OK;
    }

    /* checks 2 to 7: the proof itself, signed by its own key */

    bc = ngx_http_auth_token_bind_cache(r);

    status = ngx_http_auth_token_dpop_parse_cached(r->pool, &proof,
                                                   alcf->dpop_algs, &p,
                                                   &reason,
                                                   bc ? bc->keys : NULL);

    if (status == NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR) {
        return NGX_ERROR;
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_http_auth_token_bind_refuse(r, ctx, status, reason);
        return NGX_OK;
    }

    ctx->dpop_jkt = p.jkt;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: DPoP proof signature verified, "
                   "key %V", &p.jkt);

    /*
     * checks 8 to 12 against the request the client sent: a subrequest's
     * is its main request's
     */

    if (ngx_http_complex_value(r, alcf->dpop_origin, &origin) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_auth_token_dpop_htu(r->pool, &origin, &r->main->unparsed_uri,
                                      &req.htu);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_token: \"auth_token_dpop_origin\" gives \"%V\", "
                      "which is not an http or https origin",
                      ngx_http_auth_token_log_escape(r->pool, origin.data,
                                                     origin.len));
        return NGX_ERROR;
    }

    req.method = r->main->method_name;
    req.token = ctx->token;
    req.jkt = *jkt;
    req.now = ngx_time();
    req.window = alcf->dpop_window;
    req.leeway = alcf->leeway;

    status = ngx_http_auth_token_dpop_check(r->pool, &p, &req, &expires,
                                            &reason);

    if (status == NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR) {
        return NGX_ERROR;
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_http_auth_token_bind_refuse(r, ctx, status, reason);
        return NGX_OK;
    }

    /* last, check 11's jti: a refused proof never consumes its jti */

    if (ngx_http_auth_token_dpop_replay_key(&p, key) != NGX_OK) {
        return NGX_ERROR;
    }

    mctx = (r == r->main) ? ctx : ngx_http_auth_token_request_ctx(r->main);

    if (mctx == NULL) {
        return NGX_ERROR;
    }

    if (mctx->dpop_seen
        && ngx_memcmp(mctx->dpop_seen, key, NGX_HTTP_AUTH_TOKEN_HASH_LEN) == 0)
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: bind: this request's own jti, "
                       "already recorded");
        return NGX_OK;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);
    zone = amcf->zone->data;

    rc = ngx_http_auth_token_zone_dpop_jti(zone, key, expires);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: replay cache: %i, until %T",
                   rc, expires);

    switch (rc) {

    case NGX_OK:
        break;

    case NGX_DECLINED:
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
                                        "DPoP proof has been used before");
        return NGX_OK;

    case NGX_BUSY:
        ngx_http_auth_token_bind_refuse(r, ctx,
                                        NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
                                        "DPoP proof is too old to be checked "
                                        "for replay");
        return NGX_OK;

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_token: no room in zone \"%V\" for the jti of a "
                      "DPoP proof", &zone->name);
        return NGX_ERROR;
    }

    mctx->dpop_seen = ngx_pnalloc(r->pool, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    if (mctx->dpop_seen == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(mctx->dpop_seen, key, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: bind: DPoP proof accepted");

    return NGX_OK;
}


/*
 * The main request's DPoP header (RFC 9449, section 4.3, check 1).
 * NGX_OK: *proof; NGX_DECLINED: none; NGX_BUSY: more than one.
 */

static ngx_int_t
ngx_http_auth_token_dpop_header(ngx_http_request_t *r, ngx_str_t *proof)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = 0;
    part = &r->main->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0 || h[i].key.len != 4
            || ngx_strncasecmp(h[i].key.data, (u_char *) "dpop", 4) != 0)
        {
            continue;
        }

        if (n++) {
            return NGX_BUSY;
        }

        *proof = h[i].value;
    }

    return n ? NGX_OK : NGX_DECLINED;
}


static void
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
 * The DPoP challenge (RFC 9449, section 7.1)
 */

/*
 * Called by the refusal before the challenge of the location's own scheme
 * (auth_token_scheme): the DPoP challenge carries the error when the
 * refusal is about DPoP (a proof, a DPoP-bound token, the DPoP scheme) or
 * when only DPoP is accepted; *error and *scope are then cleared, so that
 * the other challenge is a bare one.  NGX_OK: the other challenge
 * follows; NGX_DONE: it does not (auth_token_dpop required: bearer tokens
 * are not accepted); NGX_ERROR.
 */

ngx_int_t
ngx_http_auth_token_dpop_challenge(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_str_t *realm, ngx_str_t *error, ngx_str_t *reason, ngx_uint_t *scope)
{
    u_char           *p;
    size_t            len;
    ngx_str_t         err;
    ngx_uint_t        only, ours;
    ngx_table_elt_t  *h;

    only = alcf->dpop == NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED
           || ngx_http_auth_token_scheme_is_dpop(&alcf->scheme);

    ours = only
           || ctx->status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
           || ctx->dpop_scheme
           || ctx->dpop_bound;

    ngx_str_null(&err);

    if (ours && error->len) {
        err = *error;

        if (ctx->status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF) {
            ngx_str_set(&err, "invalid_dpop_proof");
        }
    }

    len = sizeof("DPoP realm=\"\"") - 1 + realm->len * 2
          + sizeof(", algs=\"\"") - 1 + alcf->dpop_algs_text.len;

    if (err.len) {
        len += sizeof(", error=\"\", error_description=\"\"") - 1
               + err.len + reason->len * 2;

        if (*scope) {
            len += sizeof(", scope=\"\"") - 1 + alcf->scope_text.len * 2;
        }
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = p;

    p = ngx_cpymem(p, "DPoP realm=", sizeof("DPoP realm=") - 1);
    p = ngx_http_auth_token_quote(p, realm);

    if (err.len) {
        p = ngx_cpymem(p, ", error=\"", sizeof(", error=\"") - 1);
        p = ngx_cpymem(p, err.data, err.len);
        p = ngx_cpymem(p, "\", error_description=",
                       sizeof("\", error_description=") - 1);
        p = ngx_http_auth_token_quote(p, reason);

        if (*scope) {
            p = ngx_cpymem(p, ", scope=", sizeof(", scope=") - 1);
            p = ngx_http_auth_token_quote(p, &alcf->scope_text);
        }

        error->len = 0;
        *scope = 0;
    }

    p = ngx_cpymem(p, ", algs=\"", sizeof(", algs=\"") - 1);
    p = ngx_cpymem(p, alcf->dpop_algs_text.data, alcf->dpop_algs_text.len);
    *p++ = '"';

    h->value.len = p - h->value.data;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.www_authenticate = h;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: DPoP challenge%s%s",
                   err.len ? " with the error" : "",
                   only ? ", no other" : "");

    return only ? NGX_DONE : NGX_OK;
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
