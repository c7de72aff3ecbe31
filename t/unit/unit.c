
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * Unit tests of the module's pure core (docs/design.md), at boundaries a
 * suite cannot hold exactly: the clock (exp == now), the encodings, the
 * key checks.  Linked like the fuzz targets (the same nginx shim), with
 * gcc; prints TAP, run by t/024-unit.t (make test).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_claims.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"


static ngx_uint_t   ngx_unit_n;
static ngx_uint_t   ngx_unit_failed;
static ngx_pool_t  *ngx_unit_pool;
static ngx_log_t    ngx_unit_log;


static void
ngx_unit_ok(int cond, const char *name)
{
    ngx_unit_n++;

    if (!cond) {
        ngx_unit_failed++;
    }

    printf("%sok %u - %s\n", cond ? "" : "not ", (unsigned) ngx_unit_n, name);
}


/* exp and nbf at the exact second, with and without leeway */

static void
ngx_unit_time(ngx_uint_t has, double exp, double nbf, time_t leeway,
    ngx_http_auth_token_status_e status, const char *name)
{
    const char                   *reason;
    ngx_http_auth_token_times_t   t;

    t.has = has;
    t.exp = exp;
    t.nbf = nbf;

    ngx_unit_ok(ngx_http_auth_token_check_times(&t, leeway, 1700000000,
                                                &reason)
                == status, name);
}


static void
ngx_unit_times(void)
{
    time_t  now;

    now = 1700000000;

    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_EXP, now, 0, 0,
                  NGX_HTTP_AUTH_TOKEN_EXPIRED,
                  "exp == now: expired (now - leeway >= exp)");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_EXP, now + 1, 0, 0,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED, "exp == now + 1: valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_EXP, now + 0.5, 0, 0,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED,
                  "exp == now + 0.5 (fractional): valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_EXP, now - 30, 0, 30,
                  NGX_HTTP_AUTH_TOKEN_EXPIRED,
                  "leeway 30, exp == now - 30: expired");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_EXP, now - 29, 0, 30,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED,
                  "leeway 30, exp == now - 29: valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_NBF, 0, now, 0,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED, "nbf == now: valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_NBF, 0, now + 1, 0,
                  NGX_HTTP_AUTH_TOKEN_NOT_YET_VALID,
                  "nbf == now + 1: not yet valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_NBF, 0, now + 30, 30,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED,
                  "leeway 30, nbf == now + 30: valid");
    ngx_unit_time(NGX_HTTP_AUTH_TOKEN_HAS_NBF, 0, now + 31, 30,
                  NGX_HTTP_AUTH_TOKEN_NOT_YET_VALID,
                  "leeway 30, nbf == now + 31: not yet valid");
    ngx_unit_time(0, now - 100, now + 100, 0,
                  NGX_HTTP_AUTH_TOKEN_UNCHECKED,
                  "no exp, no nbf: no time check");
}


/* a claim as a header: one encoding, two values never the same */

static void
ngx_unit_render_one(const char *json, ngx_int_t rc, const char *out)
{
    json_t      *v;
    ngx_int_t    got;
    ngx_str_t    s;
    const char  *err;
    u_char       name[256], doc[256];

    /* as a claim: a member of the claims object */

    snprintf((char *) doc, sizeof(doc), "{\"v\":%s}", json);

    v = ngx_http_auth_token_json_parse(ngx_unit_pool, doc,
                                       ngx_strlen(doc), 16, &err);
    if (v == NULL) {
        ngx_unit_ok(0, "render: a test value does not parse");
        return;
    }

    got = ngx_http_auth_token_render(ngx_unit_pool, json_object_get(v, "v"),
                                     &s);

    snprintf((char *) name, sizeof(name), "render %s -> %s", json,
             out ? out : "(refused)");

    ngx_unit_ok(got == rc
                && (rc != NGX_OK
                    || (s.len == ngx_strlen(out)
                        && ngx_memcmp(s.data, out, s.len) == 0)),
                (char *) name);
}


static void
ngx_unit_render(void)
{
    ngx_unit_render_one("\"alice\"", NGX_OK, "alice");
    ngx_unit_render_one("\"J\\u00fcrgen, Doe\"", NGX_OK, "J\xc3\xbcrgen, Doe");
    ngx_unit_render_one("[\"admin,user\"]", NGX_OK, "\"admin,user\"");
    ngx_unit_render_one("[\"admin\",\"user\"]", NGX_OK, "admin,user");
    ngx_unit_render_one("[\"a\\\"b\",\"c\\\\d\"]", NGX_OK,
                        "\"a\\\"b\",\"c\\\\d\"");
    ngx_unit_render_one("[\"\",\" x\"]", NGX_OK, "\"\",\" x\"");
    ngx_unit_render_one("[1,true,null,{\"k\":\"v\"},[\"x\"]]", NGX_OK,
                        "1,true,null,\"{\\\"k\\\":\\\"v\\\"}\",\"[\\\"x\\\"]\"");
    ngx_unit_render_one("{\"a\":\"b\\nc\"}", NGX_OK, "{\"a\":\"b\\nc\"}");
    ngx_unit_render_one("\"admin\\t\"", NGX_DECLINED, NULL);
    ngx_unit_render_one("\"admin \"", NGX_DECLINED, NULL);
    ngx_unit_render_one("\"a\\r\\nX-Injected: 1\"", NGX_DECLINED, NULL);
    ngx_unit_render_one("[\"ok\",\"a\\u007fb\"]", NGX_DECLINED, NULL);
    ngx_unit_render_one("{\"a\":\"\\u007f\"}", NGX_DECLINED, NULL);
    ngx_unit_render_one("[]", NGX_OK, "");
    ngx_unit_render_one("null", NGX_OK, "");
    ngx_unit_render_one("-9223372036854775808", NGX_OK,
                        "-9223372036854775808");
    ngx_unit_render_one("1.5", NGX_OK, "1.5");
}


/* outside strings in a log line */

static void
ngx_unit_log_escape(void)
{
    u_char      long_kid[100];
    ngx_str_t  *s;

    s = ngx_http_auth_token_log_escape(ngx_unit_pool,
                                       (u_char *) "a\n\"b\\\xc3\xa9", 7);
    ngx_unit_ok(s->len == sizeof("a\\x0a\\x22b\\x5c\\xc3\\xa9") - 1
                && ngx_memcmp(s->data, "a\\x0a\\x22b\\x5c\\xc3\\xa9", s->len)
                   == 0,
                "log escape: control, quote, backslash, non-ASCII as \\xHH");

    ngx_memset(long_kid, 'k', sizeof(long_kid));

    s = ngx_http_auth_token_log_escape(ngx_unit_pool, long_kid,
                                       sizeof(long_kid));
    ngx_unit_ok(s->len == NGX_HTTP_AUTH_TOKEN_LOG_MAX + 3
                && ngx_memcmp(s->data + NGX_HTTP_AUTH_TOKEN_LOG_MAX, "...", 3)
                   == 0,
                "log escape: at most 64 bytes, then \"...\"");
}


/* degenerate keys */

static void
ngx_unit_key(const char *jwk, const char *reason, const char *name)
{
    json_t                     *v;
    const char                 *got, *err;
    ngx_http_auth_token_key_t   key;

    v = ngx_http_auth_token_json_parse(ngx_unit_pool, (u_char *) jwk,
                                       ngx_strlen(jwk), 8, &err);

    ngx_memzero(&key, sizeof(ngx_http_auth_token_key_t));
    got = v ? ngx_http_auth_token_jwk_parse(ngx_unit_pool, v, &key) : "?";
    ngx_http_auth_token_key_free(&key);

    ngx_unit_ok((got == NULL && reason == NULL)
                || (got && reason && ngx_strcmp(got, reason) == 0),
                name);

    if (got && (reason == NULL || ngx_strcmp(got, reason) != 0)) {
        printf("# got: %s\n", got);
    }
}


static void
ngx_unit_keys(void)
{
    static char  n[] =
        "1m7Y5mSnpMm5ezS9842dHueseVmiNaMsSxPEMrTs_29oNStdbVyg47_2TAZB71PH"
        "-WBf99DZWQ6VDiF9jtsaj7FdtUBouXHwjUZzFi04ZxDH1hdJjEyApc4iqB2unVH_"
        "pCNETmlw2O7BSuFo0rbVgDLRxSgpaX1rh0mDfToBZeq6y0uZfBmv7WCnmEoFhMNB"
        "xy7GdYqv0XmjZ3Iv7scZpPP_o1trbglP8_YHHVGkBauHfq7PgvTYKc2PXAf1voAI"
        "fL2WPrC6Q4Q4mu458xwLgSGHoHwp-PZPDYdUeMIOa55w3Jeoyf1Gl9VwRyu3hGb0"
        "qF8POlvTwFdFm2iTggdxyw";
    u_char       jwk[1024];

    snprintf((char *) jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", n);
    ngx_unit_key((char *) jwk, NULL, "RSA e = 65537: accepted");

    snprintf((char *) jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQ\"}", n);
    ngx_unit_key((char *) jwk, "RSA exponent is not odd and at least 3",
                 "RSA e = 1: refused");

    snprintf((char *) jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"Aw\"}", n);
    ngx_unit_key((char *) jwk, NULL, "RSA e = 3: accepted");

    snprintf((char *) jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAA\"}", n);
    ngx_unit_key((char *) jwk, "RSA exponent is not odd and at least 3",
                 "RSA e = 65536: refused");

    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"vKQP3h5Q9vivm96f6VYnJ9Ea5WljsCujFIlO9eDU4cU\"}",
                 NULL, "Ed25519, a valid point: accepted");
    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                 "Ed25519 point of small order",
                 "Ed25519, the neutral point: refused");
    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA\"}",
                 "Ed25519 point of small order",
                 "Ed25519, the neutral point with the sign bit: refused");
    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"7P_______________________________________38\"}",
                 "Ed25519 point of small order",
                 "Ed25519, y = p - 1 (order 2): refused");
    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"7f_______________________________________38\"}",
                 "Ed25519 point not canonically encoded",
                 "Ed25519, y = p: refused");
    ngx_unit_key("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                 "\"x\":\"xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o\"}",
                 "Ed25519 point of small order",
                 "Ed25519, a point of order 8: refused");
}


int
main(int argc, char **argv)
{
    ngx_conf_t  cf;

    ngx_unit_log.log_level = NGX_LOG_ERR;

    ngx_unit_pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_unit_log);
    if (ngx_unit_pool == NULL) {
        return 2;
    }

    ngx_memzero(&cf, sizeof(ngx_conf_t));
    cf.pool = ngx_unit_pool;
    cf.log = &ngx_unit_log;

    if (ngx_http_auth_token_init_algs(&cf) != NGX_OK) {
        printf("Bail out! ngx_http_auth_token_init_algs() failed\n");
        return 2;
    }

    ngx_unit_times();
    ngx_unit_render();
    ngx_unit_log_escape();
    ngx_unit_keys();

    printf("1..%u\n", (unsigned) ngx_unit_n);

    ngx_destroy_pool(ngx_unit_pool);

    return ngx_unit_failed ? 1 : 0;
}
