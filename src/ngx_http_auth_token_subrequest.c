
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token.h"


/*
 * Calls to the identity provider are subrequests to internal locations
 * that the operator writes, so that TLS, keepalive, the resolver and
 * timeouts are nginx's own.  The answer's body is taken by a body filter
 * as it passes, whatever the location's buffer settings, and never reaches
 * the client.
 */


static ngx_int_t ngx_http_auth_token_fetch_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static time_t ngx_http_auth_token_max_age(ngx_http_request_t *r);
static void ngx_http_auth_token_wake(ngx_http_request_t *r);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;


ngx_int_t
ngx_http_auth_token_fetch(ngx_http_request_t *r, ngx_str_t *uri,
    ngx_http_auth_token_fetch_t *f, ngx_uint_t background)
{
    ngx_uint_t                    flags;
    ngx_http_request_t           *sr;
    ngx_http_auth_token_ctx_t    *sctx;
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

    sctx = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_ctx_t));
    if (sctx == NULL) {
        return NGX_ERROR;
    }

    sctx->fetch = f;
    ngx_http_set_ctx(sr, sctx, ngx_http_auth_token_module);

    f->status = 0;
    f->max_age = -1;
    f->done = 0;
    f->too_large = 0;
    f->body.len = 0;

    return NGX_OK;
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

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE
        || r->connection->error)
    {
        f->status = (rc >= NGX_HTTP_SPECIAL_RESPONSE) ? (ngx_uint_t) rc
                                                      : NGX_HTTP_BAD_GATEWAY;

    } else {
        f->status = r->headers_out.status;
    }

    f->max_age = ngx_http_auth_token_max_age(r);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token fetch done: rc:%i status:%ui body:%uz",
                   rc, f->status, f->body.len);

    f->handler(r, f);

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
    ngx_http_auth_token_ctx_t    *ctx;
    ngx_http_auth_token_fetch_t  *f;

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_token_module);

    if (ctx == NULL || ctx->fetch == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    f = ctx->fetch;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_size(b);

        if (size && !f->too_large) {

            if ((size_t) size > f->max - f->body.len) {
                f->too_large = 1;

            } else {
                need = f->body.len + (size_t) size;

                if (need > f->capacity) {
                    f->capacity = ngx_max(need, 2 * f->capacity);
                    f->capacity = ngx_max(f->capacity, 4096);

                    p = ngx_pnalloc(r->pool, f->capacity);
                    if (p == NULL) {
                        return NGX_ERROR;
                    }

                    if (f->body.len) {
                        ngx_memcpy(p, f->body.data, f->body.len);
                    }

                    f->body.data = p;
                }

                if (ngx_buf_in_memory(b)) {
                    ngx_memcpy(f->body.data + f->body.len, b->pos,
                               (size_t) size);

                } else {
                    n = ngx_read_file(b->file, f->body.data + f->body.len,
                                      (size_t) size, b->file_pos);
                    if (n != size) {
                        return NGX_ERROR;
                    }
                }

                f->body.len += (size_t) size;
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
ngx_http_auth_token_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_auth_token_body_filter;

    return NGX_OK;
}


/*
 * Parks a request in the access phase: the phase handler runs again after
 * the delay.  Used while another request, maybe in another worker, fetches
 * what this one needs.
 */

ngx_int_t
ngx_http_auth_token_park(ngx_http_request_t *r, ngx_msec_t delay)
{
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_auth_token_wake;

    r->connection->write->delayed = 1;
    ngx_add_timer(r->connection->write, delay);

    return NGX_AGAIN;
}


static void
ngx_http_auth_token_wake(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}
