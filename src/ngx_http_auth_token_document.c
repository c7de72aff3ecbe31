
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_document.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_oauth.h"
#include "ngx_http_auth_token_encoding.h"


/*
 * What a fetched document means: a JWKS (the keys a worker verifies with)
 * or a discovery document (OpenID Connect Discovery 1.0, RFC 8414); and
 * the log lines that say what changed when a new one arrives.
 */


static u_char *ngx_http_auth_token_keys_log_kid(u_char *p, u_char *last,
    char *sep, ngx_str_t *kid);


/*
 * A document as fetched or found in the zone: a JWKS, or a discovery
 * document (which must name one of the issuers its source expects).  NULL,
 * or why it is not usable.
 */

const char *
ngx_http_auth_token_doc_parse(ngx_http_auth_token_source_t *src,
    ngx_pool_t *pool, ngx_log_t *log, ngx_str_t *name, ngx_str_t *doc,
    ngx_http_auth_token_parsed_t *out)
{
    ngx_str_t                        *iss;
    ngx_uint_t                        i;
    const char                       *err;
    ngx_http_auth_token_discovery_t  *d;

    ngx_memzero(out, sizeof(ngx_http_auth_token_parsed_t));

    err = NULL;

    if (src->type != NGX_HTTP_AUTH_TOKEN_SOURCE_DISCOVERY) {
        out->keyset = ngx_http_auth_token_jwks_parse(pool, log, name,
                                                     doc->data, doc->len,
                                                     &err);
        if (out->keyset == NULL) {
            return err;
        }

        out->nkeys = out->keyset->keys.nelts;

        return NULL;
    }

    d = ngx_palloc(pool, sizeof(ngx_http_auth_token_discovery_t));
    if (d == NULL) {
        return "out of memory";
    }

    if (ngx_http_auth_token_discovery_parse(pool, doc->data, doc->len, d,
                                            &err)
        != NGX_OK)
    {
        return err;
    }

    /* OpenID Connect Discovery 1.0, section 4.3: exactly the issuer */

    if (src->issuers) {
        iss = src->issuers->elts;

        for (i = 0; i < src->issuers->nelts; i++) {
            if (iss[i].len == d->issuer.len
                && ngx_strncmp(iss[i].data, d->issuer.data, d->issuer.len)
                   == 0)
            {
                break;
            }
        }

        if (i == src->issuers->nelts) {
            return "its \"issuer\" is not one of auth_token_issuer";
        }
    }

    out->discovery = d;

    return NULL;
}


/* a discovery document, loaded or changed: what it says, escaped */

void
ngx_http_auth_token_discovery_log_change(ngx_log_t *log, ngx_str_t *uri,
    ngx_http_auth_token_discovery_t *old, ngx_http_auth_token_discovery_t *d)
{
    u_char  *e1, *e2;
    u_char   iss[NGX_HTTP_AUTH_TOKEN_LOG_LEN(NGX_HTTP_AUTH_TOKEN_LOG_MAX)];
    u_char   jwks[NGX_HTTP_AUTH_TOKEN_LOG_LEN(NGX_HTTP_AUTH_TOKEN_LOG_MAX)];

    if (old
        && old->issuer.len == d->issuer.len
        && ngx_strncmp(old->issuer.data, d->issuer.data, d->issuer.len) == 0
        && old->jwks_uri.len == d->jwks_uri.len
        && ngx_strncmp(old->jwks_uri.data, d->jwks_uri.data,
                       d->jwks_uri.len)
           == 0)
    {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: discovery document \"%V\" refreshed, "
                      "unchanged", uri);
        return;
    }

    /* the first 64 bytes of each, then "..." */

    e1 = ngx_http_auth_token_log_escape_into(iss, d->issuer.data,
                                             d->issuer.len);
    e2 = ngx_http_auth_token_log_escape_into(jwks, d->jwks_uri.data,
                                             d->jwks_uri.len);

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "auth_token: discovery document \"%V\" %s: issuer "
                  "\"%*s\", jwks_uri \"%*s\"", uri,
                  old ? "changed" : "loaded", e1 - iss, iss, e2 - jwks, jwks);
}


void
ngx_http_auth_token_keys_log_change(ngx_log_t *log, ngx_str_t *uri,
    ngx_http_auth_token_keyset_t *old, ngx_http_auth_token_keyset_t *ks)
{
    u_char                     *p, *last;
    ngx_uint_t                  i, added, removed;
    ngx_http_auth_token_key_t  *key;

    u_char                      buf[512];

    p = buf;
    last = buf + sizeof(buf) - 4;
    added = 0;
    removed = 0;

    key = ks->keys.elts;

    for (i = 0; i < ks->keys.nelts; i++) {
        if (old == NULL
            || !ngx_http_auth_token_keyset_has_kid(old, &key[i].kid))
        {
            p = ngx_http_auth_token_keys_log_kid(p, last,
                                      added++ ? " " : ", added ", &key[i].kid);
        }
    }

    if (old) {
        key = old->keys.elts;

        for (i = 0; i < old->keys.nelts; i++) {
            if (!ngx_http_auth_token_keyset_has_kid(ks, &key[i].kid)) {
                p = ngx_http_auth_token_keys_log_kid(p, last,
                                    removed++ ? " " : ", removed ",
                                    &key[i].kid);
            }
        }
    }

    if (old && added == 0 && removed == 0) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_token: JWKS \"%V\" refreshed, unchanged", uri);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "auth_token: JWKS \"%V\" %s: %ui keys%*s",
                  uri, old ? "changed" : "loaded", ks->keys.nelts,
                  p - buf, buf);
}


/* ", added \"kid\"": the kid escaped as every outside string in logs */

static u_char *
ngx_http_auth_token_keys_log_kid(u_char *p, u_char *last, char *sep,
    ngx_str_t *kid)
{
    u_char  *e;
    u_char   escaped[NGX_HTTP_AUTH_TOKEN_LOG_LEN(NGX_HTTP_AUTH_TOKEN_LOG_MAX)];

    e = ngx_http_auth_token_log_escape_into(escaped, kid->data, kid->len);

    return ngx_slprintf(p, last, "%s\"%*s\"", sep, e - escaped, escaped);
}
