
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_JSON_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_JSON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <jansson.h>


/* untrusted JSON: bounded depth, no duplicate keys (pure) */

json_t *ngx_http_auth_token_json_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_uint_t max_depth, const char **err);
json_t *ngx_http_auth_token_json_object(ngx_pool_t *pool, ngx_str_t *text,
    ngx_uint_t max_members, const char **err);
json_t *ngx_http_auth_token_json_path(json_t *root, ngx_str_t *path,
    ngx_uint_t n);
ngx_int_t ngx_http_auth_token_json_dump(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out);


#endif /* _NGX_HTTP_AUTH_TOKEN_JSON_H_INCLUDED_ */
