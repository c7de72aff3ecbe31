# The attack catalogue of docs/security.md: known attacks on JWT
# validators and on header-injecting gateways, each refused here (or in the
# suite named by docs/security.md).  alg "none" in any case, HS/RS key
# confusion with the JWK's own numbers, hostile kids, keys named by the
# token (jku, x5u, jwk, x5c: nothing fetched, nothing trusted), crit, b64,
# JWE, duplicate keys, deep nesting, numbers out of range, non-UTF-8, NUL
# bytes, huge headers, many headers, two tokens, client copies of injected
# headers, and the token kept out of the error log at debug level.
#
# TEST 32 is skipped: it shows an open module bug (see its comment and
# docs/security.md).
#
# Helpers used by several blocks:
#   - an echo location of this same server (/echo) that prints what an
#     upstream received: $http_x_user and every request header;
#   - /evil/ serves a JWKS holding the attacker's key and writes each visit
#     to logs/evil.log (/evil-log reads it back): a key named by the token
#     would be fetched from there.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();
use MIME::Base64 ();
use File::Temp ();

# --- helpers (called as main::name from the eval sections) ----------------

sub b64 { AuthTokenTest::b64url(@_) }

# Valid claims as JSON text; $extra is appended verbatim inside the object.
sub claims_json {
    my ($extra) = @_;
    return '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":'
        . (AuthTokenTest::now() + 3600)
        . (defined $extra ? ",$extra" : '') . '}';
}

# Claims with exp and iat fixed: the same token in every section.
sub fixed_claims {
    my ($extra) = @_;
    return '{"iss":"https://idp.example.com","aud":"api","sub":"user-42",'
        . '"iat":1700000000,"exp":32503680000'
        . (defined $extra ? ",$extra" : '') . '}';
}

# A token from verbatim header and claims texts, signed over exactly those
# bytes (RS256 by rsa1 unless told otherwise).
sub signed {
    my ($header, $claims, $key, $alg) = @_;
    my $input = b64($header) . '.' . b64($claims);
    return $input . '.'
        . b64(AuthTokenTest::sign($alg // 'RS256', $input, key => $key // 'rsa1'));
}

# The same, but HMAC with an arbitrary secret (the key-confusion attacks).
sub hs_signed {
    my ($header, $claims, $secret, $alg) = @_;
    my $input = b64($header) . '.' . b64($claims);
    return $input . '.' . b64(AuthTokenTest::hs($alg // 'HS256', $secret, $input));
}

sub bearer_of { return "Authorization: Bearer $_[0]" }

sub www {
    my ($desc) = @_;
    return 'WWW-Authenticate: Bearer realm="api", error="invalid_token", '
         . "error_description=\"$desc\"";
}

# The keys of t/keys/jwks.json by kid.
our %JWK = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub file_bytes { AuthTokenTest::slurp(AuthTokenTest::key_path($_[0])) }

sub openssl_out {
    my ($cmd) = @_;
    my $out = `$cmd 2>/dev/null`;
    die "failed: $cmd\n" if $? || !length $out;
    return $out;
}

# The public key of rsa1 in DER (SubjectPublicKeyInfo).
sub rsa1_der {
    my $pem = AuthTokenTest::key_path('rsa1.pub.pem');
    return openssl_out("openssl pkey -pubin -in '$pem' -outform DER");
}

# The public JWK of t/keys/rsa4096 (the attacker's key: in no JWKS).
sub attacker_jwk {
    my ($kid) = @_;
    my $pem = AuthTokenTest::key_path('rsa4096.pub.pem');
    my $out = openssl_out("openssl rsa -pubin -in '$pem' -modulus -noout");
    $out =~ /Modulus=([0-9A-Fa-f]+)/ or die "no modulus in $pem\n";
    return '{"kty":"RSA","use":"sig",' . (defined $kid ? "\"kid\":\"$kid\"," : '')
         . '"e":"AQAB","n":"' . b64(pack 'H*', $1) . '"}';
}

# A self-signed X.509 certificate of the attacker's key, base64 DER (x5c).
my $CERT;
sub attacker_cert {
    return $CERT //= do {
        my $key = AuthTokenTest::key_path('rsa4096.pem');
        MIME::Base64::encode_base64(openssl_out(
            "openssl req -x509 -new -key '$key' -subj /CN=attacker -days 2 -outform DER"), '');
    };
}

sub evil_base {
    return "http://127.0.0.1:" . ($ENV{TEST_NGINX_SERVER_PORT} || 1984) . "/evil/";
}

# Deterministic tokens, minted once: the same in more_headers and in the
# no_error_log patterns of the log blocks.
my %TOK;
sub tok {
    my ($name) = @_;
    return $TOK{$name} //= do {
        if ($name eq 'valid') {
            signed('{"alg":"RS256","kid":"rsa1"}', fixed_claims('"jti":"valid"'));
        } elsif ($name eq 'badsig') {
            my @p = split /\./, signed('{"alg":"RS256","kid":"rsa1"}', fixed_claims('"jti":"badsig"'));
            substr($p[2], 40, 4) = substr($p[2], 40, 4) eq 'AAAA' ? 'BBBB' : 'AAAA';
            join '.', @p;
        } elsif ($name eq 'expired') {
            signed('{"alg":"RS256","kid":"rsa1"}',
                   '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","iat":1700000000,"exp":1700000001}');
        } elsif ($name eq 'malformed') {
            signed('{"alg":"RS256","kid":"rsa1",', fixed_claims('"jti":"malformed"'));
        } elsif ($name eq 'unknownkey') {
            signed('{"alg":"RS256","kid":"nokey"}', fixed_claims('"jti":"unknownkey"'), 'rsa4096');
        } elsif ($name eq 'hs') {
            signed('{"alg":"HS256","kid":"hs1"}', fixed_claims('"jti":"hs"'), 'hmac1', 'HS256');
        } elsif ($name eq 'hsbad') {
            hs_signed('{"alg":"HS256","kid":"hs1"}', fixed_claims('"jti":"hsbad"'), 'x' x 32);
        } elsif ($name eq 'toolarge') {
            signed('{"alg":"RS256","kid":"rsa1"}', fixed_claims('"pad":"' . ('p' x 13000) . '"'));
        } else {
            die "no token $name\n";
        }
    };
}

# no_error_log patterns: no line of error.log holds the token's signature or
# the start of its payload -- except nginx's own debug line that echoes the
# request header as received ("http header: "Authorization: ...""), which is
# nginx core, not the module (see docs/security.md).
sub never_logged {
    my @pat;
    for my $t (map { tok($_) } @_) {
        my (undef, $p, $s) = split /\./, $t;
        for my $part (substr($s, 0, 32), substr($s, -32), substr($p, 0, 32)) {
            push @pat, qr/^(?!.*\bhttp header: "Authorization: ).*\Q$part\E/;
        }
    }
    return \@pat;
}

# A regex over /echo's answer: x-user=[$want], and the upstream request holds
# exactly $n headers named X-User (any case or spelling) and no "evil".
sub upstream_sees {
    my ($want, $n) = @_;
    my $re = '\A(?!.*evil)x-user=\[' . quotemeta($want) . '\]\n'
           . ($n ? '(?=(?:.*?^x[-_]user:){' . $n . '})' : '')
           . '(?!(?:.*?^x[-_]user:){' . ($n + 1) . '})';
    return qr/$re/msi;
}

# $total request headers: $copies client copies of X-User in every
# spelling (one in ten, or all), the others fillers "X-Filler-NNNN: v".
sub many_headers {
    my ($total, $copies) = @_;
    my @sp = ('X-User', 'x-user', 'X-USER', 'X_User', 'x_user', 'X_USER', 'X-uSeR');
    my ($out, $f, $c) = ('', 0, 0);
    for my $i (1 .. $total) {
        if ($c < $copies && ($i % 10 == 0 || $total - $i < $copies - $c)) {
            $out .= $sp[$c % @sp] . ": evil" . $c++ . "\n";
        } else {
            $out .= sprintf "X-Filler-%04d: v\n", ++$f;
        }
    }
    die "many_headers: $c copies, not $copies\n" if $c != $copies;
    return $out;
}

# Does the nginx under test limit the number of request header lines (the
# max_headers directive, default 1000: nginx 1.29.8 and later, and Debian's
# 1.22.1 through its backport)?  TEST 26 runs where it does, TEST 34 where
# it does not (nginx 1.24 to 1.28).
sub nginx_limits_header_lines {
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open my $fh, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!\n";
    print $fh "pid $dir/nginx.pid;\nevents {}\nhttp { max_headers 1000; }\n";
    close $fh;
    my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
    system("$nginx -t -q -p $dir -c $dir/nginx.conf -e $dir/error.log"
           . " >/dev/null 2>&1");
    return $? == 0;
}

our $HEADER_LIMIT = nginx_limits_header_lines();

# A regex over /echo's answer: the claim's X-User only, and the fillers
# X-Filler-0001 .. $n all there, in order (each found once: no counted
# repetition, which would backtrack for minutes on a miss).
sub fillers_then_user {
    my ($n) = @_;
    my $re = '\A(?!.*evil)x-user=\[user-42\]\n(?!(?:.*?^x[-_]user:){2})(?=.*^X-User: user-42\r$)'
           . join('', map { sprintf '.*?^X-Filler-%04d: v\r$', $_ } 1 .. $n)
           . sprintf('(?!.*^X-Filler-%04d:)', $n + 1);
    return qr/$re/msi;
}

our $TOKEN = AuthTokenTest::jwt(alg => 'RS256');

my $default_config = <<'_EOC_';
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', $default_config) unless defined $block->config;
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: alg "nOnE" (mixed case) unsigned and with a signature, "none" with a real HMAC or RSA signature, an empty alg: all refused
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::b64('{"alg":"nOnE","typ":"JWT"}') . '.' . main::b64(main::claims_json()) . '.'),
 main::bearer_of(main::b64('{"alg":"nOnE","typ":"JWT"}') . '.' . main::b64(main::claims_json()) . '.' . main::b64('x' x 32)),
 main::bearer_of(main::hs_signed('{"alg":"none","kid":"hs1"}', main::claims_json(), main::file_bytes('hmac1.key'))),
 main::bearer_of(main::signed('{"alg":"none","kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"","kid":"rsa1"}', main::claims_json())),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 401, 401, 401, 200]
--- response_headers eval
[main::www("Unsigned tokens are not accepted") . "\nX-Status: unsupported_alg",
 main::www("Unsupported token algorithm") . "\nX-Status: unsupported_alg",
 main::www("Unsupported token algorithm") . "\nX-Status: unsupported_alg",
 main::www("Unsupported token algorithm") . "\nX-Status: unsupported_alg",
 main::www("Unsupported token algorithm") . "\nX-Status: unsupported_alg",
 "!WWW-Authenticate\nX-Status: valid"]
--- response_body_like eval
[qr/\A(?!ok)/, qr/\A(?!ok)/, qr/\A(?!ok)/, qr/\A(?!ok)/, qr/\A(?!ok)/, qr/\Aok\n\z/]



=== TEST 2: after alg "none" tokens the worker still checks signatures (no state changed by a request)
--- http_config
    auth_token_zone tokens:1m;
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(alg => "RS256");
my $forged = "$h." . main::b64(main::claims_json('"role":"admin"')) . ".$s";
[main::bearer_of(main::b64('{"alg":"none"}') . '.' . main::b64(main::claims_json('"role":"admin"')) . '.'),
 main::bearer_of($forged),
 main::bearer_of(main::b64('{"alg":"NONE","kid":"rsa1"}') . '.' . main::b64(main::claims_json('"role":"admin"')) . '.' . $s),
 main::bearer_of($forged),
 main::bearer_of(main::b64('{"alg":"none"}') . '.' . main::b64(main::claims_json('"role":"admin"')) . '.')]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
[main::www("Unsigned tokens are not accepted"),
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Unsupported token algorithm"),
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Unsigned tokens are not accepted")]



=== TEST 3: key confusion: HS256 with the RSA key's JWK "n" (text and bytes), its whole JWK, its DER as HMAC secret: refused
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
my $n = $main::JWK{rsa1}{n};
my $jwk = JSON::PP->new->canonical->encode($main::JWK{rsa1});
[main::bearer_of(main::hs_signed('{"alg":"HS256","kid":"rsa1"}', main::claims_json(), $n)),
 main::bearer_of(main::hs_signed('{"alg":"HS256","kid":"rsa1"}', main::claims_json(), AuthTokenTest::b64url_decode($n))),
 main::bearer_of(main::hs_signed('{"alg":"HS256","kid":"rsa1"}', main::claims_json(), $jwk)),
 main::bearer_of(main::hs_signed('{"alg":"HS512","kid":"rsa1"}', main::claims_json(), main::rsa1_der(), 'HS512')),
 main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), $n)),
 main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), AuthTokenTest::b64url_decode($n))),
 main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), main::file_bytes('rsa1.pub.pem')))]
--- error_code eval
[401, 401, 401, 401, 401, 401, 401]
--- response_headers eval
[main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Signature verification failed") . "\nX-Status: bad_signature"]



=== TEST 4: key confusion against a JWKS with only the RSA key: no HMAC key exists, whatever the secret
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
my $n = $main::JWK{rsa1}{n};
[main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), $n)),
 main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), AuthTokenTest::b64url_decode($n))),
 main::bearer_of(main::hs_signed('{"alg":"HS384"}', main::claims_json(), main::rsa1_der(), 'HS384')),
 main::bearer_of(main::hs_signed('{"alg":"HS256"}', main::claims_json(), main::file_bytes('rsa1.pub.pem'))),
 AuthTokenTest::bearer(alg => "RS256", kid => undef)]
--- error_code eval
[401, 401, 401, 401, 200]
--- response_headers eval
[main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 "X-Status: valid"]



=== TEST 5: a key of one family never verifies another: ES256 with an RSA kid, RS256 with an EC or HMAC kid, HS256 with the EC PEM, EdDSA with an RSA kid
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(alg => "ES256", key => "ec256", kid => "rsa1"),
 AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "ec256"),
 AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "hs1"),
 AuthTokenTest::bearer(alg => "HS256", secret_file => "ec256.pub.pem", kid => "ec256"),
 AuthTokenTest::bearer(alg => "EdDSA", key => "ed25519", kid => "rsa1"),
 AuthTokenTest::bearer(alg => "PS256", key => "rsa1", kid => "hs1")]
--- error_code eval
[401, 401, 401, 401, 401, 401]
--- response_headers eval
[main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key",
 main::www("No key for the token algorithm") . "\nX-Status: unknown_key"]



=== TEST 6: kid with SQL, path traversal, URLs and shell syntax: unknown key, nothing opened
--- log_level: info
--- request eval
[("GET /t") x 9]
--- more_headers eval
[map { AuthTokenTest::bearer(kid => $_) }
    "' OR '1'='1", "rsa1' --", "x'; DROP TABLE keys; --",
    "../../etc/passwd", "../../../../../../../../dev/zero", "..\\..\\windows\\win.ini",
    "file:///etc/passwd", "http://127.0.0.1:1/jwks.json", "|cat /etc/passwd; \$(id)"]
--- error_code eval
[(401) x 9]
--- response_headers eval
[(main::www("Unknown signing key") . "\nX-Status: unknown_key") x 9]
--- error_log eval
qr/\[info\] .*auth_token: 401: Unknown signing key \(unknown_key\), kid "/
--- no_error_log
open()
[error]
[crit]



=== TEST 7: kid with a NUL (escaped, raw), with a raw control byte, empty: never matches a key
--- request eval
[("GET /t") x 5]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1\u0000"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1\u0000../x"}', main::claims_json())),
 main::bearer_of(main::signed(qq{{"alg":"RS256","kid":"rsa1\x00"}}, main::claims_json())),
 main::bearer_of(main::signed(qq{{"alg":"RS256","kid":"rsa1\x01"}}, main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":""}', main::claims_json()))]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
[main::www("Malformed token header") . "\nX-Status: malformed",
 main::www("Malformed token header") . "\nX-Status: malformed",
 main::www("Malformed token header") . "\nX-Status: malformed",
 main::www("Malformed token header") . "\nX-Status: malformed",
 main::www("Unknown signing key") . "\nX-Status: unknown_key"]



=== TEST 8: kid not a string (null, true, object, number, huge number, array): Malformed token header
--- request eval
[("GET /t") x 6]
--- more_headers eval
[map { main::bearer_of(main::signed('{"alg":"RS256","kid":' . $_ . '}', main::claims_json())) }
    'null', 'true', '{"kid":"rsa1"}', '0', '1e400', '["rsa1"]']
--- error_code eval
[(401) x 6]
--- response_headers eval
[(main::www("Malformed token header") . "\nX-Status: malformed") x 6]



=== TEST 9: a 64 KB kid: Token too large, nothing parsed or logged of it; an 11 KB kid: unknown key, logged shortened
--- http_config
    large_client_header_buffers 4 128k;
--- log_level: info
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(kid => 'K' x 65536),
 AuthTokenTest::bearer(kid => 'k' x 11000),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 200]
--- response_headers eval
[main::www("Token too large") . "\nX-Status: malformed",
 main::www("Unknown signing key") . "\nX-Status: unknown_key",
 "X-Status: valid"]
--- no_error_log eval
[qr/K{65}/, qr/k{65}/, qr/\[(?:error|crit|alert|emerg)\]/]



=== TEST 10: jku, x5u, jwk and x5c name the attacker's key: nothing is fetched (the logging /evil/ stays unvisited), nothing trusted
--- http_config
    log_format evil '$request_method $uri';
--- user_files eval
">>> evil/jwks.json\n{\"keys\":[" . main::attacker_jwk("attacker") . "]}\n"
. ">>> evil/cert.pem\n-----BEGIN CERTIFICATE-----\n" . main::attacker_cert() . "\n-----END CERTIFICATE-----\n"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location /evil/ {
        access_log $TEST_NGINX_SERVER_ROOT/logs/evil.log evil;
        alias $TEST_NGINX_SERVER_ROOT/html/evil/;
    }
    location = /evil-log {
        alias $TEST_NGINX_SERVER_ROOT/logs/evil.log;
    }
--- request eval
[("GET /t") x 7, "GET /evil-log", "GET /evil/jwks.json", "GET /evil-log"]
--- more_headers eval
my $claims = main::claims_json();
my $base = main::evil_base();
[main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","jku":"' . $base . 'jwks.json"}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","jku":"' . $base . 'jwks.json"}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","x5u":"' . $base . 'cert.pem"}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","jwk":' . main::attacker_jwk("attacker") . '}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","jwk":' . main::attacker_jwk() . '}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","x5c":["' . main::attacker_cert() . '"]}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1","jku":"' . $base . 'jwks.json","x5u":"' . $base . 'cert.pem","jwk":' . main::attacker_jwk("rsa1") . '}', $claims, 'rsa4096')),
 "", "", ""]
--- error_code eval
[401, 401, 401, 401, 401, 401, 401, 200, 200, 200]
--- response_headers eval
[main::www("Unknown signing key") . "\nX-Status: unknown_key",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Unknown signing key") . "\nX-Status: unknown_key",
 main::www("Unknown signing key") . "\nX-Status: unknown_key",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 main::www("Signature verification failed") . "\nX-Status: bad_signature",
 "", "", ""]
--- response_body_like eval
[(qr/\A(?!ok)/) x 7, qr/\A\z/, qr/\A\{"keys":\[\{"kty":"RSA"/, qr/\AGET \/evil\/jwks\.json\n\z/]



=== TEST 11: with a remote JWKS, an unknown kid carrying jku/x5u re-fetches the configured source only, never the token's URL
--- http_config
    auth_token_zone tokens:1m;
    log_format evil '$request_method $uri';
--- user_files eval
">>> evil/jwks.json\n{\"keys\":[" . main::attacker_jwk("attacker") . "]}\n"
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        auth_token_jwks_refetch_interval 1s;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/idp/jwks.json;
    }
    location /idp/ {
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log evil;
        alias $TEST_NGINX_KEYS/;
    }
    location /evil/ {
        access_log $TEST_NGINX_SERVER_ROOT/logs/evil.log evil;
        alias $TEST_NGINX_SERVER_ROOT/html/evil/;
    }
    location = /evil-log { alias $TEST_NGINX_SERVER_ROOT/logs/evil.log; }
    location = /idp-log { alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /sleep { echo_sleep 1.1; echo "slept"; }
--- request eval
["GET /t", "GET /sleep", "GET /t", "GET /t", "GET /idp-log", "GET /evil-log"]
--- more_headers eval
my $claims = main::claims_json();
my $base = main::evil_base();
[AuthTokenTest::bearer(),
 "",
 main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","jku":"' . $base . 'jwks.json"}', $claims, 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker2","x5u":"' . $base . 'cert.pem","jwk":' . main::attacker_jwk("attacker2") . '}', $claims, 'rsa4096')),
 "", ""]
--- error_code eval
[200, 200, 401, 401, 200, 200]
--- response_body_like eval
[qr/\Aok\n\z/, qr/slept/, qr/\A(?!ok)/, qr/\A(?!ok)/,
 qr/\A(?:GET \/idp\/jwks\.json\n){2,3}\z/, qr/\A\z/]



=== TEST 12: crit naming an unknown extension, "b64", not an array, null, empty: Unsupported critical header
--- request eval
[("GET /t") x 6]
--- more_headers eval
[map { main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1",' . $_ . '}', main::claims_json())) }
    '"crit":["https://evil.example/ext"],"https://evil.example/ext":"skip-checks"',
    '"crit":["b64"],"b64":true',
    '"crit":"exp"',
    '"crit":null',
    '"crit":[]',
    '"crit":["kid"]']
--- error_code eval
[(401) x 6]
--- response_headers eval
[(main::www("Unsupported critical header") . "\nX-Status: unsupported_alg") x 6]



=== TEST 13: b64 false (also as a string, 0 or null): Unencoded payloads are not supported; b64 true is the default (control)
--- request eval
[("GET /t") x 5]
--- more_headers eval
[(map { main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1","b64":' . $_ . '}', main::claims_json())) }
    'false', '"false"', '0', 'null'),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1","b64":true}', main::claims_json()))]
--- error_code eval
[401, 401, 401, 401, 200]
--- response_headers eval
[(main::www("Unencoded payloads are not supported") . "\nX-Status: unsupported_alg") x 4,
 "X-Status: valid"]



=== TEST 14: JWE compact tokens (5 segments), also with a kid of ours and a JWS-looking alg: clear rejection
--- request eval
[("GET /t") x 4]
--- more_headers eval
my $rest = '.' . main::b64("\x01" x 256) . '.' . main::b64("\x02" x 12) . '.' . main::b64(main::claims_json()) . '.' . main::b64("\x03" x 16);
[main::bearer_of(main::b64('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa1"}') . $rest),
 main::bearer_of(main::b64('{"alg":"dir","enc":"A128CBC-HS256","kid":"hs1"}') . '.' . substr($rest, index($rest, '.', 1))),
 main::bearer_of(main::b64('{"alg":"RS256","kid":"rsa1"}') . $rest),
 main::bearer_of(main::b64('{"alg":"ECDH-ES","enc":"A256GCM","zip":"DEF","epk":{"kty":"EC"}}') . $rest)]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
[(main::www("Encrypted tokens (JWE) are not supported") . "\nX-Status: malformed") x 4]



=== TEST 15: duplicate keys in either order (header alg and kid, claims sub, exp, aud): refused, no claim leaks
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        add_header X-Status $auth_token_status always;
        add_header X-Sub "[$auth_token_claim_sub]" always;
        echo "ok";
    }
--- request eval
[("GET /t") x 8]
--- more_headers eval
my $exp = AuthTokenTest::now() + 3600;
[main::bearer_of(main::signed('{"alg":"RS256","alg":"none","kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"HS256","alg":"RS256","kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"kid":"rsa1","alg":"RS256","kid":"rsa2"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","sub":"admin","exp":' . $exp . ',"aud":"api"}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"admin","sub":"user-42","exp":' . $exp . ',"aud":"api"}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","exp":1,"exp":' . $exp . ',"aud":"api"}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","exp":' . $exp . ',"aud":"web","aud":"api"}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","exp":' . $exp . ',"aud":"api","\u0073ub":"admin"}'))]
--- error_code eval
[(401) x 8]
--- response_headers eval
[(main::www("Malformed token header") . "\nX-Status: malformed\nX-Sub: []") x 3,
 (main::www("Malformed token claims") . "\nX-Status: malformed\nX-Sub: []") x 5]



=== TEST 16: 10,000 levels of nesting (claims and header, open and closed): refused without a crash; brackets inside strings do not count
--- http_config
    large_client_header_buffers 4 64k;
--- request eval
[("GET /t") x 7]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"n":' . ('[' x 10000))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1","x":' . ('[' x 10000), main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json('"n":' . ('[' x 10000) . (']' x 10000)))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"n":' . ('{"a":' x 2000))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json('"n":"' . ('[{' x 5000) . '"'))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json('"n":"\\\\\\"' . ('[' x 9000) . '"'))),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 401, 401, 200, 200, 200]
--- response_headers eval
[main::www("Malformed token claims") . "\nX-Status: malformed",
 main::www("Malformed token header") . "\nX-Status: malformed",
 main::www("Token too large") . "\nX-Status: malformed",
 main::www("Malformed token claims") . "\nX-Status: malformed",
 "X-Status: valid", "X-Status: valid", "X-Status: valid"]



=== TEST 17: numbers out of range in exp / nbf (1e400, -1e400, 2^63, 2^64, -2^63-1, NaN, Infinity, hex): refused as malformed
--- request eval
[("GET /t") x 12]
--- more_headers eval
[map { main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","aud":"api",' . $_ . '}')) }
    '"exp":1e400', '"exp":-1e400', '"exp":9223372036854775808', '"exp":18446744073709551616',
    '"exp":-9223372036854775809', '"exp":NaN', '"exp":Infinity', '"exp":-Infinity',
    '"exp":0x7fffffff', '"nbf":1e400', '"nbf":-1E+400', '"exp":1e99999999999999999999']
--- error_code eval
[(401) x 12]
--- response_headers eval
[(main::www("Malformed token claims") . "\nX-Status: malformed") x 12]



=== TEST 18: numbers at the edges of int64 and double: compared as numbers, no overflow (also through the verified-token cache)
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        add_header X-Cache $auth_token_cache always;
        echo "ok";
    }
--- request eval
[("GET /t") x 12]
--- more_headers eval
my @c = ('"exp":9223372036854775807', '"exp":1e308', '"exp":1.7976931348623157e308',
         '"exp":-9223372036854775808', '"exp":-1e308', '"exp":1e-400',
         '"nbf":1e308', '"nbf":-1e308,"exp":1e308', '"exp":[1e308]', '"exp":null');
my @t = map { main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","aud":"api",' . $_ . '}') } @c;
[map({ main::bearer_of($_) } @t), main::bearer_of($t[1]), main::bearer_of($t[4])]
--- error_code eval
[200, 200, 200, 401, 401, 401, 401, 200, 401, 401, 200, 401]
--- response_headers eval
["X-Status: valid\nX-Cache: MISS",
 "X-Status: valid\nX-Cache: MISS",
 "X-Status: valid\nX-Cache: MISS",
 main::www("Token expired") . "\nX-Status: expired",
 main::www("Token expired") . "\nX-Status: expired",
 main::www("Token expired") . "\nX-Status: expired",
 main::www("Token not yet valid") . "\nX-Status: not_yet_valid",
 "X-Status: valid",
 main::www("Invalid \\\"exp\\\" claim") . "\nX-Status: malformed",
 main::www("Invalid \\\"exp\\\" claim") . "\nX-Status: malformed",
 "X-Status: valid\nX-Cache: HIT",
 main::www("Token expired") . "\nX-Status: expired\nX-Cache: MISS"]



=== TEST 19: non-UTF-8 in the JOSE header and claims (invalid bytes, overlong, encoded and escaped lone surrogates, above U+10FFFF): refused
--- request eval
[("GET /t") x 7]
--- more_headers eval
[main::bearer_of(main::signed(qq{{"alg":"RS256","kid":"rsa1","x":"\xff"}}, main::claims_json())),
 main::bearer_of(main::signed(qq{{"alg":"RS256","kid":"rsa1\xc0\xae"}}, main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json('"sub2":"\ud800"'))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json('"sub2":"\udc00x"'))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json(qq{"sub2":"\xed\xa0\x80"}))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json(qq{"sub2":"\xf4\x90\x80\x80"}))),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', main::claims_json(qq{"sub2":"\xf8\x88\x80\x80\x80"})))]
--- error_code eval
[(401) x 7]
--- response_headers eval
[(main::www("Malformed token header") . "\nX-Status: malformed") x 2,
 (main::www("Malformed token claims") . "\nX-Status: malformed") x 5]



=== TEST 20: valid UTF-8 (an escaped surrogate pair) reaches the upstream header as UTF-8 bytes (control for TEST 19)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"\ud83d\ude00 \u00fc","exp":' . (AuthTokenTest::now() + 3600) . '}'))
--- response_body eval
"x-user=[\xf0\x9f\x98\x80 \xc3\xbc]\n"



=== TEST 21: \u0000 in a claim that goes to a header (and in a nested one): 401, the upstream is never reached
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        auth_token_claim_header X-Tenant org id;
        add_header X-Status $auth_token_status always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user] x-tenant=[$http_x_tenant]";
    }
--- request eval
[("GET /t") x 4]
--- more_headers eval
my $exp = AuthTokenTest::now() + 3600;
[main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"admin\u0000user-42","exp":' . $exp . '}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","org":{"id":"t-1\u0000t-2"},"exp":' . $exp . '}')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', qq{{"sub":"admin\x00user-42","exp":$exp}})),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"}', '{"sub":"user-42","org":{"id":"t-1"},"exp":' . $exp . '}'))]
--- error_code eval
[401, 401, 401, 200]
--- response_headers eval
[(main::www("Malformed token claims") . "\nX-Status: malformed") x 3, "!WWW-Authenticate"]
--- response_body_like eval
[(qr/\A(?!x-user=)/) x 3, qr/\Ax-user=\[user-42\] x-tenant=\[t-1\]\n\z/]



=== TEST 22: a raw NUL byte in the Authorization header: nginx refuses the header line (400) before the module runs
--- request
GET /t
--- more_headers eval
"Authorization: Bearer " . (AuthTokenTest::jwt() =~ s/\./.\x00/r)
--- error_code: 400
--- response_body_like: 400 Bad Request
--- error_log
client sent invalid header line



=== TEST 23: a NUL in a token from the query string (%00, not decoded by $arg_): malformed token
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
my ($h, $p, $s) = split /\./, $main::TOKEN;
"GET /t?access_token=$h.$p.%00$s"
--- error_code: 401
--- response_headers eval
main::www("Malformed token") . "\nX-Status: malformed"



=== TEST 24: a 100 KB Authorization header that fits nginx's buffers: Token too large, not logged; the worker serves the next request
--- http_config
    large_client_header_buffers 4 128k;
--- log_level: info
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer " . ('A' x 51200) . '.' . ('B' x 51200), AuthTokenTest::bearer()]
--- error_code eval
[401, 200]
--- response_headers eval
[main::www("Token too large") . "\nX-Status: malformed", "X-Status: valid"]
--- no_error_log eval
[qr/A{64}/, qr/B{64}/, qr/\[(?:error|crit|alert|emerg)\]/]



=== TEST 25: 1,000 request header lines (the most this nginx accepts), 99 of them client copies of X-User in 7 spellings: all removed, the others pass
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
        echo -n $echo_client_request_headers;
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
# Host, Connection (added by the test client), Authorization and 997 more
[main::many_headers(997, 99) . AuthTokenTest::bearer(),
 main::many_headers(997, 997) . AuthTokenTest::bearer(claims => { sub => undef })]
--- error_code eval
[200, 200]
--- response_body_like eval
[main::fillers_then_user(898),
 main::upstream_sees("", 0)]



=== TEST 26: 1,001 request header lines: nginx itself refuses the request (400) before the module runs
--- skip_eval: 3: !$main::HEADER_LIMIT
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
    }
--- request
GET /t
--- more_headers eval
main::many_headers(998, 100) . AuthTokenTest::bearer()
--- error_code: 400
--- response_body_like eval
qr/\A(?!.*evil)(?!x-user)/s
--- error_log
client sent too many header lines



=== TEST 27: a token in the query and in the Authorization header (RFC 6750: one method): 400 invalid_request, whichever is valid
--- config
    location /t {
        auth_token "api" token=$arg_access_token;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t?access_token=$main::TOKEN", "GET /t?access_token=$main::TOKEN", "GET /t?access_token=forged.forged.forged",
 "GET /t?access_token=$main::TOKEN", "GET /t?access_token=$main::TOKEN", "GET /t"]
--- more_headers eval
["Authorization: Bearer $main::TOKEN", "Authorization: bearer forged.forged.forged",
 "Authorization: Bearer $main::TOKEN", "Authorization: BEARER", "Authorization: Basic dXNlcjpwYXNz",
 "Authorization: Bearer $main::TOKEN"]
--- error_code eval
[400, 400, 400, 400, 200, 401]
--- response_headers eval
[('WWW-Authenticate: Bearer realm="api", error="invalid_request", error_description="More than one token in the request"' . "\nX-Status: invalid_request") x 4,
 "X-Status: valid",
 'WWW-Authenticate: Bearer realm="api"' . "\nX-Status: missing"]



=== TEST 28: client copies of the claim header in every case and spelling, several, and empty: the upstream sees only the claim's
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /any {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
        echo -n $echo_client_request_headers;
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /any", "GET /any"]
--- more_headers eval
my $copies = "x-user: evil1\nX-USER: evil2\nX-User: evil3\nX_User: evil4\nx_user: evil5\nX_USER: evil6\nX-uSeR: evil7\nX-User:\nX_User:\nX-User: evil8\n";
[$copies . AuthTokenTest::bearer(),
 "X-User:\n" . AuthTokenTest::bearer(),
 $copies . AuthTokenTest::bearer(claims => { sub => undef }),
 $copies . AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 60 }),
 $copies]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
[main::upstream_sees("user-42", 1), main::upstream_sees("user-42", 1),
 main::upstream_sees("", 0), main::upstream_sees("", 0), main::upstream_sees("", 0)]



=== TEST 29: header names nginx itself refuses (space or tab before the colon, obs-fold): 400 before the module
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
    }
--- request eval
[("GET /t") x 3]
--- more_headers eval
["X-User : evil1\n" . AuthTokenTest::bearer(),
 "X-User\t: evil2\n" . AuthTokenTest::bearer(),
 "X-Other: a\n  X-User: evil3\n" . AuthTokenTest::bearer()]
--- error_code eval
[400, 400, 400]
--- response_body_like eval
[(qr/\A(?!.*evil)(?!x-user)/s) x 3]



=== TEST 30: the token never reaches the error log at debug level: valid, bad signature, expired, malformed, unknown key, HS256, too large
--- http_config
    large_client_header_buffers 4 64k;
--- log_level: debug
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
[("GET /t") x 8]
--- more_headers eval
[map { main::bearer_of(main::tok($_)) } qw(valid badsig expired malformed unknownkey hs hsbad toolarge)]
--- error_code eval
[200, 401, 401, 401, 401, 200, 401, 401]
--- response_headers eval
["X-Status: valid", "X-Status: bad_signature", "X-Status: expired", "X-Status: malformed",
 "X-Status: unknown_key", "X-Status: valid", "X-Status: bad_signature", "X-Status: malformed"]
--- error_log eval
qr/\[debug\]/
--- no_error_log eval
main::never_logged(qw(valid badsig expired malformed unknownkey hs hsbad toolarge))



=== TEST 31: an opaque token sent to introspection never reaches the error log at debug level (accepted and refused)
--- log_level: debug
--- http_config
    # the test IdP answers by the length of the form body, so that no
    # debug line of its own (map, if) prints the body
    map $content_length $idp_answer {
        81      '{"active":true,"sub":"opaque-user"}';
        default '{"active":false}';
    }
--- config
    location /t {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_claim_header X-User sub;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/idp/introspect;
    }
    location = /idp/introspect {
        echo_read_request_body;
        echo $idp_answer;
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer OpaqueSecretToken_0123456789abcdefXYZ-accepted",
 "Authorization: Bearer OpaqueSecretToken_0123456789abcdefXYZ-no"]
--- error_code eval
[200, 401]
--- response_headers eval
["X-Status: valid", main::www("Token is not active") . "\nX-Status: inactive"]
--- no_error_log eval
[qr/^(?!.*\bhttp header: "Authorization: ).*OpaqueSecretToken/]



=== TEST 32: a claim header that nginx indexes (X-Forwarded-For, User-Agent, Referer): the client's copy must not survive in $http_<name> or $proxy_add_x_forwarded_for
nginx keeps pointers to the headers it indexes (r->headers_in.x_forwarded_for,
.user_agent, .referer, ...); the client's copies must leave those too, or
$http_x_forwarded_for, $proxy_add_x_forwarded_for, $http_user_agent and
$http_referer would still read the client's values.  Also without a token
under satisfy any (below, TEST 33).
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Forwarded-For sub;
        auth_token_claim_header User-Agent sub;
        auth_token_claim_header Referer sub;
        proxy_set_header X-Seen-Xff $http_x_forwarded_for;
        proxy_set_header X-Seen-Add $proxy_add_x_forwarded_for;
        proxy_set_header X-Seen-UA $http_user_agent;
        proxy_set_header X-Seen-Ref $http_referer;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo -n $echo_client_request_headers;
    }
--- request
GET /t
--- more_headers eval
"X-Forwarded-For: 6.6.6.6\nUser-Agent: evil-ua\nReferer: evil-ref\n" . AuthTokenTest::bearer()
--- error_code: 200
--- response_body_like eval
qr/\A(?!.*(?:6\.6\.6\.6|evil))(?=.*^X-Seen-Xff: user-42\r$)(?=.*^X-Seen-Add: user-42, 127\.0\.0\.1\r$)(?=.*^X-Seen-UA: user-42\r$)(?=.*^X-Seen-Ref: user-42\r$)(?=.*^X-Forwarded-For: user-42\r$)/ms



=== TEST 33: satisfy any, no token: the client's copy of an indexed claim header is gone from $http_x_forwarded_for and $proxy_add_x_forwarded_for too
--- config
    location /t {
        satisfy any;
        allow all;
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-Forwarded-For sub;
        proxy_set_header X-Seen-Xff "[$http_x_forwarded_for]";
        proxy_set_header X-Seen-Add $proxy_add_x_forwarded_for;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo -n $echo_client_request_headers;
    }
--- request
GET /t
--- more_headers
X-Forwarded-For: 6.6.6.6
--- error_code: 200
--- response_body_like eval
qr/\A(?!.*6\.6\.6\.6)(?=.*^X-Seen-Xff: \[\]\r$)(?=.*^X-Seen-Add: 127\.0\.0\.1\r$)/ms



=== TEST 34: 1,001 request header lines on an nginx without max_headers (1.24 to 1.28): the module itself removes all 100 client copies of X-User, the others pass
--- skip_eval: 2: $main::HEADER_LIMIT
--- config
    underscores_in_headers on;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        echo "x-user=[$http_x_user]";
        echo -n $echo_client_request_headers;
    }
--- request
GET /t
--- more_headers eval
main::many_headers(998, 100) . AuthTokenTest::bearer()
--- error_code: 200
--- response_body_like eval
main::fillers_then_user(898)
