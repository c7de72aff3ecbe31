#!/bin/sh
# Cross-check the key fixtures and the token minting helpers with the openssl
# CLI (independent of libjwt and of the module):
#   - JWKS n/e/x/y/k values equal the PEM keys / secret files
#   - tokens from t/lib/AuthTokenTest.pm (libjwt via build/t-mint, and the
#     openssl path) verify against the public PEMs; ES signatures are raw
#     r||s of 64/96/132 bytes; PS uses salt length = hash length
# Needs build/t-mint (make).  Usage: sh t/keys/verify-fixtures.sh
set -eu
cd "$(dirname "$0")/../.."
exec perl -x "$0" "$@"
exit 1

#!perl
use strict;
use warnings;
use lib 't/lib';
use AuthTokenTest qw(jwt b64url b64url_decode hs);
use File::Temp ();
use JSON::PP ();

my $K = AuthTokenTest::keys_dir();
my ($ok, $fail) = (0, 0);

sub check {
    my ($cond, $what) = @_;
    if ($cond) { $ok++ } else { $fail++; print "FAIL: $what\n" }
}

sub slurp {
    open my $fh, '<:raw', $_[0] or die "$_[0]: $!";
    local $/;
    return scalar <$fh>;
}

sub tmp {
    my $t = File::Temp->new(TMPDIR => 1);
    binmode $t;
    print {$t} $_[0];
    close $t;
    return $t;
}

sub unpad { my $b = shift; $b =~ s/^\x00+//; return $b }

# --- JWKS vs PEM ----------------------------------------------------------

my %pub;    # key name -> { n, e } or { pt } (raw point / raw key)
for my $name (qw(rsa1 rsa2 rsa4096 rsa1024)) {
    my ($mod) = `openssl rsa -pubin -in $K/$name.pub.pem -noout -modulus`
                =~ /Modulus=([0-9A-F]+)/;
    my ($e) = `openssl rsa -pubin -in $K/$name.pub.pem -noout -text`
              =~ /Exponent:\s*(\d+)/;
    $pub{$name} = { n => unpad(pack 'H*', $mod), e => $e };
}
for my $name (qw(ec256 ec384 ec521 ed25519 ed25519b)) {
    my $text = `openssl pkey -pubin -in $K/$name.pub.pem -noout -text`;
    my ($hex) = $text =~ /pub:\s*\n((?:\s+[0-9a-f:]+\n)+)/;
    $hex =~ s/[\s:]//g;
    $pub{$name} = { pt => pack 'H*', $hex };
}

sub b2i { my $v = 0; $v = $v * 256 + ord $_ for split //, $_[0]; $v }

sub jwk_matches {
    my ($k, $name) = @_;
    if ($k->{kty} eq 'RSA') {
        my $n = b64url_decode($k->{n});
        return $pub{$name}{n} && $n eq $pub{$name}{n}
               && substr($n, 0, 1) ne "\x00"
               && b2i(b64url_decode($k->{e})) == $pub{$name}{e};
    }
    if ($k->{kty} eq 'EC') {
        my $len = { 'P-256' => 32, 'P-384' => 48, 'P-521' => 66 }->{$k->{crv}};
        my ($x, $y) = map { b64url_decode($k->{$_}) } qw(x y);
        return length($x) == $len && length($y) == $len
               && "\x04$x$y" eq $pub{$name}{pt};
    }
    if ($k->{kty} eq 'OKP') {
        return b64url_decode($k->{x}) eq $pub{$name}{pt};
    }
    if ($k->{kty} eq 'oct') {
        return b64url_decode($k->{k}) eq slurp("$K/$name.key");
    }
    return 0;
}

my %expect = (
    'jwks.json' => [ [rsa1 => 'rsa1'], [rsa2 => 'rsa2'], [ec256 => 'ec256'],
                     [ec384 => 'ec384'], [ec521 => 'ec521'], [ed1 => 'ed25519'],
                     [hs1 => 'hmac1'], [hs64 => 'hmac64'] ],
    'jwks-rsa1-nokid.json' => [ [undef, 'rsa1'] ],
    'jwks-ec-nokid.json'   => [ [undef, 'ec256'] ],
    'jwks-mixed-bad.json'  => [ ['foo1'], ['enc1', 'rsa2'], [rsa1 => 'rsa1'],
                                ['k1'], ['non'] ],
    'jwks-only-bad.json'   => [ ['foo1'], ['enc1', 'rsa2'], ['k1'], ['non'] ],
    'jwks-weak.json'       => [ [rsa1024 => 'rsa1024'] ],
    'jwks-rsa2only.json'   => [ [rsa2 => 'rsa2'] ],
    'jwks-ps.json'         => [ [ps1 => 'rsa1'] ],
    'jwks-nokeys.json'     => [],
);

for my $f (sort keys %expect) {
    my $jwks = JSON::PP->new->decode(slurp("$K/$f"));
    my @keys = @{ $jwks->{keys} };
    check(@keys == @{ $expect{$f} }, "$f: key count");
    for my $i (0 .. $#keys) {
        my ($kid, $name) = @{ $expect{$f}[$i] || [] };
        my $k = $keys[$i];
        check((defined $kid ? ($k->{kid} // '') eq $kid : !exists $k->{kid}),
              "$f: key $i kid");
        for my $m (qw(n e x y k)) {
            check($k->{$m} !~ /[=+\/]/, "$f: key $i $m is not base64url")
                if exists $k->{$m};
        }
        check(jwk_matches($k, $name), "$f: key $i does not match $name")
            if defined $name;
    }
}

{
    my $jwks = JSON::PP->new->decode(slurp("$K/jwks-256k.json"));
    my @keys = @{ $jwks->{keys} };
    my $size = -s "$K/jwks-256k.json";
    check($size > 250_000 && $size < 262_144, "jwks-256k.json size $size");
    check($keys[-1]{kid} eq 'rsa1' && jwk_matches($keys[-1], 'rsa1'),
          'jwks-256k.json: last key is rsa1');
    my %seen;
    check(!grep({ $seen{$_->{kid}}++ } @keys), 'jwks-256k.json: kids unique');
}

check(-s "$K/hmac1.key" == 32 && -s "$K/hmac64.key" == 64, 'hmac key sizes');
check(!eval { JSON::PP->new->decode(slurp("$K/not-json.json")); 1 },
      'not-json.json is not JSON');

# --- tokens ---------------------------------------------------------------

sub r_s_to_der {
    my ($sig) = @_;
    my $half = length($sig) / 2;
    my $der_int = sub {
        my $i = unpad($_[0]);
        $i = "\x00" if $i eq '';
        $i = "\x00$i" if ord($i) & 0x80;
        return "\x02" . chr(length $i) . $i;
    };
    my $body = $der_int->(substr $sig, 0, $half)
             . $der_int->(substr $sig, $half);
    my $len = length $body;
    return "\x30" . ($len < 128 ? chr $len : "\x81" . chr $len) . $body;
}

sub verify {
    my ($tok, $alg, $key) = @_;
    my ($h, $p, $s) = split /\./, $tok, -1;
    my $sig = b64url_decode($s);
    my $in = tmp("$h.$p");
    if ($alg =~ /^HS/) {
        my $secret = $key =~ m{/} ? slurp($key) : slurp("$K/$key.key");
        return hs($alg, $secret, "$h.$p") eq $sig;
    }
    if ($alg eq 'EdDSA') {
        my $st = tmp($sig);
        return system("openssl pkeyutl -verify -rawin -pubin -inkey "
                      . "$K/$key.pub.pem -in $in -sigfile $st >/dev/null 2>&1")
               == 0;
    }
    my ($kind, $bits) = $alg =~ /^(..)(\d+)$/;
    my $opts = $kind eq 'PS' ? '-sigopt rsa_padding_mode:pss '
                             . '-sigopt rsa_pss_saltlen:digest' : '';
    if ($kind eq 'ES') {
        my $want = { 256 => 64, 384 => 96, 512 => 132 }->{$bits};
        return 0 unless length($sig) == $want;
        $sig = r_s_to_der($sig);
    }
    my $st = tmp($sig);
    return system("openssl dgst -sha$bits -verify $K/$key.pub.pem $opts "
                  . "-signature $st $in >/dev/null 2>&1") == 0;
}

my @cases = (
    [HS256 => 'hmac1'], [HS384 => 'hmac1'], [HS512 => 'hmac64'],
    [RS256 => 'rsa1'], [RS384 => 'rsa2'], [RS512 => 'rsa4096'],
    [ES256 => 'ec256'], [ES384 => 'ec384'], [ES512 => 'ec521'],
    [PS256 => 'rsa1'], [PS384 => 'rsa1'], [PS512 => 'rsa2'],
    [EdDSA => 'ed25519'], [EdDSA => 'ed25519b'],
);

for my $c (@cases) {
    my ($alg, $key) = @$c;
    for my $via ('', 'openssl') {
        for my $i (1 .. ($alg =~ /^ES/ ? 20 : 1)) {
            my $tok = jwt(alg => $alg, key => $key, claims => { i => $i },
                          ($via ? (via => $via) : ()));
            my ($h) = split /\./, $tok;
            my $hdr = JSON::PP->new->decode(b64url_decode($h));
            check($hdr->{alg} eq $alg && $hdr->{typ} eq 'JWT',
                  "$alg/$key header");
            check(verify($tok, $alg, $key),
                  "$alg/$key " . ($via || 'default') . " token verifies");
            my $bad = $tok;
            $bad =~ s/\.(.)([^.]*)$/'.' . ($1 eq 'A' ? 'B' : 'A') . $2/e;
            check(!verify($bad, $alg, $key),
                  "$alg/$key tampered signature is rejected");
        }
    }
}

# wrong key must not verify; key confusion token verifies with the PEM bytes
check(!verify(jwt(alg => 'RS256', key => 'rsa2'), 'RS256', 'rsa1'),
      'rsa2 token does not verify with rsa1');
check(verify(jwt(alg => 'HS256', secret_file => 't/keys/rsa1.pub.pem'),
             'HS256', "$K/rsa1.pub.pem"), 'key confusion token');

# alg none: empty signature
check(jwt(alg => 'none') =~ /^[\w-]+\.[\w-]+\.$/, 'alg none token');

print "verify-fixtures: $ok ok, $fail failed\n";
exit($fail ? 1 : 0);
