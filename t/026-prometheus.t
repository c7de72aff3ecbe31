# The real thing: Debian's Prometheus (package prometheus, in the
# Makefile's DEB_PACKAGES) scrapes the gateway's auth_token_metrics
# location every second, and what it stores is what the gateway counted.
#
# Before the blocks run, this suite
#   - checks examples/prometheus/auth_token.rules.yml with "promtool check
#     rules", runs its unit tests (auth_token.rules.test.yml) with
#     "promtool test rules", and checks the scrape configuration
#     examples/prometheus/prometheus.yml with "promtool check config";
#   - starts Prometheus (the child of a guard process) on a free
#     port from 7990 up, with its own storage in a temporary directory, a
#     1 s scrape interval and evaluation interval, the rules file, and one
#     target: the gateway's /metrics on the port the blocks' nginx listens
#     on (TEST_NGINX_SERVER_PORT).  Prometheus is stopped when the suite
#     ends, also when it fails or is interrupted (END, SIGINT, SIGTERM),
#     and by its guard if this process dies without them (SIGKILL).
#
# The blocks are ordinary Test::Nginx blocks; the checks that need
# Prometheus or promtool are perl functions run by the response_body_like
# regex itself (a (??{ }) group: see holds()), after the block's requests,
# while its nginx still runs:
#   - promtool_ok(): "promtool check metrics" accepts the body (the text
#     format and Prometheus' naming and HELP/TYPE conventions);
#   - prometheus(): queries the HTTP API (/api/v1/query) until a sample
#     scraped after the check started has the expected value (20 s at
#     most; nginx restarts between blocks, so older samples are ignored).
#
# Environment: TEST_NGINX_PROMETHEUS and TEST_NGINX_PROMTOOL (default: the
# commands on PATH, or /usr/bin); skipped when they are missing.

use lib 't/lib';
use Test::Nginx::Socket;
use AuthTokenTest;
use Cwd qw(abs_path);
use File::Spec ();
use File::Temp ();
use HTTP::Tiny ();
use IO::Socket::INET ();
use JSON::PP ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

sub command {
    my ($env, $name) = @_;
    return $ENV{$env} if $ENV{$env};
    for my $dir (split(/:/, $ENV{PATH} // ''), '/usr/bin') {
        return "$dir/$name" if -x "$dir/$name";
    }
    return undef;
}

our $PROMETHEUS = command('TEST_NGINX_PROMETHEUS', 'prometheus');
our $PROMTOOL = command('TEST_NGINX_PROMTOOL', 'promtool');

if (!$PROMETHEUS || !$PROMTOOL) {
    plan skip_all => 'prometheus and promtool are needed (Debian: apt-get install --no-install-recommends prometheus)';
} else {
    plan 'no_plan';
}

master_on();
workers(2);

our $EXAMPLES = abs_path(File::Spec->catdir(AuthTokenTest::keys_dir(), '..', '..', 'examples', 'prometheus'));
our $RULES = "$EXAMPLES/auth_token.rules.yml";
our $DIR = File::Temp->newdir('auth-token-prometheus-XXXXXX', TMPDIR => 1);
our $MAIN = $$;
our ($PID, $PORT);

# ------------------------------------------------------------ the rules file

sub run_tool {
    my (@cmd) = @_;
    my $out = `cd '$EXAMPLES' && @cmd 2>&1`;
    return ($? >> 8, $out);
}

{
    my ($rc, $out) = run_tool($PROMTOOL, 'check', 'rules', 'auth_token.rules.yml');
    is($rc, 0, 'promtool check rules examples/prometheus/auth_token.rules.yml') or diag($out);
    like($out, qr/SUCCESS: 11 rules found/, 'the rules file has its 11 rules') or diag($out);
    ($rc, $out) = run_tool($PROMTOOL, 'test', 'rules', 'auth_token.rules.test.yml');
    is($rc, 0, 'promtool test rules examples/prometheus/auth_token.rules.test.yml') or diag($out);
    ($rc, $out) = run_tool($PROMTOOL, 'check', 'config', 'prometheus.yml');
    is($rc, 0, 'promtool check config examples/prometheus/prometheus.yml') or diag($out);
}

# ------------------------------------------------------------ Prometheus

sub stop_prometheus {
    return unless $PID && $$ == $MAIN;
    my $p = $PID;
    undef $PID;
    kill 'TERM', $p;
    for (1 .. 500) {
        return if waitpid($p, WNOHANG) == $p;
        sleep 0.01;
    }
    kill 'KILL', $p;
    waitpid($p, 0);
}

END {
    my $status = $?;
    stop_prometheus();
    $? = $status;
}

$SIG{INT} = $SIG{TERM} = sub { stop_prometheus(); exit 1 };

sub free_port {
    for (1 .. 200) {
        my $port = 7990 + int rand 2000;
        next if $port == server_port();
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                      Proto => 'tcp', Listen => 1, ReuseAddr => 0)
            or next;
        close $s;
        return $port;
    }
    die "no free port for Prometheus from 7990 up\n";
}

sub log_text {
    open my $fh, '<', "$DIR/prometheus.log" or return '';
    local $/;
    return scalar <$fh>;
}

our $HTTP = HTTP::Tiny->new(timeout => 5);

sub start_prometheus {
    $PORT = free_port();
    my $target = '127.0.0.1:' . server_port();
    open my $fh, '>', "$DIR/prometheus.yml" or die "$DIR/prometheus.yml: $!\n";
    print $fh <<"_EOC_";
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s

rule_files:
  - $RULES

scrape_configs:
  - job_name: gateway
    metrics_path: /metrics
    static_configs:
      - targets: ['$target']
_EOC_
    close $fh;

    my @cmd = ($PROMETHEUS, "--config.file=$DIR/prometheus.yml",
               "--storage.tsdb.path=$DIR/data",
               "--web.listen-address=127.0.0.1:$PORT", '--log.level=warn');
    # a guard process: Prometheus' parent, which stops it when told to
    # (SIGTERM) or when this process is gone (even killed with SIGKILL)
    my $parent = $$;
    $PID = fork // die "fork: $!\n";
    if ($PID == 0) {
        my $prom = fork // POSIX::_exit(127);
        if ($prom == 0) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>', "$DIR/prometheus.log";
            open STDERR, '>&', \*STDOUT;
            { no warnings 'exec'; exec { $cmd[0] } @cmd; }
            POSIX::_exit(127);
        }
        my $stop = 0;
        $SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
        while (!$stop && getppid() == $parent) {
            POSIX::_exit(1) if waitpid($prom, WNOHANG) == $prom;
            sleep 0.2;
        }
        kill 'TERM', $prom;
        for (1 .. 500) {
            POSIX::_exit(0) if waitpid($prom, WNOHANG) == $prom;
            sleep 0.01;
        }
        kill 'KILL', $prom;
        waitpid($prom, 0);
        POSIX::_exit(0);
    }

    my $deadline = time + 30;
    while (time < $deadline) {
        if (waitpid($PID, WNOHANG) == $PID) {
            undef $PID;
            die "Prometheus exited at once:\n" . log_text();
        }
        my $res = $HTTP->get("http://127.0.0.1:$PORT/-/ready");
        return if $res->{status} == 200;
        sleep 0.2;
    }
    die "Prometheus is not ready after 30 s:\n" . log_text();
}

start_prometheus();
ok($PID, "Prometheus $PROMETHEUS started on 127.0.0.1:$PORT, scraping 127.0.0.1:" . server_port());

# ------------------------------------------------------------ checks

# A regex that matches a response body when $check->(body) returns ''
# (and fails, with the reason as a diagnostic, otherwise).  The check runs
# in a (??{ }) group: inside it, $_ is the string being matched.
sub holds {
    my ($what, $check) = @_;
    return qr/\A(??{ main::verdict($what, $check, $_) })/s;
}

sub verdict {
    my ($what, $check, $body) = @_;
    my $why = eval { $check->($body) };
    $why = "died: $@" unless defined $why;
    return '' if $why eq '';
    Test::More::diag("$what: $why");
    return '(*FAIL)';
}

# "promtool check metrics" accepts the body: '' or its complaints
sub promtool_ok {
    return holds('promtool check metrics', sub {
        my ($body) = @_;
        my $file = "$DIR/scrape.txt";
        open my $fh, '>', $file or return "$file: $!";
        print $fh $body;
        close $fh;
        my $out = `'$PROMTOOL' check metrics < '$file' 2>&1`;
        my $rc = $? >> 8;
        return $rc == 0 && $out !~ /\S/ ? '' : "exit $rc: $out";
    });
}

# /api/v1/query: the samples of an instant query, [ [labels, time, value] ]
sub query {
    my ($q) = @_;
    my $res = $HTTP->get("http://127.0.0.1:$PORT/api/v1/query?query="
                         . join('', map { sprintf '%%%02X', ord } split //, $q));
    die "query $q: HTTP $res->{status} $res->{content}\n" unless $res->{status} == 200;
    my $j = JSON::PP->new->decode($res->{content});
    die "query $q: $res->{content}\n" unless $j->{status} eq 'success';
    return [ map { [ $_->{metric}, $_->{value}[0], $_->{value}[1] ] } @{ $j->{data}{result} } ];
}

# Prometheus, asked until every query (query => expected value, or a regex
# for it) has exactly one sample, scraped after the check started, with
# that value (undef: no sample at all), 20 s at most; and every rule of
# the rules file evaluated without error.
sub prometheus {
    my (%want) = @_;
    return holds('prometheus', sub {
        my $since = time;
        my $deadline = $since + 20;
        my @why;
        while (1) {
            @why = ();
            for my $q (sort keys %want) {
                my $r = query($q);
                my $w = $want{$q};
                if (!defined $w) {
                    push @why, "$q: " . scalar(@$r) . " samples, want none" if @$r;
                } elsif (@$r != 1) {
                    push @why, "$q: " . scalar(@$r) . " samples";
                } elsif ($r->[0][1] < $since) {
                    push @why, "$q: no sample scraped since the check started";
                } elsif (ref $w eq 'Regexp' ? $r->[0][2] !~ $w : $r->[0][2] != $w) {
                    push @why, "$q is $r->[0][2], want $w";
                }
            }
            my $rules = JSON::PP->new->decode($HTTP->get("http://127.0.0.1:$PORT/api/v1/rules")->{content});
            my @rules = map { @{ $_->{rules} } } @{ $rules->{data}{groups} };
            push @why, scalar(@rules) . " rules loaded" if @rules != 11;
            push @why, map { "rule $_->{name}: $_->{health} " . ($_->{lastError} // "") }
                       grep { $_->{health} ne 'ok' } @rules;
            last if !@why || time > $deadline;
            sleep 0.25;
        }
        return join '; ', @why;
    });
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(config => $block->config . <<'_EOC_') if defined $block->config;

    location = /metrics { auth_token off; auth_token_metrics; }
    location = /sleep { auth_token off; echo_sleep $arg_s; echo "slept"; }
_EOC_
});

our $OK = AuthTokenTest::jwt(alg => 'RS256', claims => { exp => 4102444800 });
our $EXPIRED = AuthTokenTest::jwt(alg => 'ES256', claims => { exp => 1000000000 });
our $UNKNOWN = AuthTokenTest::jwt(alg => 'RS256', kid => 'nope', claims => { exp => 4102444800 });

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a fresh gateway: promtool accepts its scrape, Prometheus scrapes it (up 1) and stores its zone size
--- http_config
    auth_token_zone tokens:1m;
--- config
--- request eval
["GET /metrics", "GET /sleep?s=0.1"]
--- response_body_like eval
[main::promtool_ok(), main::prometheus(
    'up{job="gateway"}' => 1,
    'auth_token_zone_size_bytes{job="gateway",zone="tokens"}' => 1048576,
    'auth_token_decisions_total{job="gateway"}' => undef,
    'count({job="gateway",__name__=~"auth_token_.+"})' => qr/^[1-9]\d+$/,
)]
--- no_error_log
[error]
--- timeout: 30



=== TEST 2: a busy gateway: promtool accepts its scrape, and Prometheus has the counts: auth_token_decisions_total{reason="expired"} is 3
3 expired, 2 accepted and 1 unknown-key tokens at /api (labelled "api"),
a remote key set fetched once (8 keys), introspection answers (active,
inactive) and a failure, a per-tenant key set whose name needs encoding
(a quote, a backslash, a space, "#", UTF-8) that cannot be fetched.
--- http_config
    auth_token_zone tokens:1m;
    log_format idp '$request_method $request_uri';
    map $request_body $idp_answer {
        ~^token=active1&    '{"active":true,"sub":"alice","exp":4102444800}';
        default             '{"active":false}';
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        location /keys/ { alias $TEST_NGINX_KEYS/; }
        location = /introspect { echo_read_request_body; echo $idp_answer; }
        location = /fail { echo_read_request_body; echo_status 500; echo '{}'; }
    }
--- config
    location /api {
        auth_token "api";
        auth_token_metrics_label api;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo ok;
    }
    location /remote {
        auth_token "api";
        auth_token_metrics_label remote;
        auth_token_jwks_request /_jwks;
        echo ok;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
    location /intro {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_introspect;
        echo ok;
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location /intro-fail {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_fail;
        echo ok;
    }
    location = /_fail {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail;
    }
    location /tenant {
        auth_token "api";
        auth_token_jwks_request /_t/$http_x_tenant;
        echo ok;
    }
    location /_t/ {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/none/;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /remote", "GET /intro", "GET /intro", "GET /intro-fail", "GET /tenant",
 "GET /metrics", "GET /sleep?s=0.1"]
--- more_headers eval
[("Authorization: Bearer $main::EXPIRED") x 3, ("Authorization: Bearer $main::OK") x 2,
 "Authorization: Bearer $main::UNKNOWN", "Authorization: Bearer $main::OK",
 "Authorization: Bearer active1", "Authorization: Bearer nobody", "Authorization: Bearer active1",
 "Authorization: Bearer $main::OK\nX-Tenant: a\"b\\c d#e\xc3\xa9", "", ""]
--- error_code eval
[401, 401, 401, 200, 200, 401, 200, 200, 401, 503, 503, 200, 200]
--- response_body_like eval
[("") x 11, main::promtool_ok(), main::prometheus(
    'auth_token_decisions_total{reason="expired"}' => 3,
    'auth_token_decisions_total{job="gateway",location="api",result="accepted",reason="valid"}' => 2,
    'auth_token_decisions_total{location="api",reason="unknown_key"}' => 1,
    'sum(auth_token_decisions_total{location="intro",result="error"})' => 1,
    'sum(auth_token_idp_calls_total{endpoint="introspection"})' => 3,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="refused"}' => 1,
    'auth_token_idp_call_duration_seconds_count{endpoint="jwks"}' => 2,
    'auth_token_idp_calls_total{endpoint="jwks",outcome="error"}' => 1,
    'auth_token_jwks_keys{jwks="/_jwks"}' => 8,
    'auth_token_jwks_fetch_failures_total{jwks="/_t/a%22b%5Cc%20d%23e%C3%A9"}' => 1,
    'auth_token_signature_verifications_total{alg="ES256"}' => 3,
    'auth_token_cache_hits_total{cache="introspection"}' => 0,
    'auth_token:decisions:rate5m{location="api",reason="expired"}' => qr/^[\d.e+-]+$/,
)]
--- timeout: 30
