# Token introspection (auth_token_introspect_request): RFC 7662 answers
# (active, inactive) and status-code answers (format=status: 200, 410, 404,
# 401); the claims of an active answer feed the variables, the claim headers
# and every check (scope, issuer, audience, exp, nbf, require); what the
# module sends to the identity provider (POST form, Accept, client
# authentication, percent-encoding, nothing of the client's request); which
# tokens are introspected when JWKS keys are configured too; identity
# provider failures (error status, timeout, not JSON, no "active", too
# large, refused connection) give 503 without a challenge, while a client
# that goes away is not logged as one; large and chunked answers; the
# client's own body still reaches the backend; HEAD; inheritance;
# configuration errors.
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config) that
#     logs each call to logs/idp.log (method, URI, body and the headers a
#     client might have leaked), serving
#       /introspect        RFC 7662: the answer is chosen by the token in the
#                          form body (map $idp_answer below); unknown tokens
#                          are {"active":false}
#       /status-api        status codes: the token chooses /st/CODE
#       /fail/500          500 with an active-looking body
#       /fail/garbage      200 "not json"
#       /fail/slow         2 s of silence, then an active answer
#       /file/NAME         html/idp/NAME (user_files) as the answer
#   - a backend on $TEST_NGINX_RAND_PORT_2 that shows the request headers it
#     received (for auth_token_claim_header), and at /body the request body
#   - helper locations in the main server (config):
#       /idp-log           the IdP's access log: counts the IdP calls
#       /error-log         nginx's error log (for request arrays)
#     (both with auth_token off, for blocks that enable it at server level)
#
# Nothing here uses auth_token_zone unless said so: without it every request
# calls the identity provider (caching is t/014-introspect-cache.t).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri $request_body auth=$http_authorization ct=$http_content_type accept=$http_accept cookie=$http_cookie x_secret=$http_x_secret';

    map $request_body $idp_answer {
        ~^token=active1&            '{"active":true,"sub":"alice","scope":"read write","iss":"https://idp.example.com","aud":"api","exp":2000000000,"client_id":"app1","role":"admin"}';
        ~^token=user2&              '{"active":true,"sub":"bob","scope":"read","iss":"https://idp.example.com","aud":["web","api"],"exp":2000000000,"role":"user"}';
        ~^token=expired1&           '{"active":true,"sub":"dave","exp":1000000000}';
        ~^token=notyet1&            '{"active":true,"sub":"erin","nbf":2000000000,"exp":2100000000}';
        ~^token=otheriss1&          '{"active":true,"sub":"frank","iss":"https://evil.example.com","aud":"api","exp":2000000000}';
        ~^token=otheraud1&          '{"active":true,"sub":"grace","iss":"https://idp.example.com","aud":"web","exp":2000000000}';
        ~^token=noexp1&             '{"active":true,"sub":"heidi"}';
        ~^token=noactive1&          '{"sub":"ivan","exp":2000000000}';
        ~^token=activestr1&         '{"active":"true","sub":"judy"}';
        ~^token=array1&             '[{"active":true}]';
        ~^token=a%2Bb%2Fc%3D%3D&    '{"active":true,"sub":"encoded"}';
        ~^token=eyJ                 '{"active":true,"sub":"jwt-introspected","exp":2000000000}';
        default                     '{"active":false}';
    }

    map $request_body $idp_status {
        ~^token=ok1&                /st/200;
        ~^token=gone1&              /st/410;
        ~^token=unk404&             /st/404;
        ~^token=unk401&             /st/401;
        ~^token=boom1&              /st/500;
        ~^token=okgarbage1&         /st/200garbage;
        ~^token=okinactive1&        /st/200inactive;
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

        location = /introspect { echo_read_request_body; echo $idp_answer; }
        location = /status-api { echo_read_request_body; echo_exec $idp_status; }
        location = /st/200 { echo '{"sub":"bob","scope":"read","exp":2000000000}'; }
        location = /st/200garbage { echo 'not json'; }
        location = /st/200inactive { echo '{"active":false,"sub":"kim"}'; }
        location = /st/410 { echo_status 410; echo '{"error":"revoked"}'; }
        location = /st/404 { echo_status 404; echo '{"error":"not found"}'; }
        location = /st/401 { echo_status 401; echo '{"error":"unknown"}'; }
        location = /st/500 { echo_status 500; echo '{"sub":"bob"}'; }
        location = /fail/500 { echo_read_request_body; echo_status 500; echo '{"active":true,"sub":"x"}'; }
        location = /fail/garbage { echo_read_request_body; echo 'not json'; }
        location = /fail/slow { echo_read_request_body; echo_sleep 2; echo '{"active":true,"sub":"x"}'; }
        location ~ ^/file/(.+)$ { echo_read_request_body; echo_location /files/$1; }
        location /files/ { alias $TEST_NGINX_SERVER_ROOT/html/idp/; }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server_name backend;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user] x-client=[$http_x_client]";
            echo -n $echo_client_request_headers;
        }
        location /body {
            echo_read_request_body;
            echo "method=$request_method length=$content_length x-user=[$http_x_user]";
            echo_request_body;
        }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /idp-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /error-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
});

# The IdP log line of one call that carried nothing of the client
sub idp_line {
    my ($uri, $token, $auth) = @_;
    return "POST $uri token=$token&token_type_hint=access_token auth="
         . ($auth // '-')
         . " ct=application/x-www-form-urlencoded accept=application/json cookie=- x_secret=-\n";
}

# A regex for the whole IdP log: these tokens were introspected, in order
sub idp_log {
    my ($uri, @tokens) = @_;
    return join '', map { idp_line($uri, $_) } @tokens;
}

sub idp_calls {
    my ($uri, @tokens) = @_;
    return "\\A" . join('', map { quotemeta(idp_line($uri, $_)) } @tokens) . "\\z";
}

our $NOT_ACTIVE = 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not active"';
our $REVOKED = 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token has been revoked"';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an active token: 200, the claims as variables, one IdP call
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub] scope=[$auth_token_claim_scope] client=[$auth_token_claim_client_id] exp=[$auth_token_claim_exp] active=[$auth_token_claim_active] status=[$auth_token_status] cache=[$auth_token_cache]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", ""]
--- error_code eval
[200, 200]
--- response_body eval
["sub=[alice] scope=[read write] client=[app1] exp=[2000000000] active=[true] status=[valid] cache=[BYPASS]\n",
 main::idp_line("/introspect", "active1")]
--- response_headers eval
["!WWW-Authenticate", ""]
--- no_error_log
[warn]
[error]



=== TEST 2: $auth_token_payload is the introspection answer as compact JSON
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "payload=[$auth_token_payload]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer user2
--- error_code: 200
--- response_body
payload=[{"active":true,"sub":"bob","scope":"read","iss":"https://idp.example.com","aud":["web","api"],"exp":2000000000,"role":"user"}]
--- no_error_log
[warn]
[error]



=== TEST 3: claims from introspection as upstream headers; client-sent copies are removed
--- config
    underscores_in_headers on;

    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_claim_header X-User sub;
        auth_token_claim_header X-Client client_id;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/b;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request
GET /api
--- more_headers
X-User: evil1
X_User: evil2
X-Client: evil3
Authorization: Bearer active1
--- error_code: 200
--- response_body_like eval
qr/\A(?!.*evil)(?!(?:.*?^x[-_]user:){2})x-user=\[alice\] x-client=\[app1\]\n.*^X-User: alice\r$.*/msi
--- no_error_log
[warn]
[error]



=== TEST 4: an inactive token ("active": false, or unknown to the IdP): 401 "Token is not active"
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Status $auth_token_status always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer inactive1", "Authorization: Bearer unknown-42", "", ""]
--- error_code eval
[401, 401, 200, 200]
--- response_headers eval
["X-Status: inactive\n$main::NOT_ACTIVE", "X-Status: inactive\n$main::NOT_ACTIVE", "", ""]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/,
 main::idp_calls("/introspect", "inactive1", "unknown-42"),
 qr/auth_token: 401: Token is not active \(inactive\)/]
--- no_error_log
[warn]
[error]



=== TEST 5: format=status: 200 + JSON is active (its claims), 410 revoked, 404 and 401 not active
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect format=status;
        add_header X-Status $auth_token_status always;
        echo "sub=[$auth_token_claim_sub] scope=[$auth_token_claim_scope]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status-api;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer ok1", "Authorization: Bearer gone1", "Authorization: Bearer unk404",
 "Authorization: Bearer unk401", "", ""]
--- error_code eval
[200, 401, 401, 401, 200, 200]
--- response_headers eval
["X-Status: valid\n!WWW-Authenticate",
 "X-Status: revoked\n$main::REVOKED",
 "X-Status: inactive\n$main::NOT_ACTIVE",
 "X-Status: inactive\n$main::NOT_ACTIVE",
 "", ""]
--- response_body_like eval
["\\Asub=\\[bob\\] scope=\\[read\\]\\n\\z", qr/401 Authorization Required/,
 qr/401 Authorization Required/, qr/401 Authorization Required/,
 main::idp_calls("/status-api", "ok1", "gone1", "unk404", "unk401"),
 qr/auth_token: 401: Token has been revoked \(revoked\)(?s:.*)auth_token: 401: Token is not active \(inactive\)(?s:.*)auth_token: 401: Token is not active \(inactive\)/]
--- no_error_log
[warn]
[error]



=== TEST 6: format=status: "active" has no meaning in a 200 answer (its claims are taken as they are)
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect format=status;
        echo "sub=[$auth_token_claim_sub] active=[$auth_token_claim_active]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status-api;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer okinactive1
--- error_code: 200
--- response_body
sub=[kim] active=[false]
--- no_error_log
[warn]
[error]



=== TEST 7: format=status: 500, and 200 that is not JSON: 503 without a challenge
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect format=status;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status-api;
    }
--- request eval
["GET /api", "GET /api", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer boom1", "Authorization: Bearer okgarbage1", ""]
--- error_code eval
[503, 503, 200]
--- response_headers eval
["X-Status: introspection_failed\n!WWW-Authenticate", "X-Status: introspection_failed\n!WWW-Authenticate", ""]
--- response_body_like eval
[qr/503 Service/, qr/503 Service/,
 qr/\[error\] .*auth_token: introspection failed: unexpected HTTP status \(HTTP status 500\)(?s:.*)auth_token: 503: Token introspection failed \(introspection_failed\)(?s:.*)\[error\] .*auth_token: introspection failed: [^\n]* \(HTTP status 200\)(?s:.*)auth_token: 503: Token introspection failed \(introspection_failed\)/]



=== TEST 8: scope from introspection: auth_token_scope passes with it, 403 insufficient_scope without
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_scope write;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer user2", ""]
--- error_code eval
[200, 403, 200]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="write"',
 ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", qr/403 Forbidden/,
 qr/auth_token: 403: Token lacks a required scope \(insufficient_scope\), sub "bob"/]



=== TEST 9: issuer and audience from introspection: accepted when they match, 401 when not
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_issuer https://idp.example.com;
        auth_token_audience api;
        add_header X-Status $auth_token_status always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer user2",
 "Authorization: Bearer otheriss1", "Authorization: Bearer otheraud1"]
--- error_code eval
[200, 200, 401, 401]
--- response_headers eval
["X-Status: valid", "X-Status: valid",
 "X-Status: wrong_issuer\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
 "X-Status: wrong_audience\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"']
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Asub=\\[bob\\]\\n\\z", qr/401 Authorization Required/, qr/401 Authorization Required/]



=== TEST 10: exp in the past in an active answer: 401 "Token expired"; nbf in the future: "Token not yet valid"; no exp: accepted
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Status $auth_token_status always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer expired1", "Authorization: Bearer notyet1", "Authorization: Bearer noexp1"]
--- error_code eval
[401, 401, 200]
--- response_headers eval
["X-Status: expired\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token expired"',
 "X-Status: not_yet_valid\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token not yet valid"',
 "X-Status: valid\n!WWW-Authenticate"]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/, "\\Asub=\\[heidi\\]\\n\\z"]



=== TEST 11: auth_token_require on a claim from introspection
--- http_config
    map $auth_token_claim_role $is_admin {
        admin   1;
        default 0;
    }
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_require $is_admin;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer user2"]
--- error_code eval
[200, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token does not meet the requirements"']



=== TEST 12: client authentication: Basic with the form-urlencoded id and secret (RFC 6749 2.3.1), a POST form, Accept JSON
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_client_id gw;
        auth_token_introspect_client_secret "s3cr:et";
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", ""]
--- error_code eval
[200, 200]
--- response_body eval
["sub=[alice]\n",
 "POST /introspect token=active1&token_type_hint=access_token auth=Basic Z3c6czNjciUzQWV0 ct=application/x-www-form-urlencoded accept=application/json cookie=- x_secret=-\n"]
--- no_error_log
[warn]
[error]



=== TEST 13: "+", "/" and "=" of a token are percent-encoded in the form body
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer a+b/c==", ""]
--- error_code eval
[200, 200]
--- response_body eval
["sub=[encoded]\n", main::idp_line("/introspect", "a%2Bb%2Fc%3D%3D")]
--- no_error_log
[warn]
[error]



=== TEST 14: nothing of the client's request reaches the IdP: not its Authorization, cookies, other headers or body
A POST with a body, cookies and a secret header; the token comes from a
cookie (token=) while the client also sends an Authorization header of
another scheme, which must not leak either.
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /cookie {
        auth_token "api" token=$cookie_at;
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["POST /api\nsecret=body&token=active1", "POST /cookie\nsecret=body", "GET /idp-log"]
--- more_headers eval
[
    "Authorization: Bearer user2\nCookie: session=s3cret\nX-Secret: hush\nContent-Type: application/x-www-form-urlencoded",
    "Authorization: Basic dXNlcjpwYXNz\nCookie: at=active1; session=s3cret\nX-Secret: hush\nContent-Type: text/plain",
    "",
]
--- error_code eval
[200, 200, 200]
--- response_body eval
["sub=[bob]\n", "sub=[alice]\n", main::idp_line("/introspect", "user2") . main::idp_line("/introspect", "active1")]
--- no_error_log
[warn]
[error]



=== TEST 15: the client's own request body still reaches the backend whole (small, and 200 KB buffered to a temp file)
--- config
    client_body_buffer_size 8k;

    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/body;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["POST /api\nhello=world&token=user2", "POST /api\n" . ("0123456789abcdef" x 12800), "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1\nContent-Type: application/x-www-form-urlencoded",
 "Authorization: Bearer active1\nContent-Type: application/octet-stream", ""]
--- error_code eval
[200, 200, 200]
--- response_body eval
["method=POST length=23 x-user=[alice]\nhello=world&token=user2",
 "method=POST length=204800 x-user=[alice]\n" . ("0123456789abcdef" x 12800),
 main::idp_line("/introspect", "active1") x 2]
--- timeout: 5
--- no_error_log
[error]
[crit]



=== TEST 16: HEAD requests are introspected too (a HEAD, then a GET)
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Sub $auth_token_claim_sub;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["HEAD /api", "HEAD /api", "GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer inactive1", "Authorization: Bearer active1", ""]
--- error_code eval
[200, 401, 200, 200]
--- response_headers eval
["X-Sub: alice", $main::NOT_ACTIVE, "X-Sub: alice", ""]
--- response_body eval
["", "", "sub=[alice]\n", main::idp_log("/introspect", "active1", "inactive1", "active1")]
--- no_error_log
[warn]
[error]



=== TEST 17: a request without a token: 401 with the bare challenge, no IdP call
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /idp-log"]
--- more_headers eval
["", ""]
--- error_code eval
[401, 200]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api"', ""]
--- response_body_like eval
[qr/401 Authorization Required/, "\\A\\z"]



=== TEST 18: JWKS and introspection: a JWT that verifies is accepted locally, no IdP call
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub] status=[$auth_token_status]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), AuthTokenTest::bearer(alg => "ES256"), ""]
--- error_code eval
[200, 200, 200]
--- response_body eval
["sub=[user-42] status=[valid]\n", "sub=[user-42] status=[valid]\n", ""]
--- no_error_log
[warn]
[error]



=== TEST 19: JWKS and introspection: opaque tokens and JWTs of an unknown kid are introspected, a bad signature of a known kid is refused locally
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        add_header X-Status $auth_token_status always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
[
    "Authorization: Bearer active1",
    "Authorization: Bearer inactive1",
    AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "unknown-kid"),
    AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => "rsa1"),
    "",
]
--- error_code eval
[200, 401, 200, 401, 200]
--- response_headers eval
["X-Status: valid", "X-Status: inactive\n$main::NOT_ACTIVE", "X-Status: valid",
 "X-Status: bad_signature\n" . 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
 ""]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", qr/401 Authorization Required/, "\\Asub=\\[jwt-introspected\\]\\n\\z",
 qr/401 Authorization Required/,
 "\\A" . quotemeta(main::idp_line("/introspect", "active1") . main::idp_line("/introspect", "inactive1"))
 . "POST /introspect token=eyJ[A-Za-z0-9_.-]+&token_type_hint=access_token auth=- ct=application/x-www-form-urlencoded accept=application/json cookie=- x_secret=-\\n\\z"]



=== TEST 20: auth_token_introspect_jwt on: a JWT that verifies locally is introspected too; with introspection only, every JWT is
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect;
        auth_token_introspect_jwt on;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /only {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /only", "GET /idp-log"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "RS256"), AuthTokenTest::bearer(alg => "ES256"), ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\Asub=\\[jwt-introspected\\]\\n\\z", "\\Asub=\\[jwt-introspected\\]\\n\\z",
 "\\A(?:POST /introspect token=eyJ[A-Za-z0-9_.-]+&token_type_hint=access_token auth=- ct=application/x-www-form-urlencoded accept=application/json cookie=- x_secret=-\\n){2}\\z"]
--- no_error_log
[warn]
[error]



=== TEST 21: auth_token_introspect_jwt on: a JWT that the IdP says is inactive (revoked) is refused though its signature is good
--- config
    location /api {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_introspect_request /_introspect format=status;
        auth_token_introspect_jwt on;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status-api;
    }
--- request
GET /api
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 401
--- response_headers eval
$main::NOT_ACTIVE



=== TEST 22: IdP answers 500: 503 without a challenge, the reason in the error log
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail/500;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
X-Status: introspection_failed
--- response_body_unlike: ok
--- error_log eval
[
    qr/\[error\] .*auth_token: introspection failed: unexpected HTTP status \(HTTP status 500\)/,
    "auth_token: 503: Token introspection failed (introspection_failed)",
]



=== TEST 23: IdP times out (proxy_read_timeout 1s): 503
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_read_timeout 1s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail/slow;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log eval
[
    qr/upstream timed out/,
    qr/\[error\] .*auth_token: introspection failed: unexpected HTTP status \(HTTP status 504\)/,
    "auth_token: 503: Token introspection failed (introspection_failed)",
]
--- timeout: 5



=== TEST 24: IdP answers 200 with something that is not JSON: 503
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail/garbage;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log eval
[
    qr/\[error\] .*auth_token: introspection failed: .+ \(HTTP status 200\)/,
    "auth_token: 503: Token introspection failed (introspection_failed)",
]



=== TEST 25: RFC 7662 answers without a boolean "active" (missing, a string), or not an object: 503
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer noactive1", "Authorization: Bearer activestr1", "Authorization: Bearer array1", ""]
--- error_code eval
[503, 503, 503, 200]
--- response_headers eval
["!WWW-Authenticate\nX-Status: introspection_failed", "!WWW-Authenticate\nX-Status: introspection_failed",
 "!WWW-Authenticate\nX-Status: introspection_failed", ""]
--- response_body_like eval
[qr/503 Service/, qr/503 Service/, qr/503 Service/,
 qr/auth_token: introspection failed: answer has no boolean "active" \(HTTP status 200\)(?s:.*)auth_token: introspection failed: answer has no boolean "active" \(HTTP status 200\)(?s:.*)auth_token: introspection failed: answer is not a JSON object \(HTTP status 200\)/]



=== TEST 26: HTTP/1.1 to a keepalive upstream for the IdP (chunked answers)
--- http_config
    upstream idp_keepalive {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 4;
    }
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub] scope=[$auth_token_claim_scope]";
    }
    location = /_introspect {
        internal;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://idp_keepalive/introspect;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer inactive1", "Authorization: Bearer user2", ""]
--- error_code eval
[200, 401, 200, 200]
--- response_body_like eval
["\\Asub=\\[alice\\] scope=\\[read write\\]\\n\\z", qr/401 Authorization Required/, "\\Asub=\\[bob\\] scope=\\[read\\]\\n\\z",
 main::idp_calls("/introspect", "active1", "inactive1", "user2")]
--- no_error_log
[warn]
[error]



=== TEST 27: a large answer (50 KB, many buffers) is read whole, with small proxy buffers and with proxy_buffering off
--- user_files eval
">>> idp/big50.json\n" . '{"active":true,"sub":"big","pad":"' . ('x' x 50000) . '","last":"end"}' . "\n"
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub] last=[$auth_token_claim_last]";
    }
    location /api2 {
        auth_token "api";
        auth_token_introspect_request /_introspect2;
        echo "sub=[$auth_token_claim_sub] last=[$auth_token_claim_last]";
    }
    location = /_introspect {
        internal;
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_busy_buffers_size 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/file/big50.json;
    }
    location = /_introspect2 {
        internal;
        proxy_buffering off;
        proxy_buffer_size 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/file/big50.json;
    }
--- request eval
["GET /api", "GET /api2"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer active1"]
--- error_code eval
[200, 200]
--- response_body eval
["sub=[big] last=[end]\n", "sub=[big] last=[end]\n"]
--- no_error_log
[warn]
[error]



=== TEST 28: an answer too large (200 KB) is refused: 503, never passed to the client
--- user_files eval
">>> idp/big200.json\n" . '{"active":true,"sub":"big","pad":"' . ('x' x 200000) . '"}' . "\n"
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "sub=[$auth_token_claim_sub]";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/file/big200.json;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: xxxxxxxx
--- error_log eval
[
    qr/\[error\] .*auth_token: introspection failed: answer too large \(HTTP status 200\)/,
    "auth_token: 503: Token introspection failed (introspection_failed)",
]



=== TEST 29: IdP down (connection refused): 503
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/introspect;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body_unlike: ok
--- error_log eval
[
    qr/connect\(\) failed \(111: Connection refused\)/,
    qr/\[error\] .*auth_token: introspection failed: unexpected HTTP status \(HTTP status 502\)/,
    "auth_token: 503: Token introspection failed (introspection_failed)",
]



=== TEST 30: a client that goes away during the call is not an IdP failure: no "introspection failed" error
The IdP takes 2 s; the client closes its connection after 0.3 s. nginx
notices (info: client prematurely closed connection) and ends the
subrequest with 499: that is not the identity provider failing, and must
not be logged as such at the error level (it would page whoever watches
for "introspection failed").
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail/slow;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- timeout: 0.3
--- abort
--- ignore_response
--- error_log
client prematurely closed connection
--- no_error_log
auth_token: introspection failed
[error]



=== TEST 31: IdP failure with a 503 error_page: the client sees the operator's page, still without a challenge
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        error_page 503 /unavailable;
        echo "ok";
    }
    location = /unavailable { internal; echo "unavailable"; }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail/garbage;
    }
--- request
GET /api
--- more_headers
Authorization: Bearer active1
--- error_code: 503
--- response_headers
!WWW-Authenticate
--- response_body
unavailable



=== TEST 32: config error: an unknown format= parameter
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect format=json;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "format=json": format=rfc7662 or format=status expected/



=== TEST 33: config error: auth_token with nothing to check tokens against
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_client_id gw;
        auth_token_introspect_client_secret "s3cr:et";
        echo "ok";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_token" is enabled but no keys are configured/



=== TEST 34: config error: auth_token_introspect_request twice in one location
--- config
    location /api {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_request /_introspect2;
        echo "ok";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_token_introspect_request" directive is duplicate/



=== TEST 35: auth_token and introspection set at the server level: inherited by locations (not by the subrequest, which skips the access phase); auth_token off skips it
--- config
    auth_token "api";
    auth_token_introspect_request /_introspect;

    location /api {
        echo "sub=[$auth_token_claim_sub]";
    }
    location /open {
        auth_token off;
        echo "open";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
--- request eval
["GET /api", "GET /open", "GET /api", "GET /idp-log"]
--- more_headers eval
["Authorization: Bearer active1", "Authorization: Bearer active1", "", ""]
--- error_code eval
[200, 200, 401, 200]
--- response_body_like eval
["\\Asub=\\[alice\\]\\n\\z", "\\Aopen\\n\\z", qr/401 Authorization Required/,
 "\\A" . quotemeta(main::idp_line("/introspect", "active1")) . "\\z"]
--- no_error_log
[warn]
[error]
