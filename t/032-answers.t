# Answers that API clients can use: auth_token_error_format json|problem
# (the body; the WWW-Authenticate challenge is always sent), gRPC requests
# (HTTP 200 with grpc-status and grpc-message), RFC 9728's
# resource_metadata in the challenge; where nginx keeps the last word
# (error_page, satisfy any); and RFC 9068 access-token typing
# (auth_token_type at+jwt), also on verified-token cache hits.
#
# A real gRPC client (Python's grpcio) is in t/033-grpc.t.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: json: an expired token gets a JSON body, and the challenge
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 401
--- response_headers
Content-Type: application/json
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- response_body
{"error":"invalid_token","error_description":"Token expired"}
--- error_log
auth_token: 401: Token expired (expired)



=== TEST 2: json: no token: no error code, as in the challenge (RFC 6750, 3.1)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
Content-Type: application/json
WWW-Authenticate: Bearer realm="api"
--- response_body
{"error_description":"No token"}



=== TEST 3: json: a missing scope: 403 with the scope
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read write;
        auth_token_error_format json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "read" })
--- error_code: 403
--- response_headers
Content-Type: application/json
WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="read write"
--- response_body
{"error":"insufficient_scope","error_description":"Token lacks a required scope","scope":"read write"}



=== TEST 4: problem: an RFC 9457 problem, application/problem+json
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format problem;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 401
--- response_headers
Content-Type: application/problem+json
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- response_body
{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Token expired","error":"invalid_token"}



=== TEST 5: problem: keys unavailable is 503, a problem without a challenge
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_error_format problem;
        echo "ok";
    }
    location = /_jwks {
        internal;
        return 500;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 503
--- response_headers
Content-Type: application/problem+json
!WWW-Authenticate
--- response_body
{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"No signing keys available","error":"temporarily_unavailable"}



=== TEST 6: the default (www-authenticate): nginx's own page, the challenge
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 401
--- response_headers
Content-Type: text/html
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- response_body_like: 401 Authorization Required



=== TEST 7: the format is inherited from the server
--- config
    auth_token_error_format json;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 401
--- response_headers
Content-Type: application/json
--- response_body
{"error":"invalid_token","error_description":"Token expired"}



=== TEST 8: an error_page for the status keeps the last word
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        error_page 401 /denied;
        echo "ok";
    }
    location = /denied {
        echo "see the login page";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 401
--- response_body
see the login page



=== TEST 9: satisfy any: another access module may still allow, so the status goes to nginx
--- config
    location /t {
        satisfy any;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
Content-Type: text/html
WWW-Authenticate: Bearer realm="api"
--- response_body_like: 401 Authorization Required



=== TEST 10: satisfy any, and the other module allows: 200
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request
GET /t
--- response_body
ok



=== TEST 11: HEAD: the headers of the JSON answer, no body
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request
HEAD /t
--- error_code: 401
--- response_headers
Content-Type: application/json
Content-Length: 33
--- response_body



=== TEST 12: a POST body is read away: the next request on the connection works
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_error_format json;
        echo "ok";
    }
--- request eval
["POST /t\n" . ("x" x 5000), "GET /t"]
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code eval
[401, 401]
--- response_body eval
["{\"error\":\"invalid_token\",\"error_description\":\"Token expired\"}\n",
 "{\"error\":\"invalid_token\",\"error_description\":\"Token expired\"}\n"]



=== TEST 13: gRPC: HTTP 200, grpc-status 16 (UNAUTHENTICATED), the reason
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
POST /t
--- more_headers eval
"Content-Type: application/grpc\n" . AuthTokenTest::bearer(claims => { exp => time() - 100 })
--- error_code: 200
--- response_headers
Content-Type: application/grpc
grpc-status: 16
grpc-message: Token expired
Content-Length: 0
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- response_body
--- error_log
auth_token: 401: Token expired (expired)



=== TEST 14: gRPC: a missing scope is grpc-status 7 (PERMISSION_DENIED)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope admin;
        auth_token_error_format json;
        echo "ok";
    }
--- request
POST /t
--- more_headers eval
"Content-Type: application/grpc+proto\n" . AuthTokenTest::bearer(claims => { scope => "read" })
--- error_code: 200
--- response_headers
Content-Type: application/grpc
grpc-status: 7
grpc-message: Token lacks a required scope
--- response_body



=== TEST 15: gRPC: keys unavailable is grpc-status 14 (UNAVAILABLE)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        return 500;
    }
--- request
POST /t
--- more_headers eval
"Content-Type: application/grpc\n" . AuthTokenTest::bearer()
--- error_code: 200
--- response_headers
grpc-status: 14
grpc-message: No signing keys available
!WWW-Authenticate



=== TEST 16: gRPC: a valid token goes through
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
POST /t
--- more_headers eval
"Content-Type: application/grpc\n" . AuthTokenTest::bearer()
--- error_code: 200
--- response_headers
!grpc-status
--- response_body
ok



=== TEST 17: gRPC-Web is not gRPC: an ordinary 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
POST /t
--- more_headers
Content-Type: application/grpc-web
--- error_code: 401
--- response_headers
!grpc-status



=== TEST 18: resource_metadata (RFC 9728) in every challenge, with variables
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_resource_metadata https://$host/.well-known/oauth-protected-resource;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Host: api.example", "Host: api.example\n" . AuthTokenTest::bearer(claims => { exp => time() - 100 })]
--- error_code eval
[401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", resource_metadata=\"https://api.example/.well-known/oauth-protected-resource\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token expired\", resource_metadata=\"https://api.example/.well-known/oauth-protected-resource\""]



=== TEST 19: at+jwt: "at+jwt" and "application/at+jwt" are access tokens
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_type at+jwt;
        echo "ok $auth_token_status";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(header => { typ => "at+jwt" }),
 AuthTokenTest::bearer(header => { typ => "application/at+jwt" }),
 AuthTokenTest::bearer(header => { typ => "AT+JWT" })]
--- response_body eval
["ok valid\n", "ok valid\n", "ok valid\n"]



=== TEST 20: at+jwt: an ID token (typ JWT) of the same issuer and keys is refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_type at+jwt;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { nonce => "n-0S6_WzA2Mj", azp => "client" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not an access token"
--- error_log
auth_token: 401: Token is not an access token (wrong_type)



=== TEST 21: at+jwt: no typ, or another one, is refused; "any" takes them
--- config
    location /strict {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_type at+jwt;
        echo "ok";
    }
    location /any {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /strict", "GET /strict", "GET /strict", "GET /any", "GET /any"]
--- more_headers eval
[AuthTokenTest::bearer(header => { typ => undef }),
 AuthTokenTest::bearer(header => { typ => "at+jwt2" }),
 AuthTokenTest::bearer(header => { typ => "application/jwt" }),
 AuthTokenTest::bearer(header => { typ => undef }),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 401, 200, 200]



=== TEST 22: at+jwt on a verified-token cache hit: the type is remembered with the verification
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /any {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "any $auth_token_cache";
    }
    location /strict {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_type at+jwt;
        echo "strict $auth_token_cache";
    }
--- request eval
["GET /any", "GET /strict", "GET /strict", "GET /any", "GET /strict"]
--- more_headers eval
my $id = AuthTokenTest::bearer(claims => { sub => "id-token" });
my $at = AuthTokenTest::bearer(header => { typ => "at+jwt" }, claims => { sub => "at" });
[$id, $id, $at, $at, $at]
--- error_code eval
[200, 401, 200, 200, 200]
--- response_body_like eval
["^any MISS\$", "401", "^strict MISS\$", "^any HIT\$", "^strict HIT\$"]



=== TEST 23: at+jwt types JWTs only: an opaque token accepted by introspection goes through
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /introspect {
            echo_read_request_body;
            echo '{"active":true,"sub":"opaque-user"}';
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        auth_token_type at+jwt;
        echo "ok $auth_token_claim_sub";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer an-opaque-token",
 AuthTokenTest::bearer(claims => { sub => "id-token" })]
--- error_code eval
[200, 401]
--- response_body_like eval
["^ok opaque-user\$", "401 Authorization Required"]
