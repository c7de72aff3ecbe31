# Reissue / token exchange (auth_token_reissue_*): once the client's token
# is accepted, a subrequest obtains a downstream token from the identity
# provider, and the upstream receives that one instead of the client's.
#
# Covered: the RFC 8693 and JSON request bodies byte for byte, content
# types, Basic client authentication, nothing of the client's request at the
# identity provider; per-tenant parameters from a header; the cache (hits,
# keys, bounds by expires_in, by the new token's own exp, by
# auth_token_reissue_cache_valid, by the client token's exp); denials (403),
# rejections (401) and failures (503) with $auth_token_status; what the
# upstream sees (only the new token, also with token=$cookie_at and a
# client Basic header; auth_token_reissue_scheme); $auth_token_reissued;
# introspection then reissue; impersonation (act); one call for a burst of
# requests in one worker (across workers: t/017-reissue-burst.t);
# configuration errors.
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config)
#     with its own access log (logs/idp.log: one line per call with the
#     request body and the headers the client might have leaked). Its
#     answer depends on a marker in the request body (map $xcase): the
#     value of a parameter such as audience=tenant-a;
#   - the backend on the same port: /echo answers "auth=<Authorization>",
#     /echo-raw also the raw request headers it received;
#   - helper locations in the main server (config):
#       /idp-log     the IdP's access log: counts the IdP calls
#       /error-log   nginx's error log, for checks on request arrays
#       /sleep?s=N   a non-blocking pause between two requests
#       /fanout      10 concurrent requests to /x of this server
#
# The [client-exp] and [jwt-exp] blocks mint their tokens when the block
# starts (add_block_preprocessor); they depend on nginx starting and
# answering within a second or two, so the [client-exp] blocks and TEST 13
# are skipped under TEST_NGINX_USE_VALGRIND.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use MIME::Base64 ();

our $IDP = <<'_EOC_';
    log_format idp escape=none '$request_method $request_uri $request_body | auth=$http_authorization ct=$http_content_type cookie=$http_cookie x=$http_x_secret';

    map $request_body $xcase {
        default          unknown;
        ~tenant-a        a;
        ~tenant-b        b;
        ~json-a          json-a;
        ~custom-field    custom;
        ~short-32        short;
        ~jwt-exp         jwtexp;
        ~slow-ok         slowok;
        ~slow-fail       slowfail;
        ~fail-huge       huge;
        ~deny-target     target;
        ~deny-scope      scope;
        ~deny-403        403;
        ~reject-grant    grant;
        ~reject-401      401;
        ~fail-400        400;
        ~fail-500        500;
        ~fail-garbage    garbage;
        ~fail-slow       slow;
        ~fail-nofield    nofield;
        ~fail-space      space;
        ~fail-newline    newline;
        ~fail-crlf       crlf;
        ~fail-empty      empty;
        ~fail-number     number;
        ~fail-array      array;
        ~introspect      introspect;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        default_type application/json;

        # the backend
        location /echo { access_log off; echo "auth=$http_authorization"; }
        location /echo-raw {
            access_log off;
            echo "auth=$http_authorization";
            echo -n $echo_client_request_headers;
        }
        location /echo-actor {
            access_log off;
            echo "auth=$http_authorization actor=$http_x_actor user=$http_x_user";
        }
        location /echo-body {
            access_log off;
            echo_read_request_body;
            echo "auth=$http_authorization ct=$http_content_type body=$request_body";
        }
        location = /accel { access_log off; add_header X-Accel-Redirect /inner; return 200; }
        location /files/ { access_log off; alias $TEST_NGINX_SERVER_ROOT/html/; }

        # the identity provider
        location /exchange { echo_read_request_body; echo_exec /case/$xcase; }
        location /introspect { echo_read_request_body; echo_exec /case/introspect; }

        location = /case/a {
            echo '{"access_token":"downstream-a","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":600}';
        }
        location = /case/b {
            echo '{"access_token":"downstream-b","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":600}';
        }
        location = /case/json-a { echo '{"access_token":"not-this-field","token":"downstream-json-a"}'; }
        location = /case/custom { echo '{"access_token":"not-this-field","jwt":"downstream-custom","expires_in":600}'; }
        location = /case/short { echo '{"access_token":"downstream-short","token_type":"Bearer","expires_in":32}'; }
        location = /case/jwtexp { echo_location /files/idp-jwt.json; }
        location = /case/slowok { echo_sleep 0.5; echo '{"access_token":"downstream-slow","expires_in":600}'; }
        location = /case/slowfail { echo_status 500; echo_sleep 0.3; echo '{"error":"server_error"}'; }
        location = /case/huge {
            echo -n '{"pad":"';
            echo_duplicate 70000 a;
            echo '","access_token":"downstream-huge","expires_in":600}';
        }
        location = /case/target { echo_status 400; echo '{"error":"invalid_target","error_description":"no such tenant"}'; }
        location = /case/scope { echo_status 400; echo '{"error":"invalid_scope"}'; }
        location = /case/403 { echo_status 403; echo '{"error":"access_denied"}'; }
        location = /case/grant { echo_status 400; echo '{"error":"invalid_grant"}'; }
        location = /case/401 { echo_status 401; echo '{"error":"invalid_client"}'; }
        location = /case/400 { echo_status 400; echo '{"error":"invalid_request"}'; }
        location = /case/500 { echo_status 500; echo '{"access_token":"downstream-500","expires_in":600}'; }
        location = /case/garbage { echo 'not json'; }
        location = /case/slow { echo_sleep 1.2; echo '{"access_token":"downstream-late","expires_in":600}'; }
        location = /case/nofield { echo '{"token_type":"Bearer","expires_in":600}'; }
        location = /case/space { echo '{"access_token":"down stream","expires_in":600}'; }
        location = /case/newline { echo '{"access_token":"down\\nstream","expires_in":600}'; }
        location = /case/crlf { echo '{"access_token":"down\\r\\nX-Injected: 1","expires_in":600}'; }
        location = /case/empty { echo '{"access_token":"","expires_in":600}'; }
        location = /case/number { echo '{"access_token":12345,"expires_in":600}'; }
        location = /case/array { echo '["downstream-a"]'; }
        location = /case/introspect { echo '{"active":true,"sub":"user-9","scope":"orders:read","exp":4102444800}'; }
        location = /case/unknown { echo_status 400; echo '{"error":"invalid_request","error_description":"test IdP: no marker"}'; }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /error-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location = /sleep { auth_token off; echo_sleep $arg_s; echo "slept"; }
    location = /fanout {
        auth_token off;
        echo_location_async /fan/1; echo_location_async /fan/2;
        echo_location_async /fan/3; echo_location_async /fan/4;
        echo_location_async /fan/5; echo_location_async /fan/6;
        echo_location_async /fan/7; echo_location_async /fan/8;
        echo_location_async /fan/9; echo_location_async /fan/10;
    }
    location /fan/ { auth_token off; proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/x; }
_EOC_

# Client tokens, minted once (far-future exp) so that a block can present
# the same token several times.
our $EXP = 4102444800;    # 2100-01-01
our $T1 = AuthTokenTest::jwt(alg => 'ES256', claims => { exp => $EXP });
our $T2 = AuthTokenTest::jwt(alg => 'RS256', claims => { sub => 'user-43', exp => $EXP });
our $T_ACT = AuthTokenTest::jwt(alg => 'ES256',
    claims => { exp => $EXP, act => { sub => 'admin-7' } });

# Tokens that depend on the time a block starts are minted here.
add_block_preprocessor(sub {
    my $block = shift;
    my $name = $block->name;

    if ($name =~ /\[client-exp\]/) {
        # the client's token expires 2 seconds from now
        our $T_SHORT = AuthTokenTest::jwt(alg => 'ES256',
                                          claims => { exp => time() + 2 });
        my $h = "Authorization: Bearer $T_SHORT";
        $block->set_value(more_headers => [($h) x 4, '']);
        $block->set_value(request => ['GET /x', 'GET /x', 'GET /sleep?s=2.5', 'GET /x', 'GET /idp-log']);
    }

    if ($name =~ /\[jwt-exp\]/) {
        # the identity provider answers with a JWT that expires 32 s from
        # now (no expires_in): cached until exp - 30 s, i.e. ~2 s
        our $T_NEW = AuthTokenTest::jwt(alg => 'ES256', key => 'ec384',
            kid => 'ec384', claims => { aud => 'orders', exp => time() + 32 });
        $block->set_value(user_files => ">>> idp-jwt.json\n"
            . qq({"access_token":"$T_NEW","token_type":"Bearer"}\n));
        $block->set_value(response_body_like => [
            lit("auth=Bearer $T_NEW\n"), lit("auth=Bearer $T_NEW\n"), lit("slept\n"),
            lit("auth=Bearer $T_NEW\n"), idp_calls(2)]);
    }

    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
});

# application/x-www-form-urlencoded, as a strict encoder writes it
sub enc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# the RFC 8693 body for a subject token and parameters (name => value, ...)
sub form {
    my ($token, @params) = @_;
    my $s = 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange'
          . '&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token'
          . '&subject_token=' . enc($token);
    while (my ($k, $v) = splice @params, 0, 2) {
        $s .= '&' . enc($k) . '=' . enc($v);
    }
    return $s;
}

# one line of the IdP's access log
sub idp_line {
    my ($body, %o) = @_;
    return "POST " . ($o{uri} // '/exchange') . " $body | auth=" . ($o{auth} // '')
         . ' ct=' . ($o{ct} // 'application/x-www-form-urlencoded')
         . " cookie= x=\n";
}

# an IdP log of $n calls, as a regex string: counts the calls whatever
# they carried
sub idp_calls {
    my $n = shift;
    return "\\A(?:POST /exchange [^\\n]*\\n){$n}\\z";
}

# a regex string that matches exactly $s
sub lit {
    return "\\A" . quotemeta(shift) . "\\z";
}

# nginx's error log with exactly these "reissue failed" lines, in this
# order, each with the IdP's HTTP status
sub failed_lines {
    my $other = "(?:(?![^\\n]*auth_token: reissue failed)[^\\n]*\\n)*";
    return "\\A$other" . join('', map {
        "[^\\n]*auth_token: reissue failed: [^\\n]+ \\(HTTP status $_\\)[^\\n]*\\n$other"
    } @_) . "\\z";
}

sub basic {
    my ($id, $secret) = @_;
    return 'Basic ' . MIME::Base64::encode_base64(enc($id) . ':' . enc($secret), '');
}

sub www {
    my ($error, $desc) = @_;
    return qq{Bearer realm="api", error="$error", error_description="$desc"};
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: rfc8693: the exchange request, byte for byte; the upstream gets the new token only
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $http_x_tenant;
        auth_token_reissue_param scope "orders:read";
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["X-Tenant: tenant-a\nAuthorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body eval
["auth=Bearer downstream-a\n",
 main::idp_line(main::form($::T1, audience => 'tenant-a', scope => 'orders:read'))]
--- response_headers eval
["X-Status: valid", ""]
--- no_error_log
[error]
[warn]



=== TEST 2: rfc8693: Basic client authentication (form-encoded id and secret), an empty parameter left out, encoding of values
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange format=rfc8693;
        auth_token_reissue_param resource $http_x_resource;
        auth_token_reissue_param audience "tenant-a";
        auth_token_reissue_param scope "orders:read&write=1 100%";
        auth_token_reissue_client_id "gw:1";
        auth_token_reissue_client_secret "p&ss w=rd";
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
# a space may be written %20 or + (both decode to a space)
[main::lit("auth=Bearer downstream-a\n"),
 do {
     my $sp = '(?:%20|\+)';
     my $b1 = quotemeta MIME::Base64::encode_base64('gw%3A1:p%26ss%20w%3Drd', '');
     my $b2 = quotemeta MIME::Base64::encode_base64('gw%3A1:p%26ss+w%3Drd', '');
     "\\A" . quotemeta("POST /exchange " . main::form($::T1, audience => 'tenant-a')
                        . "&scope=orders%3Aread%26write%3D1")
     . $sp . quotemeta("100%25 | auth=") . "Basic (?:$b1|$b2)"
     . quotemeta(" ct=application/x-www-form-urlencoded cookie= x=\n") . "\\z"
 }]
--- no_error_log
[error]



=== TEST 3: json: the reissue request, byte for byte; the answer's "token" member by default
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_reissue format=json;
        auth_token_reissue_param org_id $http_x_org;
        auth_token_reissue_param note "a \"quoted\" back\\slash";
        auth_token_reissue_client_id gw;
        auth_token_reissue_client_secret pw;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_reissue {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["X-Org: json-a\nAuthorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body eval
["auth=Bearer downstream-json-a\n",
 main::idp_line(qq({"token":"$::T1","org_id":"json-a","note":"a \\"quoted\\" back\\\\slash"}),
                ct => 'application/json', auth => 'Basic Z3c6cHc=')]
--- no_error_log
[error]



=== TEST 4: json: a UTF-8 parameter goes into the body as is
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_reissue format=json;
        auth_token_reissue_param org_id $http_x_org;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_reissue {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["X-Org: json-a Z\xc3\xbcrich\nAuthorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
["\\Aauth=Bearer downstream-json-a\\n\\z",
 "\\A" . quotemeta(qq(POST /exchange {"token":"$::T1","org_id":"json-a Z)) . "(?:\xc3\xbc|\\\\u00[fF][cC])"
   . quotemeta(qq(rich"} | auth= ct=application/json cookie= x=\n)) . "\\z"]
--- no_error_log
[error]



=== TEST 5: json: a parameter that is not valid UTF-8 is 400 invalid_request, no call
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_reissue format=json;
        auth_token_reissue_param org_id $http_x_org;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_reissue {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["X-Org: json-a\xff\xfe\nAuthorization: Bearer $::T1", ""]
--- error_code eval
[400, 200]
--- response_headers eval
["WWW-Authenticate: " . main::www("invalid_request", "Invalid reissue parameter"), ""]
--- response_body_like eval
["", "\\A\\z"]



=== TEST 6: answer_field: another member of the answer
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience custom-field;
        auth_token_reissue_answer_field jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 200
--- response_body
auth=Bearer downstream-custom
--- no_error_log
[error]



=== TEST 7: nothing of the client's request reaches the IdP (headers, cookies, query string, its POST body and content type); the upstream still gets the client's body
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-body;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["POST /x?access_token=leak&audience=tenant-b\nclient=body&audience=tenant-b", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1\nCookie: session=s3cr3t\nX-Secret: hush\nContent-Type: text/plain", ""]
--- error_code eval
[200, 200]
--- response_body eval
["auth=Bearer downstream-a ct=text/plain body=client=body&audience=tenant-b\n",
 main::idp_line(main::form($::T1, audience => 'tenant-a'))]
--- no_error_log
[error]



=== TEST 8: per-tenant reissue from a header: two tenants, two tokens, two calls; then both from the cache
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $http_x_tenant;
        add_header X-Reissued $auth_token_reissued always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["X-Tenant: tenant-a\nAuthorization: Bearer $::T1",
 "X-Tenant: tenant-b\nAuthorization: Bearer $::T1",
 "X-Tenant: tenant-a\nAuthorization: Bearer $::T1",
 "X-Tenant: tenant-b\nAuthorization: Bearer $::T1",
 ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
["auth=Bearer downstream-a\n", "auth=Bearer downstream-b\n",
 "auth=Bearer downstream-a\n", "auth=Bearer downstream-b\n",
 main::idp_line(main::form($::T1, audience => 'tenant-a'))
 . main::idp_line(main::form($::T1, audience => 'tenant-b'))]
--- response_headers eval
["X-Reissued: downstream-a", "X-Reissued: downstream-b",
 "X-Reissued: downstream-a", "X-Reissued: downstream-b", ""]
--- no_error_log
[error]



=== TEST 9: the cache key holds the client token: another client, another call
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T2",
 "Authorization: Bearer $::T1", "Authorization: Bearer $::T2", ""]
--- response_body eval
["auth=Bearer downstream-a\n", "auth=Bearer downstream-a\n",
 "auth=Bearer downstream-a\n", "auth=Bearer downstream-a\n",
 main::idp_line(main::form($::T1, audience => 'tenant-a'))
 . main::idp_line(main::form($::T2, audience => 'tenant-a'))]
--- no_error_log
[error]



=== TEST 10: the cache key holds the endpoint, the client credentials, the format and the answer field: with the same token and parameters each of those is another call; the same endpoint in another location shares the entry
--- http_config
    auth_token_zone tokens:1m;
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_reissue_param audience tenant-a;

    location /x {
        auth_token_reissue_request /_exchange;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location /same {
        auth_token_reissue_request /_exchange;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location /other {
        auth_token_reissue_request /_exchange2;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location /field {
        auth_token_reissue_request /_exchange;
        auth_token_reissue_answer_field token_type;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location /creds {
        auth_token_reissue_request /_exchange;
        auth_token_reissue_client_id gw;
        auth_token_reissue_client_secret pw;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location /json {
        auth_token_reissue_request /_exchange format=json;
        auth_token_reissue_answer_field access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
    location = /_exchange2 {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /same", "GET /other", "GET /field", "GET /creds", "GET /json", "GET /idp-log"]
--- more_headers eval
[("Authorization: Bearer $::T1") x 6, ""]
--- response_body_like eval
[main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-a\n"),
 main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer Bearer\n"),
 main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-a\n"),
 main::idp_calls(5)]
--- no_error_log
[error]



=== TEST 11: without a zone every request calls the IdP
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", ""]
--- response_body_like eval
[main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-a\n"), main::idp_calls(2)]
--- no_error_log
[error]



=== TEST 12: expires_in bounds the cache: expires_in 32 is cached ~2 s (less 30 s of margin)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience short-32;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log", "GET /sleep?s=2.1", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", "", "", "Authorization: Bearer $::T1", ""]
--- response_body_like eval
[main::lit("auth=Bearer downstream-short\n"), main::lit("auth=Bearer downstream-short\n"), main::idp_calls(1),
 main::lit("slept\n"), main::lit("auth=Bearer downstream-short\n"), main::idp_calls(2)]
--- no_error_log
[error]



=== TEST 13: [jwt-exp] without expires_in, the new token's own JWT exp bounds the cache
--- skip_eval: 15: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience jwt-exp;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /sleep?s=2.1", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", "", "Authorization: Bearer $::T1", ""]
--- no_error_log
[error]



=== TEST 14: auth_token_reissue_cache_valid bounds the cache (2s, with expires_in 600)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        auth_token_reissue_cache_valid 2s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log", "GET /sleep?s=2.1", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", "", "", "Authorization: Bearer $::T1", ""]
--- response_body_like eval
[main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-a\n"), main::idp_calls(1),
 main::lit("slept\n"), main::lit("auth=Bearer downstream-a\n"), main::idp_calls(2)]
--- no_error_log
[error]



=== TEST 15: [client-exp] the client token expires (exp = now + 2): 401 "Token expired", no IdP call
--- skip_eval: 16: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
(set by the preprocessor)
--- error_code eval
[200, 200, 200, 401, 200]
--- response_headers eval
["", "", "", "WWW-Authenticate: " . main::www("invalid_token", "Token expired"), ""]
--- response_body_like eval
["\\Aauth=Bearer downstream-a\\n\\z", "\\Aauth=Bearer downstream-a\\n\\z", "slept", "",
 main::idp_calls(1)]
--- no_error_log
[error]



=== TEST 16: [client-exp] with leeway the expired client token is still accepted, but its reissued token is not reused past its exp: a new call
--- skip_eval: 15: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_leeway 60s;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
(set by the preprocessor)
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
["\\Aauth=Bearer downstream-a\\n\\z", "\\Aauth=Bearer downstream-a\\n\\z", "slept",
 "\\Aauth=Bearer downstream-a\\n\\z", main::idp_calls(2)]
--- no_error_log
[error]



=== TEST 17: IdP 400 invalid_target: 403 insufficient_scope, reissue_denied; the denial is cached (one call)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience deny-target;
        add_header X-Status $auth_token_status always;
        add_header X-Reissued "[$auth_token_reissued]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", ""]
--- error_code eval
[403, 403, 200]
--- response_headers eval
["WWW-Authenticate: " . main::www("insufficient_scope", "Token exchange refused for this target") . "\nX-Status: reissue_denied\nX-Reissued: []",
 "WWW-Authenticate: " . main::www("insufficient_scope", "Token exchange refused for this target") . "\nX-Status: reissue_denied\nX-Reissued: []",
 ""]
--- response_body_like eval
["403 Forbidden", "403 Forbidden", main::idp_calls(1)]
--- no_error_log
[error]



=== TEST 18: IdP 400 invalid_scope: 403 insufficient_scope
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience deny-scope;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 403
--- response_headers eval
"WWW-Authenticate: " . main::www("insufficient_scope", "Token exchange refused for this target") . "\nX-Status: reissue_denied"
--- no_error_log
[error]



=== TEST 19: IdP 403: 403 insufficient_scope
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience deny-403;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 403
--- response_headers eval
"WWW-Authenticate: " . main::www("insufficient_scope", "Token exchange refused for this target") . "\nX-Status: reissue_denied"
--- no_error_log
[error]



=== TEST 20: IdP 400 invalid_grant: 401 invalid_token, reissue_rejected
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience reject-grant;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 401
--- response_headers eval
"WWW-Authenticate: " . main::www("invalid_token", "Token rejected by the identity provider") . "\nX-Status: reissue_rejected"
--- no_error_log
[error]



=== TEST 21: IdP 401: 401 invalid_token, reissue_rejected
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience reject-401;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 401
--- response_headers eval
"WWW-Authenticate: " . main::www("invalid_token", "Token rejected by the identity provider") . "\nX-Status: reissue_rejected"
--- no_error_log
[error]



=== TEST 22: IdP failures are 503 without WWW-Authenticate, reissue_failed, one error log line each: another 400, 500, not JSON, a JSON array, no token field, an empty or non-string token, an answer over 64k
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $http_x_case;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
[("GET /x") x 8, "GET /error-log"]
--- more_headers eval
[(map { "X-Case: fail-$_\nAuthorization: Bearer $::T1" } qw(400 500 garbage array nofield empty number huge)), ""]
--- error_code eval
[(503) x 8, 200]
--- response_headers eval
[("!WWW-Authenticate\nX-Status: reissue_failed") x 8, ""]
--- response_body_like eval
[("503 Service") x 8, main::failed_lines(qw(400 500 200 200 200 200 200 200))]



=== TEST 23: a token with characters outside b64token (space, newline, CR LF) is a failure, never a header
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $http_x_case;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-raw;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
[("GET /x") x 3, "GET /error-log"]
--- more_headers eval
[(map { "X-Case: fail-$_\nAuthorization: Bearer $::T1" } qw(space newline crlf)), ""]
--- error_code eval
[503, 503, 503, 200]
--- response_headers eval
[("!WWW-Authenticate\nX-Status: reissue_failed\n!X-Injected") x 3, ""]
--- response_body_like eval
[("503 Service") x 3, main::failed_lines(qw(200 200 200))]



=== TEST 24: IdP timeout (proxy_read_timeout): 503, reissue_failed
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience fail-slow;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_read_timeout 500ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 503
--- response_headers
!WWW-Authenticate
X-Status: reissue_failed
--- error_log eval
[qr/upstream timed out/, qr/auth_token: reissue failed: .+ \(HTTP status 504\)/]



=== TEST 25: IdP unreachable (connection refused): 503, reissue_failed
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 503
--- response_headers
!WWW-Authenticate
X-Status: reissue_failed
--- error_log eval
[qr/connect\(\) failed \(111: Connection refused\)/, qr/auth_token: reissue failed: .+ \(HTTP status 502\)/]



=== TEST 26: the upstream sees one Authorization header with the new token, never the client's
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-raw;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 200
--- response_body_like eval
my $t = quotemeta $::T1;
qr/\Aauth=Bearer downstream-a\n(?!.*$t)(?!(?:.*?^authorization:){2}).*^Authorization: Bearer downstream-a\r$/msi
--- no_error_log
[error]



=== TEST 27: the upstream gets the new token also with auth_token_pass_token on
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_pass_token on;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-raw;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 200
--- response_body_like eval
my $t = quotemeta $::T1;
qr/\Aauth=Bearer downstream-a\n(?!.*$t)(?!(?:.*?^authorization:){2}).*^Authorization: Bearer downstream-a\r$/msi
--- no_error_log
[error]



=== TEST 28: token=$cookie_at with a client Basic header: the IdP gets the cookie's token, the upstream only the new token
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-raw;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["Cookie: at=$::T1\nAuthorization: Basic dXNlcjpwYXNz", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
["(?msi)\\Aauth=Bearer downstream-a\\n(?!(?:.*?^authorization:){2})(?!.*dXNlcjpwYXNz).*^Authorization: Bearer downstream-a\\r\$",
 main::lit(main::idp_line(main::form($::T1, audience => 'tenant-a')))]
--- no_error_log
[error]



=== TEST 29: auth_token_reissue_scheme DPoP; $auth_token_reissued for a header of one's own
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        auth_token_reissue_scheme DPoP;
        proxy_set_header X-Downstream $auth_token_reissued;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-raw;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /x
--- more_headers eval
"Authorization: Bearer $::T1"
--- error_code: 200
--- response_body_like eval
qr/\Aauth=DPoP downstream-a\n(?!(?:.*?^authorization:){2}).*^X-Downstream: downstream-a\r$/msi
--- no_error_log
[error]



=== TEST 30: a refused token or none: 401, no IdP call, no reissued token
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        add_header X-Reissued "[$auth_token_reissued]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer " . AuthTokenTest::jwt(alg => 'ES256', claims => { exp => 1000000000 }), "", ""]
--- error_code eval
[401, 401, 200]
--- response_headers eval
["X-Reissued: []\nWWW-Authenticate: " . main::www("invalid_token", "Token expired"),
 "X-Reissued: []\nWWW-Authenticate: Bearer realm=\"api\"", ""]
--- response_body_like eval
["401", "401", "\\A\\z"]



=== TEST 31: introspection then reissue: an opaque token (with b64token's "+", "/" and "=") is introspected, then exchanged; the second request uses both caches
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        add_header X-Sub $auth_token_claim_sub always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer opaque+0123/456789abcdef==", "Authorization: Bearer opaque+0123/456789abcdef==", ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Sub: user-9", "X-Sub: user-9", ""]
--- response_body eval
["auth=Bearer downstream-a\n", "auth=Bearer downstream-a\n",
 main::idp_line('token=opaque%2B0123%2F456789abcdef%3D%3D&token_type_hint=access_token', uri => '/introspect')
 . main::idp_line('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange'
                  . '&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token'
                  . '&subject_token=opaque%2B0123%2F456789abcdef%3D%3D&audience=tenant-a')]
--- no_error_log
[error]



=== TEST 32: impersonation: $auth_token_claim_act as compact JSON, auth_token_claim_header X-Actor act sub; claims describe the client's token
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        auth_token_claim_header X-Actor act sub;
        auth_token_claim_header X-User sub;
        add_header X-Act $auth_token_claim_act always;
        add_header X-Sub $auth_token_claim_sub always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo-actor;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T_ACT\nX-Actor: forged", ""]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Act: {\"sub\":\"admin-7\"}\nX-Sub: user-42", ""]
--- response_body eval
["auth=Bearer downstream-a actor=admin-7 user=user-42\n",
 main::idp_line(main::form($::T_ACT, audience => 'tenant-a'))]
--- no_error_log
[error]



=== TEST 33: server-level configuration, inherited by the location; the internal location is not checked itself
--- http_config
    auth_token_zone tokens:1m;
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_reissue_request /_exchange;
    auth_token_reissue_param audience $http_x_tenant;
    auth_token_reissue_client_id gw;
    auth_token_reissue_client_secret pw;

    location /x {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /idp-log"]
--- more_headers eval
["X-Tenant: tenant-b\nAuthorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body eval
["auth=Bearer downstream-b\n",
 main::idp_line(main::form($::T1, audience => 'tenant-b'), auth => 'Basic Z3c6cHc=')]
--- no_error_log
[error]



=== TEST 34: a burst in one worker: 10 concurrent requests, one IdP call
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience slow-ok;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /fanout", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
[main::lit("auth=Bearer downstream-slow\n" x 10), main::idp_calls(1)]
--- no_error_log
[error]
[warn]



=== TEST 35: a HEAD request reissues too; the GET after it uses the cached token
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience tenant-a;
        add_header X-Reissued $auth_token_reissued always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["HEAD /x", "GET /x", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Reissued: downstream-a", "X-Reissued: downstream-a", ""]
--- response_body_like eval
["\\A\\z", main::lit("auth=Bearer downstream-a\n"), main::idp_calls(1)]
--- no_error_log
[error]



=== TEST 36: a burst in one worker while the IdP fails slowly: every request gets 503, the IdP is called once
# timing only: under valgrind the burst outlasts the slow IdP's failure
--- skip_eval: 6: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience slow-fail;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /fanout", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", ""]
--- error_code eval
[200, 200]
--- response_body_like eval
["\\A(?!.*auth=)(?:.*?<title>503 Service Temporarily Unavailable</title>){10}(?!.*<title>)", main::idp_calls(1)]
--- timeout: 10
--- no_error_log
[warn]



=== TEST 37: two requests on one keep-alive connection, two clients and tenants: each gets its own token
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $http_x_tenant;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- pipelined_requests eval
["GET /x", "GET /x", "GET /x"]
--- more_headers eval
["X-Tenant: tenant-a\nAuthorization: Bearer $::T1",
 "X-Tenant: tenant-b\nAuthorization: Bearer $::T2",
 "X-Tenant: tenant-a\nAuthorization: Basic dXNlcjpwYXNz"]
--- error_code eval
[200, 200, 401]
--- response_body_like eval
[main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-b\n"), "401 Authorization Required"]
--- no_error_log
[error]



=== TEST 38: internal redirects after the reissue (error_page to a named location, X-Accel-Redirect) in a protected server: the upstream still gets the new token, the request is not checked again with the new token
--- http_config
    auth_token_zone tokens:1m;
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_reissue_request /_exchange;
    auth_token_reissue_param audience tenant-a;
    add_header X-Status $auth_token_status always;

    location /x {
        error_page 502 = @fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/nobody-listens;
    }
    location @fallback {
        rewrite ^ /echo break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    location /y {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/accel;
    }
    location /inner {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x", "GET /y", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer $::T1", "Authorization: Bearer $::T1", ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Status: valid", "X-Status: valid", ""]
--- response_body_like eval
[main::lit("auth=Bearer downstream-a\n"), main::lit("auth=Bearer downstream-a\n"), main::idp_calls(1)]
--- no_error_log eval
qr/\[info\].*auth_token: 40[13]/



=== TEST 39: config: an unknown format= is refused
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange format=xml;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "format=xml"/



=== TEST 40: config: "token" is not a parameter name (it is the subject token)
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange format=json;
        auth_token_reissue_param token x;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter name "token"/



=== TEST 41: config: auth_token_reissue_request twice in one location is refused
--- config
    location /x {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_request /_exchange2;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/echo;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_token_reissue_request" directive is duplicate/
