# Loading JWKS files and checking the configuration: files nginx must refuse
# (missing, not JSON, no usable key, weak keys), keys that are skipped with
# a warning while the rest of the file is used, a large JWKS, the same file
# in several places, and directive arguments nginx must refuse.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# A JWKS with rsa1 followed by keys that each must be skipped for one reason.
our $RSA1_N = '1m7Y5mSnpMm5ezS9842dHueseVmiNaMsSxPEMrTs_29oNStdbVyg47_2TAZB71PH-WBf99DZWQ6VDiF9jtsaj7FdtUBouXHwjUZzFi04ZxDH1hdJjEyApc4iqB2unVH_pCNETmlw2O7BSuFo0rbVgDLRxSgpaX1rh0mDfToBZeq6y0uZfBmv7WCnmEoFhMNBxy7GdYqv0XmjZ3Iv7scZpPP_o1trbglP8_YHHVGkBauHfq7PgvTYKc2PXAf1voAIfL2WPrC6Q4Q4mu458xwLgSGHoHwp-PZPDYdUeMIOa55w3Jeoyf1Gl9VwRyu3hGb0qF8POlvTwFdFm2iTggdxyw';
our $HS1_K = 'pLdyxZE9TUgrogRHCWpSO5c6RyRxkwEZl6DzOAhmBbE';

# An HS256 token (default claims) signed with the raw bytes $secret.
sub hs256_token {
    my ($secret, $kid) = @_;
    my $t = time();
    my $input = AuthTokenTest::b64url(qq({"alg":"HS256","kid":"$kid","typ":"JWT"}))
        . '.' . AuthTokenTest::b64url(qq({"aud":"api","exp":) . ($t + 3600)
            . qq(,"iat":$t,"iss":"https://idp.example.com","sub":"user-42"}));
    return $input . '.'
           . AuthTokenTest::b64url(AuthTokenTest::hs('HS256', $secret, $input));
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: missing JWKS file: nginx refuses to start, naming the file and the reason
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/does-not-exist.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*does-not-exist\.json.*No such file}



=== TEST 2: a file that is not JSON
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/not-json.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*not-json\.json.*not valid JSON}



=== TEST 3: an empty file is not JSON either
--- user_files
>>> empty.json
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/empty.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*empty\.json.*not valid JSON}



=== TEST 4: an empty "keys" array: no usable keys
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-nokeys.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*jwks-nokeys\.json.*no usable keys}



=== TEST 5: JSON without a "keys" array
--- user_files
>>> nokeysarray.json
{"kty":"RSA","kid":"rsa1","e":"AQAB","n":"AQAB"}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/nokeysarray.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*nokeysarray\.json}



=== TEST 6: "keys" that is not an array
--- user_files
>>> keysobject.json
{"keys":{"kty":"oct","k":"pLdyxZE9TUgrogRHCWpSO5c6RyRxkwEZl6DzOAhmBbE"}}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/keysobject.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*keysobject\.json}



=== TEST 7: only unusable keys: each skipped with a warning, then "no usable keys"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-only-bad.json;
        echo "ok";
    }
--- must_die
--- error_log eval
[
    qr{\[warn\].*jwks-only-bad\.json.*"foo1".*skipped: unsupported "kty"},
    qr{\[warn\].*jwks-only-bad\.json.*"enc1".*skipped: "use" is not "sig"},
    qr{\[warn\].*jwks-only-bad\.json.*"k1".*skipped: unsupported curve},
    qr{\[warn\].*jwks-only-bad\.json.*"non".*skipped: no valid "n" and "e"},
    qr{\[emerg\].*jwks-only-bad\.json.*no usable keys},
]



=== TEST 8: a 1024-bit RSA key is skipped, leaving no usable keys
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-weak.json;
        echo "ok";
    }
--- must_die
--- error_log eval
[
    qr{\[warn\].*jwks-weak\.json.*"rsa1024".*RSA key shorter than 2048 bits},
    qr{\[emerg\].*jwks-weak\.json.*no usable keys},
]



=== TEST 9: a JWKS file that is a directory
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*auth_token_jwks_file.*keys}



=== TEST 10: a JWKS file larger than 4 MB
--- user_files eval
">>> huge.json\n{\"keys\":[" . (" " x (4 * 1024 * 1024 + 16))
. "{\"kty\":\"oct\",\"kid\":\"hs1\",\"k\":\"$main::HS1_K\"}]}\n"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/huge.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*huge\.json}



=== TEST 11: auth_token enabled without keys
--- config
    location /t {
        auth_token "api";
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*no keys are configured}



=== TEST 12: auth_token enabled at http level without keys anywhere
--- http_config
    auth_token "api";
--- config
    location /t {
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*no keys are configured}



=== TEST 13: auth_token off needs no keys
--- config
    location /t {
        auth_token off;
        echo "ok";
    }
--- request
GET /t
--- error_code: 200
--- response_body
ok



=== TEST 14: bad auth_token parameter
--- config
    location /t {
        auth_token "api" foo=$arg_x;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "foo=\$arg_x"}



=== TEST 15: auth_token with an empty token= parameter
--- config
    location /t {
        auth_token "api" token=;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "token="}



=== TEST 16: auth_token off takes no parameters
--- config
    location /t {
        auth_token off token=$cookie_at;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token"}



=== TEST 17: auth_token with three arguments
--- config
    location /t {
        auth_token "api" token=$cookie_at extra;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "auth_token" directive}



=== TEST 18: auth_token twice in one location
--- config
    location /t {
        auth_token "api";
        auth_token "other";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token" directive is duplicate}



=== TEST 19: auth_token_require ... error=500
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $arg_x error=500;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "error=500"}



=== TEST 20: auth_token_require without a value
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require error=403;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"auth_token_require"}



=== TEST 21: auth_token_claim_header Host sub
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header Host sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"Host"}



=== TEST 22: auth_token_claim_header authorization sub (any letter case)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header authorization sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"authorization"}



=== TEST 23: auth_token_claim_header Content-Length sub
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header Content-Length sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"Content-Length"}



=== TEST 24: auth_token_claim_header Cookie sub
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header Cookie sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"Cookie"}



=== TEST 25: an invalid header name (space)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header "X User" sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid header name "X User"}



=== TEST 26: an invalid header name (colon)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header "X-User:" sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid header name "X-User\:"}



=== TEST 27: an invalid header name (CR LF injection)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header "X-A\r\nX-B" sub;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid header name}



=== TEST 28: auth_token_claim_header without a claim
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "auth_token_claim_header" directive}



=== TEST 29: auth_token_claim_set is allowed at http level only
--- config
    auth_token_claim_set $tenant org id;
    location /t {
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token_claim_set" directive is not allowed here}



=== TEST 30: auth_token_leeway with a bad time
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway soon;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token_leeway" directive invalid value}



=== TEST 31: auth_token_pass_token with a bad flag
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_pass_token yes;
        echo "ok";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "yes" in "auth_token_pass_token" directive}



=== TEST 32: jwks-mixed-bad.json: nginx starts, one warning per skipped key
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-mixed-bad.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 200
--- response_body
ok
--- grep_error_log eval
qr/skipped: (?:unsupported "kty"|"use" is not "sig"|unsupported curve|no valid "n" and "e")/
--- grep_error_log_out
skipped: unsupported "kty"
skipped: "use" is not "sig"
skipped: unsupported curve
skipped: no valid "n" and "e"
--- error_log eval
[
    qr{\[warn\].*jwks-mixed-bad\.json.*"foo1".*skipped: unsupported "kty"},
    qr{\[warn\].*jwks-mixed-bad\.json.*"enc1".*skipped: "use" is not "sig"},
    qr{\[warn\].*jwks-mixed-bad\.json.*"k1".*skipped: unsupported curve},
    qr{\[warn\].*jwks-mixed-bad\.json.*"non".*skipped: no valid "n" and "e"},
]
--- no_error_log eval
[qr{"rsa1".*skipped}, qr{\[emerg\]}]



=== TEST 33: jwks-mixed-bad.json: the skipped "use": "enc" key is not used
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-mixed-bad.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "enc1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 34: jwks-mixed-bad.json: a tampered rsa1 token is still refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-mixed-bad.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(alg => "RS256");
substr($s, 100, 1) = substr($s, 100, 1) eq "A" ? "B" : "A";
"Authorization: Bearer $h.$p.$s"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 35: more skip reasons: short HMAC secret, key_ops without verify, alg that does not fit, unsupported alg
--- user_files eval
">>> skips.json\n" . qq({"keys":[
{"kty":"oct","kid":"short","k":"c2hvcnQtc2VjcmV0"},
{"kty":"oct","kid":"signonly","key_ops":["sign"],"k":"$main::HS1_K"},
{"kty":"RSA","kid":"rsa-es","alg":"ES256","e":"AQAB","n":"$main::RSA1_N"},
{"kty":"oct","kid":"algnone","alg":"none","k":"$main::HS1_K"},
{"kty":"OKP","kid":"x25519","crv":"X25519","x":"vKQP3h5Q9vivm96f6VYnJ9Ea5WljsCujFIlO9eDU4cU"},
{"kty":"RSA","kid":"rsa1","use":"sig","e":"AQAB","n":"$main::RSA1_N"}
]}
)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/skips.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 200
--- response_body
ok
--- error_log eval
[
    qr{\[warn\].*skips\.json.*"short".*skipped},
    qr{\[warn\].*skips\.json.*"signonly".*skipped},
    qr{\[warn\].*skips\.json.*"rsa-es".*skipped},
    qr{\[warn\].*skips\.json.*"algnone".*skipped},
    qr{\[warn\].*skips\.json.*"x25519".*skipped},
]
--- no_error_log eval
[qr{"rsa1".*skipped}]



=== TEST 36: a skipped short HMAC secret is not used to verify
--- user_files eval
">>> skips.json\n" . qq({"keys":[
{"kty":"oct","kid":"short","k":"c2hvcnQtc2VjcmV0"},
{"kty":"RSA","kid":"rsa1","use":"sig","e":"AQAB","n":"$main::RSA1_N"}
]}
)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/skips.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . main::hs256_token("short-secret", "short")
--- error_code: 401



=== TEST 37: jwks-256k.json loads: the last key (rsa1), kid k100, a wrong key under k100, an unknown kid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-256k.json;
        echo "ok";
    }
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "k100"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "k100"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "k999"),
]
--- error_code eval
[200, 200, 401, 401]
--- response_headers eval
[
    "!WWW-Authenticate",
    "!WWW-Authenticate",
    'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
    'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
]
--- response_body_like eval
[q{^ok\n\z}, q{^ok\n\z}, "401 Authorization Required", "401 Authorization Required"]
--- no_error_log
[emerg]
skipped



=== TEST 38: jwks-256k.json in two locations: both work, each with its own realm
--- config
    location /a {
        auth_token "a";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-256k.json;
        echo "a";
    }
    location /b {
        auth_token "b";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-256k.json;
        echo "b";
    }
--- pipelined_requests eval
["GET /a", "GET /b", "GET /a", "GET /b"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "k007"),
    "",
    "",
]
--- error_code eval
[200, 200, 401, 401]
--- response_headers eval
[
    "!WWW-Authenticate",
    "!WWW-Authenticate",
    'WWW-Authenticate: Bearer realm="a"',
    'WWW-Authenticate: Bearer realm="b"',
]
--- response_body_like eval
[q{^a\n\z}, q{^b\n\z}, "401 Authorization Required", "401 Authorization Required"]



=== TEST 39: the same file in two locations and another file beside it in the second
--- config
    location /a {
        auth_token "a";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "a";
    }
    location /b {
        auth_token "b";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "b";
    }
--- request
GET /b
--- more_headers eval
AuthTokenTest::bearer(alg => "ES512")
--- error_code: 200
--- response_body
b



=== TEST 40: ... and the first location does not see the second one's extra file
--- config
    location /a {
        auth_token "a";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "a";
    }
    location /b {
        auth_token "b";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "b";
    }
--- request
GET /a
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", key => "rsa1", kid => "ps1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="a", error="invalid_token", error_description="Unknown signing key"



=== TEST 41: jwks-mixed-bad.json named in two locations is parsed once: one warning per key
--- config
    location /a {
        auth_token "a";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-mixed-bad.json;
        echo "a";
    }
    location /b {
        auth_token "b";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-mixed-bad.json;
        echo "b";
    }
--- request
GET /b
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 200
--- response_body
b
--- grep_error_log eval
qr/skipped: (?:unsupported "kty"|"use" is not "sig"|unsupported curve|no valid "n" and "e")/
--- grep_error_log_out
skipped: unsupported "kty"
skipped: "use" is not "sig"
skipped: unsupported curve
skipped: no valid "n" and "e"



=== TEST 42: an RSA key with a public exponent over 256 bits is skipped (every verification would be slow); the other keys are used
--- user_files eval
">>> bige.json\n"
. qq({"keys":[)
. qq({"kty":"RSA","kid":"bige","alg":"RS256","n":"$main::RSA1_N","e":") . AuthTokenTest::b64url("\x01" . ("\xff" x 32)) . qq("},)
. qq({"kty":"RSA","kid":"rsa1","alg":"RS256","n":"$main::RSA1_N","e":"AQAB"})
. qq(]}\n)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/bige.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 200
--- response_body
ok
--- error_log eval
qr{\[warn\].*bige\.json.*"bige".*skipped: RSA exponent larger than 256 bits}
