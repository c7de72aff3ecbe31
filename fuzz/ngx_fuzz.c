
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * What the fuzz targets share: a log, a pool for the whole run, the digests
 * (ngx_http_auth_token_init_algs(), as at configuration time), the test key
 * set (t/keys/jwks.json, or $FUZZ_JWKS), and the checks that run on claims
 * wherever they come from (a JWT payload, an introspection answer).
 */


#include "ngx_fuzz.h"


#ifndef NGX_FUZZ_JWKS
#define NGX_FUZZ_JWKS  "t/keys/jwks.json"
#endif


ngx_log_t    ngx_fuzz_log;
ngx_pool_t  *ngx_fuzz_pool;
ngx_uint_t   ngx_fuzz_verbose;


static ngx_conf_t                      ngx_fuzz_conf;
static ngx_http_auth_token_loc_conf_t  ngx_fuzz_alcf;
static ngx_http_auth_token_keyset_t   *ngx_fuzz_keys;


static ngx_array_t *ngx_fuzz_strings(char **values);


void
ngx_fuzz_init(void)
{
    static char  *issuers[] = { "https://idp.example.com", NULL };
    static char  *audiences[] = { "api", NULL };
    static char  *scopes[] = { "read", NULL };

    if (ngx_fuzz_pool) {
        return;
    }

    /* warnings are formatted, as a skipped JWKS key is, and dropped */

    ngx_fuzz_log.log_level = NGX_LOG_INFO;
    ngx_fuzz_verbose = (getenv("FUZZ_LOG") != NULL);

    ngx_fuzz_pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(ngx_fuzz_pool != NULL, "out of memory");

    ngx_fuzz_conf.pool = ngx_fuzz_pool;
    ngx_fuzz_conf.temp_pool = ngx_fuzz_pool;
    ngx_fuzz_conf.log = &ngx_fuzz_log;

    ngx_fuzz_check(ngx_http_auth_token_init_algs(&ngx_fuzz_conf) == NGX_OK,
                   "ngx_http_auth_token_init_algs() failed");

    /* a location with every claim requirement that is not a variable */

    ngx_fuzz_alcf.leeway = 60;
    ngx_fuzz_alcf.issuers = ngx_fuzz_strings(issuers);
    ngx_fuzz_alcf.audiences = ngx_fuzz_strings(audiences);
    ngx_fuzz_alcf.scopes = ngx_fuzz_strings(scopes);
}


static ngx_array_t *
ngx_fuzz_strings(char **values)
{
    ngx_str_t    *s;
    ngx_array_t  *a;

    a = ngx_array_create(ngx_fuzz_pool, 1, sizeof(ngx_str_t));
    ngx_fuzz_check(a != NULL, "out of memory");

    while (*values) {
        s = ngx_array_push(a);
        ngx_fuzz_check(s != NULL, "out of memory");

        s->data = (u_char *) *values;
        s->len = ngx_strlen(*values);
        values++;
    }

    return a;
}


ngx_http_auth_token_keyset_t *
ngx_fuzz_test_keys(void)
{
    char        *name;
    ngx_str_t    path;
    const char  *err;

    if (ngx_fuzz_keys) {
        return ngx_fuzz_keys;
    }

    name = getenv("FUZZ_JWKS");
    if (name == NULL) {
        name = NGX_FUZZ_JWKS;
    }

    path.data = (u_char *) name;
    path.len = ngx_strlen(name);

    err = "";
    ngx_fuzz_keys = ngx_http_auth_token_jwks_load_file(&ngx_fuzz_conf, &path,
                                                       &err);
    if (ngx_fuzz_keys == NULL) {
        fprintf(stderr, "fuzz: cannot load \"%s\": %s\n", name, err);
        abort();
    }

    return ngx_fuzz_keys;
}


/*
 * As the module does with accepted claims: their times, the location's
 * requirements, and every claim rendered as for a header, which must never
 * hold a control character.
 */

void
ngx_fuzz_claims(ngx_pool_t *pool, json_t *claims)
{
    size_t                        i;
    json_t                       *v;
    ngx_str_t                     out, path[2];
    const char                   *key, *reason;
    ngx_http_auth_token_times_t   times;

    if (ngx_http_auth_token_claim_times(claims, &times, &reason)
        == NGX_HTTP_AUTH_TOKEN_UNCHECKED)
    {
        (void) ngx_http_auth_token_check_times(&times, ngx_fuzz_alcf.leeway,
                                               ngx_time(), &reason);
    }

    (void) ngx_http_auth_token_check_claims(&ngx_fuzz_alcf, claims, &reason);

    json_object_foreach(claims, key, v) {
        if (ngx_http_auth_token_render(pool, v, &out) != NGX_OK) {
            continue;
        }

        for (i = 0; i < out.len; i++) {
            ngx_fuzz_check(out.data[i] >= 0x20 && out.data[i] != 0x7f,
                           "a rendered claim holds a control character");
        }
    }

    ngx_str_set(&path[0], "realm_access");
    ngx_str_set(&path[1], "roles");

    v = ngx_http_auth_token_json_path(claims, path, 2);
    (void) ngx_http_auth_token_render(pool, v, &out);
}


void
ngx_fuzz_check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: check failed: %s\n", what);
        abort();
    }
}


/* an HTTP status for an answer: mostly 200, then the ones that mean more */

ngx_uint_t
ngx_fuzz_status(u_char c)
{
    static ngx_uint_t  status[] = {
        200, 200, 200, 200, 400, 400, 401, 403,
        404, 410, 500, 502, 503, 302, 204, 0
    };

    return status[c % (sizeof(status) / sizeof(ngx_uint_t))];
}


/* input in an allocation of its own: a read past its end is caught */

u_char *
ngx_fuzz_copy(const uint8_t *data, size_t size)
{
    u_char  *p;

    p = malloc(size);
    ngx_fuzz_check(p != NULL, "out of memory");

    if (size) {
        ngx_memcpy(p, data, size);
    }

    return p;
}
