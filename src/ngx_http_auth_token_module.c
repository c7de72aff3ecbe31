
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


static ngx_int_t ngx_http_auth_token_handler(ngx_http_request_t *r);
static void ngx_http_auth_token_ctx_cleanup(void *data);
static void ngx_http_auth_token_find(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_lookup(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_parse_jwt(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_result_t *res);
static ngx_int_t ngx_http_auth_token_parse_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason);
static ngx_int_t ngx_http_auth_token_validate(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static void ngx_http_auth_token_remember(
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_key_t *key);
static ngx_int_t ngx_http_auth_token_reject(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static u_char *ngx_http_auth_token_quote(u_char *p, ngx_str_t *s);
static ngx_str_t *ngx_http_auth_token_log_value(ngx_pool_t *pool,
    json_t *json, const char *name);

static ngx_int_t ngx_http_auth_token_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_token_init(ngx_conf_t *cf);
static void *ngx_http_auth_token_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_auth_token_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_token_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_auth_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_token_jwks_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_auth_token_values(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_token_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_token_reissue_param(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_auth_token_off_sec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_token_require(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_token_claim_header(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


typedef struct {
    ngx_uint_t                      offset;     /* of the format field */
    ngx_conf_enum_t                *formats;
    const char                     *expected;
} ngx_http_auth_token_format_t;


static ngx_conf_enum_t  ngx_http_auth_token_introspect_formats[] = {
    { ngx_string("rfc7662"), NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662 },
    { ngx_string("status"), NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS },
    { ngx_null_string, 0 }
};


static ngx_http_auth_token_format_t  ngx_http_auth_token_introspect_format = {
    offsetof(ngx_http_auth_token_loc_conf_t, introspect_format),
    ngx_http_auth_token_introspect_formats,
    "format=rfc7662 or format=status"
};


static ngx_conf_enum_t  ngx_http_auth_token_reissue_formats[] = {
    { ngx_string("rfc8693"), NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693 },
    { ngx_string("json"), NGX_HTTP_AUTH_TOKEN_FORMAT_JSON },
    { ngx_null_string, 0 }
};


static ngx_http_auth_token_format_t  ngx_http_auth_token_reissue_format = {
    offsetof(ngx_http_auth_token_loc_conf_t, reissue_format),
    ngx_http_auth_token_reissue_formats,
    "format=rfc8693 or format=json"
};


/* the namespace of verified-token entries in the zone */
static u_char  ngx_http_auth_token_jwt_id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];


static ngx_command_t  ngx_http_auth_token_commands[] = {

    { ngx_string("auth_token_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_scheme"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, scheme),
      NULL },

    { ngx_string("auth_token_jwks_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_jwks_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_jwks_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, jwks_uri),
      NULL },

    { ngx_string("auth_token_jwks_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, jwks_refresh),
      NULL },

    { ngx_string("auth_token_jwks_refetch_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, jwks_refetch),
      NULL },

    { ngx_string("auth_token_lock_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, lock_timeout),
      NULL },

    { ngx_string("auth_token_introspect_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_token_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, introspect_uri),
      &ngx_http_auth_token_introspect_format },

    { ngx_string("auth_token_introspect_client_id"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, client_id),
      NULL },

    { ngx_string("auth_token_introspect_client_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, client_secret),
      NULL },

    { ngx_string("auth_token_introspect_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, introspect_jwt),
      NULL },

    { ngx_string("auth_token_introspect_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, cache_valid),
      NULL },

    { ngx_string("auth_token_introspect_cache_inactive"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, cache_inactive),
      NULL },

    { ngx_string("auth_token_introspect_stale_if_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_off_sec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, stale_if_error),
      NULL },

    { ngx_string("auth_token_reissue_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_token_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_uri),
      &ngx_http_auth_token_reissue_format },

    { ngx_string("auth_token_reissue_param"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_auth_token_reissue_param,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_reissue_client_id"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_client_id),
      NULL },

    { ngx_string("auth_token_reissue_client_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_client_secret),
      NULL },

    { ngx_string("auth_token_reissue_answer_field"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_field),
      NULL },

    { ngx_string("auth_token_reissue_scheme"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_scheme),
      NULL },

    { ngx_string("auth_token_reissue_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_cache_valid),
      NULL },

    { ngx_string("auth_token_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_off_sec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, cache_jwt),
      NULL },

    { ngx_string("auth_token_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, leeway),
      NULL },

    { ngx_string("auth_token_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_values,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, issuers),
      NULL },

    { ngx_string("auth_token_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_values,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, audiences),
      NULL },

    { ngx_string("auth_token_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_values,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, scopes),
      NULL },

    { ngx_string("auth_token_require"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_require,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_claim_set"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_auth_token_claim_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_claim_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_auth_token_claim_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_pass_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, pass_token),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_token_module_ctx = {
    ngx_http_auth_token_preconfiguration,  /* preconfiguration */
    ngx_http_auth_token_init,              /* postconfiguration */

    ngx_http_auth_token_create_main_conf,  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_auth_token_create_loc_conf,   /* create location configuration */
    ngx_http_auth_token_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_auth_token_module = {
    NGX_MODULE_V1,
    &ngx_http_auth_token_module_ctx,       /* module context */
    ngx_http_auth_token_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_auth_token_handler(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t              *cln;
    ngx_http_auth_token_ctx_t       *ctx;
    ngx_http_auth_token_result_t     res;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    if (alcf->realm == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_auth_token_fetch_of(r)) {
        /* our own call to the identity provider, maybe redirected */
        return NGX_DECLINED;
    }

    ctx = ngx_http_auth_token_get_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* found again after an internal redirect resets module contexts */

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_http_auth_token_ctx_cleanup;
        cln->data = ctx;

        ngx_http_set_ctx(r, ctx, ngx_http_auth_token_module);

    } else if (ctx->done) {

        /*
         * An internal redirect (error_page, X-Accel-Redirect, a named
         * location): the token was decided before, and its headers may
         * have been rewritten since; the new location's own checks run
         * on the same claims.
         */

        if (ctx->status != NGX_HTTP_AUTH_TOKEN_VALID) {
            return ctx->rc;
        }

        ctx->done = 0;
        ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
    }

    if (!ctx->parsed) {
        ctx->parsed = 1;

        ngx_http_auth_token_find(r, alcf, ctx);

        if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {

            if (alcf->keysets || alcf->jwks) {

                if (ngx_http_auth_token_lookup(r, alcf, ctx) == NGX_OK) {
                    /* verified before: parsed only if claims are needed */
                    res.status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;

                } else {
                    ngx_http_auth_token_parse_jwt(r, ctx, &res);
                }

                if (res.status != NGX_HTTP_AUTH_TOKEN_UNCHECKED
                    && alcf->introspect)
                {
                    /* not a JWT we can check: an opaque token */
                    ctx->introspect = 1;

                } else {
                    ctx->status = res.status;
                    ctx->reason = res.reason;
                }

            } else {
                ctx->introspect = 1;
            }
        }
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED && !ctx->introspect
        && !ctx->verified)
    {
        if (ngx_http_auth_token_validate(r, alcf, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        ctx->verified = 1;

        if (alcf->introspect
            && ((ctx->status == NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY)
                || (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
                    && alcf->introspect_jwt)))
        {
            /* no key of ours vouches for it, or revocation matters */
            ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
            ctx->introspect = 1;
        }
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED && ctx->introspect) {
        if (ngx_http_auth_token_introspect(r, alcf, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        res.status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
        res.reason = NULL;

        ngx_http_auth_token_check_claims(r, alcf, ctx, &res);

        ctx->status = res.status;
        ctx->reason = res.reason;
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_VALID;

        if (ngx_http_auth_token_check_require(r, alcf, ctx) != NGX_OK) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_REQUIREMENT_FAILED;
            ctx->reason = "Token does not meet the requirements";
        }
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID && alcf->reissue) {
        if (ngx_http_auth_token_reissue(r, alcf, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID) {
        ctx->rc = NGX_OK;

    } else {
        ctx->rc = ngx_http_auth_token_reject(r, alcf, ctx);
    }

    ctx->done = 1;

    return ctx->rc;
}


/*
 * The request's context, also after an internal redirect has reset module
 * contexts (as ngx_http_realip_module does); subrequests see their main
 * request's.
 */

ngx_http_auth_token_ctx_t *
ngx_http_auth_token_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_auth_token_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_token_module);

    if (ctx == NULL && r->internal) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_auth_token_ctx_cleanup) {
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_auth_token_module);
                break;
            }
        }
    }

    return ctx;
}


static void
ngx_http_auth_token_ctx_cleanup(void *data)
{
    /* nothing to free: the entry only finds the context again */
}


/* RFC 6750, section 2: one token, from exactly one place */

static void
ngx_http_auth_token_find(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t         rc;
    ngx_str_t         header;
    ngx_table_elt_t  *h;

    ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;

    h = r->headers_in.authorization;
    rc = NGX_DECLINED;

    if (h) {
        rc = ngx_http_auth_token_parse_authorization(&h->value,
                                                     &alcf->scheme,
                                                     &header);
    }

    if (alcf->token) {
        if (ngx_http_complex_value(r, alcf->token, &ctx->token) != NGX_OK) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            ctx->reason = "Internal error";
            return;
        }

        if (ctx->token.len == 0) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MISSING;
            ctx->reason = "No token";
            return;
        }

        if (rc != NGX_DECLINED) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST;
            ctx->reason = "More than one token in the request";
            return;
        }

    } else {
        if (rc == NGX_DECLINED) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MISSING;
            ctx->reason = "No token";
            return;
        }

        if (rc == NGX_ERROR) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            ctx->reason = "Malformed Authorization header";
            return;
        }

        ctx->token = header;
        ctx->from_header = 1;
    }

    if (ctx->token.len > NGX_HTTP_AUTH_TOKEN_MAX_LENGTH) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
        ctx->reason = "Token too large";
        return;
    }

    if (ngx_http_auth_token_valid_chars(&ctx->token) != NGX_OK) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
        ctx->reason = "Malformed token";
        return;
    }
}


/*
 * A token verified before, by the hash of its bytes: a candidate for a hit,
 * confirmed once the location's keys are known.  It is not parsed now:
 * the same bytes parsed and verified before.
 */

static ngx_int_t
ngx_http_auth_token_lookup(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char                           *p, *last;
    ngx_str_t                         parts[2];
    ngx_uint_t                        dots;
    ngx_http_auth_token_zone_t       *zone;
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

    zone = amcf->zone->data;

    parts[0].data = (u_char *) "jwt";
    parts[0].len = 3;
    parts[1] = ctx->token;

    if (ngx_http_auth_token_call_key(ctx->hash, ngx_http_auth_token_jwt_id,
                                     parts, 2)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ctx->hashed = 1;

    if (ngx_http_auth_token_cache_get_verified(zone, ctx->hash, &ctx->cached)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /* verified longer ago than this location trusts a verification */

    if (ngx_time() - ctx->cached.verified >= alcf->cache_jwt) {
        return NGX_DECLINED;
    }

    ctx->unparsed = 1;
    ctx->lazy_claims = 1;

    return NGX_OK;
}


/* splits and decodes the token and parses its header */

static ngx_int_t
ngx_http_auth_token_parse_jwt(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_result_t *res)
{
    ctx->unparsed = 0;

    ngx_http_auth_token_jwt_parse(r->pool, &ctx->token, &ctx->jwt, res);

    return (res->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) ? NGX_OK
                                                          : NGX_ERROR;
}


/* the claims of a verified token: a JSON object of bounded size */

static ngx_int_t
ngx_http_auth_token_parse_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, const char **reason)
{
    json_t      *claims;
    const char  *err;

    claims = ngx_http_auth_token_json_parse(r->pool,
                                            ctx->jwt.payload_json.data,
                                            ctx->jwt.payload_json.len,
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

    ctx->jwt.claims = claims;
    ctx->claims = claims;

    return NGX_OK;
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
    ngx_http_auth_token_result_t   res;

    if (ctx->lazy_claims) {
        ctx->lazy_claims = 0;

        if ((ctx->unparsed
             && ngx_http_auth_token_parse_jwt(r, ctx, &res) != NGX_OK)
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
ngx_http_auth_token_get_jwt_header(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    ngx_http_auth_token_result_t  res;

    if (ctx->unparsed
        && ngx_http_auth_token_parse_jwt(r, ctx, &res) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "auth_token: a cached token no longer parses");
        return NULL;
    }

    return ctx->jwt.header;
}


/*
 * Verifies the parsed token with the location's keys: those of files and
 * this worker's copy of the remote key set.  NGX_AGAIN: the request waits
 * for keys.
 */

static ngx_int_t
ngx_http_auth_token_validate(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                         rc;
    ngx_uint_t                        n, found;
    ngx_http_auth_token_zone_t       *zone;
    ngx_http_auth_token_keyset_t    **ks;
    ngx_http_auth_token_result_t      res;
    ngx_http_auth_token_main_conf_t  *amcf;

    rc = ngx_http_auth_token_keys(r, alcf, ctx);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE;
        ctx->reason = "No signing keys available";
        return NGX_OK;
    }

    n = alcf->keysets ? alcf->keysets->nelts : 0;

    ks = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_http_auth_token_keyset_t *));
    if (ks == NULL) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE;
        ctx->reason = "Internal error";
        return NGX_OK;
    }

    if (n) {
        ngx_memcpy(ks, alcf->keysets->elts,
                   n * sizeof(ngx_http_auth_token_keyset_t *));
    }

    if (alcf->jwks && alcf->jwks->keyset) {
        ks[n++] = alcf->jwks->keyset;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);
    zone = (ctx->hashed && amcf->zone) ? amcf->zone->data : NULL;

    /*
     * This exact token was verified before: skip the signature check if
     * a key with the same material is still configured here
     */

    if (ctx->unparsed) {

        if (ngx_http_auth_token_find_fp(ks, n, ctx->cached.fp,
                                        ctx->cached.alg))
        {
            ctx->jwt_cache = NGX_HTTP_AUTH_TOKEN_CACHE_HIT;
            return NGX_OK;
        }

        /* its key left the key set: the token is checked anew */

        ctx->lazy_claims = 0;

        if (ngx_http_auth_token_parse_jwt(r, ctx, &res) != NGX_OK) {
            ctx->status = res.status;
            ctx->reason = res.reason;
            return NGX_OK;
        }
    }

    if (zone) {
        ctx->jwt_cache = NGX_HTTP_AUTH_TOKEN_CACHE_MISS;
    }

    ngx_http_auth_token_jwt_verify(&ctx->jwt, ks, n, &res, &found);

    if (res.status == NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY
        && ctx->jwt.kid.data && !found)
    {
        /* maybe the provider rotated its keys: ask again, rate-limited */

        if (ngx_http_auth_token_keys_refetch(r, alcf, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }
    }

    if (res.status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ctx->status = res.status;
        ctx->reason = res.reason;
        return NGX_OK;
    }

    /* the signature holds: now the claims may be parsed */

    if (ngx_http_auth_token_parse_claims(r, ctx, &ctx->reason) != NGX_OK) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
        return NGX_OK;
    }

    if (zone && res.key) {
        ngx_http_auth_token_remember(alcf, zone, ctx, res.key);
    }

    return NGX_OK;
}


/*
 * A verified token is remembered until it expires, at most cache_valid;
 * the location's own checks still run on every request.  A token with
 * malformed time claims is not: it is rejected anyway.
 */

static void
ngx_http_auth_token_remember(ngx_http_auth_token_loc_conf_t *alcf,
    ngx_http_auth_token_zone_t *zone, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_key_t *key)
{
    time_t                           now;
    const char                      *reason;
    ngx_http_auth_token_verified_t   v;

    if (ngx_http_auth_token_claim_times(ctx->claims, &v, &reason) != NGX_OK) {
        return;
    }

    now = ngx_time();

    v.expires = now + alcf->cache_jwt;
    v.verified = now;
    v.alg = ctx->jwt.alg;
    ngx_memcpy(v.fp, key->fp, NGX_HTTP_AUTH_TOKEN_HASH_LEN);

    if (v.times & NGX_HTTP_AUTH_TOKEN_HAS_EXP) {

        if (v.exp <= (double) now) {
            return;
        }

        /* within (now, expires): the conversion cannot overflow */

        if (v.exp < (double) v.expires) {
            v.expires = (time_t) v.exp;
        }
    }

    if (v.expires > now) {
        ngx_http_auth_token_cache_put_verified(zone, ctx->hash, &v);
    }
}


/*
 * RFC 6750, section 3: a challenge with the realm, and the error and its
 * description once a token was presented.
 */

static ngx_int_t
ngx_http_auth_token_reject(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char           *p;
    size_t            len;
    ngx_str_t         realm, reason, error, *kid, *sub;
    ngx_uint_t        code, scope;
    ngx_table_elt_t  *h;

    code = NGX_HTTP_UNAUTHORIZED;
    scope = 0;

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE
        || ctx->status == NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED
        || ctx->status == NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED)
    {
        /* the client did nothing wrong: no challenge */

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_token: 503: %s (%s)", ctx->reason,
                      ngx_http_auth_token_status_name(ctx->status));

        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    switch (ctx->status) {

    case NGX_HTTP_AUTH_TOKEN_MISSING:
        ngx_str_null(&error);
        break;

    case NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST:
        code = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&error, "invalid_request");
        break;

    case NGX_HTTP_AUTH_TOKEN_INSUFFICIENT_SCOPE:
        code = NGX_HTTP_FORBIDDEN;
        scope = 1;
        ngx_str_set(&error, "insufficient_scope");
        break;

    case NGX_HTTP_AUTH_TOKEN_REISSUE_DENIED:
        code = NGX_HTTP_FORBIDDEN;
        ngx_str_set(&error, "insufficient_scope");
        break;

    case NGX_HTTP_AUTH_TOKEN_REQUIREMENT_FAILED:
        if (ctx->code == NGX_HTTP_FORBIDDEN) {
            code = NGX_HTTP_FORBIDDEN;
            ngx_str_set(&error, "insufficient_scope");
            break;
        }

        /* fall through */

    default:
        ngx_str_set(&error, "invalid_token");
        break;
    }

    reason.data = (u_char *) ctx->reason;
    reason.len = ngx_strlen(ctx->reason);

    kid = ngx_http_auth_token_log_value(r->pool,
                               ngx_http_auth_token_get_jwt_header(r, ctx),
                               "kid");
    sub = ngx_http_auth_token_log_value(r->pool,
                                        ngx_http_auth_token_get_claims(r, ctx),
                                        "sub");

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_token: %ui: %V (%s)%s%V%s%s%V%s",
                  code, &reason, ngx_http_auth_token_status_name(ctx->status),
                  kid->len ? ", kid \"" : "", kid, kid->len ? "\"" : "",
                  sub->len ? ", sub \"" : "", sub, sub->len ? "\"" : "");

    if (ngx_http_complex_value(r, alcf->realm, &realm) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = alcf->scheme.len + sizeof(" realm=\"\"") - 1 + realm.len * 2;

    if (error.len) {
        len += sizeof(", error=\"\", error_description=\"\"") - 1
               + error.len + reason.len * 2;
    }

    if (scope) {
        len += sizeof(", scope=\"\"") - 1 + alcf->scope_text.len * 2;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = p;

    p = ngx_cpymem(p, alcf->scheme.data, alcf->scheme.len);
    p = ngx_cpymem(p, " realm=", sizeof(" realm=") - 1);
    p = ngx_http_auth_token_quote(p, &realm);

    if (error.len) {
        p = ngx_cpymem(p, ", error=\"", sizeof(", error=\"") - 1);
        p = ngx_cpymem(p, error.data, error.len);
        p = ngx_cpymem(p, "\", error_description=",
                       sizeof("\", error_description=") - 1);
        p = ngx_http_auth_token_quote(p, &reason);
    }

    if (scope) {
        p = ngx_cpymem(p, ", scope=", sizeof(", scope=") - 1);
        p = ngx_http_auth_token_quote(p, &alcf->scope_text);
    }

    h->value.len = p - h->value.data;

#if (nginx_version >= 1023000)
    /* satisfy any walks this list when another access module allows */
    h->next = NULL;
#endif

    r->headers_out.www_authenticate = h;

    return code;
}


/* an RFC 7230 quoted-string */

static u_char *
ngx_http_auth_token_quote(u_char *p, ngx_str_t *s)
{
    size_t  i;

    *p++ = '"';

    for (i = 0; i < s->len; i++) {
        if (s->data[i] == '"' || s->data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = (s->data[i] < 0x20 || s->data[i] == 0x7f) ? ' ' : s->data[i];
    }

    *p++ = '"';

    return p;
}


/* a short, printable form of an untrusted string for the error log */

static ngx_str_t *
ngx_http_auth_token_log_value(ngx_pool_t *pool, json_t *json,
    const char *name)
{
    size_t        i, len;
    json_t       *v;
    ngx_str_t    *s;
    const char   *src;

    static ngx_str_t  empty = ngx_null_string;

    v = json ? json_object_get(json, name) : NULL;

    if (!json_is_string(v)) {
        return &empty;
    }

    s = ngx_palloc(pool, sizeof(ngx_str_t));
    if (s == NULL) {
        return &empty;
    }

    src = json_string_value(v);
    len = ngx_min(json_string_length(v), 64);

    s->data = ngx_pnalloc(pool, len);
    if (s->data == NULL) {
        return &empty;
    }

    for (i = 0; i < len; i++) {
        s->data[i] = (src[i] < 0x20 || src[i] >= 0x7f || src[i] == '"'
                      || src[i] == '\\')
                     ? '?' : (u_char) src[i];
    }

    s->len = len;

    return s;
}


static ngx_int_t
ngx_http_auth_token_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_auth_token_init_algs(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_add_variables(cf);
}


static ngx_int_t
ngx_http_auth_token_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_headers_handler;

    return ngx_http_auth_token_filter_init(cf);
}


static void *
ngx_http_auth_token_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_auth_token_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&amcf->keysets, cf->pool, 4,
                       sizeof(ngx_http_auth_token_keyset_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&amcf->jwks, cf->pool, 4,
                       sizeof(ngx_http_auth_token_jwks_conf_t))
        != NGX_OK)
    {
        return NULL;
    }

    return amcf;
}


static void *
ngx_http_auth_token_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_auth_token_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->scheme = { 0, NULL };
     *     conf->scope_text = { 0, NULL };
     */

    conf->realm = NGX_CONF_UNSET_PTR;
    conf->token = NGX_CONF_UNSET_PTR;
    conf->keysets = NGX_CONF_UNSET_PTR;
    conf->jwks_refresh = NGX_CONF_UNSET;
    conf->jwks_refetch = NGX_CONF_UNSET;
    conf->lock_timeout = NGX_CONF_UNSET_MSEC;
    conf->introspect_format = NGX_CONF_UNSET_UINT;
    conf->introspect_jwt = NGX_CONF_UNSET;
    conf->cache_valid = NGX_CONF_UNSET;
    conf->cache_inactive = NGX_CONF_UNSET;
    conf->stale_if_error = NGX_CONF_UNSET;
    conf->cache_jwt = NGX_CONF_UNSET;
    conf->reissue_format = NGX_CONF_UNSET_UINT;
    conf->reissue_params = NGX_CONF_UNSET_PTR;
    conf->reissue_cache_valid = NGX_CONF_UNSET;
    conf->leeway = NGX_CONF_UNSET;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->requires = NGX_CONF_UNSET_PTR;
    conf->headers = NGX_CONF_UNSET_PTR;
    conf->pass_token = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_auth_token_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_auth_token_loc_conf_t *prev = parent;
    ngx_http_auth_token_loc_conf_t *conf = child;

    u_char      *p;
    size_t       len;
    ngx_str_t   *s;
    ngx_uint_t   i;

    if (conf->realm == NGX_CONF_UNSET_PTR) {
        conf->realm = (prev->realm == NGX_CONF_UNSET_PTR) ? NULL
                                                          : prev->realm;
        conf->token = (prev->token == NGX_CONF_UNSET_PTR) ? NULL
                                                          : prev->token;
    }

    ngx_conf_merge_str_value(conf->scheme, prev->scheme, "Bearer");
    ngx_conf_merge_ptr_value(conf->keysets, prev->keysets, NULL);
    ngx_conf_merge_str_value(conf->jwks_uri, prev->jwks_uri, "");
    ngx_conf_merge_sec_value(conf->jwks_refresh, prev->jwks_refresh, 600);
    ngx_conf_merge_sec_value(conf->jwks_refetch, prev->jwks_refetch, 5);
    ngx_conf_merge_msec_value(conf->lock_timeout, prev->lock_timeout, 5000);
    ngx_conf_merge_str_value(conf->introspect_uri, prev->introspect_uri, "");
    ngx_conf_merge_uint_value(conf->introspect_format,
                              prev->introspect_format,
                              NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662);
    ngx_conf_merge_str_value(conf->client_id, prev->client_id, "");
    ngx_conf_merge_str_value(conf->client_secret, prev->client_secret, "");
    ngx_conf_merge_value(conf->introspect_jwt, prev->introspect_jwt, 0);
    ngx_conf_merge_sec_value(conf->cache_valid, prev->cache_valid, 60);
    ngx_conf_merge_sec_value(conf->cache_inactive, prev->cache_inactive, 10);
    ngx_conf_merge_sec_value(conf->stale_if_error, prev->stale_if_error, 0);
    ngx_conf_merge_sec_value(conf->cache_jwt, prev->cache_jwt, 600);
    ngx_conf_merge_str_value(conf->reissue_uri, prev->reissue_uri, "");
    ngx_conf_merge_uint_value(conf->reissue_format, prev->reissue_format,
                              NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693);
    ngx_conf_merge_ptr_value(conf->reissue_params, prev->reissue_params,
                             NULL);
    ngx_conf_merge_str_value(conf->reissue_client_id,
                             prev->reissue_client_id, "");
    ngx_conf_merge_str_value(conf->reissue_client_secret,
                             prev->reissue_client_secret, "");
    ngx_conf_merge_str_value(conf->reissue_field, prev->reissue_field, "");
    ngx_conf_merge_str_value(conf->reissue_scheme, prev->reissue_scheme,
                             "Bearer");
    ngx_conf_merge_sec_value(conf->reissue_cache_valid,
                             prev->reissue_cache_valid, 300);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_ptr_value(conf->issuers, prev->issuers, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_ptr_value(conf->requires, prev->requires, NULL);
    ngx_conf_merge_ptr_value(conf->headers, prev->headers, NULL);
    ngx_conf_merge_value(conf->pass_token, prev->pass_token, 0);

    if (conf->scopes == NGX_CONF_UNSET_PTR) {
        conf->scopes = (prev->scopes == NGX_CONF_UNSET_PTR) ? NULL
                                                            : prev->scopes;
        conf->scope_text = prev->scope_text;
    }

    if (conf->scopes && conf->scope_text.data == NULL) {

        /* "read write": the scope attribute of a 403 challenge */

        s = conf->scopes->elts;
        len = 0;

        for (i = 0; i < conf->scopes->nelts; i++) {
            len += s[i].len + 1;
        }

        p = ngx_pnalloc(cf->pool, len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        conf->scope_text.data = p;

        for (i = 0; i < conf->scopes->nelts; i++) {
            if (i) {
                *p++ = ' ';
            }

            p = ngx_cpymem(p, s[i].data, s[i].len);
        }

        conf->scope_text.len = p - conf->scope_text.data;
    }

    if (conf->jwks_uri.len
        && ngx_http_auth_token_jwks_src(cf, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->introspect_uri.len
        && ngx_http_auth_token_introspect_conf(cf, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->reissue_uri.len
        && ngx_http_auth_token_reissue_conf(cf, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->realm && conf->keysets == NULL && conf->jwks == NULL
        && conf->introspect == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token\" is enabled but no keys are "
                           "configured (\"auth_token_jwks_file\", "
                           "\"auth_token_jwks_request\" or "
                           "\"auth_token_introspect_request\")");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value, v;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->realm != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        alcf->realm = NULL;
        alcf->token = NULL;
        return NGX_CONF_OK;
    }

    alcf->realm = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->realm == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->realm;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    alcf->token = NULL;

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[2].data, "token=", 6) != 0
        || value[2].len == 6)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    v.data = value[2].data + 6;
    v.len = value[2].len - 6;

    alcf->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->token == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &v;
    ccv.complex_value = alcf->token;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_token_jwks_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value, path;
    ngx_uint_t                         i;
    const char                        *err;
    ngx_http_auth_token_keyset_t      *ks, **found, **ksp;
    ngx_http_auth_token_main_conf_t   *amcf;

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a file named in several places is read and parsed once */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);

    found = amcf->keysets.elts;
    ks = NULL;

    for (i = 0; i < amcf->keysets.nelts; i++) {
        if (found[i]->name.len == path.len
            && ngx_strncmp(found[i]->name.data, path.data, path.len) == 0)
        {
            ks = found[i];
            break;
        }
    }

    if (ks == NULL) {
        ks = ngx_http_auth_token_jwks_load_file(cf, &path, &err);

        if (ks == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "auth_token_jwks_file \"%V\": %s",
                               &path, err);
            return NGX_CONF_ERROR;
        }

        ksp = ngx_array_push(&amcf->keysets);
        if (ksp == NULL) {
            return NGX_CONF_ERROR;
        }

        *ksp = ks;
    }

    if (alcf->keysets == NGX_CONF_UNSET_PTR) {
        alcf->keysets = ngx_array_create(cf->pool, 2,
                                   sizeof(ngx_http_auth_token_keyset_t *));
        if (alcf->keysets == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ksp = ngx_array_push(alcf->keysets);
    if (ksp == NULL) {
        return NGX_CONF_ERROR;
    }

    *ksp = ks;

    return NGX_CONF_OK;
}


/*
 * auth_token_introspect_request uri [format=rfc7662|status];
 * auth_token_reissue_request uri [format=rfc8693|json];
 */

static char *
ngx_http_auth_token_request(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t                        *uri, *value;
    ngx_uint_t                       *format;
    ngx_conf_enum_t                  *e;
    ngx_http_auth_token_format_t     *f;

    f = cmd->post;
    uri = (ngx_str_t *) (p + cmd->offset);
    format = (ngx_uint_t *) (p + f->offset);

    if (uri->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *uri = value[1];

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    for (e = f->formats; e->name.len; e++) {
        if (value[2].len == sizeof("format=") - 1 + e->name.len
            && ngx_strncmp(value[2].data, "format=", sizeof("format=") - 1)
               == 0
            && ngx_strncmp(value[2].data + sizeof("format=") - 1,
                           e->name.data, e->name.len)
               == 0)
        {
            *format = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\": %s expected",
                       &value[2], f->expected);

    return NGX_CONF_ERROR;
}


/* auth_token_reissue_param name value; the value may hold variables */

static char *
ngx_http_auth_token_reissue_param(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value;
    ngx_http_auth_token_param_t       *param;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (value[1].len == 0
        || (value[1].len == 5 && ngx_strncmp(value[1].data, "token", 5) == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (alcf->reissue_params == NGX_CONF_UNSET_PTR) {
        alcf->reissue_params = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_auth_token_param_t));
        if (alcf->reissue_params == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    param = ngx_array_push(alcf->reissue_params);
    if (param == NULL) {
        return NGX_CONF_ERROR;
    }

    param->name = value[1];

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &param->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a time, or "off" for none */

static char *
ngx_http_auth_token_off_sec(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    time_t     *sp;
    ngx_str_t  *value;

    sp = (time_t *) (p + cmd->offset);

    if (*sp != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *sp = 0;
        return NGX_CONF_OK;
    }

    *sp = ngx_parse_time(&value[1], 1);

    if (*sp == (time_t) NGX_ERROR) {
        return "invalid value";
    }

    return NGX_CONF_OK;
}


/* a directive with any number of string values, repeatable */

static char *
ngx_http_auth_token_values(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a == NGX_CONF_UNSET_PTR) {
        *a = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            return "has an empty value";
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_token_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i, n;
    ngx_http_complex_value_t          *cv;
    ngx_http_auth_token_require_t     *req;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->requires == NGX_CONF_UNSET_PTR) {
        alcf->requires = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_auth_token_require_t));
        if (alcf->requires == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    req = ngx_array_push(alcf->requires);
    if (req == NULL) {
        return NGX_CONF_ERROR;
    }

    req->error = NGX_HTTP_UNAUTHORIZED;

    value = cf->args->elts;
    n = cf->args->nelts;

    if (ngx_strncmp(value[n - 1].data, "error=", 6) == 0) {

        if (ngx_strcmp(value[n - 1].data, "error=401") == 0) {
            req->error = NGX_HTTP_UNAUTHORIZED;

        } else if (ngx_strcmp(value[n - 1].data, "error=403") == 0) {
            req->error = NGX_HTTP_FORBIDDEN;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": "
                               "only error=401 and error=403 are allowed",
                               &value[n - 1]);
            return NGX_CONF_ERROR;
        }

        n--;
    }

    if (n < 2) {
        return "needs at least one value";
    }

    req->values = ngx_array_create(cf->pool, n - 1,
                                   sizeof(ngx_http_complex_value_t));
    if (req->values == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < n; i++) {
        cv = ngx_array_push(req->values);
        if (cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[i];
        ccv.complex_value = cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_auth_token_claim_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    u_char                        *p;
    ngx_str_t                     *value, *s;
    ngx_uint_t                     i;
    ngx_http_header_t             *hh;
    ngx_http_auth_token_header_t  *h;

    static ngx_str_t  reserved[] = {
        ngx_string("host"),
        ngx_string("connection"),
        ngx_string("content-length"),
        ngx_string("content-type"),
        ngx_string("transfer-encoding"),
        ngx_string("te"),
        ngx_string("upgrade"),
        ngx_string("expect"),
        ngx_string("keep-alive"),
        ngx_string("cookie"),
        ngx_string("authorization"),
        ngx_null_string
    };

    value = cf->args->elts;

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid header name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    for (s = reserved; s->len; s++) {
        if (s->len == value[1].len
            && ngx_strncasecmp(s->data, value[1].data, s->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "header \"%V\" cannot carry a claim",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (alcf->headers == NGX_CONF_UNSET_PTR) {
        alcf->headers = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_auth_token_header_t));
        if (alcf->headers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    h = ngx_array_push(alcf->headers);
    if (h == NULL) {
        return NGX_CONF_ERROR;
    }

    h->name = value[1];
    h->lowcase.len = value[1].len;
    h->lowcase.data = ngx_pnalloc(cf->pool, value[1].len);
    if (h->lowcase.data == NULL || value[1].len == 0) {
        return NGX_CONF_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase.data, value[1].data, value[1].len);

    /* a header nginx keeps a pointer to, e.g. for $proxy_add_x_forwarded_for */

    h->offset = 0;

    for (hh = ngx_http_headers_in; hh->name.len; hh++) {
        if (hh->name.len == h->name.len
            && ngx_strncasecmp(hh->name.data, h->name.data, h->name.len) == 0)
        {
            h->offset = hh->offset;
            break;
        }
    }

    h->path = ngx_array_create(cf->pool, cf->args->nelts - 2,
                               sizeof(ngx_str_t));
    if (h->path == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        s = ngx_array_push(h->path);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}
