# Signature algorithms and key selection: every supported alg verifies a
# good token and refuses a tampered one; kid matching, tokens without kid,
# keys whose type, curve or own "alg" do not fit the token, "alg": "none",
# unsigned tokens, HMAC/RSA key confusion, foreign keys, malformed
# signatures and several JWKS files.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# A token whose signature no longer matches: one character in the middle of
# the signature is changed (a middle character carries 6 full bits, so the
# result is still canonical base64url).
sub tampered {
    my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(@_), 3;
    my $i = int(length($s) / 2);
    substr($s, $i, 1) = substr($s, $i, 1) eq 'A' ? 'B' : 'A';
    return "$h.$p.$s";
}

# A token whose signature bytes are passed through $edit.
sub resigned {
    my ($edit, @args) = @_;
    my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(@args), 3;
    my $sig = $edit->(AuthTokenTest::b64url_decode($s));
    return "$h.$p." . AuthTokenTest::b64url($sig);
}

# A token signed with RS256/rsa1 whose header carries alg $alg instead.
sub with_alg {
    my ($alg, $sig) = @_;
    my $payload = '{"iss":"https://idp.example.com","aud":"api",'
                  . '"sub":"user-42","exp":' . (time() + 3600) . '}';
    my $header = '{"alg":"' . $alg . '","typ":"JWT"}';
    return AuthTokenTest::raw($header, $payload, $sig);
}

# An ECDSA signature in DER (what openssl emits) instead of JOSE r||s.
sub es256_der {
    my $payload = '{"iss":"https://idp.example.com","aud":"api",'
                  . '"sub":"user-42","exp":' . (time() + 3600) . '}';
    my $input = AuthTokenTest::b64url('{"alg":"ES256","kid":"ec256","typ":"JWT"}')
                . '.' . AuthTokenTest::b64url($payload);
    my $key = AuthTokenTest::key_path('ec256.pem');
    my $tmp = "/tmp/authtoken-es256-der-$$";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh $input;
    close $fh;
    my $der = `openssl dgst -sha256 -sign $key $tmp`;
    unlink $tmp;
    die "openssl failed\n" if $? || !length $der;
    return $input . '.' . AuthTokenTest::b64url($der);
}

# The public JWK of rsa4096 (a key that is not in any JWKS), for a token
# that carries its own key in the "jwk" header.
sub rsa4096_jwk {
    my $pub = AuthTokenTest::key_path('rsa4096.pub.pem');
    my $out = `openssl rsa -pubin -in $pub -noout -modulus`;
    $out =~ /^Modulus=([0-9A-Fa-f]+)/ or die "openssl failed\n";
    return { kty => 'RSA', e => 'AQAB',
             n => AuthTokenTest::b64url(pack('H*', $1)) };
}

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
    $block->set_value('request', "GET /t\n") unless defined $block->request;
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: HS256 (hs1): valid
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256")
--- error_code: 200
--- response_body
ok
--- response_headers
X-Status: valid



=== TEST 2: HS256 (hs1): tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "HS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
X-Status: bad_signature
--- error_log
auth_token: 401: Signature verification failed (bad_signature), kid "hs1"



=== TEST 3: HS512 (hs64, its alg is HS512): valid
--- more_headers eval
AuthTokenTest::bearer(alg => "HS512", key => "hmac64")
--- error_code: 200
--- response_body
ok



=== TEST 4: HS512 (hs64): tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "HS512", key => "hmac64")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
X-Status: bad_signature



=== TEST 5: HS384 with kid hs64: refused, the key's own alg is HS512
--- more_headers eval
AuthTokenTest::bearer(alg => "HS384", key => "hmac64")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"
X-Status: unknown_key
--- response_body_unlike: ok



=== TEST 6: HS256 with kid hs64: refused, the key's own alg is HS512
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256", key => "hmac64")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 7: HS384 with the 32-byte hs1: refused, an HS384 key needs 48 bytes
--- more_headers eval
AuthTokenTest::bearer(alg => "HS384", key => "hmac1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 8: HS384 with a 64-byte key without "alg" (JWKS path relative to the conf directory): valid
--- user_files
>>> jwks-hs-any.json
{"keys":[{"kty":"oct","use":"sig","kid":"hsany","k":"ixUbSBD5XdAbU3jCDhshLBWjMWj5Oy6JClOZyo0KpHQMxKDohjKvRtlvlYPikbxZtJ3bkUty0NXy8TUUx71KEA"}]}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/jwks-hs-any.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "HS384", key => "hmac64", kid => "hsany")
--- error_code: 200
--- response_body
ok



=== TEST 9: HS384 with a 64-byte key without "alg": tampered signature
--- user_files
>>> jwks-hs-any.json
{"keys":[{"kty":"oct","use":"sig","kid":"hsany","k":"ixUbSBD5XdAbU3jCDhshLBWjMWj5Oy6JClOZyo0KpHQMxKDohjKvRtlvlYPikbxZtJ3bkUty0NXy8TUUx71KEA"}]}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/jwks-hs-any.json;
        echo "ok";
    }
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "HS384", key => "hmac64", kid => "hsany")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 10: HS512 with a 64-byte key without "alg": valid as well
--- user_files
>>> jwks-hs-any.json
{"keys":[{"kty":"oct","use":"sig","kid":"hsany","k":"ixUbSBD5XdAbU3jCDhshLBWjMWj5Oy6JClOZyo0KpHQMxKDohjKvRtlvlYPikbxZtJ3bkUty0NXy8TUUx71KEA"}]}
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file ../html/jwks-hs-any.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "HS512", key => "hmac64", kid => "hsany")
--- error_code: 200
--- response_body
ok



=== TEST 11: RS256: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256")
--- error_code: 200
--- response_body
ok



=== TEST 12: RS256: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "RS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
X-Status: bad_signature



=== TEST 13: RS384: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS384")
--- error_code: 200
--- response_body
ok



=== TEST 14: RS384: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "RS384")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 15: RS512: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS512")
--- error_code: 200
--- response_body
ok



=== TEST 16: RS512: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "RS512")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 17: PS256: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256")
--- error_code: 200
--- response_body
ok



=== TEST 18: PS256: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "PS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 19: PS384: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "PS384")
--- error_code: 200
--- response_body
ok



=== TEST 20: PS384: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "PS384")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 21: PS512: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "PS512")
--- error_code: 200
--- response_body
ok



=== TEST 22: PS512: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "PS512")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 23: a PKCS#1 v1.5 (RS256) signature under a header that says PS256: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", header => { alg => "PS256" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 24: a PSS (PS256) signature under a header that says RS256: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", header => { alg => "RS256" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 25: an RS256 signature under a header that says RS512: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", header => { alg => "RS512" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 26: ES256: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256")
--- error_code: 200
--- response_body
ok



=== TEST 27: ES256: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "ES256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
X-Status: bad_signature



=== TEST 28: ES384: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "ES384")
--- error_code: 200
--- response_body
ok



=== TEST 29: ES384: tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "ES384")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 30: ES512 (P-521): valid
--- more_headers eval
AuthTokenTest::bearer(alg => "ES512")
--- error_code: 200
--- response_body
ok



=== TEST 31: ES512 (P-521): tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "ES512")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 32: EdDSA (Ed25519): valid
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA")
--- error_code: 200
--- response_body
ok



=== TEST 33: EdDSA (Ed25519): tampered signature
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "EdDSA")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
--- error_log
auth_token: 401: Signature verification failed (bad_signature), kid "ed1"



=== TEST 34: a changed payload under the original signature: refused
--- more_headers eval
my ($h, $p, $s) = split /\./, AuthTokenTest::jwt(alg => "RS256");
my $claims = AuthTokenTest::b64url_decode($p);
$claims =~ s/user-42/admin-1/ or die "no sub in $claims";
"Authorization: Bearer $h." . AuthTokenTest::b64url($claims) . ".$s"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 35: no kid, RS256, JWKS whose only key has no kid: valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 36: no kid, PS512, JWKS whose only key has no kid: valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "PS512", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 37: no kid, ES256, JWKS whose only key has no kid: valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 38: no kid, ES256, tampered: refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
"Authorization: Bearer " . main::tampered(alg => "ES256", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 39: no kid, ES384, but the JWKS has only a P-256 key: no key for the algorithm
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "ES384", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 40: kid rsa1, but the JWKS key has no kid: unknown signing key
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", kid => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 41: no kid, RS256 signed by rsa2, tried against every RSA key of jwks.json: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa2", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 42: no kid, ES384, among all keys of jwks.json: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "ES384", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 43: no kid, EdDSA, among all keys of jwks.json: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 44: no kid, HS256, among all keys of jwks.json: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 45: no kid, HS512 with hs64: valid
--- more_headers eval
AuthTokenTest::bearer(alg => "HS512", key => "hmac64", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 46: unknown kid: 401 "Unknown signing key", status unknown_key
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", kid => "nope")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"
X-Status: unknown_key
--- response_body_unlike: ok
--- error_log
auth_token: 401: Unknown signing key (unknown_key), kid "nope"



=== TEST 47: kid compared exactly: "RSA1" is not "rsa1"
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", kid => "RSA1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 48: ES256 token whose kid names an RSA key: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256", kid => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"
X-Status: unknown_key
--- response_body_unlike: ok



=== TEST 49: RS256 token whose kid names an EC key: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", kid => "ec256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 50: ES384 token whose kid names the P-256 key: refused (curve does not fit)
--- more_headers eval
AuthTokenTest::bearer(alg => "ES384", kid => "ec256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 51: EdDSA token whose kid names an EC key: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA", kid => "ec256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 52: ES256 signed by ec256 but with kid ec384: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256", key => "ec256", kid => "ec384")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 53: RS256 with kid rsa2 (its alg is RS256): valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa2")
--- error_code: 200
--- response_body
ok



=== TEST 54: PS256 with kid rsa2 (its alg is RS256): refused
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", key => "rsa2")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"
X-Status: unknown_key



=== TEST 55: RS512 with kid rsa2 (its alg is RS256): refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS512", key => "rsa2")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 56: no kid, PS256 signed by rsa2: rsa2 (RS256 only) is not tried, rsa1 fails
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", key => "rsa2", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 57: key with alg PS256 (jwks-ps.json): PS256 valid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", key => "rsa1", kid => "ps1")
--- error_code: 200
--- response_body
ok



=== TEST 58: key with alg PS256 (jwks-ps.json): RS256 by the same key refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1", kid => "ps1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 59: alg "none", unsigned: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "none")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"
X-Status: unsupported_alg
--- response_body_unlike: ok
--- error_log
(unsupported_alg)



=== TEST 60: alg "none" with a signature: refused
--- more_headers eval
"Authorization: Bearer " . main::with_alg("none", "x" x 32)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported token algorithm"
X-Status: unsupported_alg
--- error_log
auth_token: 401: Unsupported token algorithm (unsupported_alg)



=== TEST 61: alg "None" with a signature: refused
--- more_headers eval
"Authorization: Bearer " . main::with_alg("None", "x" x 32)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported token algorithm"
X-Status: unsupported_alg



=== TEST 62: alg "NONE" with a signature: refused
--- more_headers eval
"Authorization: Bearer " . main::with_alg("NONE", "x" x 32)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported token algorithm"
X-Status: unsupported_alg



=== TEST 63: alg "None", unsigned: refused
--- more_headers eval
"Authorization: Bearer " . main::with_alg("None", "")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"
X-Status: unsupported_alg



=== TEST 64: alg "NONE", unsigned: refused
--- more_headers eval
"Authorization: Bearer " . main::with_alg("NONE", "")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"
X-Status: unsupported_alg



=== TEST 65: alg names are case-sensitive: "rs256" over a good RS256 signature is refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", header => { alg => "rs256" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported token algorithm"
X-Status: unsupported_alg



=== TEST 66: unsigned RS256 token "header.payload.": refused
--- more_headers eval
my ($h, $p) = split /\./, AuthTokenTest::jwt(alg => "RS256");
"Authorization: Bearer $h.$p."
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"
X-Status: unsupported_alg
--- response_body_unlike: ok



=== TEST 67: unsigned HS256 token "header.payload.": refused
--- more_headers eval
my ($h, $p) = split /\./, AuthTokenTest::jwt(alg => "HS256");
"Authorization: Bearer $h.$p."
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"



=== TEST 68: key confusion: HS256 signed with rsa1's public PEM, kid rsa1: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256", secret_file => "rsa1.pub.pem", kid => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"
--- response_body_unlike: ok



=== TEST 69: key confusion: HS256 signed with rsa1's public PEM, no kid: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256", secret_file => "rsa1.pub.pem", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"
--- response_body_unlike: ok



=== TEST 70: key confusion: JWKS with only the RSA key, HS256 signed with its public PEM, no kid
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "HS256", secret_file => "rsa1.pub.pem", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"
--- response_body_unlike: ok



=== TEST 71: key confusion: HS512 signed with rsa1's public PEM, kid rsa1: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "HS512", secret_file => "rsa1.pub.pem", kid => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="No key for the token algorithm"



=== TEST 72: signed by rsa4096 (not in the JWKS), kid rsa4096: unknown key
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa4096")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 73: signed by rsa4096 (not in the JWKS), no kid: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa4096", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 74: signed by rsa4096 (not in the JWKS), but with kid rsa1: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa4096", kid => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 75: signed by rsa4096 with its own key in the "jwk" and "jku" headers: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa4096", kid => undef,
    header => { jwk => main::rsa4096_jwk(), jku => "https://evil.example/jwks.json" })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 76: "jku" and "x5u" headers are ignored: a good token with them is valid
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256",
    header => { jku => "https://evil.example/jwks.json", x5u => "https://evil.example/c.pem" })
--- error_code: 200
--- response_body
ok



=== TEST 77: signed by ed25519b (not in the JWKS), kid ed25519b: unknown key
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA", key => "ed25519b")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 78: signed by ed25519b (not in the JWKS), kid ed1: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA", key => "ed25519b", kid => "ed1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 79: signed by ed25519b (not in the JWKS), no kid: refused
--- more_headers eval
AuthTokenTest::bearer(alg => "EdDSA", key => "ed25519b", kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 80: ES256 signature one byte short (63 bytes): refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { substr($_[0], 0, 63) }, alg => "ES256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 81: ES256 signature one byte long (65 bytes): refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { $_[0] . "\0" }, alg => "ES256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 82: ES256 signature with a leading zero byte (r||s shifted, 65 bytes): refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { "\0" . $_[0] }, alg => "ES256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 83: ES256 signature in DER instead of r||s: refused
--- more_headers eval
"Authorization: Bearer " . main::es256_der()
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 84: ES256 signature of 64 zero bytes (r = s = 0): refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { "\0" x 64 }, alg => "ES256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 85: ES512 signature of 128 bytes instead of 132: refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { substr($_[0], 0, 128) }, alg => "ES512")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 86: EdDSA signature one byte short: refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { substr($_[0], 0, 63) }, alg => "EdDSA")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 87: RS256 signature one byte short: refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { substr($_[0], 1) }, alg => "RS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 88: HS256 MAC truncated to 16 bytes: refused
--- more_headers eval
"Authorization: Bearer " . main::resigned(sub { substr($_[0], 0, 16) }, alg => "HS256")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 89: two JWKS files: a key of the first (rsa2)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa2")
--- error_code: 200
--- response_body
ok



=== TEST 90: two JWKS files: a key of the second (the P-256 key without kid)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "ES256", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 91: two JWKS files: a key in neither is unknown
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ec-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", key => "rsa1")
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"



=== TEST 92: two JWKS files, no kid: the key of the second file is found after the first
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa2only.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-rsa1-nokid.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "RS384", key => "rsa1", kid => undef)
--- error_code: 200
--- response_body
ok



=== TEST 93: two JWKS files with the same key under two kids (rsa1 and ps1): both work
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks-ps.json;
        echo "ok";
    }
--- more_headers eval
AuthTokenTest::bearer(alg => "PS256", key => "rsa1", kid => "ps1")
--- error_code: 200
--- response_body
ok



=== TEST 94: a "crit" header is refused
--- more_headers eval
AuthTokenTest::bearer(alg => "RS256", header => { crit => ["exp"], exp => 1 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported critical header"
X-Status: unsupported_alg
