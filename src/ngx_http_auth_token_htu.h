
/*
 * Copyright (C) ngx_http_auth_token_module authors
 */


#ifndef _NGX_HTTP_AUTH_TOKEN_HTU_H_INCLUDED_
#define _NGX_HTTP_AUTH_TOKEN_HTU_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_auth_token_module.h"


/*
 * The htu (RFC 9449, sections 4.2 and 4.3).
 *
 * What "the request's URI" is for nginx: the client signed the target URI
 * of the request it sent, so the path must be r->unparsed_uri, the
 * request-target as received (for an absolute-form request line nginx
 * keeps only its path there; for HTTP/2 and HTTP/3 it is :path).  Not
 * r->uri: nginx has decoded it (%2F is "/" there), merged slashes,
 * resolved "." and "..", and rewrite, try_files, index and error_page
 * change it; none of that is what the client signed.  Query and fragment
 * never count: ngx_http_auth_token_dpop_htu() stops the path at "?" (so
 * r->unparsed_uri can be passed as it is), and the proof's htu is cut at
 * "?" or "#".
 *
 * The scheme and authority are not the client's to choose: they come from
 * auth_token_dpop_origin, "scheme://host[:port]" (a path prefix after it
 * is allowed, for a gateway mounted under one).  The default
 * "$scheme://$host" has no port ($host never has one): behind a
 * non-default port, configure the external origin, e.g.
 * "https://api.example.com:8443", or "$scheme://$http_host".
 *
 * Both sides are normalized, then compared byte for byte (RFC 9449,
 * section 4.3 asks for RFC 3986 sections 6.2.2 and 6.2.3):
 *   - scheme "http" or "https" only, lowercased; host lowercased; no
 *     userinfo; the port as a number, removed when it is the scheme's
 *     default (":", ":443", ":0443" on https all go);
 *   - percent-encoding: hex digits uppercased, unreserved characters
 *     decoded (%7E is "~", %41 is "A"), a byte that may not appear
 *     unencoded in a path (a space, a non-ASCII byte, a lone "%") encoded;
 *   - dot segments removed (RFC 3986, section 5.2.4); an empty path is
 *     "/".
 *
 * ngx_http_auth_token_htu_normalize(): NGX_OK with the normalized URI in
 * *out, NGX_DECLINED when uri is not an absolute http(s) URI with a host,
 * NGX_ERROR: out of memory.
 * ngx_http_auth_token_dpop_htu(): the expected htu from origin and path,
 * normalized; NGX_DECLINED: the origin is not usable.
 * ngx_http_auth_token_dpop_htu_match(): NGX_OK when the proof's htu
 * normalizes to expected (from ngx_http_auth_token_dpop_htu()),
 * NGX_DECLINED when it does not (or is not an http(s) URI), NGX_ERROR.
 */

ngx_int_t ngx_http_auth_token_htu_normalize(ngx_pool_t *pool, ngx_str_t *uri,
    ngx_str_t *out);
ngx_int_t ngx_http_auth_token_dpop_htu(ngx_pool_t *pool, ngx_str_t *origin,
    ngx_str_t *path, ngx_str_t *out);
ngx_int_t ngx_http_auth_token_dpop_htu_match(ngx_pool_t *pool,
    ngx_str_t *htu, ngx_str_t *expected);


#endif /* _NGX_HTTP_AUTH_TOKEN_HTU_H_INCLUDED_ */
