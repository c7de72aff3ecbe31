
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_SUBREQUEST_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_SUBREQUEST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_oauth.h"


/* a call to the identity provider through a subrequest */

typedef struct ngx_http_auth_token_fetch_s  ngx_http_auth_token_fetch_t;

typedef void (*ngx_http_auth_token_fetch_pt)(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);

struct ngx_http_auth_token_fetch_s {
    ngx_http_auth_token_fetch_pt    handler;
    void                           *data;

    /* the request: a POST when there is a body */
    ngx_str_t                       req_body;
    ngx_str_t                       req_type;
    ngx_str_t                       req_auth;   /* Authorization value */

    /* what a discovery document named: $auth_token_jwks_uri, ... */
    ngx_str_t                       jwks_uri;
    ngx_str_t                       introspection_endpoint;

    /* the answer */
    ngx_http_auth_token_answer_t    answer;
    size_t                          capacity;
    size_t                          max;
    time_t                          max_age;    /* Cache-Control, or -1 */
    ngx_msec_t                      start;      /* of the call */
    unsigned                        done:1;
    unsigned                        abandoned:1; /* the client went away */
    unsigned                        redirected:1;
};


ngx_int_t ngx_http_auth_token_fetch(ngx_http_request_t *r, ngx_str_t *uri,
    ngx_http_auth_token_fetch_t *f, ngx_uint_t background);
ngx_http_auth_token_fetch_t *ngx_http_auth_token_fetch_of(
    ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_fetch_init(ngx_conf_t *cf);


#endif /* _NGX_HTTP_AUTH_TOKEN_SUBREQUEST_H_INCLUDED_ */
