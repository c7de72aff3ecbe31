
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * t/sender/sender.c, built as build/t-sender (mk/sender.mk): the pure
 * functions of src/ngx_http_auth_token_dpop.c, _htu.c and _thumbprint.c,
 * linked with the module's pure core and fuzz/ngx_fuzz_shim.c (no nginx),
 * as a test and as a tool.
 *
 *   t-sender selftest          RFC examples and normalization cases (TAP)
 *   t-sender jkt               RFC 7638 thumbprint of the JWK on stdin
 *   t-sender ath TOKEN         base64url(SHA-256(TOKEN))
 *   t-sender htu URI           the normalized htu, or "declined"
 *   t-sender cert ENCODING     x5t#S256 of the certificate on stdin;
 *                              ENCODING: auto, pem, escaped, base64
 *   t-sender dpop NAME=VALUE.. the proof on stdin, parsed and checked
 *                              against method, origin, path, token, jkt,
 *                              now, window, leeway, algs ("ES256 RS256")
 *
 * The tools print one line: the result, or "refused: <status>: <reason>"
 * (exit 1).  t/028-sender-pure.t runs all of them against OpenSSL's
 * command line and the jose package (t/lib/dpop-mint.mjs).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_thumbprint.h"


static ngx_log_t    log_;
static ngx_pool_t  *pool;
static ngx_uint_t   tests, failed;


static void
check(int ok, const char *what, const char *got)
{
    tests++;

    if (ok) {
        printf("ok %u - %s\n", (unsigned) tests, what);
        return;
    }

    failed++;
    printf("not ok %u - %s\n", (unsigned) tests, what);

    if (got) {
        printf("#   got: %s\n", got);
    }
}


static char *
cstr(ngx_str_t *s)
{
    char  *c;

    c = ngx_pnalloc(pool, s->len + 1);

    if (s->len) {
        ngx_memcpy(c, s->data, s->len);
    }

    c[s->len] = '\0';

    return c;
}


static ngx_str_t
str(const char *s)
{
    ngx_str_t  r;

    r.data = (u_char *) s;
    r.len = strlen(s);

    return r;
}


static int
equal(ngx_str_t *s, const char *expect)
{
    return s->len == strlen(expect) && memcmp(s->data, expect, s->len) == 0;
}


static void
jkt_case(const char *json, const char *expect, const char *what)
{
    json_t      *jwk;
    ngx_int_t    rc;
    ngx_str_t    out;
    const char  *err;

    jwk = ngx_http_auth_token_json_parse(pool, (u_char *) json, strlen(json),
                                         8, &err);
    ngx_str_null(&out);

    rc = jwk ? ngx_http_auth_token_jwk_thumbprint(pool, jwk, &out)
             : NGX_ERROR;

    if (expect == NULL) {
        check(rc == NGX_DECLINED, what, rc == NGX_OK ? cstr(&out) : NULL);
        return;
    }

    check(rc == NGX_OK && equal(&out, expect), what,
          rc == NGX_OK ? cstr(&out) : "declined");
}


static void
htu_case(const char *uri, const char *expect)
{
    char        what[512];
    ngx_int_t   rc;
    ngx_str_t   in, out;

    in = str(uri);
    rc = ngx_http_auth_token_htu_normalize(pool, &in, &out);

    snprintf(what, sizeof(what), "htu \"%s\" -> %s", uri,
             expect ? expect : "declined");

    if (expect == NULL) {
        check(rc == NGX_DECLINED, what, rc == NGX_OK ? cstr(&out) : NULL);
        return;
    }

    check(rc == NGX_OK && equal(&out, expect), what,
          rc == NGX_OK ? cstr(&out) : "declined");
}


static void
cnf_case(const char *json, ngx_uint_t ok, const char *jkt, const char *x5t)
{
    char                          what[512];
    json_t                       *claims;
    ngx_str_t                     j, x;
    const char                   *err, *reason;
    ngx_http_auth_token_status_e  status;

    claims = ngx_http_auth_token_json_parse(pool, (u_char *) json,
                                            strlen(json), 8, &err);

    reason = NULL;
    status = ngx_http_auth_token_cnf(claims, &j, &x, &reason);

    snprintf(what, sizeof(what), "cnf %s: %s", json,
             ok ? "read" : "malformed");

    if (!ok) {
        check(status == NGX_HTTP_AUTH_TOKEN_MALFORMED && reason != NULL,
              what, NULL);
        return;
    }

    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
          && (jkt ? equal(&j, jkt) : j.len == 0)
          && (x5t ? equal(&x, x5t) : x.len == 0),
          what, reason);
}


/* RFC 9449, figure 2: a proof for the token endpoint */

static const char  rfc9449_fig2[] =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieC"
    "I6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5Ijoi"
    "OVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6Il"
    "AtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI"
    "6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2f"
    "Q.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FN"
    "yJK70nfbV37xRZT3Lg";

/* RFC 9449, figure 13: a proof for a protected resource, with ath */

static const char  rfc9449_fig13[] =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieC"
    "I6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5Ijoi"
    "OVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6Il"
    "AtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1Ijo"
    "iaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhd"
    "CI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUl"
    "pS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8"
    "y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";

#define RFC9449_JKT    "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
#define RFC9449_TOKEN  "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
#define RFC9449_ATH    "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


static void
selftest_dpop_cache(void)
{
    ngx_str_t                         proof;
    ngx_uint_t                        i;
    const char                       *reason;
    ngx_http_auth_token_dpop_t        p;
    ngx_http_auth_token_status_e      status;
    ngx_http_auth_token_dpop_keys_t  *keys;

    keys = ngx_http_auth_token_dpop_keys_create();
    check(keys != NULL, "dpop proof key cache created", NULL);

    if (keys == NULL) {
        return;
    }

    /* the first fills the cache, the second is a hit */

    for (i = 0; i < 2; i++) {
        proof = str(rfc9449_fig2);
        reason = NULL;
        status = ngx_http_auth_token_dpop_parse_cached(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason, keys);
        check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
              && equal(&p.jkt, RFC9449_JKT),
              i ? "cached proof key: figure 2 again, from the cache"
                : "cached proof key: figure 2, parsed and kept", reason);
    }

    /* the same header: a hit, but the signature still decides */

    proof.data = (u_char *) strdup(rfc9449_fig2);
    proof.data[proof.len - 5] = (proof.data[proof.len - 5] == 'A') ? 'B'
                                                                   : 'A';
    status = ngx_http_auth_token_dpop_parse_cached(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason, keys);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof signature is invalid") == 0,
          "cached proof key: one signature byte changed: refused", reason);
    free(proof.data);

    /* and the location's algorithms, before the cache is looked at */

    proof = str(rfc9449_fig2);
    status = ngx_http_auth_token_dpop_parse_cached(pool, &proof,
                     NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS256),
                     &p, &reason, keys);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof algorithm is not allowed") == 0,
          "cached proof key: refused where ES256 is not allowed", reason);

    ngx_http_auth_token_dpop_keys_free(keys);
}


static void
selftest_dpop(void)
{
    time_t                              expires;
    ngx_str_t                           proof, s, origin, path;
    const char                         *reason;
    ngx_http_auth_token_dpop_t          p;
    ngx_http_auth_token_status_e        status;
    ngx_http_auth_token_dpop_request_t  req;

    /* figure 2: parsed, verified, its claims */

    proof = str(rfc9449_fig2);
    reason = NULL;
    status = ngx_http_auth_token_dpop_parse(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason);

    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED,
          "RFC 9449 figure 2 proof: parsed, signature valid", reason);

    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
          && p.alg == NGX_HTTP_AUTH_TOKEN_ES256
          && equal(&p.jkt, RFC9449_JKT) && equal(&p.jti, "-BwC3ESc6acc2lTc")
          && equal(&p.htm, "POST")
          && equal(&p.htu, "https://server.example.com/token")
          && p.iat == 1562262616 && p.ath.data == NULL
          && p.nonce.data == NULL,
          "RFC 9449 figure 2 proof: jkt (figure 9), jti, htm, htu, iat",
          NULL);

    /* ES256 not allowed: refused before the key is even looked at */

    status = ngx_http_auth_token_dpop_parse(pool, &proof,
                     NGX_HTTP_AUTH_TOKEN_ALG_BIT(NGX_HTTP_AUTH_TOKEN_RS256),
                     &p, &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof algorithm is not allowed") == 0,
          "RFC 9449 figure 2 proof: refused when ES256 is not allowed",
          reason);

    /* a changed signature byte */

    proof.data = (u_char *) strdup(rfc9449_fig2);
    proof.data[proof.len - 5] = (proof.data[proof.len - 5] == 'A') ? 'B'
                                                                   : 'A';
    status = ngx_http_auth_token_dpop_parse(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof signature is invalid") == 0,
          "RFC 9449 figure 2 proof, one signature byte changed: refused",
          reason);
    free(proof.data);

    /* the cache of proof keys gives the same answers (ngx_fuzz_cached) */

    selftest_dpop_cache();

    /* figure 13, with figure 12's request and token */

    proof = str(rfc9449_fig13);
    status = ngx_http_auth_token_dpop_parse(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
          && equal(&p.htm, "GET") && equal(&p.ath, RFC9449_ATH)
          && equal(&p.jkt, RFC9449_JKT),
          "RFC 9449 figure 13 proof: parsed, htm GET, ath", reason);

    origin = str("https://resource.example.org");
    path = str("/protectedresource");

    ngx_memzero(&req, sizeof(req));
    req.method = str("GET");
    req.token = str(RFC9449_TOKEN);
    req.jkt = str(RFC9449_JKT);
    req.now = 1562262618;
    req.window = 60;
    req.leeway = 0;

    check(ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu)
          == NGX_OK
          && equal(&req.htu, "https://resource.example.org/protectedresource"),
          "expected htu from origin and path", NULL);

    expires = 0;
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
          && expires == 1562262618 + 60,
          "RFC 9449 figure 13 proof: accepted for its request", reason);

    req.method = str("POST");
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strstr(reason, "htm"), "another method: refused", reason);
    req.method = str("GET");

    path = str("/protectedresource?x=1");
    (void) ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED,
          "the request's query does not count", reason);

    path = str("/other");
    (void) ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strstr(reason, "htu"), "another path: refused", reason);

    origin = str("http://resource.example.org");
    path = str("/protectedresource");
    (void) ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
          "another scheme: refused", reason);

    origin = str("https://RESOURCE.example.org:443/");
    (void) ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED,
          "origin with uppercase host, default port, trailing slash",
          reason);

    req.now = 1562262618 + 61;
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof is too old") == 0,
          "61 s later, window 60: too old", reason);

    req.leeway = 1;
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
          && expires == 1562262618 + 61,
          "61 s later, window 60, leeway 1: accepted", reason);

    req.now = 1562262618 - 2;
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof is issued in the future") == 0,
          "2 s before its iat, leeway 1: from the future", reason);

    req.now = 1562262618;
    req.leeway = 0;

    req.token = str(RFC9449_TOKEN "x");
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strstr(reason, "ath"), "another access token: refused",
          reason);
    req.token = str(RFC9449_TOKEN);

    req.jkt = str("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof key does not match the token") == 0,
          "a token bound to another key: refused", reason);

    ngx_str_null(&req.jkt);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
          "a token bound to no key: binding_mismatch", reason);

    /* figure 2 has no ath: refused for a protected resource */

    proof = str(rfc9449_fig2);
    (void) ngx_http_auth_token_dpop_parse(pool, &proof,
                                       NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT,
                                       &p, &reason);
    req.method = str("POST");
    req.jkt = str(RFC9449_JKT);
    req.now = 1562262616;
    origin = str("https://server.example.com");
    path = str("/token");
    (void) ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu);
    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    check(status == NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF
          && strcmp(reason, "DPoP proof has no \"ath\"") == 0,
          "a proof without ath: refused with an access token", reason);

    /* ath of RFC 9449, section 7.1 */

    s = str(RFC9449_TOKEN);
    check(ngx_http_auth_token_dpop_ath(pool, &s, &s) == NGX_OK
          && equal(&s, RFC9449_ATH), "RFC 9449 ath of its access token",
          cstr(&s));

    /* algs text */

    check(ngx_http_auth_token_dpop_algs_text(pool,
                                  NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT
                                  | NGX_HTTP_AUTH_TOKEN_ALG_BIT(
                                                  NGX_HTTP_AUTH_TOKEN_HS256),
                                  &s)
          == NGX_OK && equal(&s, "RS256 PS256 ES256 EdDSA"),
          "algs text: HS256 never listed", cstr(&s));
}


static void
selftest_thumbprints(void)
{
    ngx_str_t  a, b;

    /* RFC 7638, section 3.1 */

    jkt_case("{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2"
             "aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXj"
             "BZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4Q"
             "yQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qM"
             "QvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcR"
             "wr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\","
             "\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}",
             "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
             "RFC 7638 section 3.1 RSA key");

    /* RFC 9449, figure 9: the key of its examples, members in any order */

    jkt_case("{\"kty\":\"EC\",\"x\":\"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWV"
             "AWBFs\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA\","
             "\"crv\":\"P-256\"}", RFC9449_JKT, "RFC 9449 EC key");

    jkt_case("{\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA\",\"use\":"
             "\"sig\",\"crv\":\"P-256\",\"x\":\"l8tFrhx-34tV3hRICRDY9zCkDlpBh"
             "F42UQUfWVAWBFs\",\"kty\":\"EC\",\"kid\":\"k\"}", RFC9449_JKT,
             "RFC 9449 EC key, other members and order");

    /* RFC 8037, appendix A.3: the Ed25519 key's thumbprint */

    jkt_case("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyW"
             "QHOg7hcvPapiMlrwIaaPcHURo\"}",
             "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
             "RFC 8037 appendix A.3 Ed25519 key");

    jkt_case("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tFrhx-34tV3hRICRDY9"
             "zCkDlpBhF42UQUfWVAWBFs=\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6"
             "v9TDVrU0CdvGRDA\"}", NULL, "padded x: declined");
    jkt_case("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tF\"}", NULL,
             "EC without y: declined");
    jkt_case("{\"kty\":\"oct\",\"k\":\"AAAA\"}", NULL, "oct: declined");
    jkt_case("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":1}", NULL,
             "RSA e a number: declined");
    jkt_case("{\"kty\":\"EC\",\"crv\":\"P-2\\\"56\",\"x\":\"AA\","
             "\"y\":\"AA\"}", NULL, "crv with a quote: declined");
    jkt_case("{\"kty\":\"RSA\",\"n\":\"AR\",\"e\":\"AQAB\"}", NULL,
             "n with stray bits: declined");

    a = str(RFC9449_JKT);
    b = str(RFC9449_JKT);
    check(ngx_http_auth_token_thumbprint_equal(&a, &b), "equal thumbprints",
          NULL);
    b.len--;
    check(!ngx_http_auth_token_thumbprint_equal(&a, &b),
          "a shorter thumbprint differs", NULL);
    ngx_str_null(&a);
    ngx_str_null(&b);
    check(!ngx_http_auth_token_thumbprint_equal(&a, &b),
          "two empty thumbprints never match", NULL);
}


static void
selftest_htu(void)
{
    ngx_str_t  origin, path, out;

    htu_case("https://server.example.com/token",
             "https://server.example.com/token");
    htu_case("HTTPS://Server.Example.COM:443/token?x=1#f",
             "https://server.example.com/token");
    htu_case("http://example.com:80", "http://example.com/");
    htu_case("http://example.com:", "http://example.com/");
    htu_case("http://example.com:0080/", "http://example.com/");
    htu_case("https://example.com:80/", "https://example.com:80/");
    htu_case("http://example.com:8080/a", "http://example.com:8080/a");
    htu_case("http://example.com/%7euser/%7Efoo%2fbar%2F%41",
             "http://example.com/~user/~foo%2Fbar%2FA");
    htu_case("http://example.com/a b/\xc3\xa9",
             "http://example.com/a%20b/%C3%A9");
    htu_case("http://example.com/a%20b/%c3%a9",
             "http://example.com/a%20b/%C3%A9");
    htu_case("http://example.com/100%", "http://example.com/100%25");
    htu_case("http://example.com/%zz", "http://example.com/%25zz");
    htu_case("http://example.com/a/b/c/./../../g", "http://example.com/a/g");
    htu_case("http://example.com/./a/../b/.", "http://example.com/b/");
    htu_case("http://example.com/a/%2E%2E/b", "http://example.com/b");
    htu_case("http://example.com/..", "http://example.com/");
    htu_case("http://example.com/a//b/", "http://example.com/a//b/");
    htu_case("http://example.com/a/b/..", "http://example.com/a/");
    htu_case("http://example.com/...", "http://example.com/...");
    htu_case("http://[::1]:8080/x", "http://[::1]:8080/x");
    htu_case("http://[FE80::1]/", "http://[fe80::1]/");
    htu_case("http://ex%41mple.com/", "http://example.com/");
    htu_case("http://127.0.0.1:80?q", "http://127.0.0.1/");
    htu_case("http://user@example.com/", NULL);
    htu_case("http:///path", NULL);
    htu_case("http://example.com:65536/", NULL);
    htu_case("http://example.com:8x/", NULL);
    htu_case("http://[::1/", NULL);
    htu_case("http://[::1]x/", NULL);
    htu_case("http://exa mple.com/", NULL);
    htu_case("ftp://example.com/", NULL);
    htu_case("//example.com/", NULL);
    htu_case("/token", NULL);
    htu_case("", NULL);

    /* the expected side: nginx's $scheme://$host and r->unparsed_uri */

    ngx_str_null(&out);

    origin = str("http://localhost");
    path = str("/api/a%2fb?x=1&y=2");
    check(ngx_http_auth_token_dpop_htu(pool, &origin, &path, &out) == NGX_OK
          && equal(&out, "http://localhost/api/a%2Fb"),
          "dpop_htu: unparsed URI with a query", cstr(&out));

    origin = str("https://api.example.com/gw/");
    path = str("/v1/x");
    check(ngx_http_auth_token_dpop_htu(pool, &origin, &path, &out) == NGX_OK
          && equal(&out, "https://api.example.com/gw/v1/x"),
          "dpop_htu: origin with a path prefix", cstr(&out));

    origin = str("https://api.example.com?");
    check(ngx_http_auth_token_dpop_htu(pool, &origin, &path, &out)
          == NGX_DECLINED, "dpop_htu: origin with a query: declined", NULL);

    origin = str("api.example.com");
    check(ngx_http_auth_token_dpop_htu(pool, &origin, &path, &out)
          == NGX_DECLINED, "dpop_htu: origin without a scheme: declined",
          NULL);
}


static void
selftest_cnf(void)
{
    cnf_case("{\"sub\":\"a\"}", 1, NULL, NULL);
    cnf_case("{\"cnf\":{}}", 1, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":\"" RFC9449_JKT "\"}}", 1, RFC9449_JKT,
             NULL);
    cnf_case("{\"cnf\":{\"x5t#S256\":\"" RFC9449_ATH "\"}}", 1, NULL,
             RFC9449_ATH);

    /*
     * RFC 8705's example value: its last character has stray bits, no
     * SHA-256 encodes to it
     */

    cnf_case("{\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89j"
             "dN-dg2\"}}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":\"" RFC9449_JKT "\",\"x5t#S256\":\""
             RFC9449_JKT "\",\"kid\":\"k\"}}", 1, RFC9449_JKT, RFC9449_JKT);
    cnf_case("{\"cnf\":\"" RFC9449_JKT "\"}", 0, NULL, NULL);
    cnf_case("{\"cnf\":null}", 0, NULL, NULL);
    cnf_case("{\"cnf\":[]}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":42}}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":\"\"}}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":\"0ZcOCORZNYy\"}}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"jkt\":\"0ZcOCORZNYy+DWpqq30jZyJGHTN0d2HglBV3uiguA4"
             "I\"}}", 0, NULL, NULL);
    cnf_case("{\"cnf\":{\"x5t#S256\":null}}", 0, NULL, NULL);
}


static int
selftest(void)
{
    selftest_thumbprints();
    selftest_htu();
    selftest_cnf();
    selftest_dpop();

    printf("1..%u\n", (unsigned) tests);
    printf("# t-sender selftest: %u passed, %u failed\n",
           (unsigned) (tests - failed), (unsigned) failed);

    return failed ? 1 : 0;
}


/* the tools */

static ngx_str_t
read_stdin(void)
{
    size_t     n;
    ngx_str_t  s;

    s.data = ngx_pnalloc(pool, 1 << 20);
    s.len = 0;

    while ((n = fread(s.data + s.len, 1, (1 << 20) - s.len, stdin)) > 0) {
        s.len += n;
    }

    return s;
}


static int
refused(ngx_http_auth_token_status_e status, const char *reason)
{
    static const char  *names[] = {
        [NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF] = "invalid_dpop_proof",
        [NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH] = "binding_mismatch",
        [NGX_HTTP_AUTH_TOKEN_MALFORMED] = "malformed",
        [NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR] = "internal_error",
    };

    printf("refused: %s: %s\n",
           status < sizeof(names) / sizeof(names[0]) && names[status]
           ? names[status] : "other", reason ? reason : "(no reason)");

    return 1;
}


static int
tool_dpop(int argc, char **argv)
{
    int                                 i;
    char                               *eq, *name, *alg;
    time_t                              expires;
    ngx_int_t                           a;
    ngx_str_t                           proof, origin, path;
    ngx_uint_t                          algs;
    const char                         *reason;
    ngx_http_auth_token_dpop_t          p;
    ngx_http_auth_token_status_e        status;
    ngx_http_auth_token_dpop_request_t  req;

    ngx_memzero(&req, sizeof(req));
    origin = str("http://localhost");
    path = str("/");
    req.method = str("GET");
    req.window = 60;
    req.now = time(NULL);
    algs = NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT;

    for (i = 0; i < argc; i++) {
        eq = strchr(argv[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "t-sender dpop: NAME=VALUE expected\n");
            return 2;
        }

        *eq++ = '\0';
        name = argv[i];

        if (strcmp(name, "method") == 0) {
            req.method = str(eq);
        } else if (strcmp(name, "origin") == 0) {
            origin = str(eq);
        } else if (strcmp(name, "path") == 0) {
            path = str(eq);
        } else if (strcmp(name, "token") == 0) {
            req.token = str(eq);
        } else if (strcmp(name, "jkt") == 0) {
            req.jkt = str(eq);
        } else if (strcmp(name, "now") == 0) {
            req.now = atol(eq);
        } else if (strcmp(name, "window") == 0) {
            req.window = atol(eq);
        } else if (strcmp(name, "leeway") == 0) {
            req.leeway = atol(eq);
        } else if (strcmp(name, "algs") == 0) {
            algs = 0;
            for (alg = strtok(eq, " "); alg; alg = strtok(NULL, " ")) {
                a = ngx_http_auth_token_alg_by_name((u_char *) alg,
                                                    strlen(alg));
                if (a == NGX_ERROR) {
                    fprintf(stderr, "t-sender dpop: unknown alg %s\n", alg);
                    return 2;
                }

                algs |= NGX_HTTP_AUTH_TOKEN_ALG_BIT(a);
            }
        } else {
            fprintf(stderr, "t-sender dpop: unknown %s\n", name);
            return 2;
        }
    }

    proof = read_stdin();

    while (proof.len && isspace(proof.data[proof.len - 1])) {
        proof.len--;
    }

    reason = NULL;
    status = ngx_http_auth_token_dpop_parse(pool, &proof, algs, &p, &reason);
    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return refused(status, reason);
    }

    if (ngx_http_auth_token_dpop_htu(pool, &origin, &path, &req.htu)
        != NGX_OK)
    {
        fprintf(stderr, "t-sender dpop: bad origin\n");
        return 2;
    }

    if (req.jkt.len == 0) {
        /* parse only: what the proof says */
        printf("parsed: jkt=%s htm=%s htu=%s\n", cstr(&p.jkt), cstr(&p.htm),
               cstr(&p.htu));
        return 0;
    }

    status = ngx_http_auth_token_dpop_check(pool, &p, &req, &expires,
                                            &reason);
    if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        return refused(status, reason);
    }

    printf("valid: jkt=%s expires=%ld\n", cstr(&p.jkt), (long) expires);

    return 0;
}


int
main(int argc, char **argv)
{
    json_t      *jwk;
    ngx_str_t    in, out;
    ngx_int_t    rc;
    ngx_uint_t   enc;
    ngx_conf_t   cf;
    const char  *err;

    log_.log_level = NGX_LOG_WARN;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &log_);

    ngx_memzero(&cf, sizeof(cf));
    cf.pool = pool;
    cf.temp_pool = pool;
    cf.log = &log_;

    if (pool == NULL || ngx_http_auth_token_init_algs(&cf) != NGX_OK) {
        fprintf(stderr, "t-sender: cannot initialize\n");
        return 2;
    }

    if (argc < 2) {
        goto usage;
    }

    if (strcmp(argv[1], "selftest") == 0) {
        rc = selftest();

    } else if (strcmp(argv[1], "jkt") == 0) {
        in = read_stdin();
        jwk = ngx_http_auth_token_json_parse(pool, in.data, in.len, 8, &err);
        if (jwk == NULL
            || ngx_http_auth_token_jwk_thumbprint(pool, jwk, &out) != NGX_OK)
        {
            printf("declined\n");
            rc = 1;

        } else {
            printf("%s\n", cstr(&out));
            rc = 0;
        }

    } else if (strcmp(argv[1], "ath") == 0 && argc == 3) {
        in = str(argv[2]);
        rc = ngx_http_auth_token_dpop_ath(pool, &in, &out);
        printf("%s\n", cstr(&out));

    } else if (strcmp(argv[1], "htu") == 0 && argc == 3) {
        in = str(argv[2]);
        rc = ngx_http_auth_token_htu_normalize(pool, &in, &out);
        printf("%s\n", rc == NGX_OK ? cstr(&out) : "declined");
        rc = (rc == NGX_OK) ? 0 : 1;

    } else if (strcmp(argv[1], "cert") == 0 && argc == 3) {
        if (strcmp(argv[2], "auto") == 0) {
            enc = NGX_HTTP_AUTH_TOKEN_CERT_AUTO;
        } else if (strcmp(argv[2], "pem") == 0) {
            enc = NGX_HTTP_AUTH_TOKEN_CERT_PEM;
        } else if (strcmp(argv[2], "escaped") == 0) {
            enc = NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED;
        } else if (strcmp(argv[2], "base64") == 0) {
            enc = NGX_HTTP_AUTH_TOKEN_CERT_BASE64;
        } else {
            goto usage;
        }

        in = read_stdin();
        err = NULL;
        rc = ngx_http_auth_token_cert_thumbprint(pool, &in, enc, &out, &err);

        if (rc == NGX_OK) {
            printf("%s\n", cstr(&out));
            rc = 0;

        } else {
            printf("declined: %s\n", err ? err : "(no reason)");
            rc = 1;
        }

    } else if (strcmp(argv[1], "dpop") == 0) {
        rc = tool_dpop(argc - 2, argv + 2);

    } else {
        goto usage;
    }

    ngx_destroy_pool(pool);

    return (int) rc;

usage:

    fprintf(stderr, "usage: t-sender selftest | jkt | ath TOKEN | htu URI |"
                    " cert auto|pem|escaped|base64 | dpop NAME=VALUE...\n");
    return 2;
}
