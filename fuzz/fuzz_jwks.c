
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * A JWKS document from the identity provider (or a file):
 * ngx_http_auth_token_jwks_parse() builds OpenSSL keys from JWK members
 * (RSA n/e, EC crv/x/y with the on-curve check, OKP Ed25519, oct secrets),
 * skips unusable keys with a warning (formatted, then dropped) and sets up
 * the verification contexts.  Every key that comes out then verifies a
 * signature of the right length for each algorithm it allows, so that keys
 * built from odd parameters meet the verification code; and the pool is
 * destroyed, which frees the OpenSSL objects (a leak is a finding).
 *
 * Input: the document.
 */


#include "ngx_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                           *doc, sig_data[2048];
    size_t                            i;
    ngx_str_t                         name, input, sig;
    ngx_uint_t                        k, alg;
    ngx_pool_t                       *pool;
    const char                       *err;
    ngx_http_auth_token_key_t        *key;
    ngx_http_auth_token_keyset_t     *ks;
    const ngx_http_auth_token_alg_t  *a;

    ngx_fuzz_init();

    doc = ngx_fuzz_copy(data, size);

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &ngx_fuzz_log);
    ngx_fuzz_check(pool != NULL, "out of memory");

    ngx_str_set(&name, "fuzz");
    err = NULL;

    ks = ngx_http_auth_token_jwks_parse(pool, &ngx_fuzz_log, &name, doc,
                                        size, &err);

    if (ngx_fuzz_verbose) {
        fprintf(stderr, "jwks: %s, %u keys\n", ks ? "parsed" : err,
                ks ? (unsigned) ks->keys.nelts : 0);
    }

    if (ks == NULL) {
        ngx_fuzz_check(err != NULL, "jwks_parse: refused, no reason");
        goto done;
    }

    ngx_fuzz_check(ks->keys.nelts > 0, "jwks_parse: a key set without keys");

    /* a signature made of the document's bytes */

    for (i = 0; i < sizeof(sig_data); i++) {
        sig_data[i] = size ? data[i % size] : 0;
    }

    ngx_str_set(&input, "eyJhbGciOiJSUzI1NiJ9.e30");

    key = ks->keys.elts;

    for (k = 0; k < ks->keys.nelts; k++) {

        ngx_fuzz_check(key[k].algs != 0, "jwks_parse: a key for nothing");

        for (alg = 0; alg < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; alg++) {

            if (!(key[k].algs & ((ngx_uint_t) 1 << alg))) {
                continue;
            }

            a = ngx_http_auth_token_alg(alg);

            ngx_fuzz_check(a->kty == key[k].kty,
                           "jwks_parse: a key for another key type");

            sig.len = (a->kty == NGX_HTTP_AUTH_TOKEN_KTY_RSA)
                      ? (size_t) EVP_PKEY_get_size(key[k].pkey) : a->sig_len;

            if (sig.len > sizeof(sig_data)) {
                continue;
            }

            sig.data = ngx_fuzz_copy(sig_data, sig.len);

            (void) ngx_http_auth_token_verify_key(&key[k], alg, &input, &sig);

            free(sig.data);

            ngx_fuzz_check(ngx_http_auth_token_find_fp(&ks, 1, key[k].fp, alg)
                           != NULL,
                           "find_fp: a key is not found by its fingerprint");
        }
    }

done:

    ngx_destroy_pool(pool);
    free(doc);

    return 0;
}
