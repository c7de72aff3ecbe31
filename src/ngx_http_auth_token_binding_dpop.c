
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_binding.h"
#include "ngx_http_auth_token_binding_dpop.h"
#include "ngx_http_auth_token_answer.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_zone.h"


/*
 * DPoP on the request (RFC 9449): the DPoP scheme beside the location's
 * own (FIND), the proof of a DPoP-bound token checked against the request
 * and the replay cache (BIND, called by ngx_http_auth_token_bind()), and
 * the DPoP challenge of a refusal.  A subrequest checks its main
 * request's proof (the client signed the main request's method and URI).
 * The jti a client request consumed is remembered in the main request's
 * context (dpop_seen), so that the same request checked again (an
 * internal redirect, a subrequest) is not a replay of itself.
 */


static ngx_uint_t ngx_http_auth_token_scheme_is_dpop(ngx_str_t *scheme);
static ngx_int_t ngx_http_auth_token_dpop_header(ngx_http_request_t *r,
    ngx_str_t *proof);


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
 * BIND: the proof of a DPoP-bound token
 */

/*
 * RFC 9449, section 4.3: the DPoP header, the proof, then the replay
 * cache.  jkt: the token's cnf.jkt.
 */

ngx_int_t
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
    ngx_http_auth_token_dpop_keys_t     *keys;
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

    keys = ngx_http_auth_token_bind_dpop_keys(r);

    status = ngx_http_auth_token_dpop_parse_cached(r->pool, &proof,
                                                   alcf->dpop_algs, &p,
                                                   &reason, keys);

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
    ngx_str_t                         err;
    ngx_uint_t                        only, ours;
    ngx_table_elt_t                  *h;
    ngx_http_auth_token_challenge_t   c;

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

    ngx_str_set(&c.scheme, "DPoP");
    c.realm = realm;
    c.error = err;
    c.reason = reason;
    c.scope = (err.len && *scope) ? &alcf->scope_text : NULL;
    ngx_str_set(&c.param, "algs");
    c.value = alcf->dpop_algs_text;

    h = ngx_http_auth_token_challenge_push(r, &c);
    if (h == NULL) {
        return NGX_ERROR;
    }

    if (err.len) {
        error->len = 0;
        *scope = 0;
    }

    r->headers_out.www_authenticate = h;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: DPoP challenge%s%s",
                   err.len ? " with the error" : "",
                   only ? ", no other" : "");

    return only ? NGX_DONE : NGX_OK;
}
