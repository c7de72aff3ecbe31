# auth_token_claim_header: claims passed upstream as request headers, and
# client-sent copies of those headers always removed (every letter case,
# "_" for "-", several copies, optional auth, auth_token off);
# auth_token_pass_token.
#
# The backend (second server, $TEST_NGINX_RAND_PORT_1) answers with the
# value it sees in $http_x_user and the raw request headers it received.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: sub passed upstream as X-User
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body_like eval
qr/\Ax-user=\[user-42\]\n.*^X-User: user-42\r$/ms



=== TEST 2: a client-sent X-User is replaced, not kept beside the claim
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\n" . AuthTokenTest::bearer()
--- response_body_like eval
qr/\A(?!.*evil)(?!(?:.*?^x[-_]user:){2})x-user=\[user-42\]\n.*^X-User: user-42\r$/msi



=== TEST 3: every spelling of the header from the client is removed (case, "_", two copies)
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil1\nx-user: evil2\nX-USER: evil3\nX_User: evil4\nx_user: evil5\nX-User: evil6\n"
. AuthTokenTest::bearer()
--- response_body_like eval
qr/\A(?!.*evil)(?!(?:.*?^x[-_]user:){2})x-user=\[user-42\]\n.*^X-User: user-42\r$/msi



=== TEST 4: the "_" spelling is removed even when it is the only copy
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X_USER: evil\n" . AuthTokenTest::bearer(claims => { sub => undef })
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 5: claim absent: no header, and the client's copies are still removed
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\nX-USER: evil2\n" . AuthTokenTest::bearer(claims => { sub => undef })
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n.*^Host: /msi



=== TEST 6: claim null: treated as absent
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\nAuthorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":null}')
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 7: refused token let in by satisfy any: client copy removed, no header added
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    underscores_in_headers on;

    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\nX_User: evil2\n"
. AuthTokenTest::bearer(claims => { sub => "victim", exp => AuthTokenTest::now() - 60 })
--- response_body_like eval
qr/\A(?!.*evil)(?!.*victim)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 8: no token, let in by satisfy any: client copy removed
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers
X-User: evil
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 9: valid token under satisfy any: the claim header is set
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\n" . AuthTokenTest::bearer()
--- response_body_like eval
qr/\A(?!.*evil)(?!(?:.*?^x[-_]user:){2})x-user=\[user-42\]\n/msi



=== TEST 10: location with auth_token off, claim header inherited: client copy removed
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        underscores_in_headers on;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    underscores_in_headers on;
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_claim_header X-User sub;

    location /public {
        auth_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /public
--- more_headers
X-User: evil
x_user: evil2
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 11: claim header at http level, auth_token never enabled: client copy removed
--- http_config
    auth_token_claim_header X-User sub;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /public {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /public
--- more_headers
X-User: evil
--- response_body_like eval
qr/\A(?!.*evil)(?!.*^x[-_]user:)x-user=\[\]\n/msi



=== TEST 12: other client headers are left alone
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-Users: keep1\nX-User-Id: keep2\nX-Use: keep3\n" . AuthTokenTest::bearer()
--- response_body_like eval
qr/\Ax-user=\[user-42\]\n(?=.*^X-Users: keep1\r$)(?=.*^X-User-Id: keep2\r$)(?=.*^X-Use: keep3\r$)/ms



=== TEST 13: nested claim: auth_token_claim_header X-Tenant org id
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-tenant=[$http_x_tenant]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Tenant org id;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
["X-Tenant: evil\n" . AuthTokenTest::bearer(claims => { org => { id => "t-1", name => "Acme" } }),
 "X-Tenant: evil\n" . AuthTokenTest::bearer(claims => { org => "t-1" }),
 "X-Tenant: evil\n" . AuthTokenTest::bearer(claims => { id => "t-1" })]
--- response_body eval
["x-tenant=[t-1]\n", "x-tenant=[]\n", "x-tenant=[]\n"]



=== TEST 14: array claim as a list: joined with ",", numbers and booleans as JSON, objects as quoted JSON
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-roles=[$http_x_roles]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Roles roles;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { roles => ["admin", "ops"] }),
 "Authorization: Bearer " . AuthTokenTest::jwt(raw_claims => '{"sub":"u","roles":["a",1,true,{"k":"v"}]}')]
--- response_body eval
["x-roles=[admin,ops]\n", "x-roles=[a,1,true,\"{\\\"k\\\":\\\"v\\\"}\"]\n"]



=== TEST 15: object claim as compact JSON, numeric and boolean claims as JSON text
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "obj=[$http_x_obj] num=[$http_x_num] frac=[$http_x_frac] bool=[$http_x_bool]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Obj obj;
        auth_token_claim_header X-Num num;
        auth_token_claim_header X-Frac frac;
        auth_token_claim_header X-Bool flag;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . AuthTokenTest::jwt(raw_claims =>
    '{"sub":"u","obj":{"a":1,"b":"x"},"num":42,"frac":1.5,"flag":false}')
--- response_body
obj=[{"a":1,"b":"x"}] num=[42] frac=[1.5] bool=[false]



=== TEST 16: CR LF in a claim cannot inject a header: a value with a control character is never sent, the token is refused
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "reached";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { sub => "a\r\nX-Injected: 1" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token claim cannot be sent in a header"
--- response_body_unlike: reached
--- error_log
the claim for "X-User" has a control character or surrounding spaces: not sent



=== TEST 17: a lone LF, a tab, other C0 control characters, DEL and surrounding spaces: refused too (an upstream that trims would read "admin" for "admin\t")
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[map { AuthTokenTest::bearer(claims => { sub => $_ }) }
 "a\nb", "admin\t", "a\x01c", "c\x7fd", "admin ", " admin", "ad min"]
--- error_code eval
[401, 401, 401, 401, 401, 401, 200]
--- response_body_like eval
[("401 Authorization Required") x 6, qr/\Ax-user=\[ad min\]\n\z/]



=== TEST 18: CR LF inside an array element or a nested claim: refused; list elements with a comma, quotes or spaces are quoted
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-roles=[$http_x_roles] x-tenant=[$http_x_tenant] x-injected=[$http_x_injected]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Roles roles;
        auth_token_claim_header X-Tenant org id;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(claims => { roles => ["a\r\nX-Injected: 1", "b"], org => { id => "t" } }),
 AuthTokenTest::bearer(claims => { roles => ["a"], org => { id => "t\r\nX-Injected: 2" } }),
 AuthTokenTest::bearer(claims => { roles => ["admin,user"], org => { id => "t" } }),
 AuthTokenTest::bearer(claims => { roles => ["admin", "user", "say \"hi\"", " pad", ""], org => { id => "t" } })]
--- error_code eval
[401, 401, 200, 200]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/,
 qr/\Ax-roles=\["admin,user"\] x-tenant=\[t\] x-injected=\[\]\n\z/,
 qr/\Ax-roles=\[admin,user,"say \\"hi\\""," pad",""\] x-tenant=\[t\] x-injected=\[\]\n\z/]



=== TEST 19: $http_x_user in the protected location sees the claim, not the client's copy
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "seen=[$http_x_seen]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_set_header X-Seen $http_x_user;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: evil\n" . AuthTokenTest::bearer()
--- response_body
seen=[user-42]



=== TEST 20: auth_token_pass_token off (default): Authorization does not go upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "auth=[$http_authorization]";
            echo -n $echo_client_request_headers;
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body_like eval
qr/\A(?!.*^Authorization:)(?!.*eyJ)auth=\[\]\n/msi



=== TEST 21: auth_token_pass_token on: the Authorization header goes upstream unchanged
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "auth=[$http_authorization]";
        }
    }
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_pass_token on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { iat => 1700000000, exp => 32503680000 })
--- response_body eval
"auth=[" . (AuthTokenTest::bearer(claims => { iat => 1700000000, exp => 32503680000 })
            =~ s/^Authorization: //r) . "]\n"



=== TEST 22: auth_token_pass_token off explicitly overrides an inherited on
--- http_config
    auth_token_pass_token on;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "auth=[$http_authorization]";
        }
    }
--- config
    location /on {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
    location /off {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_pass_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /on", "GET /off"]
--- more_headers eval
[AuthTokenTest::bearer(), AuthTokenTest::bearer()]
--- response_body_like eval
[qr/\Aauth=\[Bearer [\w-]+\.[\w-]+\.[\w-]+\]\n\z/, qr/\Aauth=\[\]\n\z/]



=== TEST 23: an Authorization header of another scheme is left alone
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "auth=[$http_authorization]";
        }
    }
--- config
    location /t {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers
Authorization: Basic dXNlcjpwYXNz
--- response_body
auth=[Basic dXNlcjpwYXNz]



=== TEST 24: token from a cookie: the cookie is not removed, no Authorization added
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "auth=[$http_authorization] cookie=[$cookie_at] user=[$http_x_user]";
        }
    }
--- config
    location /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"Cookie: at=" . AuthTokenTest::jwt()
--- response_body_like eval
qr/\Aauth=\[\] cookie=\[[\w-]+\.[\w-]+\.[\w-]+\] user=\[user-42\]\n\z/



=== TEST 25: several claim headers at once; a location's own list replaces the server's
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "user=[$http_x_user] iss=[$http_x_iss]";
        }
    }
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    auth_token_claim_header X-User sub;
    auth_token_claim_header X-Iss iss;

    location /a {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
    location /b {
        auth_token_claim_header X-Iss iss;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
[AuthTokenTest::bearer(), AuthTokenTest::bearer()]
--- response_body eval
["user=[user-42] iss=[https://idp.example.com]\n",
 "user=[] iss=[https://idp.example.com]\n"]



=== TEST 26: framing / routing headers cannot be claim headers
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header Host sub;
        echo "ok";
    }
--- must_die
--- error_log
[emerg]
"Host"



=== TEST 27: Authorization (any case) cannot be a claim header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header authorization sub;
        echo "ok";
    }
--- must_die
--- error_log
[emerg]
"authorization"



=== TEST 28: Transfer-Encoding cannot be a claim header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header Transfer-Encoding sub;
        echo "ok";
    }
--- must_die
--- error_log
[emerg]
"Transfer-Encoding"



=== TEST 29: Content-Length (mixed case) cannot be a claim header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header content-LENGTH sub;
        echo "ok";
    }
--- must_die
--- error_log
[emerg]
"content-LENGTH"
