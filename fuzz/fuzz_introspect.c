
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * An answer of the introspection endpoint:
 * ngx_http_auth_token_introspect_parse() in the RFC 7662 and the
 * status-code styles, and what the module does with an accepted answer:
 * its JSON parsed again as the claims, their times, the location's
 * requirements and the rendering for headers.
 *
 * Input: a byte of options (bit 0: the status-code style; bit 1: the
 * answer was larger than the limit), a byte that picks the HTTP status
 * (ngx_fuzz_status()), then the body.
 */


#include "ngx_fuzz.h"


#define NGX_FUZZ_CACHE_VALID     300
#define NGX_FUZZ_CACHE_INACTIVE  60


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                            *claims;
    time_t                             now;
    ngx_uint_t                         state;
    ngx_pool_t                        *pool;
    const char                        *err;
    ngx_http_auth_token_call_t         call;
    ngx_http_auth_token_fetch_t        f;
    ngx_http_auth_token_loc_conf_t     alcf;
    ngx_http_auth_token_introspect_t   is;

    if (size < 2) {
        return 0;
    }

    ngx_fuzz_init();

    ngx_memzero(&is, sizeof(ngx_http_auth_token_introspect_t));
    ngx_memzero(&alcf, sizeof(ngx_http_auth_token_loc_conf_t));
    ngx_memzero(&call, sizeof(ngx_http_auth_token_call_t));
    ngx_memzero(&f, sizeof(ngx_http_auth_token_fetch_t));

    is.format = (data[0] & 1) ? NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS
                              : NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662;

    alcf.introspect = &is;
    alcf.cache_valid = NGX_FUZZ_CACHE_VALID;
    alcf.cache_inactive = NGX_FUZZ_CACHE_INACTIVE;

    f.too_large = (data[0] & 2) ? 1 : 0;
    f.status = ngx_fuzz_status(data[1]);
    f.body.len = size - 2;
    f.body.data = ngx_fuzz_copy(data + 2, f.body.len);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    now = ngx_time();

    state = ngx_http_auth_token_introspect_parse(pool, &alcf, &call, &f);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "%s: HTTP %u: state %u, %s, expires +%d\n",
                "introspect", (unsigned) f.status, (unsigned) state,
                call.err ? call.err : "-", (int) (call.expires - now));
    }

    switch (state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        ngx_fuzz_check(call.value.data == f.body.data
                       && call.value.len == f.body.len
                       && call.expires == now + NGX_FUZZ_CACHE_VALID,
                       "introspect_parse: accepted, wrong outcome");

        /* as ngx_http_auth_token_introspect() does */

        claims = ngx_http_auth_token_json_parse(pool, call.value.data,
                                                call.value.len,
                                                NGX_HTTP_AUTH_TOKEN_MAX_DEPTH,
                                                &err);

        ngx_fuzz_check(json_is_object(claims),
                       "introspect_parse: accepted, claims do not parse");

        ngx_fuzz_claims(pool, claims);
        break;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
    case NGX_HTTP_AUTH_TOKEN_GONE:
        ngx_fuzz_check(call.expires == now + NGX_FUZZ_CACHE_INACTIVE,
                       "introspect_parse: refused, wrong expiry");
        break;

    case NGX_HTTP_AUTH_TOKEN_FAILED:
        ngx_fuzz_check(call.err != NULL, "introspect_parse: failed, no err");
        break;

    default:
        ngx_fuzz_check(0, "introspect_parse: unknown state");
    }

    ngx_destroy_pool(pool);
    free(f.body.data);

    return 0;
}
