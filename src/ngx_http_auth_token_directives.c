
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_directives.h"
#include "ngx_http_auth_token_jwk.h"
#include "ngx_http_auth_token_zone.h"


/*
 * The handlers of the module's directives that are more than a slot
 * (the table is in ngx_http_auth_token_module.c).
 */


static char *ngx_http_auth_token_add_file(ngx_conf_t *cf, ngx_str_t *name,
    ngx_array_t **keysets, char *what);


static ngx_conf_enum_t  ngx_http_auth_token_introspect_formats[] = {
    { ngx_string("rfc7662"), NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662 },
    { ngx_string("status"), NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS },
    { ngx_null_string, 0 }
};


ngx_http_auth_token_format_t  ngx_http_auth_token_introspect_format = {
    offsetof(ngx_http_auth_token_loc_conf_t, introspect_format),
    ngx_http_auth_token_introspect_formats,
    "format=rfc7662 or format=status"
};


static ngx_conf_enum_t  ngx_http_auth_token_reissue_formats[] = {
    { ngx_string("rfc8693"), NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693 },
    { ngx_string("json"), NGX_HTTP_AUTH_TOKEN_FORMAT_JSON },
    { ngx_null_string, 0 }
};


ngx_http_auth_token_format_t  ngx_http_auth_token_reissue_format = {
    offsetof(ngx_http_auth_token_loc_conf_t, reissue_format),
    ngx_http_auth_token_reissue_formats,
    "format=rfc8693 or format=json"
};


/* auth_token_zone name:size; */

char *
ngx_http_auth_token_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_main_conf_t *amcf = conf;

    ngx_str_t  *value;

    if (amcf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    return ngx_http_auth_token_zone_add(cf, &value[1], &amcf->zone,
                                        &amcf->labels);
}


char *
ngx_http_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value, v;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->realm != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        alcf->realm = NULL;
        alcf->token = NULL;
        return NGX_CONF_OK;
    }

    alcf->realm = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->realm == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->realm;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    alcf->token = NULL;

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[2].data, "token=", 6) != 0
        || value[2].len == 6)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    v.data = value[2].data + 6;
    v.len = value[2].len - 6;

    alcf->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->token == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &v;
    ccv.complex_value = alcf->token;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_auth_token_jwks_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    return ngx_http_auth_token_add_file(cf, &value[1], &alcf->keysets,
                                        "auth_token_jwks_file");
}


/*
 * A JWKS file into a list of key sets (a location's, or an issuer's); a
 * file named in several places is read and parsed once
 */

static char *
ngx_http_auth_token_add_file(ngx_conf_t *cf, ngx_str_t *name,
    ngx_array_t **keysets, char *what)
{
    ngx_str_t                          path;
    ngx_uint_t                         i;
    const char                        *err;
    ngx_http_auth_token_keyset_t      *ks, **found, **ksp;
    ngx_http_auth_token_main_conf_t   *amcf;

    path = *name;

    if (ngx_http_script_variables_count(&path)) {
        return "does not take variables (the file is read at start)";
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);

    found = amcf->keysets.elts;
    ks = NULL;

    for (i = 0; i < amcf->keysets.nelts; i++) {
        if (found[i]->name.len == path.len
            && ngx_strncmp(found[i]->name.data, path.data, path.len) == 0)
        {
            ks = found[i];
            break;
        }
    }

    if (ks == NULL) {
        ks = ngx_http_auth_token_jwks_load_file(cf, &path, &err);

        if (ks == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s \"%V\": %s", what, &path, err);
            return NGX_CONF_ERROR;
        }

        ksp = ngx_array_push(&amcf->keysets);
        if (ksp == NULL) {
            return NGX_CONF_ERROR;
        }

        *ksp = ks;
    }

    if (*keysets == NGX_CONF_UNSET_PTR || *keysets == NULL) {
        *keysets = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_http_auth_token_keyset_t *));
        if (*keysets == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ksp = ngx_array_push(*keysets);
    if (ksp == NULL) {
        return NGX_CONF_ERROR;
    }

    *ksp = ks;

    return NGX_CONF_OK;
}


/*
 * auth_token_issuer iss ... [jwks=uri] [jwks_file=path ...];  an issuer
 * with keys of its own: its tokens verify only with them
 */

char *
ngx_http_auth_token_issuer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    char                          *rv;
    ngx_str_t                     *value, *s, jwks, file;
    ngx_uint_t                     i, n, first;
    ngx_array_t                   *files;
    ngx_http_auth_token_issuer_t  *iss;

    if (alcf->issuers == NGX_CONF_UNSET_PTR) {
        alcf->issuers = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        alcf->bound = ngx_array_create(cf->pool, 4,
                                       sizeof(ngx_http_auth_token_issuer_t));
        if (alcf->issuers == NULL || alcf->bound == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;
    ngx_str_null(&jwks);
    files = NULL;
    n = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "jwks=", 5) == 0) {
            if (jwks.data) {
                return "has \"jwks=\" twice";
            }

            jwks.data = value[i].data + 5;
            jwks.len = value[i].len - 5;

            if (jwks.len == 0 || jwks.data[0] != '/') {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid parameter \"%V\": the URI of "
                                   "an internal location expected",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "jwks_file=", 10) == 0) {
            file.data = value[i].data + 10;
            file.len = value[i].len - 10;

            if (file.len == 0) {
                return "has an empty \"jwks_file=\"";
            }

            rv = ngx_http_auth_token_add_file(cf, &file, &files,
                                              "auth_token_issuer jwks_file=");
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            continue;
        }

        if (value[i].len == 0) {
            return "has an empty value";
        }

        if (ngx_http_script_variables_count(&value[i])) {
            return "does not take variables";
        }

        n++;
    }

    if (n == 0) {
        return "needs an issuer";
    }

    first = alcf->issuers->nelts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "jwks=", 5) == 0
            || ngx_strncmp(value[i].data, "jwks_file=", 10) == 0)
        {
            continue;
        }

        s = alcf->issuers->elts;

        for (n = 0; n < alcf->issuers->nelts; n++) {
            if (s[n].len == value[i].len
                && ngx_strncmp(s[n].data, value[i].data, value[i].len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "issuer \"%V\" is given twice",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        s = ngx_array_push(alcf->issuers);
        iss = ngx_array_push(alcf->bound);
        if (s == NULL || iss == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];

        ngx_memzero(iss, sizeof(ngx_http_auth_token_issuer_t));
        iss->iss = value[i];
        iss->jwks_uri = jwks;
        iss->keysets = files;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cf->log, 0,
                   "auth_token_issuer: %ui issuers, keys of their own: %s",
                   alcf->issuers->nelts - first,
                   (jwks.data || files) ? "yes" : "no");

    return NGX_CONF_OK;
}


/*
 * auth_token_jwks_request uri [max=N];  the URI may hold variables: one key
 * set per value, at most N per worker
 */

char *
ngx_http_auth_token_jwks_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value, s;

    if (alcf->jwks_uri.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "has an empty URI";
    }

    alcf->jwks_uri = value[1];
    alcf->jwks_max = 0;

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[2].data, "max=", 4) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    s.data = value[2].data + 4;
    s.len = value[2].len - 4;

    n = ngx_atoi(s.data, s.len);

    if (n < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&value[1]) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"max=\" needs variables in the URI");
        return NGX_CONF_ERROR;
    }

    alcf->jwks_max = n;

    return NGX_CONF_OK;
}


/*
 * auth_token_introspect_request uri [format=rfc7662|status];
 * auth_token_reissue_request uri [format=rfc8693|json];
 */

char *
ngx_http_auth_token_request(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t                        *uri, *value;
    ngx_uint_t                       *format;
    ngx_conf_enum_t                  *e;
    ngx_http_auth_token_format_t     *f;

    f = cmd->post;
    uri = (ngx_str_t *) (p + cmd->offset);
    format = (ngx_uint_t *) (p + f->offset);

    if (uri->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *uri = value[1];

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    for (e = f->formats; e->name.len; e++) {
        if (value[2].len == sizeof("format=") - 1 + e->name.len
            && ngx_strncmp(value[2].data, "format=", sizeof("format=") - 1)
               == 0
            && ngx_strncmp(value[2].data + sizeof("format=") - 1,
                           e->name.data, e->name.len)
               == 0)
        {
            *format = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\": %s expected",
                       &value[2], f->expected);

    return NGX_CONF_ERROR;
}


/* auth_token_reissue_param name value; the value may hold variables */

char *
ngx_http_auth_token_reissue_param(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value;
    ngx_http_auth_token_param_t       *param;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (value[1].len == 0
        || (value[1].len == 5 && ngx_strncmp(value[1].data, "token", 5) == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (alcf->reissue_params == NGX_CONF_UNSET_PTR) {
        alcf->reissue_params = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_auth_token_param_t));
        if (alcf->reissue_params == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    param = ngx_array_push(alcf->reissue_params);
    if (param == NULL) {
        return NGX_CONF_ERROR;
    }

    param->name = value[1];

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &param->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a string that cannot hold variables: a "$" in it is refused */

char *
ngx_http_auth_token_literal_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_http_script_variables_count(&value[1])) {
        return "does not take variables";
    }

    return ngx_conf_set_str_slot(cf, cmd, conf);
}


/* a time, or "off" for none */

char *
ngx_http_auth_token_off_sec(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    time_t     *sp;
    ngx_str_t  *value;

    sp = (time_t *) (p + cmd->offset);

    if (*sp != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *sp = 0;
        return NGX_CONF_OK;
    }

    *sp = ngx_parse_time(&value[1], 1);

    if (*sp == (time_t) NGX_ERROR) {
        return "invalid value";
    }

    return NGX_CONF_OK;
}


/* a directive with any number of string values, repeatable */

char *
ngx_http_auth_token_values(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a == NGX_CONF_UNSET_PTR) {
        *a = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            return "has an empty value";
        }

        if (ngx_http_script_variables_count(&value[i])) {
            return "does not take variables";
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


char *
ngx_http_auth_token_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i, n;
    ngx_http_complex_value_t          *cv;
    ngx_http_auth_token_require_t     *req;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->requires == NGX_CONF_UNSET_PTR) {
        alcf->requires = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_auth_token_require_t));
        if (alcf->requires == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    req = ngx_array_push(alcf->requires);
    if (req == NULL) {
        return NGX_CONF_ERROR;
    }

    req->error = NGX_HTTP_UNAUTHORIZED;

    value = cf->args->elts;
    n = cf->args->nelts;

    if (ngx_strncmp(value[n - 1].data, "error=", 6) == 0) {

        if (ngx_strcmp(value[n - 1].data, "error=401") == 0) {
            req->error = NGX_HTTP_UNAUTHORIZED;

        } else if (ngx_strcmp(value[n - 1].data, "error=403") == 0) {
            req->error = NGX_HTTP_FORBIDDEN;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": "
                               "only error=401 and error=403 are allowed",
                               &value[n - 1]);
            return NGX_CONF_ERROR;
        }

        n--;
    }

    if (n < 2) {
        return "needs at least one value";
    }

    req->values = ngx_array_create(cf->pool, n - 1,
                                   sizeof(ngx_http_complex_value_t));
    if (req->values == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < n; i++) {
        cv = ngx_array_push(req->values);
        if (cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[i];
        ccv.complex_value = cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_auth_token_claim_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    u_char                        *p;
    ngx_str_t                     *value, *s, var;
    ngx_uint_t                     i;
    ngx_http_header_t             *hh;
    ngx_http_auth_token_header_t  *h;

    static ngx_str_t  reserved[] = {
        ngx_string("host"),
        ngx_string("connection"),
        ngx_string("content-length"),
        ngx_string("content-type"),
        ngx_string("transfer-encoding"),
        ngx_string("te"),
        ngx_string("upgrade"),
        ngx_string("expect"),
        ngx_string("keep-alive"),
        ngx_string("cookie"),
        ngx_string("authorization"),
        ngx_null_string
    };

    value = cf->args->elts;

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid header name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    for (s = reserved; s->len; s++) {
        if (s->len == value[1].len
            && ngx_strncasecmp(s->data, value[1].data, s->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "header \"%V\" cannot carry a claim",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (alcf->headers == NGX_CONF_UNSET_PTR) {
        alcf->headers = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_auth_token_header_t));
        if (alcf->headers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    h = ngx_array_push(alcf->headers);
    if (h == NULL) {
        return NGX_CONF_ERROR;
    }

    h->name = value[1];
    h->lowcase.len = value[1].len;
    h->lowcase.data = ngx_pnalloc(cf->pool, value[1].len);
    if (h->lowcase.data == NULL || value[1].len == 0) {
        return NGX_CONF_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase.data, value[1].data, value[1].len);

    /* a header nginx keeps a pointer to, e.g. for $proxy_add_x_forwarded_for */

    h->offset = 0;

    for (hh = ngx_http_headers_in; hh->name.len; hh++) {
        if (hh->name.len == h->name.len
            && ngx_strncasecmp(hh->name.data, h->name.data, h->name.len) == 0)
        {
            h->offset = hh->offset;
            break;
        }
    }

    /* $http_<name>, forgotten when the header is set from a claim */

    var.len = sizeof("http_") - 1 + h->lowcase.len;
    var.data = ngx_pnalloc(cf->pool, var.len);
    if (var.data == NULL) {
        return NGX_CONF_ERROR;
    }

    p = ngx_cpymem(var.data, "http_", sizeof("http_") - 1);

    for (i = 0; i < h->lowcase.len; i++) {
        *p++ = (h->lowcase.data[i] == '-') ? '_' : h->lowcase.data[i];
    }

    h->variable = ngx_http_get_variable_index(cf, &var);

    h->path = ngx_array_create(cf->pool, cf->args->nelts - 2,
                               sizeof(ngx_str_t));
    if (h->path == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        s = ngx_array_push(h->path);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}
