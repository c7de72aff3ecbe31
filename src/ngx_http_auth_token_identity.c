
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_identity.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_oauth.h"


/*
 * Identities, computed at configuration time as SHA-256 hashes
 * (ngx_http_auth_token_sha256()): of an identity-provider endpoint (the
 * server it belongs to, its URI, client credentials, answer style), so
 * that a cached answer is only ever read for the endpoint that gave it;
 * and of a location's policy (everything that decides about a token), so
 * that a decision is kept across an internal redirect only where the same
 * policy applies.
 */


typedef struct {
    EVP_MD_CTX                     *md;
    ngx_int_t                       rc;
} ngx_http_auth_token_hasher_t;


static ngx_int_t ngx_http_auth_token_server_id(ngx_conf_t *cf,
    ngx_str_t *id);
static void ngx_http_auth_token_hash_str(ngx_http_auth_token_hasher_t *h,
    void *data, size_t len);


/*
 * The server a location belongs to, as the zone knows it across reloads:
 * every address it listens on and every name it has.  Two servers never
 * share both, so that two servers with the same internal URI for
 * different identity providers never share cached keys or answers.
 */

static ngx_int_t
ngx_http_auth_token_server_id(ngx_conf_t *cf, ngx_str_t *id)
{
    u_char                     *p, *last;
    size_t                      len;
    ngx_uint_t                  i, j, k;
    ngx_http_conf_port_t       *port;
    ngx_http_conf_addr_t       *addr;
    ngx_http_server_name_t     *name;
    ngx_http_core_srv_conf_t   *cscf, **servers;
    ngx_http_core_main_conf_t  *cmcf;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    len = 0;
    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (i = 0; port && i < cmcf->ports->nelts; i++) {
        len += port[i].addrs.nelts * (NGX_SOCKADDR_STRLEN + 1);
    }

    name = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {
        len += name[i].name.len + 1;
    }

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    id->data = p;
    last = p + len + 1;

    for (i = 0; port && i < cmcf->ports->nelts; i++) {

        addr = port[i].addrs.elts;

        for (j = 0; j < port[i].addrs.nelts; j++) {

            servers = addr[j].servers.elts;

            for (k = 0; k < addr[j].servers.nelts; k++) {
                if (servers[k] != cscf) {
                    continue;
                }

                p += ngx_sock_ntop(addr[j].opt.sockaddr,
                                   addr[j].opt.socklen, p, last - p, 1);
                *p++ = ' ';
                break;
            }
        }
    }

    for (i = 0; i < cscf->server_names.nelts; i++) {
        p = ngx_cpymem(p, name[i].name.data, name[i].name.len);
        *p++ = ' ';
    }

    id->len = p - id->data;

    return NGX_OK;
}


/* an endpoint's identity: kind, server, URI, client credentials, options */

ngx_int_t
ngx_http_auth_token_endpoint_id(ngx_conf_t *cf, u_char *id, const char *kind,
    ngx_str_t *uri, ngx_str_t *basic, ngx_str_t *options)
{
    ngx_str_t  parts[5];

    if (ngx_http_auth_token_server_id(cf, &parts[1]) != NGX_OK) {
        return NGX_ERROR;
    }

    parts[0].data = (u_char *) kind;
    parts[0].len = ngx_strlen(kind);
    parts[2] = *uri;
    parts[3] = basic ? *basic : parts[0];
    parts[4] = options ? *options : parts[0];

    return ngx_http_auth_token_sha256(id, NULL, parts, 5);
}


/*
 * Everything in a location that decides whether a token is accepted:
 * where the token comes from, which keys and endpoints vouch for it, and
 * what its claims must say.  Not part of it: realm, lifetimes, headers.
 */

ngx_int_t
ngx_http_auth_token_policy_id(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    u_char                          buf[3 * NGX_INT_T_LEN + 8];
    ngx_str_t                      *s;
    ngx_uint_t                      i, j;
    unsigned int                    len;
    ngx_http_complex_value_t       *cv;
    ngx_http_auth_token_param_t    *param;
    ngx_http_auth_token_hasher_t    h;
    ngx_http_auth_token_issuer_t   *bound;
    ngx_http_auth_token_require_t  *req;
    ngx_http_auth_token_keyset_t  **ks;

    h.md = EVP_MD_CTX_new();
    if (h.md == NULL) {
        return NGX_ERROR;
    }

    h.rc = (EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) == 1) ? NGX_OK
                                                               : NGX_ERROR;

    ngx_http_auth_token_hash_str(&h, "token", 5);

    if (conf->token) {
        ngx_http_auth_token_hash_str(&h, conf->token->value.data,
                                     conf->token->value.len);
    }

    ngx_http_auth_token_hash_str(&h, conf->scheme.data, conf->scheme.len);
    ngx_http_auth_token_hash_str(&h, "keys", 4);

    if (conf->keysets) {
        ks = conf->keysets->elts;

        for (i = 0; i < conf->keysets->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, ks[i]->name.data,
                                         ks[i]->name.len);
        }
    }

    if (conf->jwks) {
        ngx_http_auth_token_hash_str(&h, conf->jwks->id,
                                     NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    }

    if (conf->discovery) {
        ngx_http_auth_token_hash_str(&h, conf->discovery->id,
                                     NGX_HTTP_AUTH_TOKEN_HASH_LEN);
    }

    ngx_http_auth_token_hash_str(&h, "introspect", 10);

    if (conf->introspect) {
        ngx_http_auth_token_hash_str(&h, conf->introspect->id,
                                     NGX_HTTP_AUTH_TOKEN_HASH_LEN);
        ngx_http_auth_token_hash_str(&h, conf->introspect_jwt ? "1" : "0", 1);
    }

    ngx_http_auth_token_hash_str(&h, buf,
                             ngx_sprintf(buf, "leeway %T", conf->leeway) - buf);
    ngx_http_auth_token_hash_str(&h, buf,
                    ngx_sprintf(buf, "type %ui", conf->token_type) - buf);

    if (conf->issuers) {
        ngx_http_auth_token_hash_str(&h, "iss", 3);
        s = conf->issuers->elts;

        for (i = 0; i < conf->issuers->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, s[i].data, s[i].len);
        }
    }

    if (conf->bound) {
        bound = conf->bound->elts;

        for (i = 0; i < conf->bound->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, "bound", 5);
            ngx_http_auth_token_hash_str(&h, bound[i].iss.data,
                                         bound[i].iss.len);

            if (bound[i].jwks) {
                ngx_http_auth_token_hash_str(&h, bound[i].jwks->id,
                                             NGX_HTTP_AUTH_TOKEN_HASH_LEN);
            }

            ks = bound[i].keysets ? bound[i].keysets->elts : NULL;

            for (j = 0; ks && j < bound[i].keysets->nelts; j++) {
                ngx_http_auth_token_hash_str(&h, ks[j]->name.data,
                                             ks[j]->name.len);
            }
        }
    }

    if (conf->audiences) {
        ngx_http_auth_token_hash_str(&h, "aud", 3);
        s = conf->audiences->elts;

        for (i = 0; i < conf->audiences->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, s[i].data, s[i].len);
        }
    }

    if (conf->scopes) {
        ngx_http_auth_token_hash_str(&h, "scope", 5);
        s = conf->scopes->elts;

        for (i = 0; i < conf->scopes->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, s[i].data, s[i].len);
        }
    }

    if (conf->requires) {
        req = conf->requires->elts;

        for (i = 0; i < conf->requires->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, buf,
                          ngx_sprintf(buf, "require %ui", req[i].error) - buf);

            cv = req[i].values->elts;

            for (j = 0; j < req[i].values->nelts; j++) {
                ngx_http_auth_token_hash_str(&h, cv[j].value.data,
                                             cv[j].value.len);
            }
        }
    }

    /* sender constraints: what a proof and a certificate must be */

    ngx_http_auth_token_hash_str(&h, buf,
                       ngx_sprintf(buf, "dpop %ui %ui %T", conf->dpop,
                                   conf->dpop_algs, conf->dpop_window) - buf);
    ngx_http_auth_token_hash_str(&h, conf->dpop_origin->value.data,
                                 conf->dpop_origin->value.len);
    ngx_http_auth_token_hash_str(&h, buf,
                       ngx_sprintf(buf, "cert %ui %ui", conf->cert_binding,
                                   conf->client_cert_encoding) - buf);

    if (conf->client_cert) {
        ngx_http_auth_token_hash_str(&h, conf->client_cert->value.data,
                                     conf->client_cert->value.len);
    }

    ngx_http_auth_token_hash_str(&h, "reissue", 7);

    if (conf->reissue) {
        ngx_http_auth_token_hash_str(&h, conf->reissue->id,
                                     NGX_HTTP_AUTH_TOKEN_HASH_LEN);

        param = conf->reissue_params ? conf->reissue_params->elts : NULL;

        for (i = 0; param && i < conf->reissue_params->nelts; i++) {
            ngx_http_auth_token_hash_str(&h, param[i].name.data,
                                         param[i].name.len);
            ngx_http_auth_token_hash_str(&h, param[i].value.value.data,
                                         param[i].value.value.len);
        }
    }

    if (h.rc == NGX_OK && EVP_DigestFinal_ex(h.md, conf->policy, &len) != 1)
    {
        h.rc = NGX_ERROR;
    }

    EVP_MD_CTX_free(h.md);

    return h.rc;
}


/* one part of a hashed identity, with its length, so parts never merge */

static void
ngx_http_auth_token_hash_str(ngx_http_auth_token_hasher_t *h, void *data,
    size_t len)
{
    if (h->rc != NGX_OK) {
        return;
    }

    if (EVP_DigestUpdate(h->md, &len, sizeof(size_t)) != 1
        || EVP_DigestUpdate(h->md, data, len) != 1)
    {
        h->rc = NGX_ERROR;
    }
}


/*
 * An issuer: the hash of its name, by which a cached verification says
 * which issuer's keys vouched for the token
 */

ngx_int_t
ngx_http_auth_token_issuer_id(u_char *id, u_char *iss, size_t len)
{
    ngx_str_t  parts[2];

    ngx_str_set(&parts[0], "iss");
    parts[1].data = iss;
    parts[1].len = len;

    return ngx_http_auth_token_sha256(id, NULL, parts, 2);
}
