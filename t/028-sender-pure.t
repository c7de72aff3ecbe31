#!/usr/bin/perl
#
# The pure functions of sender-constrained tokens (src/ngx_http_auth_token_
# dpop.c, _htu.c, _thumbprint.c) through build/t-sender, without nginx:
#   - its self-test: RFC 9449's proofs (figures 2 and 13) verified and
#     checked, RFC 7638 / RFC 8037 / RFC 9449 thumbprints, RFC 9449's ath,
#     htu normalization, the cnf claim;
#   - interoperability with npm's jose (t/lib/dpop-mint.mjs): thumbprints
#     of every key type, proofs of every default algorithm accepted, every
#     broken proof refused with its own reason;
#   - certificate thumbprints in each encoding against the openssl command
#     line, and what is not exactly one certificate.
# Plain Test::More: no nginx is started.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp ();
use Digest::SHA ();
use AuthTokenTest ();
use AuthTokenSender ();

my $ROOT = "$FindBin::Bin/..";
my $BIN = "$ROOT/build/t-sender";

plan skip_all => "$BIN is missing: run make first" unless -x $BIN;

# runs t-sender, the input on stdin: (exit status, output line)
sub run {
    my ($input, @args) = @_;
    my $in = File::Temp->new;
    binmode $in;
    print {$in} $input // '';
    close $in;
    open my $fh, '-|', "'$BIN' " . join(' ', map { quote($_) } @args)
                       . " <" . quote($in->filename)
        or die "cannot run $BIN: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\s+\z//;
    return ($? >> 8, $out);
}

sub quote {
    my ($s) = @_;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

# --- the self-test, one test per case ---------------------------------------

{
    my ($rc, $out) = run('', 'selftest');
    for (split /\n/, $out) {
        ok(1, "selftest: $1") if /^ok \d+ - (.*)/;
        ok(0, "selftest: $1") if /^not ok \d+ - (.*)/;
        diag($_) if /^#   got/;
    }
    is($rc, 0, 'selftest exits 0');
}

# --- thumbprints against jose ---------------------------------------------

my @keys = AuthTokenSender::mint(
    (map { { cmd => 'key', key => $_ } } qw(ec256 ec256b rsa ed25519)),
    (map { { cmd => 'keypair', alg => $_ } } qw(ES256 ES384 ES512 PS256
                                                 EdDSA)));

for my $k (@keys) {
    my ($rc, $out) = run(JSON::PP->new->canonical->encode($k->{public_jwk}),
                         'jkt');
    is($out, $k->{jkt}, "RFC 7638 thumbprint of a $k->{alg} key as jose's");
}

{
    my $token = AuthTokenTest::jwt();
    my (undef, $out) = run('', 'ath', $token);
    is($out, AuthTokenTest::b64url(Digest::SHA::sha256($token)),
       'ath of a JWT as Digest::SHA');
}

# --- proofs from jose -------------------------------------------------------

my $ORIGIN = 'http://localhost:6984';
my $TOKEN = AuthTokenTest::jwt();
my $JKT = AuthTokenSender::dpop_key('ec256')->{jkt};

# checks a proof; %r: what the request says
sub dpop_check {
    my ($proof, %r) = @_;
    return run($proof, 'dpop', "origin=$ORIGIN", 'path=/api/x',
               "token=$TOKEN", "jkt=$JKT", map { "$_=$r{$_}" } keys %r);
}

my %proof = (htm => 'GET', htu => "$ORIGIN/api/x", token => $TOKEN);

my @valid = (
    [ 'ES256', { key => 'ec256' } ],
    [ 'RS256', { key => 'rsa' } ],
    [ 'PS256', { key => 'rsa', alg => 'PS256' } ],
    [ 'EdDSA', { key => 'ed25519' } ],
);

for my $v (@valid) {
    my ($name, $a) = @$v;
    my $p = AuthTokenSender::mint({ cmd => 'proof', %proof, %$a });
    my ($rc, $out) = dpop_check($p->{proof}, jkt => $p->{jkt});
    is($rc, 0, "a $name proof from jose is valid") or diag($out);
    like($out, qr/^valid: jkt=\Q$p->{jkt}\E /, "$name: its jkt");
}

{
    my $p = AuthTokenSender::mint({ cmd => 'proof', %proof, key => 'ec256',
                                    alg => 'ES256' });
    my ($rc, $out) = dpop_check($p->{proof}, algs => 'RS256 EdDSA');
    like($out, qr/algorithm is not allowed/,
         'ES256 refused when auth_token_dpop_algs lacks it');
}

{
    my $kp = AuthTokenSender::dpop_keypair('ES384');
    my $p = AuthTokenSender::mint({ cmd => 'proof', %proof,
                                    key => $kp->{private_jwk} });
    my ($rc, $out) = dpop_check($p->{proof}, jkt => $kp->{jkt},
                                algs => 'ES384');
    is($rc, 0, 'a fresh ES384 key pair from jose, when allowed') or diag($out);
}

# every check failing on its own
my $now = time();
my @refused = (
    [ 'wrong typ', { broken => 'typ' }, qr/"typ" is not "dpop\+jwt"/ ],
    [ 'HS256 proof', { broken => 'hs256' }, qr/algorithm is not allowed/ ],
    [ 'alg none', { broken => 'none' }, qr/not supported/ ],
    [ 'private key in jwk', { broken => 'private' }, qr/private key/ ],
    [ 'private RSA key in jwk', { broken => 'private', key => 'rsa' },
      qr/private key/ ],
    [ 'no jwk', { broken => 'nojwk' }, qr/no "jwk"/ ],
    [ 'jwk of another key', { broken => 'wrongkey' },
      qr/signature is invalid/ ],
    [ 'bad signature', { broken => 'signature' }, qr/signature is invalid/ ],
    [ 'oct jwk', { header => { jwk => { kty => 'oct', k => 'AAAA' } } },
      qr/private key|symmetric/ ],
    [ 'jwk a string', { header => { jwk => 'x' } }, qr/not an object/ ],
    [ 'jwk with "use": "enc"', { header => { jwk => {
        %{ AuthTokenSender::dpop_key('ec256')->{public_jwk} }, use => 'enc'
      } } }, qr/not a usable key/ ],
    [ 'crit header', { header => { crit => ['x-ext'], 'x-ext' => 1 } },
      qr/not supported/ ],
    [ 'no jti', { claims => { jti => undef } }, qr/no valid "jti"/ ],
    [ 'empty jti', { jti => '' , claims => { jti => '' } },
      qr/no valid "jti"/ ],
    [ 'jti too long', { jti => 'j' x 257 }, qr/no valid "jti"/ ],
    [ 'no htm', { claims => { htm => undef } }, qr/no valid "htm"/ ],
    [ 'htu a number', { claims => { htu => 42 } }, qr/no valid "htu"/ ],
    [ 'iat a string', { claims => { iat => "$now" } }, qr/no valid "iat"/ ],
    [ 'ath a number', { claims => { ath => 1 } }, qr/invalid "ath"/ ],
    [ 'wrong htm', { htm => 'POST' }, qr/"htm" does not match/ ],
    [ 'lowercase htm', { htm => 'get' }, qr/"htm" does not match/ ],
    [ 'htu with another path', { htu => "$ORIGIN/api/y" },
      qr/"htu" does not match/ ],
    [ 'htu with another host', { htu => 'http://example.com:6984/api/x' },
      qr/"htu" does not match/ ],
    [ 'htu with another port', { htu => 'http://localhost:6985/api/x' },
      qr/"htu" does not match/ ],
    [ 'htu with another scheme', { htu => 'https://localhost:6984/api/x' },
      qr/"htu" does not match/ ],
    [ 'htu relative', { htu => '/api/x' }, qr/"htu" does not match/ ],
    [ 'old iat', { iat => $now - 120 }, qr/too old/ ],
    [ 'future iat', { iat => $now + 120 }, qr/in the future/ ],
    [ 'no ath', { token => undef }, qr/no "ath"/ ],
    [ 'ath of another token', { token => "$TOKEN." }, qr/"ath" does not/ ],
    [ 'key of another thumbprint', { key => 'ec256b' },
      qr/key does not match the token/ ],
);

# one run of node for all of them
my @minted = AuthTokenSender::mint(map {
    my %req = (cmd => 'proof', %proof, key => 'ec256', %{ $_->[1] });
    delete $req{token} unless defined $req{token};
    \%req;
} @refused);

for my $r (@refused) {
    my ($name, $a, $re) = @$r;
    my $p = shift @minted;
    my ($rc, $out) = dpop_check($p->{proof});
    is($rc, 1, "refused: $name");
    like($out, qr/^refused: invalid_dpop_proof: .*$re/, "$name: its reason")
        or diag($out);
}

{
    my $p = AuthTokenSender::mint({ cmd => 'proof', %proof,
                                    htu => "$ORIGIN/api/x?a=1#frag" });
    my ($rc, $out) = dpop_check($p->{proof}, path => '/api/x?b=2');
    is($rc, 0, 'the query and fragment of the htu, the query of the request'
               . ' do not count') or diag($out);

    $p = AuthTokenSender::mint({ cmd => 'proof', %proof,
                                 htu => 'HTTP://LOCALHOST:6984/api/%78' });
    ($rc, $out) = dpop_check($p->{proof});
    is($rc, 0, 'htu case and percent-encoding normalized') or diag($out);

    $p = AuthTokenSender::mint({ cmd => 'proof', %proof,
                                 htu => 'http://localhost/api/x' });
    ($rc, $out) = dpop_check($p->{proof}, origin => 'http://localhost:80');
    is($rc, 0, 'default port of the origin removed') or diag($out);

    ($rc, $out) = dpop_check($p->{proof}, origin => 'http://localhost',
                             now => $now + 60, window => 60, leeway => 5);
    is($rc, 0, 'within window and leeway') or diag($out);

    ($rc, $out) = dpop_check($p->{proof}, jkt => '');
    like($out, qr/^parsed: jkt=\Q$JKT\E htm=GET htu=http:\/\/localhost\/api\/x/,
         'parsed alone: jkt, htm, htu');
}

{
    my $d = AuthTokenSender::dpop_parts(htu => "$ORIGIN/api/x");
    my $claims = JSON::PP->new->decode(
        AuthTokenTest::b64url_decode((split /\./, $d->{token})[1]));
    is($claims->{cnf}{jkt}, $JKT, 'dpop_parts: the token is bound to ec256');
    my ($rc, $out) = dpop_check($d->{proof}, token => $d->{token});
    is($rc, 0, 'dpop_parts: the proof is for that token') or diag($out);

    my $h = AuthTokenSender::dpop(htu => "$ORIGIN/api/x", proofs => 2);
    is(scalar(() = $h =~ /^DPoP: /mg), 1 + 1, 'dpop(proofs => 2): two');
    like(AuthTokenSender::dpop(scheme => 'Bearer'),
         qr/\AAuthorization: Bearer ey[^\n]+\nDPoP: ey/,
         'dpop(scheme => Bearer)');
}

# --- certificates against the openssl command line -------------------------

{
    my $x5t = AuthTokenSender::x5t('client');
    my $pem = AuthTokenSender::cert_pem('client');
    my $b64 = AuthTokenSender::cert_base64('client');
    (my $b64url = $b64) =~ tr{+/}{-_};
    $b64url =~ s/=+$//;
    (my $tabbed = $pem) =~ s/\n(?=.)/\n\t/g;
    (my $wrapped = $b64) =~ s/(.{64})/$1\n/g;

    my @cases = (
        [ 'pem', $pem, 'PEM ($ssl_client_raw_cert)' ],
        [ 'pem', $tabbed, 'PEM with tabs ($ssl_client_cert)' ],
        [ 'pem', "\r\n$pem\r\n", 'PEM with blanks around' ],
        [ 'escaped', AuthTokenSender::cert_escaped('client'),
          'URL-escaped PEM ($ssl_client_escaped_cert)' ],
        [ 'base64', $b64, 'base64 DER' ],
        [ 'base64', $b64url, 'base64url DER without padding' ],
        [ 'base64', ":$b64:", 'RFC 9440 Client-Cert' ],
        [ 'base64', $wrapped, 'base64 DER, wrapped lines' ],
        [ 'auto', $pem, 'auto: PEM' ],
        [ 'auto', AuthTokenSender::cert_escaped('client'), 'auto: escaped' ],
        [ 'auto', $b64, 'auto: base64' ],
        [ 'auto', ":$b64:", 'auto: RFC 9440' ],
    );

    for my $c (@cases) {
        my ($enc, $in, $name) = @$c;
        my ($rc, $out) = run($in, 'cert', $enc);
        is($out, $x5t, "x5t#S256 as openssl's: $name");
    }

    isnt(AuthTokenSender::x5t('client2'), $x5t, 'client2 differs');

    my @bad = (
        [ 'pem', AuthTokenSender::cert_pem('chain'), 'two certificates' ],
        [ 'pem', $pem . $pem, 'the same certificate twice' ],
        [ 'pem', AuthTokenSender::slurp(
              AuthTokenSender::keys_dir() . '/client.key'),
          'a private key' ],
        [ 'pem', "$pem junk", 'trailing junk' ],
        [ 'pem', substr($pem, 0, 200), 'truncated' ],
        [ 'pem', '', 'empty' ],
        [ 'base64', $b64 . 'AAAA', 'DER with trailing bytes' ],
        [ 'base64', substr($b64, 0, 100), 'truncated DER' ],
        [ 'base64', "$b64==", 'too much padding' ],
        [ 'base64', "not base64!", 'not base64' ],
        [ 'escaped', AuthTokenSender::cert_escaped('client') . '%2', 'bad escape' ],
        [ 'auto', AuthTokenSender::cert_pem('chain'), 'auto: two certificates' ],
    );

    for my $c (@bad) {
        my ($enc, $in, $name) = @$c;
        my ($rc, $out) = run($in, 'cert', $enc);
        like($out, qr/^declined: /, "declined: $name");
    }

    my $t = AuthTokenSender::mtls_token(cert => 'client');
    my $claims = JSON::PP->new->decode(
        AuthTokenTest::b64url_decode((split /\./, $t)[1]));
    is($claims->{cnf}{'x5t#S256'}, $x5t, 'mtls_token: cnf x5t#S256');
}

done_testing();
