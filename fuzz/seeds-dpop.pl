#!/usr/bin/perl
#
# fuzz/seeds-dpop.pl: writes the seed corpus fuzz/corpus/dpop/ of the dpop
# target (committed; run again only to change it, after make, which
# installs jose: the proofs are minted by t/lib/dpop-mint.mjs).
#
#   perl fuzz/seeds-dpop.pl
#
# The first byte of each seed picks the target's mode (fuzz/fuzz_dpop.c).
# Proofs are for RFC 9449's figure 1 request at the fuzz shim's clock
# (POST https://server.example.com/token, iat 1700000000, RFC 9449's access
# token), so that the seeds reach every check.  The signed modes use the
# public keys of t/keys/sender/dpop-ed25519.pem and dpop-ec256.pem: after
# t/keys/sender/generate.sh, run this again.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../t/lib";
use AuthTokenSender ();
use JSON::PP ();

my $DIR = "$FindBin::Bin/corpus/dpop";
my $JSON = JSON::PP->new->canonical;

my $IAT = 1700000000;
my $TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
my $ATH = 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo';
my $HTU = 'https://server.example.com/token';

sub put {
    my ($name, $data) = @_;
    mkdir $DIR;
    open my $fh, '>:raw', "$DIR/$name" or die "$name: $!\n";
    print {$fh} $data;
    close $fh or die "$name: $!\n";
}

# --- 0: compact proofs ----------------------------------------------------

put('proof-rfc9449-fig2', "\x00" . join('',
    'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieC',
    'I6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5Ijoi',
    'OVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6Il',
    'AtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI',
    '6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2f',
    'Q.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FN',
    'yJK70nfbV37xRZT3Lg'));

my %proof = (cmd => 'proof', htm => 'POST', htu => $HTU, iat => $IAT,
             token => $TOKEN);

my @minted = (
    [ 'proof-es256', { key => 'ec256' } ],
    [ 'proof-rs256', { key => 'rsa' } ],
    [ 'proof-ps256', { key => 'rsa', alg => 'PS256' } ],
    [ 'proof-eddsa', { key => 'ed25519' } ],
    [ 'proof-nonce', { key => 'ec256', nonce => 'eyJ7S_zG.eyJH0-Z.HX4w-7v' } ],
    [ 'proof-typ', { key => 'ec256', broken => 'typ' } ],
    [ 'proof-hs256', { key => 'ec256', broken => 'hs256' } ],
    [ 'proof-none', { key => 'ec256', broken => 'none' } ],
    [ 'proof-private-ec', { key => 'ec256', broken => 'private' } ],
    [ 'proof-private-rsa', { key => 'rsa', broken => 'private' } ],
    [ 'proof-nojwk', { key => 'ec256', broken => 'nojwk' } ],
    [ 'proof-wrongkey', { key => 'ec256', broken => 'wrongkey' } ],
    [ 'proof-signature', { key => 'ed25519', broken => 'signature' } ],
    [ 'proof-old', { key => 'ec256', iat => $IAT - 300 } ],
    [ 'proof-future', { key => 'ec256', iat => $IAT + 300 } ],
    [ 'proof-get', { key => 'ec256', htm => 'GET' } ],
    [ 'proof-noath', { key => 'ec256', token => undef } ],
);

my @answers = AuthTokenSender::mint(map {
    my %r = (%proof, %{ $_->[1] });
    delete $r{token} unless defined $r{token};
    \%r;
} @minted);

put($_->[0], "\x00" . (shift @answers)->{proof}) for @minted;

put('proof-garbage', "\x00a.b.c");
put('proof-dots', "\x00....");
put('proof-jwe', "\x00a.b.c.d.e");

# --- 2, 3: header and claims, signed by the target ------------------------

my ($ed, $ec) = AuthTokenSender::mint({ cmd => 'key', key => 'ed25519' },
                                      { cmd => 'key', key => 'ec256' });

my %claims = (jti => 'e1j3V_bKic8-LAEB', htm => 'POST', htu => $HTU,
              iat => $IAT, ath => $ATH);

my @signed = (
    [ 'valid', {}, {} ],
    [ 'fractional-iat', {}, { iat => $IAT + 0.5 } ],
    [ 'nonce', {}, { nonce => 'n-0S6_WzA2Mj' } ],
    [ 'htu-normalized', {}, { htu => 'HTTPS://Server.Example.COM:443/%74oken?q#f' } ],
    [ 'htu-dots', {}, { htu => 'https://server.example.com/a/../token' } ],
    [ 'no-jti', {}, { jti => undef } ],
    [ 'iat-string', {}, { iat => "$IAT" } ],
    [ 'kid', { kid => 'k1' }, {} ],
    [ 'jwk-use-enc', { jwk_extra => { use => 'enc' } }, {} ],
    [ 'jwk-alg', { jwk_extra => { alg => 'ES256' } }, {} ],
);

for my $mode ([2, 'eddsa', 'EdDSA', $ed], [3, 'es256', 'ES256', $ec]) {
    my ($byte, $name, $alg, $key) = @$mode;

    for my $s (@signed) {
        my ($what, $h, $c) = @$s;
        my %h = (typ => 'dpop+jwt', alg => $alg,
                 jwk => { %{ $key->{public_jwk} },
                          %{ $h->{jwk_extra} || {} } });
        $h{kid} = $h->{kid} if $h->{kid};
        my %c = (%claims, %$c);
        delete $c{$_} for grep { !defined $c{$_} } keys %c;
        put("signed-$name-$what",
            chr($byte) . $JSON->encode(\%h) . "\x00" . $JSON->encode(\%c));
    }
}

# --- 4: htu, origin, path -----------------------------------------------

my @htu = (
    [ $HTU, 'https://server.example.com', '/token' ],
    [ 'HTTPS://SERVER.example.com:443/token?x#y', 'https://server.example.com/', '/token?a=b' ],
    [ 'http://localhost:8080/a/%7euser/./b/../c', 'http://localhost:8080', '/a/~user/c' ],
    [ 'http://[::1]:80/x%2fy', 'http://[::1]', '/x%2Fy' ],
    [ 'http://user@host/', 'http://host', '/' ],
    [ 'http://example.com/a b/%c3%a9', 'http://example.com/gw', '/a%20b/%C3%A9' ],
    [ 'http://ex%41mple.com:/100%', 'http://example.com:0080', '' ],
);

my $i = 0;
put('htu-' . $i++, "\x04" . join("\x00", @$_)) for @htu;

# --- 5: client certificates -------------------------------------------------

put('cert-pem', "\x05\x01" . AuthTokenSender::cert_pem('client'));
put('cert-escaped', "\x05\x02" . AuthTokenSender::cert_escaped('client'));
put('cert-base64', "\x05\x03" . AuthTokenSender::cert_base64('client'));
put('cert-rfc9440', "\x05\x00:" . AuthTokenSender::cert_base64('client')
                    . ':');
put('cert-chain', "\x05\x00" . AuthTokenSender::cert_pem('chain'));
put('cert-key', "\x05\x01" . AuthTokenSender::slurp(
        AuthTokenSender::keys_dir() . '/client.key'));

# --- 6: cnf -------------------------------------------------------------

my $JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
put('cnf-jkt', "\x06" . qq({"sub":"a","cnf":{"jkt":"$JKT"}}));
put('cnf-x5t', "\x06" . qq({"active":true,"cnf":{"x5t#S256":"$ATH"}}));
put('cnf-both', "\x06" . qq({"cnf":{"jkt":"$JKT","x5t#S256":"$ATH","kid":"k"}}));
put('cnf-string', "\x06" . qq({"cnf":"$JKT"}));
put('cnf-null', "\x06" . qq({"cnf":null}));
put('cnf-short', "\x06" . qq({"cnf":{"jkt":"0ZcO"}}));

# --- 7: JWKs --------------------------------------------------------------

put('jwk-rfc7638', "\x07" . '{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}');
put('jwk-ec', "\x07" . $JSON->encode($ec->{public_jwk}));
put('jwk-okp', "\x07" . $JSON->encode($ed->{public_jwk}));
put('jwk-oct', "\x07" . '{"kty":"oct","k":"AAAA"}');
put('jwk-padded', "\x07" . '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}');

print "wrote ", scalar(() = glob("$DIR/*")), " seeds in $DIR\n";
