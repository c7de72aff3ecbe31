
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * A discovery document from the identity provider (OpenID Connect
 * Discovery 1.0, RFC 8414): ngx_http_auth_token_discovery_parse() reads
 * "issuer", "jwks_uri" and "introspection_endpoint" out of it; the URLs
 * later become the target of a proxy_pass with a variable, the issuer the
 * string tokens' "iss" is compared with.  Then what the module does with
 * an accepted document: the notice line that names the issuer and the
 * jwks_uri (ngx_http_auth_token_log_escape_into(), as keyset.c calls it).
 *
 * Checks: a refusal says why; an accepted document has an issuer and a
 * jwks_uri, every value is printable ASCII without spaces and at most
 * NGX_HTTP_AUTH_TOKEN_MAX_URL bytes, the URLs are absolute http(s) URLs
 * (the scheme in any case, as RFC 3986 and proxy_pass read it) with
 * something after the scheme, and each value is exactly the member
 * that jansson reads from the same bytes (nothing is cut, merged or taken
 * from elsewhere); the log line stays within its buffer and printable.
 *
 * Input: the document.
 */


#include "ngx_fuzz.h"


static void ngx_fuzz_discovery_value(json_t *doc, const char *name,
    ngx_str_t *value, ngx_uint_t url, ngx_uint_t required);
static void ngx_fuzz_discovery_log(ngx_str_t *value);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                           *doc;
    json_t                           *json;
    ngx_int_t                         rc;
    ngx_pool_t                       *pool;
    const char                       *err;
    json_error_t                      error;
    ngx_http_auth_token_discovery_t   d;

    ngx_fuzz_init();

    doc = ngx_fuzz_copy(data, size);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    ngx_memzero(&d, sizeof(ngx_http_auth_token_discovery_t));
    err = NULL;

    rc = ngx_http_auth_token_discovery_parse(pool, doc, size, &d, &err);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "discovery: %s, issuer %.*s, jwks_uri %.*s, "
                "introspection_endpoint %.*s\n",
                rc == NGX_OK ? "accepted" : err,
                (int) d.issuer.len, d.issuer.data,
                (int) d.jwks_uri.len, d.jwks_uri.data,
                (int) d.introspection_endpoint.len,
                d.introspection_endpoint.data);
    }

    if (rc != NGX_OK) {
        ngx_fuzz_check(rc == NGX_DECLINED, "discovery_parse: not DECLINED");
        ngx_fuzz_check(err != NULL, "discovery_parse: refused, no reason");
        goto done;
    }

    /* the same bytes as jansson reads them, without the module's limits */

    json = json_loadb((const char *) doc, size, JSON_REJECT_DUPLICATES,
                      &error);

    ngx_fuzz_check(json != NULL && json_is_object(json),
                   "discovery_parse: accepted what is not a JSON object");
    ngx_fuzz_check(json_object_size(json) <= NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS,
                   "discovery_parse: accepted too many members");

    ngx_fuzz_discovery_value(json, "issuer", &d.issuer, 0, 1);
    ngx_fuzz_discovery_value(json, "jwks_uri", &d.jwks_uri, 1, 1);
    ngx_fuzz_discovery_value(json, "introspection_endpoint",
                             &d.introspection_endpoint, 1, 0);

    json_decref(json);

    ngx_fuzz_discovery_log(&d.issuer);
    ngx_fuzz_discovery_log(&d.jwks_uri);

done:

    ngx_destroy_pool(pool);
    free(doc);

    return 0;
}


static void
ngx_fuzz_discovery_value(json_t *doc, const char *name, ngx_str_t *value,
    ngx_uint_t url, ngx_uint_t required)
{
    size_t   i;
    json_t  *v;

    v = json_object_get(doc, name);

    if (v == NULL) {
        ngx_fuzz_check(!required && value->len == 0,
                       "discovery_parse: a value for an absent member");
        return;
    }

    ngx_fuzz_check(json_is_string(v),
                   "discovery_parse: accepted a member that is no string");
    ngx_fuzz_check(value->len == json_string_length(v)
                   && ngx_memcmp(value->data, json_string_value(v),
                                 value->len)
                      == 0,
                   "discovery_parse: a value is not its member");

    ngx_fuzz_check(!required || value->len > 0,
                   "discovery_parse: an empty required member");
    ngx_fuzz_check(value->len <= NGX_HTTP_AUTH_TOKEN_MAX_URL,
                   "discovery_parse: a value over the limit");

    for (i = 0; i < value->len; i++) {
        ngx_fuzz_check(value->data[i] > 0x20 && value->data[i] < 0x7f,
                       "discovery_parse: a value with a space, a control "
                       "or a non-ASCII byte");
    }

    if (url && value->len) {
        ngx_fuzz_check((value->len > 8
                        && ngx_strncasecmp(value->data,
                                           (u_char *) "https://", 8) == 0)
                       || (value->len > 7
                           && ngx_strncasecmp(value->data,
                                              (u_char *) "http://", 7)
                              == 0),
                       "discovery_parse: a URL that is not absolute http(s)");
    }
}


/* as ngx_http_auth_token_discovery_log_change() formats it */

static void
ngx_fuzz_discovery_log(ngx_str_t *value)
{
    u_char  *e, *p;
    u_char   buf[NGX_HTTP_AUTH_TOKEN_LOG_LEN(NGX_HTTP_AUTH_TOKEN_LOG_MAX)];

    e = ngx_http_auth_token_log_escape_into(buf, value->data,
                                    ngx_min(value->len,
                                            NGX_HTTP_AUTH_TOKEN_LOG_MAX));

    ngx_fuzz_check(e >= buf && e <= buf + sizeof(buf),
                   "log_escape_into: out of its buffer");

    for (p = buf; p < e; p++) {
        ngx_fuzz_check(*p >= 0x20 && *p < 0x7f,
                       "log_escape_into: an unprintable byte in a log line");
    }
}
