
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_ENCODING_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_ENCODING_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <jansson.h>


/* outside strings in log lines: at most this many bytes, escaped */
#define NGX_HTTP_AUTH_TOKEN_LOG_MAX     64
#define NGX_HTTP_AUTH_TOKEN_LOG_LEN(n)                                      \
    (4 * ngx_min((size_t) (n), NGX_HTTP_AUTH_TOKEN_LOG_MAX) + 3)


/* reading (pure) */

ngx_int_t ngx_http_auth_token_parse_authorization(ngx_str_t *value,
    ngx_str_t *scheme, ngx_str_t *token);
ngx_int_t ngx_http_auth_token_valid_chars(ngx_str_t *token);
ngx_int_t ngx_http_auth_token_b64url_decode(ngx_str_t *dst, ngx_str_t *src);
ngx_int_t ngx_http_auth_token_b64url_decode_pool(ngx_pool_t *pool,
    ngx_str_t *dst, u_char *start, u_char *end);
ngx_int_t ngx_http_auth_token_hex_value(u_char c);

/* writing (pure) */

u_char *ngx_http_auth_token_b64url_encode(u_char *dst, u_char *src,
    size_t len);
u_char *ngx_http_auth_token_quote(u_char *p, ngx_str_t *s);
u_char *ngx_http_auth_token_form_escape(u_char *dst, ngx_str_t *src);
u_char *ngx_http_auth_token_log_escape_into(u_char *dst, u_char *src,
    size_t len);
ngx_str_t *ngx_http_auth_token_log_escape(ngx_pool_t *pool, u_char *data,
    size_t len);
ngx_int_t ngx_http_auth_token_render(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out);


#endif /* _NGX_HTTP_AUTH_TOKEN_ENCODING_H_INCLUDED_ */
