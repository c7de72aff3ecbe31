
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_answer.h"
#include "ngx_http_auth_token_binding.h"
#include "ngx_http_auth_token_binding_dpop.h"
#include "ngx_http_auth_token_claims.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_endpoint.h"
#include "ngx_http_auth_token_headers.h"
#include "ngx_http_auth_token_keyset.h"
#include "ngx_http_auth_token_subrequest.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_metrics.h"


/*
 * The access check, as a state machine: the request context's "step"
 * alone says where it resumes after an event (a key set or an identity
 * provider's answer, another request's call).
 *
 *   FIND ──> LOOKUP ──> KEYS ──> VERIFY ──> CLAIMS ─(BIND)─> REQUIRE ──> DONE
 *     │         │                  │  ▲         ▲               │         ▲
 *     │         └─ opaque ─┐       │  └ refetch │               └> REISSUE┘
 *     └─ no key sources ───┴─> INTROSPECT ──────┘
 *
 * BIND (sender constraints, ngx_http_auth_token_binding.c) only where
 * auth_token_dpop or auth_token_cert_binding is on.  A refusal at any
 * step goes to DONE.  Main requests are checked in the access phase;
 * subrequests (auth_request, SSI, mirror), which nginx runs without an
 * access phase, in the pre-content phase, against the main request's
 * token.  The module's own calls to the identity provider are never
 * checked.
 *
 * A decision is kept across an internal redirect (error_page, try_files,
 * X-Accel-Redirect, named locations) only when the new location applies
 * the same policy (ngx_http_auth_token_policy_id()); there, the location's
 * own claim checks and requirements run again.  Elsewhere the token is
 * checked anew.
 */


static ngx_int_t ngx_http_auth_token_check(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf);
static ngx_http_auth_token_ctx_t *ngx_http_auth_token_own_ctx(
    ngx_http_request_t *r);
static void ngx_http_auth_token_inherit(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static void ngx_http_auth_token_reset(ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_run(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_decide(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static void ngx_http_auth_token_next(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_step_e step);
static ngx_int_t ngx_http_auth_token_find(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static ngx_uint_t ngx_http_auth_token_check_chars(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_check_claims_step(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static ngx_int_t ngx_http_auth_token_check_require(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
static void ngx_http_auth_token_ctx_cleanup(void *data);


static ngx_str_t  ngx_http_auth_token_status_names[] = {
    ngx_null_string,
    ngx_string("valid"),
    ngx_string("missing"),
    ngx_string("invalid_request"),
    ngx_string("malformed"),
    ngx_string("unsupported_alg"),
    ngx_string("unknown_key"),
    ngx_string("bad_signature"),
    ngx_string("expired"),
    ngx_string("not_yet_valid"),
    ngx_string("wrong_issuer"),
    ngx_string("wrong_audience"),
    ngx_string("insufficient_scope"),
    ngx_string("requirement_failed"),
    ngx_string("keys_unavailable"),
    ngx_string("inactive"),
    ngx_string("revoked"),
    ngx_string("introspection_failed"),
    ngx_string("reissue_denied"),
    ngx_string("reissue_rejected"),
    ngx_string("reissue_failed"),
    ngx_string("invalid_dpop_proof"),
    ngx_string("binding_mismatch"),
    ngx_string("wrong_type"),
    ngx_string("internal_error")
};


static const char  *ngx_http_auth_token_step_names[] = {
    "find", "discover", "lookup", "keys", "verify", "introspect", "claims",
    "bind", "require", "reissue", "done"
};


ngx_str_t *
ngx_http_auth_token_status_name(ngx_uint_t status)
{
    return &ngx_http_auth_token_status_names[status];
}


/* the access phase: main requests only (nginx skips it for subrequests) */

ngx_int_t
ngx_http_auth_token_access_handler(ngx_http_request_t *r)
{
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    if (alcf->realm == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_auth_token_check(r, alcf);
}


/*
 * The pre-content phase: the check of a subrequest; for a main request,
 * the Authorization header its upstream sees.
 */

ngx_int_t
ngx_http_auth_token_precontent_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_http_auth_token_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    if (r == r->main) {
        if (ngx_http_auth_token_upstream_token(r, alcf,
                                         ngx_http_auth_token_own_ctx(r))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_DECLINED;
    }

    if (alcf->realm == NULL || ngx_http_auth_token_fetch_of(r)) {
        /* our own calls to the identity provider are never checked */
        return NGX_DECLINED;
    }

    rc = ngx_http_auth_token_check(r, alcf);

    return (rc == NGX_OK) ? NGX_DECLINED : rc;
}


static ngx_int_t
ngx_http_auth_token_check(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf)
{
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_own_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_http_auth_token_request_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (r != r->main) {
            ngx_http_auth_token_inherit(r, alcf, ctx);
        }

    } else if (ctx->step == NGX_HTTP_AUTH_TOKEN_STEP_DONE) {

        /* an internal redirect: the decision, under this policy? */

        if (ngx_memcmp(ctx->policy, alcf->policy,
                       NGX_HTTP_AUTH_TOKEN_HASH_LEN) != 0)
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: another policy, checking again");

            ngx_http_auth_token_reset(ctx);

        } else if (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: same policy, checking claims again");

            ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
            ctx->step = NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS;

        } else {
            return ctx->rc;
        }
    }

    return ngx_http_auth_token_run(r, alcf, ctx);
}


/*
 * The context of the request that decides (or the nearest parent's, for
 * variables of a subrequest without a check of its own); our own calls to
 * the identity provider have none.
 */

ngx_http_auth_token_ctx_t *
ngx_http_auth_token_get_ctx(ngx_http_request_t *r)
{
    ngx_http_auth_token_ctx_t  *ctx;

    for ( /* void */ ; r; r = r->parent) {

        if (r != r->main && ngx_http_auth_token_fetch_of(r)) {
            continue;
        }

        ctx = ngx_http_auth_token_own_ctx(r);

        if (ctx) {
            return ctx;
        }
    }

    return NULL;
}


/*
 * The request's own context, also after an internal redirect has reset
 * module contexts (found again through its pool cleanup, as
 * ngx_http_realip_module does).
 */

static ngx_http_auth_token_ctx_t *
ngx_http_auth_token_own_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_token_module);

    if (ctx || !r->internal) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler != ngx_http_auth_token_ctx_cleanup) {
            continue;
        }

        ctx = cln->data;

        if (ctx->request == r) {
            ngx_http_set_ctx(r, ctx, ngx_http_auth_token_module);
            return ctx;
        }
    }

    return NULL;
}


/* the request's own context, created when first needed */

ngx_http_auth_token_ctx_t *
ngx_http_auth_token_request_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_auth_token_ctx_t  *ctx;

    ctx = ngx_http_auth_token_own_ctx(r);

    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_token_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_auth_token_ctx_cleanup;
    cln->data = ctx;

    ctx->request = r;
    ctx->step = NGX_HTTP_AUTH_TOKEN_STEP_FIND;

    ngx_http_set_ctx(r, ctx, ngx_http_auth_token_module);

    return ctx;
}


/* a subrequest: the main request's decision, under the same policy */

static void
ngx_http_auth_token_inherit(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_http_auth_token_ctx_t  *mctx;

    mctx = ngx_http_auth_token_own_ctx(r->main);

    if (mctx == NULL || mctx->step != NGX_HTTP_AUTH_TOKEN_STEP_DONE
        || ngx_memcmp(mctx->policy, alcf->policy,
                      NGX_HTTP_AUTH_TOKEN_HASH_LEN) != 0)
    {
        return;
    }

    *ctx = *mctx;

    ctx->request = r;
    ctx->headers_added = 0;
    ctx->stash = NULL;
    ngx_memzero(&ctx->wait, sizeof(ngx_http_auth_token_wait_t));

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
        ctx->step = NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: subrequest, the main request's decision: %V",
                   ngx_http_auth_token_status_name(ctx->status));
}


/* checked anew, as if the request had just arrived */

static void
ngx_http_auth_token_reset(ngx_http_auth_token_ctx_t *ctx)
{
    u_char                      *dpop_seen;
    ngx_str_t                    client_auth;
    ngx_array_t                 *stash;
    ngx_uint_t                   added, restored;
    ngx_http_request_t          *r;
    ngx_http_auth_token_wait_t   wait;

    r = ctx->request;
    wait = ctx->wait;
    added = ctx->headers_added;
    stash = ctx->stash;
    restored = ctx->restored;
    client_auth = ctx->client_auth;
    dpop_seen = ctx->dpop_seen;

    ngx_memzero(ctx, sizeof(ngx_http_auth_token_ctx_t));

    ctx->request = r;
    ctx->wait = wait;
    ctx->headers_added = added;
    ctx->stash = stash;
    ctx->restored = restored;
    ctx->client_auth = client_auth;
    ctx->dpop_seen = dpop_seen;     /* the same proof is not a replay */
    ctx->step = NGX_HTTP_AUTH_TOKEN_STEP_FIND;
}


static void
ngx_http_auth_token_ctx_cleanup(void *data)
{
    /* nothing to free: the entry only finds the context again */
}


/* the steps, until a decision or an event to wait for */

static ngx_int_t
ngx_http_auth_token_run(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t  rc;

    for ( ;; ) {

        switch (ctx->step) {

        case NGX_HTTP_AUTH_TOKEN_STEP_FIND:
            rc = ngx_http_auth_token_find(r, alcf, ctx);

            if (rc != NGX_OK) {
                break;
            }

            if (ctx->status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);

            } else if ((alcf->keysets || alcf->jwks || alcf->bound)
                       && alcf->discovery == NULL)
            {
                /* the characters are checked on a cache miss (LOOKUP) */
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_LOOKUP);

            } else if (!ngx_http_auth_token_check_chars(r, ctx)) {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);

            } else if (alcf->discovery) {
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_DISCOVER);

            } else {
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_INTROSPECT);
            }

            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_DISCOVER:
            rc = ngx_http_auth_token_discover(r, alcf, ctx);

            if (rc == NGX_DECLINED) {
                ctx->status = NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE;
                ctx->reason = "No discovery document available";
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
                continue;
            }

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_LOOKUP);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_LOOKUP:

            if (ngx_http_auth_token_lookup(r, alcf, ctx) == NGX_OK) {
                /* verified before: parsed only if claims are needed */
                rc = NGX_OK;

            } else if (alcf->discovery == NULL
                       && !ngx_http_auth_token_check_chars(r, ctx))
            {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
                continue;

            } else {
                rc = ngx_http_auth_token_parse(r, ctx);

                if (rc == NGX_ERROR) {
                    break;
                }
            }

            if (rc == NGX_OK && alcf->bound) {

                /* the keys of the token's issuer; none: refused now */

                rc = ngx_http_auth_token_select_issuer(r, alcf, ctx);

                if (rc == NGX_ERROR) {
                    break;
                }

                if (rc == NGX_DECLINED) {
                    ngx_http_auth_token_next(r, ctx,
                                             NGX_HTTP_AUTH_TOKEN_STEP_DONE);
                    continue;
                }
            }

            if (rc == NGX_OK) {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_KEYS);

            } else if (alcf->introspect) {
                /* not a JWT we can check: an opaque token */
                ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_INTROSPECT);

            } else {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            }

            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_KEYS:
            rc = ngx_http_auth_token_keys(r, alcf, ctx);

            if (rc == NGX_DECLINED) {
                ctx->status = NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE;
                ctx->reason = "No signing keys available";
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
                continue;
            }

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_VERIFY);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_VERIFY:
            rc = ngx_http_auth_token_verify(r, alcf, ctx);

            if (rc != NGX_OK) {
                break;
            }

            if (alcf->introspect
                && (ctx->status == NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY
                    || (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
                        && alcf->introspect_jwt)))
            {
                /* no key of ours vouches for it, or revocation matters */
                ctx->status = NGX_HTTP_AUTH_TOKEN_UNCHECKED;
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_INTROSPECT);

            } else if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
                ngx_http_auth_token_next(r, ctx,
                                         NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS);

            } else {
                ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            }

            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_INTROSPECT:
            rc = ngx_http_auth_token_endpoint(r, alcf, ctx, alcf->introspect);

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx,
                         (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED)
                         ? NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS
                         : NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS:
            rc = ngx_http_auth_token_check_claims_step(r, alcf, ctx);

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx,
                         (ctx->status != NGX_HTTP_AUTH_TOKEN_UNCHECKED)
                         ? NGX_HTTP_AUTH_TOKEN_STEP_DONE
                         : (alcf->dpop || alcf->cert_binding)
                         ? NGX_HTTP_AUTH_TOKEN_STEP_BIND
                         : NGX_HTTP_AUTH_TOKEN_STEP_REQUIRE);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_BIND:
            rc = ngx_http_auth_token_bind(r, alcf, ctx);

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx,
                         (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED)
                         ? NGX_HTTP_AUTH_TOKEN_STEP_REQUIRE
                         : NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_REQUIRE:
            rc = ngx_http_auth_token_check_require(r, alcf, ctx);

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx,
                         (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID
                          && alcf->reissue)
                         ? NGX_HTTP_AUTH_TOKEN_STEP_REISSUE
                         : NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            continue;

        case NGX_HTTP_AUTH_TOKEN_STEP_REISSUE:
            rc = ngx_http_auth_token_endpoint(r, alcf, ctx, alcf->reissue);

            if (rc != NGX_OK) {
                break;
            }

            ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
            continue;

        default: /* NGX_HTTP_AUTH_TOKEN_STEP_DONE */
            return ngx_http_auth_token_decide(r, alcf, ctx);
        }

        if (rc == NGX_AGAIN) {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: step %s waits",
                           ngx_http_auth_token_step_names[ctx->step]);
            return NGX_AGAIN;
        }

        /* NGX_ERROR: a failure of ours, not a decision about the token */

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_token: internal error in step \"%s\"",
                      ngx_http_auth_token_step_names[ctx->step]);

        ctx->status = NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
        ctx->reason = "Internal error";
        ngx_http_auth_token_next(r, ctx, NGX_HTTP_AUTH_TOKEN_STEP_DONE);
    }
}


static void
ngx_http_auth_token_next(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_http_auth_token_step_e step)
{
    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: step %s -> %s (%V)",
                   ngx_http_auth_token_step_names[ctx->step],
                   ngx_http_auth_token_step_names[step],
                   ngx_http_auth_token_status_name(ctx->status));

    ctx->step = step;
}


/* the decision: the request goes on, or is answered */

static ngx_int_t
ngx_http_auth_token_decide(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t  rc;

    ctx->policy = alcf->policy;

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_VALID;
    }

    if (ctx->status != NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR) {

        rc = ngx_http_auth_token_headers_set(r, alcf, ctx);

        if (rc == NGX_DECLINED) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            ctx->reason = "Token claim cannot be sent in a header";

            /* no header of an earlier decision may stay */
            rc = ngx_http_auth_token_headers_set(r, alcf, ctx);
        }

        if (rc != NGX_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_token: internal error setting claim headers");

            ctx->status = NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR;
            ctx->reason = "Internal error";
        }
    }

    /*
     * counted once per policy: not again when kept across an internal
     * redirect, nor when a subrequest inherits it
     */

    if (!ctx->counted) {
        ctx->counted = 1;
        ngx_http_auth_token_count_decision(r, alcf, ctx->status);
    }

    if (ctx->status == NGX_HTTP_AUTH_TOKEN_VALID) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: accepted");

        ctx->rc = NGX_OK;

        return NGX_OK;
    }

    ctx->rc = ngx_http_auth_token_reject(r, alcf, ctx);

    /* the answer: a body or gRPC for API clients, or the status */

    return ngx_http_auth_token_answer(r, alcf, ctx, ctx->rc);
}


/*
 * RFC 6750, section 2: one token, from exactly one place.  A subrequest
 * checks its main request's token (which may be gone from its headers:
 * auth_token_pass_token off).  NGX_OK: ctx->token, or ctx->status says
 * why there is none; NGX_ERROR: an internal failure.
 */

static ngx_int_t
ngx_http_auth_token_find(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_int_t                   rc;
    ngx_str_t                   header;
    ngx_table_elt_t            *h;
    ngx_http_auth_token_ctx_t  *mctx;

    if (r != r->main) {
        mctx = ngx_http_auth_token_own_ctx(r->main);

        if (mctx && mctx->token.len) {
            ctx->token = mctx->token;
            ctx->from_header = mctx->from_header;
            goto found;
        }
    }

    /*
     * the client's header: after an internal redirect it may be gone (or
     * replaced by a reissued token) for the upstream of an earlier location
     */

    h = r->headers_in.authorization;
    rc = NGX_DECLINED;

    if (ctx->client_auth.data) {
        rc = ngx_http_auth_token_parse_authorization(&ctx->client_auth,
                                                     &alcf->scheme,
                                                     &header);

    } else if (h) {
        rc = ngx_http_auth_token_parse_authorization(&h->value,
                                                     &alcf->scheme,
                                                     &header);
    }

    if (alcf->dpop) {
        rc = ngx_http_auth_token_dpop_scheme(r, alcf, ctx, rc, &header);
    }

    if (alcf->token) {
        if (ngx_http_complex_value(r, alcf->token, &ctx->token) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ctx->token.len == 0) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MISSING;
            ctx->reason = "No token";
            return NGX_OK;
        }

        if (rc != NGX_DECLINED) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST;
            ctx->reason = "More than one token in the request";
            return NGX_OK;
        }

    } else {
        if (rc == NGX_DECLINED) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MISSING;
            ctx->reason = "No token";
            return NGX_OK;
        }

        if (rc == NGX_ERROR) {
            ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
            ctx->reason = "Malformed Authorization header";
            return NGX_OK;
        }

        ctx->token = header;
        ctx->from_header = 1;
    }

found:

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: a token of %uz bytes from %s",
                   ctx->token.len,
                   ctx->from_header ? "the Authorization header"
                                    : "a variable");

    if (ctx->token.len > NGX_HTTP_AUTH_TOKEN_MAX_LENGTH) {
        ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
        ctx->reason = "Token too large";
        return NGX_OK;
    }

    return NGX_OK;
}


/*
 * RFC 6750, section 2.1: b64token characters only.  Not needed for a
 * verified-token cache hit: those very bytes passed before.
 */

static ngx_uint_t
ngx_http_auth_token_check_chars(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx)
{
    if (ngx_http_auth_token_valid_chars(&ctx->token) == NGX_OK) {
        return 1;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: not b64token characters");

    ctx->status = NGX_HTTP_AUTH_TOKEN_MALFORMED;
    ctx->reason = "Malformed token";

    return 0;
}


/*
 * The location's checks on the claims: exp/nbf (known without parsing
 * after a cache hit), then issuer, audience, scope.
 */

static ngx_int_t
ngx_http_auth_token_check_claims_step(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    json_t                        *claims, *iss;
    ngx_http_auth_token_status_e   status;

    /* RFC 9068: an ID token of the same issuer is no access token */

    if (alcf->token_type == NGX_HTTP_AUTH_TOKEN_TYPE_AT_JWT && ctx->jwt
        && !ctx->at_jwt)
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: not an at+jwt token");

        ctx->status = NGX_HTTP_AUTH_TOKEN_WRONG_TYPE;
        ctx->reason = "Token is not an access token";
        return NGX_OK;
    }

    if (!ctx->times_set) {
        status = ngx_http_auth_token_claim_times(ctx->claims, &ctx->times,
                                                 &ctx->reason);
        if (status != NGX_HTTP_AUTH_TOKEN_UNCHECKED) {
            ctx->status = status;
            return NGX_OK;
        }

        ctx->times_set = 1;
    }

    status = ngx_http_auth_token_check_times(&ctx->times, alcf->leeway,
                                             ngx_time(), &ctx->reason);

    /* the issuer of the discovery document, unless issuers are listed */

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED && alcf->discovery
        && alcf->issuers == NULL)
    {
        claims = ngx_http_auth_token_get_claims(r, ctx);

        if (claims == NULL) {
            return NGX_ERROR;
        }

        iss = json_object_get(claims, "iss");

        /* an introspection answer need not repeat the issuer (RFC 7662) */

        if ((iss != NULL || ctx->introspection == NULL)
            && (!json_is_string(iss)
                || json_string_length(iss) != ctx->discovered.issuer.len
                || ngx_memcmp(json_string_value(iss),
                              ctx->discovered.issuer.data,
                              ctx->discovered.issuer.len)
                   != 0))
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "auth_token: not the discovered issuer");

            ctx->status = NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER;
            ctx->reason = "Token issuer not accepted";
            return NGX_OK;
        }
    }

    if (status == NGX_HTTP_AUTH_TOKEN_UNCHECKED
        && (alcf->issuers || alcf->audiences || alcf->scopes))
    {
        claims = ngx_http_auth_token_get_claims(r, ctx);

        if (claims == NULL) {
            return NGX_ERROR;
        }

        status = ngx_http_auth_token_check_claims(alcf, claims, &ctx->reason);
    }

    ctx->status = status;

    return NGX_OK;
}


/*
 * auth_token_require: every value non-empty and not "0".  The token
 * counts as valid while they are evaluated, so that they may use its
 * claims.
 */

static ngx_int_t
ngx_http_auth_token_check_require(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_str_t                       val;
    ngx_uint_t                      i, j;
    ngx_http_complex_value_t       *cv;
    ngx_http_auth_token_require_t  *req;

    ctx->status = NGX_HTTP_AUTH_TOKEN_VALID;

    if (alcf->requires == NULL) {
        return NGX_OK;
    }

    req = alcf->requires->elts;

    for (i = 0; i < alcf->requires->nelts; i++) {

        cv = req[i].values->elts;

        for (j = 0; j < req[i].values->nelts; j++) {

            if (ngx_http_complex_value(r, &cv[j], &val) != NGX_OK) {
                return NGX_ERROR;
            }

            if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
                ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                               "auth_token: requirement \"%V\" not met, %ui",
                               &cv[j].value, req[i].error);

                ctx->code = req[i].error;
                ctx->status = NGX_HTTP_AUTH_TOKEN_REQUIREMENT_FAILED;
                ctx->reason = "Token does not meet the requirements";
                return NGX_OK;
            }
        }
    }

    return NGX_OK;
}
