
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_metrics.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_zone.h"


/*
 * The request side of the metrics: counters in the shared zone, added to
 * atomically, no mutex; and the directives.  The page that shows them is
 * ngx_http_auth_token_metrics_page.c.
 */


/* call durations: the histogram's upper bounds, 5 ms to 10 s */

ngx_msec_t  ngx_http_auth_token_buckets[NGX_HTTP_AUTH_TOKEN_M_BUCKETS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, NGX_MAX_INT_T_VALUE
};


static ngx_http_auth_token_metrics_sh_t *
ngx_http_auth_token_counters(ngx_http_request_t *r)
{
    ngx_http_auth_token_zone_t  *zone;

    zone = ngx_http_auth_token_metrics_zone(r);

    return zone ? zone->metrics : NULL;
}


ngx_http_auth_token_zone_t *
ngx_http_auth_token_metrics_zone(ngx_http_request_t *r)
{
    ngx_http_auth_token_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_token_module);

    if (amcf->zone == NULL) {
        return NULL;
    }

    return amcf->zone->data;
}


void
ngx_http_auth_token_count_decision(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t status)
{
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_label_sh_t  *slot;

    zone = ngx_http_auth_token_metrics_zone(r);

    if (zone == NULL || zone->slots == NULL) {
        return;
    }

    slot = zone->slots[alcf->metrics_label];

    (void) ngx_atomic_fetch_add(&slot->decisions[status], 1);
}


void
ngx_http_auth_token_count_cache(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_uint_t op)
{
    ngx_http_auth_token_metrics_sh_t  *m;

    m = ngx_http_auth_token_counters(r);

    if (m) {
        (void) ngx_atomic_fetch_add(&m->cache[kind][op], 1);
    }
}


void
ngx_http_auth_token_count_call(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_uint_t outcome, ngx_msec_t start)
{
    ngx_uint_t                         i;
    ngx_msec_t                         ms;
    ngx_http_auth_token_metrics_sh_t  *m;

    m = ngx_http_auth_token_counters(r);

    if (m == NULL) {
        return;
    }

    ms = ngx_current_msec - start;

    for (i = 0; ms > ngx_http_auth_token_buckets[i]; i++) { /* void */ }

    (void) ngx_atomic_fetch_add(&m->calls[kind][outcome], 1);
    (void) ngx_atomic_fetch_add(&m->duration[kind][i], 1);
    (void) ngx_atomic_fetch_add(&m->duration_ms[kind], ms);
}


void
ngx_http_auth_token_count_wait(ngx_http_request_t *r, ngx_uint_t kind)
{
    ngx_http_auth_token_metrics_sh_t  *m;

    m = ngx_http_auth_token_counters(r);

    if (m) {
        (void) ngx_atomic_fetch_add(&m->waits[kind], 1);
    }
}


void
ngx_http_auth_token_count_verification(ngx_http_request_t *r, ngx_uint_t alg)
{
    ngx_http_auth_token_metrics_sh_t  *m;

    m = ngx_http_auth_token_counters(r);

    if (m && alg < NGX_HTTP_AUTH_TOKEN_M_ALGS) {
        (void) ngx_atomic_fetch_add(&m->verifications[alg], 1);
    }
}


/* auth_token_metrics [format=prometheus|json]; */

char *
ngx_http_auth_token_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                        *value;
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_auth_token_main_conf_t  *amcf;

    if (alcf->metrics_format) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->metrics_format = NGX_HTTP_AUTH_TOKEN_METRICS_PROMETHEUS;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "format=json") == 0) {
            alcf->metrics_format = NGX_HTTP_AUTH_TOKEN_METRICS_JSON;

        } else if (ngx_strcmp(value[1].data, "format=prometheus") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": format=prometheus "
                               "or format=json expected", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler) {
        return "is duplicate: the location has a content handler already";
    }

    clcf->handler = ngx_http_auth_token_metrics_handler;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);
    amcf->metrics = 1;

    return NGX_CONF_OK;
}


/* at merge time: no content handler of another module replaced ours */

char *
ngx_http_auth_token_metrics_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *alcf)
{
    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->metrics_format == 0) {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != ngx_http_auth_token_metrics_handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_metrics\" and another content "
                           "handler in the location \"%V\"", &clcf->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* auth_token_metrics_label name; a label of configuration, never a value */

char *
ngx_http_auth_token_metrics_label(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    u_char                           *p;
    ngx_str_t                        *value, *s;
    ngx_uint_t                        i;
    ngx_http_auth_token_main_conf_t  *amcf;

    if (alcf->metrics_label != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > NGX_HTTP_AUTH_TOKEN_LABEL_LEN) {
        return "needs a name of 1 to 64 characters";
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
              || *p == '.' || *p == '/' || *p == ':'))
        {
            return "takes letters, digits and \"_-./:\" only";
        }
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);

    s = amcf->labels.elts;

    for (i = 0; i < amcf->labels.nelts; i++) {
        if (s[i].len == value[1].len
            && ngx_strncmp(s[i].data, value[1].data, value[1].len) == 0)
        {
            alcf->metrics_label = i;
            return NGX_CONF_OK;
        }
    }

    if (amcf->labels.nelts == NGX_HTTP_AUTH_TOKEN_MAX_LABELS) {
        return "is given too many names (63 at most)";
    }

    s = ngx_array_push(&amcf->labels);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    *s = value[1];
    alcf->metrics_label = amcf->labels.nelts - 1;

    return NGX_CONF_OK;
}


