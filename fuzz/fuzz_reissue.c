
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * An answer of the token exchange (reissue) endpoint:
 * ngx_http_auth_token_oauth_answer() for RFC 8693 and JSON-body APIs,
 * with RFC 6749 error answers, the new token's checks (it goes into a
 * request header) and its lifetime from "expires_in" or, without it, from
 * the "exp" of the new token read as a JWT.
 *
 * Input: a byte of options (bits 0-1: the answer field, "access_token",
 * "token", "id_token" or "jwt"; bit 2: the answer was larger than the
 * limit; bit 3: the client's token has an exp; bit 4: the JSON-body
 * style), a byte that picks the HTTP status (ngx_fuzz_status()), then
 * the body.
 */


#include "ngx_fuzz.h"


static ngx_str_t  ngx_fuzz_fields[] = {
    ngx_string("access_token"),
    ngx_string("token"),
    ngx_string("id_token"),
    ngx_string("jwt")
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    time_t                           now, client_exp;
    ngx_pool_t                      *pool;
    ngx_http_auth_token_answer_t     a;
    ngx_http_auth_token_outcome_t    o;
    ngx_http_auth_token_endpoint_t   ep;

    if (size < 2) {
        return 0;
    }

    ngx_fuzz_init();

    ngx_memzero(&ep, sizeof(ngx_http_auth_token_endpoint_t));
    ngx_memzero(&a, sizeof(ngx_http_auth_token_answer_t));

    now = ngx_time();

    ep.kind = NGX_HTTP_AUTH_TOKEN_EXCHANGE;
    ep.format = (data[0] & 16) ? NGX_HTTP_AUTH_TOKEN_FORMAT_JSON
                               : NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693;
    ep.field = ngx_fuzz_fields[data[0] & 3];

    client_exp = (data[0] & 8) ? now + 3600 : 0;

    a.too_large = (data[0] & 4) ? 1 : 0;
    a.status = ngx_fuzz_status(data[1]);
    a.body.len = size - 2;
    a.body.data = ngx_fuzz_copy(data + 2, a.body.len);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    ngx_http_auth_token_oauth_answer(pool, &ep, &a, now, client_exp, &o);

    ngx_fuzz_check(client_exp == 0
                   || (o.not_after && o.not_after <= client_exp),
                   "oauth_answer: kept past the client token's exp");

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "%s: HTTP %u: state %u, %s, not after +%d\n",
                "reissue", (unsigned) a.status, (unsigned) o.state,
                o.err ? o.err : "-",
                (int) (o.not_after ? o.not_after - now : 0));
    }

    switch (o.state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        ngx_fuzz_check(o.value.len > 0
                       && o.value.len <= NGX_HTTP_AUTH_TOKEN_MAX_LENGTH
                       && ngx_http_auth_token_valid_chars(&o.value)
                          == NGX_OK,
                       "oauth_answer: accepted a token unfit for a header");
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
