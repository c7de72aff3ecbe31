# Introspection results in the shared zone (auth_token_zone), with a master
# and two workers: a token is introspected once and then answered from the
# cache ($auth_token_cache MISS, then HIT), by any worker; 1000 requests
# (sequential or concurrent) with one token make one IdP call; active
# answers are kept for auth_token_introspect_cache_valid but never past the
# token's exp, refusals for auth_token_introspect_cache_inactive; without a
# zone every request calls the IdP (BYPASS); endpoints with other client
# credentials, another format, another URI or another server never share
# entries; auth_token_introspect_stale_if_error serves an expired active
# answer while the IdP fails (STALE), within its window and never past exp;
# concurrent requests wait for one call (auth_token_lock_timeout bounds the
# wait) and share its outcome, also when the IdP fails (503, or the stale
# answer); a client that goes away during the call does not make the next
# request fail; a flood of refused tokens does not evict the answers for
# real ones, while the zone stays bounded (LRU), and a full zone is logged
# once (a warning at most once a minute), not per eviction.
#
# Time: ngx_time() has a one-second resolution, so a validity of N seconds
# may end anywhere in (N-1, N] seconds of real time.  Blocks that expect a
# HIT right after a MISS use validities of 2 s or more; blocks that wait for
# a validity to pass sleep 0.1 s longer than it.  "__EXP+N__" in http_config
# is replaced, just before the block runs, by the Unix time N seconds ahead
# (a short-lived token's exp, in the IdP's answer).
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config) that
#     logs each call to logs/idp.log ("URI body auth=Authorization"),
#     serving
#       /introspect        RFC 7662: the answer is chosen by the token in the
#                          form body (map $idp_answer); unknown tokens are
#                          {"active":false}
#       /status-api        status codes: the token chooses /st/CODE
#       /slow/SECS         /introspect after SECS seconds
#       /slowfail/SECS     a 500 after SECS seconds
#       /inactive          {"active":false} for every token
#       /breakslow         /introspect, or /slowfail/0.5 while html/idp/broken
#                          exists
#       /slowable          /slow/1, or /introspect while html/idp/fast exists
#       /breakable         /introspect, or a 500 (with no body read, so the
#                          log shows "-") while html/idp/broken exists
#   - helper locations in the main server (config):
#       /idp-log           the IdP's access log: counts the IdP calls
#       /error-log         nginx's error log (for request arrays)
#       PUT|DELETE /idp-admin/NAME   html/idp/NAME (WebDAV): breaks and
#                          repairs /breakable and /breakslow, speeds up
#                          /slowable
#       /sleep?s=SECS      a non-blocking pause between two requests

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

master_on();
workers(2);
worker_connections(4096);

our $IDP = <<'_EOC_';
    log_format idp '$request_uri $request_body auth=$http_authorization';

    map $request_body $idp_answer {
        ~^token=active1&            '{"active":true,"sub":"alice","scope":"read write","exp":2000000000}';
        ~^token=active2&            '{"active":true,"sub":"bob","scope":"read","exp":2000000000}';
        ~^token=noexp1&             '{"active":true,"sub":"carol"}';
        ~^token=short1&             '{"active":true,"sub":"sam","exp":__EXP+2__}';
        ~^token=short3&             '{"active":true,"sub":"sam3","exp":__EXP+3__}';
        ~^token=flood               '{"active":true,"sub":"flood"}';
        default                     '{"active":false}';
    }

    map $request_body $idp_status {
        ~^token=active1&            /st/200;
        ~^token=gone1&              /st/410;
        default                     /st/404;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        lingering_close off;    # log the call before the gateway sees the end of the answer
        # ... which is the connection's end (no length, no chunks), also where
        # proxy_pass keeps upstream connections alive (nginx 1.29.7 and later)
        chunked_transfer_encoding off;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;

        location = /introspect { echo_read_request_body; echo $idp_answer; }
        location = /status-api { echo_read_request_body; echo_exec $idp_status; }
        location = /st/200 { echo '{"sub":"alice","scope":"read write","exp":2000000000}'; }
        location = /st/410 { echo_status 410; echo '{"error":"revoked"}'; }
        location = /st/404 { echo_status 404; echo '{"error":"not found"}'; }
        location ~ ^/slow/([0-9.]+)$ { echo_read_request_body; echo_sleep $1; echo $idp_answer; }
        location ~ ^/slowfail/([0-9.]+)$ { echo_read_request_body; echo_sleep $1; echo_status 500; echo '{}'; }
        location = /inactive { echo_read_request_body; echo '{"active":false}'; }
        location = /breakslow {
            if (-f $document_root/broken) {
                rewrite ^ /slowfail/0.5 last;
            }
            echo_read_request_body;
            echo $idp_answer;
        }
        location = /slowable {
            if (-f $document_root/fast) {
                rewrite ^ /introspect last;
            }
            echo_read_request_body;
            echo_sleep 1;
            echo $idp_answer;
        }
        location = /breakable {
            if (-f $document_root/broken) {
                return 500;
            }
            echo_read_request_body;
            echo $idp_answer;
        }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location /idp-admin/ {
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT DELETE;
    }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    my $now = time();
    my $http = $IDP . ($block->http_config // '');
    $http =~ s/__EXP\+(\d+)__/$now + $1/ge;
    $block->set_value(http_config => $http);
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
    # html/idp must exist for the WebDAV PUT
    $block->set_value(user_files => ">>> idp/README\nfiles of the IdP\n" . ($block->user_files // ''));
});

# The IdP log line of one call (no client credentials unless given)
sub idp_line {
    my ($uri, $token, $auth) = @_;
    return "$uri token=$token&token_type_hint=access_token auth=" . ($auth // '-') . "\n";
}

sub idp_log {
    my ($uri, @tokens) = @_;
    return join '', map { idp_line($uri, $_) } @tokens;
}

# /fanout: $n requests to /api/N of this same server (each with the client's
# Authorization header), through a reuseport listener so that the kernel
# spreads them over both workers; concurrent ("async") or one after another
# ("sync").  Their bodies are concatenated in order.
sub fanout {
    my ($n, $mode) = @_;
    my $cmd = $mode eq 'sync' ? 'echo_location' : 'echo_location_async';
    return join '',
        "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n",
        "    location = /fanout {\n",
        (map { "        $cmd /fan/$_;\n" } 1 .. $n),
        "    }\n",
        "    location /fan/ { proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2/api/; }\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the second request with a token makes no IdP call: MISS, then HIT (refusals too); each token its own entry
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
[("GET /api") x 7, "GET /idp-log"]
--- more_headers eval
[(map { "Authorization: Bearer $_" } qw(active1 active1 active2 active2 active1 inactive1 inactive1)), ""]
--- error_code eval
[200, 200, 200, 200, 200, 401, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT",
 "X-Cache: MISS\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not active"',
 "X-Cache: HIT\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not active"',
 ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[bob\\]\\n\\z", "\\Asub=\\[bob\\]\\n\\z",
 "\\Asub=\\[alice\\]\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/,
 "\\A" . quotemeta(main::idp_log("/introspect", qw(active1 active2 inactive1))) . "\\z"]
--- no_error_log
[warn]
[error]



=== TEST 2: 1000 sequential requests with the same token: exactly one IdP call, all 200, MISS once then HIT
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(1000, "sync") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok $auth_token_claim_sub $auth_token_cache";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
}
--- request eval
["GET /fanout", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\Aok alice MISS\\n(?:ok alice HIT\\n){999}\\z",
 "\\A" . quotemeta(main::idp_line("/introspect", "active1")) . "\\z",
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])/s]
--- timeout: 20



=== TEST 3: 1000 concurrent requests with one new token (slow IdP), both workers: one IdP call, one MISS, 999 HIT
The 999 that find the call under way wait for it (parked) and then read the
cache: HIT.
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(1000, "async") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok $auth_token_claim_sub $auth_token_cache $pid";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/0.5;
    }
}
--- request eval
["GET /fanout", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[
    # 1000 answers, exactly one MISS, and two different pids among them
    qr/\A(?=(?:ok alice (?:HIT|MISS) \d+\n){1000}\z)(?=(?:ok alice HIT \d+\n)*ok alice MISS \d+\n(?:ok alice HIT \d+\n)*\z)(?=.*?ok alice \w+ (\d+)\n.*?ok alice \w+ (?!\1\n)\d+\n)/s,
    "\\A" . quotemeta(main::idp_line("/slow/0.5", "active1")) . "\\z",
    qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])/s,
]
--- timeout: 20



=== TEST 4: concurrent requests with different new tokens: one IdP call per token
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(20, "async") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok $auth_token_claim_sub $auth_token_cache";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/0.3;
    }
}
--- request eval
["GET /fanout", "GET /fanout", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer active2", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/\A(?=(?:ok alice (?:HIT|MISS)\n){20}\z)(?:ok alice HIT\n)*ok alice MISS\n(?:ok alice HIT\n)*\z/,
 qr/\A(?=(?:ok bob (?:HIT|MISS)\n){20}\z)(?:ok bob HIT\n)*ok bob MISS\n(?:ok bob HIT\n)*\z/,
 "\\A" . quotemeta(main::idp_log("/slow/0.3", qw(active1 active2))) . "\\z"]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 5: auth_token_lock_timeout: requests that wait longer than it for another's call make their own (all 200)
The IdP takes 3 s; the first request makes the call, the 4 others give up
after 1 s and call on their own: 5 calls.
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(5, "async") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_lock_timeout 1s;
        echo "ok $auth_token_claim_sub";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/3;
    }
}
--- request eval
["GET /fanout", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\A(?:ok alice\\n){5}\\z",
 "\\A" . quotemeta(main::idp_log("/slow/3", ("active1") x 5)) . "\\z",
 qr/\[warn\] .*auth_token: gave up waiting for another introspection call after 1000 ms/]
--- timeout: 8



=== TEST 6: concurrent requests while the IdP fails: one IdP call, and every one of them gets the 503
Five concurrent requests with one new token; the IdP answers 500 after
0.5 s. The four that wait for the call must share its outcome, not make
one call after the other (which takes 5 x 0.5 s for the last one, or, with
a slow IdP, ends in all of them calling at once after lock_timeout).
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(5, "async") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        error_page 503 /unavailable;
        echo "ok $auth_token_claim_sub";
    }
    location = /unavailable { internal; echo "unavailable"; }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slowfail/0.5;
    }
}
--- request eval
["GET /fanout", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\A(?:unavailable\\n){5}\\z",
 "\\A" . quotemeta(main::idp_line("/slowfail/0.5", "active1")) . "\\z",
 qr/\[error\] .*auth_token: introspection failed: unexpected HTTP status \(HTTP status 500\)/]
--- timeout: 8



=== TEST 7: concurrent requests while the IdP fails, with stale-if-error: one IdP call, all served the stale answer
The answer for active1 is cached (valid 1 s, stale for 60 s); the IdP then
fails slowly (500 after 0.5 s). Five concurrent requests after the answer
expired: one call, and all five get the stale answer.
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(5, "async") . q{
    location /api/ {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 1s;
        auth_token_introspect_stale_if_error 60s;
        echo "ok $auth_token_claim_sub $auth_token_cache";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakslow;
    }
}
--- request eval
["GET /api/0", "PUT /idp-admin/broken\nbroken", "GET /sleep?s=1.1", "GET /fanout", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", "", "", "Authorization: Bearer active1", ""]
--- error_code eval
[200, 201, 200, 200, 200]
--- response_body_like eval
["\\Aok alice MISS\\n\\z", "", qr/slept/,
 "\\A(?:ok alice STALE\\n){5}\\z",
 "\\A" . quotemeta(main::idp_line("/breakslow", "active1") . main::idp_line("/breakslow", "active1")) . "\\z"]
--- timeout: 8



=== TEST 8: a client that goes away during the call does not make the next request with that token fail
The first client gives up after 0.3 s while the IdP takes 1 s; the IdP is
then fast again, and the next request with the same token, at once, must
be answered by a new call (MISS, 200), not by a failure recorded because
the first client went away.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slowable;
    }
--- request eval
["GET /api", "PUT /idp-admin/fast\nfast", "GET /api"]
--- more_headers eval
["Authorization: Bearer active1", "", "Authorization: Bearer active1"]
--- error_code eval
["", 201, 200]
--- response_headers eval
["", "", "X-Cache: MISS"]
--- response_body_like eval
["", "", "\\Asub=\\[alice\\]\\n\\z"]
--- timeout: 0.3
--- abort



=== TEST 9: auth_token_introspect_cache_valid and _cache_inactive: active answers kept for one, refusals (inactive, revoked) for the other
/api: active answers 60 s, refusals 2 s; /short: active answers 2 s (its
own endpoint URI, so its own entries); /status: format=status, 410 kept
2 s. After 2.1 s the active answer of /api is still used, the others are
asked again (EXPIRED).
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 60s;
        auth_token_introspect_cache_inactive 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /short {
        auth_token "api";
        auth_token_introspect_request /_introspect_short;
        auth_token_introspect_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /status {
        auth_token "api";
        auth_token_introspect_request /_introspect_status format=status;
        auth_token_introspect_cache_inactive 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /_introspect_short {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect?short;
    }
    location = /_introspect_status {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status-api;
    }
--- request eval
[
    "GET /api", "GET /api", "GET /short", "GET /status",
    "GET /api", "GET /api", "GET /short", "GET /status",
    "GET /sleep?s=2.1",
    "GET /api", "GET /api", "GET /short", "GET /status",
    "GET /api", "GET /api", "GET /short", "GET /status",
    "GET /idp-log",
]
--- more_headers eval
[
    (map { "Authorization: Bearer $_" } qw(active1 inactive1 active2 gone1)) x 2,
    "",
    (map { "Authorization: Bearer $_" } qw(active1 inactive1 active2 gone1)) x 2,
    "",
]
--- error_code eval
[(200, 401, 200, 401) x 2, 200, (200, 401, 200, 401) x 2, 200]
--- response_headers eval
[
    "X-Cache: MISS", "X-Cache: MISS", "X-Cache: MISS", "X-Cache: MISS\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token has been revoked"',
    "X-Cache: HIT", "X-Cache: HIT", "X-Cache: HIT", "X-Cache: HIT\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token has been revoked"',
    "",
    "X-Cache: HIT", "X-Cache: EXPIRED", "X-Cache: EXPIRED", "X-Cache: EXPIRED",
    "X-Cache: HIT", "X-Cache: HIT", "X-Cache: HIT", "X-Cache: HIT",
    "",
]
--- response_body_like eval
[
    ("\\Asub=\\[alice\\]\\n\\z", qr/401 Authorization Required/, "\\Asub=\\[bob\\]\\n\\z", qr/401 Authorization Required/) x 2,
    qr/slept/,
    ("\\Asub=\\[alice\\]\\n\\z", qr/401 Authorization Required/, "\\Asub=\\[bob\\]\\n\\z", qr/401 Authorization Required/) x 2,
    "\\A" . quotemeta(main::idp_log("/introspect", "active1", "inactive1")
                      . main::idp_log("/introspect?short", "active2")
                      . main::idp_log("/status-api", "gone1")
                      . main::idp_log("/introspect", "inactive1")
                      . main::idp_log("/introspect?short", "active2")
                      . main::idp_log("/status-api", "gone1")) . "\\z",
]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 10: an active answer is never used past the token's exp (cache_valid 60s, exp in 2 s)
After the exp the IdP is asked again (EXPIRED); its answer carries the
past exp, so the token is refused as expired (leeway 0).
# timing only: under valgrind nginx is too slow for a 2 s exp
--- skip_eval: 20: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 60s;
        auth_token_leeway 0s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer short1", "Authorization: Bearer short1", "Authorization: Bearer active1", "",
 "Authorization: Bearer short1", "Authorization: Bearer active1", ""]
--- error_code eval
[200, 200, 200, 200, 401, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "",
 "X-Cache: EXPIRED\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"',
 "X-Cache: HIT", ""]
--- response_body_like eval
["\\Asub=\\[sam\\]\\n\\z", "\\Asub=\\[sam\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", qr/slept/,
 qr/401 Authorization Required/, "\\Asub=\\[alice\\]\\n\\z",
 "\\A" . quotemeta(main::idp_log("/introspect", qw(short1 active1 short1))) . "\\z"]
--- timeout: 5



=== TEST 11: an answer without exp is kept for cache_valid
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer noexp1", "Authorization: Bearer noexp1", "", "Authorization: Bearer noexp1",
 "Authorization: Bearer noexp1", ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "", "X-Cache: EXPIRED", "X-Cache: HIT", ""]
--- response_body_like eval
["\\Asub=\\[carol\\]\\n\\z", "\\Asub=\\[carol\\]\\n\\z", qr/slept/, "\\Asub=\\[carol\\]\\n\\z",
 "\\Asub=\\[carol\\]\\n\\z",
 "\\A" . quotemeta(main::idp_log("/introspect", qw(noexp1 noexp1))) . "\\z"]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 12: without auth_token_zone every request calls the IdP: BYPASS
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[(map { "Authorization: Bearer $_" } qw(active1 active1 active1 inactive1 inactive1)), ""]
--- error_code eval
[200, 200, 200, 401, 401, 200]
--- response_headers eval
["X-Cache: BYPASS", "X-Cache: BYPASS", "X-Cache: BYPASS", "X-Cache: BYPASS", "X-Cache: BYPASS", ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z",
 qr/401 Authorization Required/, qr/401 Authorization Required/,
 "\\A" . quotemeta(main::idp_log("/introspect", qw(active1 active1 active1 inactive1 inactive1))) . "\\z"]
--- no_error_log
[warn]
[error]



=== TEST 13: no shared entries between other client credentials, another format, another endpoint URI or another server
/a and /a2: the same endpoint and credentials (shared); /b: other
credentials; /c: another format; /d: another URI (same IdP); /other: the
same location in another server (server_name other).
--- http_config
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        server_name other;

        location /a {
            auth_token "api";
            auth_token_introspect_request /_introspect;
            auth_token_introspect_client_id gw1;
            auth_token_introspect_client_secret one;
            add_header X-Cache $auth_token_cache always;
            echo "other $auth_token_claim_sub";
        }
        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
        }
    }
--- config
    location /a {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_client_id gw1;
        auth_token_introspect_client_secret one;
        add_header X-Cache $auth_token_cache always;
        echo "a $auth_token_claim_sub";
    }
    location /a2 {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_client_id gw1;
        auth_token_introspect_client_secret one;
        add_header X-Cache $auth_token_cache always;
        echo "a2 $auth_token_claim_sub";
    }
    location /b {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_client_id gw2;
        auth_token_introspect_client_secret one;
        add_header X-Cache $auth_token_cache always;
        echo "b $auth_token_claim_sub";
    }
    location /c {
        auth_token "api";
        auth_token_introspect_request /_introspect format=status;
        auth_token_introspect_client_id gw1;
        auth_token_introspect_client_secret one;
        add_header X-Cache $auth_token_cache always;
        echo "c $auth_token_claim_sub";
    }
    location /d {
        auth_token "api";
        auth_token_introspect_request /_introspect_d;
        auth_token_introspect_client_id gw1;
        auth_token_introspect_client_secret one;
        add_header X-Cache $auth_token_cache always;
        echo "d $auth_token_claim_sub";
    }
    location /other {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/a;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /_introspect_d {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /a", "GET /a2", "GET /b", "GET /c", "GET /d", "GET /other",
 "GET /a", "GET /a2", "GET /b", "GET /c", "GET /d", "GET /other", "GET /idp-log"]
--- more_headers eval
[("Authorization: Bearer active1") x 12, ""]
--- error_code eval
[(200) x 13]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: MISS", "X-Cache: MISS", "X-Cache: MISS",
 ("X-Cache: HIT") x 6, ""]
--- response_body eval
[("a alice\n", "a2 alice\n", "b alice\n", "c alice\n", "d alice\n", "other alice\n") x 2,
 main::idp_line("/introspect", "active1", "Basic Z3cxOm9uZQ==")
 . main::idp_line("/introspect", "active1", "Basic Z3cyOm9uZQ==")
 . main::idp_line("/introspect", "active1", "Basic Z3cxOm9uZQ==")
 . main::idp_line("/introspect", "active1", "Basic Z3cxOm9uZQ==")
 . main::idp_line("/introspect", "active1", "Basic Z3cxOm9uZQ==")]
--- no_error_log
[warn]
[error]



=== TEST 14: two servers without server_name, each with its own IdP behind the same internal URI, share no entries
Server A's IdP says the token is active, server B's (the same location
names, another upstream) says it is not: B must ask its own IdP and refuse
the token, whatever A's IdP said before. Both servers are reached through
the test server (/tenant-a, /tenant-b).
--- http_config
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;

        location /api {
            auth_token "api";
            auth_token_introspect_request /_introspect;
            add_header X-Cache $auth_token_cache always;
            echo "A $auth_token_claim_sub";
        }
        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_4;

        location /api {
            auth_token "api";
            auth_token_introspect_request /_introspect;
            add_header X-Cache $auth_token_cache always;
            echo "B $auth_token_claim_sub";
        }
        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/inactive;
        }
    }
--- config
    location /tenant-a { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/api; }
    location /tenant-b { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_4/api; }
--- request eval
["GET /tenant-a", "GET /tenant-b", "GET /tenant-b", "GET /tenant-a", "GET /idp-log"]
--- more_headers eval
[("Authorization: Bearer active1") x 4, ""]
--- error_code eval
[200, 401, 401, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT", ""]
--- response_body_like eval
["\\AA alice\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/, "\\AA alice\\n\\z",
 "\\A" . quotemeta(main::idp_line("/introspect", "active1") . main::idp_line("/inactive", "active1")) . "\\z"]



=== TEST 15: stale-if-error: while the IdP fails, an expired active answer is served (STALE); without it 503
/api: cache_valid 2s, stale_if_error 60s; /nostale: cache_valid 2s, no
stale (its own endpoint URI). The IdP breaks after the first two calls;
a fresh answer is still used without asking it (HIT); after 2.1 s /api
serves the stale answer, /nostale and a token never seen fail (503). Once
repaired and the failure's one-second memory has passed, the IdP is asked
again (EXPIRED) and the answer is fresh.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 2s;
        auth_token_introspect_stale_if_error 60s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /nostale {
        auth_token "api";
        auth_token_introspect_request /_introspect2;
        auth_token_introspect_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakable;
    }
    location = /_introspect2 {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakable?2;
    }
--- request eval
[
    "GET /api", "GET /nostale",
    "PUT /idp-admin/broken\nbroken",
    "GET /api",
    "GET /sleep?s=2.1",
    "GET /api", "GET /nostale", "GET /api",
    "DELETE /idp-admin/broken",
    "GET /sleep?s=1.1",
    "GET /api", "GET /api",
    "GET /idp-log", "GET /error-log",
]
--- more_headers eval
[
    "Authorization: Bearer active1", "Authorization: Bearer active1",
    "",
    "Authorization: Bearer active1",
    "",
    "Authorization: Bearer active1", "Authorization: Bearer active1", "Authorization: Bearer active2",
    "", "",
    "Authorization: Bearer active1", "Authorization: Bearer active1",
    "", "",
]
--- error_code eval
[200, 200, 201, 200, 200, 200, 503, 503, 204, 200, 200, 200, 200, 200]
--- response_headers eval
[
    "X-Cache: MISS", "X-Cache: MISS", "", "X-Cache: HIT", "",
    "X-Cache: STALE\n!WWW-Authenticate", "X-Cache: EXPIRED\n!WWW-Authenticate", "X-Cache: MISS\n!WWW-Authenticate",
    "", "", "X-Cache: EXPIRED", "X-Cache: HIT", "", "",
]
--- response_body_like eval
[
    "\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", "", "\\Asub=\\[alice\\]\\n\\z", qr/slept/,
    "\\Asub=\\[alice\\]\\n\\z", qr/503 Service/, qr/503 Service/,
    "", qr/slept/, "\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z",
    "\\A" . quotemeta(main::idp_log("/breakable", "active1") . main::idp_log("/breakable?2", "active1")
                      . "/breakable - auth=-\n/breakable?2 - auth=-\n/breakable - auth=-\n"
                      . main::idp_log("/breakable", "active1")) . "\\z",
    qr/(?:\[error\] [^\n]*auth_token: introspection failed: unexpected HTTP status \(HTTP status 500\)(?s:.*)){3}/,
]
--- timeout: 5



=== TEST 16: stale-if-error: never past its window, never past the token's exp
/a: cache_valid 1s, stale_if_error 60s, leeway 60s (so a stale answer past
exp would even pass the exp check): active1 is served stale, short3 (exp in
3 s) is not once its exp has passed. /b: cache_valid 1s, stale_if_error 1s:
after 3.1 s its answer is too old.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 1s;
        auth_token_introspect_stale_if_error 60s;
        auth_token_leeway 60s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /b {
        auth_token "api";
        auth_token_introspect_request /_introspect_b;
        auth_token_introspect_cache_valid 1s;
        auth_token_introspect_stale_if_error 1s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakable;
    }
    location = /_introspect_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakable?b;
    }
--- request eval
[
    "GET /a", "GET /a", "GET /b",
    "PUT /idp-admin/broken\nbroken",
    "GET /sleep?s=3.1",
    "GET /a", "GET /a", "GET /b",
]
--- more_headers eval
[
    "Authorization: Bearer active1", "Authorization: Bearer short3", "Authorization: Bearer active1",
    "", "",
    "Authorization: Bearer active1", "Authorization: Bearer short3", "Authorization: Bearer active1",
]
--- error_code eval
[200, 200, 200, 201, 200, 200, 503, 503]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS", "X-Cache: MISS", "", "",
 "X-Cache: STALE", "X-Cache: EXPIRED\n!WWW-Authenticate", "X-Cache: EXPIRED\n!WWW-Authenticate"]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[sam3\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", "", qr/slept/,
 "\\Asub=\\[alice\\]\\n\\z", qr/503 Service/, qr/503 Service/]
--- timeout: 6



=== TEST 17: a flood of refused tokens does not evict the answer for a real one (refusals go to the cold end)
400 different inactive tokens (garbage-1 ... garbage-400) through a 32k
zone, which holds far fewer entries (TEST 18); the active answer cached
before them is still there after.
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;

    map $uri $flood_token {
        ~^/api/(\d+)$   garbage-$1;
        default         "";
    }
--- config eval
main::fanout(400, "sync") . q{
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /api/ {
        auth_token "api" token=$flood_token;
        auth_token_introspect_request /_introspect;
        error_page 401 /refused;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /refused { internal; echo "refused"; }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
}
--- request eval
["GET /api", "GET /fanout", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", "Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "", "X-Cache: HIT", "", ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\A(?:refused\\n){400}\\z", "\\Asub=\\[alice\\]\\n\\z",
 "\\A" . quotemeta(main::idp_line("/introspect", "active1"))
 . CORE::join('', map { quotemeta(main::idp_line("/introspect", "garbage-$_")) } 1 .. 400) . "\\z",
 # the garbage evicted garbage: one warning (at most one per minute)
 qr/\A(?!.*\[(?:error|crit|alert|emerg)\])(?!.*is full.*is full)(?=.*\[warn\][^\n]*zone "tokens" is full: [1-9]\d* least recently used entries evicted since start\n)/s]
--- timeout: 10



=== TEST 18: the zone is bounded: a flood of 400 active tokens evicts the oldest answer (LRU)
The control for TEST 17: the same zone, the same flood, but of active
tokens (flood-1 ... flood-400): the first answer is gone, the IdP is asked
again (MISS).
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;

    map $uri $flood_token {
        ~^/api/(\d+)$   flood-$1;
        default         "";
    }
--- config eval
main::fanout(400, "sync") . q{
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /api/ {
        auth_token "api" token=$flood_token;
        auth_token_introspect_request /_introspect;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
}
--- request eval
["GET /api", "GET /fanout", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "", "Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "", "X-Cache: MISS", "", ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\A(?:flood MISS\\n){400}\\z", "\\Asub=\\[alice\\]\\n\\z",
 "\\A" . quotemeta(main::idp_line("/introspect", "active1"))
 . CORE::join('', map { quotemeta(main::idp_line("/introspect", "flood-$_")) } 1 .. 400)
 . quotemeta(main::idp_line("/introspect", "active1")) . "\\z",
 # hundreds of evictions, one warning (at most one per minute)
 qr/\A(?!.*\[(?:error|crit|alert|emerg)\])(?!.*is full.*is full)(?=.*\[warn\][^\n]*zone "tokens" is full: [1-9]\d* least recently used entries evicted since start\n)/s]
--- timeout: 10
