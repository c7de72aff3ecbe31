package Test::Nginx::Socket;

=head1 NAME

Test::Nginx::Socket (compat) - a compact stand-in for openresty's test-nginx

=head1 SYNOPSIS

    # only when the real one is missing (it is not packaged in Debian):
    perl -MTest::Nginx::Socket -e1 2>/dev/null || prove -I t/compat -r t/

=head1 DESCRIPTION

Runs the C<t/NNN-*.t> suites written for openresty's Test::Nginx::Socket
unchanged. The real module, when installed, takes precedence (the Makefile
adds C<-I t/compat> only when C<perl -MTest::Nginx::Socket -e1> fails).
Blocks are parsed by Test::Base (Debian: libtest-base-perl); nothing else
beyond perl core is needed.

Supported: the helpers C<repeat_each workers master_on master_off log_level
no_shuffle no_long_string no_root_location add_block_preprocessor
env_to_nginx worker_connections timeout config_preamble server_port
server_root html_dir run_tests>, and the sections C<config http_config
main_config post_main_config user_files log_level must_die server_name init
request (also eval/array) more_headers raw_request raw_request_middle_delay
pipelined_requests timeout wait shutdown abort ignore_response
server_addr_for_client error_code(_like) response_body(_like, _unlike)
response_headers(_like) raw_response_headers_like/unlike error_log
no_error_log grep_error_log(_out) access_log no_access_log shutdown_error_log
no_shutdown_error_log skip_nginx skip_eval no_check_leak> (a no-op: there is
no check-leak mode here) and the Test::Base markers C<ONLY SKIP LAST>. Other
test-nginx sections (tcp_listen, udp_listen, stap, http2, curl, http09,
reload_fails, ...) fail the block with a clear message instead of being
silently ignored.

Any other section name fails the block too, naming the section and the
nearest known one (C<--- response_body_likes>: "did you mean
'--- response_body_like'?"), whether it comes from the data or from a block
preprocessor; so does a line that looks like a section header but that
Test::Base keeps as text (C<---error_code: 404>, no space). A suite whose
own preprocessor consumes sections of its own declares them with
C<push @Test::Nginx::Socket::ExtraSections, 'name'> (harmless under the real
harness).

Self-test (passing blocks pass, and every kind of wrong expectation fails):
C<t/compat/selftest/run>, which C<make test> runs before the suites.

Differences from the real harness that a suite author must know:

=over

=item * nginx runs with C<daemon off> as our own child (fast restarts, no
pid-file races); it is started and stopped around every block; blocks run in
file order (the real one shuffles unless C<no_shuffle()>).

=item * C<$TEST_NGINX_*> placeholders are expanded in every section here; the
real harness expands them only in config, http_config, main_config,
post_main_config and user_files (use C<eval> + C<$ENV{...}> elsewhere to stay
portable). C<$TEST_NGINX_HTML_DIR> exists only here.

=item * C<TEST_NGINX_LOAD_MODULES> lines go first in nginx.conf (the real one
appends them after C<main_config>).

=item * A block whose nginx cannot start fails at once (one failing test,
with nginx's own messages) instead of retrying for 30 s and bailing out.

=item * Stricter: with C<TEST_NGINX_USE_VALGRIND> a valgrind error report
(logs/valgrind.PID.log, suppressions from ./valgrind.suppress) fails the
block; so does a crash of nginx or of a worker ("exited on signal" in
error.log). These add a failing test, so the plan count only differs when
something is wrong anyway.

=item * Stricter: an C<[alert]>, C<[crit]> or C<[emerg]> line that the block
did not ask for fails it (the real harness only warns), whether nginx wrote
it during the requests or at shutdown ("open socket left", a failed
unlink...). A line is asked for when a pattern of the block's C<error_log>,
C<grep_error_log> or C<shutdown_error_log> matches that line (a literal
C<[alert]> matches every alert line), and the C<[emerg]> lines of a
C<must_die> block (nginx's reason for refusing the configuration) always
are. A line that a C<no_error_log> pattern matches has failed already. Only
the level where nginx writes it counts, not an C<[alert]> quoted inside
another line (a URI in a debug line).

=item * Stricter: every response check present is made. The real harness
checks C<response_body_like> and C<response_body_unlike> only without
C<response_body>, C<response_body_unlike> only without C<response_body_like>,
and C<response_headers_like> only without C<response_headers>.

=item * C<TEST_NGINX_USE_HUP> just restarts nginx. C<TEST_NGINX_CHECK_LEAK>,
C<TEST_NGINX_BENCHMARK>, HTTP/2 and HTTP/3 modes are not supported.

=item * As in the real harness, each error-log check reads only the lines
written since the previous check of the same block (so with C<repeat_each(2)>
the second round does not see the startup messages).

=back

=cut

use v5.10.1;
use strict;
use warnings;
use Test::Base -base;    # lower-case -base: a Test::Base subclass, no source filter
use POSIX qw(:sys_wait_h EAGAIN);
use Time::HiRes qw(sleep time);
use IO::Socket::INET ();
use IO::Select ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use Cwd qw(cwd);
use Scalar::Util qw(looks_like_number);

our $VERSION = '0.29';    # the real version this mimics
our $COMPAT  = 1;         # marks this stand-in

our @EXPORT = qw(
    run_tests repeat_each workers master_on master_off master_process_enabled
    log_level no_shuffle no_long_string no_root_location add_block_preprocessor
    env_to_nginx worker_connections timeout config_preamble server_name
    server_addr server_port server_port_for_client server_root html_dir
    use_hup is_str bail_out
);

# ---------------------------------------------------------------- settings
our $RepeatEach          = 1;
our $Workers             = 1;
our $MasterProcess       = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $LogLevel            = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $WorkerConnections   = 64;
our $NoRootLocation      = 0;
our $NoLongString        = 0;
our $Timeout             = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $Sleep               = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $Verbose             = $ENV{TEST_NGINX_VERBOSE};
our $UseValgrind         = $ENV{TEST_NGINX_USE_VALGRIND};
our $LoadModules         = $ENV{TEST_NGINX_LOAD_MODULES};    # read once, like the real one
our $ServerAddr          = '127.0.0.1';
our $ServerName          = 'localhost';
our $ConfigPreamble      = '';
our (@EnvToNginx, @BlockPreprocessors, $PrevConfig, $NginxVersion);

our $NginxBinary = $ENV{TEST_NGINX_BINARY}
    || (grep { -x } map { "$_/nginx" } split /:/, $ENV{PATH} // '')[0]
    || '/usr/sbin/nginx';

our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
$ServerPort = gen_rand_port({}) if $ENV{TEST_NGINX_RANDOMIZE};
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;

our $ServRoot = File::Spec->rel2abs(
    $ENV{TEST_NGINX_RANDOMIZE} ? "t/servroot_$ServerPort"
                               : ($ENV{TEST_NGINX_SERVROOT} || 't/servroot'));
our $LogDir     = "$ServRoot/logs";
our $HtmlDir    = "$ServRoot/html";
our $ConfFile   = "$ServRoot/conf/nginx.conf";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $StderrFile = "$LogDir/nginx.stderr";
our $PidFile    = "$LogDir/nginx.pid";
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
$ENV{TEST_NGINX_HTML_DIR}    = $HtmlDir;

for my $v (qw(TEST_NGINX_CHECK_LEAK TEST_NGINX_BENCHMARK TEST_NGINX_USE_HTTP2
              TEST_NGINX_USE_HTTP3 TEST_NGINX_USE_STAP)) {
    warn "WARNING: $v is not supported by the compat Test::Nginx::Socket; ignored\n"
        if $ENV{$v};
}

# sections of the real harness that we do not implement: fail loudly
my @Unsupported = qw(tcp_listen tcp_reply tcp_query tcp_query_len tcp_no_close
    tcp_reply_delay tcp_shutdown tcp_shutdown_delay udp_listen udp_reply
    udp_reply_delay udp_query stap stap_out stap_out_like stap_out_unlike http2
    http3 curl curl_protocol curl_options curl_error http09 reload_fails
    response_body_filters skip_openssl skip_nginx2 skip_slave todo todo_nginx
    error_log_file charset response_body_eval request_eval);

# the sections we implement (the real harness's names), no_check_leak (a no-op:
# no check-leak mode here) and Test::Base's markers; any other section name
# fails the block: a misspelled check must not pass silently
our %KnownSections = map { $_ => 1 } qw(config http_config main_config
    post_main_config user_files log_level must_die server_name init request
    more_headers raw_request raw_request_middle_delay pipelined_requests timeout
    wait shutdown abort ignore_response server_addr_for_client error_code
    error_code_like response_body response_body_like response_body_unlike
    response_headers response_headers_like raw_response_headers_like
    raw_response_headers_unlike error_log no_error_log grep_error_log
    grep_error_log_out access_log no_access_log shutdown_error_log
    no_shutdown_error_log skip_nginx skip_eval no_check_leak ONLY SKIP LAST);

# sections of a suite's own, consumed by its block preprocessor (as the real
# harness allows): push @Test::Nginx::Socket::ExtraSections, 'my_section';
our @ExtraSections;

our $SYS_prctl = eval { require 'syscall.ph'; &SYS_prctl() };

our ($NginxPid, $DeadStatus, $ErrLogPos, $StderrPos);

# ---------------------------------------------------------------- helpers
sub repeat_each (@)        { $RepeatEach = shift if @_; $RepeatEach }
sub workers (@)            { $Workers = shift if @_; $Workers }
sub worker_connections (@) { $WorkerConnections = shift if @_; $WorkerConnections }
sub log_level (@)          { $LogLevel = shift if @_; $LogLevel }
sub timeout (@)            { $Timeout = shift if @_; $Timeout }
sub server_name (@)        { $ServerName = shift if @_; $ServerName }
sub server_addr (@)        { $ServerAddr = shift if @_; $ServerAddr }
sub server_port (@)        { $ServerPort = shift if @_; $ServerPort }
sub server_port_for_client (@) { $ServerPortForClient = shift if @_; $ServerPortForClient }
sub master_on ()           { $MasterProcess = 'on' }
sub master_off ()          { $MasterProcess = 'off' }
sub master_process_enabled (@) { $MasterProcess = ($_[0] ? 'on' : 'off') if @_; $MasterProcess }
sub no_shuffle ()          { 1 }       # blocks always run in file order here
sub use_hup ()             { 1 }       # we always restart
sub no_long_string ()      { $NoLongString = 1 }
sub no_root_location ()    { $NoRootLocation = 1 }
sub config_preamble ($)    { $ConfigPreamble = shift }
sub server_root ()         { $ServRoot }
sub html_dir ()            { $HtmlDir }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }

sub env_to_nginx (@) {
    for my $v (@_) {
        die "env_to_nginx: bad argument value: $v\n" if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    return like($got, $expected, $desc) if ref $expected && ref $expected eq 'Regexp';
    return is($got, $expected, $desc);    # Test::Base's is(): a diff for multi-line text
}

sub bail_out (@) { stop_nginx('bail_out'); Test::More::BAIL_OUT(@_) }

sub parse_time {
    my $t = shift;
    return undef unless defined $t;
    return $1 / 1000 if $t =~ /^\s*([\d.]+)\s*ms\s*$/;
    return $1 if $t =~ /^\s*([\d.]+)\s*s?\s*$/;
    return $t;
}

sub slurp {
    my ($file, $pos) = @_;
    open my $fh, '<', $file or return wantarray ? ('', 0) : '';
    binmode $fh;
    seek $fh, $pos, 0 if $pos;
    local $/;
    my $data = <$fh> // '';
    my $end = tell $fh;
    return wantarray ? ($data, $end) : $data;
}

sub spew {
    my ($file, $data) = @_;
    open my $fh, '>', $file or die "cannot write $file: $!\n";
    binmode $fh;
    print $fh $data;
    close $fh;
}

sub fmt_str { my $s = shift; chomp $s; $s =~ s/"/\\"/g; $s =~ s/\r/\\r/g; $s =~ s/\n/\\n/g; $s }

sub gen_rand_port {
    my $used = shift;
    for (1 .. 1000) {
        my $port = 10000 + int rand 22000;    # below Linux's ephemeral range
        next if $used->{$port} || $port == ($ServerPort // 0);
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                      Proto => 'tcp', Listen => 1) or next;
        close $s;
        return $port;
    }
    die "Cannot find an available listening port number\n";
}

# $TEST_NGINX_* placeholders; RAND_PORT_N are stable within a block
sub expand_env {
    my ($text, $name, $ports) = @_;
    return $text if !defined $text || ref $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $ports->{$var} = gen_rand_port({ map { $_ => 1 } values %$ports })
                unless defined $ports->{$var};
            $ports->{$var};
        } else {
            defined $ENV{$var} or die "$name - No environment $var defined.\n";
            $ENV{$var};
        }
    }ge;
    return $text;
}

# the names of a block's sections: those of the data and those that block
# preprocessors set (Test::Base keeps each as an array; its own fields are not)
sub block_sections {
    my $block = shift;
    return grep { !/^_/ && $_ ne 'name' && $_ ne 'description'
                  && ref $block->{$_} eq 'ARRAY' } keys %$block;
}

# Perl code, not expanded
my %NotExpanded = map { $_ => 1 } qw(init skip_eval);

sub expand_block {
    my ($block, $ports) = @_;
    my $name = $block->name;
    my @keys = grep { !$NotExpanded{$_} } block_sections($block);
    # config first, so that its random ports are the ones reused by the rest
    for my $k (sort { ($b eq 'config') <=> ($a eq 'config') || $a cmp $b } @keys) {
        my @vals = map {
            ref $_ eq 'ARRAY' ? [map { expand_env($_, $name, $ports) } @$_]
                              : expand_env($_, $name, $ports)
        } @{ $block->{$k} };
        $block->set_value($k, @vals);
    }
}

sub nginx_version {
    return $NginxVersion if defined $NginxVersion;
    my $out = `$NginxBinary -v 2>&1` // '';
    $NginxVersion = $out =~ m{/(\d+)\.(\d+)\.(\d+)} ? sprintf('%d.%03d%03d', $1, $2, $3) : 0;
}

# ---------------------------------------------------------------- main loop
sub run_tests () {
    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
    local $SIG{PIPE} = 'IGNORE';
    local $SIG{INT}  = sub { stop_nginx('SIGINT');  exit 130 };
    local $SIG{TERM} = sub { stop_nginx('SIGTERM'); exit 143 };
    for my $block (blocks()) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        run_block($block);
    }
    stop_nginx('cleanup');
}

END { local $?; stop_nginx('END') if $NginxPid }

sub skip_count {
    my $block = shift;
    my $name = $block->name;
    if (defined(my $s = $block->skip_eval)) {
        $s =~ /^\s*(\d+)\s*:\s*(.*)/s or die "$name - bad --- skip_eval: $s\n";
        my ($n, $code) = ($1, $2);
        my $yes = eval $code;
        die "$name - skip_eval failed: $@" if $@;
        return ($n, 'skip_eval') if $yes;
    }
    if (defined(my $s = $block->skip_nginx)) {
        $s =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/
            or die "$name - Invalid --- skip_nginx spec: $s\n";
        my ($n, $op, $ver) = ($1, $2, sprintf('%d.%03d%03d', $3, $4, $5));
        return ($n, $6 || "nginx version $op $3.$4.$5") if eval nginx_version() . " $op $ver";
    }
    return (0);
}

sub run_block {
    my $block = shift;
    my $name  = $block->name;

    for my $s (@Unsupported) {
        if (defined $block->{$s}) {
            fail("$name - section '--- $s' is not supported by the compat Test::Nginx::Socket");
            return;
        }
    }
    check_section_names($block) or return;

    my ($nskip, $reason) = skip_count($block);
    if ($nskip) {
        for (1 .. $RepeatEach) { SKIP: { skip("$name - $reason", $nskip) } }
        return;
    }

    my $ports = {};
    expand_block($block, $ports);

    my $config = $block->config // $PrevConfig;
    if (!defined $config) {
        fail("$name - no '--- config' section and no previous block to take one from");
        return;
    }
    $PrevConfig = $config;

    local $LogLevel    = $block->log_level || $LogLevel;
    my $must_die       = $block->must_die;
    local $UseValgrind = defined $must_die ? undef : $UseValgrind;

    stop_nginx($name);          # never needed normally; a safety net
    kill_stale_nginx($name);
    setup_server_root();
    write_user_files($block);
    write_config_file($block, $config);
    ($ErrLogPos, $StderrPos, $DeadStatus) = (0, 0, undef);

    if (defined $must_die) {
        run_must_die($block, $must_die);
        return;
    }

    start_nginx($name) or return;

    if (defined $block->init) {
        eval $block->init;
        die "$name - init failed: $@" if $@;
    }

    for my $rep (0 .. $RepeatEach - 1) {
        write_user_files($block) if $rep > 0;
        run_requests($block, $rep);
    }

    my $status = stop_nginx($name) // $DeadStatus;
    check_exit_status($block, $status);
    my $tail = error_log_lines(0, 1);    # written since the last check: the shutdown
    check_shutdown_error_log($block, $tail);
    check_serious_lines($block, $tail, 'shutdown');
    check_valgrind_logs($name) if $UseValgrind;
}

# ---------------------------------------------------------------- section names
sub edit_distance {
    my ($s, $t) = @_;
    my @prev = (0 .. length $t);
    for my $i (1 .. length $s) {
        my @cur = ($i);
        for my $j (1 .. length $t) {
            my $sub = $prev[$j - 1] + (substr($s, $i - 1, 1) ne substr($t, $j - 1, 1));
            my $del = $prev[$j] + 1;
            my $ins = $cur[$j - 1] + 1;
            push @cur, ($sub < $del ? ($sub < $ins ? $sub : $ins) : ($del < $ins ? $del : $ins));
        }
        @prev = @cur;
    }
    return $prev[-1];
}

sub did_you_mean {
    my $s = shift;
    my ($best, $dist);
    for my $k (sort keys %KnownSections) {
        my $d = edit_distance(lc $s, lc $k);
        ($best, $dist) = ($k, $d) if !defined $dist || $d < $dist;
    }
    return defined $dist && $dist <= 3 ? " (did you mean '--- $best'?)" : '';
}

# Unknown section names (from the data or set by a block preprocessor), and
# lines that look like a section header but are not one ("---config" without
# the space, "-- error_code: 200"), which Test::Base silently keeps as part
# of the text before them. Each fails the block; returns false if any did.
sub check_section_names {
    my $block = shift;
    my $name = $block->name;
    my %known = (%KnownSections, map { $_ => 1 } @ExtraSections);
    my %header = (%known, map { $_ => 1 } @Unsupported);
    my $ok = 1;
    for my $s (sort { $a cmp $b } block_sections($block)) {
        next if $known{$s};
        fail("$name - unknown section '--- $s'" . did_you_mean($s)
             . ": the compat Test::Nginx::Socket refuses sections it does not know");
        $ok = 0;
    }
    my $orig = $block->original_values || {};
    my @texts = (['the block title', $block->description]);
    for my $s (@{ $block->{_section_order}[0] || [] }) {
        my $v = exists $orig->{$s} ? $orig->{$s} : $block->{$s}[0];
        push @texts, ["--- $s", $v];
    }
    for my $t (@texts) {
        my ($where, $text) = @$t;
        next if !defined $text || ref $text;
        while ($text =~ /^(-{2,}[ \t]*\(?(\w+)\)?.*)$/mg) {
            my ($line, $word) = ($1, $2);
            next unless $header{$word};
            fail("$name - the line \"$line\" in $where is not a section header"
                 . " (Test::Base wants \"--- $word\" at the start of a line)");
            $ok = 0;
        }
    }
    return $ok;
}

# ---------------------------------------------------------------- server root & config
sub setup_server_root {
    if (-d $ServRoot) {
        # refuse to wipe a directory that does not look like a server root
        opendir my $dh, $ServRoot or die "cannot read $ServRoot: $!\n";
        my @entries = grep { !/^\.\.?$/ } readdir $dh;
        closedir $dh;
        if (@entries && !-e "$ServRoot/conf" && !-e $LogDir && $ServRoot !~ /servroot/) {
            die "Refusing to wipe $ServRoot (not a test-nginx server root)\n";
        }
        remove_tree($ServRoot, { keep_root => 1 });
    }
    make_path(map { "$ServRoot/$_" } qw(conf html logs client_body_temp proxy_temp
                                       fastcgi_temp uwsgi_temp scgi_temp));
    spew("$HtmlDir/index.html",
         '<html><head><title>It works!</title></head><body>It works!</body></html>');
}

sub write_user_files {
    my $block = shift;
    my $files = $block->user_files or return;
    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+?))?\s*$/) {
                push @list, [$1, undef, $2];
            } elsif (@list) {
                $list[-1][1] .= $line;
            }
        }
        $files = \@list;
    }
    for my $f (@$files) {
        my ($fname, $body, $date) = @$f;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        make_path($1) if $path =~ m{(.*)/} && !-d $1;
        spew($path, $body // '');
        system("TZ=GMT touch -t '$date' '$path'") == 0 or die "touch $path failed\n" if $date;
    }
}

sub write_config_file {
    my ($block, $config) = @_;
    my $http_config = $block->http_config // '';
    my $main_config = $block->main_config // '';
    my $post_main   = $block->post_main_config // '';
    (my $sname = $block->server_name // $ServerName) =~ s/(['\\])/\\$1/g;
    my $load = join '', map { "load_module $_;\n" }
               grep { length } split /\s+/, $LoadModules // '';
    my $env = join '', map { /\s/ ? "env '$_';\n" : "env $_;\n" }
              qw(MOCKEAGAIN_VERBOSE MOCKEAGAIN MOCKEAGAIN_WRITE_TIMEOUT_PATTERN
                 LD_PRELOAD LD_LIBRARY_PATH ASAN_OPTIONS MOCKNOEAGAIN_VERBOSE
                 MOCKNOEAGAIN), @EnvToNginx;
    my $temps = join '', map { "    ${_}_temp_path $ServRoot/${_}_temp;\n" }
                qw(client_body proxy fastcgi uwsgi scgi);
    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    my $user = $> == 0 ? "user root;\n" : '';

    spew($ConfFile, <<"_EOC_");
$load
worker_processes  $Workers;
daemon off;
master_process $MasterProcess;
error_log $ErrLogFile $LogLevel;
pid       $PidFile;
$env
$main_config

http {
    access_log $AccLogFile;
    default_type text/plain;
    keepalive_timeout  68;
$temps
$http_config

    server {
        listen          $ServerPort;
        server_name     '$sname';
        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}
$user
_EOC_
    warn "---- $ConfFile:\n", slurp($ConfFile) if $Verbose;
}

# ---------------------------------------------------------------- process control
sub nginx_cmd {
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile, '-e', $ErrLogFile);
    return @cmd unless $UseValgrind;
    my @opts = $UseValgrind =~ /^\d+$/
        ? qw(--tool=memcheck --leak-check=full --show-possibly-lost=no
             --errors-for-leak-kinds=definite --error-exitcode=0
             --num-callers=50 --gen-suppressions=all)
        : split ' ', $UseValgrind;
    push @opts, '--suppressions=' . cwd() . '/valgrind.suppress' if -f 'valgrind.suppress';
    return ('valgrind', '-q', @opts, "--log-file=$LogDir/valgrind.%p.log", @cmd);
}

sub spawn_nginx {
    my @cmd = nginx_cmd();
    warn "starting: @cmd\n" if $Verbose;
    my $pid = fork // die "fork failed: $!\n";
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        syscall($SYS_prctl, 1, 15) if $SYS_prctl;    # PR_SET_PDEATHSIG: SIGTERM if we die
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $StderrFile;
        open STDERR, '>&', \*STDOUT;
        { no warnings "exec"; exec { $cmd[0] } @cmd; }
        print STDERR "cannot exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    return $NginxPid = $pid;
}

# reap $pid within $secs; returns the wait status, or undef when still running
sub wait_exit {
    my ($pid, $secs) = @_;
    my $deadline = time + $secs;
    my $step = 0.001;
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        return $? if $r == $pid;
        return -1 if $r < 0;
        return undef if time > $deadline;
        sleep $step;
        $step *= 1.5 if $step < 0.02;
    }
}

sub port_listening {
    my $port = shift;
    my $hex = sprintf ':%04X', $port;
    my $seen;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        $seen = 1;
        while (<$fh>) {
            my @c = split;
            return 1 if @c > 3 && $c[3] eq '0A' && $c[1] =~ /\Q$hex\E$/;
        }
    }
    return 0 if $seen;
    my $s = IO::Socket::INET->new(PeerAddr => $ServerAddr, PeerPort => $port, Timeout => 0.2);
    return $s ? 1 : 0;
}

sub status_str {
    my $st = shift;
    return 'not reaped' if $st < 0;
    return 'exit code ' . ($st >> 8) unless $st & 127;
    return 'killed by signal ' . ($st & 127) . (($st & 128) ? ' (core dumped)' : '');
}

# nginx's own words: stderr plus the non-debug lines (or the tail) of error.log
sub nginx_messages {
    my $out = slurp($StderrFile);
    my @lines = split /^/, slurp($ErrLogFile);
    my @imp = grep { !/ \[debug\] / } @lines;
    @imp = @imp > 30 ? @imp[-30 .. -1] : @imp;
    @imp = @lines[(@lines > 20 ? -20 : -@lines) .. -1] if !@imp && @lines;
    return "nginx stderr:\n$out" . "error.log:\n" . join('', @imp);
}

sub kill_stale_nginx {
    my $name = shift;
    if (-f $PidFile) {       # left behind by a killed runner or the real harness
        my ($pid) = slurp($PidFile) =~ /(\d+)/;
        if ($pid && kill(0, $pid) && slurp("/proc/$pid/cmdline") =~ /\Q$ServRoot\E/) {
            warn "WARNING: $name - stopping stale nginx $pid from $PidFile\n";
            kill 'QUIT', $pid;
            for (1 .. 100) { last unless kill 0, $pid; sleep 0.02 }
            kill 'KILL', $pid if kill 0, $pid;
        }
    }
    for (1 .. 50) { last unless port_listening($ServerPort); sleep 0.02 }
}

sub start_nginx {
    my $name = shift;
    if (port_listening($ServerPort)) {
        fail("$name - port $ServerPort is already in use by another process; cannot start nginx");
        return 0;
    }
    my $pid = spawn_nginx();
    my $limit = $UseValgrind ? 30 : 5;
    my $deadline = time + $limit;
    my $step = 0.001;
    while (1) {
        if (waitpid($pid, WNOHANG) == $pid) {
            my $st = $?;
            undef $NginxPid;
            fail("$name - nginx failed to start (" . status_str($st) . ")");
            diag(nginx_messages());
            return 0;
        }
        return 1 if port_listening($ServerPort);
        if (time > $deadline) {
            fail("$name - nginx did not listen on port $ServerPort within $limit s");
            diag(nginx_messages());
            stop_nginx($name);
            return 0;
        }
        sleep $step;
        $step *= 1.5 if $step < 0.01;
    }
}

# SIGQUIT, then SIGTERM, then SIGKILL to the whole process group; returns the status
sub stop_nginx {
    my $name = shift;
    my $pid = $NginxPid or return undef;
    undef $NginxPid;
    kill 'QUIT', $pid;
    my $st = wait_exit($pid, $UseValgrind ? 60 : $Timeout);
    if (!defined $st) {
        warn "WARNING: $name - nginx $pid did not quit in time; sending SIGTERM\n";
        kill 'TERM', $pid;
        $st = wait_exit($pid, $UseValgrind ? 10 : 2);
    }
    if (!defined $st) {
        warn "WARNING: $name - killing nginx $pid with force\n";
        kill 'KILL', -$pid;
        kill 'KILL', $pid;
        waitpid($pid, 0);
        $st = $?;
    }
    return $st;
}

# stricter than the real harness: a crash of nginx or of a worker fails the block
sub check_exit_status {
    my ($block, $st) = @_;
    my $name = $block->name;
    my $sig = defined $st && $st > 0 ? $st & 127 : 0;
    if ($sig && $sig != 9 && $sig != 15) {
        fail("$name - nginx crashed: " . status_str($st));
        diag(nginx_messages());
    }
    my $asked = join "\n", map { ref $_ eq 'ARRAY' ? @$_ : ($_ // '') }
                           $block->error_log, $block->grep_error_log;
    return if $asked =~ /exited on signal/;
    my @crashes = grep { /exited on signal/ } split /^/, slurp($ErrLogFile);
    if (@crashes) {
        fail("$name - an nginx worker crashed");
        diag(join '', @crashes);
    }
}

sub check_valgrind_logs {
    my $name = shift;
    for my $f (sort glob "$LogDir/valgrind.*.log") {
        my $text = slurp($f);
        next unless $text =~ /\S/;
        if (grep { /^==\d+== \S/ && !/^==\d+== Warning:/ } split /\n/, $text) {
            fail("$name - valgrind reported errors ($f)");
            diag($text);
        } else {
            diag("$name - valgrind said ($f):\n$text");
        }
    }
}

sub dead_nginx_report {
    my $name = shift;
    return unless $NginxPid;
    my $st = wait_exit($NginxPid, 0);
    return unless defined $st;
    undef $NginxPid;
    $DeadStatus = $st;
    diag("$name - nginx is gone (" . status_str($st) . ")\n" . nginx_messages());
}

sub run_must_die {
    my ($block, $must_die) = @_;
    my $name = $block->name;
    for my $i (0 .. $RepeatEach - 1) {
        if (port_listening($ServerPort)) {
            fail("$name - port $ServerPort is already in use by another process");
            return;
        }
        my $pid = spawn_nginx();
        my $st = wait_exit($pid, $Timeout);
        undef $NginxPid if defined $st;
        if (!defined $st) {
            stop_nginx($name);
            fail("$name - nginx must die but it does not (still running after $Timeout s)");
        } elsif (looks_like_number($must_die)) {
            is($st >> 8, $must_die, "$name - die with the expected exit code");
        } else {
            isnt($st, 0, "$name - die as expected");
        }
        check_error_log($block, $i, 1);
    }
}

# ---------------------------------------------------------------- requests
sub parse_more_headers {
    my $in = shift // '';
    my ($out, $chunked) = ('', 0);
    for my $h (split /\n+/, $in) {
        next if $h =~ /^\s*#/ || $h !~ /\S/;
        my ($k, $v) = split /:\s*/, $h, 2;
        $v //= '';
        $chunked = 1 if lc $k eq 'transfer-encoding' && $v eq 'chunked';
        $out .= "$k: $v\r\n";
    }
    return ($out, $chunked);
}

# "GET /t [HTTP/1.x]\nbody" -> full HTTP request
sub build_request {
    my ($name, $req, $more_headers, $conn) = @_;
    my ($hdrs, $chunked) = parse_more_headers($more_headers);
    $req //= '';
    1 while $req =~ s/^\s*#[^\n]+\s+|^\s+//gs;
    my ($first, $content) = split /\n/, $req, 2;
    $first //= '';
    $first =~ /^\s*(\S+)(?:\s+(\S+))?(?:\s+(\S+))?\s*$/
        or die "$name - Request line is not valid: \"$first\"\n";
    my ($meth, $url, $ver) = ($1, $2 // '/', $3 // 'HTTP/1.1');
    $content //= '';
    my $len = '';
    if (!$chunked && $content ne '' && $hdrs !~ /(?:^|\n)Content-Length:/i) {
        $content =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($content) . "\r\n";
    }
    my $h = '';
    $h .= "Host: $ServerName\r\n" if $hdrs !~ /(?:^|\n)Host:/i;
    $h .= "Connection: $conn\r\n" if $hdrs !~ /(?:^|\n)Connection/i;
    return "$meth $url $ver\r\n$h$hdrs$len\r\n$content";
}

sub indexed_more_headers {
    my ($name, $mh, $i) = @_;
    return $mh unless ref $mh eq 'ARRAY';
    defined $mh->[$i] or die "$name - --- more_headers lacks data for request $i\n";
    return $mh->[$i];
}

# returns a list of requests, each a list of packets, and the pipelined count
sub get_requests {
    my $block = shift;
    my $name = $block->name;
    my $mh = $block->more_headers;
    if (defined(my $raw = $block->raw_request)) {
        return ([ref $raw eq 'ARRAY' ? [@$raw] : [$raw]], 0);
    }
    if (my $p = $block->pipelined_requests) {
        ref $p eq 'ARRAY' or die "$name - --- pipelined_requests must be an array (use eval)\n";
        my $all = '';
        for my $i (0 .. $#$p) {
            $all .= build_request($name, $p->[$i], indexed_more_headers($name, $mh, $i),
                                  $i == $#$p ? 'close' : 'keep-alive');
        }
        return ([[$all]], scalar @$p);
    }
    my $req = $block->request;
    return ([], 0) unless defined $req;
    my @reqs = ref $req eq 'ARRAY' ? @$req : ($req);
    my @out;
    for my $i (0 .. $#reqs) {
        my $r = ref $reqs[$i] eq 'ARRAY' ? join('', map { ref $_ ? $_->{value} : $_ } @{ $reqs[$i] })
                                         : $reqs[$i];
        push @out, [build_request($name, $r, indexed_more_headers($name, $mh, $i), 'close')];
    }
    return (\@out, 0);
}

sub send_request {
    my ($block, $packets, $timeout) = @_;
    my $name = $block->name;
    my $addr = $block->server_addr_for_client // $ServerAddr;
    my $sock = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $ServerPortForClient,
                                     Proto => 'tcp', Timeout => $timeout);
    if (!$sock) {
        fail("$name - Can't connect to $addr:$ServerPortForClient: $!");
        dead_nginx_report($name);
        return undef;
    }
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my @bits = @$packets;
    my ($buf, $off, $resp, $writing) = (shift(@bits) // '', 0, '', 1);
    my $delay = parse_time($block->raw_request_middle_delay);
    while (1) {
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef, $timeout);
        if (!$r && !$w) {
            fail("ERROR: client socket timed out - $name") unless defined $block->abort;
            last;
        }
        if ($w && @$w) {
            my $n = syswrite($sock, $buf, length($buf) - $off, $off);
            if (defined $n) {
                $off += $n;
                if ($off >= length $buf) {
                    if (@bits) {
                        sleep $delay if $delay;
                        ($buf, $off) = (shift(@bits), 0);
                    } else {
                        $writing = 0;
                        my $sd = $block->shutdown;
                        shutdown($sock, $sd =~ /^\d+$/ ? $sd : 1) if defined $sd;
                    }
                }
            } elsif ($! != EAGAIN) {
                warn "WARNING: $name - write failed: $!\n";
                $writing = 0;
            }
        }
        if ($r && @$r) {
            my $n = sysread($sock, my $chunk, 65536);
            if (!defined $n) {
                next if $! == EAGAIN;
                warn "WARNING: $name - HTTP response read failure: $!\n" unless $!{ECONNRESET};
                last;
            }
            last if $n == 0;
            $resp .= $chunk;
        }
    }
    close $sock;
    return $resp;
}

# -> ({code, headers => [[k, v]...], body}, raw_headers, leftover)
sub parse_response {
    my ($name, $raw, $head) = @_;
    my %res = (code => undef, headers => [], body => '');
    return (\%res, '', undef) unless defined $raw && length $raw;
    my ($raw_headers, $body) = ('', '');
    if ($raw =~ /\A(.*?\r\n)\r\n(.*)\z/s) {
        ($raw_headers, $body) = ($1, $2);
    } else {
        $raw_headers = $raw;
    }
    my ($status, @lines) = split /\r\n/, $raw_headers;
    $res{code} = $1 if defined $status && $status =~ m{^HTTP/\d+(?:\.\d+)?\s+(\d+)};
    for (@lines) {
        push @{ $res{headers} }, [$1, $2] if /^([^:\s]+)\s*:\s*(.*?)\s*$/;
    }
    my $left;
    my $code = $res{code} // 0;
    if ($head || $code == 304 || $code == 204 || $code == 101 || ($code >= 100 && $code < 200)) {
        $left = $body if length $body;
        $body = '';
    } elsif (lc(header_value(\%res, 'Transfer-Encoding') // '') eq 'chunked') {
        my $decoded = '';
        while (1) {
            if ($body =~ /\G0[ \t]*(?:;[^\r]*)?\r\n\r\n/gc) {
                $left = substr($body, pos $body) if pos($body) < length $body;
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*(?:;[^\r]*)?\r\n/gc) {
                my $size = hex $1;
                if (length($body) - pos($body) < $size + 2) {
                    fail("$name - invalid chunked data received (not enough octets)");
                    last;
                }
                $decoded .= substr($body, pos($body), $size);
                pos($body) += $size;
                if ($body !~ /\G\r\n/gc) {
                    fail("$name - invalid chunked data received (expected CRLF)");
                    last;
                }
            } else {
                fail("$name - no last chunk found in the chunked body");
                last;
            }
        }
        $body = $decoded;
    } elsif (defined(my $len = header_value(\%res, 'Content-Length'))) {
        if (length $body > $len) {
            $left = substr($body, $len);
            $body = substr($body, 0, $len);
        } elsif (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, but got ",
                 length $body, "\n";
        }
    }
    $res{body} = $body;
    return (\%res, $raw_headers, $left);
}

sub header_value {
    my ($res, $key) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $key } @{ $res->{headers} };
    return @v ? join(', ', @v) : undef;
}

sub indexed {
    my ($name, $val, $i, $need_array) = @_;
    if ($need_array) {
        return $val->[$i] if ref $val eq 'ARRAY';
        die "$name - You asked for many requests, the expected results should be arrays as well.\n";
    }
    return ref $val eq 'ARRAY' ? $val->[0] : $val;
}

sub run_requests {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my ($reqs, $npipe) = get_requests($block);
    if (!@$reqs) {
        fail("$name - no --- request, raw_request or pipelined_requests section");
        return;
    }
    my $timeout = parse_time($block->timeout) // $Timeout;
    my $wait = parse_time($block->wait);
    my $need_array = $npipe ? 1 : @$reqs > 1;
    my $idx = 0;
    for my $r (0 .. $#$reqs) {
        my $packets = $reqs->[$r];
        my $head = join('', @$packets) =~ /^\s*HEAD\s+/ ? 1 : 0;
        my $raw = send_request($block, $packets, $timeout) // '';
        dead_nginx_report($name) if $raw eq '';
        my $n = $npipe || 1;
        while ($n-- > 0) {
            my ($res, $raw_headers, $left) = parse_response($name, $raw, $head);
            $raw = $left // '';
            if (!defined $block->ignore_response) {
                check_response($block, $res, $raw_headers, $idx, $rep, $need_array);
            }
            if ($n > 0 || $r < $#$reqs) {
                sleep $wait if $wait;
                check_error_log($block, $rep);
                check_access_log($block, $rep) unless defined $block->ignore_response;
            }
            $idx++;
        }
    }
    sleep $wait if $wait;
    check_error_log($block, $rep);
    check_access_log($block, $rep) unless defined $block->ignore_response;
}

sub check_response {
    my ($block, $res, $raw_headers, $i, $rep, $need_array) = @_;
    my $name = $block->name;
    my $code = $res->{code} // '';

    if (defined $block->error_code_like) {
        my $v = indexed($name, $block->error_code_like, $i, $need_array);
        like($code, qr/$v/sm, "$name - status code ok");
    } else {
        my $exp = defined $block->error_code ? indexed($name, $block->error_code, $i, $need_array) : 200;
        is($code, $exp, "$name - status code ok");
    }

    if (defined(my $v = $block->raw_response_headers_like)) {
        $v = indexed($name, $v, $i, $need_array);
        like($raw_headers, qr/$v/s, "$name - raw resp headers like");
    }
    if (defined(my $v = $block->raw_response_headers_unlike)) {
        $v = indexed($name, $v, $i, $need_array);
        unlike($raw_headers, qr/$v/s, "$name - raw resp headers unlike");
    }

    if (defined $block->response_headers) {
        for my $h (header_list(indexed($name, $block->response_headers, $i, $need_array))) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                unlike($raw_headers, qr/^\s*\Q$key\E\s*:/msi,
                       "$name - header $key not present in the raw headers");
                next;
            }
            is(header_value($res, $key) // '', $val, "$name - header $key ok");
        }
    }
    if (defined $block->response_headers_like) {    # the real harness: only without response_headers
        for my $h (header_list(indexed($name, $block->response_headers_like, $i, $need_array))) {
            my ($key, $val) = @$h;
            like(header_value($res, $key) // '', qr/^$val$/, "$name - header $key like ok");
        }
    }

    # every body check present is made (the real harness makes only the
    # first of response_body, response_body_like, response_body_unlike)
    my $body = $res->{body};
    if (defined $block->response_body) {
        my $exp = indexed($name, $block->response_body, $i, $need_array);
        my $desc = "$name - response_body - response is expected (repeated req $rep, req $i)";
        if (ref $exp) {
            like($body, $exp, "$name - response_body - like (repeated req $rep, req $i)");
        } else {
            is($body, $exp, $desc);
        }
    }
    for my $t (qw(like unlike)) {
        my $pat = $t eq 'like' ? $block->response_body_like : $block->response_body_unlike;
        next unless defined $pat;
        $pat = indexed($name, $pat, $i, $need_array);
        (my $summary = $body) =~ s/\s+/ /g;
        $summary =~ s/^ | $//g;
        $summary = substr($summary, 0, 60) . '...' if length $summary > 63;
        my $desc = "$name - response_body_$t - response is expected ($summary)";
        $t eq 'like' ? like($body, qr/$pat/s, $desc) : unlike($body, qr/$pat/s, $desc);
    }
}

sub header_list {
    my $s = shift // '';
    my @out;
    for (split /\n/, $s) {
        s/^\s+|\s+$//g;
        next unless length;
        if (s/^!\s*//) {
            push @out, [$_, undef];
        } else {
            my ($k, $v) = split /\s*:\s*/, $_, 2;
            push @out, [$k, $v // ''];
        }
    }
    return @out;
}

# ---------------------------------------------------------------- log checks
# the new part of this block's error.log (each call continues where the last stopped)
sub error_log_lines {
    my ($with_stderr, $exited) = @_;
    # let nginx finish writing (log phase, workers): until the size is stable,
    # 0.2 s at most; no need once it has exited
    my ($prev, $waited) = (-s $ErrLogFile // 0, 0);
    while (!$exited && $waited < 0.2) {
        sleep $Sleep;
        $waited += $Sleep;
        my $size = -s $ErrLogFile // 0;
        last if $size == $prev && $waited >= 2 * $Sleep;
        $prev = $size;
    }
    my ($data, $end) = slurp($ErrLogFile, $ErrLogPos);
    $ErrLogPos = $end;
    if ($with_stderr) {
        my ($err, $eend) = slurp($StderrFile, $StderrPos);
        $StderrPos = $eend;
        $data .= $err;
    }
    return [split /^/, $data];
}

sub pattern_list {
    my $p = shift;
    return [] unless defined $p;
    return [$p] if ref $p eq 'Regexp';
    return [@$p] if ref $p eq 'ARRAY';
    chomp $p;
    return [grep { length } split /\n+/, $p];
}

sub line_matches { my ($line, $pat) = @_; ref $pat ? $line =~ $pat : index($line, $pat) >= 0 }

sub match_lines {
    my ($name, $lines, $pats, $file, $rep) = @_;
    for my $pat (@{ pattern_list($pats) }) {
        next unless defined $pat;
        if (grep { line_matches($_, $pat) } @$lines) {
            pass("$name - pattern \"$pat\" matches a line in $file (req $rep)");
        } else {
            fail("$name - pattern \"$pat\" should match a line in $file (req $rep)");
        }
    }
}

sub no_match_lines {
    my ($name, $lines, $pats, $file, $rep) = @_;
    for my $pat (@{ pattern_list($pats) }) {
        next unless defined $pat;
        my ($i) = grep { line_matches($lines->[$_], $pat) } 0 .. $#$lines;
        my $p = fmt_str($pat);
        if (defined $i) {
            my $more = join '', @$lines[$i + 1 .. ($i + 9 < $#$lines ? $i + 9 : $#$lines)];
            fail("$name - pattern \"$p\" should not match any line in $file but matches line \""
                 . fmt_str($lines->[$i]) . "\" (req $rep)\n$more");
        } else {
            pass("$name - pattern \"$p\" does not match a line in $file (req $rep)");
        }
    }
}

sub check_error_log {
    my ($block, $rep, $with_stderr) = @_;
    my $name = $block->name;
    my $lines = error_log_lines($with_stderr);

    if (defined(my $gp = $block->grep_error_log)) {
        $gp = $gp->[$rep] if ref $gp eq 'ARRAY';
        my $exp = $block->grep_error_log_out;
        die "$name - No --- grep_error_log_out defined but --- grep_error_log is defined\n"
            unless defined $exp;
        $exp = $exp->[$rep] if ref $exp eq 'ARRAY';
        my $out = '';
        for my $line (@$lines) {
            my $m = ref $gp ? ($line =~ $gp ? $& : undef)
                            : ($line =~ /\Q$gp\E/ ? $& : undef);
            $out .= "$m\n" if defined $m && $m !~ /\n/;
        }
        ref $exp eq 'Regexp' ? like($out, $exp, "$name - grep_error_log_out (req $rep)")
                             : is($out, $exp, "$name - grep_error_log_out (req $rep)");
    }

    match_lines($name, $lines, $block->error_log, 'error.log', $rep)
        if defined $block->error_log;
    no_match_lines($name, $lines, $block->no_error_log, 'error.log', $rep)
        if defined $block->no_error_log;

    check_serious_lines($block, $lines, "req $rep");
}

# Stricter than the real harness (which only warns): an [alert], [crit] or
# [emerg] line fails the block unless the block asked for it, i.e. a pattern
# of its error_log, grep_error_log or shutdown_error_log matches that very
# line (a literal "[alert]" matches every alert), or it is an [emerg] of a
# must_die block (nginx's reason for refusing the configuration). A line
# that a no_error_log pattern matches has failed already, and
# "exited on signal" is judged by check_exit_status. Assertion failures fail
# too, as in the real harness.
sub check_serious_lines {
    my ($block, $lines, $when) = @_;
    my $name = $block->name;
    my @asked = map { @{ pattern_list($_) } } grep { defined }
                $block->error_log, $block->grep_error_log, $block->shutdown_error_log;
    my @failed = map { @{ pattern_list($_) } } grep { defined }
                 $block->no_error_log, $block->no_shutdown_error_log;
    my $must_die = defined $block->must_die;
    my @bad;
    for my $line (@$lines) {
        if ($line =~ /\bAssertion .*?failed\b/) {
            fail("$name - " . fmt_str($line));
            next;
        }
        # the level where nginx writes it (error.log, or "nginx: " on stderr),
        # not a "[alert]" quoted in another line's text (a URI, a header)
        next unless $line =~ m{^(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d|nginx:) \[(alert|crit|emerg)\] };
        my $level = $1;
        next if $level eq 'emerg' && $must_die;
        next if $line =~ /exited on signal/;
        next if grep { defined && line_matches($line, $_) } @asked, @failed;
        push @bad, [$level, $line];
    }
    return unless @bad;
    my ($level, $line) = @{ $bad[0] };
    fail("$name - unexpected [$level] in error.log ($when; name it in --- error_log"
         . " if the block expects it): " . fmt_str($line));
    if (@bad > 1) {
        my $last = $#bad < 10 ? $#bad : 10;
        diag("$name - and " . (@bad - 1) . " more unexpected lines:\n"
             . join('', map { $_->[1] } @bad[1 .. $last]));
    }
}

sub check_access_log {
    my ($block, $rep) = @_;
    return unless defined $block->access_log || defined $block->no_access_log;
    my $name = $block->name;
    sleep $Sleep * 3;
    my $lines = [split /^/, slurp($AccLogFile)];
    match_lines($name, $lines, $block->access_log, 'access.log', $rep)
        if defined $block->access_log;
    no_match_lines($name, $lines, $block->no_access_log, 'access.log', $rep)
        if defined $block->no_access_log;
}

sub check_shutdown_error_log {
    my ($block, $lines) = @_;
    match_lines($block->name, $lines, $block->shutdown_error_log, 'error.log', 'shutdown')
        if defined $block->shutdown_error_log;
    no_match_lines($block->name, $lines, $block->no_shutdown_error_log, 'error.log', 'shutdown')
        if defined $block->no_shutdown_error_log;
}

1;
