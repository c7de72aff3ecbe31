# OpenID Connect / RFC 8414 discovery (auth_token_discovery_request): the
# issuer URL is the only provider detail written.  The document gives the
# issuer (checked as "iss" unless auth_token_issuer is set; with it, the
# document must name one of them exactly, OpenID Connect Discovery 1.0
# section 4.3), the jwks_uri (the keys are fetched through the location of
# auth_token_jwks_request, which proxies to $auth_token_jwks_uri) and the
# introspection_endpoint ($auth_token_introspection_endpoint).  The
# document is kept in the zone and refreshed like a key set; the last good
# one serves through an outage; a changed jwks_uri is followed.
#
# Every block gets a fake identity provider on $TEST_NGINX_RAND_PORT_1: its
# discovery document names the issuer https://idp.example.com and the key
# set /jwks-a.json (rsa1), or /jwks-b.json (ec256) once html/idp/use-b
# exists; /introspect accepts any token; html/idp/down makes the document
# a 500.  /idp-admin/NAME (WebDAV) creates or deletes those files;
# /idp-log counts the calls.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();

our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;
        default_type application/json;

        location = /.well-known/openid-configuration {
            if (-f $document_root/down) {
                return 500;
            }

            set $keys a;

            if (-f $document_root/use-b) {
                set $keys b;
            }

            return 200 '{"issuer":"https://idp.example.com","jwks_uri":"http://127.0.0.1:$server_port/jwks-$keys.json","introspection_endpoint":"http://127.0.0.1:$server_port/introspect","response_types_supported":["code"]}';
        }

        location = /introspect {
            return 200 '{"active":true,"sub":"opaque-user"}';
        }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location /idp-admin/ {
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT DELETE;
    }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
_EOC_

our $GATEWAY = <<'_EOC_';
    location = /_discovery {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/.well-known/openid-configuration;
    }
    location = /_jwks {
        internal;
        proxy_pass $auth_token_jwks_uri;
    }
    location = /_introspect {
        internal;
        proxy_pass $auth_token_introspection_endpoint;
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $GATEWAY . $TOOLS)
        if defined $block->config;
    $block->set_value(user_files => ">>> idp/jwks-a.json\n" . jwks('rsa1') . "\n"
                                  . ">>> idp/jwks-b.json\n" . jwks('ec256') . "\n"
                                  . ($block->user_files // ''));
});

sub tok {
    my ($key, %claims) = @_;
    my %alg = (rsa1 => 'RS256', ec256 => 'ES256');
    return AuthTokenTest::bearer(alg => $alg{$key}, key => $key,
                                 claims => { iss => 'https://idp.example.com', %claims });
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the issuer URL only: discovery, then the keys of its jwks_uri; one call each
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        echo "ok $auth_token_claim_sub $auth_token_jwks_uri";
    }
--- request eval
["GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok('rsa1', sub => 'alice'), main::tok('rsa1', sub => 'bob'), ""]
--- response_body_like eval
["^ok alice http://127\\.0\\.0\\.1:\\d+/jwks-a\\.json\$",
 "^ok bob http://127\\.0\\.0\\.1:\\d+/jwks-a\\.json\$",
 "^GET /.well-known/openid-configuration\\nGET /jwks-a.json\\n\$"]



=== TEST 2: the loads are logged at notice: the document with what it names, then the keys
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
--- request
GET /api
--- more_headers eval
main::tok('rsa1')
--- response_body
ok
--- error_log eval
[qr{\[notice\] .*auth_token: discovery document "/_discovery" loaded: issuer "https://idp\.example\.com", jwks_uri "http://127\.0\.0\.1:\d+/jwks-a\.json"},
 qr{\[notice\] .*auth_token: JWKS "http://127\.0\.0\.1:\d+/jwks-a\.json" loaded: 1 keys?, added "rsa1"}]



=== TEST 3: without auth_token_issuer, "iss" must be the document's issuer exactly
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[main::tok('rsa1', iss => 'https://evil.example.com'),
 main::tok('rsa1', iss => 'https://idp.example.com/'),
 main::tok('rsa1', iss => undef)]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\"",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token issuer not accepted\""]



=== TEST 4: auth_token_issuer set: a document naming another issuer is refused (503, no keys fetched)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_issuer https://login.example.com;
        echo "ok";
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok('rsa1', iss => 'https://login.example.com'), ""]
--- error_code eval
[503, 200]
--- response_body_like eval
["503 Service", "^GET /.well-known/openid-configuration\\n\$"]



=== TEST 5: auth_token_issuer set and named by the document: accepted
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_issuer https://login.example.com https://idp.example.com;
        echo "ok";
    }
--- request
GET /api
--- more_headers eval
main::tok('rsa1')
--- response_body
ok



=== TEST 6: the mismatch is logged
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_issuer https://login.example.com;
        echo "ok";
    }
--- request
GET /api
--- more_headers eval
main::tok('rsa1')
--- error_code: 503
--- error_log
auth_token: discovery document "/_discovery" fetch failed: its "issuer" is not one of auth_token_issuer; no document yet



=== TEST 7: a changed jwks_uri is followed: the new key set is fetched, the old keys no longer verify
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 1s;
        echo "ok $auth_token_jwks_uri";
    }
--- request eval
["GET /api", "PUT /idp-admin/use-b\nb", "GET /sleep?s=1.2", "GET /api",
 "GET /sleep?s=0.3", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok('rsa1'), "", "", main::tok('rsa1'), "", main::tok('ec256'),
 main::tok('rsa1'), ""]
--- error_code eval
[200, 201, 200, 200, 200, 200, 401, 200]
--- response_body_like eval
["^ok http://127\\.0\\.0\\.1:\\d+/jwks-a\\.json\$", "", "slept",
 "^ok http://127\\.0\\.0\\.1:\\d+/jwks-a\\.json\$", "slept",
 "^ok http://127\\.0\\.0\\.1:\\d+/jwks-b\\.json\$", "401",
 "^GET /.well-known/openid-configuration\\nGET /jwks-a.json\\n(?:GET /jwks-a.json\\n)?GET /.well-known/openid-configuration\\n(?s:.*)GET /jwks-b.json\\n"]



=== TEST 8: an outage: the last good document keeps serving
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refresh 1s;
        echo "ok";
    }
--- request eval
["GET /api", "PUT /idp-admin/down\nx", "GET /sleep?s=1.2", "GET /api",
 "GET /sleep?s=0.3", "GET /api", "GET /idp-log"]
--- more_headers eval
[main::tok('rsa1'), "", "", main::tok('rsa1'), "", main::tok('rsa1'), ""]
--- error_code eval
[200, 201, 200, 200, 200, 200, 200]
--- response_body_like eval
["^ok\$", "", "slept", "^ok\$", "slept", "^ok\$",
 "^GET /.well-known/openid-configuration\\nGET /jwks-a.json\\nGET /.well-known/openid-configuration\\n"]



=== TEST 9: no document at all (the provider is down from the start): 503, not 401
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_error_format json;
        echo "ok";
    }
--- user_files
>>> idp/down
x
--- request
GET /api
--- more_headers eval
main::tok('rsa1')
--- error_code: 503
--- response_body
{"error":"temporarily_unavailable","error_description":"No discovery document available"}



=== TEST 10: the introspection endpoint of the document ($auth_token_introspection_endpoint)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        auth_token_introspect_request /_introspect;
        echo "ok $auth_token_claim_sub";
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer an-opaque-token", ""]
--- response_body_like eval
["^ok opaque-user\$",
 "^GET /.well-known/openid-configuration\\nPOST /introspect\\n\$"]



=== TEST 11: discovery needs auth_token_jwks_request
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        echo "ok";
    }
--- must_die
--- error_log
"auth_token_discovery_request" needs "auth_token_jwks_request"



=== TEST 12: discovery needs auth_token_zone
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
--- must_die
--- error_log
"auth_token_discovery_request" requires "auth_token_zone"



=== TEST 13: the discovery URI takes no variables
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_discovery_request /_discovery/$host;
        auth_token_jwks_request /_jwks;
        echo "ok";
    }
--- must_die
--- error_log
does not take variables
