# Identity provider faults, for each of the three remote calls (remote
# JWKS fetch at cold start, introspection, reissue): connection refused,
# timeout, 500, 502 with an HTML body, 200 with truncated JSON, 200 with
# garbage (binary, not JSON), 200 with a 10 MB body (valid JSON that would
# be accepted but for its size), a slow drip, a stall in the middle of the
# body, a connection cut in the middle of the body, a redirect (302 to the
# healthy endpoint: it must not be followed), an X-Accel-Redirect from the
# IdP, and a refused connection under a server-level error_page; then a
# few faults met by a background refresh of a remote JWKS (TEST 40-43).
# Each block checks the answer the client gets while the IdP is broken
# (status, no WWW-Authenticate, $auth_token_status), the error-log lines,
# and that the worker stays healthy: once the IdP is back, the same token
# gets 200 (and the next request is served from the zone: two IdP calls in
# all), and no worker crashed (master_on: a crash would log "exited on
# signal").
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config) with
#     its own access log (logs/idp.log, "METHOD URI" per call), serving
#       /sw/FAULT/CALL     while html/idp/broken exists, /fault/FAULT/CALL;
#                          otherwise /ok/CALL (CALL: jwks, introspect,
#                          exchange); each block starts broken (user_files)
#       /ok/CALL           a good answer: a JWKS with the key rsa1, an
#                          active introspection answer for any token, a
#                          new token
#       /fault/FAULT/CALL  the fault, with CALL's good answer wherever a
#                          body is sent (so that only the fault can fail it)
#   - helper locations in the main server (config):
#       /idp-log           the IdP's access log: counts the IdP calls
#       /error-log         nginx's error log (--- error_log is checked after
#                          every request of an array, so the blocks read the
#                          log with a last request instead)
#       DELETE /idp-admin/broken   repairs the IdP (WebDAV)
#       /sleep?s=SECS      a non-blocking pause between two requests
#       /health            "alive"
#   - config from main::gateway(CALL, FAULT): /api checks the token with
#     CALL through the internal location /_idp, which proxies to
#     /sw/FAULT/CALL (HTTP/1.1, so that a cut answer can be told from a
#     complete one; proxy_read_timeout 1s).  For "refused", /_idp proxies
#     straight to /ok/CALL, at $TEST_NGINX_RAND_PORT_2 (nobody listens
#     there) while html/idp/broken exists.  /api adds X-Status
#     ($auth_token_status) and X-Time ($request_time).
#
# TEST 1-39 run: GET /api (the fault), DELETE /idp-admin/broken, GET
# /sleep?s=1.1, GET /api twice (200), GET /idp-log, GET /error-log.
# TEST 40-43 (auth_token_jwks_refresh 1s) load the keys from the repaired
# IdP, break it, let the keys age, and check that the request that starts
# the (failing) background refresh and the next one are served with the
# last good keys, and that the refresh after the repair works.
#
# Time: ngx_time() has a one-second resolution.  After a failure a remote
# JWKS is not fetched again for 1 s (backoff), and a failed introspection or
# reissue call is remembered for 1 s (requests right after it share the
# failure), so the blocks sleep 1.1 s, 0.1 s longer than that, before the
# IdP is asked again.  The timeout IdP sleeps 2 s (timeout 1 s: the client
# must be answered in under 1.9 s); the drip sends a byte every 0.35 s for
# 2.1 s (each gap under the timeout, the whole answer over it); the stall
# sends half of the answer, then nothing for 2 s; the cut sends half of the
# answer, then closes the connection (the IdP proxies to its own
# half-answer with a 0.3 s read timeout).  The IdP's late answers end (and
# are logged) before the 1.1 s sleep that follows the 1 s timeout does:
# one worker, timers in order.
#
# Findings (see the blocks):
#   - the slow drip is accepted (200 after 2.1 s): proxy_read_timeout bounds
#     the time between two reads, not the call, and the module sets no
#     deadline of its own;
#   - the reissue logs the same reasons as introspection: "answer too
#     large", "not valid JSON", "answer is not a JSON object";
#   - when the IdP subrequest is redirected inside nginx (an error_page
#     for the 502 of a refused connection, common at server level, or an
#     X-Accel-Redirect header from the IdP), the answer is never used: the
#     call fails (HTTP status 502, "the identity provider's answer was
#     redirected"), nothing of the redirected body reaches the client
#     (TEST 12, 13, 25, 26, 38, 39), and a background refresh that is
#     redirected does not hold the client's connection (TEST 42, 43).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

master_on();
workers(1);
log_level('info');

# the good answer of each call, as the IdP sends it
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

our %GOOD = (
    jwks       => JSON::PP->new->canonical->encode({ keys => [$KEY{rsa1}] }),
    introspect => '{"active":true,"sub":"alice","scope":"read","exp":2000000000}',
    exchange   => '{"access_token":"downstream-ok","token_type":"Bearer","expires_in":600}',
);

# the client's token for each call (the reissue location verifies JWTs
# with t/keys/jwks.json first)
our %TOKEN = (
    jwks       => AuthTokenTest::bearer(alg => 'RS256'),
    introspect => 'Authorization: Bearer opaque-token-1',
    exchange   => AuthTokenTest::bearer(alg => 'ES256', claims => { exp => 4102444800 }),
);

# binary garbage: NUL bytes, invalid UTF-8, a gzip magic number
our $GARBAGE = "\x00\xff\xfe\x1f\x8b garbage\r\n"
    . join('', map { chr(($_ * 37 + 11) % 256) } 0 .. 1023) . "\n";

our $HTML502 = '<html><head><title>502 Bad Gateway</title></head>'
    . '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

# the IdP's locations for one call
sub idp_call {
    my $call = shift;
    my $good = $GOOD{$call};
    my $half = substr($good, 0, length($good) / 2);
    my $rest = substr($good, length($good) / 2);
    my $inner = substr($good, 1);    # $good is "{" . $inner
    my $drip = join '', map { "echo -n ' '; echo_flush; echo_sleep 0.35;\n            " } 1 .. 5;

    return <<"_EOC_";

        location = /ok/$call { echo_read_request_body; echo '$good'; }
        location = /fault/500/$call { echo_read_request_body; echo_status 500; echo '$good'; }
        location = /fault/502html/$call {
            echo_read_request_body;
            default_type text/html;
            echo_status 502;
            echo '$HTML502';
        }
        location = /fault/truncated/$call { echo_read_request_body; echo -n '$half'; }
        location = /fault/garbage/$call { echo_read_request_body; echo_location /files/garbage.bin; }
        location = /fault/huge/$call {
            echo_read_request_body;
            echo -n '{';
            echo_duplicate 10485760 ' ';
            echo '$inner';
        }
        location = /fault/slow/$call { echo_read_request_body; echo_sleep 2; echo '$good'; }
        location = /fault/drip/$call {
            echo_read_request_body;
            echo -n '{'; echo_flush; echo_sleep 0.35;
            $drip
            echo '$inner';
        }
        location = /fault/stall/$call {
            echo_read_request_body;
            echo -n '$half'; echo_flush;
            echo_sleep 2;
            echo '$rest';
        }
        location = /fault/cut/$call {
            proxy_http_version 1.1;
            proxy_read_timeout 300ms;
            proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/fault/cutsrc/$call;
        }
        location = /fault/cutsrc/$call {
            echo_read_request_body;
            echo -n '$half'; echo_flush;
            echo_sleep 0.5;
            echo '$rest';
        }
        location = /fault/redirect/$call {
            return 302 http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/ok/$call;
        }
        location = /fault/accel/$call {
            echo_read_request_body;
            add_header X-Accel-Redirect /health;
            echo '$good';
        }
_EOC_
}

our $IDP = <<'_EOC_' . idp_call('jwks') . idp_call('introspect') . idp_call('exchange') . "    }\n";
    log_format idp '$request_method $request_uri';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;
        default_type application/json;

        location ~ ^/sw/(?<fault>[a-z0-9]+)/(?<call>[a-z]+)$ {
            if (-f $document_root/broken) {
                rewrite ^ /fault/$fault/$call last;
            }
            rewrite ^ /ok/$call last;
        }
        location /files/ { alias $TEST_NGINX_SERVER_ROOT/html/idp/; }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location /idp-admin/ {
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT DELETE;
    }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
    location = /health { echo "alive"; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . "\n    auth_token_zone tokens:1m;\n"
                                    . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
    # the IdP starts broken
    $block->set_value(user_files => ">>> idp/broken\nbroken\n>>> idp/garbage.bin\n$GARBAGE"
                                    . ($block->user_files // ''));
});

# the gateway: /api checks tokens with one call, /_idp goes to the IdP;
# $extra goes into the server, $api into /api
sub gateway {
    my ($call, $fault, $extra, $api) = @_;
    my %check = (
        jwks       => "auth_token_jwks_request /_idp;",
        introspect => "auth_token_introspect_request /_idp;",
        exchange   => "auth_token_jwks_file \$TEST_NGINX_KEYS/jwks.json;\n"
                    . "        auth_token_reissue_request /_idp;\n"
                    . "        auth_token_reissue_param audience orders;",
    );
    my $target = "proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/sw/$fault/$call;";
    if ($fault eq 'refused') {
        $target = <<"_EOC_";
set \$idp_port \$TEST_NGINX_RAND_PORT_1;
        if (-f \$TEST_NGINX_SERVER_ROOT/html/idp/broken) {
            set \$idp_port \$TEST_NGINX_RAND_PORT_2;
        }
        proxy_pass http://127.0.0.1:\$idp_port/ok/$call;
_EOC_
    }
    return ($extra // '') . <<"_EOC_";
    location /api {
        auth_token "api";
        $check{$call}${\ ($api // '')}
        add_header X-Status \$auth_token_status always;
        add_header X-Time \$request_time always;
        echo "ok \$auth_token_status \$auth_token_claim_sub \$auth_token_reissued";
    }
    location = /_idp {
        internal;
        proxy_http_version 1.1;
        proxy_connect_timeout 1s;
        proxy_read_timeout 1s;
        $target
    }
_EOC_
}

our %STATUS = (jwks => 'keys_unavailable', introspect => 'introspection_failed',
               exchange => 'reissue_failed');

our %OK_BODY = (
    jwks       => "ok valid user-42 \n",
    introspect => "ok valid alice \n",
    exchange   => "ok valid user-42 downstream-ok\n",
);

our %METHOD = (jwks => 'GET', introspect => 'POST', exchange => 'POST');

our $PAGE503 = qr/\A<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/;

sub requests {
    return ["GET /api", "DELETE /idp-admin/broken", "GET /sleep?s=1.1", "GET /api", "GET /api",
            "GET /idp-log", "GET /error-log"];
}

sub more_headers {
    my $call = shift;
    return [$TOKEN{$call}, "", "", $TOKEN{$call}, $TOKEN{$call}, "", ""];
}

# the answer while the IdP is broken, then the recovery
sub codes { return [shift, 204, 200, 200, 200, 200, 200] }

sub headers {
    my ($call, $first) = @_;
    $first //= "!WWW-Authenticate\nX-Status: $STATUS{$call}";
    return [$first, "", "", "X-Status: valid\n!WWW-Authenticate", "X-Status: valid", "", ""];
}

# the time the first request took (X-Time), as a regex on its raw headers
# (not checked under valgrind, which makes everything slower)
sub took {
    my $re = shift;
    return ["", "", "", "", "", "", ""] if $ENV{TEST_NGINX_USE_VALGRIND};
    return ["(?m)^X-Time: $re\\r\$", "", "", "", "", "", ""];
}

# the redirect blocks: nothing before the status line of the first answer
sub status_line_first { return ["\\AHTTP/1\\.1 503 ", "", "", "", "", "", ""] }

# bodies: the first answer (by default nginx's 503 page), then the recovery;
# the IdP log has exactly the calls given (default: the failed one and the
# good one, the second /api being served from the zone), the error log
# matches $log
sub bodies {
    my ($call, $fault, $log, %o) = @_;
    my @calls = $o{calls} ? @{ $o{calls} }
              : $fault eq 'refused' ? ("/ok/$call")
              : ("/sw/$fault/$call") x 2;
    return [
        $o{first} // $PAGE503,
        "\\A\\z", "slept",
        "\\A" . quotemeta($OK_BODY{$call}) . "\\z",
        "\\A" . quotemeta($OK_BODY{$call}) . "\\z",
        "\\A" . quotemeta(join '', map { "$METHOD{$call} $_\n" } @calls) . "\\z",
        $log,
    ];
}

# background refreshes of a remote JWKS (auth_token_jwks_refresh 1s): the
# keys are loaded while the IdP is healthy, the IdP breaks, the refresh
# fails in the background (the clients are served with the last good
# keys), the IdP is repaired, the next refresh succeeds.  On a slow machine
# a second request may start a second refresh before the repair (the
# backoff is counted in whole seconds), so one or more failures are
# accepted, and the repair is followed by 3.1 s, longer than a 2 s backoff.
sub bg_requests {
    return ["DELETE /idp-admin/broken", "GET /api", "PUT /idp-admin/broken\nbroken", "GET /sleep?s=1.1",
            "GET /api", "GET /api", "DELETE /idp-admin/broken", "GET /sleep?s=1.5",
            "GET /sleep?s=1.6", "GET /api", "GET /idp-log", "GET /error-log"];
}

sub bg_more_headers {
    my $t = $TOKEN{jwks};
    return ["", $t, "", "", $t, $t, "", "", "", $t, "", ""];
}

sub bg_codes { return [204, 200, 201, 200, 200, 200, 204, 200, 200, 200, 200, 200] }

sub bg_headers {
    my $ok = "X-Status: valid\n!WWW-Authenticate";
    return ["", $ok, "", "", $ok, $ok, "", "", "", $ok, "", ""];
}

# the IdP log: the first fetch, the failed refreshes, the good one (for
# "refused", the failed refreshes never reach the IdP); the error log:
# warnings with $reason (after nginx's own line $before), no refusal, then
# the good refresh
sub bg_bodies {
    my ($fault, $reason, $before) = @_;
    my $ok = "\\A" . quotemeta($OK_BODY{jwks}) . "\\z";
    my $idp = $fault eq 'refused'
        ? "\\A" . quotemeta("GET /ok/jwks\n" x 2) . "\\z"
        : "\\A(?:" . quotemeta("GET /sw/$fault/jwks\n") . "){3,}\\z";
    $before = defined $before ? "$before(?s:.*)" : '';
    return [
        "\\A\\z", $ok, "\\A\\z", "slept", $ok, $ok, "\\A\\z", "slept", "slept", $ok,
        $idp,
        qr/\A(?!(?s:.*)auth_token: (?:503|401))(?s:.*)\[notice\] [^\n]*auth_token: JWKS "\/_idp" loaded: 1 keys, added "rsa1"(?s:.*)$before\[warn\] [^\n]*auth_token: JWKS "\/_idp" fetch failed: $reason; keeping the last good keys, next attempt in 1 s(?s:.*)\[info\] [^\n]*auth_token: JWKS "\/_idp" refreshed, unchanged/,
    ];
}

# error-log patterns.  A remote JWKS: one warning with the reason, after
# $before (nginx's own line, if any), the 503 line, then the keys loaded
# once the IdP is back.
sub jwks_log {
    my ($reason, $before) = @_;
    $before = defined $before ? "$before(?s:.*)" : '';
    return qr/\A(?!(?s:.*)fetch failed(?s:.*)fetch failed)(?s:.*)$before\[warn\] [^\n]*auth_token: JWKS "\/_idp" fetch failed: $reason; no keys yet, next attempt in 1 s(?s:.*)\[info\] [^\n]*auth_token: 503: No signing keys available \(keys_unavailable\)(?s:.*)\[notice\] [^\n]*auth_token: JWKS "\/_idp" loaded: 1 keys, added "rsa1"/;
}

# introspection and reissue: exactly one error line with the reason and
# the IdP's status (after $before), then the 503 line
sub call_log {
    my ($call, $reason, $status, $before) = @_;
    my ($what, $desc) = $call eq 'introspect'
        ? ('introspection', 'Token introspection failed \(introspection_failed\)')
        : ('reissue', 'Token exchange failed \(reissue_failed\)');
    $before = defined $before ? "$before(?s:.*)" : '';
    return qr/\A(?!(?s:.*)auth_token: $what failed(?s:.*)auth_token: $what failed)(?s:.*)$before\[error\] [^\n]*auth_token: $what failed: $reason \(HTTP status $status\)(?s:.*)\[info\] [^\n]*auth_token: 503: $desc/;
}

# no failure at all (the drip)
sub no_failure {
    my $call = shift;
    return $call eq 'jwks'
        ? qr/\A(?!(?s:.*)fetch failed)(?!(?s:.*)auth_token: 503)(?s:.*)\[notice\] [^\n]*auth_token: JWKS "\/_idp" loaded: 1 keys, added "rsa1"/
        : qr/\A(?!(?s:.*)auth_token: (?:introspection|reissue) failed)(?!(?s:.*)auth_token: 503)/;
}

our $REFUSED = 'connect\(\) failed \(111: Connection refused\) while connecting to upstream';
our $REDIRECTED = 'auth_token: the identity provider\'s answer was redirected to "/health" \(error_page or X-Accel-Redirect\): not used';
our $TIMEOUT = 'upstream timed out \(110: Connection timed out\) while reading response header from upstream';
our $STALLED = 'upstream timed out \(110: Connection timed out\) while reading upstream';
our $CUT = 'upstream prematurely closed connection while reading upstream';

our $NO_CRASH = ["[alert]", "[crit]", "[emerg]", "exited on signal"];

# a server-level error page, as many configurations have
our $ERROR_PAGE = <<'_EOC_';
    error_page 502 504 /50x.html;
    location = /50x.html { echo "server error page"; }
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: JWKS, connection refused: 503 without a challenge, "fetch failed: HTTP status 502"; keys once the IdP is back
--- config eval
main::gateway(jwks => 'refused')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'refused', main::jwks_log('HTTP status 502', $main::REFUSED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 2: JWKS, timeout (IdP silent 2 s, proxy_read_timeout 1s): 503 after 1 s, "HTTP status 504"
--- config eval
main::gateway(jwks => 'slow')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('jwks', 'slow', main::jwks_log('HTTP status 504', $main::TIMEOUT))
--- no_error_log eval
$main::NO_CRASH



=== TEST 3: JWKS, 500 (with a good JWKS as its body): 503, "HTTP status 500"
--- config eval
main::gateway(jwks => '500')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', '500', main::jwks_log('HTTP status 500'))
--- no_error_log eval
$main::NO_CRASH



=== TEST 4: JWKS, 502 with an HTML body: 503, "HTTP status 502"; the HTML never reaches the client
--- config eval
main::gateway(jwks => '502html')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', '502html', main::jwks_log('HTTP status 502'),
             first => qr/\A(?!.*502 Bad Gateway).*<title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 5: JWKS, 200 with truncated JSON (half of a good JWKS): 503, "not valid JSON"
--- config eval
main::gateway(jwks => 'truncated')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'truncated', main::jwks_log('not valid JSON'))
--- no_error_log eval
$main::NO_CRASH



=== TEST 6: JWKS, 200 with binary garbage: 503, "not valid JSON"
--- config eval
main::gateway(jwks => 'garbage')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'garbage', main::jwks_log('not valid JSON'))
--- no_error_log eval
$main::NO_CRASH



=== TEST 7: JWKS, 200 with a 10 MB body (a good JWKS padded with spaces): 503, "answer larger than 4 MB"
--- config eval
main::gateway(jwks => 'huge')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'huge', main::jwks_log('answer larger than 4 MB'))
--- timeout: 10
--- no_error_log eval
$main::NO_CRASH



=== TEST 8: JWKS, slow drip (a byte every 0.35 s for 2.1 s, over the 1 s timeout): accepted, 200 after 2.1 s
proxy_read_timeout bounds the time between two reads, not the whole
answer: no IdP fault is seen, the keys are loaded from the dripped JWKS.
--- config eval
main::gateway(jwks => 'drip')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(200)
--- response_headers eval
main::headers('jwks', "X-Status: valid\n!WWW-Authenticate")
--- raw_response_headers_like eval
main::took('(?:2\.[1-9]|[3-9]\.)\d*')
--- response_body_like eval
main::bodies('jwks', 'drip', main::no_failure('jwks'),
             first => "\\A" . quotemeta($main::OK_BODY{jwks}) . "\\z", calls => ["/sw/drip/jwks"])
--- timeout: 6
--- no_error_log eval
$main::NO_CRASH



=== TEST 9: JWKS, stall in the middle of the body (half a JWKS, then 2 s of silence): 503 after 1 s, "not valid JSON"
--- config eval
main::gateway(jwks => 'stall')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('jwks', 'stall', main::jwks_log('not valid JSON', $main::STALLED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 10: JWKS, connection cut in the middle of the body (half a JWKS, no last chunk): 503, "not valid JSON"
--- config eval
main::gateway(jwks => 'cut')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'cut', main::jwks_log('not valid JSON', $main::CUT),
             calls => ["/sw/cut/jwks", "/fault/cutsrc/jwks", "/sw/cut/jwks"])
--- no_error_log eval
$main::NO_CRASH



=== TEST 11: JWKS, redirect (302 to the good JWKS): not followed, 503, "HTTP status 302"
The IdP log shows that /ok/jwks was never asked for.
--- config eval
main::gateway(jwks => 'redirect')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- response_body_like eval
main::bodies('jwks', 'redirect', main::jwks_log('HTTP status 302'))
--- no_error_log eval
$main::NO_CRASH



=== TEST 12: JWKS, X-Accel-Redirect from the IdP (to /health): not followed, 503, nothing of /health reaches the client
--- config eval
main::gateway(jwks => 'accel')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('jwks', 'accel', main::jwks_log('HTTP status 502', $main::REDIRECTED),
             first => qr/\A(?!.*alive)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 13: JWKS, connection refused with a server-level "error_page 502 504 /50x.html": 503, the error page does not reach the client
--- config eval
main::gateway(jwks => 'refused', $main::ERROR_PAGE)
--- request eval
main::requests()
--- more_headers eval
main::more_headers('jwks')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('jwks')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('jwks', 'refused', main::jwks_log('HTTP status 502', $main::REFUSED),
             first => qr/\A(?!.*server error page)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 14: introspection, connection refused: 503 without a challenge, "unexpected HTTP status (HTTP status 502)"; 200 once the IdP is back
--- config eval
main::gateway(introspect => 'refused')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'refused', main::call_log('introspect', 'unexpected HTTP status', 502, $main::REFUSED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 15: introspection, timeout (IdP silent 2 s, proxy_read_timeout 1s): 503 after 1 s, "HTTP status 504"
--- config eval
main::gateway(introspect => 'slow')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('introspect', 'slow', main::call_log('introspect', 'unexpected HTTP status', 504, $main::TIMEOUT))
--- no_error_log eval
$main::NO_CRASH



=== TEST 16: introspection, 500 (with an active answer as its body): 503, "HTTP status 500"
--- config eval
main::gateway(introspect => '500')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', '500', main::call_log('introspect', 'unexpected HTTP status', 500))
--- no_error_log eval
$main::NO_CRASH



=== TEST 17: introspection, 502 with an HTML body: 503, "HTTP status 502"; the HTML never reaches the client
--- config eval
main::gateway(introspect => '502html')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', '502html', main::call_log('introspect', 'unexpected HTTP status', 502),
             first => qr/\A(?!.*502 Bad Gateway).*<title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 18: introspection, 200 with truncated JSON: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(introspect => 'truncated')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'truncated', main::call_log('introspect', 'not valid JSON', 200))
--- no_error_log eval
$main::NO_CRASH



=== TEST 19: introspection, 200 with binary garbage: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(introspect => 'garbage')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'garbage', main::call_log('introspect', 'not valid JSON', 200))
--- no_error_log eval
$main::NO_CRASH



=== TEST 20: introspection, 200 with a 10 MB body (an active answer padded with spaces): 503, "answer too large"
--- config eval
main::gateway(introspect => 'huge')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'huge', main::call_log('introspect', 'answer too large', 200))
--- timeout: 10
--- no_error_log eval
$main::NO_CRASH



=== TEST 21: introspection, slow drip (a byte every 0.35 s for 2.1 s, over the 1 s timeout): accepted, 200 after 2.1 s
--- config eval
main::gateway(introspect => 'drip')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(200)
--- response_headers eval
main::headers('introspect', "X-Status: valid\n!WWW-Authenticate")
--- raw_response_headers_like eval
main::took('(?:2\.[1-9]|[3-9]\.)\d*')
--- response_body_like eval
main::bodies('introspect', 'drip', main::no_failure('introspect'),
             first => "\\A" . quotemeta($main::OK_BODY{introspect}) . "\\z", calls => ["/sw/drip/introspect"])
--- timeout: 6
--- no_error_log eval
$main::NO_CRASH



=== TEST 22: introspection, stall in the middle of the body: 503 after 1 s, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(introspect => 'stall')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('introspect', 'stall', main::call_log('introspect', 'not valid JSON', 200, $main::STALLED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 23: introspection, connection cut in the middle of the body: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(introspect => 'cut')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'cut', main::call_log('introspect', 'not valid JSON', 200, $main::CUT),
             calls => ["/sw/cut/introspect", "/fault/cutsrc/introspect", "/sw/cut/introspect"])
--- no_error_log eval
$main::NO_CRASH



=== TEST 24: introspection, redirect (302 to the good endpoint): not followed, 503, "HTTP status 302"
--- config eval
main::gateway(introspect => 'redirect')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- response_body_like eval
main::bodies('introspect', 'redirect', main::call_log('introspect', 'unexpected HTTP status', 302))
--- no_error_log eval
$main::NO_CRASH



=== TEST 25: introspection, X-Accel-Redirect from the IdP (to /health): not followed, 503, nothing of /health reaches the client
--- config eval
main::gateway(introspect => 'accel')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('introspect', 'accel', main::call_log('introspect', 'unexpected HTTP status', 502, $main::REDIRECTED),
             first => qr/\A(?!.*alive)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 26: introspection, connection refused with a server-level "error_page 502 504 /50x.html": 503, the error page does not reach the client
--- config eval
main::gateway(introspect => 'refused', $main::ERROR_PAGE)
--- request eval
main::requests()
--- more_headers eval
main::more_headers('introspect')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('introspect')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('introspect', 'refused', main::call_log('introspect', 'unexpected HTTP status', 502, $main::REFUSED),
             first => qr/\A(?!.*server error page)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 27: reissue, connection refused: 503 without a challenge, "unexpected HTTP status (HTTP status 502)"; 200 once the IdP is back
--- config eval
main::gateway(exchange => 'refused')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'refused', main::call_log('exchange', 'unexpected HTTP status', 502, $main::REFUSED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 28: reissue, timeout (IdP silent 2 s, proxy_read_timeout 1s): 503 after 1 s, "HTTP status 504"
--- config eval
main::gateway(exchange => 'slow')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('exchange', 'slow', main::call_log('exchange', 'unexpected HTTP status', 504, $main::TIMEOUT))
--- no_error_log eval
$main::NO_CRASH



=== TEST 29: reissue, 500 (with a new token as its body): 503, "HTTP status 500"
--- config eval
main::gateway(exchange => '500')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', '500', main::call_log('exchange', 'unexpected HTTP status', 500))
--- no_error_log eval
$main::NO_CRASH



=== TEST 30: reissue, 502 with an HTML body: 503, "HTTP status 502"; the HTML never reaches the client
--- config eval
main::gateway(exchange => '502html')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', '502html', main::call_log('exchange', 'unexpected HTTP status', 502),
             first => qr/\A(?!.*502 Bad Gateway).*<title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 31: reissue, 200 with truncated JSON: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(exchange => 'truncated')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'truncated', main::call_log('exchange', 'not valid JSON', 200))
--- no_error_log eval
$main::NO_CRASH



=== TEST 32: reissue, 200 with binary garbage: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(exchange => 'garbage')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'garbage', main::call_log('exchange', 'not valid JSON', 200))
--- no_error_log eval
$main::NO_CRASH



=== TEST 33: reissue, 200 with a 10 MB body (a new token padded with spaces): 503, "answer too large (HTTP status 200)"
--- config eval
main::gateway(exchange => 'huge')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'huge', main::call_log('exchange', 'answer too large', 200))
--- timeout: 10
--- no_error_log eval
$main::NO_CRASH



=== TEST 34: reissue, slow drip (a byte every 0.35 s for 2.1 s, over the 1 s timeout): accepted, 200 after 2.1 s
--- config eval
main::gateway(exchange => 'drip')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(200)
--- response_headers eval
main::headers('exchange', "X-Status: valid\n!WWW-Authenticate")
--- raw_response_headers_like eval
main::took('(?:2\.[1-9]|[3-9]\.)\d*')
--- response_body_like eval
main::bodies('exchange', 'drip', main::no_failure('exchange'),
             first => "\\A" . quotemeta($main::OK_BODY{exchange}) . "\\z", calls => ["/sw/drip/exchange"])
--- timeout: 6
--- no_error_log eval
$main::NO_CRASH



=== TEST 35: reissue, stall in the middle of the body: 503 after 1 s, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(exchange => 'stall')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- raw_response_headers_like eval
main::took('1\.[0-8]\d*')
--- response_body_like eval
main::bodies('exchange', 'stall', main::call_log('exchange', 'not valid JSON', 200, $main::STALLED))
--- no_error_log eval
$main::NO_CRASH



=== TEST 36: reissue, connection cut in the middle of the body: 503, "not valid JSON (HTTP status 200)"
--- config eval
main::gateway(exchange => 'cut')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'cut', main::call_log('exchange', 'not valid JSON', 200, $main::CUT),
             calls => ["/sw/cut/exchange", "/fault/cutsrc/exchange", "/sw/cut/exchange"])
--- no_error_log eval
$main::NO_CRASH



=== TEST 37: reissue, redirect (302 to the good endpoint): not followed, 503, "HTTP status 302"
--- config eval
main::gateway(exchange => 'redirect')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- response_body_like eval
main::bodies('exchange', 'redirect', main::call_log('exchange', 'unexpected HTTP status', 302))
--- no_error_log eval
$main::NO_CRASH



=== TEST 38: reissue, X-Accel-Redirect from the IdP (to /health): not followed, 503, nothing of /health reaches the client
--- config eval
main::gateway(exchange => 'accel')
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('exchange', 'accel', main::call_log('exchange', 'unexpected HTTP status', 502, $main::REDIRECTED),
             first => qr/\A(?!.*alive)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 39: reissue, connection refused with a server-level "error_page 502 504 /50x.html": 503, the error page does not reach the client
--- config eval
main::gateway(exchange => 'refused', $main::ERROR_PAGE)
--- request eval
main::requests()
--- more_headers eval
main::more_headers('exchange')
--- error_code eval
main::codes(503)
--- response_headers eval
main::headers('exchange')
--- raw_response_headers_like eval
main::status_line_first()
--- response_body_like eval
main::bodies('exchange', 'refused', main::call_log('exchange', 'unexpected HTTP status', 502, $main::REFUSED),
             first => qr/\A(?!.*server error page)<html>\r?\n<head><title>503 Service Temporarily Unavailable<\/title>/s)
--- no_error_log eval
$main::NO_CRASH



=== TEST 40: JWKS background refresh, connection refused: clients keep the last good keys (200), "keeping the last good keys"; the next refresh works
--- config eval
main::gateway(jwks => 'refused', undef, "\n        auth_token_jwks_refresh 1s;")
--- request eval
main::bg_requests()
--- more_headers eval
main::bg_more_headers()
--- error_code eval
main::bg_codes()
--- response_headers eval
main::bg_headers()
--- response_body_like eval
main::bg_bodies('refused', 'HTTP status 502', $main::REFUSED)
--- no_error_log eval
$main::NO_CRASH



=== TEST 41: JWKS background refresh, timeout: clients keep the last good keys (200), "HTTP status 504"; the next refresh works
--- config eval
main::gateway(jwks => 'slow', undef, "\n        auth_token_jwks_refresh 1s;")
--- request eval
main::bg_requests()
--- more_headers eval
main::bg_more_headers()
--- error_code eval
main::bg_codes()
--- response_headers eval
main::bg_headers()
--- response_body_like eval
main::bg_bodies('slow', 'HTTP status 504', $main::TIMEOUT)
--- no_error_log eval
$main::NO_CRASH



=== TEST 42: JWKS background refresh, connection refused with a server-level "error_page 502 504 /50x.html": 200 with the last good keys, and the connection ends
--- config eval
main::gateway(jwks => 'refused', $main::ERROR_PAGE, "\n        auth_token_jwks_refresh 1s;")
--- request eval
main::bg_requests()
--- more_headers eval
main::bg_more_headers()
--- error_code eval
main::bg_codes()
--- response_headers eval
main::bg_headers()
--- response_body_like eval
main::bg_bodies('refused', 'HTTP status 502', $main::REFUSED)
--- no_error_log eval
$main::NO_CRASH



=== TEST 43: JWKS background refresh, X-Accel-Redirect from the IdP (to /health): 200 with the last good keys, and the connection ends
--- config eval
main::gateway(jwks => 'accel', undef, "\n        auth_token_jwks_refresh 1s;")
--- request eval
main::bg_requests()
--- more_headers eval
main::bg_more_headers()
--- error_code eval
main::bg_codes()
--- response_headers eval
main::bg_headers()
--- response_body_like eval
main::bg_bodies('accel', 'HTTP status 502', $main::REDIRECTED)
--- no_error_log eval
$main::NO_CRASH
