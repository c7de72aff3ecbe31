# Certificate-bound access tokens (RFC 8705, section 3):
# auth_token_cert_binding, auth_token_client_cert and $auth_token_cnf_x5t.
#
# Real TLS with real client certificates: the gateway under test is a TLS
# server block of the test nginx (ssl_verify_client optional_no_ca, the
# certificates of t/keys/sender), and the client is nginx itself, through
# locations of the main server that proxy to it with
# proxy_ssl_certificate (client-1, client-2) or without a certificate.
# (t/031-mtls-curl.t does the same with curl --cert.)  Tokens with
# cnf["x5t#S256"] are minted by t/lib/AuthTokenSender.pm, the thumbprints
# by the openssl command line, independently of the module.
#
# Covered: the right certificate, another one, none; tokens without a
# binding ("on" lets them through, "required" does not); "off" (inert); a
# malformed cnf; the certificate from a variable: $ssl_client_raw_cert
# (pem) and $ssl_client_escaped_cert (escaped) on the TLS connection, and a
# load balancer's header in every encoding (escaped, pem on one line,
# base64 DER, RFC 9440's :base64:, auto), a wrong encoding, garbage, an
# empty header; a TLS-terminating load balancer that sets the header
# (proxy_set_header) so that a client's forged copy never counts; DPoP and
# a certificate binding on one token; configuration errors.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use AuthTokenSender;

our %X5T = map { $_ => AuthTokenSender::x5t($_) } qw(client client2);

# the gateway: a TLS server asking for a client certificate, whose
# locations are given by each block (--- user_files: gateway.conf)
our $GATEWAY = <<'_EOC_';
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1 ssl;
        server_name localhost;
        ssl_certificate $TEST_NGINX_SENDER_KEYS/server.pem;
        ssl_certificate_key $TEST_NGINX_SENDER_KEYS/server.key;
        ssl_verify_client optional_no_ca;

        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;

        include $TEST_NGINX_SERVER_ROOT/html/gateway.conf;
    }
_EOC_

# the clients, in the main server: /c1/X and /c2/X present client-1's or
# client-2's certificate for /X, /nc/X none (TLS sessions are not reused:
# a resumed session keeps the certificate of the connection that made it,
# and the three share an upstream)
our $CLIENTS = <<'_EOC_';

    location /c1/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        proxy_ssl_session_reuse off;
        proxy_ssl_certificate $TEST_NGINX_SENDER_KEYS/client.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SENDER_KEYS/client.key;
    }
    location /c2/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        proxy_ssl_session_reuse off;
        proxy_ssl_certificate $TEST_NGINX_SENDER_KEYS/client2.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SENDER_KEYS/client2.key;
    }
    location /nc/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
        proxy_ssl_session_reuse off;
    }
    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    # minted now, just before the block runs (a DPoP proof's iat)
    my $mh = $block->more_headers;
    $block->set_value(more_headers => $mh->()) if ref $mh eq 'CODE';
    $block->set_value(http_config => $GATEWAY . ($block->http_config // ''));
    $block->set_value(config => ($block->config // '') . $CLIENTS);
    $block->set_value(user_files => ">>> gateway.conf\n" . ($block->gateway // '')
                                    . ($block->user_files // ''));
    delete $block->{gateway};
});
push @Test::Nginx::Socket::ExtraSections, 'gateway';

sub auth { "Authorization: Bearer $_[0]" }

# a token bound to a certificate of t/keys/sender
sub bound { AuthTokenSender::mtls_token(cert => $_[0] // 'client', @_[1 .. $#_]) }

sub mismatch {
    return 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="' . $_[0] . '"';
}

# a PEM certificate on one line, as a header can carry it
sub pem_line {
    my $p = AuthTokenSender::cert_pem($_[0]);
    $p =~ s/\s*\n\s*/ /g;
    $p =~ s/ \z//;
    return $p;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the certificate of the TLS connection: the right one (200, $auth_token_cnf_x5t), another one, none (the token's cnf from the verified-token cache then), the right one again
--- gateway
location /api {
    auth_token "api";
    auth_token_cert_binding on;
    echo "status=[$auth_token_status] x5t=[$auth_token_cnf_x5t] dn=[$ssl_client_s_dn]";
}
--- config
--- request eval
["GET /c1/api", "GET /c2/api", "GET /nc/api", "GET /c1/api", "GET /error-log"]
--- more_headers eval
[(main::auth(main::bound('client'))) x 4, ""]
--- error_code eval
[200, 401, 401, 200, 200]
--- response_headers eval
["", main::mismatch('Client certificate does not match the token'), main::mismatch('No client certificate'), "", ""]
--- response_body_like eval
[qr/\Astatus=\[valid\] x5t=\[\Q$::X5T{client}\E\] dn=\[CN=client-1\]\n\z/, qr/401/, qr/401/,
 qr/\Astatus=\[valid\] x5t=\[\Q$::X5T{client}\E\] dn=\[CN=client-1\]\n\z/,
 qr/auth_token: 401: Client certificate does not match the token \(binding_mismatch\), kid "rsa1", sub "user-42".*auth_token: 401: No client certificate \(binding_mismatch\)/s]
--- no_error_log
[error]



=== TEST 2: "on": a token without a binding passes with or without a certificate; "required": it is refused, a bound token passes
--- gateway
location /api {
    auth_token "api";
    auth_token_cert_binding on;
    echo "status=[$auth_token_status] x5t=[$auth_token_cnf_x5t]";
}
location /strict {
    auth_token "api";
    auth_token_cert_binding required;
    echo "status=[$auth_token_status] x5t=[$auth_token_cnf_x5t]";
}
--- config
--- request eval
["GET /c1/api", "GET /nc/api", "GET /c1/strict", "GET /c1/strict"]
--- more_headers eval
[main::auth(AuthTokenTest::jwt()), main::auth(AuthTokenTest::jwt()), main::auth(AuthTokenTest::jwt()),
 main::auth(main::bound('client'))]
--- error_code eval
[200, 200, 401, 200]
--- response_headers eval
["", "", main::mismatch('Token is not bound to a certificate'), ""]
--- response_body_like eval
[qr/\Astatus=\[valid\] x5t=\[\]\n\z/, qr/\Astatus=\[valid\] x5t=\[\]\n\z/, qr/401/,
 qr/\Astatus=\[valid\] x5t=\[\Q$::X5T{client}\E\]\n\z/]
--- no_error_log
[error]



=== TEST 3: "off" (the default): the binding is not looked at (another client's certificate passes), but $auth_token_cnf_x5t shows it
--- gateway
location /api {
    auth_token "api";
    echo "status=[$auth_token_status] x5t=[$auth_token_cnf_x5t]";
}
--- config
--- request
GET /c2/api
--- more_headers eval
main::auth(main::bound('client'))
--- response_body eval
"status=[valid] x5t=[$::X5T{client}]\n"
--- no_error_log
[error]
auth_token: bind



=== TEST 4: a cnf that cannot be read is refused (a binding is never dropped): x5t#S256 not a thumbprint, cnf not an object; also the second time, when the token's verification comes from the cache
--- gateway
location /api {
    auth_token "api";
    auth_token_cert_binding on;
    echo "status=[$auth_token_status] cache=[$auth_token_cache]";
}
--- config
--- request eval
["GET /c1/api", "GET /c1/api", "GET /c1/api", "GET /c1/api", "GET /c1/api"]
--- more_headers eval
our @BAD = (main::auth(AuthTokenTest::jwt(claims => { cnf => { 'x5t#S256' => 'abc' } })),
            main::auth(AuthTokenTest::jwt(claims => { cnf => "x" })),
            main::auth(AuthTokenTest::jwt(claims => { cnf => { 'x5t#S256' => $::X5T{client} . 'A' } })));
[@BAD, $BAD[0], main::auth(main::bound('client'))]
--- error_code eval
[401, 401, 401, 401, 200]
--- response_headers eval
[(main::mismatch('Malformed \"cnf\" claim')) x 4, ""]
--- response_body_like eval
[(qr/401/) x 4, qr/\Astatus=\[valid\] cache=\[MISS\]\n\z/]
--- no_error_log
[error]



=== TEST 5: the certificate from nginx's own variables on the TLS connection: $ssl_client_raw_cert (pem), $ssl_client_escaped_cert (escaped, and auto)
--- gateway
location /raw {
    auth_token "api";
    auth_token_cert_binding on;
    auth_token_client_cert $ssl_client_raw_cert encoding=pem;
    echo "status=[$auth_token_status]";
}
location /escaped {
    auth_token "api";
    auth_token_cert_binding on;
    auth_token_client_cert $ssl_client_escaped_cert encoding=escaped;
    echo "status=[$auth_token_status]";
}
location /auto {
    auth_token "api";
    auth_token_cert_binding on;
    auth_token_client_cert $ssl_client_escaped_cert;
    echo "status=[$auth_token_status]";
}
--- config
--- request eval
["GET /c1/raw", "GET /c2/raw", "GET /nc/raw", "GET /c1/escaped", "GET /c2/escaped", "GET /c1/auto", "GET /c2/auto"]
--- more_headers eval
[(main::auth(main::bound('client'))) x 7]
--- error_code eval
[200, 401, 401, 200, 401, 200, 401]
--- response_headers eval
["", main::mismatch('Client certificate does not match the token'), main::mismatch('No client certificate'),
 "", main::mismatch('Client certificate does not match the token'),
 "", main::mismatch('Client certificate does not match the token')]
--- no_error_log
[error]



=== TEST 6: a load balancer's header, each encoding: escaped, pem (on one line), base64 DER, RFC 9440's :base64:, and auto for each; another client's certificate is refused in each
--- config
    location /lb {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=escaped;
        echo "status=[$auth_token_status] x5t=[$auth_token_cnf_x5t]";
    }
    location /lb-pem {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=pem;
        echo "status=[$auth_token_status]";
    }
    location /lb-base64 {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=base64;
        echo "status=[$auth_token_status]";
    }
    location /lb-auto {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert;
        echo "status=[$auth_token_status]";
    }
--- request eval
["GET /lb", "GET /lb", "GET /lb-pem", "GET /lb-pem", "GET /lb-base64", "GET /lb-base64", "GET /lb-base64",
 "GET /lb-auto", "GET /lb-auto", "GET /lb-auto", "GET /lb-auto", "GET /lb-auto"]
--- more_headers eval
my $t = main::auth(main::bound('client'));
[
    map { "$t\nX-Client-Cert: $_" }
        AuthTokenSender::cert_escaped('client'), AuthTokenSender::cert_escaped('client2'),
        main::pem_line('client'), main::pem_line('client2'),
        AuthTokenSender::cert_base64('client'), AuthTokenSender::cert_base64('client2'),
        ':' . AuthTokenSender::cert_base64('client') . ':',
        AuthTokenSender::cert_escaped('client'), main::pem_line('client'), AuthTokenSender::cert_base64('client'),
        ':' . AuthTokenSender::cert_base64('client') . ':', AuthTokenSender::cert_base64('client2'),
]
--- error_code eval
[200, 401, 200, 401, 200, 401, 200, 200, 200, 200, 200, 401]
--- response_body_like eval
[qr/\Astatus=\[valid\] x5t=\[\Q$::X5T{client}\E\]\n\z/, qr/401/, qr/valid/, qr/401/, qr/valid/, qr/401/, qr/valid/,
 qr/valid/, qr/valid/, qr/valid/, qr/valid/, qr/401/]
--- no_error_log
[error]



=== TEST 7: a load balancer's header that is not one certificate: the wrong encoding, garbage, two PEM blocks, an empty header, no header
--- config
    location /lb {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=base64;
        echo "status=[$auth_token_status]";
    }
    location /lb-pem {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=pem;
        echo "status=[$auth_token_status]";
    }
--- request eval
["GET /lb", "GET /lb", "GET /lb-pem", "GET /lb", "GET /lb"]
--- more_headers eval
my $t = main::auth(main::bound('client'));
[
    "$t\nX-Client-Cert: " . AuthTokenSender::cert_escaped('client'),
    "$t\nX-Client-Cert: not a certificate",
    "$t\nX-Client-Cert: " . main::pem_line('client') . ' ' . main::pem_line('client2'),
    "$t\nX-Client-Cert: ",
    $t,
]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
[(main::mismatch('Client certificate cannot be read')) x 3, (main::mismatch('No client certificate')) x 2]
--- no_error_log
[error]



=== TEST 8: a TLS-terminating load balancer (a TLS server of its own, ssl_verify_client optional_no_ca) sets the header with proxy_set_header: the client's own copy never counts, whatever it says
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2 ssl;
        server_name lb;
        ssl_certificate $TEST_NGINX_SENDER_KEYS/server.pem;
        ssl_certificate_key $TEST_NGINX_SENDER_KEYS/server.key;
        ssl_verify_client optional_no_ca;

        location / {
            proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/gw/;
        }
    }
--- config
    location /gw/ {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding required;
        auth_token_client_cert $http_x_client_cert encoding=escaped;
        echo "status=[$auth_token_status]";
    }
    location /lb1/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_2/;
        proxy_ssl_session_reuse off;
        proxy_ssl_certificate $TEST_NGINX_SENDER_KEYS/client.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SENDER_KEYS/client.key;
    }
    location /lb2/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_2/;
        proxy_ssl_session_reuse off;
        proxy_ssl_certificate $TEST_NGINX_SENDER_KEYS/client2.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SENDER_KEYS/client2.key;
    }
    location /lb0/ {
        proxy_pass https://127.0.0.1:$TEST_NGINX_RAND_PORT_2/;
        proxy_ssl_session_reuse off;
    }
--- request eval
["GET /lb1/x", "GET /lb2/x", "GET /lb0/x"]
--- more_headers eval
my $t = main::auth(main::bound('client'));
my $forged = "X-Client-Cert: " . AuthTokenSender::cert_escaped('client');
["$t\n$forged", "$t\n$forged", "$t\n$forged"]
--- error_code eval
[200, 401, 401]
--- response_headers eval
["", main::mismatch('Client certificate does not match the token'), main::mismatch('No client certificate')]
--- no_error_log
[error]



=== TEST 9: DPoP and a certificate on one token (cnf with jkt and x5t#S256): both must hold; a proof refused for the certificate keeps its jti
--- gateway
location /both {
    auth_token "api";
    auth_token_dpop on;
    auth_token_dpop_origin https://api.example.com;
    auth_token_cert_binding on;
    echo "status=[$auth_token_status] jkt=[$auth_token_dpop_jkt] x5t=[$auth_token_cnf_x5t]";
}
--- config
--- request eval
["GET /c2/both", "GET /c1/both", "GET /c1/both"]
--- more_headers eval
sub {
    my $d = AuthTokenSender::dpop_parts(htu => 'https://api.example.com/both', token => { x5t => $::X5T{client} });
    my $h = "Authorization: DPoP $d->{token}\nDPoP: $d->{proof}";
    [$h, $h, $h]
}
--- error_code eval
[401, 200, 401]
--- response_headers eval
[
    'WWW-Authenticate: DPoP realm="api", error="invalid_token", error_description="Client certificate does not match the token", algs="RS256 PS256 ES256 EdDSA", Bearer realm="api"',
    "",
    'WWW-Authenticate: DPoP realm="api", error="invalid_dpop_proof", error_description="DPoP proof has been used before", algs="RS256 PS256 ES256 EdDSA", Bearer realm="api"',
]
--- response_body_like eval
[qr/401/, qr/\Astatus=\[valid\] jkt=\[[\w-]{43}\] x5t=\[\Q$::X5T{client}\E\]\n\z/, qr/401/]
--- no_error_log
[error]



=== TEST 10: the TLS connection's certificate on a plain HTTP request: none
--- config
    location /plain {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        echo "status=[$auth_token_status]";
    }
--- request
GET /plain
--- more_headers eval
main::auth(main::bound('client'))
--- error_code: 401
--- response_headers eval
main::mismatch('No client certificate')
--- no_error_log
[error]



=== TEST 11: configuration: auth_token_client_cert takes a variable, not a literal certificate
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert "-----BEGIN CERTIFICATE-----";
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"-----BEGIN CERTIFICATE-----" is not a variable}



=== TEST 12: configuration: an unknown encoding
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_cert_binding on;
        auth_token_client_cert $http_x_client_cert encoding=der;
        echo ok;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "encoding=der", expected encoding=auto, pem, escaped or base64}
