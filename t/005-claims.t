# Registered claims: exp, nbf (with auth_token_leeway), iss
# (auth_token_issuer), aud (auth_token_audience), and how these
# directives are inherited.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# Test::Base evaluates every "eval" section when the suite starts, which can
# be minutes before a block runs (valgrind).  A token whose verdict depends
# on the clock is therefore written as a code reference
# (--- more_headers eval / sub { ... }) and minted here, just before its
# block runs.
add_block_preprocessor(sub {
    my $block = shift;
    my $mh = $block->more_headers;
    $block->set_value(more_headers => $mh->()) if ref $mh eq 'CODE';
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: exp in the past: 401 Token expired
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 1 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- error_log
auth_token: 401: Token expired (expired)



=== TEST 2: exp a minute ahead: 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
sub { AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() + 60 }) }
--- response_body
ok
--- response_headers
!WWW-Authenticate
--- no_error_log
auth_token: 401



=== TEST 3: leeway 30s, exp 10 s ago: still accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
sub { AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 10 }) }
--- response_body
ok
--- no_error_log
auth_token: 401



=== TEST 4: leeway 30s, exp 31 s ago (1 s beyond the leeway): 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 31 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- error_log
auth_token: 401: Token expired (expired)



=== TEST 5: nbf a minute ahead: 401 Token not yet valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
sub { AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() + 60 }) }
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token not yet valid"
--- error_log
auth_token: 401: Token not yet valid (not_yet_valid)



=== TEST 6: nbf 10 s ahead, within a 30 s leeway: 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() + 10 })
--- response_body
ok
--- no_error_log
auth_token: 401



=== TEST 7: nbf in the past: 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() - 60 })
--- response_body
ok



=== TEST 8: no exp at all: accepted (exp is optional)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => undef })
--- response_body
ok



=== TEST 9: exp as a string "123": Invalid "exp" claim
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":"123"}')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Invalid \"exp\" claim"
--- error_log
auth_token: 401: Invalid "exp" claim (malformed)



=== TEST 10: exp as a string holding a future time: still invalid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":"'
    . (AuthTokenTest::now() + 3600) . '"}')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Invalid \"exp\" claim"



=== TEST 11: nbf as a string: Invalid "nbf" claim
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","nbf":"1"}')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Invalid \"nbf\" claim"



=== TEST 12: fractional exp (now + 100.5): accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
sub { "Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":'
    . (AuthTokenTest::now() + 100) . '.5}') }
--- response_body
ok



=== TEST 13: fractional exp in the past (now - 100.5): expired
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":'
    . (AuthTokenTest::now() - 101) . '.5}')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 14: huge exp (year 3000, 32503680000): accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => 32503680000 })
--- response_body
ok



=== TEST 15: exp beyond int64 (99999999999999999999999): malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":99999999999999999999999}')
--- error_code: 401
--- response_headers_like
X-Status: malformed
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token claims|Invalid \\"exp\\" claim)"



=== TEST 16: exp 1e400 (overflows a double): malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":1e400}')
--- error_code: 401
--- response_headers_like
X-Status: malformed
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token claims|Invalid \\"exp\\" claim)"



=== TEST 17: negative exp: expired
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => -1 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 18: exp true is not a number: Invalid "exp" claim
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":true}')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Invalid \"exp\" claim"



=== TEST 19: auth_token_issuer matches
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
ok



=== TEST 20: auth_token_issuer mismatch: 401 Token issuer not accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iss => "https://evil.example.com" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"
--- error_log
auth_token: 401: Token issuer not accepted (wrong_issuer)



=== TEST 21: issuer comparison is exact (no prefix, no trailing slash)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { iss => "https://idp.example.com/" }),
 AuthTokenTest::bearer(claims => { iss => "https://idp.example.co" }),
 AuthTokenTest::bearer(claims => { iss => "HTTPS://IDP.EXAMPLE.COM" })]
--- error_code eval
[401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"']



=== TEST 22: several issuers: any of them is accepted, others are not
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://a.example.com https://idp.example.com;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { iss => "https://a.example.com" }),
 AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { iss => "https://b.example.com" })]
--- error_code eval
[200, 200, 401]
--- response_body eval
["ok\n", "ok\n", qr/401 Authorization Required/]



=== TEST 23: auth_token_issuer repeated: values of all directives count
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://a.example.com;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { iss => "https://a.example.com" }),
 AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { iss => "https://b.example.com" })]
--- error_code eval
[200, 200, 401]



=== TEST 24: issuer configured, iss missing: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iss => undef })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"



=== TEST 25: issuer configured, iss a number: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer 42;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iss => 42 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"



=== TEST 26: issuer configured, iss an array holding it: 401 (must be a string)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iss => ["https://idp.example.com"] })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"



=== TEST 27: no auth_token_issuer: any iss is accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iss => "https://whoever.example.com" })
--- response_body
ok



=== TEST 28: auth_token_audience, aud a string: 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { aud => "api" })
--- response_body
ok



=== TEST 29: auth_token_audience, aud an array containing it: 200
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { aud => ["other", "api"] })
--- response_body
ok



=== TEST 30: auth_token_audience, aud an array without it: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { aud => ["other", "apis", "ap"] })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"
--- error_log
auth_token: 401: Token audience not accepted (wrong_audience)



=== TEST 31: auth_token_audience, aud another string: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { aud => "api2" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"



=== TEST 32: auth_token_audience, aud missing / a number / an empty array: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api 7;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { aud => undef }),
 AuthTokenTest::bearer(claims => { aud => 7 }),
 AuthTokenTest::bearer(claims => { aud => [] }),
 AuthTokenTest::bearer(claims => { aud => [7] })]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"']



=== TEST 33: several audiences: one of them is enough
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience web api;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { aud => "web" }),
 AuthTokenTest::bearer(claims => { aud => ["x", "api"] }),
 AuthTokenTest::bearer(claims => { aud => "mobile" })]
--- error_code eval
[200, 200, 401]



=== TEST 34: inheritance: server-level issuer applies, a location's own replaces it
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_issuer https://idp.example.com;

    location /a {
        echo "a";
    }

    location /b {
        auth_token_issuer https://other.example.com;
        echo "b";
    }
--- request eval
["GET /a", "GET /a", "GET /b", "GET /b"]
--- more_headers eval
[AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { iss => "https://other.example.com" }),
 AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { iss => "https://other.example.com" })]
--- error_code eval
[200, 401, 401, 200]
--- response_body eval
["a\n", qr/401/, qr/401/, "b\n"]



=== TEST 35: inheritance: http-level audience and leeway reach the location
--- http_config
    auth_token_audience api;
    auth_token_leeway 30s;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
sub { [AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 10 }),
 AuthTokenTest::bearer(claims => { aud => "web" }),
 AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 31 })] }
--- error_code eval
[200, 401, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"']



=== TEST 36: the location's leeway overrides the server's
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_leeway 30s;

    location /a {
        echo "a";
    }

    location /b {
        auth_token_leeway 0s;
        echo "b";
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
sub { [AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 10 }),
 AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 10 })] }
--- error_code eval
[200, 401]



=== TEST 37: issuer and audience checked together: both must pass
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        auth_token_audience api;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(),
 AuthTokenTest::bearer(claims => { iss => "https://evil.example.com" }),
 AuthTokenTest::bearer(claims => { aud => "web" })]
--- error_code eval
[200, 401, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"']



=== TEST 38: exp exactly now is expired (now - leeway >= exp)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 39: leeway 30s, exp exactly 30 s ago is expired
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 30 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 40: nbf exactly now is valid; with leeway 30s, nbf now+30 is valid, now+60 is not
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "a";
    }
    location /b {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        echo "b";
    }
--- request eval
["GET /a", "GET /b", "GET /b"]
--- more_headers eval
sub { [AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() }),
 AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() + 30 }),
 AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() + 60 })] }
--- error_code eval
[200, 200, 401]
--- response_headers eval
["!WWW-Authenticate", "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token not yet valid"']



=== TEST 41: exp in exponent notation (1e10, year 2286) is a number: accepted; 1.7e9 is past
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":"user-42","exp":1e10}'),
 "Authorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":"user-42","exp":1.7E9}')]
--- error_code eval
[200, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"']



=== TEST 42: exp with a leading zero or a plus sign is not JSON: malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":"user-42","exp":032503680000}'),
 "Authorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":"user-42","exp":+32503680000}')]
--- error_code eval
[401, 401]
--- response_headers eval
["X-Status: malformed", "X-Status: malformed"]
