
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_flight.h"


/*
 * The single flight: every call to the identity provider (a key set, an
 * introspection, a reissue) follows the same rules.
 *
 * - acquire: the request that finds no usable entry takes a lease on it
 *   and makes the call; the lease lasts auth_token_lock_timeout + 1 s, so
 *   that a worker that dies during a call blocks nobody for longer.
 * - wait: the others with the same entry, in any worker, are parked on a
 *   timer and look at the entry every 20 ms, for auth_token_lock_timeout
 *   at most; then each decides on its own (a call of its own, the last
 *   good keys, or a failure).
 * - release: success clears the failures; a failure starts a back-off of
 *   1 s, doubling with each failure in a row up to 60 s, during which no
 *   call is made for that entry and requests share the failure (or a
 *   stale answer); a call abandoned by its client releases the lease
 *   without a back-off.
 */


#define NGX_HTTP_AUTH_TOKEN_MAX_BACKOFF  60


static void ngx_http_auth_token_wake(ngx_event_t *ev);
static void ngx_http_auth_token_wait_cleanup(void *data);


/*
 * NGX_OK: the lease is ours; NGX_BUSY: another call runs; NGX_DECLINED:
 * backing off after a failure.  The zone's mutex is held.
 */

ngx_int_t
ngx_http_auth_token_flight_acquire(ngx_http_auth_token_flight_t *f,
    time_t now, ngx_msec_t lock_timeout)
{
    if (f->lease > now) {
        return NGX_BUSY;
    }

    if (f->retry_at > now) {
        return NGX_DECLINED;
    }

    /*
     * whole seconds, rounded up: "now" may be about to turn, and a lease
     * must outlast the waits of the others (a lock_timeout of 300ms as
     * "now + 1" could end a moment after it was taken)
     */

    f->lease = now + (time_t) ((lock_timeout + 999) / 1000) + 1;

    return NGX_OK;
}


void
ngx_http_auth_token_flight_succeeded(ngx_http_auth_token_flight_t *f)
{
    f->lease = 0;
    f->retry_at = 0;
    f->failures = 0;
}


/* returns the back-off, in seconds */

time_t
ngx_http_auth_token_flight_failed(ngx_http_auth_token_flight_t *f,
    time_t now)
{
    time_t  backoff;

    f->lease = 0;
    f->failures++;

    backoff = (time_t) 1 << ngx_min(f->failures - 1, 6);
    backoff = ngx_min(backoff, NGX_HTTP_AUTH_TOKEN_MAX_BACKOFF);

    f->retry_at = now + backoff;

    return backoff;
}


void
ngx_http_auth_token_flight_abandoned(ngx_http_auth_token_flight_t *f)
{
    f->lease = 0;
}


/*
 * Parks the request for delay milliseconds: the phase handler runs again
 * then.  NGX_AGAIN: parked; NGX_DECLINED: it has waited timeout
 * milliseconds already, since the first call after a wait_end().
 */

ngx_int_t
ngx_http_auth_token_wait(ngx_http_request_t *r, ngx_http_auth_token_wait_t *w,
    ngx_msec_t timeout, ngx_msec_t delay)
{
    ngx_pool_cleanup_t  *cln;

    if (!w->parked) {
        w->parked = 1;
        w->start = ngx_current_msec;

        if (w->event.handler == NULL) {
            cln = ngx_pool_cleanup_add(r->pool, 0);
            if (cln == NULL) {
                return NGX_ERROR;
            }

            cln->handler = ngx_http_auth_token_wait_cleanup;
            cln->data = w;

            w->event.handler = ngx_http_auth_token_wake;
            w->event.data = r;
            w->event.log = r->connection->log;
        }

    } else if (ngx_current_msec - w->start >= timeout) {
        return NGX_DECLINED;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: waiting %M ms", delay);

    if (r == r->main) {
        /* a client that goes away ends the request, and the wait */
        r->read_event_handler = ngx_http_test_reading;
    }

    ngx_add_timer(&w->event, delay);

    return NGX_AGAIN;
}


void
ngx_http_auth_token_wait_end(ngx_http_auth_token_wait_t *w)
{
    w->parked = 0;

    if (w->event.timer_set) {
        ngx_del_timer(&w->event);
    }
}


/* the phases resume where the request stopped, as after a subrequest */

static void
ngx_http_auth_token_wake(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ev->data;
    c = r->connection;

    if (r == r->main) {
        r->read_event_handler = ngx_http_block_reading;
    }

    if (ngx_http_post_request(r, NULL) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_run_posted_requests(c);
}


/* a request freed while parked (the client went away) takes its timer */

static void
ngx_http_auth_token_wait_cleanup(void *data)
{
    ngx_http_auth_token_wait_t *w = data;

    if (w->event.timer_set) {
        ngx_del_timer(&w->event);
    }
}
