# Reissue across worker processes: a burst of concurrent requests with the
# same client token and parameters makes one call to the identity provider,
# whichever worker each request lands in.
#
# Test::Nginx runs one worker without a master, so this suite is a plain
# Test::More script (it runs under prove like the others).  It starts nginx
# itself (master + 2 workers, daemon off, as its own child, "listen ...
# reuseport" so that the kernel spreads the connections over both workers),
# with an identity provider served by the same nginx on a second port that
# answers after 0.5 s, and then:
#
#   1. sends 24 requests at once (24 connections, all written before any
#      answer is read): every one gets 200 with the new token, answers come
#      from both workers, and the IdP is called once;
#   2. 24 more requests with the same token: from the cache, still one call;
#   3. a burst for another target, which the IdP refuses (slowly): every
#      request gets 403, the IdP is called once for it.
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (the modules to load, ours and the echo module;
# default: build/ and Debian's echo module), TEST_NGINX_SERVER_PORT (ours
# are it + 60 and + 61; default 2360/2361), TEST_NGINX_SERVROOT (ours is it
# with "-burst" appended; default t/servroot-burst).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use AuthTokenTest;
use Cwd qw(getcwd);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @MODULES = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
@MODULES = (getcwd() . '/build/ngx_http_auth_token_module.so',
            '/usr/lib/nginx/modules/ngx_http_echo_module.so') unless @MODULES;

my $BASE = $ENV{TEST_NGINX_SERVER_PORT} ? $ENV{TEST_NGINX_SERVER_PORT} + 60 : 2360;
my ($PORT, $IDP_PORT) = ($BASE, $BASE + 1);

my $ROOT = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-burst';
$ROOT = getcwd() . "/$ROOT" unless $ROOT =~ m{^/};
$ROOT =~ s{/+$}{};

my $KEYS = AuthTokenTest::keys_dir();
my $ERRLOG = "$ROOT/logs/error.log";
my $IDPLOG = "$ROOT/logs/idp.log";
my $N = 24;

plan skip_all => "$NGINX is not executable" unless -x $NGINX;
for my $m (@MODULES) {
    plan skip_all => "module $m not found" unless -f $m;
}
plan skip_all => 'the echo module is needed (TEST_NGINX_LOAD_MODULES)'
    unless grep { /echo/ } @MODULES;

my $pid;    # nginx master, our child

END {
    my $status = $?;
    stop_nginx();
    $? = $status;
}

$SIG{INT} = $SIG{TERM} = sub { stop_nginx(); exit 1 };
$SIG{PIPE} = 'IGNORE';

# ----------------------------------------------------------------- helpers

sub slurp {
    my $f = shift;
    open my $fh, '<', $f or return '';
    local $/;
    return scalar <$fh> // '';
}

sub spew {
    my ($f, $data) = @_;
    open my $fh, '>', $f or die "cannot write $f: $!\n";
    print $fh $data;
    close $fh or die "cannot write $f: $!\n";
}

sub port_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 0.5);
    return !$s;
}

sub write_conf {
    my $load = join '', map { "load_module $_;\n" } @MODULES;
    my $user = $> == 0 ? "user root;\n" : '';
    my $temps = join '', map { "    ${_}_temp_path $ROOT/${_}_temp;\n" }
                qw(client_body proxy fastcgi uwsgi scgi);
    spew("$ROOT/conf/nginx.conf", <<"_EOC_");
$load
$user
master_process on;
daemon off;
worker_processes 2;
error_log $ERRLOG info;
pid $ROOT/logs/nginx.pid;

events {
    worker_connections 512;
    accept_mutex off;
}

http {
    access_log $ROOT/logs/access.log;
    default_type text/plain;
$temps
    auth_token_zone tokens:1m;

    log_format idp '\$request_method \$request_uri';

    server {
        listen 127.0.0.1:$IDP_PORT;
        server_name idp;

        location /echo {
            echo "auth=\$http_authorization";
        }
        location = /exchange/ok {
            access_log $IDPLOG idp;
            echo_sleep 0.5;
            echo '{"access_token":"downstream-burst","token_type":"Bearer","expires_in":600}';
        }
        location = /exchange/deny {
            access_log $IDPLOG idp;
            echo_status 400;
            echo_sleep 0.5;
            echo '{"error":"invalid_target"}';
        }
    }

    server {
        listen 127.0.0.1:$PORT reuseport;
        server_name localhost;

        auth_token "api";
        auth_token_jwks_file $KEYS/jwks.json;
        auth_token_reissue_param audience "orders";
        add_header X-Pid \$pid always;

        location /ok {
            auth_token_reissue_request /_exchange_ok;
            proxy_pass http://127.0.0.1:$IDP_PORT/echo;
        }
        location /deny {
            auth_token_reissue_request /_exchange_deny;
            proxy_pass http://127.0.0.1:$IDP_PORT/echo;
        }
        location = /_exchange_ok {
            internal;
            proxy_pass http://127.0.0.1:$IDP_PORT/exchange/ok;
        }
        location = /_exchange_deny {
            internal;
            proxy_pass http://127.0.0.1:$IDP_PORT/exchange/deny;
        }
    }
}
_EOC_
}

sub start_nginx {
    my @cmd = ($NGINX, '-p', "$ROOT/", '-c', "$ROOT/conf/nginx.conf", '-e', $ERRLOG);
    $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        # our child: SIGTERM when we die (PR_SET_PDEATHSIG)
        eval { require 'syscall.ph'; syscall(&SYS_prctl, 1, 15) };
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$ROOT/logs/stderr";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    my $deadline = time + 5;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            undef $pid;
            diag("nginx failed to start:\n" . slurp("$ROOT/logs/stderr") . slurp($ERRLOG));
            return 0;
        }
        # both workers up: with reuseport each has its own listening socket
        my @workers = worker_pids();
        return 1 if @workers == 2 && !port_free($PORT) && !port_free($IDP_PORT);
        sleep 0.01;
    }
    diag("nginx does not listen on $PORT and $IDP_PORT:\n" . slurp($ERRLOG));
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
    kill 'TERM', $p;
    for (1 .. 200) {
        return if waitpid($p, WNOHANG) == $p;
        sleep 0.01;
    }
    kill 'KILL', $p;
    waitpid($p, 0);
}

sub worker_pids {
    return () unless $pid;
    my @pids;
    for my $d (glob '/proc/[0-9]*') {
        my ($p) = $d =~ m{(\d+)$};
        my $stat = slurp("$d/stat");
        next unless $stat =~ /^\d+ \(([^)]*)\) \S+ (\d+)/ && $2 == $pid;
        push @pids, $p;
    }
    return sort { $a <=> $b } @pids;
}

sub parse {
    my $raw = shift;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($line, @lines) = split /\r\n/, $head // '';
    my %h;
    for (@lines) { $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/ }
    my ($status) = ($line // '') =~ m{^HTTP/\d\.\d (\d+)};
    return { status => $status // 0, headers => \%h, body => $body // '', raw => $raw };
}

# $n requests for $path at once: every request is written before any
# answer is read; -> list of parsed answers
sub burst {
    my ($path, $n, @headers) = @_;
    my @socks;
    for (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT,
                                      Proto => 'tcp', Timeout => 5)
            or do { push @socks, undef; next };
        push @socks, $s;
    }
    for my $s (grep { defined } @socks) {
        $s->autoflush(1);
        print $s join("\r\n", "GET $path HTTP/1.0", 'Host: localhost', @headers, '', '');
    }
    my @res;
    my $deadline = time + 10;
    for my $s (@socks) {
        if (!$s) {
            push @res, { status => 0, headers => {}, body => '', raw => 'connect failed' };
            next;
        }
        my $raw = '';
        my $rin = '';
        vec($rin, fileno($s), 1) = 1;
        while (time < $deadline) {
            my $r = select(my $rout = $rin, undef, undef, $deadline - time);
            last if $r <= 0;
            my $got = sysread($s, my $buf, 65536);
            last if !$got;
            $raw .= $buf;
        }
        close $s;
        push @res, parse($raw);
    }
    return @res;
}

sub idp_calls {
    my $uri = shift;
    return scalar grep { $_ eq "POST $uri" } split /\n/, slurp($IDPLOG);
}

sub summary {
    my %n;
    $n{"$_->{status} " . ($_->{body} =~ s/\s+$//r)}++ for @_;
    return join ', ', map { "$n{$_} x [$_]" } sort keys %n;
}

# ----------------------------------------------------------------- the test

die "refusing to use $ROOT\n" unless $ROOT =~ /servroot[^\/]*-burst$/;
remove_tree($ROOT);
make_path(map { "$ROOT/$_" } qw(conf logs html client_body_temp proxy_temp
                                fastcgi_temp uwsgi_temp scgi_temp));

for my $p ($PORT, $IDP_PORT) {
    BAIL_OUT("port $p is in use") unless port_free($p);
}

write_conf();
ok(start_nginx(), 'nginx started (master + 2 workers)') or BAIL_OUT('nginx did not start');

my $token = 'Authorization: Bearer ' . AuthTokenTest::jwt(alg => 'ES256');

# 1. a burst, nothing cached yet
my $t0 = time;
my @res = burst('/ok', $N, $token);
my $took = time - $t0;
is(scalar(grep { $_->{status} == 200 && $_->{body} eq "auth=Bearer downstream-burst\n" } @res),
   $N, "burst: all $N requests got 200 and the new token") or diag(summary(@res));
my %pids = map { ($_->{headers}{'x-pid'} // '') => 1 } @res;
is(scalar(grep { length } keys %pids), 2, 'burst: both workers answered')
    or diag('answered by: ' . join(' ', keys %pids));
is(idp_calls('/exchange/ok'), 1, 'burst: one IdP call for all workers');
cmp_ok($took, '<', 3, 'burst: no request waited for more than one call (took '
       . sprintf('%.2f', $took) . ' s)');

# 2. the same again: from the cache
@res = burst('/ok', $N, $token);
is(scalar(grep { $_->{status} == 200 && $_->{body} eq "auth=Bearer downstream-burst\n" } @res),
   $N, "cached: all $N requests got 200 and the new token") or diag(summary(@res));
is(idp_calls('/exchange/ok'), 1, 'cached: still one IdP call');

# 3. a burst that the IdP refuses: the refusal is shared
@res = burst('/deny', $N, $token);
is(scalar(grep { $_->{status} == 403 } @res), $N, "refused burst: all $N requests got 403")
    or diag(summary(@res));
is(scalar(grep { ($_->{headers}{'www-authenticate'} // '') eq
                 'Bearer realm="api", error="insufficient_scope", '
                 . 'error_description="Token exchange refused for this target"' } @res),
   $N, 'refused burst: every 403 says insufficient_scope');
is(idp_calls('/exchange/deny'), 1, 'refused burst: one IdP call for all workers');

my $log = slurp($ERRLOG);
my @bad = grep { /\[(?:alert|crit|emerg)\]|exited on signal|gave up waiting|reissue failed/ }
          split /^/, $log;
is(scalar @bad, 0, 'no alert, crit, emerg, crash, give-up or failure in error.log')
    or diag(join '', @bad);

stop_nginx();
done_testing();
