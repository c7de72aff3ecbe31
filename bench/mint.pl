#!/usr/bin/perl
#
# bench/mint.pl - tokens for the benchmark (bench/run.sh), minted with the
# test suite's independent minter (t/lib/AuthTokenTest.pm, build/t-mint).
#
#   perl bench/mint.pl one ALG              one token on stdout
#   perl bench/mint.pl many ALG N FILE      N distinct tokens, one a line
#   perl bench/mint.pl dpop FILE            a token bound to the DPoP key
#                                           t/keys/sender/dpop-ec256.pem
#                                           (cnf.jkt), for bench/dpop-proofs.mjs
#   perl bench/mint.pl mtls FILE            a token bound to the certificate
#                                           t/keys/sender/client.pem
#                                           (cnf x5t#S256), and on a second
#                                           line that certificate URL-escaped
#                                           as a load balancer forwards it
#
# ALG is RS256, ES256, EdDSA or HS256; keys are those of t/keys/jwks.json.
# Tokens are valid for 30 days (exp), so a long run never sees one expire.
# "many" makes the tokens distinct by their sub and jti claims.  HS256 is
# signed in-process (Digest::SHA), fast enough for 100,000s of tokens; the
# others run one openssl / t-mint process per token (about 1,000 a few
# seconds).

use strict;
use warnings;
use FindBin ();
use lib "$FindBin::Bin/../t/lib";
use AuthTokenTest ();
use AuthTokenSender ();

my ($cmd, $alg, $n, $file) = @ARGV;

my $exp = time + 30 * 86400;

sub spew {
    my ($f, @lines) = @_;
    open my $fh, '>', "$f.tmp" or die "$f.tmp: $!\n";
    print {$fh} map { "$_\n" } @lines;
    close $fh or die "$f.tmp: $!\n";
    rename "$f.tmp", $f or die "$f: $!\n";
}

# sender-constrained tokens (jose, the openssl command line)
if (defined $cmd && $cmd eq 'dpop' && defined $alg) {
    spew($alg, AuthTokenSender::dpop_token(dpop_key => 'ec256',
                                           claims => { exp => $exp, sub => 'bench' }));
    exit 0;
}

if (defined $cmd && $cmd eq 'mtls' && defined $alg) {
    spew($alg, AuthTokenSender::mtls_token(cert => 'client',
                                           claims => { exp => $exp, sub => 'bench' }),
         AuthTokenSender::cert_escaped('client'));
    exit 0;
}

die "usage: $0 one ALG | many ALG N FILE | dpop FILE | mtls FILE\n"
    unless defined $alg
           && ($cmd eq 'one' || ($cmd eq 'many' && $n && $file));

sub token {
    my ($i) = @_;
    my %claims = (exp => $exp, sub => 'bench');
    if (defined $i) {
        $claims{sub} = "bench-$i";
        $claims{jti} = sprintf 'b%07d', $i;
    }
    # HS256 through the in-process HMAC path, not one t-mint run per token
    return AuthTokenTest::jwt(alg => $alg, claims => \%claims,
                              ($alg eq 'HS256' ? (via => 'openssl') : ()));
}

if ($cmd eq 'one') {
    print token(), "\n";
    exit 0;
}

open my $fh, '>', "$file.tmp" or die "$file.tmp: $!\n";
print {$fh} token($_), "\n" for 1 .. $n;
close $fh or die "$file.tmp: $!\n";
rename "$file.tmp", $file or die "$file: $!\n";
