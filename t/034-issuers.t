# Several issuers in one location, each bound to its own keys
# (auth_token_issuer ... jwks=uri | jwks_file=path): a multi-tenant
# provider (Logto style) gives each tenant its own issuer and JWKS.  The
# token's "iss", read before the signature is checked, only chooses the
# keys that may verify it: a token is accepted only when it verifies with
# the keys of its own issuer; an issuer not listed is refused before any
# call to an identity provider.  An issuer listed without keys of its own
# verifies with the location's keys.  A verified-token cache hit is taken
# only when the key that verified the token belongs to the keys of the
# token's issuer in the location serving the request.
#
# Every block gets a fake identity provider on $TEST_NGINX_RAND_PORT_1
# serving html/idp/NAME with its own access log (/idp-log), and JWKS files
# html/a.json (rsa1 only), html/b.json (ec256 only), html/all.json (rsa1,
# ec256, ed1), also served by the IdP as /a.json, /b.json, /all.json.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

our $FILES = ">>> a.json\n" . jwks('rsa1') . "\n"
           . ">>> b.json\n" . jwks('ec256') . "\n"
           . ">>> all.json\n" . jwks('rsa1', 'ec256', 'ed1') . "\n"
           . ">>> idp/a.json\n" . jwks('rsa1') . "\n"
           . ">>> idp/b.json\n" . jwks('ec256') . "\n";

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
    $block->set_value(user_files => $FILES . ($block->user_files // ''));
});

our $A = 'https://a.example.com/oidc';
our $B = 'https://b.example.com/oidc';

# a token of an issuer, signed with one of the test keys
sub tok {
    my ($iss, $key, %more) = @_;
    my %alg = (rsa1 => 'RS256', ec256 => 'ES256', ed25519 => 'EdDSA');
    return AuthTokenTest::bearer(alg => $alg{$key}, key => $key,
                                 claims => { iss => $iss, %{ $more{claims} || {} } });
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: two issuers with key files: each token verifies with its own issuer's keys only
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://b.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;
        echo "ok $auth_token_claim_iss";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[main::tok($main::A, 'rsa1'), main::tok($main::B, 'ec256'),
 main::tok($main::A, 'ec256'), main::tok($main::B, 'rsa1')]
--- error_code eval
[200, 200, 401, 401]
--- response_body_like eval
["^ok https://a.example.com/oidc\$", "^ok https://b.example.com/oidc\$",
 "401 Authorization Required", "401 Authorization Required"]
--- response_headers eval
["", "",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\""]



=== TEST 2: an issuer not listed, or none: refused as wrong_issuer before any key is looked at
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://b.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;
        echo "ok";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[main::tok('https://c.example.com/oidc', 'rsa1'),
 main::tok(undef, 'rsa1'),
 main::tok('https://a.example.com/oidc/', 'rsa1')]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\""]



=== TEST 3: remote key sets per issuer (Logto style): one call per issuer's JWKS, none for an unknown issuer; an unknown kid refetches only its issuer's (once per interval)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks=/_jwks_a;
        auth_token_issuer https://b.example.com/oidc jwks=/_jwks_b;
        auth_token_jwks_refetch_interval 60s;
        echo "ok $auth_token_claim_sub";
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/a.json;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b.json;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok('https://c.example.com/oidc', 'rsa1'),
 main::tok($main::A, 'rsa1', claims => { sub => "alice" }),
 main::tok($main::B, 'ec256', claims => { sub => "bob" }),
 main::tok($main::A, 'ec256', claims => { sub => "mallory" }),
 main::tok($main::B, 'ec256', claims => { sub => "bob2" }),
 ""]
--- error_code eval
[401, 200, 200, 401, 200, 200]
--- response_body_like eval
["401 Authorization Required", "^ok alice\$", "^ok bob\$",
 "401 Authorization Required", "^ok bob2\$",
 "^GET /a.json\nGET /b.json\nGET /a.json\n\$"]



=== TEST 4: a verified-token cache hit counts only with a key of the token's own issuer in this location
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /one {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://b.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;
        echo "one $auth_token_cache";
    }
    location /swapped {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;
        auth_token_issuer https://b.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        echo "swapped $auth_token_cache";
    }
    location /plain {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/all.json;
        echo "plain $auth_token_cache";
    }
--- request eval
["GET /one", "GET /swapped", "GET /plain", "GET /one"]
--- more_headers eval
my $t = main::tok($main::A, 'rsa1', claims => { sub => "cached" });
[$t, $t, $t, $t]
--- error_code eval
[200, 401, 200, 200]
--- response_body_like eval
["^one MISS\$", "401 Authorization Required", "^plain HIT\$", "^one HIT\$"]



=== TEST 5: an issuer without keys of its own verifies with the location's keys; the others never do
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/b.json;
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://b.example.com/oidc;
        echo "ok";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[main::tok($main::A, 'rsa1'), main::tok($main::B, 'ec256'),
 main::tok($main::A, 'ec256'), main::tok($main::B, 'rsa1')]
--- error_code eval
[200, 200, 401, 401]



=== TEST 6: inherited from the server by locations, with keys resolved per location
--- http_config
    auth_token_zone tokens:1m;
--- config
    auth_token_issuer https://a.example.com/oidc jwks=/_jwks_a;
    auth_token_issuer https://b.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;

    location /api {
        auth_token "api";
        echo "ok";
    }
    location /other {
        auth_token "other";
        echo "other";
    }
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/a.json;
    }
--- request eval
["GET /api", "GET /other", "GET /other", "GET /idp-log"]
--- more_headers eval
[main::tok($main::A, 'rsa1'), main::tok($main::A, 'rsa1'),
 main::tok($main::B, 'ec256'), ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body eval
["ok\n", "other\n", "other\n", "GET /a.json\n"]



=== TEST 7: an issuer without keys in a location without keys is refused at nginx -t
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://b.example.com/oidc;
        echo "ok";
    }
--- must_die
--- error_log
issuer "https://b.example.com/oidc" has no keys



=== TEST 8: jwks= needs the URI of an internal location
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks=http://idp/keys;
        echo "ok";
    }
--- must_die
--- error_log
invalid parameter "jwks=http://idp/keys"



=== TEST 9: jwks= needs auth_token_zone
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks=/_jwks_a;
        echo "ok";
    }
--- must_die
--- error_log
"auth_token_issuer jwks=" requires "auth_token_zone"



=== TEST 10: an issuer given twice is refused
--- config
    location /api {
        auth_token "api";
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/a.json;
        auth_token_issuer https://a.example.com/oidc jwks_file=$TEST_NGINX_SERVER_ROOT/html/b.json;
        echo "ok";
    }
--- must_die
--- error_log
issuer "https://a.example.com/oidc" is given twice



=== TEST 11: without keys of their own, issuers only restrict "iss", as before
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/all.json;
        auth_token_issuer https://a.example.com/oidc https://b.example.com/oidc;
        echo "ok";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[main::tok($main::A, 'ec256'), main::tok($main::B, 'rsa1'),
 main::tok('https://c.example.com/oidc', 'rsa1')]
--- error_code eval
[200, 200, 401]
