
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_FUZZ_H_INCLUDED_
#define _NGX_FUZZ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_jws.h"
#include "ngx_http_auth_token_claims.h"
#include "ngx_http_auth_token_oauth.h"


/* what the targets share (ngx_fuzz.c) */

extern ngx_log_t   ngx_fuzz_log;
extern ngx_pool_t *ngx_fuzz_pool;       /* lives as long as the process */
extern ngx_uint_t  ngx_fuzz_verbose;    /* $FUZZ_LOG: print outcomes */

void ngx_fuzz_init(void);
ngx_http_auth_token_keyset_t *ngx_fuzz_test_keys(void);
void ngx_fuzz_claims(ngx_pool_t *pool, json_t *claims);
void ngx_fuzz_check(int cond, const char *what);
ngx_uint_t ngx_fuzz_status(u_char c);
u_char *ngx_fuzz_copy(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#endif /* _NGX_FUZZ_H_INCLUDED_ */
