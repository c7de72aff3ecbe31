# Certificate-bound tokens (RFC 8705) with curl as the TLS client:
# curl --cert with the right certificate, another one, none.
#
# Test::Nginx speaks plain HTTP, so t/030-mtls.t drives TLS through nginx's
# own proxy_ssl_certificate; this plain Test::More script checks the same
# with the client everyone uses.  It starts nginx itself (one process,
# daemon off, as its own child): a TLS server with
# ssl_verify_client optional_no_ca and auth_token_cert_binding on, and one
# with auth_token_dpop on too (a DPoP-bound token whose proof comes with
# the certificate).
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (default: our module and the echo module),
# TEST_NGINX_SERVER_PORT (ours is it + 10; default 1994),
# TEST_NGINX_SERVROOT (ours is it with "-curl" appended; default
# t/servroot-curl).  Skipped without curl.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use AuthTokenTest;
use AuthTokenSender;
use Cwd qw(getcwd);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @MODULES = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
@MODULES = (getcwd() . '/build/ngx_http_auth_token_module.so',
            '/usr/lib/nginx/modules/ngx_http_echo_module.so') unless @MODULES;

my $PORT = ($ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984) + 10;

my $ROOT = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-curl';
$ROOT = getcwd() . "/$ROOT" unless $ROOT =~ m{^/};
$ROOT =~ s{/+$}{};

my $KEYS = AuthTokenTest::keys_dir();
my $SKEYS = AuthTokenSender::keys_dir();
my $ERRLOG = "$ROOT/logs/error.log";

plan skip_all => "$NGINX is not executable" unless -x $NGINX;
plan skip_all => "module $MODULES[0] not found" unless -f $MODULES[0];
plan skip_all => 'curl is not installed' unless `curl --version 2>/dev/null` =~ /^curl/;

my $pid;

END {
    my $status = $?;
    stop_nginx();
    $? = $status;
}

$SIG{INT} = $SIG{TERM} = sub { stop_nginx(); exit 1 };

sub slurp {
    my $f = shift;
    open my $fh, '<', $f or return '';
    local $/;
    return scalar <$fh> // '';
}

sub port_free {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT,
                                  Proto => 'tcp', Timeout => 0.5);
    return !$s;
}

sub start_nginx {
    my @cmd = ($NGINX, '-p', "$ROOT/", '-c', "$ROOT/conf/nginx.conf", '-e', $ERRLOG);
    $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        eval { require 'syscall.ph'; syscall(&SYS_prctl, 1, 15) };
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$ROOT/logs/stderr";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    my $deadline = time + 10;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            undef $pid;
            diag("nginx failed to start:\n" . slurp("$ROOT/logs/stderr") . slurp($ERRLOG));
            return 0;
        }
        return 1 unless port_free();
        sleep 0.02;
    }
    diag("nginx does not listen on $PORT:\n" . slurp($ERRLOG));
    return 0;
}

sub stop_nginx {
    return unless $pid;
    my $p = $pid;
    undef $pid;
    kill 'QUIT', $p;
    for (1 .. 500) {
        return if waitpid($p, WNOHANG) == $p;
        sleep 0.01;
    }
    kill 'KILL', $p;
    waitpid($p, 0);
}

# curl over TLS: (status, WWW-Authenticate headers joined, body)
sub curl {
    my ($path, $cert, @headers) = @_;
    my @cmd = ('curl', '-sS', '-k', '--max-time', '10', '-D', '-',
               "https://127.0.0.1:$PORT$path");
    push @cmd, '--cert', "$SKEYS/$cert.pem", '--key', "$SKEYS/$cert.key" if $cert;
    push @cmd, map { ('-H', $_) } @headers;
    open my $fh, '-|', @cmd or die "curl: $!\n";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    my ($head, $body) = split /\r\n\r\n/, $out, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\S+ (\d+)};
    my $www = join ', ', ($head // '') =~ /^WWW-Authenticate: ([^\r\n]*)/mgi;
    return ($status // 0, $www, $body // '');
}

remove_tree($ROOT);
make_path("$ROOT/conf", "$ROOT/logs");

{
    my $load = join '', map { "load_module $_;\n" } @MODULES;
    my $user = $> == 0 ? "user root;\n" : '';
    my $temps = join '', map { "    ${_}_temp_path $ROOT/${_}_temp;\n" }
                qw(client_body proxy fastcgi uwsgi scgi);
    open my $fh, '>', "$ROOT/conf/nginx.conf" or die "$!\n";
    print $fh <<"_EOC_";
$load
$user
master_process off;
daemon off;
error_log $ERRLOG info;
pid $ROOT/logs/nginx.pid;

events {
    worker_connections 64;
}

http {
$temps
    access_log off;
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$PORT ssl;
        server_name localhost;
        ssl_certificate $SKEYS/server.pem;
        ssl_certificate_key $SKEYS/server.key;
        ssl_verify_client optional_no_ca;

        auth_token_jwks_file $KEYS/jwks.json;

        location /api {
            auth_token "api";
            auth_token_cert_binding on;
            echo "status=[\$auth_token_status] x5t=[\$auth_token_cnf_x5t]";
        }

        location /dpop {
            auth_token "api";
            auth_token_cert_binding required;
            auth_token_dpop required;
            auth_token_dpop_origin \$scheme://\$http_host;
            echo "status=[\$auth_token_status] jkt=[\$auth_token_dpop_jkt]";
        }
    }
}
_EOC_
    close $fh;
}

ok(start_nginx(), 'nginx started') or BAIL_OUT('nginx did not start');

my $x5t = AuthTokenSender::x5t('client');
my $token = AuthTokenSender::mtls_token(cert => 'client');
my $auth = "Authorization: Bearer $token";

my ($st, $www, $body) = curl('/api', 'client', $auth);
is($st, 200, 'curl --cert client.pem: 200');
is($body, "status=[valid] x5t=[$x5t]\n", 'the binding holds, $auth_token_cnf_x5t');

($st, $www) = curl('/api', 'client2', $auth);
is($st, 401, 'curl --cert client2.pem: 401');
is($www, 'Bearer realm="api", error="invalid_token", error_description="Client certificate does not match the token"',
   'another certificate: binding_mismatch');

($st, $www) = curl('/api', undef, $auth);
is($st, 401, 'curl without a certificate: 401');
is($www, 'Bearer realm="api", error="invalid_token", error_description="No client certificate"',
   'no certificate: binding_mismatch');

($st) = curl('/api', 'client2', 'Authorization: Bearer ' . AuthTokenTest::jwt());
is($st, 200, 'a token without a binding passes with any certificate ("on")');

# DPoP and the certificate on one token, the htu as curl sends it
my $d = AuthTokenSender::dpop_parts(htu => "https://localhost:$PORT/dpop",
                                    token => { x5t => $x5t });
my @dpop = ("Authorization: DPoP $d->{token}", "DPoP: $d->{proof}",
            "Host: localhost:$PORT");

($st, $www) = curl('/dpop', 'client2', @dpop);
is($st, 401, 'DPoP and another certificate: 401');
like($www, qr/^DPoP realm="api", error="invalid_token", error_description="Client certificate does not match the token", algs="[^"]+"\z/,
     'DPoP and another certificate: the DPoP challenge only (required)');

($st, $www, $body) = curl('/dpop', 'client', @dpop);
is($st, 200, 'DPoP and the right certificate: 200 (the refusal did not consume the jti)');
is($body, "status=[valid] jkt=[$d->{jkt}]\n", 'DPoP: $auth_token_dpop_jkt');

($st, $www) = curl('/dpop', 'client', @dpop);
is($st, 401, 'the same proof again: 401');
like($www, qr/error="invalid_dpop_proof", error_description="DPoP proof has been used before"/,
     'the same proof again: a replay');

stop_nginx();

my $log = slurp($ERRLOG);
unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'no alert in the error log');
like($log, qr/auth_token: 401: Client certificate does not match the token \(binding_mismatch\)/,
     'one info line per refusal');

done_testing();
