
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_METRICS_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/*
 * The counters, in the shared zone (its owner, ngx_http_auth_token_zone.c,
 * makes room for them), changed with atomic additions: no mutex on the
 * request path.  They survive reloads while the zone is unchanged.
 */

#define NGX_HTTP_AUTH_TOKEN_MAX_LABELS      64
#define NGX_HTTP_AUTH_TOKEN_LABEL_LEN       64

/* caches */
#define NGX_HTTP_AUTH_TOKEN_M_TOKEN         0
#define NGX_HTTP_AUTH_TOKEN_M_INTROSPECTION 1
#define NGX_HTTP_AUTH_TOKEN_M_REISSUE       2
#define NGX_HTTP_AUTH_TOKEN_M_JWKS          3   /* calls only */
#define NGX_HTTP_AUTH_TOKEN_M_KINDS         4

/* what a cache did */
#define NGX_HTTP_AUTH_TOKEN_M_HIT           0
#define NGX_HTTP_AUTH_TOKEN_M_MISS          1
#define NGX_HTTP_AUTH_TOKEN_M_STALE         2
#define NGX_HTTP_AUTH_TOKEN_M_STORE         3
#define NGX_HTTP_AUTH_TOKEN_M_EVICT         4
#define NGX_HTTP_AUTH_TOKEN_M_CACHE_OPS     5

/* how an identity-provider call ended */
#define NGX_HTTP_AUTH_TOKEN_M_OK            0
#define NGX_HTTP_AUTH_TOKEN_M_REFUSED       1
#define NGX_HTTP_AUTH_TOKEN_M_ERROR         2
#define NGX_HTTP_AUTH_TOKEN_M_TIMEOUT       3
#define NGX_HTTP_AUTH_TOKEN_M_OUTCOMES      4

/* call durations: bucket bounds in milliseconds, and +Inf */
#define NGX_HTTP_AUTH_TOKEN_M_BUCKETS       12

#define NGX_HTTP_AUTH_TOKEN_M_ALGS          16


typedef struct {
    ngx_uint_t                      used;
    size_t                          len;
    u_char                          name[NGX_HTTP_AUTH_TOKEN_LABEL_LEN];
    ngx_atomic_t                    decisions[NGX_HTTP_AUTH_TOKEN_STATUS_COUNT];
} ngx_http_auth_token_label_sh_t;


typedef struct {
    ngx_http_auth_token_label_sh_t  labels[NGX_HTTP_AUTH_TOKEN_MAX_LABELS];
    ngx_atomic_t                    cache[NGX_HTTP_AUTH_TOKEN_M_KINDS]
                                         [NGX_HTTP_AUTH_TOKEN_M_CACHE_OPS];
    ngx_atomic_t                    calls[NGX_HTTP_AUTH_TOKEN_M_KINDS]
                                         [NGX_HTTP_AUTH_TOKEN_M_OUTCOMES];
    ngx_atomic_t                    waits[NGX_HTTP_AUTH_TOKEN_M_KINDS];
    ngx_atomic_t                    duration[NGX_HTTP_AUTH_TOKEN_M_KINDS]
                                            [NGX_HTTP_AUTH_TOKEN_M_BUCKETS];
    ngx_atomic_t                    duration_ms[NGX_HTTP_AUTH_TOKEN_M_KINDS];
    ngx_atomic_t                    verifications[NGX_HTTP_AUTH_TOKEN_M_ALGS];
    ngx_atomic_t                    full;       /* allocations that evicted */
} ngx_http_auth_token_metrics_sh_t;


/* auth_token_metrics format= */
#define NGX_HTTP_AUTH_TOKEN_METRICS_PROMETHEUS  1
#define NGX_HTTP_AUTH_TOKEN_METRICS_JSON        2


extern ngx_msec_t  ngx_http_auth_token_buckets[NGX_HTTP_AUTH_TOKEN_M_BUCKETS];


void ngx_http_auth_token_count_decision(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_uint_t status);
void ngx_http_auth_token_count_cache(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_uint_t op);
void ngx_http_auth_token_count_call(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_uint_t outcome, ngx_msec_t start);
void ngx_http_auth_token_count_wait(ngx_http_request_t *r, ngx_uint_t kind);
void ngx_http_auth_token_count_verification(ngx_http_request_t *r,
    ngx_uint_t alg);

ngx_http_auth_token_zone_t *ngx_http_auth_token_metrics_zone(
    ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_metrics_handler(ngx_http_request_t *r);
char *ngx_http_auth_token_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_metrics_label(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_metrics_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *alcf);


#endif /* _NGX_HTTP_AUTH_TOKEN_METRICS_H_INCLUDED_ */
