# An outside audit's findings, one or more blocks each, every one failing on
# the module before the fixes (see docs/security.md, "Attack catalogue"):
#
#   2. auth_request services never see a client's copy of a claim header;
#   3. auth_token in a location reached only by subrequests (auth_request,
#      SSI include virtual) checks the main request's token: it never fails
#      open; the module's own calls are never checked;
#   4. each location trusts a cached introspection or reissue answer only
#      for its own lifetime;
#   5. variables in the URIs of identity-provider calls give one key set
#      and one cached answer per value (per tenant); directives that cannot
#      take variables refuse them;
#   6. a decision is kept across an internal redirect only where the same
#      policy applies;
#   7. $http_<claim header> evaluated before the check never holds the
#      client's value;
#   8. degenerate keys (RSA e = 1, 2 or even, Ed25519 small-order and
#      non-canonical points) are refused, each with its kid in the log, and
#      the tokens they would let anyone forge are refused;
#   9. outside strings (a kid) are escaped in log lines.
#
# Finding 1 (the header list on the stack) is t/023-lua.t, 10 (claim header
# encoding) t/007-headers.t TESTs 14-18 and t/008-variables.t, 11 (key
# rotation) t/011-jwks-rotation.t TESTs 3-4c and 8b, 12 (mutation
# survivors) t/015-token-cache.t TESTs 19-21, t/unit and the compact
# runner's selftest.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use Digest::SHA ();
use JSON::PP ();

# A JWKS of the good keys of t/keys/jwks.json (so the file loads) and the
# degenerate ones: anyone can sign for them.
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub weak_jwks {
    my $n = $KEY{rsa1}{n};
    my @keys = (
        $KEY{rsa1}, $KEY{ed1},
        { kty => "RSA", kid => "weak-e1", n => $n, e => "AQ" },
        { kty => "RSA", kid => "weak-e2", n => $n, e => "Ag" },
        { kty => "RSA", kid => "weak-e4", n => $n, e => "BA" },
        { kty => "RSA", kid => "weak-\nnewline", n => $n, e => "AQ" },
        # the neutral point (y = 1) and y = p (0, not canonically encoded)
        { kty => "OKP", crv => "Ed25519", kid => "ed-neutral",
          x => AuthTokenTest::b64url("\x01" . ("\x00" x 31)) },
        { kty => "OKP", crv => "Ed25519", kid => "ed-noncanonical",
          x => AuthTokenTest::b64url("\xed" . ("\xff" x 30) . "\x7f") },
        # a point of order 8
        { kty => "OKP", crv => "Ed25519", kid => "ed-order8",
          x => AuthTokenTest::b64url(pack "H*",
                 "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05") },
    );
    return JSON::PP->new->canonical->encode({ keys => \@keys });
}

# RS256 with e = 1: the "signature" is the PKCS#1 v1.5 encoding itself
sub forged_e1 {
    my $header = AuthTokenTest::b64url('{"alg":"RS256","kid":"weak-e1"}');
    my $payload = AuthTokenTest::b64url('{"sub":"forged","exp":4102444800}');
    my $input = "$header.$payload";
    my $k = length AuthTokenTest::b64url_decode($KEY{rsa1}{n});
    my $t = pack("H*", "3031300d060960864801650304020105000420")
            . Digest::SHA::sha256($input);
    my $em = "\x00\x01" . ("\xff" x ($k - length($t) - 3)) . "\x00" . $t;
    return "Authorization: Bearer $input." . AuthTokenTest::b64url($em);
}

# EdDSA with the neutral point: R = the neutral point, S = 0
sub forged_ed {
    my ($kid) = @_;
    my $header = AuthTokenTest::b64url(qq({"alg":"EdDSA","kid":"$kid"}));
    my $payload = AuthTokenTest::b64url('{"sub":"forged","exp":4102444800}');
    my $sig = "\x01" . ("\x00" x 31) . ("\x00" x 32);
    return "Authorization: Bearer $header.$payload." . AuthTokenTest::b64url($sig);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: auth_request after auth_token: the authorization service sees the claim, never the client's copy of the claim header
The service allows admins only, by X-User. A valid token of alice with a
forged "X-User: admin" is refused by it; a token of admin passes.
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /authz {
            if ($http_x_user != "admin") { return 403; }
            return 204;
        }
        location = /app { echo "app x-user=[$http_x_user]"; }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        auth_request /_authz;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/app;
    }
    location = /_authz {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/authz;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
["X-User: admin\n" . AuthTokenTest::bearer(claims => { sub => "alice" }),
 "X_User: admin\nx-user: admin\n" . AuthTokenTest::bearer(claims => { sub => "alice" }),
 AuthTokenTest::bearer(claims => { sub => "admin" })]
--- error_code eval
[403, 403, 200]
--- response_body_like eval
[qr/403 Forbidden/, qr/403 Forbidden/, qr/\Aapp x-user=\[admin\]\n\z/]



=== TEST 2: auth_token as the target of auth_request: the subrequest checks the main request's token; 401 and its challenge, or the claims through auth_request_set
--- config
    location /t {
        auth_request /_check;
        auth_request_set $user $auth_token_claim_sub;
        auth_request_set $token_status $auth_token_status;
        add_header X-User $user always;
        echo "ok user=[$user] status=[$token_status]";
    }
    location = /_check {
        internal;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope read;
        echo "checked";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
["", AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 60 }),
 AuthTokenTest::bearer(claims => { scope => "write" }),
 AuthTokenTest::bearer(claims => { scope => "read" })]
--- error_code eval
[401, 401, 403, 200]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"',
 "",
 "X-User: user-42"]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/, qr/403 Forbidden/,
 qr/\Aok user=\[user-42\] status=\[valid\]\n\z/]



=== TEST 3: SSI include virtual into a protected location: served only with a valid token of the main request
--- user_files
>>> page.html
before <!--# include virtual="/secret/part" --> after
--- config
    location = /page.html {
        ssi on;
    }
    location /secret/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "SECRET";
    }
--- request eval
["GET /page.html", "GET /page.html", "GET /secret/part"]
--- more_headers eval
["", AuthTokenTest::bearer(), ""]
--- error_code eval
[200, 200, 401]
--- response_body_like eval
[qr/\Abefore (?!.*SECRET).*after\n\z/s, qr/\Abefore SECRET\n after\n\z/, qr/401/]



=== TEST 4: the module's own calls are never checked, though their location inherits auth_token from the server
--- http_config
    auth_token_zone tokens:1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /keys/ { alias $TEST_NGINX_KEYS/; }
    }
--- config
    auth_token "api";
    auth_token_jwks_request /_jwks;

    location /t { echo "ok"; }
    location = /_jwks {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
--- request eval
["GET /t", "GET /_jwks"]
--- more_headers eval
[AuthTokenTest::bearer(), ""]
--- error_code eval
[200, 401]
--- response_body_like eval
[qr/\Aok\n\z/, qr/401/]



=== TEST 5: each location trusts a cached introspection answer for its own lifetime: /admin (2 s) asks the IdP again, /api (1 h) does not
--- http_config
    auth_token_zone tokens:1m;
    log_format idp '$request_uri';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        location = /introspect {
            echo_read_request_body;
            echo '{"active":true,"sub":"alice","exp":4102444800}';
        }
    }
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 1h;
        add_header X-Cache $auth_token_cache always;
        echo "api";
    }
    location /admin {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 2s;
        add_header X-Cache $auth_token_cache always;
        echo "admin";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
--- request eval
["GET /api", "GET /admin", "GET /sleep?s=3.1", "GET /admin", "GET /api", "GET /idp-log"]
--- more_headers eval
[("Authorization: Bearer opaque-token-1") x 2, "", ("Authorization: Bearer opaque-token-1") x 2, ""]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "", "X-Cache: EXPIRED", "X-Cache: HIT", ""]
--- response_body eval
["api\n", "admin\n", "slept\n", "admin\n", "api\n", "/introspect\n/introspect\n"]
--- timeout: 6



=== TEST 6: each location trusts a cached reissue for its own lifetime too
--- http_config
    auth_token_zone tokens:1m;
    log_format idp '$request_uri';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        location = /exchange {
            echo_read_request_body;
            echo '{"access_token":"downstream-1","token_type":"Bearer","expires_in":3600}';
        }
        location = /app { access_log off; echo "auth=[$http_authorization]"; }
    }
--- config
    location /long {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_cache_valid 1h;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/app;
    }
    location /short {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_cache_valid 2s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/app;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /sleep { echo_sleep $arg_s; echo "slept"; }
--- request eval
["GET /long", "GET /short", "GET /sleep?s=3.1", "GET /short", "GET /long", "GET /idp-log"]
--- more_headers eval
my $t = AuthTokenTest::bearer();
[$t, $t, "", $t, $t, ""]
--- response_body eval
["auth=[Bearer downstream-1]\n", "auth=[Bearer downstream-1]\n", "slept\n",
 "auth=[Bearer downstream-1]\n", "auth=[Bearer downstream-1]\n", "/exchange\n/exchange\n"]
--- timeout: 6



=== TEST 7: one key set per tenant: a variable in auth_token_jwks_request; a token is verified only with its own tenant's keys
Tenant a publishes rsa1, tenant b rsa2 (t/keys/jwks-rsa2only.json).
--- http_config
    auth_token_zone tokens:1m;
    log_format idp '$request_uri';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        location = /jwks/a { alias $TEST_NGINX_SERVER_ROOT/html/a.json; }
        location = /jwks/b { alias $TEST_NGINX_KEYS/jwks-rsa2only.json; }
    }
--- user_files eval
">>> a.json\n" . JSON::PP->new->canonical->encode({ keys => [ $main::KEY{rsa1} ] })
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_request /_jwks/$http_x_tenant max=10;
        add_header X-Age $auth_token_jwks_age always;
        echo "ok $http_x_tenant";
    }
    location /_jwks/ {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/jwks/;
    }
    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
my $a = AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1");
my $b = AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2");
["X-Tenant: a\n$a", "X-Tenant: b\n$a", "X-Tenant: b\n$b", "X-Tenant: a\n$b", "X-Tenant: a\n$a", ""]
--- error_code eval
[200, 401, 200, 401, 200, 200]
--- response_headers eval
["X-Age: 0", "", "", "", "", ""]
--- response_body_like eval
[qr/\Aok a\n\z/, qr/401/, qr/\Aok b\n\z/, qr/401/, qr/\Aok a\n\z/,
 qr/\A\/jwks\/a\n\/jwks\/b\n\/jwks\/b\n\/jwks\/a\n\z/]



=== TEST 8: one cached introspection answer per tenant: a variable in auth_token_introspect_request
Tenant a says the token is active, tenant b that it is not: b never gets
a's answer from the cache.
--- http_config
    auth_token_zone tokens:1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /introspect/a {
            echo_read_request_body;
            echo '{"active":true,"sub":"alice","exp":4102444800}';
        }
        location = /introspect/b {
            echo_read_request_body;
            echo '{"active":false}';
        }
    }
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect/$http_x_tenant;
        echo "ok $auth_token_claim_sub";
    }
    location /_introspect/ {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect/;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-Tenant: a\nAuthorization: Bearer shared-token",
 "X-Tenant: b\nAuthorization: Bearer shared-token",
 "X-Tenant: a\nAuthorization: Bearer shared-token"]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
[qr/\Aok alice\n\z/, qr/401/, qr/\Aok alice\n\z/]



=== TEST 9: auth_token_jwks_file does not take variables: refused at configuration time
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-$host.json;
        echo "ok";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_token_jwks_file" directive does not take variables/



=== TEST 10: auth_token_issuer does not take variables: refused at configuration time
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_issuer $http_x_issuer;
        echo "ok";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_token_issuer" directive does not take variables/



=== TEST 11: an internal redirect to a location that trusts other keys (try_files to a named location): the token is checked there again
/partner/ trusts the partner's key (rsa2), @app only the corporate one
(rsa1): a partner token accepted at /partner/ is refused at @app; a
corporate token, refused at /partner/, never reaches @app.
--- user_files eval
">>> corp.json\n" . JSON::PP->new->canonical->encode({ keys => [ $main::KEY{rsa1} ] })
--- config
    location /partner/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        try_files /nonexistent @app;
    }
    location @app {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/corp.json;
        echo "app sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /partner/x", "GET /partner/x"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2"),
 AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "rsa1")]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"']



=== TEST 12: an internal redirect to a location that trusts other keys (error_page): checked again; to one with the same policy: kept
--- user_files eval
">>> corp.json\n" . JSON::PP->new->canonical->encode({ keys => [ $main::KEY{rsa1} ] })
--- config
    location /partner/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        error_page 404 = @corp;
    }
    location /same/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        error_page 404 = @partner;
    }
    location @corp {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/corp.json;
        echo "corp";
    }
    location @partner {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        echo "partner sub=[$auth_token_claim_sub]";
    }
--- request eval
["GET /partner/missing", "GET /same/missing"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2"),
 AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa2")]
--- error_code eval
[401, 200]
--- response_body_like eval
[qr/401/, qr/\Apartner sub=\[user-42\]\n\z/]



=== TEST 13: $http_x_user evaluated before the check (set, map) never holds the client's copy; after it, the claim
--- http_config
    map $http_x_user $mapped { default "m:$http_x_user"; }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "via=[$http_x_via] early=[$http_x_early] srv=[$http_x_early_srv] map=[$http_x_map] user=[$http_x_user]";
        }
    }
--- config
    set $early_srv "s:$http_x_user";

    location /t {
        set $early "e:$http_x_user";
        set $m $mapped;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_set_header X-Via $http_x_user;
        proxy_set_header X-Early $early;
        proxy_set_header X-Early-Srv $early_srv;
        proxy_set_header X-Map $m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: admin\n" . AuthTokenTest::bearer(claims => { sub => "alice" })
--- response_body
via=[alice] early=[e:] srv=[s:] map=[m:] user=[alice]



=== TEST 14: degenerate keys are refused, each logged with its kid (escaped), and the good keys of the file stay
--- user_files eval
">>> weak.json\n" . main::weak_jwks()
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/weak.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
ok
--- error_log eval
[qr/\[warn\] .*key #2 \(kid "weak-e1"\) skipped: RSA exponent is not odd and at least 3/,
 qr/\[warn\] .*key #3 \(kid "weak-e2"\) skipped: RSA exponent is not odd and at least 3/,
 qr/\[warn\] .*key #4 \(kid "weak-e4"\) skipped: RSA exponent is not odd and at least 3/,
 qr/\[warn\] .*key #5 \(kid "weak-\\x0anewline"\) skipped/,
 qr/\[warn\] .*key #6 \(kid "ed-neutral"\) skipped: Ed25519 point of small order/,
 qr/\[warn\] .*key #7 \(kid "ed-noncanonical"\) skipped: Ed25519 point not canonically encoded/,
 qr/\[warn\] .*key #8 \(kid "ed-order8"\) skipped: Ed25519 point of small order/]



=== TEST 15: tokens forged for degenerate keys (RS256 with e = 1, EdDSA with the neutral point) are refused
--- user_files eval
">>> weak.json\n" . main::weak_jwks()
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_SERVER_ROOT/html/weak.json;
        echo "ok $auth_token_claim_sub";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::forged_e1(), main::forged_ed("ed-neutral")]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"']



=== TEST 16: a kid with a newline cannot split the log line: escaped as every outside string is
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(kid => "x\n2026/01/01 00:00:00 [alert] 1#1: forged \"quote\" \\ \x{e9}")
--- error_code: 401
--- error_log eval
qr/auth_token: 401: Unknown signing key \(unknown_key\), kid "x\\x0a2026\/01\/01 00:00:00 \[alert\] 1#1: forged \\x22quote\\x22 \\x5c \\xc3\\xa9"/
--- no_error_log eval
qr/^2026\/01\/01 00:00:00 \[alert\]/m
