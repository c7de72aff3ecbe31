# Remote JWKS (auth_token_jwks_request): the first request fetches the key
# set through a subrequest, later ones use the copy in the shared zone;
# concurrent requests wait for one fetch; a large JWKS passes with default
# proxy buffers; identity provider failures (error status, dead, slow, not
# JSON, no usable keys, too large) give 503 before any keys were loaded and
# keep the last good keys afterwards, with backoff; a JWKS file and a remote
# JWKS together; $auth_token_jwks_age; nothing of the client's request goes
# to the identity provider.
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config) with
#     its own access log (logs/idp.log, one line per call, with the request
#     headers a client might have leaked), serving
#       /keys/NAME           the fixtures in t/keys
#       /NAME                files in html/idp/ (user_files, or PUT below)
#       /status/500          a 500
#       /garbage             200 "not json"
#       /slow                3 s of silence, then "{}"
#       /slow/SECS/PATH      PATH of this server after SECS seconds
#   - helper locations in the main server (config):
#       /idp-log             the IdP's access log: counts the IdP calls
#       /error-log           nginx's error log, for checks on request arrays
#                            (--- error_log is checked after every request
#                            of an array, so it suits single requests only)
#       PUT /idp-admin/NAME  replaces html/idp/NAME (WebDAV)
#       /sleep?s=SECS        a non-blocking pause between two requests

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri cookie=$http_cookie authorization=$http_authorization x_secret=$http_x_secret length=$content_length';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;

        location /keys/ { alias $TEST_NGINX_KEYS/; }
        location = /status/500 { return 500; }
        location = /garbage { return 200 "not json"; }
        location = /slow { echo_sleep 3; echo "{}"; }
        location ~ ^/slow/([0-9.]+)(/.+)$ { echo_sleep $1; echo_location $2; }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location /idp-admin/ {
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT;
    }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
});

# The IdP access log line of one call that carried nothing of the client.
sub idp_log {
    my ($uri, $n) = @_;
    return "GET $uri cookie=- authorization=- x_secret=- length=-\n" x ($n // 1);
}

# A JWKS with some of the keys of t/keys/jwks.json, in this order.
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

# /fanout?n: n concurrent requests to /api of this same server, each with
# the client's Authorization header (echo_location_async subrequests that
# proxy to ourselves); their bodies are concatenated in order.
our $FANOUT = join '', "    location = /fanout {\n",
    (map { "        echo_location_async /fan/$_;\n" } 1 .. 10),
    "    }\n",
    "    location /fan/ { proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/api/; }\n";

no_shuffle();
run_tests();

__DATA__

=== TEST 1: cold start: the first request fetches, the next ones use the stored copy (one IdP call)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2"),
    AuthTokenTest::bearer(alg => "ES256"),
    AuthTokenTest::bearer(alg => "EdDSA"),
    AuthTokenTest::bearer(alg => "HS256"),
    "",
]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n", "ok\n", "ok\n", main::idp_log("/keys/jwks.json", 1)]
--- no_error_log
[warn]
[error]



=== TEST 2: the first load is logged at notice with the kids; the JWKS body never reaches the client
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 200
--- response_body
ok
--- response_headers
!WWW-Authenticate
!Cache-Control
--- error_log
[notice]
auth_token: JWKS "/_jwks" loaded: 8 keys, added "rsa1" "rsa2" "ec256" "ec384" "ec521" "ed1" "hs1" "hs64"
--- no_error_log
[warn]
[error]



=== TEST 3: a HEAD request at cold start fetches too; the GET after it uses the stored copy
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request eval
["HEAD /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), AuthTokenTest::bearer(alg => "RS256"), ""]
--- error_code eval
[200, 200, 200]
--- response_body eval
["", "ok\n", main::idp_log("/keys/jwks.json", 1)]
--- no_error_log
[warn]
[error]



=== TEST 4: the subrequest carries none of the client's headers, cookies or body (a POST at cold start)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request eval
["POST /api\nname=secret-body", "GET /idp-log"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256") . "\nCookie: session=s3cret\nX-Secret: hush\nContent-Type: application/x-www-form-urlencoded",
    "",
]
--- error_code eval
[200, 200]
--- response_body eval
["ok\n", main::idp_log("/keys/jwks.json", 1)]
--- no_error_log
[warn]
[error]



=== TEST 5: $auth_token_jwks_age: seconds since the fetch; empty where no remote JWKS is used
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "age=[$auth_token_jwks_age]";
    }
    location /open {
        echo "age=[$auth_token_jwks_age]";
    }
    location /file {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "age=[$auth_token_jwks_age]";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request eval
["GET /api", "GET /sleep?s=1.1", "GET /api", "GET /open", "GET /file", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), "", AuthTokenTest::bearer(alg => "RS256"), "",
 AuthTokenTest::bearer(alg => "RS256"), ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_body_like eval
[qr/\Aage=\[[01]\]\n\z/, qr/slept/, qr/\Aage=\[[12]\]\n\z/, qr/\Aage=\[\]\n\z/, qr/\Aage=\[\]\n\z/,
 "\\A" . quotemeta(main::idp_log("/keys/jwks.json", 1)) . "\\z"]
--- no_error_log
[warn]
[error]



=== TEST 6: concurrent requests at cold start wait for one fetch (slow IdP, 10 at once): all 200, one IdP call
--- http_config eval
"    auth_token_zone tokens:1m;\n"
--- config eval
$main::FANOUT . q{
    location /api/ {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/0.5/keys/jwks.json;
    }
}
--- request eval
["GET /fanout", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), ""]
--- error_code eval
[200, 200]
--- response_body eval
["ok\n" x 10, main::idp_log("/slow/0.5/keys/jwks.json", 1)]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 7: auth_token_lock_timeout: requests that wait longer than it for another's fetch give up (503)
The fetching request gets its keys after 3 s (200); the 9 others stop waiting
after 1 s: no keys yet, so 503 (mapped to the body "unavailable" here).
--- http_config eval
"    auth_token_zone tokens:1m;\n"
--- config eval
$main::FANOUT . q{
    location /api/ {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_lock_timeout 1s;
        error_page 503 /unavailable;
        echo "ok";
    }
    location = /unavailable { internal; echo "unavailable"; }
    location = /_jwks {
        internal;
        proxy_read_timeout 10s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/3/keys/jwks.json;
    }
}
--- request eval
["GET /fanout", "GET /idp-log", "GET /error-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), "", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[
    qr/\A(?=(?:[a-z]+\n){10}\z)(?:unavailable\n)*ok\n(?:unavailable\n)*\z/,
    "\\A" . quotemeta(main::idp_log("/slow/3/keys/jwks.json", 1)) . "\\z",
    qr/gave up waiting for JWKS "\/_jwks" after 1000 ms/,
]
--- timeout: 6



=== TEST 8: a 256 KB JWKS with default proxy buffers (buffered to a temp file) and with proxy_buffering off
The key of kid rsa1 is the last one of jwks-256k.json; k000..k653 are all the rsa2 key.
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location /api2 {
        auth_token "api";
        auth_token_jwks_request /_jwks2;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks-256k.json;
    }
    location = /_jwks2 {
        internal;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks-256k.json;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api2", "GET /api2", "GET /idp-log", "GET /error-log"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "k100"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "k100"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "k653"),
    "", "",
]
--- error_code eval
[200, 200, 401, 200, 401, 200, 200]
--- response_body_like eval
[
    qr/\Aok\n\z/, qr/\Aok\n\z/, qr/401 Authorization Required/, qr/\Aok\n\z/, qr/401 Authorization Required/,
    "\\A" . quotemeta(main::idp_log("/keys/jwks-256k.json", 2)) . "\\z",
    qr/auth_token: JWKS "\/_jwks" loaded: 655 keys, added "k000" "k001" .*\n(?s:.*)auth_token: JWKS "\/_jwks2" loaded: 655 keys, added "k000" /,
]
--- response_headers eval
["!WWW-Authenticate", "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
 "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
 "", ""]
--- timeout: 10
--- no_error_log
[warn]
[error]



=== TEST 9: auth_token_jwks_request without auth_token_zone fails the configuration
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- must_die
--- error_log
[emerg]
"auth_token_jwks_request" requires "auth_token_zone"



=== TEST 10: IdP answers 500 at cold start: 503 without a challenge, a warning with the reason
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status/500;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log eval
[
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]*\b500\b[^;]*; no keys yet, next attempt in 1 s/,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]



=== TEST 11: a request without a token while no keys could be loaded: 401 with the bare challenge (no key is needed to refuse it)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status/500;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), ""]
--- error_code eval
[503, 401]
--- response_headers eval
["!WWW-Authenticate", 'WWW-Authenticate: Bearer realm="api"']



=== TEST 12: IdP dead (connection refused) at cold start: 503 and the warning
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/jwks.json;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log eval
[
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]+; no keys yet, next attempt in 1 s/,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]



=== TEST 13: IdP too slow (proxy_read_timeout 1s) at cold start: 503 after the timeout
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_read_timeout 1s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- error_log eval
[
    qr/upstream timed out/,
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]+; no keys yet, next attempt in 1 s/,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]
--- timeout: 5



=== TEST 14: IdP answers 200 with something that is not JSON: 503, the warning names the reason
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/garbage;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- error_log eval
[
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]*JSON[^;]*; no keys yet, next attempt in 1 s/i,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]



=== TEST 15: IdP answers a JWKS without usable keys: 503, the warning names the reason
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks-nokeys.json;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- error_log eval
[
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]*no usable keys[^;]*; no keys yet, next attempt in 1 s/,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]



=== TEST 16: IdP answers more than 4 MB: 503, the warning names the reason
--- user_files eval
">>> idp/huge.json\n{\"keys\":[" . (" " x (4 * 1024 * 1024 + 16)) . JSON::PP->new->encode($main::KEY{rsa1}) . "]}\n"
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/huge.json;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- error_log eval
[
    qr/\[warn\] .*auth_token: JWKS "\/_jwks" fetch failed: [^;]*(?:4 MB|large)[^;]*; no keys yet, next attempt in 1 s/i,
    "auth_token: 503: No signing keys available (keys_unavailable)",
]



=== TEST 17: failures back off: 1 s after the first, 2 s after the second; no IdP call in between
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status/500;
    }
--- request eval
["GET /api", "GET /sleep?s=1.1", "GET /api", "GET /api", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
[(AuthTokenTest::bearer(alg => "RS256")) x 5, "", ""]
--- error_code eval
[503, 200, 503, 503, 503, 200, 200]
--- response_body_like eval
[
    "", "slept", "", "", "",
    "\\A" . quotemeta(main::idp_log("/status/500", 2)) . "\\z",
    qr/fetch failed: [^;\n]*; no keys yet, next attempt in 1 s[^\n]*\n(?s:.*)fetch failed: [^;\n]*; no keys yet, next attempt in 2 s/,
]



=== TEST 18: the IdP breaks after a good fetch: the last good keys stay in use, with backoff
The refresh (2 s) finds garbage: the request that triggers it and those
after it are served with the keys fetched first.
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1", "ec256")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api",
    "PUT /idp-admin/jwks.json\nthis is not JSON",
    "GET /sleep?s=2.1",
    "GET /api",
    "GET /idp-log",
    "GET /error-log",
    "GET /sleep?s=1.1",
    "GET /api",
    "GET /api",
    "GET /idp-log",
    "GET /error-log",
]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256"), "", "",
    AuthTokenTest::bearer(alg => "ES256"), "", "", "",
    AuthTokenTest::bearer(alg => "RS256"),
    AuthTokenTest::bearer(alg => "ES256"), "", "",
]
--- error_code eval
[200, 204, 200, 200, 200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[
    qr/\Aok\n\z/, "", "slept", qr/\Aok\n\z/,
    "\\A" . quotemeta(main::idp_log("/jwks.json", 2)) . "\\z",
    qr/\[warn\] [^\n]*auth_token: JWKS "\/_jwks" fetch failed: [^;\n]*JSON[^;\n]*; keeping the last good keys, next attempt in 1 s/i,
    "slept", qr/\Aok\n\z/, qr/\Aok\n\z/,
    "\\A" . quotemeta(main::idp_log("/jwks.json", 3)) . "\\z",
    qr/keeping the last good keys, next attempt in 1 s[^\n]*\n(?s:.*)keeping the last good keys, next attempt in 2 s/,
]
--- no_error_log
auth_token: 503
auth_token: 401



=== TEST 19: auth_token_jwks_file and auth_token_jwks_request together: the keys of both are used
jwks-rsa2only.json has rsa2 only; the IdP publishes rsa1 only; ec256 is in
neither: its token causes one early fetch (the first fetch does not count
against the refetch interval), then is refused.
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1"),
    AuthTokenTest::bearer(alg => "ES256", key => "ec256", kid => "ec256"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => undef),
    "",
]
--- error_code eval
[200, 200, 401, 200, 200]
--- response_headers eval
["!WWW-Authenticate", "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 "!WWW-Authenticate", ""]
--- response_body_like eval
[qr/\Aok\n\z/, qr/\Aok\n\z/, qr/401/, qr/\Aok\n\z/, "\\A" . quotemeta(main::idp_log("/jwks.json", 2)) . "\\z"]



=== TEST 20: file + remote with the IdP failing at cold start: the file's keys still verify (200), a kid only the IdP has is unknown (401)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status/500;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1"),
]
--- error_code eval
[200, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"']
