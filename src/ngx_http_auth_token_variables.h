
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_VARIABLES_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_VARIABLES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


ngx_int_t ngx_http_auth_token_add_variables(ngx_conf_t *cf);
char *ngx_http_auth_token_claim_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_TOKEN_VARIABLES_H_INCLUDED_ */
