
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_source.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_identity.h"


/*
 * Where a location's keys come from, as configured: remote sources
 * (auth_token_jwks_request, an issuer's jwks=, a discovery document),
 * shared by the locations of a server, and issuers bound to keys of their
 * own (auth_token_issuer ... jwks= | jwks_file=), found again by the hash
 * of a token's "iss".  The documents themselves are fetched and kept by
 * the scheduler (ngx_http_auth_token_keyset.c).
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_SETS  100


static char  *ngx_http_auth_token_source_kinds[] = {
    "jwks", "jwks-discovered", "discovery"
};


static ngx_int_t ngx_http_auth_token_issuer_cmp(const void *one,
    const void *two);


/*
 * At merge time: the source of a URI (auth_token_jwks_request, or an
 * issuer's jwks=), shared by every location of the server with the same
 * URI (as written).  NULL: an error, logged.
 */

ngx_http_auth_token_source_t *
ngx_http_auth_token_source_get(ngx_conf_t *cf, ngx_str_t *uri,
    ngx_uint_t max, ngx_uint_t type, ngx_array_t *issuers, char *what)
{
    u_char                             id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_uint_t                         i;
    ngx_pool_cleanup_t                *cln;
    ngx_http_core_srv_conf_t          *cscf;
    ngx_http_compile_complex_value_t   ccv;
    ngx_http_auth_token_keys_t        *ks;
    ngx_http_auth_token_source_t      *src, **srcp;
    ngx_http_auth_token_main_conf_t   *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);
    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (amcf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" requires \"auth_token_zone\"", what);
        return NULL;
    }

    /*
     * the server, the kind and the URI as written: the key sets' common
     * prefix; a discovery document also answers for the issuers it must
     * name
     */

    if (ngx_http_auth_token_endpoint_id(cf, id,
                                  ngx_http_auth_token_source_kinds[type],
                                  uri, NULL, NULL)
        != NGX_OK)
    {
        return NULL;
    }

    if (issuers
        && ngx_http_auth_token_sha256(id, id, issuers->elts, issuers->nelts)
           != NGX_OK)
    {
        return NULL;
    }

    srcp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        if (ngx_memcmp(srcp[i]->id, id, NGX_HTTP_AUTH_TOKEN_HASH_LEN) == 0) {
            return srcp[i];
        }
    }

    src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_source_t));
    if (src == NULL) {
        return NULL;
    }

    src->text = *uri;
    src->type = type;
    src->issuers = issuers;
    src->zone = amcf->zone;
    src->cscf = cscf;
    src->max = max ? max : NGX_HTTP_AUTH_TOKEN_MAX_SETS;
    ngx_memcpy(src->id, id, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    ngx_queue_init(&src->sets);

    /* a discovered key set: one per jwks_uri the document names */

    if (ngx_http_script_variables_count(&src->text)
        || type == NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERED)
    {
        if (ngx_http_script_variables_count(&src->text)) {
            src->uri = ngx_pcalloc(cf->pool,
                                   sizeof(ngx_http_complex_value_t));
            if (src->uri == NULL) {
                return NULL;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &src->text;
            ccv.complex_value = src->uri;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NULL;
            }
        }

    } else {
        ks = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_keys_t));
        if (ks == NULL) {
            return NULL;
        }

        ks->uri = src->text;
        ks->name = src->text;

        if (ngx_http_auth_token_sha256(ks->hash, src->id, &ks->uri, 1)
            != NGX_OK)
        {
            return NULL;
        }

        src->fixed = ks;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_auth_token_source_cleanup;
    cln->data = src;

    srcp = ngx_array_push(&amcf->sources);
    if (srcp == NULL) {
        return NULL;
    }

    *srcp = src;

    return src;
}


/*
 * At merge time: issuers with keys of their own (auth_token_issuer ...
 * jwks= or jwks_file=), each location its own copy, sorted by the hash of
 * the issuer's name; the others verify with the location's keys.  None
 * with keys of its own: the location works as without them.
 */

char *
ngx_http_auth_token_bound_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_uint_t                     i, own;
    ngx_array_t                   *copy;
    ngx_http_auth_token_issuer_t  *iss;

    iss = conf->bound->elts;
    own = 0;

    for (i = 0; i < conf->bound->nelts; i++) {
        if (iss[i].jwks_uri.len || iss[i].keysets) {
            own = 1;
        }
    }

    if (!own) {
        conf->bound = NULL;
        return NGX_CONF_OK;
    }

    copy = ngx_array_create(cf->pool, conf->bound->nelts,
                            sizeof(ngx_http_auth_token_issuer_t));
    if (copy == NULL) {
        return NGX_CONF_ERROR;
    }

    iss = ngx_array_push_n(copy, conf->bound->nelts);
    if (iss == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(iss, conf->bound->elts,
               conf->bound->nelts * sizeof(ngx_http_auth_token_issuer_t));

    for (i = 0; i < copy->nelts; i++) {

        iss[i].jwks = NULL;

        if (iss[i].jwks_uri.len) {
            iss[i].jwks = ngx_http_auth_token_source_get(cf, &iss[i].jwks_uri,
                                         0, NGX_HTTP_AUTH_TOKEN_SOURCE_JWKS,
                                         NULL, "auth_token_issuer jwks=");
            if (iss[i].jwks == NULL) {
                return NGX_CONF_ERROR;
            }

        } else if (iss[i].keysets == NULL && conf->keysets == NULL
                   && conf->jwks_uri.len == 0
                   && conf->introspect_uri.len == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "issuer \"%V\" has no keys: give it jwks= "
                               "or jwks_file=, or give the location keys",
                               &iss[i].iss);
            return NGX_CONF_ERROR;
        }

        if (ngx_http_auth_token_issuer_id(iss[i].hash, iss[i].iss.data,
                                          iss[i].iss.len)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    ngx_sort(iss, copy->nelts, sizeof(ngx_http_auth_token_issuer_t),
             ngx_http_auth_token_issuer_cmp);

    /* told apart by 128 bits of their hashes: never two alike, but check */

    for (i = 1; i < copy->nelts; i++) {
        if (ngx_http_auth_token_issuer_cmp(&iss[i - 1], &iss[i]) == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "issuers \"%V\" and \"%V\" cannot be told "
                               "apart", &iss[i - 1].iss, &iss[i].iss);
            return NGX_CONF_ERROR;
        }
    }

    conf->bound = copy;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_token_issuer_cmp(const void *one, const void *two)
{
    const ngx_http_auth_token_issuer_t  *a = one;
    const ngx_http_auth_token_issuer_t  *b = two;

    return ngx_memcmp(a->hash, b->hash, NGX_HTTP_AUTH_TOKEN_ISS_LEN);
}


/*
 * The issuer of a token by the hash of its "iss": a binary search, so that
 * the work is bounded whatever the number of issuers.  NULL: not listed.
 */

ngx_http_auth_token_issuer_t *
ngx_http_auth_token_issuer_find(ngx_array_t *bound, u_char *hash)
{
    ngx_int_t                      c;
    ngx_uint_t                     lo, hi, mid;
    ngx_http_auth_token_issuer_t  *iss;

    iss = bound->elts;
    lo = 0;
    hi = bound->nelts;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = ngx_memcmp(hash, iss[mid].hash, NGX_HTTP_AUTH_TOKEN_ISS_LEN);

        if (c == 0) {
            return &iss[mid];
        }

        if (c < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


/*
 * The key sources of this request: those of the token's issuer where
 * issuers have keys of their own, else the location's
 */

ngx_http_auth_token_source_t *
ngx_http_auth_token_source_of(ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_ctx_t *ctx)
{
    return (ctx && ctx->issuer) ? ctx->issuer->jwks : alcf->jwks;
}


ngx_array_t *
ngx_http_auth_token_keysets_of(ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_ctx_t *ctx)
{
    return (ctx && ctx->issuer) ? ctx->issuer->keysets : alcf->keysets;
}
