
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_auth_token_module.h"
#include "ngx_http_auth_token_binding_conf.h"
#include "ngx_http_auth_token_dpop.h"
#include "ngx_http_auth_token_htu.h"
#include "ngx_http_auth_token_thumbprint.h"


/*
 * The configuration of sender constraints: auth_token_dpop_algs,
 * auth_token_client_cert, and what auth_token_dpop, _dpop_origin,
 * _dpop_window and auth_token_cert_binding inherit and default to.
 */


#define NGX_HTTP_AUTH_TOKEN_DPOP_WINDOW  60


ngx_conf_enum_t  ngx_http_auth_token_bind_modes[] = {
    { ngx_string("off"), NGX_HTTP_AUTH_TOKEN_BIND_OFF },
    { ngx_string("on"), NGX_HTTP_AUTH_TOKEN_BIND_ON },
    { ngx_string("required"), NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_auth_token_cert_encodings[] = {
    { ngx_string("auto"), NGX_HTTP_AUTH_TOKEN_CERT_AUTO },
    { ngx_string("pem"), NGX_HTTP_AUTH_TOKEN_CERT_PEM },
    { ngx_string("escaped"), NGX_HTTP_AUTH_TOKEN_CERT_ESCAPED },
    { ngx_string("base64"), NGX_HTTP_AUTH_TOKEN_CERT_BASE64 },
    { ngx_null_string, 0 }
};


static ngx_str_t  ngx_http_auth_token_dpop_default_origin =
    ngx_string("$scheme://$host");


/* auth_token_dpop_algs alg ...; asymmetric algorithms only */

char *
ngx_http_auth_token_dpop_algs(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_int_t    alg;
    ngx_str_t   *value;
    ngx_uint_t   i, algs;

    if (alcf->dpop_algs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    algs = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        alg = ngx_http_auth_token_alg_by_name(value[i].data, value[i].len);

        if (alg == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown algorithm \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (!(NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg)
              & NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_ASYMMETRIC))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" cannot sign DPoP proofs: a proof is "
                               "signed with the client's private key, an "
                               "asymmetric algorithm", &value[i]);
            return NGX_CONF_ERROR;
        }

        algs |= NGX_HTTP_AUTH_TOKEN_ALG_BIT(alg);
    }

    alcf->dpop_algs = algs;

    if (ngx_http_auth_token_dpop_algs_text(cf->pool, algs,
                                           &alcf->dpop_algs_text)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* auth_token_client_cert $variable [encoding=auto|pem|escaped|base64]; */

char *
ngx_http_auth_token_client_cert(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_token_loc_conf_t *alcf = conf;

    ngx_str_t                         *value, s;
    ngx_uint_t                         i;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->client_cert != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* a literal would be the same certificate for every client */

    if (ngx_http_script_variables_count(&value[1]) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a variable: the client "
                           "certificate comes from the request "
                           "($ssl_client_raw_cert, or a header set by a "
                           "load balancer)", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->client_cert_encoding = NGX_HTTP_AUTH_TOKEN_CERT_AUTO;

    if (cf->args->nelts == 3) {

        if (ngx_strncmp(value[2].data, "encoding=", 9) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 9;
        s.len = value[2].len - 9;

        for (i = 0; ngx_http_auth_token_cert_encodings[i].name.len; i++) {
            if (ngx_http_auth_token_cert_encodings[i].name.len == s.len
                && ngx_strncmp(ngx_http_auth_token_cert_encodings[i].name.data,
                               s.data, s.len)
                   == 0)
            {
                break;
            }
        }

        if (ngx_http_auth_token_cert_encodings[i].name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", expected "
                               "encoding=auto, pem, escaped or base64",
                               &value[2]);
            return NGX_CONF_ERROR;
        }

        alcf->client_cert_encoding =
                                  ngx_http_auth_token_cert_encodings[i].value;
    }

    alcf->client_cert = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->client_cert == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->client_cert;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void
ngx_http_auth_token_binding_create(ngx_http_auth_token_loc_conf_t *conf)
{
    conf->dpop = NGX_CONF_UNSET_UINT;
    conf->dpop_algs = NGX_CONF_UNSET_UINT;
    conf->dpop_origin = NGX_CONF_UNSET_PTR;
    conf->dpop_window = NGX_CONF_UNSET;
    conf->cert_binding = NGX_CONF_UNSET_UINT;
    conf->client_cert = NGX_CONF_UNSET_PTR;
}


/*
 * Inheritance, defaults, and the configurations that would look protected
 * but cannot be: refused at nginx -t.  Without "auth_token" in the
 * location these directives are inert, like every other of the module.
 */

char *
ngx_http_auth_token_binding_merge(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *prev,
    ngx_http_auth_token_loc_conf_t *conf)
{
    ngx_str_t                           out, slash;
    ngx_http_auth_token_main_conf_t    *amcf;
    ngx_http_compile_complex_value_t    ccv;

    ngx_conf_merge_uint_value(conf->dpop, prev->dpop,
                              NGX_HTTP_AUTH_TOKEN_BIND_OFF);
    ngx_conf_merge_value(conf->dpop_window, prev->dpop_window,
                         NGX_HTTP_AUTH_TOKEN_DPOP_WINDOW);
    ngx_conf_merge_uint_value(conf->cert_binding, prev->cert_binding,
                              NGX_HTTP_AUTH_TOKEN_BIND_OFF);

    if (conf->dpop_algs == NGX_CONF_UNSET_UINT) {

        if (prev->dpop_algs == NGX_CONF_UNSET_UINT) {
            prev->dpop_algs = NGX_HTTP_AUTH_TOKEN_DPOP_ALGS_DEFAULT;

            if (ngx_http_auth_token_dpop_algs_text(cf->pool, prev->dpop_algs,
                                                   &prev->dpop_algs_text)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }
        }

        conf->dpop_algs = prev->dpop_algs;
        conf->dpop_algs_text = prev->dpop_algs_text;
    }

    if (conf->dpop_origin == NGX_CONF_UNSET_PTR) {

        /* the default, compiled once for all that inherit it */

        if (prev->dpop_origin == NGX_CONF_UNSET_PTR) {
            prev->dpop_origin = ngx_palloc(cf->pool,
                                           sizeof(ngx_http_complex_value_t));
            if (prev->dpop_origin == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &ngx_http_auth_token_dpop_default_origin;
            ccv.complex_value = prev->dpop_origin;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }
        }

        conf->dpop_origin = prev->dpop_origin;
    }

    if (conf->client_cert == NGX_CONF_UNSET_PTR) {
        if (prev->client_cert == NGX_CONF_UNSET_PTR) {
            conf->client_cert = NULL;

        } else {
            conf->client_cert = prev->client_cert;
            conf->client_cert_encoding = prev->client_cert_encoding;
        }
    }

    /* an origin without variables can be checked now */

    if (conf->dpop_origin->lengths == NULL) {
        ngx_str_set(&slash, "/");

        if (ngx_http_auth_token_dpop_htu(cf->pool, &conf->dpop_origin->value,
                                         &slash, &out)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_token_dpop_origin\" \"%V\" is not an "
                               "http or https origin "
                               "(scheme://host[:port][/prefix])",
                               &conf->dpop_origin->value);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->realm == NULL || conf->dpop == NGX_HTTP_AUTH_TOKEN_BIND_OFF) {
        return NGX_CONF_OK;
    }

    /* RFC 9449, section 7.1: a DPoP token comes in "Authorization: DPoP" */

    if (conf->token) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_dpop\" cannot be used with "
                           "\"auth_token ... token=%V\": a DPoP-bound token "
                           "comes in the Authorization header",
                           &conf->token->value);
        return NGX_CONF_ERROR;
    }

    /* without the replay cache, a proof seen once could be replayed */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_token_module);

    if (amcf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_token_dpop\" needs \"auth_token_zone\": "
                           "the replay cache of DPoP proofs, shared by all "
                           "workers, lives in the zone");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
