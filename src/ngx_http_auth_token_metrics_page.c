
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_metrics.h"
#include "ngx_http_auth_token_handler.h"
#include "ngx_http_auth_token_jwa.h"
#include "ngx_http_auth_token_zone.h"


/*
 * The metrics page: auth_token_metrics, a content handler that shows the
 * counters of the zone (ngx_http_auth_token_metrics.c) in the Prometheus
 * text format (0.0.4) or as JSON.  Labels come from the
 * configuration (auth_token_metrics_label) and from fixed lists (reasons,
 * caches, endpoints, algorithms), never from a request; key-set names are
 * their URIs as evaluated (bytes that would need escaping in either format
 * are percent-encoded).  Nothing here shows a token, a claim or a secret.
 */


typedef struct {
    ngx_uint_t                      json;
    ngx_uint_t                      first;      /* JSON: no comma yet */
    ngx_chain_t                    *out;
    ngx_chain_t                   **last;
    ngx_buf_t                      *buf;
    ngx_pool_t                     *pool;
} ngx_http_auth_token_writer_t;


static ngx_int_t ngx_http_auth_token_metrics_write(ngx_http_request_t *r,
    ngx_http_auth_token_writer_t *w, ngx_http_auth_token_zone_t *zone);
static ngx_int_t ngx_http_auth_token_printf(ngx_http_auth_token_writer_t *w,
    const char *fmt, ...);
static const char *ngx_http_auth_token_result(ngx_uint_t status);
static ngx_int_t ngx_http_auth_token_keys_names(ngx_pool_t *pool,
    ngx_array_t *keysets);
static int ngx_libc_cdecl ngx_http_auth_token_keys_cmp(const void *one,
    const void *two);
static u_char *ngx_http_auth_token_label_value(u_char *dst, u_char *src,
    size_t len);


static const char  *ngx_http_auth_token_bucket_names[] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
    "10", "+Inf"
};


static const char  *ngx_http_auth_token_kind_names[] = {
    "token", "introspection", "reissue", "jwks"
};


static const char  *ngx_http_auth_token_outcome_names[] = {
    "ok", "refused", "error", "timeout"
};


static const char  *ngx_http_auth_token_entry_names[] = {
    "", "verified_token", "introspection", "reissue", "key_set", "dpop_jti"
};


ngx_int_t
ngx_http_auth_token_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_chain_t                     *cl;
    ngx_http_auth_token_zone_t      *zone;
    ngx_http_auth_token_writer_t     w;
    ngx_http_auth_token_loc_conf_t  *alcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_token_module);

    zone = ngx_http_auth_token_metrics_zone(r);

    if (zone == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_token_metrics: no auth_token_zone");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&w, sizeof(ngx_http_auth_token_writer_t));

    w.json = (alcf->metrics_format == NGX_HTTP_AUTH_TOKEN_METRICS_JSON);
    w.first = 1;
    w.last = &w.out;
    w.pool = r->pool;

    if (ngx_http_auth_token_metrics_write(r, &w, zone) != NGX_OK
        || w.buf == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    w.buf->last_buf = (r == r->main) ? 1 : 0;
    w.buf->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = 0;

    for (cl = w.out; cl; cl = cl->next) {
        r->headers_out.content_length_n += cl->buf->last - cl->buf->pos;
    }

    if (w.json) {
        ngx_str_set(&r->headers_out.content_type, "application/json");

    } else {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, w.out);
}


/* the whole document, in the writer's buffers */

static ngx_int_t
ngx_http_auth_token_metrics_write(ngx_http_request_t *r,
    ngx_http_auth_token_writer_t *w, ngx_http_auth_token_zone_t *zone)
{
    u_char                              *e, *zname;
    ngx_str_t                           *name;
    ngx_uint_t                           i, j, k, n;
    ngx_atomic_uint_t                    v, cum, count;
    ngx_http_auth_token_metrics_sh_t    *m;
    ngx_http_auth_token_label_sh_t      *slot;
    ngx_http_auth_token_keys_report_t   *kr;
    ngx_http_auth_token_zone_report_t    rep;

    static const char  *cache_ops[] = {
        "hits", "misses", "stale", "stores", "evictions"
    };

    static const char  *cache_help[] = {
        "Cache lookups that found a usable entry",
        "Cache lookups that found none (the work was done)",
        "Expired identity-provider answers used while the provider failed",
        "Entries stored",
        "Entries evicted to make room in a full zone"
    };

    m = zone->metrics;

    if (ngx_http_auth_token_zone_report(zone, r->pool, &rep) != NGX_OK
        || ngx_http_auth_token_keys_names(r->pool, &rep.keysets) != NGX_OK)
    {
        return NGX_ERROR;
    }

    zname = ngx_pnalloc(r->pool, 3 * zone->name.len + 1);
    if (zname == NULL) {
        return NGX_ERROR;
    }

    e = ngx_http_auth_token_label_value(zname, zone->name.data,
                                        zone->name.len);
    n = e - zname;

    if (w->json) {

        /* decisions */

        if (ngx_http_auth_token_printf(w, "{\"decisions\":[") != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < NGX_HTTP_AUTH_TOKEN_MAX_LABELS; i++) {
            slot = &m->labels[i];

            if (!slot->used) {
                continue;
            }

            for (j = 1; j < NGX_HTTP_AUTH_TOKEN_STATUS_COUNT; j++) {
                v = slot->decisions[j];

                if (v == 0) {
                    continue;
                }

                name = ngx_http_auth_token_status_name(j);

                if (ngx_http_auth_token_printf(w,
                        "%s{\"location\":\"%*s\",\"result\":\"%s\","
                        "\"reason\":\"%V\",\"count\":%uA}",
                        w->first ? "" : ",", slot->len, slot->name,
                        ngx_http_auth_token_result(j), name, v)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                w->first = 0;
            }
        }

        /* caches */

        if (ngx_http_auth_token_printf(w, "],\"caches\":{") != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < NGX_HTTP_AUTH_TOKEN_M_JWKS; i++) {
            if (ngx_http_auth_token_printf(w, "%s\"%s\":{", i ? "," : "",
                                           ngx_http_auth_token_kind_names[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            for (j = 0; j < NGX_HTTP_AUTH_TOKEN_M_CACHE_OPS; j++) {
                if (ngx_http_auth_token_printf(w, "%s\"%s\":%uA",
                                               j ? "," : "", cache_ops[j],
                                               m->cache[i][j])
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            if (ngx_http_auth_token_printf(w, "}") != NGX_OK) {
                return NGX_ERROR;
            }
        }

        /* identity-provider calls */

        if (ngx_http_auth_token_printf(w, "},\"idp\":{") != NGX_OK) {
            return NGX_ERROR;
        }

        for (i = 0; i < NGX_HTTP_AUTH_TOKEN_M_KINDS; i++) {
            if (i == NGX_HTTP_AUTH_TOKEN_M_TOKEN) {
                continue;
            }

            if (ngx_http_auth_token_printf(w, "%s\"%s\":{\"calls\":{",
                        i > 1 ? "," : "", ngx_http_auth_token_kind_names[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            for (j = 0; j < NGX_HTTP_AUTH_TOKEN_M_OUTCOMES; j++) {
                if (ngx_http_auth_token_printf(w, "%s\"%s\":%uA",
                                        j ? "," : "",
                                        ngx_http_auth_token_outcome_names[j],
                                        m->calls[i][j])
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            if (ngx_http_auth_token_printf(w,
                        "},\"waits\":%uA,\"duration_seconds\":{\"buckets\":{",
                        m->waits[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            cum = 0;

            for (k = 0; k < NGX_HTTP_AUTH_TOKEN_M_BUCKETS; k++) {
                cum += m->duration[i][k];

                if (ngx_http_auth_token_printf(w, "%s\"%s\":%uA",
                                        k ? "," : "",
                                        ngx_http_auth_token_bucket_names[k],
                                        cum)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            if (ngx_http_auth_token_printf(w,
                        "},\"sum\":%uA.%03uA,\"count\":%uA}}",
                        m->duration_ms[i] / 1000, m->duration_ms[i] % 1000,
                        cum)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        /* key sets */

        if (ngx_http_auth_token_printf(w, "},\"key_sets\":[") != NGX_OK) {
            return NGX_ERROR;
        }

        kr = rep.keysets.elts;

        for (i = 0; i < rep.keysets.nelts; i++) {
            if (ngx_http_auth_token_printf(w,
                        "%s{\"jwks\":\"%V\",\"keys\":%ui,"
                        "\"age_seconds\":", i ? "," : "", &kr[i].name,
                        kr[i].keys)
                != NGX_OK
                || ngx_http_auth_token_printf(w,
                        (kr[i].age < 0) ? "null" : "%T", kr[i].age)
                   != NGX_OK
                || ngx_http_auth_token_printf(w,
                        ",\"fetch_failures\":%ui,"
                        "\"unknown_kid_fetches\":%ui}",
                        kr[i].failures, kr[i].unknown_kid_fetches)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        /* the zone */

        if (ngx_http_auth_token_printf(w,
                    "],\"zone\":{\"name\":\"%*s\",\"size_bytes\":%uz,"
                    "\"used_bytes\":%uz,\"full\":%uA,\"entries\":{",
                    n, zname, rep.size, rep.used, m->full)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (i = 1; i < NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES; i++) {
            if (ngx_http_auth_token_printf(w, "%s\"%s\":%ui", i > 1 ? "," : "",
                                           ngx_http_auth_token_entry_names[i],
                                           rep.entries[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        /* signature verifications */

        if (ngx_http_auth_token_printf(w,
                                "}},\"signature_verifications\":{")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {
            if (ngx_http_auth_token_printf(w, "%s\"%V\":%uA", i ? "," : "",
                                           &ngx_http_auth_token_alg(i)->name,
                                           m->verifications[i])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        return ngx_http_auth_token_printf(w, "}}\n");
    }

    /* the Prometheus text format, 0.0.4 */

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_decisions_total Access decisions, by location "
            "label, result and reason ($auth_token_status).\n"
            "# TYPE auth_token_decisions_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_MAX_LABELS; i++) {
        slot = &m->labels[i];

        if (!slot->used) {
            continue;
        }

        for (j = 1; j < NGX_HTTP_AUTH_TOKEN_STATUS_COUNT; j++) {
            v = slot->decisions[j];

            if (v == 0) {
                continue;
            }

            if (ngx_http_auth_token_printf(w,
                    "auth_token_decisions_total{location=\"%*s\","
                    "result=\"%s\",reason=\"%V\"} %uA\n",
                    slot->len, slot->name, ngx_http_auth_token_result(j),
                    ngx_http_auth_token_status_name(j), v)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    for (j = 0; j < NGX_HTTP_AUTH_TOKEN_M_CACHE_OPS; j++) {
        if (ngx_http_auth_token_printf(w,
                "# HELP auth_token_cache_%s_total %s.\n"
                "# TYPE auth_token_cache_%s_total counter\n",
                cache_ops[j], cache_help[j], cache_ops[j])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (i = 0; i < NGX_HTTP_AUTH_TOKEN_M_JWKS; i++) {
            if (ngx_http_auth_token_printf(w,
                    "auth_token_cache_%s_total{cache=\"%s\"} %uA\n",
                    cache_ops[j], ngx_http_auth_token_kind_names[i],
                    m->cache[i][j])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_idp_calls_total Calls to the identity "
            "provider, by endpoint and outcome.\n"
            "# TYPE auth_token_idp_calls_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 1; i < NGX_HTTP_AUTH_TOKEN_M_KINDS; i++) {
        for (j = 0; j < NGX_HTTP_AUTH_TOKEN_M_OUTCOMES; j++) {
            if (ngx_http_auth_token_printf(w,
                    "auth_token_idp_calls_total{endpoint=\"%s\","
                    "outcome=\"%s\"} %uA\n",
                    ngx_http_auth_token_kind_names[i],
                    ngx_http_auth_token_outcome_names[j], m->calls[i][j])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_idp_waits_total Requests that waited for "
            "another request's call to the identity provider.\n"
            "# TYPE auth_token_idp_waits_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 1; i < NGX_HTTP_AUTH_TOKEN_M_KINDS; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_idp_waits_total{endpoint=\"%s\"} %uA\n",
                ngx_http_auth_token_kind_names[i], m->waits[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_idp_call_duration_seconds How long calls "
            "to the identity provider took.\n"
            "# TYPE auth_token_idp_call_duration_seconds histogram\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 1; i < NGX_HTTP_AUTH_TOKEN_M_KINDS; i++) {
        cum = 0;

        for (k = 0; k < NGX_HTTP_AUTH_TOKEN_M_BUCKETS; k++) {
            cum += m->duration[i][k];

            if (ngx_http_auth_token_printf(w,
                    "auth_token_idp_call_duration_seconds_bucket"
                    "{endpoint=\"%s\",le=\"%s\"} %uA\n",
                    ngx_http_auth_token_kind_names[i],
                    ngx_http_auth_token_bucket_names[k], cum)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        count = cum;

        if (ngx_http_auth_token_printf(w,
                "auth_token_idp_call_duration_seconds_sum{endpoint=\"%s\"} "
                "%uA.%03uA\n"
                "auth_token_idp_call_duration_seconds_count{endpoint=\"%s\"} "
                "%uA\n",
                ngx_http_auth_token_kind_names[i], m->duration_ms[i] / 1000,
                m->duration_ms[i] % 1000, ngx_http_auth_token_kind_names[i],
                count)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    kr = rep.keysets.elts;

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_jwks_keys Usable keys in a remote key set.\n"
            "# TYPE auth_token_jwks_keys gauge\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < rep.keysets.nelts; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_jwks_keys{jwks=\"%V\"} %ui\n",
                &kr[i].name, kr[i].keys)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_jwks_age_seconds Seconds since a remote key "
            "set was last fetched successfully.\n"
            "# TYPE auth_token_jwks_age_seconds gauge\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < rep.keysets.nelts; i++) {

        /* never fetched: no age (auth_token_jwks_keys is 0) */

        if (kr[i].age < 0) {
            continue;
        }

        if (ngx_http_auth_token_printf(w,
                "auth_token_jwks_age_seconds{jwks=\"%V\"} %T\n",
                &kr[i].name, kr[i].age)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_jwks_fetch_failures_total Failed fetches of "
            "a remote key set.\n"
            "# TYPE auth_token_jwks_fetch_failures_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < rep.keysets.nelts; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_jwks_fetch_failures_total{jwks=\"%V\"} %ui\n",
                &kr[i].name, kr[i].failures)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_jwks_unknown_kid_fetches_total Fetches of a "
            "remote key set caused by a token with an unknown kid.\n"
            "# TYPE auth_token_jwks_unknown_kid_fetches_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < rep.keysets.nelts; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_jwks_unknown_kid_fetches_total{jwks=\"%V\"} "
                "%ui\n", &kr[i].name, kr[i].unknown_kid_fetches)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_zone_size_bytes The size of the shared "
            "zone.\n"
            "# TYPE auth_token_zone_size_bytes gauge\n"
            "auth_token_zone_size_bytes{zone=\"%*s\"} %uz\n"
            "# HELP auth_token_zone_used_bytes Bytes of the shared zone in "
            "use (in whole pages).\n"
            "# TYPE auth_token_zone_used_bytes gauge\n"
            "auth_token_zone_used_bytes{zone=\"%*s\"} %uz\n"
            "# HELP auth_token_zone_full_total Allocations that had to "
            "evict entries from a full zone.\n"
            "# TYPE auth_token_zone_full_total counter\n"
            "auth_token_zone_full_total{zone=\"%*s\"} %uA\n"
            "# HELP auth_token_zone_entries Entries in the shared zone, by "
            "type.\n"
            "# TYPE auth_token_zone_entries gauge\n",
            n, zname, rep.size, n, zname, rep.used, n, zname, m->full)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 1; i < NGX_HTTP_AUTH_TOKEN_ENTRY_TYPES; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_zone_entries{zone=\"%*s\",type=\"%s\"} %ui\n",
                n, zname, ngx_http_auth_token_entry_names[i],
                rep.entries[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_auth_token_printf(w,
            "# HELP auth_token_signature_verifications_total Signatures "
            "checked (the work the verified-token cache saves), by "
            "algorithm.\n"
            "# TYPE auth_token_signature_verifications_total counter\n")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_AUTH_TOKEN_ALG_COUNT; i++) {
        if (ngx_http_auth_token_printf(w,
                "auth_token_signature_verifications_total{alg=\"%V\"} "
                "%uA\n", &ngx_http_auth_token_alg(i)->name,
                m->verifications[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * Formatted text into the writer's buffers, a new one when full; a text
 * longer than a whole buffer (a zone name of thousands of bytes) is an
 * error, not a loop.
 */

static ngx_int_t
ngx_http_auth_token_printf(ngx_http_auth_token_writer_t *w,
    const char *fmt, ...)
{
    u_char       *p;
    va_list       args;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    for ( ;; ) {
        b = w->buf;

        if (b && b->end - b->last >= 1024) {
            va_start(args, fmt);
            p = ngx_vslprintf(b->last, b->end, fmt, args);
            va_end(args);

            if (p < b->end) {
                b->last = p;
                return NGX_OK;
            }

            if (b->last == b->start) {
                return NGX_ERROR;
            }

            /* did not fit: a new buffer, and the text again */
        }

        b = ngx_create_temp_buf(w->pool, 8192);
        if (b == NULL) {
            return NGX_ERROR;
        }

        cl = ngx_alloc_chain_link(w->pool);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        cl->buf = b;
        cl->next = NULL;

        *w->last = cl;
        w->last = &cl->next;
        w->buf = b;
    }
}


/*
 * Key-set names for a scrape: the URI as evaluated, percent-encoded where
 * a byte would need escaping in a label value or a JSON string (and "#"),
 * "..." after the first 128 bytes of a longer one; sorted.  Two key sets
 * with the same name (the same URI in two servers, or a long URI's start)
 * each get "#" and 8 hex digits of their entry's key, so that no two
 * series are the same.
 */

static ngx_int_t
ngx_http_auth_token_keys_names(ngx_pool_t *pool, ngx_array_t *keysets)
{
    u_char                             *p;
    ngx_uint_t                          i, n, *dup;
    ngx_http_auth_token_keys_report_t  *kr;

    kr = keysets->elts;
    n = keysets->nelts;

    if (n == 0) {
        return NGX_OK;
    }

    for (i = 0; i < n; i++) {
        p = ngx_pnalloc(pool, 3 * kr[i].uri.len + sizeof("...#12345678"));
        if (p == NULL) {
            return NGX_ERROR;
        }

        kr[i].name.data = p;

        p = ngx_http_auth_token_label_value(p, kr[i].uri.data,
                                            kr[i].uri.len);

        if (kr[i].truncated) {
            p = ngx_cpymem(p, "...", 3);
        }

        kr[i].name.len = p - kr[i].name.data;
    }

    ngx_qsort(kr, n, sizeof(ngx_http_auth_token_keys_report_t),
              ngx_http_auth_token_keys_cmp);

    dup = ngx_pcalloc(pool, n * sizeof(ngx_uint_t));
    if (dup == NULL) {
        return NGX_ERROR;
    }

    for (i = 1; i < n; i++) {
        if (kr[i].name.len == kr[i - 1].name.len
            && ngx_memcmp(kr[i].name.data, kr[i - 1].name.data,
                          kr[i].name.len)
               == 0)
        {
            dup[i - 1] = 1;
            dup[i] = 1;
        }
    }

    for (i = 0; i < n; i++) {
        if (dup[i]) {
            p = kr[i].name.data + kr[i].name.len;
            p = ngx_sprintf(p, "#%02xd%02xd%02xd%02xd", kr[i].hash[0],
                            kr[i].hash[1], kr[i].hash[2], kr[i].hash[3]);
            kr[i].name.len = p - kr[i].name.data;
        }
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_auth_token_keys_cmp(const void *one, const void *two)
{
    int                                 rc;
    size_t                              len;
    ngx_http_auth_token_keys_report_t  *a, *b;

    a = (ngx_http_auth_token_keys_report_t *) one;
    b = (ngx_http_auth_token_keys_report_t *) two;

    len = ngx_min(a->name.len, b->name.len);

    rc = ngx_memcmp(a->name.data, b->name.data, len);

    if (rc == 0 && a->name.len != b->name.len) {
        rc = (a->name.len < b->name.len) ? -1 : 1;
    }

    if (rc == 0) {
        rc = ngx_memcmp(a->hash, b->hash, sizeof(a->hash));
    }

    return rc;
}


/* text safe in a Prometheus label value and in a JSON string as it is */

static u_char *
ngx_http_auth_token_label_value(u_char *dst, u_char *src, size_t len)
{
    size_t         i;
    static u_char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        if (src[i] > 0x20 && src[i] < 0x7f && src[i] != '"'
            && src[i] != '\\' && src[i] != '#')
        {
            *dst++ = src[i];
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[src[i] >> 4];
        *dst++ = hex[src[i] & 0x0f];
    }

    return dst;
}


/* the "result" label of a status */

static const char *
ngx_http_auth_token_result(ngx_uint_t status)
{
    switch (status) {

    case NGX_HTTP_AUTH_TOKEN_VALID:
        return "accepted";

    case NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE:
    case NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED:
    case NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED:
    case NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR:
        return "error";

    default:
        return "refused";
    }
}
