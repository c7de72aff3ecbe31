# Verified JWTs in the shared zone (auth_token_cache_valid, auth_token_zone),
# with a master and two workers: the same token presented again skips the
# signature check ($auth_token_cache MISS, then HIT, whichever worker serves
# it); claim variables, auth_token_claim_set, $auth_token_payload, JWT
# header variables and claim headers are the same on a hit; every check of
# the location serving the request still runs on a hit (issuer, audience,
# scope, auth_token_require, exp/nbf from the stored values with the
# location's own leeway, also after an internal redirect), and a refusal on
# a hit logs the token's kid and sub; an entry ends at the token's exp and
# at most after cache_valid; with auth_token_cache_valid off or without a
# zone nothing is cached and $auth_token_cache is empty; a hit needs a key
# with the same material, allowed to verify the token's alg, in the
# location serving the request (another JWKS file, a key that left a remote
# key set); any change to the token (signature or payload) is another
# entry, and failed verifications and tokens with malformed time claims are
# never remembered; every algorithm family is cached.
# A location trusts an entry only as long as its own auth_token_cache_valid
# allows, whoever stored it.  With auth_token_introspect_jwt on, the
# provider's answer, not the cached JWT's claims, decides on a hit too.
#
# Time: ngx_time() has a one-second resolution, so a validity of N seconds
# may end anywhere in (N-1, N] seconds of real time.  Blocks that expect a
# HIT right after a MISS use validities of 2 s or more; blocks that wait for
# a validity to pass sleep 0.1 s longer than it.  Tokens whose verdict
# depends on the clock are minted by a code reference in --- more_headers
# (see the preprocessor below), just before their block runs, not when the
# suite starts.
#
# Every block gets (see the preprocessor below) helper locations in the
# main server (config):
#   /error-log           nginx's error log (for request arrays)
#   /sleep?s=SECS        a non-blocking pause between two requests
#   /echo                what an upstream received (X-Sub, X-Tenant,
#                        Authorization)
# and, for the remote JWKS blocks, a fake identity provider on
# $TEST_NGINX_RAND_PORT_1 (http_config) serving html/idp/NAME, which
# PUT /idp-admin/NAME (WebDAV) replaces.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

master_on();
workers(2);
worker_connections(256);

our $IDP = <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
    location = /echo { echo "x-sub=[$http_x_sub] x-tenant=[$http_x_tenant] auth=[$http_authorization]"; }
    location /idp-admin/ {
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT;
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    # a clock-dependent token: minted now, just before the block runs
    my $mh = $block->more_headers;
    $block->set_value(more_headers => $mh->()) if ref $mh eq 'CODE';
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
    # html/idp must exist for the WebDAV PUT
    $block->set_value(user_files => ">>> idp/README\nfiles of the IdP\n" . ($block->user_files // ''));
});

# A JWKS with some of the keys of t/keys/jwks.json, in this order.
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

sub bearer_of { "Authorization: Bearer $_[0]" }

# The lifetime of the short-lived token of TEST 7: it must outlast nginx's
# startup and two requests, which take seconds under valgrind.
our $EXP_IN = $ENV{TEST_NGINX_USE_VALGRIND} ? 10 : 3;

# Tokens minted once, when the suite starts (exp an hour ahead).  Each block
# that counts on a first MISS uses tokens of its own: the zone starts empty
# with every block, but distinct tokens keep the blocks readable.
sub tok { AuthTokenTest::jwt(@_) }

# Fixed claims (far exp, fixed iat): the token, and so the expected output,
# is the same however often it is minted (RS256 signatures are
# deterministic).
our $FIXED1 = tok(raw_claims =>
    '{"sub":"user-42","aud":"api","org":{"id":"acme","name":"Acme"},"scope":"read","exp":32503680000}');
our $FIXED2 = tok(raw_claims =>
    '{"sub":"user-7","aud":"api","org":{"id":"globex"},"exp":32503680000}');

# One character of the signature changed, in the middle (the last one may
# only carry unused bits).
sub tamper_sig {
    my ($t) = @_;
    my ($h, $p, $s) = split /\./, $t;
    my $i = int(length($s) / 2);
    my $c = substr($s, $i, 1);
    substr($s, $i, 1) = $c eq 'A' ? 'B' : 'A';
    return "$h.$p.$s";
}

# The same header and signature with another payload.
sub swap_payload {
    my ($t, $payload) = @_;
    my ($h, undef, $s) = split /\./, $t;
    return "$h." . AuthTokenTest::b64url($payload) . ".$s";
}

our @TAMPER_BASE = (tok(claims => { sub => "alice" }));

# $n requests, one after another, through a reuseport listener so that
# the kernel spreads them over both workers; their bodies concatenated.
sub fanout {
    my ($n) = @_;
    return join '',
        "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n",
        "    location = /fanout {\n",
        (map { "        echo_location /fan/$_;\n" } 1 .. $n),
        "    }\n",
        "    location /fan/ { proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2/api/; }\n";
}

our $UNKNOWN = 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"';

sub challenge {
    my ($reason, $error) = @_;
    return 'WWW-Authenticate: Bearer realm="api", error="' . ($error // 'invalid_token')
        . '", error_description="' . $reason . '"';
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the same token twice: MISS, then HIT (default cache_valid); another token: MISS; the first again: HIT
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub] cache=[$auth_token_cache] status=[$auth_token_status]";
    }
--- request eval
[("GET /api") x 5]
--- more_headers eval
our @T = (main::tok(claims => { sub => "one" }), main::tok(claims => { sub => "two" }));
[map { main::bearer_of($_) } @T[0, 0, 1, 1, 0]]
--- error_code eval
[(200) x 5]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT"]
--- response_body eval
["sub=[one] cache=[MISS] status=[valid]\n", "sub=[one] cache=[HIT] status=[valid]\n",
 "sub=[two] cache=[MISS] status=[valid]\n", "sub=[two] cache=[HIT] status=[valid]\n",
 "sub=[one] cache=[HIT] status=[valid]\n"]
--- no_error_log
[warn]
[error]



=== TEST 2: both workers share the entries: twenty sequential requests with one token, one MISS, 19 HIT, two pids
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(20) . q{
    location /api/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "$auth_token_claim_sub $auth_token_cache $pid";
    }
}
--- request eval
["GET /fanout", "GET /fanout"]
--- more_headers eval
[main::bearer_of(main::tok(claims => { sub => "fan" })), main::bearer_of(main::tok(claims => { sub => "fan2" }))]
--- error_code eval
[200, 200]
--- response_body_like eval
[
    # one MISS first, then HIT, and two different pids among the answers
    qr/\A(?=fan MISS \d+\n(?:fan HIT \d+\n){19}\z)(?=.*?fan \w+ (\d+)\n.*?fan \w+ (?!\1\n)\d+\n)/s,
    qr/\A(?=fan2 MISS \d+\n(?:fan2 HIT \d+\n){19}\z)(?=.*?fan2 \w+ (\d+)\n.*?fan2 \w+ (?!\1\n)\d+\n)/s,
]
--- no_error_log
[warn]
[error]



=== TEST 3: on a HIT the claims are still right: claim and JWT header variables, auth_token_claim_set, the payload
/vars: FIXED1 twice (MISS, HIT) with identical bodies; FIXED2 cached at
/vars, then at /vars2 (other variables, the same keys): HIT with its own
claims, not those of the token before.
--- http_config
    auth_token_zone tokens:1m;
    auth_token_claim_set $tenant org id;
--- config
    location /vars {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub] tenant=[$tenant] scope=[$auth_token_claim_scope] status=[$auth_token_status]";
        echo "kid=[$auth_token_jwt_header_kid] alg=[$auth_token_jwt_header_alg] typ=[$auth_token_jwt_header_typ]";
        echo "payload=[$auth_token_payload]";
    }
    location /vars2 {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "org=[$auth_token_claim_org] tenant=[$tenant] kid=[$auth_token_jwt_header_kid]";
    }
--- request eval
["GET /vars", "GET /vars", "GET /vars", "GET /vars2", "GET /vars2"]
--- more_headers eval
[map { main::bearer_of($_) } $main::FIXED1, $main::FIXED1, $main::FIXED2, $main::FIXED2, $main::FIXED1]
--- error_code eval
[(200) x 5]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT"]
--- response_body eval
[("sub=[user-42] tenant=[acme] scope=[read] status=[valid]\n"
  . "kid=[rsa1] alg=[RS256] typ=[JWT]\n"
  . 'payload=[{"sub":"user-42","aud":"api","org":{"id":"acme","name":"Acme"},"scope":"read","exp":32503680000}]' . "\n") x 2,
 "sub=[user-7] tenant=[globex] scope=[] status=[valid]\n"
  . "kid=[rsa1] alg=[RS256] typ=[JWT]\n"
  . 'payload=[{"sub":"user-7","aud":"api","org":{"id":"globex"},"exp":32503680000}]' . "\n",
 qq{org=[{"id":"globex"}] tenant=[globex] kid=[rsa1]\n},
 qq{org=[{"id":"acme","name":"Acme"}] tenant=[acme] kid=[rsa1]\n}]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 4: on a HIT the upstream gets the claim headers, and client-sent copies are removed
/up: auth_token_claim_header X-Sub sub, X-Tenant org id; the upstream
(/echo) shows what it received. FIXED1: MISS then HIT, identical bodies,
the client's X-Sub / x-sub / X-Tenant never reach it, nor the token. FIXED2
cached by /plain (no claim headers) is a HIT at /up with its own claims.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /up {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Sub sub;
        auth_token_claim_header X-Tenant org id;
        add_header X-Cache $auth_token_cache always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /plain {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "plain";
    }
--- request eval
["GET /up", "GET /up", "GET /plain", "GET /up"]
--- more_headers eval
[main::bearer_of($main::FIXED1) . "\nX-Sub: evil\nX-Tenant: evil-corp",
 main::bearer_of($main::FIXED1) . "\nX-Sub: evil\nx-sub: evil2\nX-Tenant: evil-corp",
 main::bearer_of($main::FIXED2),
 main::bearer_of($main::FIXED2) . "\nX-Sub: evil"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]
--- response_body eval
["x-sub=[user-42] x-tenant=[acme] auth=[]\n", "x-sub=[user-42] x-tenant=[acme] auth=[]\n",
 "plain\n", "x-sub=[user-7] x-tenant=[globex] auth=[]\n"]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 5: the checks of the location serving the request run on a HIT: issuer, audience, scope, auth_token_require
/a (no requirement) caches T; every other location gets T as a HIT and
refuses it for its own reason; /all (every requirement met) accepts it.
U is first refused by /iss (its signature holds, so it is remembered) and
then accepted by /a as a HIT.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "a $auth_token_claim_sub";
    }
    location /iss {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://other;
        add_header X-Cache $auth_token_cache always;
        echo "iss $auth_token_claim_sub";
    }
    location /aud {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience other;
        add_header X-Cache $auth_token_cache always;
        echo "aud $auth_token_claim_sub";
    }
    location /scope {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read admin;
        add_header X-Cache $auth_token_cache always;
        echo "scope $auth_token_claim_sub";
    }
    location /require {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_admin;
        add_header X-Cache $auth_token_cache always;
        echo "require $auth_token_claim_sub";
    }
    location /require403 {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_require $auth_token_claim_admin error=403;
        add_header X-Cache $auth_token_cache always;
        echo "require403 $auth_token_claim_sub";
    }
    location /all {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://other https://idp.example.com;
        auth_token_audience api;
        auth_token_scope read;
        auth_token_require $auth_token_claim_sub;
        add_header X-Cache $auth_token_cache always;
        echo "all $auth_token_claim_sub";
    }
--- request eval
["GET /a", "GET /iss", "GET /aud", "GET /scope", "GET /require", "GET /require403", "GET /all", "GET /a",
 "GET /iss", "GET /a"]
--- more_headers eval
our ($T, $U) = (main::tok(claims => { sub => "tee", scope => "read write" }), main::tok(claims => { sub => "you" }));
[(main::bearer_of($T)) x 8, (main::bearer_of($U)) x 2]
--- error_code eval
[200, 401, 401, 403, 401, 403, 200, 200, 401, 200]
--- response_headers eval
["X-Cache: MISS",
 "X-Cache: HIT\n" . main::challenge("Token issuer not accepted"),
 "X-Cache: HIT\n" . main::challenge("Token audience not accepted"),
 "X-Cache: HIT\n" . main::challenge("Token lacks a required scope", "insufficient_scope") . ', scope="read admin"',
 "X-Cache: HIT\n" . main::challenge("Token does not meet the requirements"),
 "X-Cache: HIT\n" . main::challenge("Token does not meet the requirements", "insufficient_scope"),
 "X-Cache: HIT\n!WWW-Authenticate",
 "X-Cache: HIT\n!WWW-Authenticate",
 "X-Cache: MISS\n" . main::challenge("Token issuer not accepted"),
 "X-Cache: HIT\n!WWW-Authenticate"]
--- response_body_like eval
["\\Aa tee\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/, qr/403 Forbidden/,
 qr/401 Authorization Required/, qr/403 Forbidden/, "\\Aall tee\\n\\z", "\\Aa tee\\n\\z",
 qr/401 Authorization Required/, "\\Aa you\\n\\z"]
--- no_error_log
[warn]
[error]
[alert]



=== TEST 6: nbf on a HIT, with the location's own leeway: /lax (60 s) accepts, /strict (0 s) refuses
T (nbf 30 s ahead) is cached by /lax; /strict gets it as a HIT and
refuses it as not yet valid. U goes to /strict first: refused, but its
signature holds, so /lax then accepts it as a HIT.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /lax {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 60s;
        add_header X-Cache $auth_token_cache always;
        echo "lax $auth_token_claim_sub";
    }
    location /strict {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "strict $auth_token_claim_sub";
    }
--- request eval
["GET /lax", "GET /lax", "GET /strict", "GET /strict", "GET /lax"]
--- more_headers eval
sub {
    my $nbf = AuthTokenTest::now() + 30;
    my ($t, $u) = map { main::tok(claims => { sub => $_, nbf => $nbf }) } qw(tee you);
    return [map { main::bearer_of($_) } $t, $t, $t, $u, $u];
}
--- error_code eval
[200, 200, 401, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT",
 "X-Cache: HIT\n" . main::challenge("Token not yet valid"),
 "X-Cache: MISS\n" . main::challenge("Token not yet valid"),
 "X-Cache: HIT"]
--- response_body_like eval
["\\Alax tee\\n\\z", "\\Alax tee\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/,
 "\\Alax you\\n\\z"]
--- no_error_log
[warn]
[error]



=== TEST 7: an entry ends at the token's exp: after it the token is checked anew and refused (not a HIT); a leeway still accepts it, uncached
T: exp 3 s ahead (10 s under valgrind). /strict: MISS then HIT; 3.1 s
(10.1 s) later /strict refuses it (MISS, Token expired), /lax (leeway
30 s) accepts it, twice a MISS (an entry would already have ended).
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /strict {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "strict $auth_token_claim_sub";
    }
    location /lax {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 30s;
        add_header X-Cache $auth_token_cache always;
        echo "lax $auth_token_claim_sub";
    }
--- request eval
["GET /strict", "GET /strict", "GET /sleep?s=" . ($main::EXP_IN + 0.1), "GET /strict", "GET /lax", "GET /lax", "GET /strict"]
--- more_headers eval
sub {
    my $t = main::bearer_of(main::tok(claims => { sub => "short", exp => AuthTokenTest::now() + $main::EXP_IN }));
    return [$t, $t, "", $t, $t, $t, $t];
}
--- error_code eval
[200, 200, 200, 401, 200, 200, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "",
 "X-Cache: MISS\n" . main::challenge("Token expired"),
 "X-Cache: MISS", "X-Cache: MISS",
 "X-Cache: MISS\n" . main::challenge("Token expired")]
--- response_body_like eval
["\\Astrict short\\n\\z", "\\Astrict short\\n\\z", qr/slept/, qr/401 Authorization Required/,
 "\\Alax short\\n\\z", "\\Alax short\\n\\z", qr/401 Authorization Required/]
--- timeout eval
$main::EXP_IN + 3
--- no_error_log
[warn]
[error]



=== TEST 8: auth_token_cache_valid bounds an entry even when exp is far (or absent)
cache_valid 2s; T has exp an hour ahead, N has no exp: MISS, HIT, and
after 2.1 s MISS again, then HIT.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /sleep?s=2.1", "GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
our ($T, $N) = map { main::bearer_of($_) }
    main::tok(claims => { sub => "far" }), main::tok(claims => { sub => "noexp", exp => undef });
[$T, $T, $N, $N, "", $T, $T, $N, $N]
--- error_code eval
[(200) x 9]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT", "",
 "X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT"]
--- response_body eval
["sub=[far]\n", "sub=[far]\n", "sub=[noexp]\n", "sub=[noexp]\n", "slept\n",
 "sub=[far]\n", "sub=[far]\n", "sub=[noexp]\n", "sub=[noexp]\n"]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 9: a location trusts an entry only for its own auth_token_cache_valid, whoever stored it
/long (default 10m) stores the entry; /short (cache_valid 2s) uses it at
once (HIT), but 2.1 s later it is older than /short trusts: MISS (verified
again and stored anew), then HIT; /long still finds it.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /long {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "long sub=[$auth_token_claim_sub]";
    }
    location /short {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "short sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /long", "GET /short", "GET /sleep?s=2.1", "GET /short", "GET /short", "GET /long"]
--- more_headers eval
our $T = main::bearer_of(main::tok(claims => { sub => "trust" }));
[$T, $T, "", $T, $T, $T]
--- error_code eval
[(200) x 6]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT"]
--- response_body eval
["long sub=[trust]\n", "short sub=[trust]\n", "slept\n", "short sub=[trust]\n",
 "short sub=[trust]\n", "long sub=[trust]\n"]
--- timeout: 5
--- no_error_log
[warn]
[error]



=== TEST 10: auth_token_cache_valid off: nothing cached or used, $auth_token_cache empty (no X-Cache header)
/off verifies every time and stores nothing (/on's first request is a
MISS); an entry stored by /on is not used by /off either.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /off {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cache_valid off;
        add_header X-Cache $auth_token_cache always;
        echo "off $auth_token_claim_sub cache=[$auth_token_cache]";
    }
    location /on {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "on $auth_token_claim_sub cache=[$auth_token_cache]";
    }
--- request eval
["GET /off", "GET /off", "GET /on", "GET /on", "GET /off"]
--- more_headers eval
[(main::bearer_of(main::tok(claims => { sub => "nc" }))) x 5]
--- error_code eval
[(200) x 5]
--- response_headers eval
["!X-Cache", "!X-Cache", "X-Cache: MISS", "X-Cache: HIT", "!X-Cache"]
--- response_body eval
["off nc cache=[]\n", "off nc cache=[]\n", "on nc cache=[MISS]\n", "on nc cache=[HIT]\n", "off nc cache=[]\n"]
--- no_error_log
[warn]
[error]



=== TEST 11: auth_token_cache_valid off at http level, on again (5m) in one location
--- http_config
    auth_token_zone tokens:1m;
    auth_token_cache_valid off;
--- config
    location /inherit {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "inherit cache=[$auth_token_cache]";
    }
    location /on {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cache_valid 5m;
        add_header X-Cache $auth_token_cache always;
        echo "on cache=[$auth_token_cache]";
    }
--- request eval
["GET /inherit", "GET /inherit", "GET /on", "GET /on"]
--- more_headers eval
[(main::bearer_of(main::tok(claims => { sub => "inh" }))) x 4]
--- error_code eval
[(200) x 4]
--- response_headers eval
["!X-Cache", "!X-Cache", "X-Cache: MISS", "X-Cache: HIT"]
--- response_body eval
["inherit cache=[]\n", "inherit cache=[]\n", "on cache=[MISS]\n", "on cache=[HIT]\n"]



=== TEST 12: without auth_token_zone nothing is cached: $auth_token_cache empty, every request verified
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cache_valid 10m;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub] cache=[$auth_token_cache]";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[(main::bearer_of(main::tok(claims => { sub => "nozone" }))) x 2,
 main::bearer_of(main::tamper_sig(main::tok(claims => { sub => "nozone" })))]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["!X-Cache", "!X-Cache", "!X-Cache\n" . main::challenge("Signature verification failed")]
--- response_body_like eval
["\\Asub=\\[nozone\\] cache=\\[\\]\\n\\z", "\\Asub=\\[nozone\\] cache=\\[\\]\\n\\z", qr/401 Authorization Required/]
--- no_error_log
[warn]
[error]



=== TEST 13: a location with another key set does its own verification: a token cached by /a is a MISS and refused at /b
/a: t/keys/jwks.json (rsa1, rsa2, ...); /b: jwks-rsa2only.json. A (rsa1)
cached by /a: MISS and 401 at /b, again (a failure is not remembered).
B (rsa2, in both sets) cached by /a: HIT at /b. /ps: jwks-ps.json, the
material of rsa1 but only for PS256 (kid ps1): A, an RS256 token, is a
MISS there and refused.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "a $auth_token_claim_sub";
    }
    location /b {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        add_header X-Cache $auth_token_cache always;
        echo "b $auth_token_claim_sub";
    }
    location /ps {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        add_header X-Cache $auth_token_cache always;
        echo "ps $auth_token_claim_sub";
    }
--- request eval
["GET /a", "GET /a", "GET /b", "GET /b", "GET /ps", "GET /a", "GET /b", "GET /b"]
--- more_headers eval
our ($A, $B) = map { main::bearer_of($_) }
    main::tok(claims => { sub => "alice" }), main::tok(key => "rsa2", claims => { sub => "bob" });
[$A, $A, $A, $A, $A, $B, $B, $B]
--- error_code eval
[200, 200, 401, 401, 401, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS\n$main::UNKNOWN", "X-Cache: MISS\n$main::UNKNOWN",
 "X-Cache: MISS\n$main::UNKNOWN", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT"]
--- response_body_like eval
["\\Aa alice\\n\\z", "\\Aa alice\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/,
 qr/401 Authorization Required/, "\\Aa bob\\n\\z", "\\Ab bob\\n\\z", "\\Ab bob\\n\\z"]
--- no_error_log
[warn]
[error]



=== TEST 14: the same key material without the token's kid: the answer must not depend on another location's cache
/nokid: jwks-rsa1-nokid.json, rsa1's material without a kid. A token
with kid "rsa1" is refused there when it comes first ("Unknown signing
key": no key has that kid); after /a has cached it, /nokid must refuse it
the same way, not accept it on the strength of the fingerprint alone
(the kid is part of a key's fingerprint).
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "a $auth_token_claim_sub";
    }
    location /nokid {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        add_header X-Cache $auth_token_cache always;
        echo "nokid $auth_token_claim_sub";
    }
--- request eval
["GET /nokid", "GET /a", "GET /nokid"]
--- more_headers eval
[(main::bearer_of(main::tok(claims => { sub => "kidded" }))) x 3]
--- error_code eval
[401, 200, 401]
--- response_headers eval
["X-Cache: MISS\n$main::UNKNOWN", "X-Cache: MISS", "X-Cache: MISS\n$main::UNKNOWN"]
--- response_body_like eval
[qr/401 Authorization Required/, "\\Aa kidded\\n\\z", qr/401 Authorization Required/]



=== TEST 15: a key that leaves a remote key set stops vouching for its cached tokens after the refresh
The IdP publishes rsa1 (refresh 2 s). A (rsa1): MISS, HIT. The IdP
replaces rsa1 by rsa2; 2.1 s later A is still served with the current keys
(HIT; this request starts the background refresh), then it is a MISS and
refused; B (rsa2) is accepted.
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
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks.json;
    }
--- request eval
[
    "GET /api", "GET /api",
    "PUT /idp-admin/jwks.json\n" . main::jwks("rsa2"),
    "GET /sleep?s=2.1",
    "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
    "GET /error-log",
]
--- more_headers eval
our ($A, $B) = map { main::bearer_of($_) }
    main::tok(claims => { sub => "alice" }), main::tok(key => "rsa2", claims => { sub => "bob" });
[$A, $A, "", "", $A, $A, $B, $B, $A, ""]
--- error_code eval
[200, 200, 204, 200, 200, 401, 200, 200, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "", "",
 "X-Cache: HIT", "X-Cache: MISS\n$main::UNKNOWN", "X-Cache: MISS", "X-Cache: HIT",
 "X-Cache: MISS\n$main::UNKNOWN", ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", "", qr/slept/,
 "\\Asub=\\[alice\\]\\n\\z", qr/401 Authorization Required/, "\\Asub=\\[bob\\]\\n\\z", "\\Asub=\\[bob\\]\\n\\z",
 qr/401 Authorization Required/,
 qr/\[notice\] [^\n]*auth_token: JWKS "\/_jwks" changed: 1 keys?, added "rsa2", removed "rsa1"(?: while|\n)/]
--- timeout: 5
--- no_error_log
[error]



=== TEST 16: a refusal on a HIT logs the token's kid and sub (the claims are parsed for the log line)
/a (leeway 60 s) caches T (nbf 30 s ahead); /iss refuses it for its
issuer, /strict as not yet valid (a check that needs no claims): both HITs,
both log lines with kid and sub.
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 60s;
        add_header X-Cache $auth_token_cache always;
        echo "a $auth_token_claim_sub";
    }
    location /iss {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://other;
        auth_token_leeway 60s;
        add_header X-Cache $auth_token_cache always;
        echo "iss";
    }
    location /strict {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "strict";
    }
--- request eval
["GET /a", "GET /iss", "GET /strict", "GET /error-log"]
--- more_headers eval
sub {
    my $t = main::bearer_of(main::tok(alg => "ES256", claims => { sub => "logged", nbf => AuthTokenTest::now() + 30 }));
    return [$t, $t, $t, ""];
}
--- error_code eval
[200, 401, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT\n" . main::challenge("Token issuer not accepted"),
 "X-Cache: HIT\n" . main::challenge("Token not yet valid"), ""]
--- response_body_like eval
["\\Aa logged\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/,
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])(?=.*\[info\] [^\n]*auth_token: 401: Token issuer not accepted \(wrong_issuer\), kid "ec256", sub "logged"(?:,| while|\n))(?=.*\[info\] [^\n]*auth_token: 401: Token not yet valid \(not_yet_valid\), kid "ec256", sub "logged"(?:,| while|\n))/s]



=== TEST 17: every algorithm family is cached: MISS, then HIT
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "$auth_token_jwt_header_alg $auth_token_jwt_header_kid $auth_token_claim_sub";
    }
--- request eval
[("GET /api") x 18]
--- more_headers eval
our @ALGS = (["RS256"], ["RS512"], ["PS256"], ["ES256"], ["ES384"], ["ES512"], ["EdDSA"], ["HS256"],
             ["HS512", key => "hmac64"]);
[map { my $t = main::bearer_of(main::tok(alg => $_->[0], @$_[1 .. $#$_], claims => { sub => "u-$_->[0]" })); ($t, $t) } @ALGS]
--- error_code eval
[(200) x 18]
--- response_headers eval
[("X-Cache: MISS", "X-Cache: HIT") x 9]
--- response_body eval
[map { my $l = "$_\n"; ($l, $l) }
 "RS256 rsa1 u-RS256", "RS512 rsa1 u-RS512", "PS256 rsa1 u-PS256", "ES256 ec256 u-ES256", "ES384 ec384 u-ES384",
 "ES512 ec521 u-ES512", "EdDSA ed1 u-EdDSA", "HS256 hs1 u-HS256", "HS512 hs64 u-HS512"]
--- no_error_log
[warn]
[error]



=== TEST 18: a token changed after the original was cached is another entry: MISS and 401; failures are never remembered
T cached (MISS, HIT); T with one character of its signature changed: MISS
and 401, twice; T with another payload under its signature (sub
"admin"): MISS and 401; T itself: still a HIT.
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
--- request eval
[("GET /api") x 6, "GET /error-log"]
--- more_headers eval
our $T = $main::TAMPER_BASE[0];
our $S = main::tamper_sig($T);
our $P = main::swap_payload($T, '{"sub":"admin","aud":"api","exp":32503680000}');
[(map { main::bearer_of($_) } $T, $T, $S, $S, $P, $T), ""]
--- error_code eval
[200, 200, 401, 401, 401, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT",
 ("X-Cache: MISS\n" . main::challenge("Signature verification failed")) x 3,
 "X-Cache: HIT", ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[alice\\]\\n\\z", (qr/401 Authorization Required/) x 3,
 "\\Asub=\\[alice\\]\\n\\z",
 # three refusals, none naming the forged sub (no claims from an unverified payload)
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])(?!.*sub "admin")(?:(?s:.*?)\[info\] [^\n]*auth_token: 401: Signature verification failed \(bad_signature\), kid "rsa1"(?:,| while|\n)){3}/s]



=== TEST 19: a token with a malformed exp is not remembered: refused every time, MISS
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[(main::bearer_of(main::tok(raw_claims => '{"sub":"u","exp":"tomorrow"}'))) x 2]
--- error_code eval
[401, 401]
--- response_headers eval
[("X-Cache: MISS\n" . main::challenge('Invalid \"exp\" claim')) x 2]
--- response_body_like eval
[(qr/401 Authorization Required/) x 2]
--- no_error_log
[error]



=== TEST 20: the checks of a location run on a HIT after an internal redirect (error_page to a named location)
/api answers 404, which error_page sends to @named, whose issuer
requirement and variables apply; T: MISS then HIT, both 200; U (another
issuer): MISS then HIT, both refused by @named.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        error_page 404 = @named;
        return 404;
    }
    location @named {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer https://idp.example.com;
        add_header X-Cache $auth_token_cache always;
        echo "named sub=[$auth_token_claim_sub] cache=[$auth_token_cache]";
    }
--- request eval
[("GET /api") x 4]
--- more_headers eval
our ($T, $U) = map { main::bearer_of($_) }
    main::tok(claims => { sub => "redir" }), main::tok(claims => { sub => "redir2", iss => "https://evil" });
[$T, $T, $U, $U]
--- error_code eval
[200, 200, 401, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT",
 "X-Cache: MISS\n" . main::challenge("Token issuer not accepted"),
 "X-Cache: HIT\n" . main::challenge("Token issuer not accepted")]
--- response_body_like eval
["\\Anamed sub=\\[redir\\] cache=\\[MISS\\]\\n\\z", "\\Anamed sub=\\[redir\\] cache=\\[HIT\\]\\n\\z",
 qr/401 Authorization Required/, qr/401 Authorization Required/]
--- no_error_log
[warn]
[error]



=== TEST 21: with auth_token_introspect_jwt on, the claims of the introspection answer apply on a HIT too
A JWT that verifies is introspected as well, and the IdP's answer is the
token's claims (variables, exp, scope). /exp: the IdP says the token
expired (exp 1000): refused every time, not only before the JWT's
verification was cached. /scope: the IdP grants scope "read" (the JWT has
none): accepted every time, with the IdP's sub.
--- http_config
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location = /expired { echo_read_request_body; echo '{"active":true,"sub":"from-idp","exp":1000}'; }
        location = /scoped { echo_read_request_body; echo '{"active":true,"sub":"from-idp","scope":"read"}'; }
    }
--- config
    location /exp {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_expired;
        auth_token_introspect_jwt on;
        echo "exp sub=[$auth_token_claim_sub]";
    }
    location /scope {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_scoped;
        auth_token_introspect_jwt on;
        auth_token_scope read;
        echo "scope sub=[$auth_token_claim_sub]";
    }
    location = /_expired { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/expired; }
    location = /_scoped { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/scoped; }
--- request eval
["GET /exp", "GET /exp", "GET /scope", "GET /scope"]
--- more_headers eval
our ($T, $U) = map { main::bearer_of($_) }
    main::tok(claims => { sub => "from-jwt" }), main::tok(claims => { sub => "from-jwt2" });
[$T, $T, $U, $U]
--- error_code eval
[401, 401, 200, 200]
--- response_headers eval
[(main::challenge("Token expired")) x 2, "!WWW-Authenticate", "!WWW-Authenticate"]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/,
 "\\Ascope sub=\\[from-idp\\]\\n\\z", "\\Ascope sub=\\[from-idp\\]\\n\\z"]



=== TEST 22: the cache key is every byte of the token: the last character of the signature changed is another entry, MISS and 401
For an RS256 signature (256 bytes) the last base64url character carries 2
bits; another of the four characters with those bits is another signature.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
my $t = main::tok(claims => { sub => "last-char" });
my $u = $t;
my $c = substr($u, -1);
substr($u, -1) = { A => 'Q', Q => 'g', g => 'w', w => 'A' }->{$c} // die "last char $c\n";
[main::bearer_of($t), main::bearer_of($t), main::bearer_of($u), main::bearer_of($t)]
--- error_code eval
[200, 200, 401, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: MISS\n" . main::challenge("Signature verification failed"),
 "X-Cache: HIT"]



=== TEST 23: the kid alone is part of a key's fingerprint: the same key material under another kid does not vouch for a cached token
/a trusts rsa1 as kid "k1", /b the same material as kid "k2": a token with
kid "k1" cached at /a is an unknown key at /b, not a HIT.
--- http_config
    auth_token_zone tokens:1m;
--- user_files eval
my %k1 = (%{ $main::KEY{rsa1} }, kid => "k1");
my %k2 = (%{ $main::KEY{rsa1} }, kid => "k2");
">>> a.json\n" . JSON::PP->new->canonical->encode({ keys => [ \%k1 ] })
. "\n>>> b.json\n" . JSON::PP->new->canonical->encode({ keys => [ \%k2 ] })
--- config
    location /a {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/a.json;
        add_header X-Cache $auth_token_cache always;
        echo "a";
    }
    location /b {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/b.json;
        add_header X-Cache $auth_token_cache always;
        echo "b";
    }
--- request eval
["GET /a", "GET /a", "GET /b"]
--- more_headers eval
my $t = main::bearer_of(main::tok(alg => "RS256", key => "rsa1", kid => "k1"));
[$t, $t, $t]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", main::challenge("Unknown signing key")]



=== TEST 24: a hit needs a key allowed to verify the token's alg: the same key (material and kid) restricted to PS256 does not vouch for an RS256 token
--- http_config
    auth_token_zone tokens:1m;
--- user_files eval
my %rs = (%{ $main::KEY{rsa1} }, kid => "k1", alg => "RS256");
my %ps = (%{ $main::KEY{rsa1} }, kid => "k1", alg => "PS256");
">>> rs.json\n" . JSON::PP->new->canonical->encode({ keys => [ \%rs ] })
. "\n>>> ps.json\n" . JSON::PP->new->canonical->encode({ keys => [ \%ps ] })
--- config
    location /rs {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/rs.json;
        add_header X-Cache $auth_token_cache always;
        echo "rs";
    }
    location /ps {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/ps.json;
        add_header X-Cache $auth_token_cache always;
        echo "ps";
    }
--- request eval
["GET /rs", "GET /rs", "GET /ps"]
--- more_headers eval
my $t = main::bearer_of(main::tok(alg => "RS256", key => "rsa1", kid => "k1"));
[$t, $t, $t]
--- error_code eval
[200, 200, 401]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", main::challenge("No key for the token algorithm")]
