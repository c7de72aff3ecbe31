# Variables: $auth_token_claim_<name>, $auth_token_jwt_header_<name>,
# $auth_token_payload, $auth_token_status, $auth_token, and
# auth_token_claim_set; per-request state only.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# Tokens with fixed claims are deterministic (RS256 signatures are), so the
# same token can be minted in --- more_headers and in the expected output.
sub fixed_token {
    return AuthTokenTest::jwt(claims => { iat => 1700000000, exp => 32503680000, @_ });
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: $auth_token_claim_sub
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "sub=[$auth_token_claim_sub] iss=[$auth_token_claim_iss] aud=[$auth_token_claim_aud]";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
sub=[user-42] iss=[https://idp.example.com] aud=[api]



=== TEST 2: numeric claims as JSON text (integer, exp, fraction, negative)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "n=[$auth_token_claim_n] exp=[$auth_token_claim_exp] f=[$auth_token_claim_f] neg=[$auth_token_claim_neg]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","n":1700000000,"exp":32503680000,"f":0.25,"neg":-7}')
--- response_body
n=[1700000000] exp=[32503680000] f=[0.25] neg=[-7]



=== TEST 3: array claim as a list: elements joined with ",", nested arrays and objects as quoted JSON
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "roles=[$auth_token_claim_roles] mixed=[$auth_token_claim_mixed] empty=[$auth_token_claim_empty]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","roles":["admin","ops"],"mixed":["a",2,false,null,["x"],{"k":1}],"empty":[]}')
--- response_body
roles=[admin,ops] mixed=[a,2,false,null,"[\"x\"]","{\"k\":1}"] empty=[]



=== TEST 4: object claim as compact JSON
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "org=[$auth_token_claim_org]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","org": { "id" : "acme", "size" : 3, "tags" : [ "a", "b" ] } }')
--- response_body
org=[{"id":"acme","size":3,"tags":["a","b"]}]



=== TEST 5: boolean claims render as true / false; null and absent as not found
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "t=[$auth_token_claim_t] f=[$auth_token_claim_f] null=[$auth_token_claim_z] none=[$auth_token_claim_nothere]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","t":true,"f":false,"z":null}')
--- response_body
t=[true] f=[false] null=[] none=[]



=== TEST 6: escapes in claim strings are decoded; a value with control characters is not shown (empty)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "name=[$auth_token_claim_name] ctl=[$auth_token_claim_ctl]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","name":"J\u00fcrgen \"J\" \/ x","ctl":"a\r\nb\tc"}')
--- response_body eval
"name=[J\xc3\xbcrgen \"J\" / x] ctl=[]\n"



=== TEST 7: $auth_token_jwt_header_kid and $auth_token_jwt_header_alg
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "kid=[$auth_token_jwt_header_kid] alg=[$auth_token_jwt_header_alg] typ=[$auth_token_jwt_header_typ] x=[$auth_token_jwt_header_x]";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(),
 AuthTokenTest::bearer(alg => "ES256", header => { x => "y" })]
--- response_body eval
["kid=[rsa1] alg=[RS256] typ=[JWT] x=[]\n",
 "kid=[ec256] alg=[ES256] typ=[JWT] x=[y]\n"]



=== TEST 8: JWT header variables are empty for a refused token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Vars "kid=[$auth_token_jwt_header_kid] alg=[$auth_token_jwt_header_alg]" always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(key => "rsa2", kid => "rsa1")
--- error_code: 401
--- response_headers
X-Vars: kid=[] alg=[]



=== TEST 9: $auth_token_payload is the claims as compact JSON
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "$auth_token_payload";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{ "sub" : "user-42", "aud" : [ "api", "web" ], "n" : 5, "org" : { "id" : "acme" } }')
--- response_body
{"sub":"user-42","aud":["api","web"],"n":5,"org":{"id":"acme"}}



=== TEST 10: $auth_token_payload contains the default claims
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "$auth_token_payload";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "read" })
--- response_body_like eval
qr/\A\{(?=.*"sub":"user-42")(?=.*"aud":"api")(?=.*"scope":"read")(?=.*"iss":"https:(?:\\?\/){2}idp\.example\.com")(?=.*"exp":\d{10})[^\n]*\}\n\z/



=== TEST 11: $auth_token_status: valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "status=$auth_token_status";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
status=valid
--- response_headers
X-Status: valid



=== TEST 12: $auth_token_status: missing
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
X-Status: missing
WWW-Authenticate: Bearer realm="api"



=== TEST 13: $auth_token_status: expired
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
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 10 })
--- error_code: 401
--- response_headers
X-Status: expired



=== TEST 14: $auth_token_status: bad_signature (signed by rsa2, claims kid rsa1)
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
AuthTokenTest::bearer(key => "rsa2", kid => "rsa1")
--- error_code: 401
--- response_headers
X-Status: bad_signature
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 15: $auth_token_status: wrong_issuer, wrong_audience, not_yet_valid, unknown_key, malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        auth_token_audience api;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { iss => "https://evil.example.com" }),
 AuthTokenTest::bearer(claims => { aud => "web" }),
 AuthTokenTest::bearer(claims => { nbf => AuthTokenTest::now() + 600 }),
 AuthTokenTest::bearer(key => "rsa4096", kid => "nope"),
 "Authorization: Bearer abc.def"]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
["X-Status: wrong_issuer", "X-Status: wrong_audience", "X-Status: not_yet_valid",
 "X-Status: unknown_key", "X-Status: malformed"]



=== TEST 16: $auth_token_status: insufficient_scope and requirement_failed
--- config
    location /s {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location /r {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_role;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /s", "GET /r"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { scope => "write" }),
 AuthTokenTest::bearer()]
--- error_code eval
[403, 401]
--- response_headers eval
["X-Status: insufficient_scope", "X-Status: requirement_failed"]



=== TEST 17: $auth_token_status: unsupported_alg (alg none) and invalid_request (two tokens)
--- config
    location /n {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location /two {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /n", "GET /two?access_token=" . main::fixed_token()]
--- more_headers eval
[AuthTokenTest::bearer(alg => "none"),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 400]
--- response_headers eval
["X-Status: unsupported_alg", "X-Status: invalid_request"]



=== TEST 18: $auth_token_status is empty where no check ran
--- config
    location /public {
        add_header X-Status "[$auth_token_status]" always;
        echo "status=[$auth_token_status] sub=[$auth_token_claim_sub] token=[$auth_token]";
    }
--- request
GET /public
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
status=[] sub=[] token=[]
--- response_headers
X-Status: []



=== TEST 19: $auth_token equals the presented token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "$auth_token";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::fixed_token()
--- response_body eval
main::fixed_token() . "\n"



=== TEST 20: $auth_token holds the presented token also when it is refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Token "[$auth_token]" always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::fixed_token(aud => "other", sub => "x") . "x"
--- error_code: 401
--- response_headers eval
"X-Token: [" . main::fixed_token(aud => "other", sub => "x") . "x]"



=== TEST 21: $auth_token from token=$cookie_...
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "[$auth_token] sub=[$auth_token_claim_sub]";
    }
--- request
GET /t
--- more_headers eval
"Cookie: a=b; at=" . main::fixed_token(sub => "cookie-user") . "; c=d"
--- response_body eval
"[" . main::fixed_token(sub => "cookie-user") . "] sub=[cookie-user]\n"



=== TEST 22: claim variables are empty when the token is refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Vars "sub=[$auth_token_claim_sub] role=[$auth_token_claim_role] payload=[$auth_token_payload]" always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { role => "admin", exp => AuthTokenTest::now() - 10 }),
 AuthTokenTest::bearer(claims => { role => "admin" }, key => "rsa2", kid => "rsa1"),
 ""]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["X-Vars: sub=[] role=[] payload=[]",
 "X-Vars: sub=[] role=[] payload=[]",
 "X-Vars: sub=[] role=[] payload=[]"]



=== TEST 23: claim variables are empty for a token refused for scope / requirement
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        add_header X-Vars "sub=[$auth_token_claim_sub] tenant=[$tenant]" always;
        echo "ok";
    }
--- http_config
    auth_token_claim_set $tenant org id;
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { scope => "write", org => { id => "acme" } })
--- error_code: 403
--- response_headers
X-Vars: sub=[] tenant=[]



=== TEST 24: no leak between requests on one keep-alive connection
--- http_config
    auth_token_claim_set $tenant org id;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Vars "sub=[$auth_token_claim_sub] tenant=[$tenant] kid=[$auth_token_jwt_header_kid] status=[$auth_token_status]" always;
        echo "sub=[$auth_token_claim_sub]";
    }
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { org => { id => "acme" } }),
 "",
 AuthTokenTest::bearer(claims => { sub => "other", exp => AuthTokenTest::now() - 10 })]
--- error_code eval
[200, 401, 401]
--- response_headers eval
["X-Vars: sub=[user-42] tenant=[acme] kid=[rsa1] status=[valid]",
 "X-Vars: sub=[] tenant=[] kid=[] status=[missing]",
 "X-Vars: sub=[] tenant=[] kid=[] status=[expired]"]
--- response_body eval
["sub=[user-42]\n", qr/401/, qr/401/]



=== TEST 25: no leak into an unprotected location on the same connection
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /public {
        echo "sub=[$auth_token_claim_sub] payload=[$auth_token_payload] status=[$auth_token_status]";
    }
--- pipelined_requests eval
["GET /t", "GET /public"]
--- more_headers eval
[AuthTokenTest::bearer(), ""]
--- response_body eval
["sub=[user-42]\n", "sub=[] payload=[] status=[]\n"]



=== TEST 26: upper-case claim names need auth_token_claim_set
--- http_config
    auth_token_claim_set $name Name;
    auth_token_claim_set $dashed x-tenant-id;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "Name=[$name] name=[$auth_token_claim_name] dashed=[$dashed]";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { Name => "Alice", name => "bob", "x-tenant-id" => "t-9" })
--- response_body
Name=[Alice] name=[bob] dashed=[t-9]



=== TEST 27: auth_token_claim_set: nested claims at several depths, non-objects on the way
--- http_config
    auth_token_claim_set $deep a b c;
    auth_token_claim_set $mid a b;
    auth_token_claim_set $bad sub x;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "deep=[$deep] mid=[$mid] bad=[$bad]";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { a => { b => { c => 3 } } })
--- response_body
deep=[3] mid=[{"c":3}] bad=[]



=== TEST 28: auth_token_claim_set is not allowed in server context
--- config
    auth_token_claim_set $tenant org id;
    location /t {
        echo "ok";
    }
--- must_die
--- error_log
"auth_token_claim_set" directive is not allowed here



=== TEST 29: variables in the realm
--- config
    location /t {
        set $realm "api-$server_port";
        auth_token "$realm";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer realm="api-\d+"



=== TEST 30: a subrequest sees the identity of its main request
--- http_config
    auth_token_claim_set $tenant org id;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "main sub=[$auth_token_claim_sub]";
        echo_location /sub;
    }
    location /sub {
        internal;
        echo "in sub: sub=[$auth_token_claim_sub] tenant=[$tenant] status=[$auth_token_status] kid=[$auth_token_jwt_header_kid]";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { org => { id => "acme" } })
--- response_body
main sub=[user-42]
in sub: sub=[user-42] tenant=[acme] status=[valid] kid=[rsa1]



=== TEST 31: a subrequest of a refused request (let in by satisfy any) sees no identity
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "main sub=[$auth_token_claim_sub] status=[$auth_token_status]";
        echo_location /sub;
    }
    location /sub {
        internal;
        echo "in sub: sub=[$auth_token_claim_sub] status=[$auth_token_status]";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 60 })
--- response_body
main sub=[] status=[expired]
in sub: sub=[] status=[expired]
