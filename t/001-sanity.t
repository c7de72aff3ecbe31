# Basic behaviour: the module loads, accepts a valid token, challenges a
# request without one, inherits and cancels its configuration, and works in
# the access phase together with satisfy, allow/deny and auth_request.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# A token whose signature no longer matches: one character in the middle of
# the signature is changed (a middle character carries 6 full bits, so the
# result is still canonical base64url).
sub tampered {
    my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(@_), 3;
    my $i = int(length($s) / 2);
    substr($s, $i, 1) = substr($s, $i, 1) eq 'A' ? 'B' : 'A';
    return "$h.$p.$s";
}

# An expired token, minted once so that a test can look for its parts in
# the error log.
our $EXPIRED = AuthTokenTest::jwt(claims => { exp => time() - 60 });

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the module loads; a location without auth_token is open
--- config
    location /t {
        echo "open";
    }
--- request
GET /t
--- error_code: 200
--- response_body
open
--- response_headers
!WWW-Authenticate
--- no_error_log
[error]
auth_token: 4



=== TEST 2: valid RS256 token: 200 and the content
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 200
--- response_body
ok
--- response_headers
!WWW-Authenticate
--- no_error_log
[error]
auth_token: 4



=== TEST 3: no token: 401 with exactly the bare challenge
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: ok
--- error_log
auth_token: 401: No token (missing)
--- no_error_log
[error]



=== TEST 4: a token with a bad signature: 401 invalid_token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "RS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
--- response_body_unlike: ok
--- error_log
auth_token: 401: Signature verification failed (bad_signature), kid "rsa1"



=== TEST 5: an expired token: 401 "Token expired", logged at info with kid and sub
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => time() - 60 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"
--- error_log eval
qr/\[info\] .*auth_token: 401: Token expired \(expired\), kid "rsa1", sub "user-42"/



=== TEST 6: the rejection line names kid and sub, but never the token
--- log_level: info
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::EXPIRED"
--- error_code: 401
--- error_log
auth_token: 401: Token expired (expired), kid "rsa1", sub "user-42"
--- no_error_log eval
my ($h, $p, $s) = split /\./, $main::EXPIRED;
[qr/\Q$p\E/, qr/\Q$s\E/, qr/\[debug\]/]



=== TEST 7: realm with a variable
--- config
    location /t {
        auth_token "shop $arg_r";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t?r=eu-1
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="shop eu-1"



=== TEST 8: realm with a variable, valid token still accepted
--- config
    location /t {
        auth_token "shop $arg_r";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t?r=eu-1
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 9: quotes and backslashes in the realm are escaped (quoted-string)
--- config
    location /t {
        auth_token 'say "hi" \\ bye';
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="say \"hi\" \\ bye"



=== TEST 10: auth_token off in a nested location cancels the inherited check
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

        location /t/open {
            auth_token off;
            echo "open";
        }

        echo "closed";
    }
--- request
GET /t/open
--- error_code: 200
--- response_body
open
--- response_headers
!WWW-Authenticate
--- no_error_log
auth_token: 4



=== TEST 11: ... while the enclosing location stays protected
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

        location /t/open {
            auth_token off;
            echo "open";
        }

        echo "closed";
    }
--- request
GET /t/closed
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 12: auth_token off, then enabled again in a deeper location
--- config
    location /t {
        auth_token "outer";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

        location /t/open {
            auth_token off;

            location /t/open/again {
                auth_token "again";
                echo "again";
            }

            echo "open";
        }
    }
--- request
GET /t/open/again
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="again"



=== TEST 13: inheritance from http level: no token
--- http_config
    auth_token "from-http";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    location /t {
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="from-http"



=== TEST 14: inheritance from http level: valid token
--- http_config
    auth_token "from-http";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    location /t {
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256")
--- error_code: 200
--- response_body
ok



=== TEST 15: inheritance from server level: no token
--- config
    auth_token "from-server";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

    location /t {
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="from-server"



=== TEST 16: inheritance from server level: valid token
--- config
    auth_token "from-server";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

    location /t {
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 17: http sets realm and keys, server overrides the realm, location inherits
--- http_config
    auth_token "from-http";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    auth_token "from-server";

    location /t {
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="from-server"



=== TEST 18: keys from http level, auth_token only in the location
--- http_config
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    location /t {
        auth_token "loc";
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA")
--- error_code: 200
--- response_body
ok



=== TEST 19: keys inherited, but the location has its own jwks file (replaces, not adds)
--- http_config
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    location /t {
        auth_token "loc";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="loc", error="invalid_token", error_description="Unknown signing key"



=== TEST 20: auth_token off at server level, enabled in one location only
--- config
    auth_token off;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

    location /t {
        auth_token "api";
        echo "ok";
    }
    location /open {
        echo "open";
    }
--- request
GET /open
--- error_code: 200
--- response_body
open



=== TEST 21: satisfy any: allow 127.0.0.1 lets a tokenless request in
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 200
--- response_body
ok
--- response_headers
!WWW-Authenticate



=== TEST 22: satisfy all (explicit): allow 127.0.0.1 is not enough without a token
--- config
    location /t {
        satisfy all;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: ok



=== TEST 23: satisfy all (the default): allow 127.0.0.1 and a valid token
--- config
    location /t {
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 24: satisfy all: deny all wins over a valid token
--- config
    location /t {
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 403
--- response_body_unlike: ok



=== TEST 25: satisfy any: deny all, but a valid token lets the request in
--- config
    location /t {
        satisfy any;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 26: satisfy any: deny all and no token: 401 with the challenge
--- config
    location /t {
        satisfy any;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: ok



=== TEST 27: auth_request in the same location: both pass
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_request /auth;
        echo "ok";
    }
    location = /auth {
        internal;
        return 204;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 28: auth_request passes, but there is no token: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_request /auth;
        echo "ok";
    }
    location = /auth {
        internal;
        return 204;
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: ok



=== TEST 29: valid token, but auth_request refuses: 403
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_request /auth;
        echo "ok";
    }
    location = /auth {
        internal;
        return 403;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 403
--- response_body_unlike: ok



=== TEST 30: the auth_request subrequest sees the identity of the main request
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_request /auth;
        echo "ok";
    }
    location = /auth {
        internal;
        if ($auth_token_claim_sub = "user-42") {
            return 204;
        }
        return 403;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_body
ok



=== TEST 31: ... and another subject is refused by the subrequest
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_request /auth;
        echo "ok";
    }
    location = /auth {
        internal;
        if ($auth_token_claim_sub = "user-42") {
            return 204;
        }
        return 403;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { sub => "user-7" })
--- error_code: 403



=== TEST 32: $auth_token_status: valid
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
AuthTokenTest::bearer()
--- error_code: 200
--- response_headers
X-Status: valid



=== TEST 33: $auth_token_status: missing
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



=== TEST 34: $auth_token_status: expired
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
AuthTokenTest::bearer(claims => { exp => time() - 10 })
--- error_code: 401
--- response_headers
X-Status: expired



=== TEST 35: $auth_token_status: bad_signature
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
"Authorization: Bearer " . main::tampered(alg => "ES256")
--- error_code: 401
--- response_headers
X-Status: bad_signature



=== TEST 36: $auth_token_status: malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer abc.def
--- error_code: 401
--- response_headers
X-Status: malformed
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 37: $auth_token_status: satisfy any let a tokenless request in, status is still missing
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- error_code: 200
--- response_headers
X-Status: missing
!WWW-Authenticate



=== TEST 38: $auth_token_status is empty where no check ran (auth_token off)
--- config
    location /t {
        auth_token off;
        add_header X-Status "[$auth_token_status]" always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- error_code: 200
--- response_headers
X-Status: []



=== TEST 39: a HEAD request is checked like GET
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
HEAD /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 40: two requests on one keep-alive connection: the state is per request
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok $auth_token_claim_sub";
    }
--- pipelined_requests eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(), ""]
--- error_code eval
[200, 401]
--- response_body_like eval
[q{^ok user-42\n\z}, q{401 Authorization Required}]
