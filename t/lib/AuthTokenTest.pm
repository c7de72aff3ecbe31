package AuthTokenTest;

# Test-only JWT minting, independent of the module under test.
#
#   use lib 't/lib';
#   use AuthTokenTest;
#
#   --- more_headers eval
#   AuthTokenTest::bearer(alg => "ES256", claims => { scope => "read write" })
#
# HS/RS/ES tokens are minted by build/t-mint (libjwt); PS256/384/512 and
# EdDSA by the openssl CLI.  libjwt 1.10 always writes "typ":"JWT" and the
# real "alg" into the header and re-serialises the payload, so when a test
# asks for something libjwt cannot express (its own "typ" or no "typ", a
# header "alg" different from the signing alg, or a verbatim raw_claims
# payload) the token is signed by the openssl CLI / Digest::SHA instead.
#
# Everything is callable fully qualified (AuthTokenTest::jwt(...)), because
# Test::Base's eval filter runs in another package; it is exported too.

use strict;
use warnings;

use Exporter 'import';
use File::Spec ();
use File::Temp ();
use Digest::SHA ();
use MIME::Base64 ();
use JSON::PP ();

our @EXPORT = qw(jwt bearer raw b64url hs now);
our @EXPORT_OK = qw(sign b64url_decode keys_dir key_path mint_path
                    default_key default_kid);

# --- locations, from this file's own directory (t/lib) --------------------

my ($LIB_DIR, $T_DIR, $ROOT, $KEYS, $MINT);

BEGIN {
    my $file = File::Spec->rel2abs(__FILE__);
    my ($vol, $dir) = File::Spec->splitpath($file);
    $LIB_DIR = File::Spec->catpath($vol, $dir, '');
    $LIB_DIR =~ s{/+$}{};
    ($T_DIR = $LIB_DIR) =~ s{/[^/]+$}{};       # t/
    ($ROOT = $T_DIR) =~ s{/[^/]+$}{};          # repo root
    $KEYS = "$T_DIR/keys";
    $MINT = "$ROOT/build/t-mint";
}

# Handy in nginx.conf blocks: $TEST_NGINX_KEYS/jwks.json
$ENV{TEST_NGINX_KEYS} = $KEYS unless defined $ENV{TEST_NGINX_KEYS};

sub keys_dir  { $KEYS }
sub mint_path { $MINT }
sub key_path  { my ($f) = @_; return "$KEYS/$f" }

sub now { time() }

# --- encoding --------------------------------------------------------------

sub b64url {
    my ($bytes) = @_;
    $bytes = '' unless defined $bytes;
    my $s = MIME::Base64::encode_base64($bytes, '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+\z//;
    return $s;
}

sub b64url_decode {
    my ($s) = @_;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return MIME::Base64::decode_base64($s);
}

my $JSON = JSON::PP->new->utf8->canonical;

# Build an arbitrary token from raw parts.  The header and payload texts are
# used verbatim; the signature (bytes, may be undef/empty) is base64url'd.
sub raw {
    my ($header, $payload, $sig) = @_;
    return b64url($header) . '.' . b64url($payload) . '.'
           . b64url(defined $sig ? $sig : '');
}

# HMAC signature bytes over $input.
sub hs {
    my ($alg, $secret, $input) = @_;
    my %f = (
        HS256 => \&Digest::SHA::hmac_sha256,
        HS384 => \&Digest::SHA::hmac_sha384,
        HS512 => \&Digest::SHA::hmac_sha512,
    );
    my $f = $f{$alg} or die "AuthTokenTest::hs: not an HMAC alg: $alg\n";
    return $f->($input, $secret);
}

# --- keys ------------------------------------------------------------------

my %KID = (
    rsa1 => 'rsa1', rsa2 => 'rsa2', rsa4096 => 'rsa4096', rsa1024 => 'rsa1024',
    ec256 => 'ec256', ec384 => 'ec384', ec521 => 'ec521',
    ed25519 => 'ed1', ed25519b => 'ed25519b',
    hmac1 => 'hs1', hmac64 => 'hs64',
);

sub default_key {
    my ($alg) = @_;
    return 'rsa1'    if $alg =~ /^(?:RS|PS)/;
    return 'ec256'   if $alg eq 'ES256';
    return 'ec384'   if $alg eq 'ES384';
    return 'ec521'   if $alg eq 'ES512';
    return 'ed25519' if $alg eq 'EdDSA';
    return 'hmac1'   if $alg =~ /^HS/;
    return undef;                                  # none
}

sub default_kid {
    my ($key) = @_;
    return undef unless defined $key;
    return exists $KID{$key} ? $KID{$key} : $key;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "AuthTokenTest: cannot read $f: $!\n";
    local $/;
    my $d = <$fh>;
    close $fh;
    return defined $d ? $d : '';
}

# A file argument (secret_file): absolute, relative to the cwd, to the repo
# root or to t/keys -- the first that exists.
sub find_file {
    my ($f) = @_;
    return $f if File::Spec->file_name_is_absolute($f) || -e $f;
    for my $c ("$ROOT/$f", "$KEYS/$f") {
        return $c if -e $c;
    }
    die "AuthTokenTest: file not found: $f\n";
}

# Key material file for ($alg, key name): NAME.pem or NAME.key for HMAC.
sub key_file {
    my ($alg, $key) = @_;
    if ($alg =~ /^HS/) {
        for my $c ("$KEYS/$key.key", "$KEYS/$key") {
            return $c if -f $c;
        }
        die "AuthTokenTest: no HMAC secret t/keys/$key.key "
            . "(use secret_file => ... to sign with another file's bytes)\n";
    }
    for my $c ("$KEYS/$key.pem", "$KEYS/$key") {
        return $c if -f $c;
    }
    die "AuthTokenTest: no private key t/keys/$key.pem\n";
}

# --- signing ---------------------------------------------------------------

my %HASH = (256 => 'sha256', 384 => 'sha384', 512 => 'sha512');
my %ECLEN = (ES256 => 32, ES384 => 48, ES512 => 66);

sub tmpfile {
    my ($data) = @_;
    my $t = File::Temp->new(TEMPLATE => 'authtoken-XXXXXXXX', TMPDIR => 1);
    binmode $t;
    print {$t} $data or die "AuthTokenTest: write temp file: $!\n";
    close $t or die "AuthTokenTest: write temp file: $!\n";
    return $t;                       # unlinked when it goes out of scope
}

sub run_openssl {
    my (@args) = @_;
    open my $fh, '-|', 'openssl', @args
        or die "AuthTokenTest: cannot run openssl: $!\n";
    binmode $fh;
    local $/;
    my $out = <$fh>;
    close $fh;
    die "AuthTokenTest: openssl @args failed (status $?)\n"
        if $? || !defined $out || $out eq '';
    return $out;
}

# DER ECDSA-Sig-Value -> JOSE r||s, each left-padded to $len bytes.
sub der_to_rs {
    my ($der, $len) = @_;
    my $p = 0;
    my $get_len = sub {
        my $l = ord substr($der, $p++, 1);
        if ($l & 0x80) {
            my $n = $l & 0x7f;
            $l = 0;
            $l = ($l << 8) | ord substr($der, $p++, 1) for 1 .. $n;
        }
        return $l;
    };
    die "AuthTokenTest: bad ECDSA DER\n" unless ord substr($der, $p++, 1) == 0x30;
    $get_len->();
    my @v;
    for (1, 2) {
        die "AuthTokenTest: bad ECDSA DER\n"
            unless ord substr($der, $p++, 1) == 0x02;
        my $l = $get_len->();
        my $i = substr($der, $p, $l);
        $p += $l;
        $i =~ s/^\x00+//;
        die "AuthTokenTest: ECDSA integer too long\n" if length($i) > $len;
        push @v, ("\x00" x ($len - length $i)) . $i;
    }
    return $v[0] . $v[1];
}

# Signature bytes for $input, independent of libjwt and of the module.
#   sign($alg, $input, key => NAME)  or  sign($alg, $input, secret => BYTES)
sub sign {
    my ($alg, $input, %o) = @_;

    return '' if $alg eq 'none';

    if ($alg =~ /^HS(256|384|512)\z/) {
        my $secret = defined $o{secret} ? $o{secret}
                   : slurp(key_file($alg, $o{key} // default_key($alg)));
        return hs($alg, $secret, $input);
    }

    my $key = key_file($alg, $o{key} // default_key($alg)
                             // die "AuthTokenTest: no key for $alg\n");
    my $in = tmpfile($input);

    if ($alg eq 'EdDSA') {
        return run_openssl('pkeyutl', '-sign', '-rawin', '-inkey', $key,
                           '-in', $in->filename);
    }

    my ($kind, $bits) = $alg =~ /^(RS|PS|ES)(256|384|512)\z/
        or die "AuthTokenTest: unsupported alg $alg\n";
    my @pss = $kind eq 'PS'
        ? ('-sigopt', 'rsa_padding_mode:pss',
           '-sigopt', 'rsa_pss_saltlen:digest')
        : ();
    my $sig = run_openssl('dgst', "-$HASH{$bits}", '-sign', $key, @pss,
                          $in->filename);
    $sig = der_to_rs($sig, $ECLEN{$alg}) if $kind eq 'ES';
    return $sig;
}

# --- tokens ----------------------------------------------------------------

sub mint {
    my ($alg, $keyfile, $header, $payload) = @_;
    die "AuthTokenTest: $MINT is missing: run make first\n" unless -x $MINT;
    open my $fh, '-|', $MINT, $alg, $keyfile, $header, $payload
        or die "AuthTokenTest: cannot run $MINT: $!\n";
    local $/;
    my $tok = <$fh>;
    close $fh;
    die "AuthTokenTest: t-mint $alg failed (status $?)\n"
        if $? || !defined $tok;
    $tok =~ s/\s+\z//;
    return $tok;
}

sub jwt {
    my (%a) = @_;

    my $alg = exists $a{alg} ? $a{alg} : 'RS256';
    my $key = exists $a{key} ? $a{key} : default_key($alg);
    my $kid = exists $a{kid} ? $a{kid} : default_kid($key);

    # header: extra fields, kid; undef values are removed
    my %h = %{ $a{header} || {} };
    $h{kid} = $kid if defined $kid && !exists $h{kid};

    # payload
    my $payload;
    if (defined $a{raw_claims}) {
        $payload = $a{raw_claims};
    } else {
        my $t = now();
        my %c = (
            iss => 'https://idp.example.com',
            aud => 'api',
            sub => 'user-42',
            iat => $t,
            exp => $t + 3600,
            %{ $a{claims} || {} },
        );
        delete $c{$_} for grep { !defined $c{$_} } keys %c;
        $payload = $JSON->encode(\%c);
    }

    my $secret_file = defined $a{secret_file} ? find_file($a{secret_file})
                                              : undef;

    # libjwt can do it: HS/RS/ES/none, no own typ, header alg = signing alg,
    # payload not required verbatim
    my $via = $a{via}
        || ($alg =~ /^(?:HS|RS|ES)(?:256|384|512)\z|^none\z/
            && !exists $h{typ} && !exists $h{alg}
            && !defined $a{raw_claims} ? 'mint' : 'openssl');

    if ($via eq 'mint') {
        delete $h{$_} for grep { !defined $h{$_} } keys %h;
        my $kf = $alg eq 'none' ? '-'
               : defined $secret_file ? $secret_file
               : key_file($alg, $key);
        return mint($alg, $kf, $JSON->encode(\%h), $payload);
    }

    # header as libjwt would write it, unless overridden (undef removes)
    $h{alg} = $alg unless exists $h{alg};
    $h{typ} = 'JWT' unless exists $h{typ} || $alg eq 'none';
    delete $h{$_} for grep { !defined $h{$_} } keys %h;

    my $input = b64url($JSON->encode(\%h)) . '.' . b64url($payload);
    my $sig = sign($alg, $input,
                   key => $key,
                   (defined $secret_file ? (secret => slurp($secret_file))
                                         : ()));
    return $input . '.' . b64url($sig);
}

sub bearer {
    return 'Authorization: Bearer ' . jwt(@_);
}

1;
