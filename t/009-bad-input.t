# Hostile and broken input: JWT structure, base64url, JOSE header, claims
# JSON (duplicates, depth, count, encoding), huge and odd kids, huge
# headers, and what reaches the error log.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;

# --- helpers (called as main::name from the eval sections) ----------------

# Valid claims as JSON text; $extra is appended verbatim inside the object.
sub claims_json {
    my ($extra) = @_;
    return '{"iss":"https://idp.example.com","aud":"api","sub":"user-42","exp":'
        . (AuthTokenTest::now() + 3600)
        . (defined $extra ? ",$extra" : '') . '}';
}

# A token from verbatim header and claims texts, signed with RS256 by rsa1
# (or by $key) over exactly those bytes.
sub signed {
    my ($header, $claims, $key) = @_;
    my $input = AuthTokenTest::b64url($header) . '.' . AuthTokenTest::b64url($claims);
    return $input . '.'
        . AuthTokenTest::b64url(AuthTokenTest::sign('RS256', $input, key => $key // 'rsa1'));
}

# The default RS256 header with extra members.
sub rs_header {
    my ($extra) = @_;
    return '{"alg":"RS256","kid":"rsa1"' . (defined $extra ? ",$extra" : '') . '}';
}

sub bearer_of { return "Authorization: Bearer $_[0]" }

# A deterministic, valid token (fixed iat / exp): the same in every section.
my %TOK;
sub fixed_token {
    my ($name) = @_;
    return $TOK{$name} //= AuthTokenTest::jwt(
        claims => { iat => 1700000000, exp => 32503680000, jti => $name });
}

# The same token, its signature segment re-encoded non-canonically: the
# unused low bits of the last character set.  Decodes to the same bytes.
sub noncanonical_sig {
    my $t = fixed_token('nc');
    my @p = split /\./, $t;
    my $alpha = join '', 'A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_';
    my $unused = (length($p[2]) * 6) % 8;
    die "no unused bits in the signature segment\n" unless $unused;
    my $i = index $alpha, substr($p[2], -1);
    die "signature segment is already non-canonical\n" if $i & ((1 << $unused) - 1);
    substr($p[2], -1) = substr $alpha, $i | 1, 1;
    return join '.', @p;
}

# A valid token whose signature uses "-" or "_", re-encoded with the
# standard base64 alphabet ("+" and "/"): decodes to the same bytes.
sub std_alphabet_sig {
    for my $n (0 .. 50) {
        my @p = split /\./, fixed_token("std$n");
        next unless $p[2] =~ /[-_]/;
        $p[2] =~ tr{-_}{+/};
        return join '.', @p;
    }
    die "no token with '-' or '_' in its signature\n";
}

# fixed_token('secret') with 4 characters of its signature replaced.
sub bad_sig_token {
    my @p = split /\./, fixed_token('secret');
    my $x = substr($p[2], 40, 4) eq 'AAAA' ? 'BBBB' : 'AAAA';
    substr($p[2], 40, 4) = $x;
    return join '.', @p;
}

# Deterministic refused tokens (fixed iat / exp).
sub expired_token {
    return AuthTokenTest::jwt(claims => { iat => 1700000000, exp => 1700000001 });
}

sub wrong_aud_token {
    return AuthTokenTest::jwt(claims => { iat => 1700000000, exp => 32503680000, aud => "web" });
}

# Public JWK of t/keys/rsa4096 (a key that is not in jwks.json).
sub rsa4096_jwk {
    my $pem = AuthTokenTest::key_path('rsa4096.pub.pem');
    my $out = `openssl rsa -pubin -in '$pem' -modulus -noout 2>/dev/null`;
    $out =~ /Modulus=([0-9A-Fa-f]+)/ or die "cannot read the modulus of $pem\n";
    return '{"kty":"RSA","e":"AQAB","n":"' . AuthTokenTest::b64url(pack 'H*', $1) . '"}';
}

# A valid RS256 token (rsa1) of exactly $len bytes, padded in the claims.
sub sized_token {
    my ($len) = @_;
    my $blen = sub { my $n = shift; int((4 * $n + 2) / 3) };    # base64url length
    for my $hpad (0 .. 3) {
        my $h = rs_header('"x":"' . ('h' x $hpad) . '"');
        my $base = claims_json('"pad":""');
        for my $k (0 .. $len) {
            my $total = $blen->(length $h) + $blen->(length($base) + $k) + 342 + 2;
            last if $total > $len;
            next if $total != $len;
            my $t = signed($h, claims_json('"pad":"' . ('p' x $k) . '"'));
            die "sized_token: got " . length($t) . " bytes\n" if length $t != $len;
            return $t;
        }
    }
    die "sized_token: cannot build $len bytes\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: one segment: Token is not a JWT
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer eyJhbGciOiJSUzI1NiJ9
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"
X-Status: malformed
--- error_log
auth_token: 401: Token is not a JWT (malformed)



=== TEST 2: two segments (signature removed with its dot): Token is not a JWT
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(CORE::join '.', (split /\./, main::fixed_token('two'))[0, 1])
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 3: four segments: Token is not a JWT
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::fixed_token('four') . '.AAAA')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 4: five segments (JWE): Encrypted tokens (JWE) are not supported
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(AuthTokenTest::b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}') . '.AAAA.BBBB.CCCC.DDDD'),
 main::bearer_of(AuthTokenTest::b64url('{"alg":"dir","enc":"A128GCM"}') . '..BBBB.CCCC.DDDD')]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Encrypted tokens (JWE) are not supported"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Encrypted tokens (JWE) are not supported"']



=== TEST 5: six segments: Token is not a JWT
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers
Authorization: Bearer a.b.c.d.e.f
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token is not a JWT"



=== TEST 6: empty header or claims segment: Malformed token
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of('.' . CORE::join '.', (split /\./, main::fixed_token('e'))[1, 2]),
 main::bearer_of(CORE::join '..', (split /\./, main::fixed_token('e'))[0, 2]),
 main::bearer_of('..')]
--- error_code eval
[401, 401, 401]
--- response_headers_like eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token(?: encoding| header)?"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token(?: encoding| claims)?"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token|Token is not a JWT)"']



=== TEST 7: empty signature: Unsigned tokens are not accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(CORE::join('.', (split /\./, main::fixed_token('u'))[0, 1]) . '.')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsigned tokens are not accepted"



=== TEST 8: a "*" (not base64url) in a segment: malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::fixed_token('star') =~ s/\.(...)/.*$1/r)
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token(?: encoding)?"
X-Status: malformed



=== TEST 9: "=" padding inside the token (after the header segment): malformed
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::fixed_token('pad') =~ s/\./=./r)
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token(?: encoding)?"
X-Status: malformed



=== TEST 10: "=" padding at the end of the signature (allowed by b64token, not by JWS)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::fixed_token('endpad') . '==')
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token(?: encoding)?"
X-Status: malformed



=== TEST 11: the unmodified token of TESTs 10-13 is accepted (control)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::fixed_token('nc')), main::bearer_of(main::fixed_token('endpad'))]
--- response_body eval
["ok\n", "ok\n"]



=== TEST 12: non-canonical trailing bits in the signature segment: Malformed token encoding
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::noncanonical_sig())
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token encoding"
X-Status: malformed



=== TEST 13: standard base64 alphabet ("+", "/") instead of base64url: Malformed token encoding
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::std_alphabet_sig())
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token encoding"
X-Status: malformed



=== TEST 14: a segment whose length is 1 mod 4 (impossible base64): Malformed token encoding
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
my @p = split /\./, main::fixed_token('len');
$p[0] .= 'A' while length($p[0]) % 4 != 1;
main::bearer_of(CORE::join '.', @p)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token encoding"



=== TEST 15: header not JSON: Malformed token header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('not json', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1"} {}', main::claims_json()))]
--- error_code eval
[401, 401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token header\"\nX-Status: malformed",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token header\"\nX-Status: malformed",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token header\"\nX-Status: malformed"]



=== TEST 16: header JSON not an object (array, string, number): Malformed token header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('["RS256","rsa1"]', main::claims_json())),
 main::bearer_of(main::signed('"RS256"', main::claims_json())),
 main::bearer_of(main::signed('256', main::claims_json()))]
--- error_code eval
[401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"']



=== TEST 17: header without alg: refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed('{"typ":"JWT","kid":"rsa1"}', main::claims_json()))
--- error_code: 401
--- response_headers_like
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token header|Unsupported token algorithm)"



=== TEST 18: alg not a string (number, null, array, object): refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":256,"kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":null,"kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":["RS256"],"kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":{"RS256":1},"kid":"rsa1"}', main::claims_json()))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers_like eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token header|Unsupported token algorithm)"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token header|Unsupported token algorithm)"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token header|Unsupported token algorithm)"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Malformed token header|Unsupported token algorithm)"']



=== TEST 19: kid not a string: Malformed token header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":"RS256","kid":1}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":["rsa1"]}', main::claims_json()))]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"']



=== TEST 20: signed() itself makes acceptable tokens (control for TESTs 15-35)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "sub=$auth_token_claim_sub";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json())),
 main::bearer_of(main::signed(main::rs_header('"typ":"JWT","x5u":"https://example.com/x"'), main::claims_json('"n":{"a":{"b":[1,2,{"c":null}]}}')))]
--- response_body eval
["sub=user-42\n", "sub=user-42\n"]



=== TEST 21: crit header: Unsupported critical header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header('"crit":["exp"],"exp":1'), main::claims_json())),
 main::bearer_of(main::signed(main::rs_header('"crit":[]'), main::claims_json()))]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported critical header"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unsupported critical header"']



=== TEST 22: b64 false: Unencoded payloads are not supported
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header('"b64":false,"crit":["b64"]'), main::claims_json())),
 main::bearer_of(main::signed(main::rs_header('"b64":false'), main::claims_json()))]
--- error_code eval
[401, 401]
--- response_headers_like eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Unencoded payloads are not supported|Unsupported critical header)"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unencoded payloads are not supported"']



=== TEST 23: jku / x5u pointing elsewhere, token signed by a foreign key: 401, never fetched
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
    location /evil/ {
        root /nonexistent-authtoken-test;
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
my $base = "http://127.0.0.1:" . ($ENV{TEST_NGINX_SERVER_PORT} || 1984) . "/evil/";
[main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","jku":"' . $base . 'jwks.json"}',
                              main::claims_json(), 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"attacker","x5u":"' . $base . 'cert.pem"}',
                              main::claims_json(), 'rsa4096'))]
--- error_code eval
[401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"\nX-Status: unknown_key",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"\nX-Status: unknown_key"]
--- no_error_log
nonexistent-authtoken-test
/evil/



=== TEST 24: jwk header carrying the signing key (no kid): not trusted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":"RS256","jwk":' . main::rsa4096_jwk() . '}',
                              main::claims_json(), 'rsa4096')),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa4096","jwk":' . main::rsa4096_jwk() . '}',
                              main::claims_json(), 'rsa4096'))]
--- error_code eval
[401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Signature verification failed\"\nX-Status: bad_signature",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"\nX-Status: unknown_key"]



=== TEST 25: x5c header carrying a foreign key: not trusted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
my $pem = AuthTokenTest::key_path('rsa4096.pub.pem');
my $der = `openssl pkey -pubin -in '$pem' -outform DER 2>/dev/null`;
my $b64 = MIME::Base64::encode_base64($der, '');
main::bearer_of(main::signed('{"alg":"RS256","x5c":["' . $b64 . '"]}', main::claims_json(), 'rsa4096'))
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Signature verification failed"



=== TEST 26: duplicate keys in the claims (also spelled with an escape): Malformed token claims
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        add_header X-Sub "[$auth_token_claim_sub]" always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), '{"sub":"a","sub":"b","exp":' . (AuthTokenTest::now() + 3600) . '}')),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"exp":1'))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"org":{"id":"a","id":"b"}'))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"s\u0075b":"admin"')))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token claims\"\nX-Status: malformed\nX-Sub: []",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token claims\"\nX-Status: malformed\nX-Sub: []",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token claims\"\nX-Status: malformed\nX-Sub: []",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Malformed token claims\"\nX-Status: malformed\nX-Sub: []"]



=== TEST 27: duplicate keys in the JOSE header (alg, kid): Malformed token header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed('{"alg":"none","alg":"RS256","kid":"rsa1"}', main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa2","kid":"rsa1"}', main::claims_json()))]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"']



=== TEST 28: claims nested 20 levels deep: Malformed token claims; 8 levels are fine
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json('"n":' . ('{"a":' x 19) . '1' . ('}' x 19)))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"n":' . ('[' x 19) . '1' . (']' x 19)))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"n":' . ('{"a":[' x 3) . '{"a":1}' . (']}' x 3))))]
--- error_code eval
[401, 401, 200]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 "!WWW-Authenticate"]



=== TEST 29: very deep nesting (5000 levels, unterminated) does not crash the worker
--- config
    large_client_header_buffers 4 32k;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), '{"n":' . ('[' x 5000))),
 main::bearer_of(main::signed('{"alg":"RS256","x":' . ('[' x 5000), main::claims_json())),
 AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 200]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"',
 "!WWW-Authenticate"]



=== TEST 30: header nested 20 levels deep: Malformed token header
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed(main::rs_header('"x":' . ('{"a":' x 20) . '1' . ('}' x 20)), main::claims_json()))
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"



=== TEST 31: claims not an object (array, string, number, null): Malformed token claims
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), '[' . main::claims_json() . ']')),
 main::bearer_of(main::signed(main::rs_header(), '"user-42"')),
 main::bearer_of(main::signed(main::rs_header(), '42')),
 main::bearer_of(main::signed(main::rs_header(), 'null'))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"']



=== TEST 32: claims JSON broken (trailing garbage, truncated, empty, trailing comma)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json() . 'x')),
 main::bearer_of(main::signed(main::rs_header(), substr(main::claims_json(), 0, -1))),
 main::bearer_of(main::signed(main::rs_header(), ' ')),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"x":1,')))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"']



=== TEST 33: 300 claims: Too many claims
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed(main::rs_header(),
    main::claims_json(CORE::join ',', map { sprintf '"c%03d":%d', $_, $_ } 1 .. 296)))
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Too many claims"
X-Status: malformed



=== TEST 34: exactly 256 claims are accepted, 257 are too many
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(),
    main::claims_json(CORE::join ',', map { sprintf '"c%03d":%d', $_, $_ } 1 .. 252))),
 main::bearer_of(main::signed(main::rs_header(),
    main::claims_json(CORE::join ',', map { sprintf '"c%03d":%d', $_, $_ } 1 .. 253)))]
--- error_code eval
[200, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Too many claims"']



=== TEST 35: non-UTF-8 bytes in a claim string: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"name":"a\xff\xfeb"}))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"name":"\xc0\xaf"}))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"name":"\xe2\x82"}))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"n\xffame":"x"})))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"']



=== TEST 36: valid UTF-8 (2, 3 and 4 byte sequences) is accepted
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "name=$auth_token_claim_name";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"name":"\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"})))
--- response_body eval
"name=\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80\n"



=== TEST 37: \u0000 in a claim string or a claim name: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json('"name":"admin\u0000x"'))),
 main::bearer_of(main::signed(main::rs_header(), '{"sub":"user-42\u0000admin","exp":' . (AuthTokenTest::now() + 60) . '}')),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"na\u0000me":"x"')))]
--- error_code eval
[401, 401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"']



=== TEST 38: a raw NUL byte in the claims: 401
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed(main::rs_header(), main::claims_json(qq{"name":"a\x00b"})))
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"



=== TEST 39: huge kid (10 KB): 401 Unknown signing key, logged shortened to 64 characters
--- config
    large_client_header_buffers 4 32k;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: info
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(kid => 'k' x 10240)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"
--- error_log eval
qr/\[info\] .*auth_token: 401: Unknown signing key \(unknown_key\), kid "k{64}(?!k)/
--- no_error_log eval
qr/k{65}/



=== TEST 40: kid with path characters: unknown key, no file is opened
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(kid => '../../etc/passwd'),
 AuthTokenTest::bearer(kid => '/etc/passwd')]
--- error_code eval
[401, 401]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"\nX-Status: unknown_key",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Unknown signing key\"\nX-Status: unknown_key"]
--- no_error_log
open()



=== TEST 41: kid and sub with control characters are logged printable (no log injection)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: info
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(kid => "evil\n2099/01/01 00:00:00 [error] 1#1: FAKE-KID\x1b[31m"),
 AuthTokenTest::bearer(claims => { sub => "x\r\n2099/01/01 00:00:00 [error] 1#1: FAKE-SUB\x1b[0m", exp => AuthTokenTest::now() - 60 })]
--- error_code eval
[401, 401]
--- error_log eval
qr/auth_token: 401: .*(?:kid "evil[^"]*FAKE-KID[^"]*"|sub "x[^"]*FAKE-SUB[^"]*"), client: 127\.0\.0\.1/
--- no_error_log eval
[qr/^2099/, qr/\x1b/, qr/^\S*FAKE/]



=== TEST 42: a 100 KB Authorization header: nginx refuses it; the worker serves the next request
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer " . ('A' x 102400), AuthTokenTest::bearer()]
--- error_code eval
[400, 200]
--- response_body eval
[qr/Request Header Or Cookie Too Large|Bad Request/, "ok\n"]



=== TEST 43: a token of exactly 16384 bytes is accepted, 16385 bytes is Token too large
--- config
    large_client_header_buffers 4 32k;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::sized_token(16384)),
 main::bearer_of(main::sized_token(16385)),
 AuthTokenTest::bearer()]
--- error_code eval
[200, 401, 200]
--- response_headers eval
["X-Status: valid",
 "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"Token too large\"\nX-Status: malformed",
 "X-Status: valid"]



=== TEST 44: a 30 KB token (fits nginx buffers): Token too large, not parsed
--- config
    large_client_header_buffers 4 64k;

    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request
GET /t
--- more_headers eval
main::bearer_of(main::signed(main::rs_header(), main::claims_json('"pad":"' . ('p' x 22000) . '"')))
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Token too large"



=== TEST 45: Authorization: X (too short, another scheme): 401 without error, worker alive
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        add_header X-Status $auth_token_status always;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
["Authorization: X", "Authorization: B", AuthTokenTest::bearer()]
--- error_code eval
[401, 401, 200]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"api\"\nX-Status: missing",
 "WWW-Authenticate: Bearer realm=\"api\"\nX-Status: missing",
 "X-Status: valid"]



=== TEST 46: the token never appears in the error log (bad signature)
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: info
--- request
GET /t
--- more_headers eval
main::bearer_of(main::bad_sig_token())
--- error_code: 401
--- error_log
auth_token: 401: Signature verification failed (bad_signature), kid "rsa1"
--- no_error_log eval
[map { substr($_, 0, 40) } split /\./, main::bad_sig_token()]



=== TEST 47: the token of an expired and of a wrong-audience token is not logged either
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_audience api;
        echo "ok";
    }
--- log_level: info
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::expired_token()), main::bearer_of(main::wrong_aud_token())]
--- error_code eval
[401, 401]
--- error_log eval
qr/auth_token: 401: Token (?:expired \(expired\)|audience not accepted \(wrong_audience\)), kid "rsa1", sub "user-42"/
--- no_error_log eval
[map { substr($_, 0, 40) } map { (split /\./)[1, 2] } main::expired_token(), main::wrong_aud_token()]



=== TEST 48: a rejection is logged at info with status, description and reason code
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: info
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 60 })
--- error_code: 401
--- error_log eval
qr/\[info\] \d+#\d+: \*\d+ auth_token: 401: Token expired \(expired\), kid "rsa1", sub "user-42", client: 127\.0\.0\.1/
--- no_error_log eval
qr/\[(?:emerg|alert|crit|error|warn|notice)\].*auth_token/



=== TEST 49: malformed and unknown-key rejections are logged at info with their reason codes
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: info
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer abc", AuthTokenTest::bearer(key => "rsa4096", kid => "nokey")]
--- error_code eval
[401, 401]
--- error_log eval
qr/\[info\] .*auth_token: 401: (?:Token is not a JWT \(malformed\)|Unknown signing key \(unknown_key\), kid "nokey")/
--- no_error_log eval
qr/\[(?:emerg|alert|crit|error|warn|notice)\].*auth_token/



=== TEST 50: at log level notice, rejections are not logged at all
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- log_level: notice
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
["Authorization: Bearer abc",
 AuthTokenTest::bearer(key => "rsa2", kid => "rsa1"),
 AuthTokenTest::bearer(claims => { exp => AuthTokenTest::now() - 60 })]
--- error_code eval
[401, 401, 401]
--- no_error_log
auth_token:



=== TEST 51: nesting limit: 16 levels (top-level object included) accepted, 17 refused
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(main::rs_header(), main::claims_json('"n":' . ('[' x 15) . '1' . (']' x 15)))),
 main::bearer_of(main::signed(main::rs_header(), main::claims_json('"n":' . ('[' x 16) . '1' . (']' x 16)))),
 main::bearer_of(main::signed(main::rs_header('"x":' . ('{"a":' x 15) . '1' . ('}' x 15)), main::claims_json())),
 main::bearer_of(main::signed(main::rs_header('"x":' . ('{"a":' x 16) . '1' . ('}' x 16)), main::claims_json()))]
--- error_code eval
[200, 401, 200, 401]
--- response_headers eval
["!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token claims"',
 "!WWW-Authenticate",
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Malformed token header"']



=== TEST 52: JSON whitespace and escapes in the header are JSON: kid "rsa\u0031" is rsa1
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "kid=$auth_token_jwt_header_kid";
    }
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
[main::bearer_of(main::signed(qq{ {\n "alg" : "RS256" ,\r\n\t"kid" : "rsa1" } }, main::claims_json())),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa\u0031"}', main::claims_json()))]
--- response_body eval
["kid=rsa1\n", "kid=rsa1\n"]



=== TEST 53: a kid that is a prefix or an extension of a known kid is unknown
--- config
    location /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo "ok";
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- more_headers eval
[AuthTokenTest::bearer(kid => "rsa"),
 AuthTokenTest::bearer(kid => "rsa12"),
 AuthTokenTest::bearer(kid => "RSA1"),
 main::bearer_of(main::signed('{"alg":"RS256","kid":"rsa1\u0000x"}', main::claims_json()))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers_like eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="(?:Unknown signing key|Malformed token header)"']
