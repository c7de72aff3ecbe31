
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_DIRECTIVES_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_DIRECTIVES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* what "format=" of an endpoint directive may say */

typedef struct {
    ngx_uint_t                      offset;     /* of the format field */
    ngx_conf_enum_t                *formats;
    const char                     *expected;
} ngx_http_auth_token_format_t;


extern ngx_http_auth_token_format_t  ngx_http_auth_token_introspect_format;
extern ngx_http_auth_token_format_t  ngx_http_auth_token_reissue_format;


char *ngx_http_auth_token_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_auth_token_jwks_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_issuer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_jwks_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_reissue_param(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_literal_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_off_sec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_values(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_require(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_token_claim_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_TOKEN_DIRECTIVES_H_INCLUDED_ */
