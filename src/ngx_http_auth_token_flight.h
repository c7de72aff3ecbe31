
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_FLIGHT_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_FLIGHT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/*
 * One call to the identity provider at a time per entry, across all
 * workers: the state lives in the zone entry it fills (a key set, an
 * answer), changed only under the zone's mutex (ngx_http_auth_token_zone.c).
 */

typedef struct {
    time_t                          lease;      /* a call runs until */
    time_t                          retry_at;   /* backing off until */
    ngx_uint_t                      failures;   /* in a row */
} ngx_http_auth_token_flight_t;


/* how often a waiting request looks again, in milliseconds */
#define NGX_HTTP_AUTH_TOKEN_WAIT_STEP  20


ngx_int_t ngx_http_auth_token_flight_acquire(ngx_http_auth_token_flight_t *f,
    time_t now, ngx_msec_t lock_timeout);
void ngx_http_auth_token_flight_succeeded(ngx_http_auth_token_flight_t *f);
time_t ngx_http_auth_token_flight_failed(ngx_http_auth_token_flight_t *f,
    time_t now);
void ngx_http_auth_token_flight_abandoned(ngx_http_auth_token_flight_t *f);

ngx_int_t ngx_http_auth_token_wait(ngx_http_request_t *r,
    ngx_http_auth_token_wait_t *w, ngx_msec_t timeout, ngx_msec_t delay);
void ngx_http_auth_token_wait_end(ngx_http_auth_token_wait_t *w);


#endif /* _NGX_HTTP_AUTH_TOKEN_FLIGHT_H_INCLUDED_ */
