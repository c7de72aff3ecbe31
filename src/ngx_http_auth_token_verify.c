
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_claims.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_source.h"
#include "ngx_http_auth_token_zone.h"
#include "ngx_http_auth_token_metrics.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_binding.h"


/*
 * JWT verification with the verified-token cache (the LOOKUP and VERIFY
 * steps).  A JWT that verified is remembered in the zone by a SHA-256 of
 * its bytes, with the fingerprint of the key that verified it, its alg and
 * its times.  When the same bytes come again, the token is not even
 * decoded: the hit counts while a key with that fingerprint that may
 * verify that alg is still configured in the location, and for as long as
 * the location trusts a verification (auth_token_cache_valid).  Claims and
 * the JOSE header are parsed only when something asks for them.
 */


static ngx_int_t ngx_http_auth_token_decode(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason,
    ngx_http_auth_token_status_e *status);
static ngx_int_t ngx_http_auth_token_parse_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason);
static ngx_uint_t ngx_http_auth_token_remember(
    ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_zone_t *zone, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_key_t *key);


/*
 * A token verified before, by the hash of its bytes: a candidate for a
 * hit, confirmed once the location's keys are known.  NGX_OK: a candidate;
 * NGX_DECLINED: none.
 */

ngx_int_t
ngx_http_auth_token_lookup(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char                           *p, *last;
    ngx_str_t                         parts[2];
    ngx_uint_t                        dots;
    ngx_http_auth_token_verified_t    v;
    ngx_http_auth_token_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

    if (!alcf->cache_jwt || amcf->zone == NULL) {
        return NGX_DECLINED;
    }

    /* an opaque token is not looked for: a JWS has exactly two dots */

    p = ctx->token.data;
    last = p + ctx->token.len;

    for (dots = 0; dots < 3; dots++) {
        p = memchr(p, '.', last - p);      /* glibc's is vectorized */

        if (p == NULL) {
            break;
        }

        p++;
    }

    if (dots != 2) {
        return NGX_DECLINED;
    }

    parts[0].data = (u_char *) "jwt";
    parts[0].len = 3;
    parts[1] = ctx->token;

    if (ngx_http_auth_token_sha256(ctx->hash, NULL, parts, 2) != NGX_OK) {
        return NGX_DECLINED;
    }

    ctx->hashed = 1;

    if (ngx_http_auth_token_zone_get_verified(amcf->zone->data, ctx->hash, &v)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /* verified longer ago than this location trusts a verification */

    if (ngx_time() - v.verified >= alcf->cache_jwt) {
        return NGX_DECLINED;
    }

    ctx->hit = 1;
    ctx->lazy = 1;
    ctx->times.has = v.times_has;
    ctx->times.exp = v.exp;
    ctx->times.nbf = v.nbf;
    ctx->times_set = 1;
    ctx->cnf.has = v.cnf_has;
    ngx_memcpy(ctx->cnf.jkt, v.jkt, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    ngx_memcpy(ctx->cnf.x5t, v.x5t, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    ctx->cnf_set = 1;
    ctx->alg = v.alg;
    ctx->at_jwt = v.at_jwt;
    ctx->jwt = 1;
    ngx_memcpy(ctx->key_fp, v.fp, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    ngx_memcpy(ctx->iss, v.iss, NGX_HTTP_AUTH_TOKEN_ISS_LEN);

    return NGX_OK;
}


/*
 * Where issuers have keys of their own: the token's issuer, from its "iss"
 * (read before the signature is checked: it only chooses the keys that
 * may verify it), or from the verified-token cache.  NGX_DECLINED: an
 * issuer not listed, refused before any call to an identity provider.
 */

ngx_int_t
ngx_http_auth_token_select_issuer(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    json_t                        *iss;
    ngx_http_auth_token_issuer_t  *found;

    if (!ctx->hit) {
        if (ctx->claims == NULL
            && ngx_http_auth_token_parse_claims(r, ctx, &ctx->reason)
               != NGX_OK)
        {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            return NGX_DECLINED;
        }

        iss = json_object_get(ctx->claims, "iss");

        if (!json_is_string(iss)) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: a token without issuer");

            ctx->status = NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER;
            ctx->reason = "Token issuer not accepted";
            return NGX_DECLINED;
        }

        if (ngx_http_auth_token_issuer_id(ctx->iss,
                                          (u_char *) json_string_value(iss),
                                          json_string_length(iss))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    found = ngx_http_auth_token_issuer_find(alcf->bound, ctx->iss);

    if (found == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: an issuer not listed");

        ctx->status = NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER;
        ctx->reason = "Token issuer not accepted";
        return NGX_DECLINED;
    }

    ctx->issuer = (found->jwks || found->keysets) ? found : NULL;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: issuer \"%V\", keys %s", &found->iss,
                   ctx->issuer ? "of its own" : "of the location");

    return NGX_OK;
}


/*
 * Splits and decodes the token and reads its JOSE header.  NGX_DECLINED:
 * not a JWT we accept, ctx->status says why.
 */

ngx_int_t
ngx_http_auth_token_parse(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                     rc;
    ngx_http_auth_token_status_e  status;

    rc = ngx_http_auth_token_decode(r, ctx, &ctx->reason, &status);

    if (rc == NGX_DECLINED) {
        ctx->status = status;
    }

    return rc;
}


static ngx_int_t
ngx_http_auth_token_decode(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason,
    ngx_http_auth_token_status_e *status)
{
    size_t       len;
    json_t      *typ;
    const char  *s;

    if (ctx->jws == NULL) {
        ctx->jws = ngx_palloc(r->pool, sizeof(ngx_http_auth_token_jws_t));
        if (ctx->jws == NULL) {
            return NGX_ERROR;
        }
    }

    *status = ngx_http_auth_token_jws_parse(r->pool, &ctx->token, ctx->jws,
                                            reason);

    if (*status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: not a JWT we accept: %s", *reason);
        return NGX_DECLINED;
    }

    ctx->jwt = 1;

    /* RFC 9068, section 4: "at+jwt", or with its "application/" prefix */

    typ = json_object_get(ctx->jws->header, "typ");
    ctx->at_jwt = 0;

    if (json_is_string(typ)) {
        s = json_string_value(typ);
        len = json_string_length(typ);

        if (len > sizeof("application/") - 1
            && ngx_strncasecmp((u_char *) s, (u_char *) "application/",
                               sizeof("application/") - 1)
               == 0)
        {
            s += sizeof("application/") - 1;
            len -= sizeof("application/") - 1;
        }

        ctx->at_jwt = (len == sizeof("at+jwt") - 1
                       && ngx_strncasecmp((u_char *) s, (u_char *) "at+jwt",
                                          len)
                          == 0);
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: JWT alg %ui, kid length %uz, at+jwt: %ui",
                   ctx->jws->alg, ctx->jws->kid.len, (ngx_uint_t) ctx->at_jwt);

    return NGX_OK;
}


/*
 * Verifies the token with the location's keys: those of files and this
 * worker's copy of the remote key set.  NGX_OK: ctx->status says the
 * result (UNCHECKED: the signature holds); NGX_AGAIN: the request waits
 * for keys; NGX_ERROR: an internal failure.
 */

ngx_int_t
ngx_http_auth_token_verify(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                          rc;
    ngx_uint_t                         n, found;
    const char                        *reason;
    ngx_array_t                       *files;
    ngx_http_auth_token_key_t         *key;
    ngx_http_auth_token_keys_t        *remote;
    ngx_http_auth_token_zone_t        *zone;
    ngx_http_auth_token_source_t      *src;
    ngx_http_auth_token_status_e       status;
    ngx_http_auth_token_keyset_t     **ks;
    ngx_http_auth_token_main_conf_t   *amcf;

    /* the location's keys, or those of the token's issuer */

    files = ngx_http_auth_token_keysets_of(alcf, ctx);
    src = ngx_http_auth_token_source_of(alcf, ctx);

    n = files ? files->nelts : 0;

    ks = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_http_auth_token_keyset_t *));
    if (ks == NULL) {
        return NGX_ERROR;
    }

again:

    n = files ? files->nelts : 0;

    if (n) {
        ngx_memcpy(ks, files->elts,
                   n * sizeof(ngx_http_auth_token_keyset_t *));
    }

    if (src) {
        remote = ngx_http_auth_token_keys_of(r, alcf, ctx);
        if (remote == NULL) {
            return NGX_ERROR;
        }

        if (remote->keyset) {
            ks[n++] = remote->keyset;
        }
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);
    zone = (ctx->hashed && amcf->zone) ? amcf->zone->data : NULL;

    /*
     * This exact token was verified before: no signature check if a key
     * with the same material and kid, allowed to verify its alg, is still
     * configured here
     */

    if (ctx->hit) {

        if (ngx_http_auth_token_find_fp(ks, n, ctx->key_fp, ctx->alg)) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: verified-token cache hit");

            ctx->jwt_cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
            ngx_http_auth_token_count_cache(r, NGX_HTTP_AUTH_TOKEN_M_TOKEN,
                                            NGX_HTTP_AUTH_TOKEN_M_HIT);
            return NGX_OK;
        }

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: the key of a cached token is gone");

        ctx->hit = 0;
        ctx->lazy = 0;
        ctx->times_set = 0;
        ctx->cnf_set = 0;

        rc = ngx_http_auth_token_parse(r, ctx);

        if (rc == NGX_DECLINED) {
            return NGX_OK;
        }

        if (rc != NGX_OK) {
            return rc;
        }
    }

    if (zone && ctx->jwt_cache != NGX_HTTP_AUTH_TOKEN_CACHE_MISS) {
        ctx->jwt_cache = NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
        ngx_http_auth_token_count_cache(r, NGX_HTTP_AUTH_TOKEN_M_TOKEN,
                                        NGX_HTTP_AUTH_TOKEN_M_MISS);
    }

    status = ngx_http_auth_token_jws_verify(ctx->jws, ks, n, &key, &found,
                                            &reason);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: signature check over %ui key sets: %ui",
                   n, (ngx_uint_t) status);

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
        || status == NGX_HTTP_AUTH_TOKEN_BAD_SIGNATURE)
    {
        ngx_http_auth_token_count_verification(r, ctx->jws->alg);
    }

    if (status == NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY
        && ctx->jws->kid.data && !found)
    {
        /* maybe the provider rotated its keys: ask again, rate-limited */

        rc = ngx_http_auth_token_keys_refetch(r, alcf, ctx);

        if (rc == NGX_OK) {
            goto again;
        }

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ctx->status = status;
        ctx->reason = reason;
        return NGX_OK;
    }

    /* the signature holds: now the claims may be parsed (if not yet) */

    if (ctx->claims == NULL
        && ngx_http_auth_token_parse_claims(r, ctx, &ctx->reason) != NGX_OK)
    {
        ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
        return NGX_OK;
    }

    status = ngx_http_auth_token_claim_times(ctx->claims, &ctx->times,
                                             &reason);
    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ctx->status = status;
        ctx->reason = reason;
        return NGX_OK;
    }

    ctx->times_set = 1;
    ctx->alg = ctx->jws->alg;

    if (zone && ngx_http_auth_token_remember(alcf, zone, ctx, key)) {
        ngx_http_auth_token_count_cache(r, NGX_HTTP_AUTH_TOKEN_M_TOKEN,
                                        NGX_HTTP_AUTH_TOKEN_M_STORE);
    }

    return NGX_OK;
}


/* the claims of a verified token: a JSON object of bounded size */

static ngx_int_t
ngx_http_auth_token_parse_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason)
{
    json_t      *claims;
    const char  *err;

    claims = ngx_http_auth_token_json_parse(r->pool,
                                            ctx->jws->payload_json.data,
                                            ctx->jws->payload_json.len,
                                            NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                            &err);

    if (claims == NULL || !json_is_object(claims)) {
        *reason = "Malformed token claims";
        return NGX_ERROR;
    }

    if (json_object_size(claims) > NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS) {
        *reason = "Too many claims";
        return NGX_ERROR;
    }

    ctx->claims = claims;
    ctx->lazy = 0;

    return NGX_OK;
}


/*
 * A verified token is remembered until it expires, at most cache_valid;
 * the location's own checks still run on every request.
 */

static ngx_uint_t
ngx_http_auth_token_remember(ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_zone_t *zone, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_key_t *key)
{
    u_char                           id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    time_t                           now;
    json_t                          *iss;
    ngx_http_auth_token_cnf_t        cnf;
    ngx_http_auth_token_verified_t   v;

    now = ngx_time();

    ngx_memzero(&v, sizeof(ngx_http_auth_token_verified_t));

    /* which issuer vouched, for locations with keys per issuer */

    iss = json_object_get(ctx->claims, "iss");

    if (json_is_string(iss)) {
        if (ngx_http_auth_token_issuer_id(id,
                                          (u_char *) json_string_value(iss),
                                          json_string_length(iss))
            != NGX_OK)
        {
            return 0;
        }

        ngx_memcpy(v.iss, id, NGX_HTTP_AUTH_TOKEN_ISS_LEN);
    }

    ngx_http_auth_token_cnf_decode(ctx->claims, &cnf);

    v.expires = now + alcf->cache_jwt;
    v.verified = now;
    v.exp = ctx->times.exp;
    v.nbf = ctx->times.nbf;
    v.times_has = (u_char) ctx->times.has;
    v.cnf_has = (u_char) cnf.has;
    v.alg = (u_char) ctx->jws->alg;
    v.at_jwt = ctx->at_jwt;
    ngx_memcpy(v.fp, key->fp, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    ngx_memcpy(v.jkt, cnf.jkt, NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    ngx_memcpy(v.x5t, cnf.x5t, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    if (v.times_has & NGX_HTTP_AUTH_TOKEN_HAS_EXP) {

        if (v.exp <= (double) now) {
            return 0;
        }

        /* within (now, expires): the conversion cannot overflow */

        if (v.exp < (double) v.expires) {
            v.expires = (time_t) v.exp;
        }
    }

    if (v.expires <= now) {
        return 0;
    }

    ngx_http_auth_token_zone_put_verified(zone, ctx->hash, &v);

    return 1;
}


/*
 * The claims, parsed when first asked for after a cache hit: for a claim
 * check, header or variable.  NULL if there are none.
 */

json_t *
ngx_http_auth_token_get_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    const char                    *reason;
    ngx_http_auth_token_status_e   status;

    if (ctx->lazy) {
        ctx->lazy = 0;

        if ((ctx->jws == NULL
             && ngx_http_auth_token_decode(r, ctx, &reason, &status)
                != NGX_OK)
            || ngx_http_auth_token_parse_claims(r, ctx, &reason) != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "auth_token: a cached token no longer parses");
            return NULL;
        }
    }

    return ctx->claims;
}


/* the JOSE header, decoded when first asked for after a cache hit */

json_t *
ngx_http_auth_token_get_jws_header(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    const char                    *reason;
    ngx_http_auth_token_status_e   status;

    if (ctx->jws == NULL && ctx->hit) {
        if (ngx_http_auth_token_decode(r, ctx, &reason, &status) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "auth_token: a cached token no longer parses");
            return NULL;
        }
    }

    return ctx->jws ? ctx->jws->header : NULL;
}


/* claims from elsewhere (an introspection answer) replace the token's */

void
ngx_http_auth_token_set_claims(ngx_http_auth_token_ctx_t *ctx,
    json_t *claims)
{
    ctx->claims = claims;
    ctx->lazy = 0;
    ctx->times_set = 0;
    ctx->cnf_set = 0;
}
