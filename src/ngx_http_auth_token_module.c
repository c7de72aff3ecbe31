
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_answer.h"
#include "ngx_http_auth_token_directives.h"
#include "ngx_http_auth_token_binding_conf.h"
#include "ngx_http_auth_token_endpoint.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_headers.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_source.h"
#include "ngx_http_auth_token_metrics.h"
#include "ngx_http_auth_token_subrequest.h"
#include "ngx_http_auth_token_variables.h"


/*
 * The module: its directives, its configuration (create and merge) and the
 * phases it runs in.  Where everything else is: docs/design.md.
 */


static ngx_int_t ngx_http_auth_token_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_token_init(ngx_conf_t *cf);
static void *ngx_http_auth_token_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_auth_token_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_auth_token_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_auth_token_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_token_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


static ngx_conf_enum_t  ngx_http_auth_token_types[] = {
    { ngx_string("any"), NGX_HTTP_AUTH_TOKEN_TYPE_ANY },
    { ngx_string("at+jwt"), NGX_HTTP_AUTH_TOKEN_TYPE_AT_JWT },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_auth_token_error_formats[] = {
    { ngx_string("www-authenticate"), NGX_HTTP_AUTH_TOKEN_ERRORS_HEADER },
    { ngx_string("json"), NGX_HTTP_AUTH_TOKEN_ERRORS_JSON },
    { ngx_string("problem"), NGX_HTTP_AUTH_TOKEN_ERRORS_PROBLEM },
    { ngx_null_string, 0 }
};


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
      ngx_http_auth_token_literal_slot,
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
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_token_jwks_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
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

    { ngx_string("auth_token_discovery_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_literal_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, discovery_uri),
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
      ngx_http_auth_token_literal_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, reissue_field),
      NULL },

    { ngx_string("auth_token_reissue_scheme"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_literal_slot,
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

    { ngx_string("auth_token_type"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, token_type),
      &ngx_http_auth_token_types },

    { ngx_string("auth_token_error_format"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, error_format),
      &ngx_http_auth_token_error_formats },

    { ngx_string("auth_token_resource_metadata"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, resource_metadata),
      NULL },

    { ngx_string("auth_token_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, leeway),
      NULL },

    { ngx_string("auth_token_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_issuer,
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

    { ngx_string("auth_token_dpop"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, dpop),
      &ngx_http_auth_token_bind_modes },

    { ngx_string("auth_token_dpop_algs"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_token_dpop_algs,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_dpop_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, dpop_origin),
      NULL },

    { ngx_string("auth_token_dpop_window"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, dpop_window),
      NULL },

    { ngx_string("auth_token_cert_binding"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_token_loc_conf_t, cert_binding),
      &ngx_http_auth_token_bind_modes },

    { ngx_string("auth_token_client_cert"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_token_client_cert,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_auth_token_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_token_metrics_label"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_token_metrics_label,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_token_module_ctx = {
    ngx_http_auth_token_preconfiguration,  /* preconfiguration */
    ngx_http_auth_token_init,              /* postconfiguration */

    ngx_http_auth_token_create_main_conf,  /* create main configuration */
    ngx_http_auth_token_init_main_conf,    /* init main configuration */

    ngx_http_auth_token_create_srv_conf,   /* create server configuration */
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
ngx_http_auth_token_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_auth_token_init_algs(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_add_variables(cf);
}


/*
 * The phases: client copies of claim headers go on arrival (post-read),
 * and come back in a location that claims none of them (rewrite); main
 * requests are checked in the access phase; subrequests, and the
 * Authorization header an upstream sees, in the pre-content phase.  Our
 * handlers are added after the built-in modules' and so run before them
 * within a phase (ngx_http_init_phase_handlers() runs them in reverse).
 */

static ngx_int_t
ngx_http_auth_token_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_strip_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_rewrite_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_token_precontent_handler;

    if (ngx_http_auth_token_headers_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_token_fetch_init(cf);
}


static void *
ngx_http_auth_token_create_main_conf(ngx_conf_t *cf)
{
    ngx_str_t                        *s;
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

    if (ngx_array_init(&amcf->sources, cf->pool, 4,
                       sizeof(ngx_http_auth_token_source_t *))
        != NGX_OK)
    {
        return NULL;
    }

    /* label 0: locations without auth_token_metrics_label */

    if (ngx_array_init(&amcf->labels, cf->pool, 4, sizeof(ngx_str_t))
        != NGX_OK)
    {
        return NULL;
    }

    s = ngx_array_push(&amcf->labels);
    if (s == NULL) {
        return NULL;
    }

    ngx_str_null(s);

    return amcf;
}


/* counters live in the zone: a metrics page without one is refused */

static char *
ngx_http_auth_token_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_auth_token_main_conf_t *amcf = conf;

    if (amcf->metrics && amcf->zone == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"auth_token_metrics\" needs \"auth_token_zone\": "
                      "the counters live in the shared zone");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_auth_token_create_srv_conf(ngx_conf_t *cf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     ascf->headers = NULL;
     */

    return ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_token_srv_conf_t));
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
    conf->token_type = NGX_CONF_UNSET_UINT;
    conf->error_format = NGX_CONF_UNSET_UINT;
    conf->resource_metadata = NGX_CONF_UNSET_PTR;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->bound = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->requires = NGX_CONF_UNSET_PTR;
    conf->headers = NGX_CONF_UNSET_PTR;
    conf->pass_token = NGX_CONF_UNSET;
    conf->metrics_label = NGX_CONF_UNSET_UINT;

    ngx_http_auth_token_binding_create(conf);

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
    ngx_conf_merge_str_value(conf->discovery_uri, prev->discovery_uri, "");
    if (conf->jwks_uri.data == NULL) {
        conf->jwks_uri = prev->jwks_uri;
        conf->jwks_max = prev->jwks_max;
    }

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
    ngx_conf_merge_uint_value(conf->token_type, prev->token_type,
                              NGX_HTTP_AUTH_TOKEN_TYPE_ANY);
    ngx_conf_merge_uint_value(conf->error_format, prev->error_format,
                              NGX_HTTP_AUTH_TOKEN_ERRORS_HEADER);
    ngx_conf_merge_ptr_value(conf->resource_metadata,
                             prev->resource_metadata, NULL);
    if (conf->issuers == NGX_CONF_UNSET_PTR) {
        conf->issuers = (prev->issuers == NGX_CONF_UNSET_PTR) ? NULL
                                                              : prev->issuers;
        conf->bound = (prev->bound == NGX_CONF_UNSET_PTR) ? NULL
                                                          : prev->bound;
    }
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_ptr_value(conf->requires, prev->requires, NULL);
    ngx_conf_merge_ptr_value(conf->headers, prev->headers, NULL);
    ngx_conf_merge_value(conf->pass_token, prev->pass_token, 0);
    ngx_conf_merge_uint_value(conf->metrics_label, prev->metrics_label, 0);

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

    if (conf->discovery_uri.len) {

        /* the keys come from the jwks_uri the document names */

        if (conf->jwks_uri.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_token_discovery_request\" needs "
                               "\"auth_token_jwks_request\" (a location "
                               "with \"proxy_pass $auth_token_jwks_uri\")");
            return NGX_CONF_ERROR;
        }

        conf->discovery = ngx_http_auth_token_source_get(cf,
                                        &conf->discovery_uri, 0,
                                        NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERY,
                                        conf->issuers,
                                        "auth_token_discovery_request");
        if (conf->discovery == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->jwks_uri.len) {
        conf->jwks = ngx_http_auth_token_source_get(cf, &conf->jwks_uri,
                                        conf->jwks_max,
                                        conf->discovery
                                        ? NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERED
                                        : NGX_HTTP_AUTH_TOKEN_SOURCE_JWKS,
                                        NULL, "auth_token_jwks_request");
        if (conf->jwks == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->bound
        && ngx_http_auth_token_bound_conf(cf, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_auth_token_endpoint_conf(cf, conf) != NGX_CONF_OK
        || ngx_http_auth_token_headers_conf(cf, conf) != NGX_CONF_OK
        || ngx_http_auth_token_metrics_merge(cf, conf) != NGX_CONF_OK
        || ngx_http_auth_token_binding_merge(cf, prev, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->realm && conf->keysets == NULL && conf->jwks == NULL
        && conf->bound == NULL && conf->introspect == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token\" is enabled but no keys are "
                           "configured (\"auth_token_jwks_file\", "
                           "\"auth_token_jwks_request\", "
                           "\"auth_token_issuer ... jwks=\" or "
                           "\"auth_token_introspect_request\")");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_auth_token_policy_id(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
