
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_json.h"


/*
 * JSON from outside (token headers and claims, key sets, identity-provider
 * answers), parsed by jansson.  Pure: no request here.
 */


static void ngx_http_auth_token_json_cleanup(void *data);


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


/* a JSON object of bounded size: a token's claims, an introspection answer */

json_t *
ngx_http_auth_token_json_object(ngx_pool_t *pool, ngx_str_t *text,
    ngx_uint_t max_members, const char **err)
{
    json_t  *json;

    json = ngx_http_auth_token_json_parse(pool, text->data, text->len,
                                          NGX_HTTP_AUTH_TOKEN_MAX_DEPTH, err);
    if (json == NULL) {
        return NULL;
    }

    if (!json_is_object(json)) {
        *err = "not a JSON object";
        return NULL;
    }

    if (json_object_size(json) > max_members) {
        *err = "too many members";
        return NULL;
    }

    return json;
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


/* compact JSON text of any value, in the pool */

ngx_int_t
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

    ngx_memcpy(out->data, s, len);
    out->len = len;

    free(s);

    return NGX_OK;
}
