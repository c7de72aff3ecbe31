
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * An answer of the introspection endpoint:
 * ngx_http_auth_token_oauth_answer() in the RFC 7662 and the
 * status-code styles, and what the module does with an accepted answer:
 * its JSON parsed again as the claims, their times, the location's
 * requirements and the rendering for headers.
 *
 * Input: a byte of options (bit 0: the status-code style; bit 1: the
 * answer was larger than the limit), a byte that picks the HTTP status
 * (ngx_fuzz_status()), then the body.
 */


#include "ngx_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                          *claims;
    time_t                           now;
    ngx_pool_t                      *pool;
    const char                      *err;
    ngx_http_auth_token_answer_t     a;
    ngx_http_auth_token_outcome_t    o;
    ngx_http_auth_token_endpoint_t   ep;

    if (size < 2) {
        return 0;
    }

    ngx_fuzz_init();

    ngx_memzero(&ep, sizeof(ngx_http_auth_token_endpoint_t));
    ngx_memzero(&a, sizeof(ngx_http_auth_token_answer_t));

    ep.kind = NGX_HTTP_AUTH_TOKEN_INTROSPECTION;
    ep.format = (data[0] & 1) ? NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS
                              : NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662;

    a.too_large = (data[0] & 2) ? 1 : 0;
    a.status = ngx_fuzz_status(data[1]);
    a.body.len = size - 2;
    a.body.data = ngx_fuzz_copy(data + 2, a.body.len);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    now = ngx_time();

    ngx_http_auth_token_oauth_answer(pool, &ep, &a, now, 0, &o);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "%s: HTTP %u: state %u, %s\n", "introspect",
                (unsigned) a.status, (unsigned) o.state,
                o.err ? o.err : "-");
    }

    ngx_fuzz_check(o.stored == now, "oauth_answer: wrong time");

    switch (o.state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        ngx_fuzz_check(o.value.data == a.body.data
                       && o.value.len == a.body.len,
                       "oauth_answer: accepted, wrong value");

        /* as ngx_http_auth_token_endpoint() does */

        claims = ngx_http_auth_token_json_object(pool, &o.value,
                                                 NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS,
                                                 &err);
        if (claims) {
            ngx_fuzz_claims(pool, claims);
        }

        break;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
    case NGX_HTTP_AUTH_TOKEN_GONE:
        break;

    case NGX_HTTP_AUTH_TOKEN_FAILED:
        ngx_fuzz_check(o.err != NULL, "oauth_answer: failed, no err");
        break;

    default:
        ngx_fuzz_check(0, "oauth_answer: unknown state");
    }

    ngx_destroy_pool(pool);
    free(a.body.data);

    return 0;
}
