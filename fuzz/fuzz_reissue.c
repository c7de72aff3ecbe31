
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * An answer of the token exchange (reissue) endpoint:
 * ngx_http_auth_token_reissue_parse() for RFC 8693 and JSON-body APIs,
 * with RFC 6749 error answers, the new token's checks (it goes into a
 * request header) and its lifetime from "expires_in" or, without it, from
 * the "exp" of the new token read as a JWT.
 *
 * Input: a byte of options (bits 0-1: the answer field, "access_token",
 * "token", "id_token" or "jwt"; bit 2: the answer was larger than the
 * limit; bit 3: the client's token has an exp), a byte that picks the
 * HTTP status (ngx_fuzz_status()), then the body.
 */


#include "ngx_fuzz.h"


#define NGX_FUZZ_CACHE_VALID  600


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
    ngx_uint_t                       state;
    ngx_pool_t                      *pool;
    ngx_http_auth_token_call_t       call;
    ngx_http_auth_token_fetch_t      f;
    ngx_http_auth_token_reissue_t    ri;
    ngx_http_auth_token_loc_conf_t   alcf;

    if (size < 2) {
        return 0;
    }

    ngx_fuzz_init();

    ngx_memzero(&ri, sizeof(ngx_http_auth_token_reissue_t));
    ngx_memzero(&alcf, sizeof(ngx_http_auth_token_loc_conf_t));
    ngx_memzero(&call, sizeof(ngx_http_auth_token_call_t));
    ngx_memzero(&f, sizeof(ngx_http_auth_token_fetch_t));

    now = ngx_time();

    ri.field = ngx_fuzz_fields[data[0] & 3];

    alcf.reissue = &ri;
    alcf.reissue_cache_valid = NGX_FUZZ_CACHE_VALID;

    client_exp = (data[0] & 8) ? now + 3600 : 0;

    f.too_large = (data[0] & 4) ? 1 : 0;
    f.status = ngx_fuzz_status(data[1]);
    f.body.len = size - 2;
    f.body.data = ngx_fuzz_copy(data + 2, f.body.len);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    state = ngx_http_auth_token_reissue_parse(pool, &alcf, client_exp, &call,
                                              &f);

    ngx_fuzz_check(call.token_exp == client_exp,
                   "reissue_parse: the client token's exp is lost");

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "%s: HTTP %u: state %u, %s, expires +%d\n",
                "reissue", (unsigned) f.status, (unsigned) state,
                call.err ? call.err : "-", (int) (call.expires - now));
    }

    switch (state) {

    case NGX_HTTP_AUTH_TOKEN_ACCEPTED:
        ngx_fuzz_check(call.value.len > 0
                       && call.value.len <= NGX_HTTP_AUTH_TOKEN_MAX_LENGTH
                       && ngx_http_auth_token_valid_chars(&call.value)
                          == NGX_OK,
                       "reissue_parse: accepted a token unfit for a header");

        ngx_fuzz_check(call.expires <= now + NGX_FUZZ_CACHE_VALID,
                       "reissue_parse: kept longer than configured");
        break;

    case NGX_HTTP_AUTH_TOKEN_REFUSED:
    case NGX_HTTP_AUTH_TOKEN_GONE:
        break;

    case NGX_HTTP_AUTH_TOKEN_FAILED:
        ngx_fuzz_check(call.err != NULL, "reissue_parse: failed, no err");
        break;

    default:
        ngx_fuzz_check(0, "reissue_parse: unknown state");
    }

    ngx_destroy_pool(pool);
    free(f.body.data);

    return 0;
}
