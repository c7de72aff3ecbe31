#!/bin/sh
# Regenerate the test-only key fixtures in this directory (openssl CLI + perl).
# The generated files are committed; the test suite never runs this script.
# Usage: sh t/keys/generate.sh        (from anywhere)
set -eu

cd "$(dirname "$0")"

umask 022

rm -f ./*.pem ./*.key ./*.json

# --- asymmetric keys: NAME.pem (PKCS#8 private) and NAME.pub.pem (SPKI public)
genpkey() {
    name=$1; shift
    openssl genpkey -quiet "$@" -out "$name.pem"
    openssl pkey -in "$name.pem" -pubout -out "$name.pub.pem"
    chmod 644 "$name.pem"     # test-only keys; same mode git checks them out with
}

genpkey rsa1     -algorithm RSA -pkeyopt rsa_keygen_bits:2048
genpkey rsa2     -algorithm RSA -pkeyopt rsa_keygen_bits:2048
genpkey rsa4096  -algorithm RSA -pkeyopt rsa_keygen_bits:4096
genpkey rsa1024  -algorithm RSA -pkeyopt rsa_keygen_bits:1024
genpkey ec256    -algorithm EC  -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve
genpkey ec384    -algorithm EC  -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve
genpkey ec521    -algorithm EC  -pkeyopt ec_paramgen_curve:P-521 -pkeyopt ec_param_enc:named_curve
genpkey ed25519  -algorithm ED25519
genpkey ed25519b -algorithm ED25519

# transient secp256k1 key: a valid point on a curve JOSE/the module does not support
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 \
    -pkeyopt ec_param_enc:named_curve -out secp256k1.tmp.pem
openssl pkey -in secp256k1.tmp.pem -pubout -out secp256k1.tmp.pub.pem
trap 'rm -f secp256k1.tmp.pem secp256k1.tmp.pub.pem' EXIT

# --- HMAC secrets: raw random bytes
openssl rand -out hmac1.key 32
openssl rand -out hmac64.key 64

# --- JWKS files
perl - <<'PERL'
use strict;
use warnings;
use MIME::Base64 qw(encode_base64 decode_base64);

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    my $d = <$fh>;
    close $fh;
    return $d;
}

sub b64url {
    my $s = encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

sub hex2bin {
    my ($h) = @_;
    $h = "0$h" if length($h) % 2;
    return pack('H*', $h);
}

# Public DER (SubjectPublicKeyInfo) of a PEM public key file.
sub spki_der {
    my ($pub) = @_;
    my $pem = slurp($pub);
    $pem =~ s/-----[^-]+-----//g;
    return decode_base64($pem);
}

# RSA: modulus from "openssl rsa -modulus", exponent parsed from -text.
sub rsa_jwk {
    my ($name) = @_;
    my $out = `openssl rsa -pubin -in $name.pub.pem -noout -modulus`;
    die "openssl rsa failed for $name\n" if $? or $out !~ /^Modulus=([0-9A-Fa-f]+)/;
    my $n = hex2bin($1);
    $n =~ s/^\x00+//;
    my $text = `openssl rsa -pubin -in $name.pub.pem -noout -text`;
    die "no exponent for $name\n" unless $text =~ /Exponent:\s*(\d+)/;
    my $e = $1 + 0;
    my $eb = '';
    while ($e > 0) { $eb = chr($e & 0xff) . $eb; $e >>= 8; }
    return { kty => 'RSA', n => b64url($n), e => b64url($eb) };
}

# EC: the uncompressed point is the last (2*len+1) bytes of the SPKI DER.
sub ec_jwk {
    my ($name, $crv, $len) = @_;
    my $der = spki_der("$name.pub.pem");
    my $pt = substr($der, -(2 * $len + 1));
    die "unexpected EC point for $name\n"
        unless substr($pt, 0, 1) eq "\x04" && length($der) > 2 * $len + 20;
    return {
        kty => 'EC', crv => $crv,
        x => b64url(substr($pt, 1, $len)),
        y => b64url(substr($pt, 1 + $len, $len)),
    };
}

# Ed25519: the raw public key is the last 32 bytes of the 44-byte SPKI DER.
sub okp_jwk {
    my ($name) = @_;
    my $der = spki_der("$name.pub.pem");
    die "unexpected Ed25519 SPKI for $name\n" unless length($der) == 44;
    return { kty => 'OKP', crv => 'Ed25519', x => b64url(substr($der, -32)) };
}

sub oct_jwk {
    my ($file) = @_;
    return { kty => 'oct', k => b64url(slurp($file)) };
}

# Build a JWK: base members + extra members, in a stable member order.
my @ORDER = qw(kty use alg kid crv n e x y k);

sub jwk {
    my ($base, %extra) = @_;
    my %k = (%$base, %extra);
    delete $k{$_} for grep { !defined $k{$_} } keys %k;
    my %seen;
    my @names = ((grep { exists $k{$_} && !$seen{$_}++ } @ORDER),
                 (sort grep { !$seen{$_}++ } keys %k));
    return '{' . join(',', map { qq{"$_":"$k{$_}"} } @names) . '}';
}

sub write_jwks {
    my ($file, @keys) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh "{\"keys\":[\n", join(",\n", @keys), "\n]}\n";
    close $fh or die "$file: $!";
}

my $rsa1    = rsa_jwk('rsa1');
my $rsa2    = rsa_jwk('rsa2');
my $rsa1024 = rsa_jwk('rsa1024');
my $ec256   = ec_jwk('ec256', 'P-256', 32);
my $ec384   = ec_jwk('ec384', 'P-384', 48);
my $ec521   = ec_jwk('ec521', 'P-521', 66);
my $ed1     = okp_jwk('ed25519');
my $hs1     = oct_jwk('hmac1.key');
my $hs64    = oct_jwk('hmac64.key');

write_jwks('jwks.json',
    jwk($rsa1,  use => 'sig', kid => 'rsa1'),
    jwk($rsa2,  use => 'sig', kid => 'rsa2', alg => 'RS256'),
    jwk($ec256, use => 'sig', kid => 'ec256'),
    jwk($ec384, use => 'sig', kid => 'ec384'),
    jwk($ec521, use => 'sig', kid => 'ec521'),
    jwk($ed1,   use => 'sig', kid => 'ed1'),
    jwk($hs1,   use => 'sig', kid => 'hs1'),
    jwk($hs64,  use => 'sig', kid => 'hs64', alg => 'HS512'),
);

write_jwks('jwks-rsa1-nokid.json', jwk($rsa1, use => 'sig'));
write_jwks('jwks-ec-nokid.json',   jwk($ec256, use => 'sig'));

# Unusable keys: unknown kty, use=enc, unsupported curve, RSA without "n".
my $secp256k1 = jwk(ec_jwk('secp256k1.tmp', 'secp256k1', 32),
                    use => 'sig', kid => 'k1');
my %rsa_non = %$rsa2;
delete $rsa_non{n};
my @bad = (
    jwk({ kty => 'foo', x => 'AQAB' }, use => 'sig', kid => 'foo1'),
    jwk($rsa2, use => 'enc', kid => 'enc1'),
    $secp256k1,
    jwk(\%rsa_non, use => 'sig', kid => 'non'),
);

write_jwks('jwks-mixed-bad.json', @bad[0, 1], jwk($rsa1, use => 'sig', kid => 'rsa1'), @bad[2, 3]);
write_jwks('jwks-only-bad.json', @bad);
write_jwks('jwks-weak.json', jwk($rsa1024, use => 'sig', kid => 'rsa1024'));
write_jwks('jwks-rsa2only.json', jwk($rsa2, use => 'sig', kid => 'rsa2'));
write_jwks('jwks-ps.json', jwk($rsa1, use => 'sig', kid => 'ps1', alg => 'PS256'));

open my $fh, '>', 'jwks-nokeys.json' or die $!;
print $fh qq({"keys":[]}\n);
close $fh;

open $fh, '>', 'not-json.json' or die $!;
print $fh "this is <not> JSON at all {\"keys\": [\n";
close $fh;

# ~256 KB JWKS: rsa2's public numbers under kids k000.., then rsa1 last.
my @big;
my $size = 0;
my $i = 0;
my $last = jwk($rsa1, use => 'sig', kid => 'rsa1');
while ($size + length($last) + 16 < 256 * 1024) {
    my $k = jwk($rsa2, use => 'sig', kid => sprintf('k%03d', $i++));
    push @big, $k;
    $size += length($k) + 2;
    last if $size + 450 + length($last) + 16 >= 256 * 1024;
}
write_jwks('jwks-256k.json', @big, $last);
PERL

echo "generated in $(pwd):"
ls -l
