
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/evp.h>
#include <jansson.h>


/* hard limits on attacker-controlled input */
#define NGX_HTTP_AUTH_TOKEN_MAX_LENGTH      16384
#define NGX_HTTP_AUTH_TOKEN_MAX_DEPTH       16
#define NGX_HTTP_AUTH_TOKEN_MAX_CLAIMS      256
#define NGX_HTTP_AUTH_TOKEN_MAX_JWKS        (4 * 1024 * 1024)
#define NGX_HTTP_AUTH_TOKEN_MAX_JWKS_DEPTH  8
#define NGX_HTTP_AUTH_TOKEN_HASH_LEN        32


/* JWS algorithms (RFC 7518, RFC 8037) */

typedef enum {
    NGX_HTTP_AUTH_TOKEN_HS256 = 0,
    NGX_HTTP_AUTH_TOKEN_HS384,
    NGX_HTTP_AUTH_TOKEN_HS512,
    NGX_HTTP_AUTH_TOKEN_RS256,
    NGX_HTTP_AUTH_TOKEN_RS384,
    NGX_HTTP_AUTH_TOKEN_RS512,
    NGX_HTTP_AUTH_TOKEN_PS256,
    NGX_HTTP_AUTH_TOKEN_PS384,
    NGX_HTTP_AUTH_TOKEN_PS512,
    NGX_HTTP_AUTH_TOKEN_ES256,
    NGX_HTTP_AUTH_TOKEN_ES384,
    NGX_HTTP_AUTH_TOKEN_ES512,
    NGX_HTTP_AUTH_TOKEN_EDDSA,
    NGX_HTTP_AUTH_TOKEN_ALG_COUNT
} ngx_http_auth_token_alg_e;


/* key types (the JWK "kty", with OKP narrowed to Ed25519) */

#define NGX_HTTP_AUTH_TOKEN_KTY_OCT      1
#define NGX_HTTP_AUTH_TOKEN_KTY_RSA      2
#define NGX_HTTP_AUTH_TOKEN_KTY_EC       3
#define NGX_HTTP_AUTH_TOKEN_KTY_OKP      4


typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      kty;
    const char                     *digest;
    int                             padding;    /* RSA padding mode */
    size_t                          sig_len;    /* EC: raw r||s length */
    const char                     *group;      /* EC: curve name */
} ngx_http_auth_token_alg_t;


typedef struct {
    ngx_str_t                       kid;
    ngx_uint_t                      kty;
    ngx_uint_t                      algs;       /* bit per alg */
    EVP_PKEY                       *pkey;
    ngx_str_t                       secret;     /* kty "oct" */
    u_char                          fp[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    EVP_PKEY_CTX                   *ctx[NGX_HTTP_AUTH_TOKEN_ALG_COUNT];
} ngx_http_auth_token_key_t;


typedef struct {
    ngx_str_t                       name;       /* file name, for logs */
    ngx_array_t                     keys;       /* ngx_http_auth_token_key_t */
} ngx_http_auth_token_keyset_t;


/* the shared zone */

typedef struct {
    ngx_rbtree_t                    rbtree;
    ngx_rbtree_node_t               sentinel;
    ngx_queue_t                     lru;
    ngx_uint_t                      generation; /* of key set documents */
    ngx_uint_t                      evictions;
    ngx_uint_t                      evictions_logged;
    time_t                          warned;     /* zone full, logged at */
} ngx_http_auth_token_shctx_t;


/* "zone is full" is logged at most once per this many seconds */

#define NGX_HTTP_AUTH_TOKEN_FULL_WARN_PERIOD  60


typedef struct {
    ngx_http_auth_token_shctx_t    *sh;
    ngx_slab_pool_t                *shpool;
    ngx_str_t                       name;
} ngx_http_auth_token_zone_t;


typedef struct {
    ngx_rbtree_node_t               node;
    ngx_queue_t                     queue;      /* LRU, unless pinned */
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_uint_t                      pinned;
    size_t                          len;
    u_char                          data[1];
} ngx_http_auth_token_node_t;


/*
 * A verified JWT: which key vouched for it, until when, and its time
 * claims, so that a hit needs no parsing unless claims are asked for.
 */

#define NGX_HTTP_AUTH_TOKEN_HAS_EXP  1
#define NGX_HTTP_AUTH_TOKEN_HAS_NBF  2

typedef struct {
    time_t                          expires;
    time_t                          verified;   /* when */
    ngx_uint_t                      alg;
    ngx_uint_t                      times;      /* NGX_HTTP_AUTH_TOKEN_HAS_ */
    double                          exp;
    double                          nbf;
    u_char                          fp[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_verified_t;


/* a remote key set: its state shared by all workers */

typedef struct {
    u_char                         *doc;
    size_t                          doc_len;
    ngx_uint_t                      generation;
    time_t                          fetched;     /* document arrived */
    time_t                          refresh_at;  /* due for a refresh */
    time_t                          fetch_start; /* latest attempt */
    time_t                          lease;       /* a fetch runs until */
    time_t                          retry_at;    /* after a failure */
    ngx_uint_t                      failures;
} ngx_http_auth_token_jwks_sh_t;


/* a remote key set, as configured, with this worker's parsed keys */

typedef struct {
    ngx_str_t                       uri;
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_shm_zone_t                 *zone;
    time_t                          refresh;
    time_t                          refetch;

    /* run time: this worker's copy, replaced when the document changes */
    ngx_http_auth_token_keyset_t   *keyset;
    ngx_pool_t                     *keyset_pool;
    ngx_uint_t                      generation;
    time_t                          fetched;
} ngx_http_auth_token_jwks_src_t;


typedef struct {
    ngx_http_core_srv_conf_t       *cscf;
    ngx_str_t                       uri;
    ngx_http_auth_token_jwks_src_t *src;
} ngx_http_auth_token_jwks_conf_t;


typedef struct {
    ngx_array_t                     keysets;    /* loaded files */
    ngx_array_t                     jwks;       /* remote key sets */
    ngx_shm_zone_t                 *zone;
} ngx_http_auth_token_main_conf_t;


/* a call to the identity provider through a subrequest */

typedef struct ngx_http_auth_token_fetch_s  ngx_http_auth_token_fetch_t;

typedef void (*ngx_http_auth_token_fetch_pt)(ngx_http_request_t *sr,
    ngx_http_auth_token_fetch_t *f);

struct ngx_http_auth_token_fetch_s {
    ngx_http_auth_token_fetch_pt    handler;
    void                           *data;

    /* the request: a POST when there is a body */
    ngx_str_t                       req_body;
    ngx_str_t                       req_type;
    ngx_str_t                       req_auth;   /* Authorization value */

    /* the answer */
    ngx_str_t                       body;
    size_t                          capacity;
    size_t                          max;
    ngx_uint_t                      status;
    time_t                          max_age;
    unsigned                        done:1;
    unsigned                        too_large:1;
    unsigned                        abandoned:1; /* the client went away */
    unsigned                        redirected:1;
};


/* a cached call to the identity provider (ngx_http_auth_token_call.c) */

#define NGX_HTTP_AUTH_TOKEN_PENDING     0
#define NGX_HTTP_AUTH_TOKEN_ACCEPTED    1
#define NGX_HTTP_AUTH_TOKEN_REFUSED     2   /* inactive, denied */
#define NGX_HTTP_AUTH_TOKEN_GONE        3   /* revoked, rejected */
#define NGX_HTTP_AUTH_TOKEN_FAILED      4   /* no usable answer */

typedef struct ngx_http_auth_token_call_s  ngx_http_auth_token_call_t;

/* reads the answer: returns a state, sets value, expires, token_exp, err */
typedef ngx_uint_t (*ngx_http_auth_token_answer_pt)(ngx_http_request_t *sr,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f);

struct ngx_http_auth_token_call_s {
    /* set by the caller */
    ngx_str_t                      *uri;
    ngx_shm_zone_t                 *zone;       /* NULL: not cached */
    u_char                          key[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_msec_t                      lock_timeout;
    time_t                          stale;      /* stale-if-error */
    ngx_http_auth_token_answer_pt   answer;
    void                           *data;
    const char                     *what;       /* for the error log */
    ngx_http_auth_token_fetch_t     fetch;      /* with the request */

    /* the outcome */
    ngx_uint_t                      state;
    ngx_str_t                       value;
    time_t                          expires;
    time_t                          token_exp;
    const char                     *err;
    ngx_uint_t                      cache;      /* $auth_token_cache */
    ngx_msec_t                      wait_start;
    unsigned                        waiting:1;
    unsigned                        store:1;
    unsigned                        done:1;
};


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
    NGX_HTTP_AUTH_TOKEN_STATUS_COUNT
} ngx_http_auth_token_status_e;


/* a JWT split and decoded; all memory is from one pool */

typedef struct {
    ngx_str_t                       raw;        /* the compact token */
    ngx_str_t                       signing_input;
    ngx_str_t                       header_json;
    ngx_str_t                       payload_json;
    ngx_str_t                       signature;
    ngx_str_t                       kid;
    ngx_uint_t                      alg;
    json_t                         *header;
    json_t                         *claims;
} ngx_http_auth_token_jwt_t;


/* the outcome of one check: a status and a sentence for people */

typedef struct {
    ngx_http_auth_token_status_e    status;
    const char                     *reason;
    ngx_http_auth_token_key_t      *key;        /* that verified */
} ngx_http_auth_token_result_t;


/* $auth_token_cache */

#define NGX_HTTP_AUTH_TOKEN_CACHE_NONE     0
#define NGX_HTTP_AUTH_TOKEN_CACHE_HIT      1
#define NGX_HTTP_AUTH_TOKEN_CACHE_MISS     2
#define NGX_HTTP_AUTH_TOKEN_CACHE_EXPIRED  3
#define NGX_HTTP_AUTH_TOKEN_CACHE_STALE    4
#define NGX_HTTP_AUTH_TOKEN_CACHE_BYPASS   5


#define NGX_HTTP_AUTH_TOKEN_FORMAT_RFC7662 0
#define NGX_HTTP_AUTH_TOKEN_FORMAT_STATUS  1
#define NGX_HTTP_AUTH_TOKEN_FORMAT_RFC8693 2
#define NGX_HTTP_AUTH_TOKEN_FORMAT_JSON    3


/* an introspection endpoint, as configured */

typedef struct {
    ngx_str_t                       uri;
    ngx_uint_t                      format;
    ngx_str_t                       basic;      /* client authentication */
    u_char                          id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_introspect_t;


/* a reissue endpoint, as configured */

typedef struct {
    ngx_str_t                       uri;
    ngx_uint_t                      format;
    ngx_str_t                       field;      /* of the answer */
    ngx_str_t                       basic;      /* client authentication */
    u_char                          id[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
} ngx_http_auth_token_reissue_t;


typedef struct {
    ngx_str_t                       name;
    ngx_http_complex_value_t        value;
} ngx_http_auth_token_param_t;


typedef struct {
    ngx_array_t                    *values;     /* complex values */
    ngx_uint_t                      error;      /* 401 or 403 */
} ngx_http_auth_token_require_t;


typedef struct {
    ngx_str_t                       name;
    ngx_str_t                       lowcase;
    ngx_uint_t                      hash;
    ngx_uint_t                      offset;     /* in headers_in, or 0 */
    ngx_array_t                    *path;       /* ngx_str_t */
} ngx_http_auth_token_header_t;


typedef struct {
    ngx_http_complex_value_t       *realm;      /* NULL: "off" */
    ngx_http_complex_value_t       *token;      /* token=$variable */
    ngx_str_t                       scheme;
    ngx_array_t                    *keysets;    /* from files */
    ngx_str_t                       jwks_uri;
    ngx_http_auth_token_jwks_src_t *jwks;       /* from jwks_uri */
    time_t                          jwks_refresh;
    time_t                          jwks_refetch;
    ngx_msec_t                      lock_timeout;
    ngx_str_t                       introspect_uri;
    ngx_uint_t                      introspect_format;
    ngx_str_t                       client_id;
    ngx_str_t                       client_secret;
    ngx_http_auth_token_introspect_t  *introspect;
    ngx_flag_t                      introspect_jwt;
    time_t                          cache_valid;
    time_t                          cache_inactive;
    time_t                          stale_if_error;
    time_t                          cache_jwt;  /* auth_token_cache_valid */
    ngx_str_t                       reissue_uri;
    ngx_uint_t                      reissue_format;
    ngx_array_t                    *reissue_params;
    ngx_str_t                       reissue_client_id;
    ngx_str_t                       reissue_client_secret;
    ngx_str_t                       reissue_field;
    ngx_str_t                       reissue_scheme;
    time_t                          reissue_cache_valid;
    ngx_http_auth_token_reissue_t  *reissue;
    time_t                          leeway;
    ngx_array_t                    *issuers;    /* ngx_str_t */
    ngx_array_t                    *audiences;  /* ngx_str_t */
    ngx_array_t                    *scopes;     /* ngx_str_t */
    ngx_str_t                       scope_text;
    ngx_array_t                    *requires;
    ngx_array_t                    *headers;
    ngx_flag_t                      pass_token;
} ngx_http_auth_token_loc_conf_t;


/* per-request state: lives in the request context only */

typedef struct {
    ngx_http_auth_token_status_e    status;
    const char                     *reason;
    ngx_int_t                       rc;
    ngx_uint_t                      code;       /* of a failed require */
    ngx_str_t                       token;
    ngx_http_auth_token_jwt_t       jwt;
    json_t                         *claims;
    u_char                          hash[NGX_HTTP_AUTH_TOKEN_HASH_LEN];
    ngx_http_auth_token_verified_t  cached;     /* when jwt_cache is HIT */
    ngx_http_auth_token_fetch_t    *fetch;      /* of a subrequest */
    ngx_msec_t                      wait_start;
    ngx_http_auth_token_call_t     *introspection;
    ngx_http_auth_token_call_t     *reissue;
    ngx_str_t                       reissued;   /* the downstream token */
    ngx_uint_t                      jwt_cache;  /* $auth_token_cache */
    unsigned                        verified:1;
    unsigned                        introspect:1;
    unsigned                        from_header:1;
    unsigned                        parsed:1;
    unsigned                        hashed:1;
    unsigned                        unparsed:1; /* a hit: JWT not decoded */
    unsigned                        lazy_claims:1; /* its claims, later */
    unsigned                        waiting:1;
    unsigned                        gave_up:1;
    unsigned                        refetched:1;
    unsigned                        done:1;
} ngx_http_auth_token_ctx_t;


extern ngx_module_t  ngx_http_auth_token_module;


/* ngx_http_auth_token_module.c */

ngx_http_auth_token_ctx_t *ngx_http_auth_token_get_ctx(
    ngx_http_request_t *r);
json_t *ngx_http_auth_token_get_claims(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);
json_t *ngx_http_auth_token_get_jwt_header(ngx_http_request_t *r,
    ngx_http_auth_token_ctx_t *ctx);


/* ngx_http_auth_token_extract.c */

ngx_int_t ngx_http_auth_token_parse_authorization(ngx_str_t *value,
    ngx_str_t *scheme, ngx_str_t *token);
ngx_int_t ngx_http_auth_token_valid_chars(ngx_str_t *token);


/* ngx_http_auth_token_json.c */

json_t *ngx_http_auth_token_json_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_uint_t max_depth, const char **err);
ngx_int_t ngx_http_auth_token_json_render(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out);
json_t *ngx_http_auth_token_json_path(json_t *root, ngx_str_t *path,
    ngx_uint_t n);


/* ngx_http_auth_token_jwt.c */

ngx_int_t ngx_http_auth_token_init_algs(ngx_conf_t *cf);
const ngx_http_auth_token_alg_t *ngx_http_auth_token_alg(ngx_uint_t alg);
const EVP_MD *ngx_http_auth_token_alg_md(ngx_uint_t alg);
const EVP_MD *ngx_http_auth_token_sha256(void);
EVP_MD_CTX *ngx_http_auth_token_digest_ctx(void);
ngx_int_t ngx_http_auth_token_alg_by_name(u_char *name, size_t len);
ngx_int_t ngx_http_auth_token_b64url_decode(ngx_str_t *dst, ngx_str_t *src);
void ngx_http_auth_token_jwt_parse(ngx_pool_t *pool, ngx_str_t *token,
    ngx_http_auth_token_jwt_t *jwt, ngx_http_auth_token_result_t *res);
void ngx_http_auth_token_jwt_verify(ngx_http_auth_token_jwt_t *jwt,
    ngx_http_auth_token_keyset_t **keysets, ngx_uint_t n,
    ngx_http_auth_token_result_t *res, ngx_uint_t *kid_found);
ngx_http_auth_token_key_t *ngx_http_auth_token_find_fp(
    ngx_http_auth_token_keyset_t **keysets, ngx_uint_t n, u_char *fp,
    ngx_uint_t alg);
ngx_int_t ngx_http_auth_token_verify_key(ngx_http_auth_token_key_t *key,
    ngx_uint_t alg, ngx_str_t *input, ngx_str_t *sig);


/* ngx_http_auth_token_claims.c */

void ngx_http_auth_token_check_claims(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx,
    ngx_http_auth_token_result_t *res);
ngx_int_t ngx_http_auth_token_claim_times(json_t *claims,
    ngx_http_auth_token_verified_t *v, const char **reason);
ngx_int_t ngx_http_auth_token_check_require(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_add_variables(ngx_conf_t *cf);
char *ngx_http_auth_token_claim_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_auth_token_headers_handler(ngx_http_request_t *r);
const char *ngx_http_auth_token_status_name(ngx_uint_t status);


/* ngx_http_auth_token_jwks.c */

ngx_http_auth_token_keyset_t *ngx_http_auth_token_jwks_parse(
    ngx_pool_t *pool, ngx_log_t *log, ngx_str_t *name, u_char *data,
    size_t len, const char **err);
ngx_http_auth_token_keyset_t *ngx_http_auth_token_jwks_load_file(
    ngx_conf_t *cf, ngx_str_t *path, const char **err);


/* ngx_http_auth_token_cache.c */

char *ngx_http_auth_token_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_http_auth_token_node_t *ngx_http_auth_token_cache_lookup(
    ngx_http_auth_token_zone_t *zone, u_char *hash);
ngx_http_auth_token_node_t *ngx_http_auth_token_cache_alloc(
    ngx_http_auth_token_zone_t *zone, u_char *hash, size_t len,
    ngx_uint_t pinned);
void ngx_http_auth_token_cache_free(ngx_http_auth_token_zone_t *zone,
    ngx_http_auth_token_node_t *n);
void *ngx_http_auth_token_cache_alloc_data(ngx_http_auth_token_zone_t *zone,
    size_t len);
ngx_int_t ngx_http_auth_token_cache_get_verified(
    ngx_http_auth_token_zone_t *zone, u_char *hash,
    ngx_http_auth_token_verified_t *v);
void ngx_http_auth_token_cache_put_verified(ngx_http_auth_token_zone_t *zone,
    u_char *hash, ngx_http_auth_token_verified_t *v);


/* ngx_http_auth_token_subrequest.c */

ngx_http_auth_token_fetch_t *ngx_http_auth_token_fetch_of(
    ngx_http_request_t *r);
ngx_int_t ngx_http_auth_token_fetch(ngx_http_request_t *r, ngx_str_t *uri,
    ngx_http_auth_token_fetch_t *f, ngx_uint_t background);
ngx_int_t ngx_http_auth_token_filter_init(ngx_conf_t *cf);
ngx_int_t ngx_http_auth_token_park(ngx_http_request_t *r, ngx_msec_t delay);
u_char *ngx_http_auth_token_form_escape(u_char *dst, ngx_str_t *src);
ngx_int_t ngx_http_auth_token_basic(ngx_pool_t *pool, ngx_str_t *id,
    ngx_str_t *secret, ngx_str_t *out);


/* ngx_http_auth_token_call.c */

ngx_int_t ngx_http_auth_token_call(ngx_http_request_t *r,
    ngx_http_auth_token_call_t *call);
ngx_int_t ngx_http_auth_token_call_key(u_char *key, u_char *id,
    ngx_str_t *parts, ngx_uint_t n);
ngx_int_t ngx_http_auth_token_server_id(ngx_conf_t *cf, ngx_str_t *id);
ngx_int_t ngx_http_auth_token_call_id(ngx_conf_t *cf, u_char *id,
    const char *kind, ngx_str_t *uri, ngx_str_t *basic, ngx_str_t *options);


/* ngx_http_auth_token_introspect.c */

char *ngx_http_auth_token_introspect_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_introspect(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_uint_t ngx_http_auth_token_introspect_parse(ngx_pool_t *pool,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_call_t *call,
    ngx_http_auth_token_fetch_t *f);


/* ngx_http_auth_token_reissue.c */

char *ngx_http_auth_token_reissue_conf(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_reissue(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_uint_t ngx_http_auth_token_reissue_parse(ngx_pool_t *pool,
    ngx_http_auth_token_loc_conf_t *alcf, time_t client_exp,
    ngx_http_auth_token_call_t *call, ngx_http_auth_token_fetch_t *f);


/* ngx_http_auth_token_keys.c */

char *ngx_http_auth_token_jwks_src(ngx_conf_t *cf,
    ngx_http_auth_token_loc_conf_t *conf);
ngx_int_t ngx_http_auth_token_keys(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_keys_refetch(ngx_http_request_t *r,
    ngx_http_auth_token_loc_conf_t *alcf, ngx_http_auth_token_ctx_t *ctx);
ngx_int_t ngx_http_auth_token_variable_jwks_age(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_AUTH_TOKEN_H_INCLUDED_ */
