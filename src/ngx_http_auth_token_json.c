
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token.h"


static void ngx_http_auth_token_json_cleanup(void *data);
static ngx_int_t ngx_http_auth_token_json_dump(ngx_pool_t *pool,
    json_t *value, ngx_str_t *out);
static size_t ngx_http_auth_token_json_copy(u_char *dst, const char *src,
    size_t len);


/*
 * Parses untrusted JSON.  The nesting depth is checked on the raw text
 * first, so that no input can make the parser recurse deeply.  Duplicate
 * object keys are refused: a claim must not mean two things.  jansson also
 * refuses invalid UTF-8 and "\u0000" in strings.
 *
 * With a pool, the value is released with the pool.
 */

json_t *
ngx_http_auth_token_json_parse(ngx_pool_t *pool, u_char *data, size_t len,
    ngx_uint_t max_depth, const char **err)
{
    u_char              *p, *last;
    json_t              *json;
    ngx_uint_t           depth, in_string;
    json_error_t         error;
    ngx_pool_cleanup_t  *cln;

    depth = 0;
    in_string = 0;
    last = data + len;

    for (p = data; p < last; p++) {

        if (in_string) {
            if (*p == '\\') {
                p++;

            } else if (*p == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (*p) {

        case '"':
            in_string = 1;
            break;

        case '{':
        case '[':
            if (++depth > max_depth) {
                *err = "JSON nested too deeply";
                return NULL;
            }
            break;

        case '}':
        case ']':
            if (depth) {
                depth--;
            }
            break;
        }
    }

    json = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES,
                      &error);
    if (json == NULL) {
        *err = "not valid JSON";
        return NULL;
    }

    if (pool) {
        cln = ngx_pool_cleanup_add(pool, 0);
        if (cln == NULL) {
            json_decref(json);
            *err = "out of memory";
            return NULL;
        }

        cln->handler = ngx_http_auth_token_json_cleanup;
        cln->data = json;
    }

    return json;
}


static void
ngx_http_auth_token_json_cleanup(void *data)
{
    json_decref(data);
}


/*
 * Renders a claim for a variable or a header: strings as they are,
 * numbers and booleans as JSON text, null and absent as empty, arrays as
 * their elements joined with ",", objects as compact JSON.  Control
 * characters become spaces so that no value can split a header.
 */

ngx_int_t
ngx_http_auth_token_json_render(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out)
{
    u_char      *p;
    size_t       len, i, n;
    json_t      *item;
    int64_t      num;
    ngx_str_t   *parts;

    ngx_str_null(out);

    if (value == NULL) {
        return NGX_OK;
    }

    switch (json_typeof(value)) {

    case JSON_NULL:
        return NGX_OK;

    case JSON_STRING:
        len = json_string_length(value);

        out->data = ngx_pnalloc(pool, len);
        if (out->data == NULL) {
            return NGX_ERROR;
        }

        out->len = ngx_http_auth_token_json_copy(out->data,
                                                 json_string_value(value),
                                                 len);
        return NGX_OK;

    case JSON_TRUE:
        ngx_str_set(out, "true");
        return NGX_OK;

    case JSON_FALSE:
        ngx_str_set(out, "false");
        return NGX_OK;

    case JSON_INTEGER:
        num = (int64_t) json_integer_value(value);

        if (num == INT64_MIN) {
            /* ngx_sprintf() negates it: out of range */
            ngx_str_set(out, "-9223372036854775808");
            return NGX_OK;
        }

        out->data = ngx_pnalloc(pool, NGX_INT64_LEN);
        if (out->data == NULL) {
            return NGX_ERROR;
        }

        out->len = ngx_sprintf(out->data, "%L", num) - out->data;
        return NGX_OK;

    case JSON_ARRAY:
        n = json_array_size(value);
        if (n == 0) {
            return NGX_OK;
        }

        parts = ngx_palloc(pool, n * sizeof(ngx_str_t));
        if (parts == NULL) {
            return NGX_ERROR;
        }

        len = n - 1;

        json_array_foreach(value, i, item) {
            if (json_is_string(item)) {
                if (ngx_http_auth_token_json_render(pool, item, &parts[i])
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

            } else if (ngx_http_auth_token_json_dump(pool, item, &parts[i])
                       != NGX_OK)
            {
                return NGX_ERROR;
            }

            len += parts[i].len;
        }

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        out->data = p;

        for (i = 0; i < n; i++) {
            if (i) {
                *p++ = ',';
            }

            p = ngx_cpymem(p, parts[i].data, parts[i].len);
        }

        out->len = p - out->data;
        return NGX_OK;

    default: /* JSON_OBJECT, JSON_REAL */
        return ngx_http_auth_token_json_dump(pool, value, out);
    }
}


static ngx_int_t
ngx_http_auth_token_json_dump(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out)
{
    char    *s;
    size_t   len;

    s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(s);

    out->data = ngx_pnalloc(pool, len + 1);
    if (out->data == NULL) {
        free(s);
        return NGX_ERROR;
    }

    out->len = ngx_http_auth_token_json_copy(out->data, s, len);
    free(s);

    return NGX_OK;
}


static size_t
ngx_http_auth_token_json_copy(u_char *dst, const char *src, size_t len)
{
    size_t  i;
    u_char  c;

    for (i = 0; i < len; i++) {
        c = (u_char) src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : c;
    }

    return len;
}


/* walks nested objects: path[0].path[1]... */

json_t *
ngx_http_auth_token_json_path(json_t *root, ngx_str_t *path, ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n && root; i++) {
        if (!json_is_object(root)) {
            return NULL;
        }

        root = json_object_getn(root, (const char *) path[i].data,
                                path[i].len);
    }

    return root;
}
