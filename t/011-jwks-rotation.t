# Remote JWKS and key rotation, with a master and two workers sharing the
# zone: one IdP call for many requests (sequential or concurrent, whichever
# worker serves them); a token with an unknown kid causes one early fetch per
# refetch interval (only such fetches count against it), or waits for the
# fetch that runs or the next one allowed; a kid looked for that way and not
# found is refused at once until the document changes; a flood of forged
# kids does not hammer the IdP; a key published by the IdP is accepted as
# soon as a token uses it, a key the IdP removed stops validating after the
# next refresh, and every token signed by a published key is accepted
# throughout a rotation; Cache-Control: max-age shortens the refresh time
# but never below the refetch interval; changes are logged at notice with
# the kids added and removed.
#
# Time: ngx_time() has a one-second resolution, so an interval of N seconds
# may end anywhere in (N-1, N] seconds of real time.  Blocks that assert
# that something does NOT happen within an interval use intervals of 2 s
# or more and requests a few milliseconds apart; blocks that wait for an
# interval to pass sleep 0.1 s longer than it.
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config) with
#     its own access log (logs/idp.log, one line per call), serving
#       /NAME                files in html/idp/ (user_files, or PUT below)
#       /keys/NAME           the fixtures in t/keys
#       /max-age/N/NAME      html/idp/NAME with Cache-Control: max-age=N
#       /slow/SECS/PATH      PATH of this server after SECS seconds
#   - helper locations in the main server (config):
#       /idp-log             the IdP's access log: counts the IdP calls
#       /error-log           nginx's error log, for checks on request arrays
#       PUT /idp-admin/NAME  replaces html/idp/NAME (WebDAV): the IdP
#                            publishes another JWKS
#       /sleep?s=SECS        a non-blocking pause between two requests

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

master_on();
workers(2);
worker_connections(256);

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;

        location /keys/ { alias $TEST_NGINX_KEYS/; }
        location ~ ^/max-age/([0-9]+)/(.+)$ {
            add_header Cache-Control "max-age=$1";
            alias $TEST_NGINX_SERVER_ROOT/html/idp/$2;
        }
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

# A regex for the whole IdP access log: $n calls of $uri ($n may be "1,2").
sub idp_calls {
    my ($uri, $n) = @_;
    return "\\A(?:GET \Q$uri\E\\n){$n}\\z";
}

# A JWKS with some of the keys of t/keys/jwks.json, in this order.
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

# Tokens of the two keys of the rotation: A (rsa1, the old one) and B (rsa2).
sub tok_a { AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1") }
sub tok_b { AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2") }

# The same two tokens again and again (TESTs 5 and 6): after the first use,
# their verification comes from the zone's token cache (auth_token_cache_valid,
# on by default), which must stop vouching for A when A leaves the JWKS.
our ($A, $B) = (tok_a(), tok_b());

our $UNKNOWN = 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: two workers, twenty sequential requests: one IdP call
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
[("GET /api") x 20, "GET /idp-log"]
--- more_headers eval
[(map { AuthTokenTest::bearer(alg => $_) } (qw(RS256 ES256 ES384 EdDSA HS256)) x 4), ""]
--- error_code eval
[(200) x 21]
--- response_body_like eval
[("\\Aok\\n\\z") x 20, main::idp_calls("/keys/jwks.json", 1)]
--- no_error_log
[warn]
[error]



=== TEST 2: two workers, twenty concurrent requests at cold start (slow IdP): all wait for one fetch
/fanout makes 20 concurrent connections to a reuseport listener, so that
the kernel spreads them over both workers; each answers with its pid.
--- http_config
    auth_token_zone tokens:1m;
--- config eval
CORE::join "", "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n",
    "    location = /fanout {\n",
    (map { "        echo_location_async /fan/$_;\n" } 1 .. 20),
    "    }\n",
    q{
    location /fan/ { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/api/; }
    location /api/ {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "ok $pid";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/0.5/keys/jwks.json;
    }
}
--- request eval
["GET /fanout", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "ES256"), ""]
--- error_code eval
[200, 200]
--- response_body_like eval
[
    # 20 answers "ok PID", and two different pids among them
    qr/\A(?=(?:ok \d+\n){20}\z)ok (\d+)\n(?:ok \d+\n)*?ok (?!\1\n)\d+\n/,
    main::idp_calls("/slow/0.5/keys/jwks.json", 1),
]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 3: an unknown kid right after the first fetch: one early fetch at once (the first fetch does not count), and the new key validates
The IdP publishes rsa1, then rsa1 + rsa2. A token by rsa2 right after the
first fetch causes an early fetch (the scheduled and first fetches do not
count against the refetch interval) and is accepted; then ec256, still
unknown, waits for the next fetch allowed (2 s later), is refused after it,
and is refused at once afterwards (looked for in that document already).
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa1", "rsa2"),
    "GET /api",
    "GET /idp-log",
    "GET /api",
    "GET /api",
    "GET /api",
    "GET /idp-log",
    "GET /error-log",
]
--- more_headers eval
[
    main::tok_a(), "", main::tok_b(), "",
    AuthTokenTest::bearer(alg => "ES256"), AuthTokenTest::bearer(alg => "ES256"),
    main::tok_b(), "", "",
]
--- error_code eval
[200, 204, 200, 200, 401, 401, 200, 200, 200]
--- response_headers eval
["!WWW-Authenticate", "", "!WWW-Authenticate", "", $main::UNKNOWN, $main::UNKNOWN, "!WWW-Authenticate", "", ""]
--- response_body_like eval
[
    "\\Aok\\n\\z", "", "\\Aok\\n\\z", main::idp_calls("/jwks.json", 2),
    "401", "401", "\\Aok\\n\\z", main::idp_calls("/jwks.json", 3),
    qr/\A(?=(?s:.*)\[notice\] [^\n]*auth_token: JWKS "\/_jwks" loaded: 1 keys?, added "rsa1"[^\n]*\n(?s:.*)\[notice\] [^\n]*auth_token: JWKS "\/_jwks" changed: 2 keys, added "rsa2"(?:,| while|\n))(?:(?s:.*?)unknown kid, fetching JWKS "\/_jwks" early){2}(?!(?s:.*)unknown kid, fetching)/,
]
--- timeout: 6
--- no_error_log
[error]



=== TEST 4: a flood of forged kids (30 concurrent tokens, each with its own random kid, over two workers): all 401 "Unknown signing key", at most 2 IdP calls
Each forged token waits for the fetch that runs (or the next one allowed,
1 s later) and is refused after it; a valid token is then accepted. A count
of fetches per second: skipped under valgrind, where the fan-out alone
outlasts several refetch intervals.
--- skip_eval: 12: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
CORE::join "", "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n",
    "    location = /fanout {\n",
    (map { "        echo_location_async /fan/$_;\n" } 1 .. 30),
    "    }\n",
    (map { "    location = /fan/$_ {\n"
           . "        proxy_set_header Authorization \""
           . AuthTokenTest::bearer(alg => "RS256", kid => "forged-$_-" . int(rand(1e9)))
             =~ s/^Authorization: //r
           . "\";\n"
           . "        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2/api;\n"
           . "    }\n" } 1 .. 30),
    q{
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 1s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
}
--- request eval
["GET /api", "GET /fanout", "GET /api", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), "", AuthTokenTest::bearer(alg => "RS256"), ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z",
 qr/\A(?:(?s:<html>.*?<title>401 Authorization Required<\/title>.*?<\/html>\r?\n)){30}\z/,
 "\\Aok\\n\\z",
 main::idp_calls("/keys/jwks.json", "2,3")]
--- timeout: 6
--- no_error_log
[error]



=== TEST 4b: a forged kid just before a rotation, then genuine tokens with the new key: each waits for the next fetch allowed and is accepted (no 401)
As an IdP that signs with a new key the moment it publishes it (Logto
prepends the new key and signs with it at once): the forged kid used the
refetch interval's fetch, so the first token by the new key waits for the
next one (refetch interval 2 s, within auth_token_lock_timeout); the
tokens after it are verified with the keys it fetched.
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api", "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa2", "rsa1"),
    "GET /api", "GET /api", "GET /api", "GET /api",
    "GET /idp-log",
]
--- more_headers eval
[
    main::tok_a(), AuthTokenTest::bearer(alg => "RS256", kid => "unpublished"), "",
    main::tok_b(), main::tok_b(), main::tok_a(), main::tok_b(), "",
]
--- error_code eval
[200, 401, 204, 200, 200, 200, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z", "401", "", "\\Aok\\n\\z", "\\Aok\\n\\z", "\\Aok\\n\\z", "\\Aok\\n\\z",
 main::idp_calls("/jwks.json", 3)]
--- timeout: 6
--- no_error_log
[error]



=== TEST 4c: a rotation 1 s after a scheduled refresh: the first token by the new key causes a fetch at once (only unknown-kid fetches count against the interval)
Refresh 1 s, refetch interval 5 s (the default): the background refresh
never stops an unknown-kid fetch.
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 1s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api", "GET /sleep?s=1.1", "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa2", "rsa1"),
    "GET /api", "GET /idp-log",
]
--- more_headers eval
[main::tok_a(), "", main::tok_a(), "", main::tok_b(), ""]
--- error_code eval
[200, 200, 200, 204, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z", "slept", "\\Aok\\n\\z", "", "\\Aok\\n\\z",
 main::idp_calls("/jwks.json", 3)]
--- timeout: 5
--- no_error_log
[error]



=== TEST 5: a rotation under steady traffic: every token by a published key gets 200; the removed key stops after the refresh
A = rsa1, B = rsa2. Refresh 4 s, refetch interval 2 s.
  1. the IdP publishes A                      tokens by A: 200 (fetch 1)
  2. the IdP publishes A + B; 2.1 s later     the first token by B: 200 (early fetch 2)
                                              A and B: 200
  3. the IdP publishes B only                 A: still 200 until the refresh
  4. 4.1 s later                              B: 200 (starts the background refresh 3)
                                              A: 401 "Unknown signing key" (after
                                              early fetch 4: A could have come back),
                                              B: 200, A: 401 at once
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 4s;
        auth_token_jwks_refetch_interval 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api", "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa1", "rsa2"),
    "GET /api",
    "GET /sleep?s=2.1",
    "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa2"),
    "GET /api", "GET /api",
    "GET /sleep?s=4.1",
    "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
    "GET /idp-log",
    "GET /error-log",
]
--- more_headers eval
[
    $main::A, $main::A,
    "",
    $main::A,
    "",
    $main::B, $main::A, $main::B, $main::A, $main::B,
    "",
    $main::A, $main::B,
    "",
    $main::B, $main::A, $main::B, $main::A, $main::B,
    "",
    "",
]
--- error_code eval
[
    200, 200,
    204,
    200,
    200,
    200, 200, 200, 200, 200,
    204,
    200, 200,
    200,
    200, 401, 200, 401, 200,
    200,
    200,
]
--- response_headers eval
[
    ("") x 15, $main::UNKNOWN, "", $main::UNKNOWN, "", "", "",
]
--- response_body_like eval
[
    ("") x 19,
    main::idp_calls("/jwks.json", 4),
    qr/loaded: 1 keys?, added "rsa1"[^\n]*\n(?s:.*)changed: 2 keys, added "rsa2"(?:,| while|\n)(?s:.*)changed: 1 keys?, removed "rsa1"(?:,| while|\n)/,
]
--- timeout: 8
--- no_error_log
[error]



=== TEST 6: the request that starts a background refresh is served with the current keys; the next ones with the new
Refresh 2 s. The IdP replaces A by B; 2.1 s later a token by A still gets
200 (it starts the refresh and does not wait for it); after it A is refused
(after one early fetch: a key could come back) and B is accepted.
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
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
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa2"),
    "GET /sleep?s=2.1",
    "GET /api", "GET /api", "GET /api",
    "GET /idp-log",
    "GET /error-log",
]
--- more_headers eval
[$main::A, "", "", $main::A, $main::A, $main::B, "", ""]
--- error_code eval
[200, 204, 200, 200, 401, 200, 200, 200]
--- response_headers eval
["", "", "", "!WWW-Authenticate", $main::UNKNOWN, "!WWW-Authenticate", "", ""]
--- response_body_like eval
[
    "\\Aok\\n\\z", "", "slept", "\\Aok\\n\\z", "401", "\\Aok\\n\\z",
    main::idp_calls("/jwks.json", 3),
    qr/\[notice\] [^\n]*auth_token: JWKS "\/_jwks" changed: 1 keys?, added "rsa2", removed "rsa1"(?: while|\n)/,
]
--- no_error_log
[error]



=== TEST 7: a token with a new kid just when a refresh is due: 200, and one fetch serves both
Refresh 2 s, refetch interval 1 s. The IdP adds B; 2.1 s later the first
token by B both starts the background refresh and needs the new key.
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 2s;
        auth_token_jwks_refetch_interval 1s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa1", "rsa2"),
    "GET /sleep?s=2.1",
    "GET /api", "GET /api",
    "GET /idp-log",
]
--- more_headers eval
[main::tok_a(), "", "", main::tok_b(), main::tok_a(), ""]
--- error_code eval
[200, 204, 200, 200, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z", "", "slept", "\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/jwks.json", 2)]
--- timeout: 5
--- no_error_log
[error]



=== TEST 8: an unknown kid while the IdP is broken: 401 "Unknown signing key" (not 503), the last good keys stay in use
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api",
    "PUT /idp-admin/jwks.json\n{\"keys\":",
    "GET /sleep?s=2.1",
    "GET /api", "GET /api",
    "GET /idp-log",
    "GET /error-log",
]
--- more_headers eval
[main::tok_a(), "", "", main::tok_b(), main::tok_a(), "", ""]
--- error_code eval
[200, 204, 200, 401, 200, 200, 200]
--- response_headers eval
["", "", "", $main::UNKNOWN, "!WWW-Authenticate", "", ""]
--- response_body_like eval
[
    "\\Aok\\n\\z", "", "slept", "401", "\\Aok\\n\\z",
    main::idp_calls("/jwks.json", 2),
    qr/\[warn\] [^\n]*auth_token: JWKS "\/_jwks" fetch failed: [^;\n]+; keeping the last good keys, next attempt in 1 s/,
]
--- no_error_log
auth_token: 503



=== TEST 8b: during a JWKS outage the back-off applies to unknown-kid fetches too: none while backing off
The IdP breaks after the first fetch. Refresh 1 s: three refreshes in a
row fail (back-off 1, 2, then 4 s); the unknown kids in the next 2.2 s
make no fetch (refetch interval 1 s, but backing off), get 401 at once,
and the good token still gets 200 with the last good keys.
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 1s;
        auth_token_jwks_refetch_interval 1s;
        auth_token_lock_timeout 500ms;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api",
    "PUT /idp-admin/jwks.json\n{\"keys\":",
    "GET /sleep?s=1.1", "GET /api",
    "GET /sleep?s=1.1", "GET /api",
    "GET /sleep?s=2.1", "GET /api",
    "GET /api", "GET /sleep?s=1.1", "GET /api", "GET /sleep?s=1.1", "GET /api", "GET /api",
    "GET /idp-log",
]
--- more_headers eval
my @k = map { AuthTokenTest::bearer(alg => "RS256", kid => "new-$_") } 1 .. 3;
[main::tok_a(), "", "", main::tok_a(), "", main::tok_a(), "", main::tok_a(),
 $k[0], "", $k[1], "", $k[2], main::tok_a(), ""]
--- error_code eval
[200, 204, 200, 200, 200, 200, 200, 200, 401, 200, 401, 200, 401, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z", "", "slept", "\\Aok\\n\\z", "slept", "\\Aok\\n\\z", "slept", "\\Aok\\n\\z",
 "401", "slept", "401", "slept", "401", "\\Aok\\n\\z",
 main::idp_calls("/jwks.json", 4)]
--- timeout: 5
--- no_error_log
auth_token: 503



=== TEST 9: Cache-Control: max-age=2 from the IdP shortens the refresh (10m): one more IdP call after 2 s
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 10m;
        auth_token_jwks_refetch_interval 1s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/max-age/2/jwks.json;
    }
--- request eval
["GET /api", "GET /api", "GET /idp-log", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok_a(), main::tok_a(), "", "", main::tok_a(), main::tok_a(), ""]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
["\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/max-age/2/jwks.json", 1), "slept",
 "\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/max-age/2/jwks.json", 2)]
--- no_error_log
[warn]
[error]



=== TEST 10: Cache-Control: max-age=0 is raised to the refetch interval (2 s): no IdP call per request
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 2s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/max-age/0/jwks.json;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[(main::tok_a()) x 4, "", "", main::tok_a(), main::tok_a(), ""]
--- error_code eval
[(200) x 9]
--- response_body_like eval
[("\\Aok\\n\\z") x 4, main::idp_calls("/max-age/0/jwks.json", 1), "slept",
 "\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/max-age/0/jwks.json", 2)]
--- no_error_log
[warn]
[error]



=== TEST 11: a max-age longer than auth_token_jwks_refresh (2 s) does not lengthen it
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 2s;
        auth_token_jwks_refetch_interval 1s;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/max-age/600/jwks.json;
    }
--- request eval
["GET /api", "GET /api", "GET /idp-log", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok_a(), main::tok_a(), "", "", main::tok_a(), main::tok_a(), ""]
--- error_code eval
[(200) x 7]
--- response_body_like eval
["\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/max-age/600/jwks.json", 1), "slept",
 "\\Aok\\n\\z", "\\Aok\\n\\z", main::idp_calls("/max-age/600/jwks.json", 2)]
--- no_error_log
[warn]
[error]



=== TEST 12: an unchanged document at the refresh: logged at info, not as a change
--- log_level: info
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1", "rsa2")
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
["GET /api", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
[main::tok_a(), "", main::tok_b(), main::tok_a(), "", ""]
--- error_code eval
[(200) x 6]
--- response_body_like eval
[
    "\\Aok\\n\\z", "slept", "\\Aok\\n\\z", "\\Aok\\n\\z",
    main::idp_calls("/jwks.json", 2),
    qr/\A(?!(?s:.*)changed:)(?s:.*)loaded: 2 keys, added "rsa1" "rsa2"/,
]
--- no_error_log
[warn]
[error]



=== TEST 13: the request that starts the background refresh is refused (expired token): the refresh still happens
Refresh 2 s, refetch interval 5 s (default). The IdP adds B; 2.1 s later an
expired token starts the refresh and gets 401; B is then accepted without an
early fetch (which the refetch interval would not allow yet).
--- user_files eval
">>> idp/jwks.json\n" . main::jwks("rsa1")
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
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa1", "rsa2"),
    "GET /sleep?s=2.1",
    "GET /api", "GET /api",
    "GET /idp-log",
]
--- more_headers eval
[main::tok_a(), "", "", AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1", claims => { exp => time() - 60 }),
 main::tok_b(), ""]
--- error_code eval
[200, 204, 200, 401, 200, 200]
--- response_headers eval
["", "", "", 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"', "!WWW-Authenticate", ""]
--- response_body_like eval
["\\Aok\\n\\z", "", "slept", "401", "\\Aok\\n\\z", main::idp_calls("/jwks.json", 2)]
--- no_error_log
[error]
