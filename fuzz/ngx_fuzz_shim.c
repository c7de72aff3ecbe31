
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


/*
 * The nginx core the fuzzed parsers need, written for fuzzing, so that
 * they run without nginx (nginx-dev ships headers only, no core sources).
 * The module's files are compiled unchanged against the real nginx
 * headers and configure output (build/nginx/objs); this file provides:
 *
 *   - pools: every ngx_palloc() is its own malloc(), so that AddressSanitizer
 *     sees the exact bounds of each allocation (inside a real pool block an
 *     overrun would hit a neighbour silently); ngx_destroy_pool() runs the
 *     cleanup handlers, newest first, then frees everything, as nginx does;
 *   - arrays (ngx_array_push() always moves to a new, larger allocation),
 *     ngx_strncasecmp(), ngx_sprintf() and ngx_log_error_core() for the
 *     formats the module uses (an unknown format aborts, so that a new one
 *     is noticed), a fixed clock;
 *   - ngx_encode_base64().
 *
 * Only the module's pure core is linked (fuzz/fuzz.mk, FUZZ_MODULE): files
 * that never mention a request, so nothing of the module needs a stub.  A
 * new "undefined reference" when building the fuzz targets means a pure
 * file started calling into nginx's request side: move that call out.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"


#define NGX_FUZZ_NOW  1700000000    /* 2023-11-14T22:13:20Z */


static ngx_time_t  ngx_fuzz_time = { NGX_FUZZ_NOW, 0, 0 };

volatile ngx_time_t  *ngx_cached_time = &ngx_fuzz_time;


static u_char *ngx_fuzz_vformat(u_char *buf, u_char *last, const char *fmt,
    va_list args);


/* pools */

ngx_pool_t *
ngx_create_pool(size_t size, ngx_log_t *log)
{
    ngx_pool_t  *p;

    p = calloc(1, sizeof(ngx_pool_t));
    if (p == NULL) {
        return NULL;
    }

    p->log = log;

    return p;
}


void
ngx_destroy_pool(ngx_pool_t *pool)
{
    ngx_pool_large_t    *l, *next;
    ngx_pool_cleanup_t  *c;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            c->handler(c->data);
        }
    }

    for (l = pool->large; l; l = next) {
        next = l->next;
        free(l->alloc);
        free(l);
    }

    free(pool);
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    ngx_pool_large_t  *l;

    l = malloc(sizeof(ngx_pool_large_t));
    if (l == NULL) {
        return NULL;
    }

    /* malloc(0) is a valid, unique allocation under the sanitizers */

    l->alloc = malloc(size);
    if (l->alloc == NULL) {
        free(l);
        return NULL;
    }

    l->next = pool->large;
    pool->large = l;

    return l->alloc;
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    return ngx_palloc(pool, size);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    void  *p;

    p = ngx_palloc(pool, size);
    if (p) {
        ngx_memzero(p, size);
    }

    return p;
}


ngx_pool_cleanup_t *
ngx_pool_cleanup_add(ngx_pool_t *p, size_t size)
{
    ngx_pool_cleanup_t  *c;

    c = ngx_palloc(p, sizeof(ngx_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    c->data = NULL;

    if (size) {
        c->data = ngx_palloc(p, size);
        if (c->data == NULL) {
            return NULL;
        }
    }

    c->handler = NULL;
    c->next = p->cleanup;
    p->cleanup = c;

    return c;
}


/* arrays */

ngx_array_t *
ngx_array_create(ngx_pool_t *p, ngx_uint_t n, size_t size)
{
    ngx_array_t  *a;

    a = ngx_palloc(p, sizeof(ngx_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (ngx_array_init(a, p, n, size) != NGX_OK) {
        return NULL;
    }

    return a;
}


void *
ngx_array_push(ngx_array_t *a)
{
    void  *elts;

    if (a->nelts == a->nalloc) {
        elts = ngx_palloc(a->pool, 2 * a->size * ngx_max(a->nalloc, 1));
        if (elts == NULL) {
            return NULL;
        }

        ngx_memcpy(elts, a->elts, a->size * a->nelts);

        a->elts = elts;
        a->nalloc = 2 * ngx_max(a->nalloc, 1);
    }

    return (u_char *) a->elts + a->size * a->nelts++;
}


/* strings */

ngx_int_t
ngx_strncasecmp(u_char *s1, u_char *s2, size_t n)
{
    size_t      i;
    ngx_uint_t  c1, c2;

    for (i = 0; i < n; i++) {
        c1 = ngx_tolower(s1[i]);
        c2 = ngx_tolower(s2[i]);

        if (c1 != c2) {
            return (ngx_int_t) c1 - (ngx_int_t) c2;
        }

        if (c1 == '\0') {
            break;
        }
    }

    return 0;
}


u_char * ngx_cdecl
ngx_sprintf(u_char *buf, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    va_start(args, fmt);
    p = ngx_fuzz_vformat(buf, (u_char *) -1, fmt, args);
    va_end(args);

    return p;
}


/*
 * %s, %V, %d, %i, %ui, %uz, %z, %L, %%: what the linked files print.  The
 * bytes of every string argument are read, so that a bad one is caught.
 */

static u_char *
ngx_fuzz_vformat(u_char *buf, u_char *last, const char *fmt, va_list args)
{
    u_char      *s, digits[NGX_INT64_LEN];
    size_t       len, n;
    int64_t      i64;
    uint64_t     u64;
    ngx_str_t   *v;
    ngx_uint_t   sign;

    while (*fmt && buf < last) {

        if (*fmt != '%') {
            *buf++ = *fmt++;
            continue;
        }

        fmt++;
        sign = 1;

        if (*fmt == 'u') {
            sign = 0;
            fmt++;
        }

        switch (*fmt++) {

        case '%':
            *buf++ = '%';
            continue;

        case 's':
            s = va_arg(args, u_char *);
            len = ngx_strlen(s);
            break;

        case '*':
            /* "%*s": a length, then bytes */

            if (*fmt++ != 's') {
                goto unsupported;
            }

            len = va_arg(args, size_t);
            s = va_arg(args, u_char *);
            break;

        case 'V':
            v = va_arg(args, ngx_str_t *);
            s = v->data;
            len = v->len;
            break;

        case 'd':
            if (sign) {
                i64 = va_arg(args, int);
                goto signed_number;
            }

            u64 = va_arg(args, u_int);
            goto number;

        case 'i':
            if (sign) {
                i64 = va_arg(args, ngx_int_t);
                goto signed_number;
            }

            u64 = va_arg(args, ngx_uint_t);
            goto number;

        case 'z':
            if (sign) {
                i64 = va_arg(args, ssize_t);
                goto signed_number;
            }

            u64 = va_arg(args, size_t);
            goto number;

        case 'L':
            if (sign) {
                i64 = va_arg(args, int64_t);
                goto signed_number;
            }

            u64 = va_arg(args, uint64_t);
            goto number;

        signed_number:

            u64 = (uint64_t) i64;

            if (i64 < 0) {
                *buf++ = '-';
                u64 = 0 - u64;
            }

        number:

            n = 0;

            do {
                digits[n++] = (u_char) ('0' + u64 % 10);
                u64 /= 10;
            } while (u64);

            while (n && buf < last) {
                *buf++ = digits[--n];
            }

            continue;

        default:
        unsupported:
            fprintf(stderr, "fuzz shim: unsupported format \"%s\"\n", fmt - 2);
            abort();
        }

        len = ngx_min(len, (size_t) (last - buf));
        buf = ngx_cpymem(buf, s, len);
    }

    return buf;
}


/* logs: formatted (so that the arguments are checked), then dropped */

void ngx_cdecl
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
    u_char   *p, line[NGX_MAX_ERROR_STR];
    va_list   args;

    va_start(args, fmt);
    p = ngx_fuzz_vformat(line, line + sizeof(line), fmt, args);
    va_end(args);

    if (getenv("FUZZ_LOG")) {
        fprintf(stderr, "[log %d] %.*s\n", (int) level, (int) (p - line),
                line);
    }
}


void ngx_cdecl
ngx_conf_log_error(ngx_uint_t level, ngx_conf_t *cf, ngx_err_t err,
    const char *fmt, ...)
{
    u_char   *p, line[NGX_MAX_ERROR_STR];
    va_list   args;

    va_start(args, fmt);
    p = ngx_fuzz_vformat(line, line + sizeof(line), fmt, args);
    va_end(args);

    fprintf(stderr, "[conf %d] %.*s\n", (int) level, (int) (p - line), line);
}


/* base64 (RFC 4648, section 4), as nginx's own */

void
ngx_encode_base64(ngx_str_t *dst, ngx_str_t *src)
{
    u_char         *d, *s;
    size_t          len;
    static u_char   basis64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    len = src->len;
    s = src->data;
    d = dst->data;

    while (len > 2) {
        *d++ = basis64[(s[0] >> 2) & 0x3f];
        *d++ = basis64[((s[0] & 3) << 4) | (s[1] >> 4)];
        *d++ = basis64[((s[1] & 0x0f) << 2) | (s[2] >> 6)];
        *d++ = basis64[s[2] & 0x3f];

        s += 3;
        len -= 3;
    }

    if (len) {
        *d++ = basis64[(s[0] >> 2) & 0x3f];

        if (len == 1) {
            *d++ = basis64[(s[0] & 3) << 4];
            *d++ = '=';

        } else {
            *d++ = basis64[((s[0] & 3) << 4) | (s[1] >> 4)];
            *d++ = basis64[(s[1] & 0x0f) << 2];
        }

        *d++ = '=';
    }

    dst->len = d - dst->data;
}
