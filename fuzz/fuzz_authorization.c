
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * The Authorization header: ngx_http_auth_token_parse_authorization() and
 * ngx_http_auth_token_valid_chars(), as the access handler runs them.
 *
 * Input: one byte that picks the configured scheme (auth_token_scheme),
 * then the header value.  Besides memory errors, the results are checked
 * against what the functions promise: the token lies inside the value,
 * is not empty and has no blanks around it, and valid_chars() agrees with
 * a plain reading of the b64token grammar (RFC 6750, section 2.1).
 */


#include "ngx_fuzz.h"


static ngx_int_t ngx_fuzz_b64token(ngx_str_t *token);


static ngx_str_t  ngx_fuzz_schemes[] = {
    ngx_string("Bearer"),
    ngx_string("bearer"),
    ngx_string("DPoP"),
    ngx_string("Token"),
    ngx_string("")
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char     *copy;
    ngx_int_t   rc;
    ngx_str_t   value, token, *scheme;

    if (size == 0) {
        return 0;
    }

    ngx_fuzz_init();

    scheme = &ngx_fuzz_schemes[data[0] % (sizeof(ngx_fuzz_schemes)
                                          / sizeof(ngx_str_t))];

    /* an allocation of its own: a read past the value is caught */

    value.len = size - 1;
    copy = malloc(value.len);
    ngx_fuzz_check(copy != NULL, "out of memory");

    ngx_memcpy(copy, data + 1, value.len);
    value.data = copy;

    ngx_str_null(&token);

    rc = ngx_http_auth_token_parse_authorization(&value, scheme, &token);

    ngx_fuzz_check(rc == NGX_OK || rc == NGX_DECLINED || rc == NGX_ERROR,
                   "parse_authorization: unknown result");

    if (rc == NGX_OK) {
        ngx_fuzz_check(token.len > 0
                       && token.data >= value.data
                       && token.data + token.len <= value.data + value.len,
                       "parse_authorization: token outside the value");

        ngx_fuzz_check(token.data[0] != ' ' && token.data[0] != '\t'
                       && token.data[token.len - 1] != ' '
                       && token.data[token.len - 1] != '\t',
                       "parse_authorization: blanks around the token");

        ngx_fuzz_check(ngx_http_auth_token_valid_chars(&token)
                       == ngx_fuzz_b64token(&token),
                       "valid_chars: differs from the grammar");
    }

    /* the whole value as a token (token=$arg_..., reissued tokens) */

    if (value.len) {
        ngx_fuzz_check(ngx_http_auth_token_valid_chars(&value)
                       == ngx_fuzz_b64token(&value),
                       "valid_chars: differs from the grammar");
    }

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "authorization: %d \"%.*s\"\n", (int) rc,
                (int) token.len, token.data ? (char *) token.data : "");
    }

    free(copy);

    return 0;
}


/* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */

static ngx_int_t
ngx_fuzz_b64token(ngx_str_t *token)
{
    u_char  c;
    size_t  i, n;

    for (n = 0; n < token->len; n++) {
        c = token->data[n];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || (c != '\0' && ngx_strchr("-._~+/", c))))
        {
            break;
        }
    }

    if (n == 0) {
        return NGX_ERROR;
    }

    for (i = n; i < token->len; i++) {
        if (token->data[i] != '=') {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
