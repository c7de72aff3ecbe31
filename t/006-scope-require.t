# auth_token_scope (scope / scp claims, 403 insufficient_scope) and
# auth_token_require (conditions on variables, usually through map).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: scope "read write" satisfies auth_token_scope read
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "read write" })
--- response_body
ok
--- response_headers
!WWW-Authenticate



=== TEST 2: scope "write" lacks read: 403 insufficient_scope
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "write" })
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"
--- error_log
auth_token: 403: Token lacks a required scope (insufficient_scope)



=== TEST 3: two required scopes: both present (any order): 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read write;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "read write" }),
 AuthTokenTest::bearer(claims => { scope => "admin write read" })]
--- response_body eval
["ok\n", "ok\n"]



=== TEST 4: two required scopes: one missing: 403 listing all required scopes
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read write;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "read" }),
 AuthTokenTest::bearer(claims => { scope => "write" })]
--- error_code eval
[403, 403]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read write"',
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read write"']



=== TEST 5: auth_token_scope repeated: all scopes of all directives are required
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        auth_token_scope write;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "write read" }),
 AuthTokenTest::bearer(claims => { scope => "read" })]
--- error_code eval
[200, 403]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read write"']



=== TEST 6: scp as an array of strings
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read write;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scp => ["write", "read"] }),
 AuthTokenTest::bearer(claims => { scp => ["read", "admin"] })]
--- error_code eval
[200, 403]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read write"']



=== TEST 7: scp as a space-separated string
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read write;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scp => "write read" }),
 AuthTokenTest::bearer(claims => { scp => "write" })]
--- error_code eval
[200, 403]



=== TEST 8: "readwrite" (or "read:all", "xread") does not count as "read"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "readwrite" }),
 AuthTokenTest::bearer(claims => { scope => "read:all xread" }),
 AuthTokenTest::bearer(claims => { scp => ["readwrite", "rea"] }),
 AuthTokenTest::bearer(claims => { scope => "READ" })]
--- error_code eval
[403, 403, 403, 403]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"',
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"',
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"',
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"']



=== TEST 9: "read" found as the last word and as the first word
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "readwrite read" }),
 AuthTokenTest::bearer(claims => { scope => "read readwrite" }),
 AuthTokenTest::bearer(claims => { scope => "read" })]
--- response_body eval
["ok\n", "ok\n", "ok\n"]



=== TEST 10: no scope claim at all: 403
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read"



=== TEST 11: scope checked only after the token is valid: expired token with the scope is 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "write", exp => AuthTokenTest::now() - 5 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 12: no token with auth_token_scope: plain 401 challenge, no scope
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 13: auth_token_require through map: admin gets in
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { role => "admin" })
--- response_body
ok



=== TEST 14: auth_token_require through map: others get 401 invalid_token
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "user" }),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token does not meet the requirements"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token does not meet the requirements"']
--- error_log
auth_token: 401: Token does not meet the requirements (requirement_failed)



=== TEST 15: auth_token_require error=403: 403 insufficient_scope
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin error=403;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "user" }),
 AuthTokenTest::bearer(claims => { role => "admin" })]
--- error_code eval
[403, 200]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token does not meet the requirements"',
 "!WWW-Authenticate"]



=== TEST 16: auth_token_require error=401 explicitly
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin error=401;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { role => "user" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token does not meet the requirements"



=== TEST 17: several values in one directive: all must pass
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
    map $auth_token_claim_dept $is_ops {
        ops     1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin $is_ops;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "admin", dept => "ops" }),
 AuthTokenTest::bearer(claims => { role => "admin", dept => "dev" }),
 AuthTokenTest::bearer(claims => { role => "user", dept => "ops" }),
 AuthTokenTest::bearer()]
--- error_code eval
[200, 401, 401, 401]



=== TEST 18: several directives: all must pass
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
    map $auth_token_claim_dept $is_ops {
        ops     1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin;
        auth_token_require $is_ops error=403;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "admin", dept => "ops" }),
 AuthTokenTest::bearer(claims => { role => "admin", dept => "dev" }),
 AuthTokenTest::bearer(claims => { role => "user", dept => "ops" })]
--- error_code eval
[200, 403, 401]



=== TEST 19: the value "0" fails, an empty value fails, other values pass
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_flag;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { flag => "0" }),
 AuthTokenTest::bearer(claims => { flag => 0 }),
 AuthTokenTest::bearer(claims => { flag => "" }),
 AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { flag => "yes" })]
--- error_code eval
[401, 401, 401, 401, 200]



=== TEST 20: "00" and "x0" are not "0": they pass
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_flag;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { flag => "00" }),
 AuthTokenTest::bearer(claims => { flag => "x0" })]
--- error_code eval
[200, 200]



=== TEST 21: auth_token_claim_set (http level, nested claim) used in require
--- http_config
    auth_token_claim_set $tenant org id;
    map $tenant $tenant_ok {
        acme    1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $tenant_ok error=403;
        echo "tenant=$tenant";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { org => { id => "acme" } }),
 AuthTokenTest::bearer(claims => { org => { id => "other" } }),
 AuthTokenTest::bearer(claims => { id => "acme" })]
--- error_code eval
[200, 403, 403]
--- response_body eval
["tenant=acme\n", qr/403/, qr/403/]



=== TEST 22: auth_token_claim_set variable directly in require: present passes, absent fails
--- http_config
    auth_token_claim_set $tenant org id;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $tenant;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { org => { id => "acme" } }),
 AuthTokenTest::bearer(claims => { org => { name => "acme" } })]
--- error_code eval
[200, 401]



=== TEST 23: boolean claim through map: true passes, false fails
--- http_config
    map $auth_token_claim_admin $is_admin {
        true    1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { admin => JSON::PP::true() }),
 AuthTokenTest::bearer(claims => { admin => JSON::PP::false() }),
 AuthTokenTest::bearer(claims => { admin => "yes" })]
--- error_code eval
[200, 401, 401]



=== TEST 24: a boolean false claim used directly still is non-empty ("false")
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_admin;
        echo "admin=$auth_token_claim_admin";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { admin => JSON::PP::false() })
--- response_body
admin=false



=== TEST 25: require is not evaluated without a token: plain 401, no error
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin error=403;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
X-Status: missing
--- no_error_log
requirement



=== TEST 26: require is not evaluated for a refused token: the token's own error
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $is_admin error=403;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { role => "admin", exp => AuthTokenTest::now() - 5 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 27: require with a constant non-zero value passes, "0" always fails
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require 1;
        echo "a";
    }
    location /b {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require 0 error=403;
        echo "b";
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
[AuthTokenTest::bearer(), AuthTokenTest::bearer()]
--- error_code eval
[200, 403]



=== TEST 28: require inheritance: server-level require applies; a location's own replaces it
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_require $is_admin;

    location /a {
        echo "a";
    }
    location /b {
        auth_token_require $auth_token_claim_sub;
        echo "b";
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "user" }),
 AuthTokenTest::bearer(claims => { role => "user" })]
--- error_code eval
[401, 200]



=== TEST 29: scope inheritance: the location's own scopes replace the server's
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_scope read;

    location /a {
        echo "a";
    }
    location /b {
        auth_token_scope write;
        echo "b";
    }
--- request eval
["GET /a", "GET /b", "GET /b"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "read" }),
 AuthTokenTest::bearer(claims => { scope => "write" }),
 AuthTokenTest::bearer(claims => { scope => "read" })]
--- error_code eval
[200, 200, 403]
--- response_headers eval
["!WWW-Authenticate", "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="write"']



=== TEST 30: scope and require together: a missing scope is 403 even when require passes
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        auth_token_require $is_admin;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "admin", scope => "write" }),
 AuthTokenTest::bearer(claims => { role => "admin", scope => "read" })]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Status: insufficient_scope", "X-Status: valid"]
