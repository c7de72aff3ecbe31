#!/usr/bin/perl
#
# fuzz/seeds.pl: writes the seed corpora fuzz/corpus/TARGET/ (committed;
# run again only to change them, after make: it mints with build/t-mint).
#
#   perl fuzz/seeds.pl                 # every target
#   perl fuzz/seeds.pl discovery       # only these targets' seeds
#
# Tokens are signed with the test keys of t/keys (t/lib/AuthTokenTest.pm),
# valid at the fuzz shim's fixed clock (2023-11-14) and long after, so
# that the seeds reach verification and every claim check.  The first
# bytes of the introspect, reissue and authorization seeds are the
# options each target reads (fuzz/README.md).

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../t/lib";
use AuthTokenTest qw(jwt raw b64url hs);
use JSON::PP ();

my $DIR = "$FindBin::Bin/corpus";
my $KEYS = AuthTokenTest::keys_dir();
my $JSON = JSON::PP->new->canonical;

my $IAT = 1699999000;
my $EXP = 4102444800;              # 2100-01-01

my %STATUS = (200 => 0, 400 => 4, 401 => 6, 403 => 7, 404 => 8, 410 => 9,
              500 => 10, 502 => 11, 503 => 12, 302 => 13, 204 => 14);

my %ONLY = map { $_ => 1 } @ARGV;

sub put {
    my ($target, $name, $data) = @_;
    return if %ONLY && !$ONLY{$target};
    mkdir $DIR;
    mkdir "$DIR/$target";
    open my $fh, '>:raw', "$DIR/$target/$name" or die "$name: $!\n";
    print {$fh} $data;
    close $fh or die "$name: $!\n";
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!\n";
    local $/;
    return scalar <$fh>;
}

my %claims = (
    iss => 'https://idp.example.com', aud => 'api', sub => 'user-42',
    scope => 'read write', iat => $IAT, nbf => $IAT, exp => $EXP,
);

sub token {
    my (%a) = @_;
    return jwt(%a, claims => { %claims, %{ $a{claims} || {} } });
}


# --- jwt: compact tokens, and raw parts (\0 header \0 payload \0 sig) ------

my %jwt;

for my $alg (qw(RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512
                EdDSA HS256 HS384))
{
    $jwt{lc "$alg-valid"} = token(alg => $alg);
}

$jwt{'hs512-valid'} = token(alg => 'HS512', key => 'hmac64');
$jwt{'rs256-rsa2'} = token(alg => 'RS256', key => 'rsa2');
$jwt{'rs256-nokid'} = token(alg => 'RS256', kid => undef);
$jwt{'es256-nokid'} = token(alg => 'ES256', kid => undef);
$jwt{'rs256-unknown-kid'} = token(alg => 'RS256', kid => 'nope');
$jwt{'rs256-claims'} = token(alg => 'RS256', claims => {
    aud => ['other', 'api'], scp => ['read', 'admin'], scope => undef,
    realm_access => { roles => ['admin', 'user'] },
    email_verified => JSON::PP::true,
    amr => ['pwd', 'otp'], nbf => 1699999000.5, exp => 4102444800.25,
    name => "J\x{00fc}rgen", tenant => { id => 7, tags => [] }, n => undef });
$jwt{'rs256-expired'} = token(alg => 'RS256', claims => { exp => $IAT });
$jwt{'rs256-notyet'} = token(alg => 'RS256', claims => { nbf => $EXP });
$jwt{'rs256-wrong-iss'} = token(alg => 'RS256',
                                claims => { iss => 'https://evil' });
$jwt{'hs256-typ-at'} = token(alg => 'HS256', header => { typ => 'at+jwt' });
$jwt{'rs256-jku'} = token(alg => 'RS256',
                          header => { jku => 'https://evil/jwks',
                                      x5u => 'https://evil/x5' });
$jwt{'rs256-crit'} = token(alg => 'RS256', header => { crit => ['exp'] });
$jwt{'rs256-b64-false'} = token(alg => 'RS256',
                                header => { b64 => JSON::PP::false });

my $sig = 'x' x 256;
$jwt{'alg-none'} = raw('{"alg":"none"}', $JSON->encode(\%claims), '');
$jwt{'alg-none-sig'} = raw('{"alg":"None","typ":"JWT"}', '{}', 'abc');
$jwt{'hs256-with-rsa-kid'} = raw('{"alg":"HS256","kid":"rsa1"}', '{}', $sig);
$jwt{'jwe-5-segments'} = 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.'
                       . 'OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJ'
                       . '.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7T'
                       . 'ALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZ'
                       . 'dvTiFvSkQ';
$jwt{'two-segments'} = 'eyJhbGciOiJSUzI1NiJ9.e30';
$jwt{'padded'} = 'eyJhbGciOiJSUzI1NiJ9.e30=.' . b64url($sig) . '==';
$jwt{'dup-alg'} = raw('{"alg":"RS256","alg":"HS256"}', '{}', $sig);
$jwt{'kid-number'} = raw('{"alg":"RS256","kid":7}', '{}', $sig);
$jwt{'kid-path'} = raw('{"alg":"ES256","kid":"../../../etc/passwd"}', '{}',
                       'y' x 64);
$jwt{'deep-header'} = raw('{"alg":"RS256","x":' . ('[' x 20) . (']' x 20)
                          . '}', '{}', $sig);
$jwt{'es512-short-sig'} = raw('{"alg":"ES512","kid":"ec521"}', '{}',
                              "\0" x 131);
$jwt{'eddsa-sig'} = raw('{"alg":"EdDSA","kid":"ed1"}', '{}', "\xff" x 64);

for my $name (sort keys %jwt) {
    put('jwt', $name, $jwt{$name});
}

# raw parts: the target base64url-encodes them

my %parts = (
    'parts-rs256' => ['{"alg":"RS256","kid":"rsa1"}',
                      $JSON->encode(\%claims), 'z' x 256],
    'parts-hs256-nokid' => ['{"alg":"HS256"}',
                            '{"exp":-9223372036854775808,"nbf":1e308,'
                            . '"aud":["api",1,null],"scope":" read  "}',
                            'z' x 32],
    'parts-es256' => ['{"typ":"JWT","alg":"ES256","kid":"ec256"}',
                      '{"exp":9223372036854775807,"iss":"https://idp.'
                      . 'example.com","aud":"api","scope":"read"}',
                      "\x80" x 64],
    'parts-big-numbers' => ['{"alg":"EdDSA"}',
                            '{"exp":1.7976931348623157e308,"nbf":-1e400,'
                            . '"iat":123456789012345678901234567890}',
                            "\0" x 64],
    'parts-control-chars' => ['{"alg":"HS512","kid":"hs64"}',
                              '{"sub":"a\r\nX-Injected: 1","x":"\u007f\t"}',
                              'q' x 64],
);

for my $name (sort keys %parts) {
    put('jwt', $name, join("\0", '', @{ $parts{$name} }));
}


# --- jwks: documents -------------------------------------------------------

for my $f (qw(jwks.json jwks-ec-nokid.json jwks-mixed-bad.json
              jwks-nokeys.json jwks-only-bad.json jwks-ps.json
              jwks-rsa1-nokid.json jwks-rsa2only.json jwks-weak.json
              not-json.json))
{
    (my $name = $f) =~ s/\.json\z//;
    put('jwks', $name, slurp("$KEYS/$f"));
}

put('jwks', 'example', slurp("$FindBin::Bin/../examples/jwks.json"));

my $keys = JSON::PP->new->decode(slurp("$KEYS/jwks.json"))->{keys};
my %k = map { $_->{kid} => $_ } @$keys;

sub jwks { return $JSON->encode({ keys => [@_] }) }

put('jwks', 'key-ops', jwks({ %{ $k{ec256} }, key_ops => ['verify'] },
                            { %{ $k{ec384} }, key_ops => ['sign'] },
                            { %{ $k{ed1} }, key_ops => 'verify' }));
put('jwks', 'alg-mismatch', jwks({ %{ $k{ec256} }, alg => 'ES384' },
                                 { %{ $k{rsa1} }, alg => 'PS512' },
                                 { %{ $k{hs1} }, alg => 'HS512' },
                                 { %{ $k{ed1} }, alg => 'EdDSA' }));
put('jwks', 'idp-x5c', jwks({ %{ $k{rsa2} }, x5t => 'bm90IGEgdGh1bWJwcmludA',
                              x5c => ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A'],
                              'x5t#S256' => 'abc' }));
put('jwks', 'ec-off-curve', jwks({ %{ $k{ec256} },
                                   y => $k{ec256}{x} }));
put('jwks', 'oct-short', jwks({ kty => 'oct', kid => 's', k => 'c2hvcnQ' }));
put('jwks', 'okp-x448', jwks({ kty => 'OKP', crv => 'X448', x => 'AA' },
                             { kty => 'OKP', crv => 'Ed25519', x => 'AAAA' }));
put('jwks', 'rsa-big-e', jwks({ kty => 'RSA', kid => 'e',
                                n => $k{rsa1}{n}, e => $k{rsa1}{n} }));
put('jwks', 'padded', '{"keys":[{"kty":"oct","k":"'
                      . b64url('k' x 64) . '=="}]}');
put('jwks', 'not-array', '{"keys":{"kty":"RSA"}}');
put('jwks', 'dup-keys', '{"keys":[],"keys":[]}');


# --- introspect: options byte, status byte, body ----------------------------

sub answer {
    my ($target, $name, $opt, $status, $body) = @_;
    put($target, $name, chr($opt) . chr($STATUS{$status}) . $body);
}

my %active = (
    active => JSON::PP::true, scope => 'read write', client_id => 'app',
    username => 'jdoe', token_type => 'Bearer', exp => $EXP, iat => $IAT,
    nbf => $IAT, sub => 'Z5O3upPC88QrAjx00dis', aud => 'api',
    iss => 'https://idp.example.com', jti => 'JlbmMiOiJBMTI4Q0JDLUhTMjU2In',
);

answer('introspect', 'rfc7662-active', 0, 200, $JSON->encode(\%active));
answer('introspect', 'rfc7662-keycloak', 0, 200, $JSON->encode({
    %active, aud => ['api', 'account'], typ => 'Bearer', azp => 'app',
    realm_access => { roles => ['offline_access', 'admin'] },
    resource_access => { account => { roles => ['view-profile'] } },
    email_verified => JSON::PP::false, acr => '1', sid => 'x',
    preferred_username => 'jdoe' }));
answer('introspect', 'rfc7662-inactive', 0, 200, '{"active":false}');
answer('introspect', 'rfc7662-active-string', 0, 200, '{"active":"true"}');
answer('introspect', 'rfc7662-no-active', 0, 200, '{"sub":"x"}');
answer('introspect', 'rfc7662-exp-float', 0, 200,
       '{"active":true,"exp":1.7e9,"nbf":"soon"}');
answer('introspect', 'rfc7662-500-html', 0, 500,
       "<html><body><h1>500 Internal Server Error</h1></body></html>\n");
answer('introspect', 'rfc7662-502', 0, 502, '');
answer('introspect', 'rfc7662-truncated', 0, 200, '{"active":true,"sc');
answer('introspect', 'rfc7662-array', 0, 200, '[{"active":true}]');
answer('introspect', 'rfc7662-too-large', 2, 200, '{"active":true}');
answer('introspect', 'status-200', 1, 200,
       '{"sub":"u1","scope":"read","exp":4102444800}');
answer('introspect', 'status-410', 1, 410, '');
answer('introspect', 'status-401', 1, 401, '{"error":"invalid_token"}');
answer('introspect', 'status-404', 1, 404, 'Not Found');
answer('introspect', 'status-503', 1, 503, '');
answer('introspect', 'status-200-empty', 1, 200, '');


# --- reissue: options byte (field, too large, client exp), status, body ------

my $new = token(alg => 'ES256', claims => { aud => 'backend', exp => $EXP });

answer('reissue', 'rfc8693-expires-in', 8, 200, $JSON->encode({
    access_token => $new, token_type => 'Bearer', expires_in => 300,
    issued_token_type => 'urn:ietf:params:oauth:token-type:access_token' }));
answer('reissue', 'rfc8693-jwt-exp', 0, 200,
       $JSON->encode({ access_token => $new, token_type => 'N_A' }));
answer('reissue', 'rfc8693-opaque', 0, 200,
       '{"access_token":"2YotnFZFEjr1zCsicMWpAA","expires_in":3600}');
answer('reissue', 'json-token', 1, 200, $JSON->encode({ token => $new }));
answer('reissue', 'id-token-huge-expiry', 2, 200,
       $JSON->encode({ id_token => $new, expires_in => 9223372036854775807 }));
answer('reissue', 'jwt-field', 3, 200,
       '{"jwt":"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln",'
       . '"expires_in":-5}');
answer('reissue', 'jwt-exp-int64-min', 0, 200,      # regression: overflow
       $JSON->encode({ access_token => raw('{"alg":"HS256"}',
                                           '{"exp":-9223372036854775808}',
                                           'sig') }));
answer('reissue', 'jwt-exp-int64-max', 0, 200,
       $JSON->encode({ access_token => raw('{"alg":"HS256"}',
                                           '{"exp":9223372036854775807}',
                                           'sig') }));
answer('reissue', 'bad-chars', 0, 200, '{"access_token":"a b\r\nc"}');
answer('reissue', 'empty-token', 0, 200, '{"access_token":""}');
answer('reissue', 'invalid-target', 0, 400,
       '{"error":"invalid_target","error_description":"no"}');
answer('reissue', 'invalid-scope', 0, 400, '{"error":"invalid_scope"}');
answer('reissue', 'invalid-grant', 8, 400, '{"error":"invalid_grant"}');
answer('reissue', 'invalid-request', 0, 400, '{"error":"invalid_request"}');
answer('reissue', 'forbidden', 0, 403, '');
answer('reissue', 'unauthorized', 0, 401, '{"error":"invalid_client"}');
answer('reissue', 'error-500', 0, 500, 'upstream error');
answer('reissue', 'too-large', 4, 200, $JSON->encode({ access_token => $new }));


# --- discovery: a discovery document ------------------------------------------

sub discovery {
    my ($name, $doc) = @_;
    put('discovery', $name, ref $doc ? $JSON->encode($doc) : $doc);
}

my $KC = 'https://sso.example.com/realms/acme';
my %keycloak = (
    issuer => $KC,
    authorization_endpoint => "$KC/protocol/openid-connect/auth",
    token_endpoint => "$KC/protocol/openid-connect/token",
    introspection_endpoint => "$KC/protocol/openid-connect/token/introspect",
    userinfo_endpoint => "$KC/protocol/openid-connect/userinfo",
    end_session_endpoint => "$KC/protocol/openid-connect/logout",
    jwks_uri => "$KC/protocol/openid-connect/certs",
    grant_types_supported => ['authorization_code', 'refresh_token',
                              'client_credentials'],
    response_types_supported => ['code', 'none', 'id_token', 'token'],
    subject_types_supported => ['public', 'pairwise'],
    id_token_signing_alg_values_supported => [qw(PS384 ES384 RS384 HS256
                                                 HS512 ES256 RS256 HS384
                                                 ES512 PS256 PS512 RS512)],
    token_endpoint_auth_methods_supported => ['client_secret_basic',
                                              'private_key_jwt'],
    claims_supported => ['aud', 'sub', 'iss', 'auth_time', 'name'],
    code_challenge_methods_supported => ['plain', 'S256'],
    mtls_endpoint_aliases => { token_endpoint => "$KC/protocol/openid-connect/token" },
    frontchannel_logout_supported => JSON::PP::true,
    require_request_uri_registration => JSON::PP::true,
);

discovery('keycloak', \%keycloak);
discovery('logto', {
    issuer => 'https://acme.logto.app/oidc',
    jwks_uri => 'https://acme.logto.app/oidc/jwks',
    authorization_endpoint => 'https://acme.logto.app/oidc/auth',
    token_endpoint => 'https://acme.logto.app/oidc/token',
    response_types_supported => ['code id_token', 'code', 'id_token'],
    id_token_signing_alg_values_supported => ['ES384'] });
discovery('google', {
    issuer => 'https://accounts.google.com',
    jwks_uri => 'https://www.googleapis.com/oauth2/v3/certs',
    authorization_endpoint => 'https://accounts.google.com/o/oauth2/v2/auth',
    response_types_supported => ['code', 'token', 'id_token'] });
discovery('entra-common', {
    issuer => 'https://login.microsoftonline.com/{tenantid}/v2.0',
    jwks_uri => 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    tenant_region_scope => undef });
discovery('rfc8414', {                                  # RFC 8414, 3.2
    issuer => 'https://server.example.com',
    authorization_endpoint => 'https://server.example.com/authorize',
    token_endpoint => 'https://server.example.com/token',
    token_endpoint_auth_methods_supported => ['client_secret_basic',
                                              'private_key_jwt'],
    jwks_uri => 'https://server.example.com/jwks.json',
    registration_endpoint => 'https://server.example.com/register',
    scopes_supported => ['openid', 'profile', 'email', 'address', 'phone',
                         'offline_access'],
    response_types_supported => ['code', 'code token'],
    service_documentation => 'http://server.example.com/service_documentation.html',
    ui_locales_supported => ['en-US', 'en-GB', 'en-CA', 'fr-FR', 'fr-CA'] });
discovery('http-only', '{"issuer":"http://127.0.0.1:8080",'
          . '"jwks_uri":"http://127.0.0.1:8080/jwks"}');
discovery('no-issuer', { jwks_uri => "$KC/certs" });
discovery('no-jwks-uri', { issuer => $KC });
discovery('empty-issuer', { issuer => '', jwks_uri => "$KC/certs" });
discovery('issuer-number', { issuer => 42, jwks_uri => "$KC/certs" });
discovery('issuer-null', '{"issuer":null,"jwks_uri":"https://a.example/k"}');
discovery('issuer-space', { issuer => 'https://idp.example.com /x',
                            jwks_uri => "$KC/certs" });
discovery('issuer-utf8', "{\"issuer\":\"https://id\xc3\xa9p.example.com\","
          . "\"jwks_uri\":\"https://a.example/k\"}");
discovery('issuer-nul', '{"issuer":"https://a\u0000b","jwks_uri":"https://a/k"}');
discovery('jwks-relative', { issuer => $KC, jwks_uri => '/certs' });
discovery('jwks-scheme-only', { issuer => $KC, jwks_uri => 'https://' });
discovery('jwks-ftp', { issuer => $KC, jwks_uri => 'ftp://sso.example.com/k' });
discovery('jwks-upper', { issuer => $KC, jwks_uri => 'HTTPS://SSO.example.com/k' });
discovery('jwks-array', { issuer => $KC, jwks_uri => ["$KC/certs"] });
discovery('jwks-2048', { issuer => $KC,
                         jwks_uri => 'https://a.example/' . ('k' x 2030) });
discovery('jwks-2049', { issuer => $KC,
                         jwks_uri => 'https://a.example/' . ('k' x 2031) });
discovery('introspection-relative', { issuer => $KC, jwks_uri => "$KC/certs",
                                      introspection_endpoint => 'introspect' });
discovery('introspection-object', { issuer => $KC, jwks_uri => "$KC/certs",
                                    introspection_endpoint => {} });
discovery('duplicate-issuer', '{"issuer":"https://a.example",'
          . '"issuer":"https://b.example","jwks_uri":"https://a.example/k"}');
discovery('escaped-slashes', '{"issuer":"https:\/\/a.example",'
          . '"jwks_uri":"https:\/\/a.example\/k"}');
discovery('array', '[{"issuer":"https://a.example","jwks_uri":"https://a/k"}]');
discovery('truncated', '{"issuer":"https://a.example","jwks_uri":"https://a');
discovery('deep', '{"issuer":"https://a","jwks_uri":"https://a/k","x":'
          . ('[' x 20) . (']' x 20) . '}');
discovery('html', "<html><body><h1>404 Not Found</h1></body></html>\n");
discovery('empty', '');
discovery('many-members', '{' . join(',', map { "\"m$_\":$_" } 1 .. 300)
          . ',"issuer":"https://a","jwks_uri":"https://a/k"}');


# --- authorization: scheme byte, header value --------------------------------

my %auth = (
    'bearer-jwt' => [0, "Bearer $jwt{'rs256-valid'}"],
    'bearer-lower' => [0, "bearer abc.def.ghi"],
    'bearer-blanks' => [0, " \tBearer \t tok-en_1~+/== \t"],
    'bearer-empty' => [0, "Bearer"],
    'bearer-space' => [0, "Bearer  "],
    'bearerx' => [0, "Bearerx abc"],
    'basic' => [0, "Basic dXNlcjpwYXNzd29yZA=="],
    'bearer-bad-char' => [0, "Bearer a=b"],
    'bearer-only-pad' => [0, "Bearer ==="],
    'bearer-comma' => [0, "Bearer tok1, Bearer tok2"],
    'bearer-nul' => [0, "Bearer ab\0cd"],
    'bearer-utf8' => [0, "Bearer \xc3\xa4\xff"],
    'scheme-lower' => [1, "BEARER abc"],
    'dpop' => [2, "DPoP eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln"],
    'token' => [3, "Token 2YotnFZFEjr1zCsicMWpAA"],
    'empty-scheme' => [4, " abc"],
);

for my $name (sort keys %auth) {
    put('authorization', $name, chr($auth{$name}[0]) . $auth{$name}[1]);
}
