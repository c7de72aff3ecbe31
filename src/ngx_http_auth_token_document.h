
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_DOCUMENT_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_DOCUMENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"


/* a document as this worker parsed it: keys, or a discovery document */

typedef struct {
    ngx_http_auth_token_keyset_t    *keyset;
    ngx_http_auth_token_discovery_t *discovery;
    ngx_uint_t                       nkeys;
} ngx_http_auth_token_parsed_t;


const char *ngx_http_auth_token_doc_parse(ngx_http_auth_token_source_t *src,
    ngx_pool_t *pool, ngx_log_t *log, ngx_str_t *name, ngx_str_t *doc,
    ngx_http_auth_token_parsed_t *out);
void ngx_http_auth_token_keys_log_change(ngx_log_t *log, ngx_str_t *uri,
    ngx_http_auth_token_keyset_t *old, ngx_http_auth_token_keyset_t *ks);
void ngx_http_auth_token_discovery_log_change(ngx_log_t *log,
    ngx_str_t *uri, ngx_http_auth_token_discovery_t *old,
    ngx_http_auth_token_discovery_t *d);


#endif /* _NGX_HTTP_AUTH_TOKEN_DOCUMENT_H_INCLUDED_ */
