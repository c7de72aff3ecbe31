# gRPC clients, for real: Debian's python3-grpcio (t/lib/grpc_check.py)
# calls through the gateway (HTTP/2 without TLS, grpc_pass to a gRPC
# server in the same Python process).  A refusal must reach the client as
# a gRPC status it can map (HTTP 200, grpc-status and grpc-message in a
# headers-only response): UNAUTHENTICATED for 401, PERMISSION_DENIED for
# 403, UNAVAILABLE for 503; an accepted token reaches the server with the
# claim header.  Without this, grpcio guesses a code from the HTTP status
# and loses the reason ("Received http2 header with status: 401"); other
# gRPC clients report UNKNOWN or UNAVAILABLE.
#
# Test::Nginx::Socket cannot speak HTTP/2, so this suite is a plain
# Test::More script that starts nginx itself (as t/029-examples.t does).
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES (our module),
# TEST_NGINX_SERVER_PORT (ours are it + 80 and + 81; default 2380, 2381),
# TEST_NGINX_SERVROOT (ours is it with "-grpc" appended).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use AuthTokenTest;
use Cwd qw(getcwd);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use JSON::PP ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @MODULES = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
@MODULES = (getcwd() . '/build/ngx_http_auth_token_module.so') unless @MODULES;
my ($MODULE) = grep { /ngx_http_auth_token_module/ } @MODULES;

my $BASE = $ENV{TEST_NGINX_SERVER_PORT} ? $ENV{TEST_NGINX_SERVER_PORT} + 80
                                        : 2380;
my ($PORT, $BACKEND) = ($BASE, $BASE + 1);

my $ROOT = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-grpc';
$ROOT = getcwd() . "/$ROOT" unless $ROOT =~ m{^/};

my $PYTHON = '/usr/bin/python3';
my $CLIENT = getcwd() . '/t/lib/grpc_check.py';
my $KEYS = AuthTokenTest::keys_dir();

plan skip_all => "$NGINX is not executable" unless -x $NGINX;
plan skip_all => 'our module is needed (TEST_NGINX_LOAD_MODULES)'
    unless $MODULE && -f $MODULE;

# python3-grpcio is installed by the Makefile's deps; missing, it is an
# error, not a skip
system($PYTHON, '-c', 'import grpc') == 0
    or BAIL_OUT("$PYTHON cannot import grpc (apt-get install python3-grpcio)");

my $pid;

END {
    my $status = $?;
    if ($pid) {
        kill 'QUIT', $pid;
        waitpid($pid, 0);
    }
    $? = $status;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    return scalar <$fh>;
}

sub port_free {
    my ($port) = @_;
    return !IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp');
}

remove_tree($ROOT);
make_path("$ROOT/logs", "$ROOT/conf");

open my $fh, '>', "$ROOT/conf/nginx.conf" or die "$ROOT/conf/nginx.conf: $!";
print $fh <<"_EOC_";
load_module $MODULE;
daemon off;
master_process off;
pid $ROOT/logs/nginx.pid;
error_log $ROOT/logs/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    auth_token_zone tokens:1m;

    server {
        listen 127.0.0.1:$PORT http2;

        location /test.Echo/ {
            auth_token "api";
            auth_token_jwks_file $KEYS/jwks.json;
            auth_token_scope read;
            auth_token_claim_header X-User sub;
            grpc_pass grpc://127.0.0.1:$BACKEND;
        }

        location /test.Down/ {
            auth_token "api";
            auth_token_jwks_request /_jwks;
            grpc_pass grpc://127.0.0.1:$BACKEND;
        }

        location = /_jwks {
            internal;
            return 500;
        }
    }
}
_EOC_
close $fh;

ok(port_free($PORT) && port_free($BACKEND), "ports $PORT and $BACKEND are free")
    or BAIL_OUT('ports in use (set TEST_NGINX_SERVER_PORT)');

$pid = fork // die "fork: $!\n";
if ($pid == 0) {
    open STDOUT, '>>', "$ROOT/logs/stderr";
    open STDERR, '>&', \*STDOUT;
    exec $NGINX, '-p', "$ROOT/", '-c', "$ROOT/conf/nginx.conf";
    POSIX::_exit(127);
}

my $deadline = time + 5;
sleep 0.02 while port_free($PORT) && time < $deadline
                 && waitpid($pid, WNOHANG) != $pid;
ok(!port_free($PORT), 'nginx listens (HTTP/2)')
    or BAIL_OUT(slurp("$ROOT/logs/stderr") . slurp("$ROOT/logs/error.log"));

my @calls = (
    { name => 'no token', method => '/test.Echo/Call',
      expect => { code => 'UNAUTHENTICATED', details => 'No token', reply => '' } },
    { name => 'an expired token', method => '/test.Echo/Call',
      token => AuthTokenTest::jwt(claims => { exp => time() - 100 }),
      expect => { code => 'UNAUTHENTICATED', details => 'Token expired', reply => '' } },
    { name => 'a bad signature', method => '/test.Echo/Call',
      token => AuthTokenTest::jwt() =~ s/.{8}\z/AAAAAAAA/r,
      expect => { code => 'UNAUTHENTICATED', details => 'Signature verification failed', reply => '' } },
    { name => 'a missing scope', method => '/test.Echo/Call',
      token => AuthTokenTest::jwt(claims => { scope => 'write' }),
      expect => { code => 'PERMISSION_DENIED', details => 'Token lacks a required scope', reply => '' } },
    { name => 'keys unavailable', method => '/test.Down/Call',
      token => AuthTokenTest::jwt(),
      expect => { code => 'UNAVAILABLE', details => 'No signing keys available', reply => '' } },
    { name => 'a valid token', method => '/test.Echo/Call',
      token => AuthTokenTest::jwt(claims => { scope => 'read', sub => 'alice' }),
      expect => { code => 'OK', details => '', reply => 'user=alice' } },
);

my $json = JSON::PP->new->canonical;
my $in = $json->encode([map { my %c = %$_; delete @c{qw(name expect)}; \%c } @calls]);

my $out = '';
{
    open my $p, '-|', $PYTHON, $CLIENT, $PORT, $BACKEND, $in
        or die "$CLIENT: $!\n";
    local $/;
    $out = <$p>;
    close $p;
}

my $got = eval { $json->decode($out) };
ok($got && @$got == @calls, 'the client made every call') or diag($out);

for my $i (0 .. $#calls) {
    is_deeply($got->[$i], $calls[$i]{expect}, "gRPC: $calls[$i]{name}")
        or diag($json->encode($got->[$i]));
}

# one log line per refusal, as for any client
my $log = slurp("$ROOT/logs/error.log");
like($log, qr/auth_token: 401: Token expired \(expired\)/, 'the refusal is logged');
unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'no alert in the error log');

done_testing();
