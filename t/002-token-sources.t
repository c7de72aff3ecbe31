# Where the token comes from: the Authorization header (scheme, case,
# whitespace), auth_token_scheme, token=$variable (cookie, query argument),
# malformed and oversized tokens, and what reaches the upstream
# (auth_token_pass_token).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# One token for the whole suite, so that a test can compare what the
# upstream received with what the client sent.
our $TOKEN = AuthTokenTest::jwt(alg => 'RS256');

# A valid RS256 token of exactly $len characters, reached with a padding
# claim (the token grows by 4 characters per 3 bytes of padding, so the
# search starts near the target) and, where base64url cannot reach the
# length with the claim alone, a padding header field.
sub token_near {
    my ($len) = @_;
    for my $hpad ('', 'x', 'xx', 'xxx') {
        my %h = $hpad eq '' ? () : (header => { x => $hpad });
        my $mk = sub {
            AuthTokenTest::jwt(alg => 'RS256', %h,
                               claims => { pad => 'p' x $_[0] });
        };
        my ($lo, $hi) = (0, $len);
        while ($lo < $hi) {          # the shortest padding that reaches $len
            my $mid = int(($lo + $hi) / 2);
            if (length($mk->($mid)) < $len) {
                $lo = $mid + 1;
            } else {
                $hi = $mid;
            }
        }
        my $t = $mk->($lo);
        return $t if length($t) == $len;
    }
    die "cannot build a token of $len characters\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: "Authorization: Bearer <token>"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 2: scheme in lower case: "bearer"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: bearer $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 3: scheme in upper case: "BEARER"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: BEARER $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 4: several spaces between scheme and token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer    $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 5: a tab between scheme and token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer\t$main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 6: spaces and a tab mixed, and trailing spaces after the token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- raw_request eval
"GET /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
Authorization: Bearer \t  $main::TOKEN   \r
\r
"
--- error_code: 200
--- response_body
ok



=== TEST 7: "Bearerx <token>" is another scheme: no token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearerx $main::TOKEN"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
auth_token: 401: No token (missing)



=== TEST 8: auth_token_scheme token_type: "token_type <token>" is accepted
--- config
    location /t {
        auth_token "api";
        auth_token_scheme token_type;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: token_type $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 9: auth_token_scheme is compared case-insensitively
--- config
    location /t {
        auth_token "api";
        auth_token_scheme token_type;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: TOKEN_TYPE $main::TOKEN"
--- error_code: 200
--- response_body
ok



=== TEST 10: auth_token_scheme token_type: the challenge uses that scheme name
--- config
    location /t {
        auth_token "api";
        auth_token_scheme token_type;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: token_type realm="api"



=== TEST 11: auth_token_scheme token_type: a Bearer header is another scheme, i.e. no token
--- config
    location /t {
        auth_token "api";
        auth_token_scheme token_type;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 401
--- response_headers
WWW-Authenticate: token_type realm="api"
--- error_log
auth_token: 401: No token (missing)



=== TEST 12: auth_token_scheme token_type: a bad token is described with that scheme
--- config
    location /t {
        auth_token "api";
        auth_token_scheme token_type;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: token_type not-a-jwt
--- error_code: 401
--- response_headers
WWW-Authenticate: token_type realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 13: auth_token_scheme inherited from the server level
--- config
    auth_token_scheme token_type;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: token_type realm="api"



=== TEST 14: another scheme (Basic) counts as no token: no error attribute
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Basic dXNlcjpwYXNzd29yZA==
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
auth_token: 401: No token (missing)



=== TEST 15: "Authorization: Bearer" with nothing after it: malformed header
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
Authorization: Bearer
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed Authorization header"
X-Status: malformed
--- error_log
auth_token: 401: Malformed Authorization header (malformed)



=== TEST 16: "Authorization: Bearer" followed by blanks only: malformed header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- raw_request eval
"GET /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
Authorization: Bearer \t \r
\r
"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed Authorization header"



=== TEST 17: "Authorization: X" (shorter than the scheme): no token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: X
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 18: "Authorization: Bear" (a prefix of the scheme): no token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bear
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 19: "Bearer x": not a JWT
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer x
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 20: token=$cookie_at: the token is taken from the cookie
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: theme=dark; at=$main::TOKEN; lang=en"
--- error_code: 200
--- response_body
ok



=== TEST 21: token=$cookie_at: no cookie is no token
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Cookie: theme=dark
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- error_log
auth_token: 401: No token (missing)



=== TEST 22: token=$cookie_at: an empty cookie is no token
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Cookie: at=; theme=dark
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
X-Status: missing



=== TEST 23: token=$cookie_at: a bad token in the cookie is refused
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=" . AuthTokenTest::jwt(claims => { exp => time() - 100 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"



=== TEST 24: token=$cookie_at: the Authorization header is not a token source there
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: ok



=== TEST 25: token=$arg_access_token: the token is taken from the query string
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
"GET /t?x=1&access_token=$main::TOKEN&y=2"
--- error_code: 200
--- response_body
ok



=== TEST 26: token=$arg_access_token: empty argument is no token
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t?access_token=
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"



=== TEST 27: token in the variable and a Bearer header too: 400 invalid_request
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
"GET /t?access_token=$main::TOKEN"
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request", error_description="More than one token in the request"
X-Status: invalid_request
--- response_body_unlike: ok
--- error_log
auth_token: 400: More than one token in the request (invalid_request)



=== TEST 28: token in the cookie and a Bearer header too: 400 invalid_request
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=$main::TOKEN
Authorization: bearer $main::TOKEN"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request", error_description="More than one token in the request"



=== TEST 29: token in the cookie and an empty "Bearer" header: 400 invalid_request
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=$main::TOKEN
Authorization: Bearer"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_request", error_description="More than one token in the request"



=== TEST 30: token in the cookie and a Basic header: the token is used
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=$main::TOKEN
Authorization: Basic dXNlcjpwYXNzd29yZA=="
--- error_code: 200
--- response_body
ok



=== TEST 31: a space inside the token: malformed token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
my ($h, $p, $s) = split /\./, $main::TOKEN;
"Authorization: Bearer $h.$p $s"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"
--- error_log
auth_token: 401: Malformed token (malformed)



=== TEST 32: a comma inside the token: malformed token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN,$main::TOKEN"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"



=== TEST 33: "=" inside the token (only trailing "=" are b64token): malformed token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer abc=.def.ghi
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"



=== TEST 34: a quote inside the token: malformed token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer abc."def".ghi
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"



=== TEST 35: illegal characters in a token from the query string: malformed token
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
my ($h, $p, $s) = split /\./, $main::TOKEN;
"GET /t?access_token=$h.$p%20$s"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"



=== TEST 36: illegal characters in a token from a cookie: malformed token
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=\"$main::TOKEN\""
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token"



=== TEST 37: a 20 KB token: "Token too large"
--- http_config
    large_client_header_buffers 4 64k;
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
"Authorization: Bearer " . ("A" x 20480)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token too large"
X-Status: malformed
--- error_log
auth_token: 401: Token too large (malformed)



=== TEST 38: a 20 KB signed token: "Token too large" (checked before anything else)
--- http_config
    large_client_header_buffers 4 64k;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::token_near(20480)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token too large"



=== TEST 39: a valid token of exactly 16384 characters is accepted
--- http_config
    large_client_header_buffers 4 64k;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::token_near(16384)
--- error_code: 200
--- response_body
ok



=== TEST 40: a valid token of 16385 characters is too large
--- http_config
    large_client_header_buffers 4 64k;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::token_near(16385)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token too large"



=== TEST 41: a 20 KB token in a cookie: "Token too large"
--- http_config
    large_client_header_buffers 4 64k;
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=" . ("A" x 20480)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token too large"



=== TEST 42: two Authorization headers: 400 from nginx itself, before the module runs
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN
Authorization: Bearer $main::TOKEN"
--- error_code: 400
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log
client sent duplicate header line
--- no_error_log
auth_token: 4



=== TEST 43: auth_token_pass_token default (off): the upstream gets no Authorization
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "auth=[$http_authorization] cookie=[$http_cookie]\n";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 200
--- response_body
auth=[] cookie=[]



=== TEST 44: auth_token_pass_token on: the upstream gets the client's Authorization header
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "auth=[$http_authorization]\n";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_pass_token on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer $main::TOKEN"
--- error_code: 200
--- response_body eval
"auth=[Bearer $main::TOKEN]\n"



=== TEST 45: auth_token_pass_token on, inherited from the server level
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "auth=[$http_authorization]\n";
        }
    }
--- config
    auth_token_pass_token on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
"Authorization: bearer $main::TOKEN"
--- error_code: 200
--- response_body eval
"auth=[bearer $main::TOKEN]\n"



=== TEST 46: token from a cookie: a Basic Authorization header is left alone, the cookie too
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "auth=[$http_authorization] at=[$cookie_at]\n";
        }
    }
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
"Authorization: Basic dXNlcjpwYXNzd29yZA==
Cookie: at=$main::TOKEN"
--- error_code: 200
--- response_body eval
"auth=[Basic dXNlcjpwYXNzd29yZA==] at=[$main::TOKEN]\n"



=== TEST 47: satisfy any let a Basic request in: its Authorization header is left alone
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "auth=[$http_authorization]\n";
        }
    }
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers
Authorization: Basic dXNlcjpwYXNzd29yZA==
--- error_code: 200
--- response_body
auth=[Basic dXNlcjpwYXNzd29yZA==]



=== TEST 48: token from the query string: the argument still reaches the upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "args=[$args]\n";
        }
    }
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
"GET /t?access_token=$main::TOKEN"
--- error_code: 200
--- response_body eval
"args=[access_token=$main::TOKEN]\n"



=== TEST 49: $auth_token is the raw token as presented
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "token=[$auth_token]";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer   $main::TOKEN"
--- error_code: 200
--- response_body eval
"token=[$main::TOKEN]\n"
