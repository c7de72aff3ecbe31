
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_CLAIMS_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_CLAIMS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"

#include <jansson.h>


/* pure: a status (UNCHECKED: nothing against it) and *reason */

ngx_http_auth_token_status_e ngx_http_auth_token_claim_times(json_t *claims,
    ngx_http_auth_token_times_t *t, const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_check_times(
    ngx_http_auth_token_times_t *t, time_t leeway, time_t now,
    const char **reason);
ngx_http_auth_token_status_e ngx_http_auth_token_check_claims(
    ngx_http_auth_token_loc_conf_t *alcf, json_t *claims,
    const char **reason);


#endif /* _NGX_HTTP_AUTH_TOKEN_CLAIMS_H_INCLUDED_ */
