
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_subrequest.h"
#include "ngx_http_auth_token_encoding.h"


/*
 * The transport of every call to the identity provider: subrequests to
 * internal locations that the operator writes, so that TLS, keepalive, the
 * resolver and timeouts are nginx's own.  Nothing of the client's request
 * goes with them.  The answer's body is taken by a body filter
 * as it passes, whatever the location's buffer settings, and never reaches
 * the client.
 */


static ngx_int_t ngx_http_auth_token_fetch_body(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_http_auth_token_fetch_t *f);
static ngx_int_t ngx_http_auth_token_add_header(ngx_http_request_t *sr,
    const char *name, ngx_str_t *value);
static ngx_int_t ngx_http_auth_token_fetch_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static time_t ngx_http_auth_token_max_age(ngx_http_request_t *r);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;


ngx_int_t
ngx_http_auth_token_fetch(ngx_http_request_t *r, ngx_str_t *uri,
    ngx_http_auth_token_fetch_t *f, ngx_uint_t background)
{
    ngx_uint_t                    flags;
    ngx_http_request_t           *sr;
    ngx_http_post_subrequest_t   *ps;

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_auth_token_fetch_done;
    ps->data = f;

    flags = NGX_HTTP_SUBREQUEST_WAITED;

    if (background) {
        flags |= NGX_HTTP_SUBREQUEST_BACKGROUND;
    }

    if (ngx_http_subrequest(r, uri, NULL, &sr, ps, flags) != NGX_OK) {
        return NGX_ERROR;
    }

    /* nothing of the client's request goes to the identity provider */

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, r->pool, 4,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->headers_in.server = r->headers_in.server;
    sr->headers_in.content_length_n = -1;
    sr->headers_in.keep_alive_n = -1;
    sr->request_body = NULL;

    if (f->req_auth.len
        && ngx_http_auth_token_add_header(sr, "Authorization", &f->req_auth)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (f->req_body.len
        && ngx_http_auth_token_fetch_body(r, sr, f) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * the module context of our own calls is the call: an internal
     * redirect of the subrequest resets it, and that shows
     */

    ngx_http_set_ctx(sr, f, ngx_http_auth_token_module);

    f->answer.status = 0;
    f->answer.too_large = 0;
    f->answer.body.len = 0;
    f->max_age = -1;
    f->start = ngx_current_msec;
    f->done = 0;
    f->abandoned = 0;
    f->redirected = 0;

    return NGX_OK;
}


/* a POST with our own body, e.g. an RFC 7662 form */

static ngx_int_t
ngx_http_auth_token_fetch_body(ngx_http_request_t *r, ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f)
{
    ngx_buf_t                 *b;
    ngx_str_t                  accept;
    ngx_http_request_body_t   *rb;

    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (rb == NULL) {
        return NGX_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = f->req_body.data;
    b->last = f->req_body.data + f->req_body.len;
    b->start = b->pos;
    b->end = b->last;
    b->memory = 1;
    b->last_buf = 1;

    rb->bufs = ngx_alloc_chain_link(r->pool);
    if (rb->bufs == NULL) {
        return NGX_ERROR;
    }

    rb->bufs->buf = b;
    rb->bufs->next = NULL;
    rb->buf = b;

    sr->request_body = rb;
    sr->headers_in.content_length_n = f->req_body.len;

    sr->method = NGX_HTTP_POST;
    ngx_str_set(&sr->method_name, "POST");

    ngx_str_set(&accept, "application/json");

    if (ngx_http_auth_token_add_header(sr, "Content-Type", &f->req_type)
        != NGX_OK
        || ngx_http_auth_token_add_header(sr, "Accept", &accept) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_token_add_header(ngx_http_request_t *sr, const char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value = *value;

    h->lowcase_key = ngx_pnalloc(sr->pool, h->key.len);
    if (h->lowcase_key == NULL) {
        return NGX_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, h->key.len);

    if (h->key.len == sizeof("Content-Type") - 1
        && ngx_strncmp(name, "Content-Type", h->key.len) == 0)
    {
        sr->headers_in.content_type = h;

    } else if (h->key.len == sizeof("Authorization") - 1
               && ngx_strncmp(name, "Authorization", h->key.len) == 0)
    {
        sr->headers_in.authorization = h;
    }

    return NGX_OK;
}


/*
 * The call a subrequest makes, if it is one of ours: found through its
 * post_subrequest, which an internal redirect (error_page, X-Accel-Redirect
 * from the provider) keeps, unlike module contexts.
 */

ngx_http_auth_token_fetch_t *
ngx_http_auth_token_fetch_of(ngx_http_request_t *r)
{
    if (r == r->main
        || r->post_subrequest == NULL
        || r->post_subrequest->handler != ngx_http_auth_token_fetch_done)
    {
        return NULL;
    }

    return r->post_subrequest->data;
}


static ngx_int_t
ngx_http_auth_token_fetch_done(ngx_http_request_t *r, void *data,
    ngx_int_t rc)
{
    ngx_http_auth_token_fetch_t *f = data;

    if (f->done || rc == NGX_AGAIN) {
        return rc;
    }

    f->done = 1;

    f->abandoned = (rc == NGX_HTTP_CLIENT_CLOSED_REQUEST
                    || r->connection->error);

    /* an internal redirect resets module contexts: the answer is not ours */

    if (ngx_http_get_module_ctx(r, ngx_http_auth_token_module) == NULL) {
        f->redirected = 1;
    }

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE
        || r->connection->error)
    {
        f->answer.status = (rc >= NGX_HTTP_SPECIAL_RESPONSE) ? (ngx_uint_t) rc
                                                      : NGX_HTTP_BAD_GATEWAY;

    } else if (f->redirected) {
        f->answer.status = NGX_HTTP_BAD_GATEWAY;

    } else {
        f->answer.status = r->headers_out.status;
    }

    if (f->redirected) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_token: the identity provider's answer was "
                      "redirected to \"%V\" (error_page or "
                      "X-Accel-Redirect): not used",
                      ngx_http_auth_token_log_escape(r->pool, r->uri.data,
                                                     r->uri.len));
    }

    f->max_age = ngx_http_auth_token_max_age(r);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token fetch done: rc:%i status:%ui body:%uz",
                   rc, f->answer.status, f->answer.body.len);

    f->handler(r, f);

    /*
     * The outcome is taken: an error status must not run error_page for
     * the subrequest, whose output would go to the client.
     */

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return NGX_OK;
    }

    return rc;
}


/* Cache-Control: max-age=N of the identity provider's answer, or -1 */

static time_t
ngx_http_auth_token_max_age(ngx_http_request_t *r)
{
    u_char           *p, *last;
    time_t            n;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0
            || h[i].key.len != sizeof("Cache-Control") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                               sizeof("Cache-Control") - 1)
               != 0)
        {
            continue;
        }

        p = ngx_strlcasestrn(h[i].value.data,
                             h[i].value.data + h[i].value.len,
                             (u_char *) "max-age=", 8 - 1);
        if (p == NULL) {
            continue;
        }

        p += 8;
        last = h[i].value.data + h[i].value.len;
        n = 0;

        while (p < last && *p >= '0' && *p <= '9' && n < 100000000) {
            n = n * 10 + (*p++ - '0');
        }

        return n;
    }

    return -1;
}


/* takes the subrequest's answer as it passes; nothing goes further */

static ngx_int_t
ngx_http_auth_token_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    u_char                       *p;
    off_t                         size;
    ssize_t                       n;
    size_t                        need;
    ngx_buf_t                    *b;
    ngx_chain_t                  *cl;
    ngx_http_auth_token_fetch_t  *f;

    f = ngx_http_auth_token_fetch_of(r);

    if (f == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    if (ngx_http_get_module_ctx(r, ngx_http_auth_token_module) == NULL) {
        /* redirected (error_page, X-Accel-Redirect): swallowed, not kept */
        f->redirected = 1;
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_size(b);

        if (size && !f->answer.too_large && !f->redirected) {

            if ((size_t) size > f->max - f->answer.body.len) {
                f->answer.too_large = 1;

            } else {
                need = f->answer.body.len + (size_t) size;

                if (need > f->capacity) {
                    f->capacity = ngx_max(need, 2 * f->capacity);
                    f->capacity = ngx_max(f->capacity, 4096);

                    p = ngx_pnalloc(r->pool, f->capacity);
                    if (p == NULL) {
                        return NGX_ERROR;
                    }

                    if (f->answer.body.len) {
                        ngx_memcpy(p, f->answer.body.data, f->answer.body.len);
                    }

                    f->answer.body.data = p;
                }

                if (ngx_buf_in_memory(b)) {
                    ngx_memcpy(f->answer.body.data + f->answer.body.len, b->pos,
                               (size_t) size);

                } else {
                    n = ngx_read_file(b->file,
                                      f->answer.body.data + f->answer.body.len,
                                      (size_t) size, b->file_pos);
                    if (n != size) {
                        return NGX_ERROR;
                    }
                }

                f->answer.body.len += (size_t) size;
            }
        }

        if (ngx_buf_in_memory(b)) {
            b->pos = b->last;
        }

        if (b->in_file) {
            b->file_pos = b->file_last;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_auth_token_fetch_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_auth_token_body_filter;

    return NGX_OK;
}
