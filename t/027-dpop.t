# DPoP (RFC 9449): auth_token_dpop, auth_token_dpop_algs,
# auth_token_dpop_origin, auth_token_dpop_window and $auth_token_dpop_jkt.
#
# Proofs, keys and DPoP-bound tokens are made by npm's jose
# (t/lib/dpop-mint.mjs through t/lib/AuthTokenSender.pm), independently of
# the module.  Every block mints what it sends just before it runs (a code
# reference in --- more_headers, called by the preprocessor below), so that
# a proof's iat is fresh whenever its block runs, also under valgrind.
#
# Covered: a valid proof for each key type and the algorithms allowed;
# each check of RFC 9449, section 4.3 failing on its own (htm, htu with
# another path, host, port or scheme, query and fragment ignored, iat too
# old or in the future, with the window and the leeway, ath, the key's
# thumbprint, HS256 and "none" proofs, a private key in jwk, no jwk, typ,
# a bad signature, no DPoP header, two, an oversized one); a DPoP-bound
# token as a bearer token and an unbound token with the DPoP scheme
# (binding_mismatch); "required"; plain bearer tokens beside DPoP ("on");
# replayed proofs, in one worker and across two workers, and a refused
# proof that does not consume its jti; a full zone that forgot a jti
# refuses its replay; the verified-token cache still hits while every
# proof is verified; DPoP with introspection (cnf.jkt in the answer);
# internal redirects and auth_request subrequests (the main request's
# method and URI, the same proof not a replay of itself); what the
# upstream receives; the challenges; configuration errors.
#
# Every block gets (see the preprocessor below) a location /error-log with
# nginx's error log.  Locations configure auth_token_dpop_origin
# http://localhost (the test server listens on another port; Test::Nginx
# sends "Host: localhost") unless a block is about the origin.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use AuthTokenSender;

master_on();
workers(2);
worker_connections(256);

our $TOOLS = <<'_EOC_';

    location = /error-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    # minted now, just before the block runs
    my $mh = $block->more_headers;
    $block->set_value(more_headers => $mh->()) if ref $mh eq 'CODE';
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
});

our $ALGS = 'RS256 PS256 ES256 EdDSA';
our $HTU = 'http://localhost/t';

# the thumbprints of the fixed client keys (t/keys/sender/dpop-*.pem)
our %JKT = map { $_ => AuthTokenSender::dpop_key($_)->{jkt} }
           qw(ec256 ec256b rsa ed25519);

# The usual location: DPoP on, bearer tokens allowed.
our $LOC = <<'_EOC_';
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        echo "status=[$auth_token_status] jkt=[$auth_token_dpop_jkt] cache=[$auth_token_cache] sub=[$auth_token_claim_sub]";
    }
_EOC_

our $ZONE = "    auth_token_zone tokens:1m;\n";

sub ok_body {
    my ($key, $cache, $sub) = @_;
    return "status=[valid] jkt=[$JKT{$key // 'ec256'}] cache=[" . ($cache // 'MISS')
         . "] sub=[" . ($sub // 'user-42') . "]\n";
}

# The WWW-Authenticate value(s), joined as Test::Nginx joins repeated
# headers: the DPoP challenge first, then (unless $only) the bearer one.
# $where: which carries the error ('dpop' or 'bearer').
sub www {
    my (%o) = @_;
    my $where = $o{where} // 'dpop';
    my $err = $o{error} // ($o{desc} ? 'invalid_dpop_proof' : undef);
    my $e = defined $err ? qq{, error="$err", error_description="$o{desc}"} : '';
    my $d = qq{DPoP realm="api"} . ($where eq 'dpop' ? $e : '') . qq{, algs="} . ($o{algs} // $ALGS) . '"';
    return $d if $o{only};
    return "$d, " . qq{Bearer realm="api"} . ($where eq 'bearer' ? $e : '');
}

sub bad_proof { www(desc => $_[0]) }

# Header lines of a DPoP request: a token bound to the ec256 key and a
# proof for $HTU (AuthTokenSender::dpop's options).
sub dpop { AuthTokenSender::dpop(htu => $HTU, @_) }

# A token, then proofs for it, each a hash of proof options.
sub token_and_proofs {
    my ($topts, @popts) = @_;
    my $token = AuthTokenSender::dpop_token(%{ $topts || {} });
    my @p = AuthTokenSender::mint(map { { cmd => 'proof', htu => $HTU, token => $token, %$_ } } @popts);
    return ($token, map { $_->{proof} } @p);
}

sub lines {
    my ($token, $proof, $scheme) = @_;
    return "Authorization: " . ($scheme // 'DPoP') . " $token" . (defined $proof ? "\nDPoP: $proof" : '');
}

# The error log (GET /error-log, the last request of an array) holds each
# string, in this order.
sub log_like {
    my $re = join '.*?', map { quotemeta } @_;
    return qr/$re/s;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a DPoP-bound token with a valid proof: 200, $auth_token_dpop_jkt is the proof key's thumbprint; the upstream gets the DPoP header, not the token (auth_token_pass_token off)
--- http_config eval
$::ZONE . q{
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { echo "auth=[$http_authorization] dpop=[$http_dpop]"; }
    }
}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        add_header X-Jkt $auth_token_dpop_jkt always;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
sub { main::dpop() }
--- response_headers eval
["X-Status: valid\nX-Jkt: $::JKT{ec256}"]
--- response_body_like eval
[qr/\Aauth=\[\] dpop=\[eyJ[A-Za-z0-9_.-]+\]\n\z/]
--- error_log
auth_token: bind: DPoP proof accepted
--- no_error_log
[warn]
[error]



=== TEST 2: every key type of the client, each with its algorithm: EC P-256 (ES256), RSA (RS256 and PS256), Ed25519 (EdDSA)
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
sub {
    [map { main::dpop(key => $_->[0], alg => $_->[1]) }
         (['ec256', 'ES256'], ['rsa', 'RS256'], ['rsa', 'PS256'], ['ed25519', 'EdDSA'])]
}
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[map { qr/\Astatus=\[valid\] jkt=\[$::JKT{$_}\] cache=\[(?:MISS|HIT)\] sub=\[user-42\]\n\z/ } qw(ec256 rsa rsa ed25519)]
--- no_error_log
[warn]
[error]



=== TEST 3: auth_token_dpop_algs: ES384 is not allowed by default ("DPoP proof algorithm is not allowed", and the challenge lists the default algorithms); allowed where the location lists it, which also names its algs in the challenge
--- http_config eval: $::ZONE
--- config eval
$::LOC . q{
    location /t384 {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_algs ES384 ES256;
        auth_token_dpop_origin http://localhost;
        echo "status=[$auth_token_status]";
    }
}
--- request eval
["GET /t", "GET /t384", "GET /t384", "GET /error-log"]
--- more_headers eval
sub {
    my $kp = AuthTokenSender::dpop_keypair('ES384');
    my ($t1, $p1) = main::token_and_proofs({ jkt => $kp->{jkt} }, { key => $kp->{private_jwk} });
    my ($t2, $p2) = main::token_and_proofs({ jkt => $kp->{jkt} }, { key => $kp->{private_jwk}, htu => 'http://localhost/t384' });
    # a token bound to the rsa key's thumbprint is not the ec256 default
    my $rsa = AuthTokenSender::dpop_token(jkt => $::JKT{rsa});
    my ($p4) = map { $_->{proof} } AuthTokenSender::mint({ cmd => 'proof', key => 'rsa', htu => 'http://localhost/t384', token => $rsa });
    [main::lines($t1, $p1), main::lines($t2, $p2), main::lines($rsa, $p4), ""]
}
--- error_code eval
[401, 200, 401, 200]
--- response_headers eval
[
    "WWW-Authenticate: " . main::bad_proof('DPoP proof algorithm is not allowed'),
    "",
    "WWW-Authenticate: " . main::www(desc => 'DPoP proof algorithm is not allowed', algs => 'ES256 ES384'),
    "",
]
--- response_body_like eval
[qr/401/, qr/\Astatus=\[valid\]\n\z/, qr/401/,
 main::log_like('auth_token: 401: DPoP proof algorithm is not allowed (invalid_dpop_proof), kid "rsa1", sub "user-42"')]
--- no_error_log
[error]



=== TEST 4: each proof is verified on every request while the access token's verification comes from the cache: MISS, then HIT, HIT; three proof signatures checked, one token signature
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t", "GET /error-log"]
--- more_headers eval
sub {
    my ($t, @p) = main::token_and_proofs({}, {}, {}, {});
    [(map { main::lines($t, $_) } @p), ""]
}
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[map({ qr/\A\Q$_\E\z/ } main::ok_body('ec256', 'MISS'), main::ok_body('ec256', 'HIT'), main::ok_body('ec256', 'HIT')),
 qr/\A(?!(?:.*?signature check over){2}).*?${\ main::log_like(
    'auth_token: signature check over', 'auth_token: bind: DPoP proof signature verified',
    'auth_token: verified-token cache hit', 'auth_token: bind: DPoP proof signature verified',
    'auth_token: verified-token cache hit', 'auth_token: bind: DPoP proof signature verified')}/s]

--- no_error_log
[error]



=== TEST 5: a replayed proof: the same proof twice is refused the second time (also when the token is a cache HIT); a fresh proof for the same token passes
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t", "GET /error-log"]
--- more_headers eval
sub {
    my ($t, $p1, $p2) = main::token_and_proofs({}, {}, {});
    [main::lines($t, $p1), main::lines($t, $p1), main::lines($t, $p2), ""]
}
--- error_code eval
[200, 401, 200, 200]
--- response_headers eval
["", "WWW-Authenticate: " . main::bad_proof('DPoP proof has been used before'), "", ""]
--- response_body_like eval
[qr/\Astatus=\[valid\]/, qr/401 Authorization Required/, qr/\Astatus=\[valid\].*cache=\[HIT\]/,
 main::log_like('auth_token: 401: DPoP proof has been used before (invalid_dpop_proof), kid "rsa1", sub "user-42"')]
--- no_error_log
[error]



=== TEST 6: a proof replayed across both workers: the first of 20 identical requests (a reuseport listener spreads them over the two workers) is accepted, the other 19 are refused, also by the worker that did not see the first
--- http_config eval: $::ZONE
--- config
    listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2 reuseport;

    location = /fanout {
        echo_location /fan/1; echo_location /fan/2; echo_location /fan/3;
        echo_location /fan/4; echo_location /fan/5; echo_location /fan/6;
        echo_location /fan/7; echo_location /fan/8; echo_location /fan/9;
        echo_location /fan/10; echo_location /fan/11; echo_location /fan/12;
        echo_location /fan/13; echo_location /fan/14; echo_location /fan/15;
        echo_location /fan/16; echo_location /fan/17; echo_location /fan/18;
        echo_location /fan/19; echo_location /fan/20;
    }

    location /fan/ {
        rewrite ^ /t break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        error_page 401 = @refused;
        echo "accepted $pid";
    }

    location @refused {
        echo "refused $pid $auth_token_status";
    }
--- request
GET /fanout
--- more_headers eval
sub { main::dpop() }
--- response_body_like eval
qr/\A(?=accepted \d+\n(?:refused \d+ invalid_dpop_proof\n){19}\z)(?=.*?\w+ (\d+)\b.*?\w+ (?!\1\b)\d+\b)/s
--- error_log
DPoP proof has been used before (invalid_dpop_proof)
--- no_error_log
[error]



=== TEST 7: a refused proof does not consume its jti: the same proof refused for another method, another path, and a token another location refuses, then accepted where it belongs
--- http_config eval: $::ZONE
--- config eval
$::LOC . q{
    location /aud {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_audience other;
        echo "status=[$auth_token_status]";
    }
}
--- request eval
["POST /t", "GET /t2", "GET /aud", "GET /t", "GET /t"]
--- more_headers eval
sub { my $h = main::dpop(); [($h) x 5] }
--- error_code eval
[401, 401, 401, 200, 401]
--- response_headers eval
[
    "WWW-Authenticate: " . main::bad_proof('DPoP proof \"htm\" does not match the request method'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof \"htu\" does not match the request URI'),
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'Token audience not accepted'),
    "",
    "WWW-Authenticate: " . main::bad_proof('DPoP proof has been used before'),
]
--- no_error_log
[error]



=== TEST 8: htm: the proof's method must be the request's, exactly (POST for GET, "get" for GET, GET for HEAD)
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "HEAD /t", "POST /t"]
--- more_headers eval
sub { [main::dpop(htm => 'POST'), main::dpop(htm => 'get'), main::dpop(htm => 'GET'), main::dpop(htm => 'POST')] }
--- error_code eval
[401, 401, 401, 200]
--- response_headers eval
[("WWW-Authenticate: " . main::bad_proof('DPoP proof \"htm\" does not match the request method')) x 3, ""]
--- no_error_log
[error]



=== TEST 9: htu: another path, host, port or scheme is refused; the query and the fragment never count, on either side; both sides are normalized (case of scheme and host, the default port, percent-encoding, dot segments); the path is the request-target as the client sent it, not nginx's URI (%2F, //, a rewrite)
--- http_config eval: $::ZONE
--- config eval
$::LOC . q{
    location /old {
        rewrite ^ /t last;
    }
}
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t/", "GET /t?a=1&b=2", "GET /t", "GET /t", "GET /t", "GET /t", "GET /x/../t?q", "GET /%74", "GET /t%2Fx", "GET /t%2Fx", "GET //t", "GET //t", "GET /old", "GET /old", "GET /error-log"]
--- more_headers eval
sub {
    [(map { main::dpop(htu => $_) }
        'http://localhost/other', 'http://evil.example.com/t', 'http://localhost:8080/t', 'https://localhost/t',
        'http://localhost/t',
        'http://localhost/t', 'http://localhost/t?x=y', 'http://localhost/t#frag', 'HTTP://LocalHost:80/t',
        'http://localhost/%74', 'http://localhost/t', 'http://localhost/t',
        'http://localhost/t%2Fx', 'http://localhost/t/x', 'http://localhost//t', 'http://localhost/t',
        'http://localhost/old', 'http://localhost/t'), ""]
}
--- error_code eval
[401, 401, 401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 401, 200, 401, 200, 401, 200]
--- response_headers eval
[("WWW-Authenticate: " . main::bad_proof('DPoP proof \"htu\" does not match the request URI')) x 5, ("") x 7,
 map({ ("", "WWW-Authenticate: " . main::bad_proof('DPoP proof \"htu\" does not match the request URI')) } 1 .. 3), ""]
--- response_body_like eval
[(qr/401/) x 5, (qr/\Astatus=\[valid\]/) x 7, map({ (qr/\Astatus=\[valid\]/, qr/401/) } 1 .. 3),
 main::log_like(('auth_token: 401: DPoP proof "htu" does not match the request URI (invalid_dpop_proof)') x 8)]
--- no_error_log
[error]



=== TEST 10: iat: too old for the window (60 s by default) or in the future is refused; auth_token_leeway widens both sides; auth_token_dpop_window narrows or widens the past
--- http_config eval: $::ZONE
--- config eval
$::LOC . q{
    location /leeway {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_leeway 30s;
        echo "status=[$auth_token_status]";
    }
    location /window {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_dpop_window 20s;
        echo "status=[$auth_token_status]";
    }
    location /long {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_dpop_window 1h;
        echo "status=[$auth_token_status]";
    }
}
--- request eval
["GET /t", "GET /t", "GET /t", "GET /leeway", "GET /leeway", "GET /leeway", "GET /window", "GET /window", "GET /long"]
--- more_headers eval
sub {
    my $now = time;
    [
        main::dpop(iat => $now - 120),
        main::dpop(iat => $now + 120),
        main::dpop(iat => $now - 40),
        main::dpop(htu => 'http://localhost/leeway', iat => $now - 70),
        main::dpop(htu => 'http://localhost/leeway', iat => $now + 20),
        main::dpop(htu => 'http://localhost/leeway', iat => $now + 50),
        main::dpop(htu => 'http://localhost/window', iat => $now - 40),
        main::dpop(htu => 'http://localhost/window', iat => $now),
        main::dpop(htu => 'http://localhost/long', iat => $now - 1800),
    ]
}
--- error_code eval
[401, 401, 200, 200, 200, 401, 401, 200, 200]
--- response_headers eval
[
    "WWW-Authenticate: " . main::bad_proof('DPoP proof is too old'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof is issued in the future'),
    "", "", "",
    "WWW-Authenticate: " . main::bad_proof('DPoP proof is issued in the future'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof is too old'),
    "", "",
]
--- no_error_log
[error]



=== TEST 11: ath: a proof for another access token, a proof without ath, and one with a malformed ath are refused
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
sub {
    my $other = AuthTokenSender::dpop_token(claims => { sub => 'someone-else' });
    my $t = AuthTokenSender::dpop_token();
    my ($p1, $p2, $p3) = map { $_->{proof} } AuthTokenSender::mint(
        { cmd => 'proof', htu => $::HTU, token => $other },
        { cmd => 'proof', htu => $::HTU },
        { cmd => 'proof', htu => $::HTU, ath => 'not-base64url-of-anything' });
    [main::lines($t, $p1), main::lines($t, $p2), main::lines($t, $p3)]
}
--- error_code eval
[401, 401, 401]
--- response_headers eval
[
    "WWW-Authenticate: " . main::bad_proof('DPoP proof \"ath\" does not match the access token'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof has no \"ath\"'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof \"ath\" does not match the access token'),
]
--- no_error_log
[error]



=== TEST 12: the proof's key must be the token's (cnf.jkt): a token bound to another key, and a jwk header swapped for another key (the signature no longer verifies)
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
sub {
    [
        main::dpop(token => { jkt => $::JKT{ec256b} }),
        main::dpop(broken => 'wrongkey'),
        main::dpop(key => 'ec256b', token => { jkt => $::JKT{ec256b} }),
    ]
}
--- error_code eval
[401, 401, 200]
--- response_headers eval
[
    "WWW-Authenticate: " . main::bad_proof('DPoP proof key does not match the token'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof signature is invalid'),
    "",
]
--- response_body_like eval
[qr/401/, qr/401/, qr/\Astatus=\[valid\] jkt=\[$::JKT{ec256b}\] /]
--- no_error_log
[error]



=== TEST 13: proofs that are not proofs: HS256 (an HMAC), "alg": "none", a private key in jwk, no jwk, "typ": "JWT", a changed signature, not a JWS at all
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
[("GET /t") x 7]
--- more_headers eval
sub {
    my $t = AuthTokenSender::dpop_token();
    my @p = map { $_->{proof} } AuthTokenSender::mint(
        map { { cmd => 'proof', htu => $::HTU, token => $t, broken => $_ } }
            qw(hs256 none private nojwk typ signature));
    [(map { main::lines($t, $_) } @p), main::lines($t, 'not-a-proof')]
}
--- error_code eval
[(401) x 7]
--- response_headers eval
[map { "WWW-Authenticate: " . main::bad_proof($_) }
    'DPoP proof algorithm is not allowed',
    'DPoP proof algorithm or header is not supported',
    'DPoP proof \"jwk\" holds a private key',
    'DPoP proof has no \"jwk\"',
    'DPoP proof \"typ\" is not \"dpop+jwt\"',
    'DPoP proof signature is invalid',
    'Malformed DPoP proof']
--- no_error_log
[error]



=== TEST 14: the DPoP header: none, two (even both valid), an empty one, one of 9,000 bytes (checked before parsing)
--- http_config eval
$::ZONE . "    large_client_header_buffers 4 16k;\n"
--- config eval: $::LOC
--- request eval
[("GET /t") x 4]
--- more_headers eval
sub {
    my ($t) = AuthTokenSender::dpop_token();
    [
        main::dpop(proofs => 0),
        main::dpop(proofs => 2),
        main::lines($t, ''),
        main::lines($t, 'e' x 9000),
    ]
}
--- error_code eval
[(401) x 4]
--- response_headers eval
[map { "WWW-Authenticate: " . main::bad_proof($_) }
    'No DPoP proof', 'More than one DPoP proof', 'DPoP proof is empty', 'DPoP proof is too long']
--- no_error_log
[error]



=== TEST 15: a DPoP-bound token sent as a bearer token (RFC 9449, section 7.1) is refused, even with a valid proof (binding_mismatch, invalid_token on the DPoP challenge); an unbound token with the DPoP scheme is refused too
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t", "GET /error-log"]
--- more_headers eval
sub {
    my $plain = AuthTokenTest::jwt();
    my ($p) = map { $_->{proof} } AuthTokenSender::mint({ cmd => 'proof', htu => $::HTU, token => $plain });
    [main::dpop(scheme => 'Bearer'), main::dpop(scheme => 'Bearer', proofs => 0), main::lines($plain, $p), ""]
}
--- error_code eval
[401, 401, 401, 200]
--- response_headers eval
[
    ("WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'DPoP-bound token sent without the DPoP scheme')) x 2,
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'Token is not bound to a DPoP key'),
    "",
]
--- response_body_like eval
[qr/401/, qr/401/, qr/401/, main::log_like(
    'auth_token: 401: DPoP-bound token sent without the DPoP scheme (binding_mismatch), kid "rsa1", sub "user-42"',
    'auth_token: 401: DPoP-bound token sent without the DPoP scheme (binding_mismatch), kid "rsa1", sub "user-42"',
    'auth_token: 401: Token is not bound to a DPoP key (binding_mismatch), kid "rsa1", sub "user-42"')]
--- no_error_log
[error]



=== TEST 16: auth_token_dpop on: plain bearer tokens are still accepted (no proof looked at); refusals of a bearer token carry the error on the bearer challenge; no token gets both bare challenges
--- http_config eval: $::ZONE
--- config eval: $::LOC
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
sub { [AuthTokenTest::bearer(), AuthTokenTest::bearer(claims => { exp => time - 10 }), ""] }
--- error_code eval
[200, 401, 401]
--- response_headers eval
["", "WWW-Authenticate: " . main::www(where => 'bearer', error => 'invalid_token', desc => 'Token expired'),
 "WWW-Authenticate: " . main::www()]
--- response_body_like eval
[qr/\Astatus=\[valid\] jkt=\[\] cache=\[MISS\] sub=\[user-42\]\n\z/, qr/401/, qr/401/]
--- no_error_log
[error]
bind: DPoP proof



=== TEST 17: auth_token_dpop required: a bearer token is refused ("Token is not DPoP-bound"), only the DPoP challenge is sent (also without a token); a DPoP token with its proof passes
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop required;
        auth_token_dpop_origin http://localhost;
        echo "status=[$auth_token_status] jkt=[$auth_token_dpop_jkt] cache=[$auth_token_cache] sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /error-log"]
--- more_headers eval
sub {
    my $plain = AuthTokenTest::jwt();
    my ($p) = map { $_->{proof} } AuthTokenSender::mint({ cmd => 'proof', htu => $::HTU, token => $plain });
    [AuthTokenTest::bearer(), main::lines($plain, $p), "", main::dpop(), ""]
}
--- error_code eval
[401, 401, 401, 200, 200]
--- response_headers eval
[
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'Token is not DPoP-bound', only => 1),
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'Token is not bound to a DPoP key', only => 1),
    "WWW-Authenticate: " . main::www(only => 1),
    "", "",
]
--- response_body_like eval
[qr/401/, qr/401/, qr/401/, qr/\Astatus=\[valid\]/,
 main::log_like('auth_token: 401: Token is not DPoP-bound (binding_mismatch), kid "rsa1", sub "user-42"')]
--- no_error_log
[error]



=== TEST 18: auth_token_dpop off (the default): nothing changes: a DPoP-bound token as a bearer token is accepted (cnf is not looked at), and "Authorization: DPoP" is another scheme (no token)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "status=[$auth_token_status]";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
sub { [main::dpop(scheme => 'Bearer'), main::dpop()] }
--- error_code eval
[200, 401]
--- response_headers eval
["", 'WWW-Authenticate: Bearer realm="api"']
--- no_error_log
[error]
auth_token: bind



=== TEST 19: DPoP with introspection: an opaque token whose RFC 7662 answer has cnf.jkt needs a proof of that key (ath over the opaque token); as a bearer token it is refused; a proof of another key is refused; an answer without cnf is a plain bearer token
--- http_config eval
$::ZONE . qq{
    map \$request_body \$idp_answer {
        ~^token=opaque-bound&  '{"active":true,"sub":"alice","exp":4102444800,"cnf":{"jkt":"$::JKT{ec256}"}}';
        ~^token=opaque-plain&  '{"active":true,"sub":"bob","exp":4102444800}';
        ~^token=opaque-badcnf&  '{"active":true,"sub":"carol","exp":4102444800,"cnf":{"jkt":42}}';
        default                '{"active":false}';
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        location = /introspect { echo_read_request_body; echo \$idp_answer; }
    }
}
--- config
    location /t {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        echo "status=[$auth_token_status] jkt=[$auth_token_dpop_jkt] sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
[("GET /t") x 6]
--- more_headers eval
sub {
    my @p = map { $_->{proof} } AuthTokenSender::mint(
        { cmd => 'proof', htu => $::HTU, token => 'opaque-bound' },
        { cmd => 'proof', htu => $::HTU, token => 'opaque-bound', key => 'ec256b' },
        { cmd => 'proof', htu => $::HTU, token => 'opaque-bound' });
    [main::lines('opaque-bound', $p[0]), main::lines('opaque-bound', $p[0]),
     main::lines('opaque-bound', undef, 'Bearer'), main::lines('opaque-bound', $p[1]),
     main::lines('opaque-plain', undef, 'Bearer'), main::lines('opaque-badcnf', $p[2])]
}
--- error_code eval
[200, 401, 401, 401, 200, 401]
--- response_headers eval
[
    "",
    "WWW-Authenticate: " . main::bad_proof('DPoP proof has been used before'),
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'DPoP-bound token sent without the DPoP scheme'),
    "WWW-Authenticate: " . main::bad_proof('DPoP proof key does not match the token'),
    "",
    "WWW-Authenticate: " . main::www(error => 'invalid_token', desc => 'Malformed \"cnf\" claim'),
]
--- response_body_like eval
[qr/\Astatus=\[valid\] jkt=\[$::JKT{ec256}\] sub=\[alice\]\n\z/, qr/401/, qr/401/, qr/401/,
 qr/\Astatus=\[valid\] jkt=\[\] sub=\[bob\]\n\z/, qr/401/]
--- no_error_log
[error]



=== TEST 19b: auth_token_introspect_jwt on: the provider's answer, not the JWT, says which key the token is bound to, on a verification and on a verified-token cache hit alike
--- http_config eval
$::ZONE . qq{
    map \$request_body \$idp_answer {
        ~^token=eyJ  '{"active":true,"sub":"from-idp","exp":4102444800,"cnf":{"jkt":"$::JKT{ec256b}"}}';
        default      '{"active":false}';
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        location = /introspect { echo_read_request_body; echo \$idp_answer; }
    }
}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        auth_token_introspect_jwt on;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        echo "status=[$auth_token_status] jkt=[$auth_token_dpop_jkt] sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
[("GET /t") x 3]
--- more_headers eval
sub {
    # the JWT says ec256, the provider ec256b
    my ($t, @p) = main::token_and_proofs({}, {}, {}, { key => 'ec256b' });
    [map { main::lines($t, $_) } @p]
}
--- error_code eval
[401, 401, 200]
--- response_headers eval
[("WWW-Authenticate: " . main::bad_proof('DPoP proof key does not match the token')) x 2, ""]
--- response_body_like eval
[qr/401/, qr/401/, qr/\Astatus=\[valid\] jkt=\[$::JKT{ec256b}\] sub=\[from-idp\]\n\z/]
--- no_error_log
[error]



=== TEST 20: the origin: by default $scheme://$host (Test::Nginx's "Host: localhost"); an origin with a port and a path prefix (a gateway mounted under one); $scheme://$http_host behind a non-default port
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        echo "status=[$auth_token_status]";
    }
    location /p/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin https://api.example.com:8443/gw;
        echo "status=[$auth_token_status]";
    }
    location /h {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin $scheme://$http_host;
        echo "status=[$auth_token_status]";
    }
--- request eval
["GET /t", "GET /p/x", "GET /p/x", "GET /h", "GET /h"]
--- more_headers eval
sub {
    [
        main::dpop(htu => 'http://localhost/t'),
        main::dpop(htu => 'https://api.example.com:8443/gw/p/x'),
        main::dpop(htu => 'https://api.example.com/gw/p/x'),
        "Host: api.example.com:8443\n" . main::dpop(htu => 'http://api.example.com:8443/h'),
        "Host: api.example.com:8443\n" . main::dpop(htu => 'http://api.example.com/h'),
    ]
}
--- error_code eval
[200, 200, 401, 200, 401]
--- no_error_log
[error]



=== TEST 21: internal redirects: to a location with the same policy (try_files), and to one with another policy (error_page) that checks the token anew: the proof of the request is not a replay of itself
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        try_files /nonexistent @same;
    }
    location @same {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        echo "same status=[$auth_token_status] jkt=[$auth_token_dpop_jkt]";
    }
    location /u {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        error_page 404 = @other;
        try_files /nonexistent =404;
    }
    location @other {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop required;
        auth_token_dpop_origin http://localhost;
        auth_token_leeway 5s;
        echo "other status=[$auth_token_status] jkt=[$auth_token_dpop_jkt]";
    }
--- request eval
["GET /t", "GET /u", "GET /error-log"]
--- more_headers eval
sub { [main::dpop(), main::dpop(htu => 'http://localhost/u'), ""] }
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/\Asame status=\[valid\] jkt=\[$::JKT{ec256}\]\n\z/, qr/\Aother status=\[valid\] jkt=\[$::JKT{ec256}\]\n\z/,
 main::log_like("auth_token: same policy, checking claims again", "auth_token: bind: this request's own jti, already recorded",
                "auth_token: another policy, checking again", "auth_token: bind: this request's own jti, already recorded")]

--- no_error_log
[error]



=== TEST 22: auth_request: the subrequest checks the main request's proof, against the main request's method and URI (a POST, though the subrequest is a GET)
--- http_config eval: $::ZONE
--- config
    location /app {
        auth_request /_check;
        auth_request_set $jkt $auth_token_dpop_jkt;
        echo "app jkt=[$jkt]";
    }
    location = /_check {
        internal;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop required;
        auth_token_dpop_origin http://localhost;
        empty_gif;
    }
--- request eval
["POST /app", "POST /app"]
--- more_headers eval
sub { [main::dpop(htm => 'POST', htu => 'http://localhost/app'), main::dpop(htm => 'GET', htu => 'http://localhost/_check')] }
--- error_code eval
[200, 401]
--- response_body_like eval
[qr/\Aapp jkt=\[$::JKT{ec256}\]\n\z/, qr/401/]
--- no_error_log
[error]



=== TEST 23: auth_token_pass_token on: the upstream gets "Authorization: DPoP <token>" and the DPoP header as the client sent them
--- http_config eval
$::ZONE . q{
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { echo "auth=[$http_authorization] dpop=[$http_dpop]"; }
    }
}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_pass_token on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers eval
sub { main::dpop() }
--- response_body_like eval
qr/\Aauth=\[DPoP eyJ[\w.-]+\] dpop=\[eyJ[\w.-]+\]\n\z/
--- no_error_log
[error]



=== TEST 24: a full zone that forgot the jti of a proof still within its window refuses that proof's replay ("too old to be checked for replay") instead of accepting it; a fresh proof passes
The zone (64 KB) holds a few hundred entries: 400 proofs, each a second
younger than the one before, evict the first one's jti long before its
proof leaves the window (1 h here).
--- http_config
    auth_token_zone tokens:64k;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin http://localhost;
        auth_token_dpop_window 1h;
        echo "ok";
    }
--- request eval
[("GET /t") x 402]
--- more_headers eval
sub {
    my $iat = time - 500;
    my ($t, @p) = main::token_and_proofs({}, (map { { iat => $iat + $_ } } 0 .. 399), {});
    my $fresh = pop @p;
    [map({ main::lines($t, $_) } @p), main::lines($t, $p[0]), main::lines($t, $fresh)]
}
--- error_code eval
[(200) x 400, 401, 200]
--- response_headers eval
[("") x 400, "WWW-Authenticate: " . main::bad_proof('DPoP proof is too old to be checked for replay'), ""]
--- no_error_log
[error]



=== TEST 25: configuration: auth_token_dpop needs auth_token_zone (the replay cache)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token_dpop" needs "auth_token_zone"}



=== TEST 26: configuration: auth_token_dpop with token=$variable (a DPoP token comes in the Authorization header)
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop required;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token_dpop" cannot be used with "auth_token \.\.\. token=\$cookie_at"}



=== TEST 27: configuration: auth_token_dpop_algs refuses HS256 (symmetric), none and unknown names
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_algs ES256 HS256;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"HS256" cannot sign DPoP proofs}



=== TEST 28: configuration: auth_token_dpop_algs none
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_algs none;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown algorithm "none"}



=== TEST 29: configuration: an origin without variables that is not an http(s) origin; an unknown mode
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop on;
        auth_token_dpop_origin ftp://files.example.com;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"auth_token_dpop_origin" "ftp://files\.example\.com" is not an http or https origin}



=== TEST 30: configuration: auth_token_dpop takes off, on or required
--- http_config eval: $::ZONE
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_dpop yes;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "yes"}



=== TEST 31: without auth_token the DPoP directives are inert (no zone needed); inherited from the server level into a location with auth_token, where they apply
--- http_config eval: $::ZONE
--- config
    auth_token_dpop required;
    auth_token_dpop_origin http://localhost;
    location /open {
        echo "open";
    }
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "status=[$auth_token_status]";
    }
--- request eval
["GET /open", "GET /t", "GET /t"]
--- more_headers eval
sub { ["", AuthTokenTest::bearer(), main::dpop()] }
--- error_code eval
[200, 401, 200]
--- response_body_like eval
[qr/open/, qr/401/, qr/valid/]
--- no_error_log
[error]
