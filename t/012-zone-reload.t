# The remote JWKS and the verified tokens cached in auth_token_zone survive
# reloads (SIGHUP and nginx -s reload), under load.
#
# Test::Nginx restarts nginx for every block, so this suite is a plain
# Test::More script (it runs under prove like the others).  It starts
# nginx itself (master + 2 workers, daemon off, as its own child), with an
# identity provider served by the same nginx on a second port, and then:
#
#   1. a first request fetches the JWKS (one IdP call) and verifies the
#      token (MISS), the next ones find it verified (HIT); from here on four
#      load processes send valid-token requests without pause until the
#      end, each on a new connection, with a token of their own, and record
#      every answer that is not a 200;
#   2. three reloads with the same configuration (SIGHUP, then twice
#      nginx -s reload) while valid-token requests go on: every request gets
#      200, the new workers answer, their first answer is a HIT (the verified
#      token is still in the zone, same name and size), and each reload
#      makes exactly one IdP call: the key set is fetched again at once under
#      the new configuration (its internal location might point to another
#      provider now), by one request while the others wait for it;
#   3. a reload that changes the configuration (a new location) but not the
#      zone: the same;
#   4. a reload that changes the zone's size: a new zone, so one more fetch
#      and a MISS (this also shows that these checks would see a lost zone);
#   5. none of the load processes' requests failed.
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (the modules to load; default: our module from
# build/), TEST_NGINX_SERVER_PORT (ours are it + 50 and + 51; default
# 2350/2351), TEST_NGINX_SERVROOT (ours is it with "-reload" appended;
# default t/servroot-reload).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use AuthTokenTest;
use Cwd qw(abs_path getcwd);
use File::Path qw(make_path remove_tree);
use File::Copy qw(copy);
use IO::Socket::INET ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @MODULES = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
@MODULES = (getcwd() . '/build/ngx_http_auth_token_module.so') unless @MODULES;

my $BASE = $ENV{TEST_NGINX_SERVER_PORT} ? $ENV{TEST_NGINX_SERVER_PORT} + 50 : 2350;
my ($PORT, $IDP_PORT) = ($BASE, $BASE + 1);

my $ROOT = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-reload';
$ROOT = getcwd() . "/$ROOT" unless $ROOT =~ m{^/};
$ROOT =~ s{/+$}{};

my $KEYS = AuthTokenTest::keys_dir();
my $ERRLOG = "$ROOT/logs/error.log";
my $IDPLOG = "$ROOT/logs/idp.log";

plan skip_all => "$NGINX is not executable" unless -x $NGINX;
plan skip_all => "module $MODULES[0] not found" unless -f $MODULES[0];

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
    my (%o) = @_;
    my $zone = $o{zone} // '1m';
    my $extra = $o{extra} // '';
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
    worker_connections 256;
    accept_mutex off;
}

http {
    access_log $ROOT/logs/access.log;
    default_type text/plain;
$temps
    auth_token_zone tokens:$zone;

    log_format idp '\$request_method \$request_uri';

    server {
        listen 127.0.0.1:$IDP_PORT;
        server_name idp;
        access_log $IDPLOG idp;
        root $ROOT/html/idp;
    }

    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;

        location = /api {
            auth_token "api";
            auth_token_jwks_request /_jwks;
            add_header X-Pid \$pid always;
            add_header X-Age \$auth_token_jwks_age always;
            add_header X-Cache \$auth_token_cache always;
            root $ROOT/html;
        }

        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$IDP_PORT/jwks.json;
        }
$extra
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
        return 1 unless port_free($PORT) || port_free($IDP_PORT);
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

# GET $path with extra header lines; -> { status, headers => {lc name => value}, body }
sub get {
    my ($path, @headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT,
                                  Proto => 'tcp', Timeout => 5)
        or return { status => 0, error => "connect: $!" };
    $s->autoflush(1);
    print $s join("\r\n", "GET $path HTTP/1.0", 'Host: localhost', @headers, '', '');
    my $raw = '';
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    my $deadline = time + 5;
    while (time < $deadline) {
        my $r = select(my $rout = $rin, undef, undef, $deadline - time);
        last if $r <= 0;
        my $n = sysread($s, my $buf, 65536);
        last if !$n;
        $raw .= $buf;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($line, @lines) = split /\r\n/, $head // '';
    my %h;
    for (@lines) { $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/ }
    my ($status) = ($line // '') =~ m{^HTTP/\d\.\d (\d+)};
    return { status => $status // 0, headers => \%h, body => $body // '', raw => $raw };
}

my $TOKEN = 'Authorization: Bearer ' . AuthTokenTest::jwt(alg => 'RS256');

# the load's own token: only this script's requests ever present $TOKEN, so
# a HIT for it after a reload comes from the zone of before the reload
my $LOAD_TOKEN = 'Authorization: Bearer '
               . AuthTokenTest::jwt(alg => 'RS256', claims => { sub => 'load' });

my @failures;    # every non-200 answer to a valid token, for the report
my $requests = 0;

sub api {
    my $res = get('/api', $TOKEN);
    $requests++;
    push @failures, "request $requests: status $res->{status} "
        . ($res->{error} // (split /\r\n/, $res->{raw})[0] // '')
        if $res->{status} != 200;
    return $res;
}

sub idp_calls {
    my @l = grep { /\S/ } split /\n/, slurp($IDPLOG);
    return scalar @l;
}

sub worker_pids {
    my @pids;
    for my $d (glob '/proc/[0-9]*') {
        my ($p) = $d =~ m{(\d+)$};
        my $stat = slurp("$d/stat");
        next unless $stat =~ /^\d+ \(([^)]*)\) \S+ (\d+)/ && $2 == $pid;
        push @pids, $p;
    }
    return sort { $a <=> $b } @pids;
}

# A reload (SIGHUP, or "nginx -s reload" when $how is "-s"), with
# valid-token requests going on until an answer comes from a worker of the
# new generation and the old workers are gone (or 10 s).  Returns the
# X-Cache of the new generation's first answer.
sub reload_under_load {
    my ($name, $probe, $how) = @_;
    my %old = map { $_ => 1 } worker_pids();
    if (($how // '') eq '-s') {
        system($NGINX, '-p', "$ROOT/", '-c', "$ROOT/conf/nginx.conf",
               '-e', $ERRLOG, '-s', 'reload') == 0
            or die "nginx -s reload failed: $?\n";
    } else {
        kill 'HUP', $pid or die "kill HUP $pid: $!\n";
    }
    my ($new_seen, $old_gone, $first) = (0, 0, undef);
    my $deadline = time + 10;
    while (time < $deadline) {
        my $res = api();
        my $p = $res->{headers}{'x-pid'};
        if ($p && !$old{$p}) {
            $first //= $res->{headers}{'x-cache'} // '';
            $new_seen = 1;
        }
        $new_seen = 0 if $probe && get($probe)->{status} != 200;
        $old_gone = !grep { kill 0, $_ } keys %old;
        last if $new_seen && $old_gone;
    }
    ok($new_seen, "$name: a worker of the new generation answered");
    ok($old_gone, "$name: the old workers exited");
    # and some more requests to the new workers
    api() for 1 .. 20;
    return $first // '';
}

# Load: $n processes that send valid-token requests without pause, each on
# a new connection, until $ROOT/logs/stop exists; each writes its count
# and its failures to logs/load-N.
my @loaders;

sub start_load {
    my ($n) = @_;
    for my $i (1 .. $n) {
        my $child = fork // die "fork: $!\n";
        if ($child == 0) {
            my ($count, @bad) = (0);
            until (-e "$ROOT/logs/stop") {
                my $res = get('/api', $LOAD_TOKEN);
                $count++;
                push @bad, "status $res->{status} "
                    . ($res->{error} // (split /\r\n/, $res->{raw})[0] // '')
                    if $res->{status} != 200;
            }
            spew("$ROOT/logs/load-$i", join "\n", $count, @bad);
            POSIX::_exit(0);
        }
        push @loaders, $child;
    }
}

sub stop_load {
    spew("$ROOT/logs/stop", "");
    waitpid($_, 0) for @loaders;
    my ($count, @bad) = (0);
    for my $i (1 .. @loaders) {
        my ($c, @b) = split /\n/, slurp("$ROOT/logs/load-$i");
        $count += $c // 0;
        push @bad, @b;
    }
    @loaders = ();
    return ($count, @bad);
}

# ----------------------------------------------------------------- the test

die "refusing to use $ROOT\n" unless $ROOT =~ /servroot[^\/]*-reload$/;
remove_tree($ROOT);
make_path(map { "$ROOT/$_" } qw(conf logs html/idp client_body_temp proxy_temp
                                fastcgi_temp uwsgi_temp scgi_temp));
spew("$ROOT/html/api", "ok\n");
spew("$ROOT/html/new", "new\n");
copy("$KEYS/jwks.json", "$ROOT/html/idp/jwks.json") or die "copy jwks.json: $!\n";

for my $p ($PORT, $IDP_PORT) {
    BAIL_OUT("port $p is in use") unless port_free($p);
}

write_conf();
ok(start_nginx(), 'nginx started (master + 2 workers)') or BAIL_OUT('nginx did not start');

# 1. the first request fetches and verifies, the next ones find it verified
my $res = api();
is($res->{status}, 200, 'first request: 200');
is($res->{body}, "ok\n", 'first request: the content');
is($res->{headers}{'x-cache'}, 'MISS', 'first request: the token is verified (MISS)');
$res = api() for 1 .. 10;
is($res->{headers}{'x-cache'}, 'HIT', 'next requests: the token was verified before (HIT)');
is(idp_calls(), 1, 'first requests: one IdP call');

start_load(4);

# 2. reloads with the same configuration
for my $i (1 .. 3) {
    my $first = reload_under_load("reload $i (same configuration)", undef,
                                  $i == 1 ? 'HUP' : '-s');
    is($first, 'HIT', "reload $i: the new workers find the verified token (HIT)");
}
is(idp_calls(), 4, 'after 3 reloads with the same zone: one IdP call per reload');

# 3. a reload that changes the configuration but not the zone
sleep 4.1;    # so that the age of the old document shows: 4 s and more
write_conf(extra => "        location = /new { root $ROOT/html; }\n");
my $t0 = time;
my $first = reload_under_load('reload 4 (a new location)', '/new', '-s');
is($first, 'HIT', 'reload 4: the new workers find the verified token (HIT)');
is(get('/new')->{status}, 200, 'reload 4: the new location answers');
$res = api();
is($res->{status}, 200, 'reload 4: 200');
# fetched during the reload: no older than the reload (nginx's clock has
# a one-second resolution); the old document would be 4 s older than that
my $since = int(time - $t0) + 2;
like($res->{headers}{'x-age'} // '', qr/^\d+$/, 'reload 4: $auth_token_jwks_age');
cmp_ok($res->{headers}{'x-age'} // 99, '<', $since + 1,
       'reload 4: the new workers use the document fetched again under the new configuration ($auth_token_jwks_age no older than the reload)');
is(idp_calls(), 5, 'after a reload that changes the configuration: one more IdP call');

# 4. a reload that changes the zone's size: a new, empty zone
write_conf(zone => '2m',
           extra => "        location = /new { root $ROOT/html; }\n"
                  . "        location = /v5 { root $ROOT/html; try_files /new =404; }\n");
$first = reload_under_load('reload 5 (zone size 1m -> 2m)', '/v5');
is($first, 'MISS', 'reload 5: a new zone, the token is verified again (MISS)');
is(idp_calls(), 6, 'after a reload that changes the zone size: one more IdP call (new zone)');

# 5. the load
my ($count, @lost) = stop_load();
cmp_ok($count, '>', 100, "the load processes sent $count requests");
is(scalar @lost, 0, "every one of the load processes' $count requests got 200")
    or diag(join "\n", @lost[0 .. ($#lost < 19 ? $#lost : 19)]);

is(scalar @failures, 0, "every one of $requests requests with a valid token got 200")
    or diag(join "\n", @failures[0 .. ($#failures < 19 ? $#failures : 19)]);

my $log = slurp($ERRLOG);
my @bad = grep { /\[(?:alert|crit|emerg)\]|exited on signal|auth_token: 50[03]/ } split /^/, $log;
is(scalar @bad, 0, 'no alert, crit, emerg, crash or 503 in error.log') or diag(join '', @bad);

my @loads = $log =~ /(auth_token: JWKS "\/_jwks" loaded: [^\n]*?)(?: while|$)/mg;
is(scalar @loads, 2, 'the JWKS was loaded twice (before the reloads, then into the new zone)')
    or diag(join "\n", @loads);

stop_nginx();
done_testing();
