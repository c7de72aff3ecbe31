
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_BINDING_CONF_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_BINDING_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


/* auth_token_dpop and auth_token_cert_binding: off, on, required */

extern ngx_conf_enum_t  ngx_http_auth_token_bind_modes[];


/* auth_token_dpop_algs, auth_token_client_cert; create and merge */

char *ngx_http_auth_token_dpop_algs(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_client_cert(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_auth_token_binding_create(ngx_http_auth_token_loc_conf_t *conf);
char *ngx_http_auth_token_binding_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *prev,
    ngx_http_auth_token_loc_conf_t *conf);


#endif /* _NGX_HTTP_AUTH_TOKEN_BINDING_CONF_H_INCLUDED_ */
