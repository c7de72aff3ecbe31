
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_MODULE_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_MODULE_H_INCLUDED_


/*
 * What every file shares: the configuration and the request context.
 * Each concern has its own header for its functions (docs/design.md,
 * "where to find what").
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* hard limits on attacker-controlled input */
#define NGX_HTTP_AUTH_TOKEN_MAX_LENGTH      16384
#define NGX_HTTP_AUTH_TOKEN_MAX_DEPTH       16
#define NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS      256
#define NGX_HTTP_AUTH_TOKEN_MAX_ANSWER      (64 * 1024)
#define NGX_HTTP_AUTH_TOKEN_MAX_URL         2048

/* every identity in the zone is a SHA-256 */
#define NGX_HTTP_AUTH_TOKEN_HASH_LEN        32

/*
 * the part of an issuer's SHA-256 that tells issuers apart (in the
 * verified-token cache and among a location's issuers): 128 bits
 */
#define NGX_HTTP_AUTH_TOKEN_ISS_LEN         16


typedef struct ngx_http_auth_token_keyset_s    ngx_http_auth_token_keyset_t;
typedef struct ngx_http_auth_token_source_s    ngx_http_auth_token_source_t;
typedef struct ngx_http_auth_token_endpoint_s  ngx_http_auth_token_endpoint_t;
typedef struct ngx_http_auth_token_call_s      ngx_http_auth_token_call_t;
typedef struct ngx_http_auth_token_jws_s       ngx_http_auth_token_jws_t;
typedef struct ngx_http_auth_token_zone_s      ngx_http_auth_token_zone_t;

struct json_t;


/* why a token was accepted or refused: $auth_token_status */

typedef enum {
    NGX_HTTP_AUTH_TOKEN_UNCHECKED = 0,
    NGX_HTTP_AUTH_TOKEN_VALID,
    NGX_HTTP_AUTH_TOKEN_MISSING,
    NGX_HTTP_AUTH_TOKEN_INVALID_REQUEST,
    NGX_HTTP_AUTH_TOKEN_MALFORMED,
    NGX_HTTP_AUTH_TOKEN_UNSUPPORTED_ALG,
    NGX_HTTP_AUTH_TOKEN_UNKNOWN_KEY,
    NGX_HTTP_AUTH_TOKEN_BAD_SIGNATURE,
    NGX_HTTP_AUTH_TOKEN_EXPIRED,
    NGX_HTTP_AUTH_TOKEN_NOT_YET_VALID,
    NGX_HTTP_AUTH_TOKEN_WRONG_ISSUER,
    NGX_HTTP_AUTH_TOKEN_WRONG_AUDIENCE,
    NGX_HTTP_AUTH_TOKEN_INSUFFICIENT_SCOPE,
    NGX_HTTP_AUTH_TOKEN_REQUIREMENT_FAILED,
    NGX_HTTP_AUTH_TOKEN_KEYS_UNAVAILABLE,
    NGX_HTTP_AUTH_TOKEN_INACTIVE,
    NGX_HTTP_AUTH_TOKEN_REVOKED,
    NGX_HTTP_AUTH_TOKEN_INTROSPECTION_FAILED,
    NGX_HTTP_AUTH_TOKEN_REISSUE_DENIED,
    NGX_HTTP_AUTH_TOKEN_REISSUE_REJECTED,
    NGX_HTTP_AUTH_TOKEN_REISSUE_FAILED,
    NGX_HTTP_AUTH_TOKEN_INVALID_DPOP_PROOF,
    NGX_HTTP_AUTH_TOKEN_BINDING_MISMATCH,
    NGX_HTTP_AUTH_TOKEN_WRONG_TYPE,
    NGX_HTTP_AUTH_TOKEN_INTERNAL_ERROR,
    NGX_HTTP_AUTH_TOKEN_STATUS_COUNT
} ngx_http_auth_token_status_e;


/* the steps of the access check, in order (ngx_http_auth_token_handler.c) */

typedef enum {
    NGX_HTTP_AUTH_TOKEN_STEP_FIND = 0,
    NGX_HTTP_AUTH_TOKEN_STEP_DISCOVER,
    NGX_HTTP_AUTH_TOKEN_STEP_LOOKUP,
    NGX_HTTP_AUTH_TOKEN_STEP_KEYS,
    NGX_HTTP_AUTH_TOKEN_STEP_VERIFY,
    NGX_HTTP_AUTH_TOKEN_STEP_INTROSPECT,
    NGX_HTTP_AUTH_TOKEN_STEP_CLAIMS,
    NGX_HTTP_AUTH_TOKEN_STEP_BIND,
    NGX_HTTP_AUTH_TOKEN_STEP_REQUIRE,
    NGX_HTTP_AUTH_TOKEN_STEP_REISSUE,
    NGX_HTTP_AUTH_TOKEN_STEP_DONE
} ngx_http_auth_token_step_e;


/* auth_token_type: RFC 9068 access tokens only, or any JWT */

#define NGX_HTTP_AUTH_TOKEN_TYPE_ANY       0
#define NGX_HTTP_AUTH_TOKEN_TYPE_AT_JWT    1


/* $auth_token_cache */

#define NGX_HTTP_AUTH_TOKEN_CACHE_NONE     0
#define NGX_HTTP_AUTH_TOKEN_CACHE_HIT      1
#define NGX_HTTP_AUTH_TOKEN_CACHE_MISS     2
#define NGX_HTTP_AUTH_TOKEN_CACHE_EXPIRED  3
#define NGX_HTTP_AUTH_TOKEN_CACHE_STALE    4
#define NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS   5


/* auth_token_dpop, auth_token_cert_binding */

#define NGX_HTTP_AUTH_TOKEN_BIND_OFF       0
#define NGX_HTTP_AUTH_TOKEN_BIND_ON        1
#define NGX_HTTP_AUTH_TOKEN_BIND_REQUIRED  2


/* the answer styles of identity-provider endpoints */

#define NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662 0
#define NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS  1
#define NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693 2
#define NGX_HTTP_AUTH_TOKEN_FORMAT_JSON    3


/* a token's time claims: "exp" and "nbf", when present */

#define NGX_HTTP_AUTH_TOKEN_HAS_EXP  1
#define NGX_HTTP_AUTH_TOKEN_HAS_NBF  2

typedef struct {
    ngx_uint_t                      has;        /* NGX_HTTP_AUTH_TOKEN_HAS_ */
    double                          exp;
    double                          nbf;
} ngx_http_auth_token_times_t;


/*
 * a token's confirmation (RFC 7800): cnf.jkt and cnf["x5t#S256"], the
 * SHA-256 values their base64url text holds (binding.c)
 */

#define NGX_HTTP_AUTH_TOKEN_CNF_JKT  1
#define NGX_HTTP_AUTH_TOKEN_CNF_X5T  2
#define NGX_HTTP_AUTH_TOKEN_CNF_BAD  4  /* present, but cannot be read */

typedef struct {
    ngx_uint_t                      has;        /* NGX_HTTP_AUTH_TOKEN_CNF_ */
    u_char                          jkt[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    u_char                          x5t[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_cnf_t;


typedef struct {
    ngx_str_t                       name;
    ngx_http_complex_value_t        value;
} ngx_http_auth_token_param_t;


typedef struct {
    ngx_array_t                    *values;     /* complex values */
    ngx_uint_t                      error;      /* 401 or 403 */
} ngx_http_auth_token_require_t;


/*
 * What an OpenID Connect / RFC 8414 discovery document says (strings in
 * the pool of whoever holds it)
 */

typedef struct {
    ngx_str_t                       issuer;
    ngx_str_t                       jwks_uri;
    ngx_str_t                       introspection_endpoint; /* or empty */
} ngx_http_auth_token_discovery_t;


/*
 * auth_token_issuer ... jwks=uri | jwks_file=path: an issuer bound to its
 * own keys (sorted by the hash of its name, looked up by a token's "iss")
 */

typedef struct {
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_str_t                       iss;
    ngx_str_t                       jwks_uri;   /* jwks=, as written */
    ngx_http_auth_token_source_t   *jwks;       /* its remote key set */
    ngx_array_t                    *keysets;    /* jwks_file= */
} ngx_http_auth_token_issuer_t;


typedef struct {
    ngx_str_t                       name;
    ngx_str_t                       lowcase;
    ngx_uint_t                      hash;
    ngx_uint_t                      offset;     /* in headers_in, or 0 */
    ngx_int_t                       variable;   /* $http_<name>, or -1 */
    ngx_array_t                    *path;       /* ngx_str_t */
} ngx_http_auth_token_header_t;


typedef struct {
    ngx_array_t                     keysets;    /* loaded files */
    ngx_array_t                     sources;    /* remote key sets */
    ngx_shm_zone_t                 *zone;
    ngx_array_t                     labels;     /* metrics labels */
    ngx_uint_t                      metrics;    /* a location shows them */
} ngx_http_auth_token_main_conf_t;


typedef struct {
    ngx_array_t                    *headers;    /* claimed in the server */
} ngx_http_auth_token_srv_conf_t;


typedef struct {
    ngx_http_complex_value_t       *realm;      /* NULL: "off" */
    ngx_http_complex_value_t       *token;      /* token=$variable */
    ngx_str_t                       scheme;

    /* keys */
    ngx_str_t                       discovery_uri;
    ngx_http_auth_token_source_t   *discovery;  /* from discovery_uri */
    ngx_array_t                    *keysets;    /* from files */
    ngx_str_t                       jwks_uri;
    ngx_uint_t                      jwks_max;
    ngx_http_auth_token_source_t   *jwks;       /* from jwks_uri */
    time_t                          jwks_refresh;
    time_t                          jwks_refetch;
    ngx_msec_t                      lock_timeout;
    time_t                          cache_jwt;  /* auth_token_cache_valid */

    /* introspection */
    ngx_str_t                       introspect_uri;
    ngx_uint_t                      introspect_format;
    ngx_str_t                       client_id;
    ngx_str_t                       client_secret;
    ngx_http_auth_token_endpoint_t *introspect;
    ngx_flag_t                      introspect_jwt;
    time_t                          cache_valid;
    time_t                          cache_inactive;
    time_t                          stale_if_error;

    /* reissue */
    ngx_str_t                       reissue_uri;
    ngx_uint_t                      reissue_format;
    ngx_array_t                    *reissue_params;
    ngx_str_t                       reissue_client_id;
    ngx_str_t                       reissue_client_secret;
    ngx_str_t                       reissue_field;
    ngx_str_t                       reissue_scheme;
    time_t                          reissue_cache_valid;
    ngx_http_auth_token_endpoint_t *reissue;

    /* claims */
    ngx_uint_t                      token_type; /* auth_token_type */
    time_t                          leeway;
    ngx_array_t                    *issuers;    /* ngx_str_t */
    ngx_array_t                    *bound;      /* issuer_t, by hash */
    ngx_array_t                    *audiences;  /* ngx_str_t */
    ngx_array_t                    *scopes;     /* ngx_str_t */
    ngx_str_t                       scope_text;
    ngx_array_t                    *requires;

    /* sender constraints (ngx_http_auth_token_binding.c) */
    ngx_uint_t                      dpop;       /* NGX_HTTP_AUTH_TOKEN_BIND_ */
    ngx_uint_t                      dpop_algs;  /* a bit per alg */
    ngx_str_t                       dpop_algs_text;
    ngx_http_complex_value_t       *dpop_origin;
    time_t                          dpop_window;
    ngx_uint_t                      cert_binding;
    ngx_http_complex_value_t       *client_cert;    /* NULL: TLS's own */
    ngx_uint_t                      client_cert_encoding;

    /* upstream */
    ngx_array_t                    *headers;
    ngx_flag_t                      pass_token;

    /* answers */
    ngx_uint_t                      error_format;
    ngx_http_complex_value_t       *resource_metadata;

    /* metrics */
    ngx_uint_t                      metrics_label;  /* slot in the zone */
    ngx_uint_t                      metrics_format; /* 0: no handler */

    /* everything that decides, hashed: kept across internal redirects */
    u_char                          policy[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_loc_conf_t;


/*
 * Per-request state: lives in the request context only.  "step" alone
 * says where the check resumes after an event.
 */

typedef struct {
    ngx_msec_t                      start;
    ngx_event_t                     event;
    unsigned                        parked:1;
} ngx_http_auth_token_wait_t;


typedef struct {
    ngx_http_request_t             *request;    /* that owns this context */
    ngx_http_auth_token_step_e      step;
    ngx_http_auth_token_status_e    status;
    const char                     *reason;
    ngx_int_t                       rc;
    ngx_uint_t                      code;       /* of a failed require */
    u_char                         *policy;     /* that decided */

    ngx_str_t                       token;
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    /* a JWT: parsed, or known from the verified-token cache */
    ngx_http_auth_token_jws_t      *jws;
    struct json_t                  *claims;
    ngx_http_auth_token_times_t     times;
    ngx_http_auth_token_cnf_t       cnf;        /* known: cnf_set */
    ngx_uint_t                      alg;
    u_char                          key_fp[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_uint_t                      jwt_cache;  /* $auth_token_cache */
    ngx_uint_t                      keys_seen;  /* generation verified by */

    /* the discovery document, as the request found it */
    ngx_http_auth_token_discovery_t discovered;

    /* the token's issuer, when issuers have keys of their own */
    ngx_http_auth_token_issuer_t   *issuer;
    u_char                          iss[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    /* the remote key set of this request (its URI may hold variables) */
    ngx_str_t                       keys_uri;
    u_char                          keys_hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];

    /* the identity provider */
    ngx_http_auth_token_wait_t      wait;
    ngx_http_auth_token_call_t     *introspection;
    ngx_http_auth_token_call_t     *reissue;
    ngx_str_t                       reissued;   /* the downstream token */

    /* client copies of claim headers, kept aside on arrival */
    ngx_array_t                    *stash;

    /* the client's Authorization, once removed for the upstream */
    ngx_str_t                       client_auth;

    /* sender constraints (ngx_http_auth_token_binding.c) */
    ngx_str_t                       dpop_jkt;   /* of a verified proof */
    ngx_str_t                       cnf_x5t;    /* the token's, checked */
    u_char                         *dpop_seen;  /* replay key of our jti */

    unsigned                        from_header:1;
    unsigned                        hashed:1;
    unsigned                        hit:1;      /* verified before */
    unsigned                        at_jwt:1;   /* typ: RFC 9068 */
    unsigned                        jwt:1;      /* a JWS, or a cache hit */
    unsigned                        lazy:1;     /* claims not parsed yet */
    unsigned                        times_set:1;
    unsigned                        refetched:1;
    unsigned                        kid_looked_for:1;
    unsigned                        headers_added:1;
    unsigned                        restored:1;
    unsigned                        counted:1;  /* in the metrics */
    unsigned                        dpop_scheme:1;  /* Authorization: DPoP */
    unsigned                        dpop_bound:1;   /* cnf.jkt */
    unsigned                        cnf_set:1;      /* from the cache */
} ngx_http_auth_token_ctx_t;


extern ngx_module_t  ngx_http_auth_token_module;


#endif /* _NGX_HTTP_AUTH_TOKEN_MODULE_H_INCLUDED_ */
