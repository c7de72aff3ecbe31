
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_headers.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_json.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_handler.h"


/*
 * The request headers the upstream sees.
 *
 * - On arrival (post-read phase, before any other module reads a header):
 *   the client's copies of every header that some location of the server
 *   names in auth_token_claim_header are removed, in any letter case and
 *   with "_" for "-".  So no rewrite, map, auth_request subrequest, log or
 *   upstream ever sees a forged identity.
 * - On a decision: the headers of an accepted token are added (those of an
 *   earlier decision, before an internal redirect, go first), and cached
 *   values of $http_<header> are forgotten.
 * - Before the content handler: the client's Authorization header goes
 *   (auth_token_pass_token off), or is replaced by the reissued token.
 *
 * The list is always rebuilt in the request's pool, in place: nginx's list
 * keeps a pointer to its own last part, and other modules push to it.
 */


/*
 * Where the elements of the request's header list went: after a rebuild,
 * the old list and the new places (map, -1: gone); after one element was
 * removed in place, that element, what followed it in its chain, and the
 * end of its part (the elements after it moved down by one).
 */

typedef struct {
    ngx_list_part_t                *old;      /* the old first part */
    ngx_int_t                      *map;
    ngx_table_elt_t                *gone;
    ngx_table_elt_t                *gone_next;
    ngx_table_elt_t                *end;
} ngx_http_auth_token_move_t;


/*
 * The fields of r->headers_in that point to one element of the list, as
 * offsets, found once in ngx_http_headers_in (ngx_http_auth_token_headers_
 * init()): a relocation reads only these.  Before 1.23 the headers that
 * may repeat (Cookie, X-Forwarded-For) are arrays of pointers instead,
 * handled apart.
 */

#define NGX_HTTP_AUTH_TOKEN_MAX_FIELDS  128

static ngx_uint_t  ngx_http_auth_token_fields[NGX_HTTP_AUTH_TOKEN_MAX_FIELDS];
static ngx_uint_t  ngx_http_auth_token_nfields;


static ngx_int_t ngx_http_auth_token_rebuild(ngx_http_request_t *r,
    ngx_array_t *names, ngx_uint_t extra, ngx_array_t *removed);
static ngx_int_t ngx_http_auth_token_forget(ngx_http_request_t *r,
    ngx_array_t *names);
static ngx_int_t ngx_http_auth_token_remove_one(ngx_http_request_t *r,
    ngx_table_elt_t *h);
static void ngx_http_auth_token_relocate(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv);
#if (nginx_version < 1023000)
static void ngx_http_auth_token_relocate_array(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv, ngx_array_t *a);
#endif
static ngx_table_elt_t *ngx_http_auth_token_moved(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv, ngx_table_elt_t *p);
static ngx_int_t ngx_http_auth_token_named(ngx_array_t *names,
    ngx_str_t *key);
static ngx_int_t ngx_http_auth_token_same_header(ngx_str_t *a, ngx_str_t *b);
static ngx_int_t ngx_http_auth_token_index_header(ngx_http_request_t *r,
    ngx_http_auth_token_header_t *hdr, ngx_table_elt_t *e);


/* postconfiguration: the pointer fields of r->headers_in, once each */

ngx_int_t
ngx_http_auth_token_headers_init(ngx_conf_t *cf)
{
    ngx_uint_t          i;
    ngx_http_header_t  *hh;

    ngx_http_auth_token_nfields = 0;

    for (hh = ngx_http_headers_in; hh->name.len; hh++) {

        if (hh->offset == 0) {
            continue;
        }

#if (nginx_version < 1023000)
        if (hh->offset == offsetof(ngx_http_headers_in_t, cookies)
#if (NGX_HTTP_X_FORWARDED_FOR)
            || hh->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)
#endif
           )
        {
            continue;
        }
#endif

        for (i = 0; i < ngx_http_auth_token_nfields; i++) {
            if (ngx_http_auth_token_fields[i] == hh->offset) {
                break;
            }
        }

        if (i < ngx_http_auth_token_nfields) {
            continue;
        }

        if (ngx_http_auth_token_nfields == NGX_HTTP_AUTH_TOKEN_MAX_FIELDS) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "auth_token: nginx names more than %d "
                               "request header fields",
                               NGX_HTTP_AUTH_TOKEN_MAX_FIELDS);
            return NGX_ERROR;
        }

        ngx_http_auth_token_fields[ngx_http_auth_token_nfields++] =
                                                                hh->offset;
    }

    return NGX_OK;
}


/* at merge time: the names a server's locations claim */

char *
ngx_http_auth_token_headers_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_uint_t                       i;
    ngx_http_auth_token_header_t    *hdr, *h;
    ngx_http_auth_token_srv_conf_t  *ascf;

    if (conf->headers == NULL) {
        return NGX_CONF_OK;
    }

    ascf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_auth_token_module);

    if (ascf->headers == NULL) {
        ascf->headers = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_auth_token_header_t));
        if (ascf->headers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    hdr = conf->headers->elts;

    for (i = 0; i < conf->headers->nelts; i++) {

        if (ngx_http_auth_token_named(ascf->headers, &hdr[i].name)) {
            continue;
        }

        h = ngx_array_push(ascf->headers);
        if (h == NULL) {
            return NGX_CONF_ERROR;
        }

        *h = hdr[i];
    }

    return NGX_CONF_OK;
}


/*
 * The post-read phase, before any other module reads a header: the
 * client's copies of the claim headers of the server are kept aside.
 */

ngx_int_t
ngx_http_auth_token_strip_handler(ngx_http_request_t *r)
{
    ngx_http_auth_token_ctx_t       *ctx;
    ngx_http_auth_token_srv_conf_t  *ascf;

    ascf = ngx_http_get_module_srv_conf(r, ngx_http_auth_token_module);

    if (ascf->headers == NULL) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_auth_token_request_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->stash = ngx_array_create(r->pool, 1, sizeof(ngx_table_elt_t));
    if (ctx->stash == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_auth_token_rebuild(r, ascf->headers, 0, ctx->stash)
        != NGX_OK
        || ngx_http_auth_token_forget(r, ascf->headers) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: %ui client copies of %ui claim headers "
                   "kept aside", ctx->stash->nelts, ascf->headers->nelts);

    return NGX_DECLINED;
}


/*
 * The rewrite phase, first thing in a location: the client's copies come
 * back, once, where the location claims none of their names (a location
 * that is an upstream of the same server, say); where it claims some,
 * they stay away.  A subrequest into a location that claims a header
 * never sees a client's copy of it either.
 */

ngx_int_t
ngx_http_auth_token_rewrite_handler(ngx_http_request_t *r)
{
    ngx_uint_t                       i, j, n;
    ngx_table_elt_t                 *h, *e, *first;
    ngx_http_auth_token_ctx_t       *ctx;
    ngx_http_auth_token_header_t    *hdr;
    ngx_http_auth_token_srv_conf_t  *ascf;
    ngx_http_auth_token_loc_conf_t  *alcf;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_auth_token_module);

    if (ctx == NULL || ctx->stash == NULL) {
        return NGX_DECLINED;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    if (ctx->restored || r != r->main) {

        /* copies came back for an earlier location: not for this one */

        if (ctx->restored && alcf->headers
            && (ngx_http_auth_token_rebuild(r, alcf->headers, 0, NULL)
                != NGX_OK
                || ngx_http_auth_token_forget(r, alcf->headers) != NGX_OK))
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_DECLINED;
    }

    ctx->restored = 1;

    ascf = ngx_http_get_module_srv_conf(r, ngx_http_auth_token_module);

    hdr = ascf->headers->elts;
    h = ctx->stash->elts;
    n = 0;

    for (j = 0; j < ascf->headers->nelts; j++) {

        if (alcf->headers
            && ngx_http_auth_token_named(alcf->headers, &hdr[j].name))
        {
            continue;
        }

        first = NULL;

        for (i = 0; i < ctx->stash->nelts; i++) {

            if (!ngx_http_auth_token_same_header(&h[i].key, &hdr[j].name)) {
                continue;
            }

            e = ngx_list_push(&r->headers_in.headers);
            if (e == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            *e = h[i];
#if (nginx_version >= 1023000)
            e->next = NULL;
#endif

            if (first == NULL) {
                first = e;
            }

            n++;
        }

        if (first
            && ngx_http_auth_token_index_header(r, &hdr[j], first) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (n && ngx_http_auth_token_forget(r, ascf->headers) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: %ui client copies of claim headers restored",
                   n);

    return NGX_DECLINED;
}


/*
 * On a decision: the claim headers of the location for an accepted token;
 * those of an earlier decision (this request's, before an internal
 * redirect, or its parent's, for a subrequest) go first.  NGX_DECLINED: a
 * claim cannot be sent (ngx_http_auth_token_render()): the token is
 * refused.
 */

ngx_int_t
ngx_http_auth_token_headers_set(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    json_t                          *claims, *json;
    ngx_int_t                        rc;
    ngx_str_t                        value;
    ngx_uint_t                       i, n, valid, strip;
    ngx_table_elt_t                 *e;
    ngx_http_auth_token_header_t    *hdr;
    ngx_http_auth_token_srv_conf_t  *ascf;

    ascf = ngx_http_get_module_srv_conf(r, ngx_http_auth_token_module);

    if (ascf->headers == NULL) {
        return NGX_OK;
    }

    valid = (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID && alcf->headers);

    /* the client's copies went on arrival; ours of an earlier decision go */

    strip = (ctx->headers_added || r != r->main);

    if (!valid && !strip) {
        return NGX_OK;
    }

    n = valid ? alcf->headers->nelts : 0;

    if (strip
        && ngx_http_auth_token_rebuild(r, ascf->headers, n, NULL)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_auth_token_forget(r, ascf->headers) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->headers_added = 0;

    if (!valid) {
        return NGX_OK;
    }

    ctx->headers_added = 1;

    claims = ngx_http_auth_token_get_claims(r, ctx);
    hdr = alcf->headers->elts;

    for (i = 0; i < n; i++) {

        json = ngx_http_auth_token_json_path(claims, hdr[i].path->elts,
                                             hdr[i].path->nelts);

        rc = ngx_http_auth_token_render(r->pool, json, &value);

        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth_token: the claim for \"%V\" has a control "
                          "character or surrounding spaces: not sent",
                          &hdr[i].name);
            return NGX_DECLINED;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: claim header \"%V\": %uz bytes",
                       &hdr[i].name, value.len);

        if (value.len == 0) {
            continue;
        }

        e = ngx_list_push(&r->headers_in.headers);
        if (e == NULL) {
            return NGX_ERROR;
        }

        e->hash = hdr[i].hash;
        e->key = hdr[i].name;
        e->lowcase_key = hdr[i].lowcase.data;
        e->value = value;

        if (ngx_http_auth_token_index_header(r, &hdr[i], e) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * Before the content handler of a main request: the upstream sees the
 * reissued token only, or no token at all with auth_token_pass_token off.
 */

ngx_int_t
ngx_http_auth_token_upstream_token(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    u_char           *p;
    ngx_uint_t        strip, reissued;
    ngx_table_elt_t  *e;

    reissued = (ctx && ctx->status == NGX_HTTP_AUTH_TOKEN_VALID
                && ctx->reissued.len);

    strip = r->headers_in.authorization != NULL
            && (reissued
                || (!alcf->pass_token && alcf->realm && ctx
                    && ctx->from_header));

    if (!strip && !reissued) {
        return NGX_OK;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: Authorization upstream: %s%s",
                   strip ? "client's removed" : "none from the client",
                   reissued ? ", reissued token added" : "");

    if (strip) {

        /* kept for a check after an internal redirect */

        if (ctx && ctx->client_auth.data == NULL) {
            ctx->client_auth = r->headers_in.authorization->value;
        }

        if (ngx_http_auth_token_remove_one(r, r->headers_in.authorization)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        r->headers_in.authorization = NULL;
    }

    if (!reissued) {
        return NGX_OK;
    }

    e = ngx_list_push(&r->headers_in.headers);
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->value.len = alcf->reissue_scheme.len + 1 + ctx->reissued.len;
    e->value.data = ngx_pnalloc(r->pool, e->value.len);
    if (e->value.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(e->value.data, alcf->reissue_scheme.data,
                   alcf->reissue_scheme.len);
    *p++ = ' ';
    ngx_memcpy(p, ctx->reissued.data, ctx->reissued.len);

    ngx_str_set(&e->key, "Authorization");
    e->lowcase_key = (u_char *) "authorization";
    e->hash = ngx_hash_key(e->lowcase_key, e->key.len);
#if (nginx_version >= 1023000)
    e->next = NULL;
#endif

    r->headers_in.authorization = e;

    return NGX_OK;
}


/*
 * The request's header list without the headers named in names, with
 * room for extra more.  The new list is initialized in
 * place, so that its "last" points to the request's own structure; the
 * pointers nginx keeps to known headers (r->headers_in.host, ...) follow
 * the headers to their new places.
 */

static ngx_int_t
ngx_http_auth_token_rebuild(ngx_http_request_t *r, ngx_array_t *names,
    ngx_uint_t extra, ngx_array_t *removed)
{
    ngx_int_t                   *map;
    ngx_uint_t                   i, n, g, kept;
    ngx_list_part_t              old, *part;
    ngx_table_elt_t             *h, *e;
    ngx_http_auth_token_move_t   mv;

    /* the first part of the old list; the others stay where they are */

    old = r->headers_in.headers.part;

    n = 0;
    g = 0;

    for (part = &old; part; part = part->next) {

        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_auth_token_named(names, &h[i].key))
            {
                g++;
            }
        }

        n += part->nelts;
    }

    if (g == 0) {

        /* nothing goes: the list stays as it is (the common case) */

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: no header to remove");

        return NGX_OK;
    }

    map = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_int_t));
    if (map == NULL) {
        return NGX_ERROR;
    }

    /* one part, large enough for all: the new elements are contiguous */

    if (ngx_list_init(&r->headers_in.headers, r->pool, n + extra + 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    kept = 0;
    g = 0;

    for (part = &old; part; part = part->next) {

        h = part->elts;

        for (i = 0; i < part->nelts; i++, g++) {

            if (ngx_http_auth_token_named(names, &h[i].key))
            {
                map[g] = -1;

                if (removed) {
                    e = ngx_array_push(removed);
                    if (e == NULL) {
                        return NGX_ERROR;
                    }

                    *e = h[i];
                }

                continue;
            }

            e = ngx_list_push(&r->headers_in.headers);
            if (e == NULL) {
                return NGX_ERROR;
            }

            *e = h[i];
            map[g] = kept++;
        }
    }

    mv.old = &old;
    mv.map = map;

    ngx_http_auth_token_relocate(r, &mv);

    return NGX_OK;
}


/*
 * One header out of the list, in place: the elements after it in its part
 * move down by one (nothing is copied elsewhere, nothing allocated), and
 * nginx's pointers follow.  For the client's Authorization on its way to
 * the upstream, on every request: cheaper than a rebuild.
 */

static ngx_int_t
ngx_http_auth_token_remove_one(ngx_http_request_t *r, ngx_table_elt_t *h)
{
    ngx_list_part_t             *part;
    ngx_table_elt_t             *e;
    ngx_http_auth_token_move_t   mv;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        e = part->elts;

        if (h >= e && h < e + part->nelts) {
            break;
        }
    }

    if (part == NULL) {
        return NGX_OK;
    }

    mv.old = NULL;
    mv.map = NULL;
    mv.gone = h;
    mv.end = e + part->nelts;
#if (nginx_version >= 1023000)
    mv.gone_next = h->next;
#else
    mv.gone_next = NULL;
#endif

    ngx_memmove(h, h + 1, (mv.end - h - 1) * sizeof(ngx_table_elt_t));
    part->nelts--;

    ngx_http_auth_token_relocate(r, &mv);

    return NGX_OK;
}


/*
 * After a rebuild or a removal: every pointer of r->headers_in to an
 * element of the list goes to its new place, or becomes NULL if the
 * element went.
 */

static void
ngx_http_auth_token_relocate(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv)
{
    ngx_uint_t           k;
    ngx_table_elt_t    **ph;
#if (nginx_version >= 1023000)
    ngx_table_elt_t     *e;
#endif

#if (nginx_version < 1023000)

    /* before 1.23, headers that may repeat are arrays of pointers */

    ngx_http_auth_token_relocate_array(r, mv, &r->headers_in.cookies);
#if (NGX_HTTP_X_FORWARDED_FOR)
    ngx_http_auth_token_relocate_array(r, mv, &r->headers_in.x_forwarded_for);
#endif

#endif

    /*
     * Each field, then (1.23 and later) the chain of repeated headers that
     * starts there, and only those: nginx sets "next" of the headers it
     * knows and leaves it uninitialized in all others, so the chains are
     * walked from their (already moved) heads, never read off the list.
     */

    for (k = 0; k < ngx_http_auth_token_nfields; k++) {
        ph = (ngx_table_elt_t **)
                 ((u_char *) &r->headers_in + ngx_http_auth_token_fields[k]);

        if (*ph == NULL) {
            continue;
        }

        *ph = ngx_http_auth_token_moved(r, mv, *ph);

#if (nginx_version >= 1023000)
        for (e = *ph; e; e = e->next) {
            if (e->next) {
                e->next = ngx_http_auth_token_moved(r, mv, e->next);
            }
        }
#endif
    }
}


#if (nginx_version < 1023000)

static void
ngx_http_auth_token_relocate_array(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv, ngx_array_t *a)
{
    ngx_uint_t         i, n;
    ngx_table_elt_t  **ph;

    ph = a->elts;
    n = 0;

    for (i = 0; i < a->nelts; i++) {
        ph[n] = ngx_http_auth_token_moved(r, mv, ph[i]);

        if (ph[n]) {
            n++;
        }
    }

    a->nelts = n;
}

#endif


static ngx_table_elt_t *
ngx_http_auth_token_moved(ngx_http_request_t *r,
    ngx_http_auth_token_move_t *mv, ngx_table_elt_t *p)
{
    ngx_uint_t        g;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *e;

    if (mv->map == NULL) {

        /* removed in place: what followed it takes its place in a chain */

        if (p == mv->gone) {
            p = mv->gone_next;

            if (p == NULL) {
                return NULL;
            }
        }

        return (p > mv->gone && p < mv->end) ? p - 1 : p;
    }

    g = 0;

    for (part = mv->old; part; part = part->next) {

        h = part->elts;

        if (p >= h && p < h + part->nelts) {
            g += p - h;

            if (mv->map[g] == -1) {
                return NULL;
            }

            e = r->headers_in.headers.part.elts;

            return &e[mv->map[g]];
        }

        g += part->nelts;
    }

    return p;
}


/* the headers named changed: cached values of $http_<name> are forgotten */

static ngx_int_t
ngx_http_auth_token_forget(ngx_http_request_t *r, ngx_array_t *names)
{
    ngx_uint_t                     i;
    ngx_http_variable_value_t     *vv;
    ngx_http_auth_token_header_t  *hdr;

    hdr = names->elts;

    for (i = 0; i < names->nelts; i++) {

        if (hdr[i].variable != NGX_ERROR) {
            vv = &r->variables[hdr[i].variable];
            vv->valid = 0;
            vv->not_found = 0;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_named(ngx_array_t *names, ngx_str_t *key)
{
    ngx_uint_t                     i;
    ngx_http_auth_token_header_t  *hdr;

    hdr = names->elts;

    for (i = 0; i < names->nelts; i++) {
        if (ngx_http_auth_token_same_header(key, &hdr[i].name)) {
            return 1;
        }
    }

    return 0;
}


/*
 * nginx keeps pointers to some request headers in r->headers_in (for
 * $http_x_forwarded_for, $proxy_add_x_forwarded_for, $http_user_agent,
 * the realip module...).  Client copies removed from the list must go from
 * there too, and the header from the claim take their place; e NULL:
 * only forget the client's copies.
 */

static ngx_int_t
ngx_http_auth_token_index_header(ngx_http_request_t *r,
    ngx_http_auth_token_header_t *hdr, ngx_table_elt_t *e)
{
    u_char            *field;
    ngx_table_elt_t  **ph;
#if (nginx_version < 1023000)
    ngx_array_t       *a;
#endif

    if (hdr->offset == 0) {
        return NGX_OK;
    }

    field = (u_char *) &r->headers_in + hdr->offset;

#if (nginx_version < 1023000)

    /* before 1.23, headers that may repeat are arrays of pointers */

    if (hdr->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)) {
        a = (ngx_array_t *) field;
        a->nelts = 0;

        if (e == NULL) {
            return NGX_OK;
        }

        if (a->elts == NULL
            && ngx_array_init(a, r->pool, 1, sizeof(ngx_table_elt_t *))
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        ph = ngx_array_push(a);
        if (ph == NULL) {
            return NGX_ERROR;
        }

        *ph = e;

        return NGX_OK;
    }

#else

    if (e) {
        e->next = NULL;
    }

#endif

    ph = (ngx_table_elt_t **) field;
    *ph = e;

    return NGX_OK;
}


/* header names compare case-insensitively, with "_" the same as "-" */

static ngx_int_t
ngx_http_auth_token_same_header(ngx_str_t *a, ngx_str_t *b)
{
    u_char      c1, c2;
    ngx_uint_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        c1 = ngx_tolower(a->data[i]);
        c2 = ngx_tolower(b->data[i]);

        if (c1 == '_') {
            c1 = '-';
        }

        if (c2 == '_') {
            c2 = '-';
        }

        if (c1 != c2) {
            return 0;
        }
    }

    return 1;
}
