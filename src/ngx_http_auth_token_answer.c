
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_answer.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_encoding.h"
#include "ngx_http_auth_token_verify.h"
#include "ngx_http_auth_token_binding_dpop.h"

#include <jansson.h>


/*
 * How a refusal is answered.  Always as RFC 6750 says: the status, and a
 * WWW-Authenticate challenge for 400, 401 and 403 (with the RFC 9728
 * resource_metadata when configured), one info line in the error log.
 * For API clients, in a main request, the module may send the answer
 * itself: a JSON body (auth_token_error_format json), an RFC 9457 problem
 * (problem), or, to a gRPC request, HTTP 200 with grpc-status 16 or 7, as
 * gRPC clients expect.  nginx keeps the last word where it has one: an
 * error_page for the status, or "satisfy any" (another access module may
 * still allow a 401 or 403) leave the status to nginx.
 */


typedef struct {
    ngx_uint_t                      code;
    ngx_str_t                       error;      /* RFC 6750's, or empty */
    ngx_str_t                       reason;
    ngx_uint_t                      scope;      /* insufficient_scope */
    ngx_uint_t                      challenge;
} ngx_http_auth_token_refusal_t;


static void ngx_http_auth_token_refusal(ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_refusal_t *f);
static ngx_int_t ngx_http_auth_token_challenge(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_refusal_t *f);
static void ngx_http_auth_token_log_refusal(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_uint_t code, ngx_str_t *reason);
static ngx_uint_t ngx_http_auth_token_is_grpc(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_token_send_grpc(ngx_http_request_t *r,
    ngx_http_auth_token_refusal_t *f);
static ngx_int_t ngx_http_auth_token_send_json(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_refusal_t *f);
static ngx_int_t ngx_http_auth_token_add_header(ngx_http_request_t *r,
    char *name, ngx_str_t *value);


/* the status, the error code of RFC 6750 and whether a challenge goes */

static void
ngx_http_auth_token_refusal(ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_refusal_t *f)
{
    f->code = NGX_HTTP_UNAUTHORIZED;
    f->scope = 0;
    f->challenge = 1;

    if (ctx->reason) {
        f->reason.data = (u_char *) ctx->reason;
        f->reason.len = ngx_strlen(ctx->reason);

    } else {
        ngx_str_null(&f->reason);
    }

    switch (ctx->status) {

    case NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR:
        f->code = NGX_HTTP_INTERNAL_SERVER_ERROR;
        f->challenge = 0;
        ngx_str_set(&f->error, "server_error");
        break;

    case NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE:
    case NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED:
    case NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED:

        /* the client did nothing wrong: no challenge */

        f->code = NGX_HTTP_SERVICE_UNAVAILABLE;
        f->challenge = 0;
        ngx_str_set(&f->error, "temporarily_unavailable");
        break;

    case NGX_HTTP_AUTH_TOKEN_MISSING:

        /* RFC 6750, section 3.1: no error code without a token */

        ngx_str_null(&f->error);
        break;

    case NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST:
        f->code = NGX_HTTP_BAD_REQUEST;
        ngx_str_set(&f->error, "invalid_request");
        break;

    case NGX_HTTP_AUTH_TOKEN_INSUFFICIENT_SCOPE:
        f->code = NGX_HTTP_FORBIDDEN;
        f->scope = 1;
        ngx_str_set(&f->error, "insufficient_scope");
        break;

    case NGX_HTTP_AUTH_TOKEN_REISSUE_DENIED:
        f->code = NGX_HTTP_FORBIDDEN;
        ngx_str_set(&f->error, "insufficient_scope");
        break;

    case NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF:
        ngx_str_set(&f->error, "invalid_dpop_proof");
        break;

    case NGX_HTTP_AUTH_TOKEN_REQUIREMENT_FAILED:
        if (ctx->code == NGX_HTTP_FORBIDDEN) {
            f->code = NGX_HTTP_FORBIDDEN;
            ngx_str_set(&f->error, "insufficient_scope");
            break;
        }

        /* fall through */

    default:
        ngx_str_set(&f->error, "invalid_token");
        break;
    }
}


/*
 * RFC 6750, section 3: the status of a refusal, with a challenge carrying
 * the realm, and the error and its description once a token was
 * presented.
 */

ngx_int_t
ngx_http_auth_token_reject(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx)
{
    ngx_http_auth_token_refusal_t  f;

    ngx_http_auth_token_refusal(ctx, &f);

    if (f.code == NGX_HTTP_INTERNAL_SERVER_ERROR) {
        /* the failure itself was logged where it happened */
        return f.code;
    }

    if (!f.challenge) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_token: %ui: %V (%V)", f.code, &f.reason,
                      ngx_http_auth_token_status_name(ctx->status));
        return f.code;
    }

    ngx_http_auth_token_log_refusal(r, ctx, f.code, &f.reason);

    if (ngx_http_auth_token_challenge(r, alcf, ctx, &f) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return f.code;
}


static ngx_int_t
ngx_http_auth_token_challenge(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_refusal_t *f)
{
    ngx_int_t                         rc;
    ngx_str_t                         realm, metadata;
    ngx_table_elt_t                  *h, *first;
    ngx_http_auth_token_challenge_t   c;

    if (ngx_http_complex_value(r, alcf->realm, &realm) != NGX_OK) {
        return NGX_ERROR;
    }

    first = NULL;

    if (alcf->dpop) {

        /*
         * RFC 9449, section 7.1: a DPoP challenge first, with the error
         * when it is about DPoP (then the other is a bare one), or the
         * only one (auth_token_dpop required)
         */

        rc = ngx_http_auth_token_dpop_challenge(r, alcf, ctx, &realm,
                                                &f->error, &f->reason,
                                                &f->scope);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DONE) {
            return NGX_OK;
        }

        first = r->headers_out.www_authenticate;
    }

    ngx_str_null(&metadata);

    if (alcf->resource_metadata
        && ngx_http_complex_value(r, alcf->resource_metadata, &metadata)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    c.scheme = alcf->scheme;
    c.realm = &realm;
    c.error = f->error;
    c.reason = &f->reason;
    c.scope = f->scope ? &alcf->scope_text : NULL;
    c.value = metadata;

    if (metadata.len) {
        ngx_str_set(&c.param, "resource_metadata");

    } else {
        ngx_str_null(&c.param);
    }

    h = ngx_http_auth_token_challenge_push(r, &c);
    if (h == NULL) {
        return NGX_ERROR;
    }

#if (nginx_version >= 1023000)

    /* one chain, so that "satisfy any" takes back both when it allows */

    if (first) {
        first->next = h;
        return NGX_OK;
    }

#else

    if (first) {
        return NGX_OK;
    }

#endif

    r->headers_out.www_authenticate = h;

    return NGX_OK;
}


ngx_table_elt_t *
ngx_http_auth_token_challenge_push(ngx_http_request_t *r,
    ngx_http_auth_token_challenge_t *c)
{
    u_char           *p;
    size_t            len;
    ngx_table_elt_t  *h;

    len = c->scheme.len + sizeof(" realm=\"\"") - 1 + c->realm->len * 2;

    if (c->error.len) {
        len += sizeof(", error=\"\", error_description=\"\"") - 1
               + c->error.len + c->reason->len * 2;
    }

    if (c->scope) {
        len += sizeof(", scope=\"\"") - 1 + c->scope->len * 2;
    }

    if (c->param.len) {
        len += sizeof(", =\"\"") - 1 + c->param.len + c->value.len * 2;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NULL;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = p;

    p = ngx_cpymem(p, c->scheme.data, c->scheme.len);
    p = ngx_cpymem(p, " realm=", sizeof(" realm=") - 1);
    p = ngx_http_auth_token_quote(p, c->realm);

    if (c->error.len) {
        p = ngx_cpymem(p, ", error=\"", sizeof(", error=\"") - 1);
        p = ngx_cpymem(p, c->error.data, c->error.len);
        p = ngx_cpymem(p, "\", error_description=",
                       sizeof("\", error_description=") - 1);
        p = ngx_http_auth_token_quote(p, c->reason);
    }

    if (c->scope) {
        p = ngx_cpymem(p, ", scope=", sizeof(", scope=") - 1);
        p = ngx_http_auth_token_quote(p, c->scope);
    }

    if (c->param.len) {
        *p++ = ',';
        *p++ = ' ';
        p = ngx_cpymem(p, c->param.data, c->param.len);
        *p++ = '=';
        p = ngx_http_auth_token_quote(p, &c->value);
    }

    h->value.len = p - h->value.data;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/*
 * A main request's refusal: answered here, with a body or as gRPC, or left
 * to nginx (the status).  NGX_DONE: the answer is sent.
 */

ngx_int_t
ngx_http_auth_token_answer(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_int_t code)
{
    ngx_int_t                       rc;
    ngx_uint_t                      i, grpc;
    ngx_http_err_page_t            *err_page;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_auth_token_refusal_t   f;

    if (r != r->main || code < NGX_HTTP_BAD_REQUEST) {
        return code;
    }

    grpc = ngx_http_auth_token_is_grpc(r);

    if (!grpc && alcf->error_format == NGX_HTTP_AUTH_TOKEN_ERRORS_HEADER) {
        return code;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->satisfy != NGX_HTTP_SATISFY_ALL
        && (code == NGX_HTTP_UNAUTHORIZED || code == NGX_HTTP_FORBIDDEN))
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_token: satisfy any: the status goes to nginx");
        return code;
    }

    if (clcf->error_pages && !r->error_page) {
        err_page = clcf->error_pages->elts;

        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err_page[i].status == code) {
                ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                               "auth_token: error_page %i answers", code);
                return code;
            }
        }
    }

    ngx_http_auth_token_refusal(ctx, &f);

    /* a refusal whose challenge could not be made, say */
    f.code = code;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (grpc) {
        rc = ngx_http_auth_token_send_grpc(r, &f);

    } else {
        rc = ngx_http_auth_token_send_json(r, alcf, &f);
    }

    if (rc == NGX_ERROR && !r->header_sent) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* Content-Type: application/grpc, and its +proto, +json... variants */

static ngx_uint_t
ngx_http_auth_token_is_grpc(ngx_http_request_t *r)
{
    ngx_str_t  *ct;

    if (r->headers_in.content_type == NULL) {
        return 0;
    }

    ct = &r->headers_in.content_type->value;

    if (ct->len < sizeof("application/grpc") - 1
        || ngx_strncasecmp(ct->data, (u_char *) "application/grpc",
                           sizeof("application/grpc") - 1)
           != 0)
    {
        return 0;
    }

    if (ct->len == sizeof("application/grpc") - 1) {
        return 1;
    }

    switch (ct->data[sizeof("application/grpc") - 1]) {
    case '+':
    case ';':
        return 1;
    default:
        return 0;
    }
}


/*
 * gRPC: HTTP 200 and the status in grpc-status (a "Trailers-Only"
 * response, the headers end the stream), with grpc-message
 * percent-encoded as the gRPC protocol says.
 */

static ngx_int_t
ngx_http_auth_token_send_grpc(ngx_http_request_t *r,
    ngx_http_auth_token_refusal_t *f)
{
    u_char      *p;
    size_t       i;
    ngx_str_t    status, message;

    static u_char  hex[] = "0123456789ABCDEF";

    switch (f->code) {

    case NGX_HTTP_FORBIDDEN:
        ngx_str_set(&status, "7");              /* PERMISSION_DENIED */
        break;

    case NGX_HTTP_SERVICE_UNAVAILABLE:
        ngx_str_set(&status, "14");             /* UNAVAILABLE */
        break;

    case NGX_HTTP_INTERNAL_SERVER_ERROR:
        ngx_str_set(&status, "13");             /* INTERNAL */
        break;

    default:
        ngx_str_set(&status, "16");             /* UNAUTHENTICATED */
        break;
    }

    message.data = ngx_pnalloc(r->pool, f->reason.len * 3);
    if (message.data == NULL) {
        return NGX_ERROR;
    }

    p = message.data;

    for (i = 0; i < f->reason.len; i++) {
        if (f->reason.data[i] < 0x20 || f->reason.data[i] > 0x7e
            || f->reason.data[i] == '%')
        {
            *p++ = '%';
            *p++ = hex[f->reason.data[i] >> 4];
            *p++ = hex[f->reason.data[i] & 0xf];

        } else {
            *p++ = f->reason.data[i];
        }
    }

    message.len = p - message.data;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: answered as gRPC, grpc-status %V", &status);

    if (ngx_http_auth_token_add_header(r, "grpc-status", &status) != NGX_OK
        || (message.len
            && ngx_http_auth_token_add_header(r, "grpc-message", &message)
               != NGX_OK))
    {
        return NGX_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    ngx_str_set(&r->headers_out.content_type, "application/grpc");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    /* HTTP/2: no body, the headers end the stream */

    r->headers_out.content_length_n = (r->http_version >= NGX_HTTP_VERSION_20)
                                      ? -1 : 0;
    r->header_only = 1;

    return ngx_http_send_header(r);
}


/* {"error": ..., "error_description": ...}, or an RFC 9457 problem */

static ngx_int_t
ngx_http_auth_token_send_json(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_refusal_t *f)
{
    char         *s;
    size_t        len;
    json_t       *obj;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_uint_t    problem, failed;
    ngx_chain_t   out;

    problem = (alcf->error_format == NGX_HTTP_AUTH_TOKEN_ERRORS_PROBLEM);

    obj = json_object();
    if (obj == NULL) {
        return NGX_ERROR;
    }

    failed = 0;

    if (problem) {
        failed |= json_object_set_new(obj, "type", json_string("about:blank"));
        failed |= json_object_set_new(obj, "title",
                       json_string(f->code == NGX_HTTP_UNAUTHORIZED
                                   ? "Unauthorized"
                                   : f->code == NGX_HTTP_FORBIDDEN
                                   ? "Forbidden"
                                   : f->code == NGX_HTTP_BAD_REQUEST
                                   ? "Bad Request"
                                   : f->code == NGX_HTTP_SERVICE_UNAVAILABLE
                                   ? "Service Unavailable"
                                   : "Internal Server Error"));
        failed |= json_object_set_new(obj, "status",
                                      json_integer((json_int_t) f->code));
        failed |= json_object_set_new(obj, "detail",
                                      json_stringn((char *) f->reason.data,
                                                   f->reason.len));
    }

    if (f->error.len) {
        failed |= json_object_set_new(obj, "error",
                                      json_stringn((char *) f->error.data,
                                                   f->error.len));
    }

    if (!problem) {
        failed |= json_object_set_new(obj, "error_description",
                                      json_stringn((char *) f->reason.data,
                                                   f->reason.len));
    }

    if (f->scope) {
        failed |= json_object_set_new(obj, "scope",
                                   json_stringn((char *) alcf->scope_text.data,
                                                alcf->scope_text.len));
    }

    s = failed ? NULL : json_dumps(obj, JSON_COMPACT);

    json_decref(obj);

    if (s == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(s);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        free(s);
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->last, s, len);
    *b->last++ = LF;
    b->last_buf = 1;
    b->last_in_chain = 1;

    free(s);

    r->headers_out.status = f->code;
    r->headers_out.content_length_n = b->last - b->pos;

    if (problem) {
        ngx_str_set(&r->headers_out.content_type, "application/problem+json");

    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_token: answered with a %s body",
                   problem ? "problem" : "JSON");

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_auth_token_add_header(ngx_http_request_t *r, char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/* one line per refusal, at info: an attacker cannot fill the disk */

static void
ngx_http_auth_token_log_refusal(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx, ngx_uint_t code, ngx_str_t *reason)
{
    json_t     *v;
    ngx_str_t  *kid, *sub;

    static ngx_str_t  none = ngx_null_string;

    if (r->connection->log->log_level < NGX_LOG_INFO) {
        return;
    }

    kid = &none;
    sub = &none;

    v = json_object_get(ngx_http_auth_token_get_jws_header(r, ctx), "kid");

    if (json_is_string(v)) {
        kid = ngx_http_auth_token_log_escape(r->pool,
                                             (u_char *) json_string_value(v),
                                             json_string_length(v));
    }

    v = json_object_get(ngx_http_auth_token_get_claims(r, ctx), "sub");

    if (json_is_string(v)) {
        sub = ngx_http_auth_token_log_escape(r->pool,
                                             (u_char *) json_string_value(v),
                                             json_string_length(v));
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_token: %ui: %V (%V)%s%V%s%s%V%s",
                  code, reason, ngx_http_auth_token_status_name(ctx->status),
                  kid->len ? ", kid \"" : "", kid, kid->len ? "\"" : "",
                  sub->len ? ", sub \"" : "", sub, sub->len ? "\"" : "");
}
