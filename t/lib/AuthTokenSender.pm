package AuthTokenSender;

# Sender-constrained tokens for the suites, made independently of the module:
# DPoP proofs and DPoP-bound tokens by npm's jose (t/lib/dpop-mint.mjs, see
# its header for every option), certificate-bound tokens and certificate
# thumbprints by the openssl command line.
#
#   use lib 't/lib';
#   use AuthTokenSender;
#
#   --- more_headers eval
#   AuthTokenSender::dpop(htm => 'GET', htu => "http://localhost/t")
#
# gives "Authorization: DPoP <token bound to the ec256 client key>" and
# "DPoP: <a proof for GET http://localhost/t with its ath>".  Everything is
# callable fully qualified (Test::Base's eval filter runs in another
# package).  Each call runs node once: to mint many things at once, give
# mint() a list of requests.
#
#   dpop(%a)          the two header lines; %a: the proof's options (key,
#                     alg, htm, htu, iat, jti, nonce, header, claims,
#                     broken), token => {token options}, and
#                       scheme => 'Bearer'   the bound token as a bearer
#                       proofs => N          N DPoP headers (0: none)
#   dpop_parts(%a)    the same as a hash: {token, proof, jkt}
#   dpop_proof(%a)    a proof alone; token => '...' sets its ath
#   dpop_token(%a)    a token alone (dpop_key, jkt, x5t, signer, alg,
#                     kid, claims)
#   dpop_key($name)   {alg, public_jwk, jkt} of t/keys/sender/dpop-NAME.pem
#   dpop_keypair($alg) a new key pair {alg, private_jwk, public_jwk, jkt}:
#                     its private_jwk can be given as "key" everywhere
#   mint(@requests)   the answers of t/lib/dpop-mint.mjs, one per request
#
#   cert_path($name)  t/keys/sender/NAME.pem (client, client2, ca, server,
#                     chain) and NAME.key
#   x5t($name|$file)  base64url SHA-256 of the certificate's DER (openssl)
#   cert_pem($name)   as $ssl_client_raw_cert
#   cert_escaped($name) as $ssl_client_escaped_cert (URL-escaped PEM)
#   cert_base64($name) base64 DER on one line
#   mtls_token(cert => 'client', %jwt_args)
#                     a JWT with cnf x5t#S256 of that certificate, minted
#                     by AuthTokenTest::jwt (%jwt_args as there)

use strict;
use warnings;

use File::Spec ();
use File::Temp ();
use JSON::PP ();
use MIME::Base64 ();
use Digest::SHA ();

my ($LIB, $T, $KEYS, $MINT);

BEGIN {
    my $file = File::Spec->rel2abs(__FILE__);
    my ($vol, $dir) = File::Spec->splitpath($file);
    $LIB = File::Spec->catpath($vol, $dir, '');
    $LIB =~ s{/+$}{};
    ($T = $LIB) =~ s{/[^/]+$}{};
    $KEYS = "$T/keys/sender";
    $MINT = "$LIB/dpop-mint.mjs";
}

use lib $LIB;
use AuthTokenTest ();

# Handy in nginx.conf blocks: $TEST_NGINX_SENDER_KEYS/server.pem
$ENV{TEST_NGINX_SENDER_KEYS} = $KEYS
    unless defined $ENV{TEST_NGINX_SENDER_KEYS};

my $JSON = JSON::PP->new->utf8->canonical;

sub keys_dir { $KEYS }

# --- jose ------------------------------------------------------------------

sub mint {
    my (@req) = @_;

    die "AuthTokenSender: $T/node_modules/jose is missing: run make first\n"
        unless -d "$T/node_modules/jose";

    # the requests on stdin: a long list does not fit in an argument
    my $in = File::Temp->new(TMPDIR => 1);
    print {$in} $JSON->encode(\@req);
    close $in or die "AuthTokenSender: cannot write $in: $!\n";

    open my $fh, '-|', 'sh', '-c', 'exec node "$0" <"$1"', $MINT, "$in"
        or die "AuthTokenSender: cannot run node: $!\n";
    local $/;
    my $out = <$fh>;
    close $fh;
    die "AuthTokenSender: dpop-mint.mjs failed (status $?)\n"
        if $? || !defined $out;

    my $answers = $JSON->decode($out);
    return wantarray ? @$answers : $answers->[0];
}

sub dpop_key {
    my ($name) = @_;
    return scalar mint({ cmd => 'key', key => $name // 'ec256' });
}

sub dpop_keypair {
    my ($alg) = @_;
    return scalar mint({ cmd => 'keypair', alg => $alg // 'ES256' });
}

sub dpop_proof {
    my (%a) = @_;
    return mint({ %a, cmd => 'proof' })->{proof};
}

sub dpop_token {
    my (%a) = @_;
    $a{dpop_key} = 'ec256' unless exists $a{dpop_key} || exists $a{jkt}
                                   || exists $a{x5t};
    return mint({ %a, cmd => 'token' })->{token};
}

sub dpop_parts {
    my (%a) = @_;
    delete @a{qw(scheme proofs)};
    return scalar mint({ %a, cmd => 'dpop' });
}

sub dpop {
    my (%a) = @_;
    my $scheme = delete $a{scheme} // 'DPoP';
    my $proofs = delete $a{proofs} // 1;

    my $d = dpop_parts(%a);
    my @h = ("Authorization: $scheme $d->{token}");
    push @h, "DPoP: $d->{proof}" if $proofs >= 1;

    # another proof for the same request, each a jti of its own
    push @h, "DPoP: " . dpop_proof(%a, token => $d->{token})
        for 2 .. $proofs;

    return join("\n", @h);
}

# --- certificates ----------------------------------------------------------

sub cert_path {
    my ($name) = @_;
    return $name if $name =~ m{/};
    return "$KEYS/$name.pem";
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "AuthTokenSender: cannot read $f: $!\n";
    local $/;
    my $d = <$fh>;
    return $d;
}

sub cert_der {
    my ($name) = @_;
    my $file = cert_path($name);
    open my $fh, '-|', 'openssl', 'x509', '-in', $file, '-outform', 'DER'
        or die "AuthTokenSender: cannot run openssl: $!\n";
    binmode $fh;
    local $/;
    my $der = <$fh>;
    close $fh;
    die "AuthTokenSender: openssl x509 $file failed\n" if $? || !$der;
    return $der;
}

sub x5t {
    my ($name) = @_;
    return AuthTokenTest::b64url(Digest::SHA::sha256(cert_der($name)));
}

sub cert_pem {
    my ($name) = @_;
    return slurp(cert_path($name));
}

# as nginx's $ssl_client_escaped_cert (ngx_escape_uri, URI component):
# everything but letters, digits and "-._~" escaped
sub cert_escaped {
    my ($name) = @_;
    my $s = cert_pem($name);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub cert_base64 {
    my ($name) = @_;
    return MIME::Base64::encode_base64(cert_der($name), '');
}

sub mtls_token {
    my (%a) = @_;
    my $cert = delete $a{cert} // 'client';
    my %claims = %{ $a{claims} || {} };
    $claims{cnf} = { 'x5t#S256' => x5t($cert) } unless exists $claims{cnf};
    return AuthTokenTest::jwt(%a, claims => \%claims);
}

1;
