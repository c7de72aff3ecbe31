# The deployable configurations of examples/*.conf, each started for real:
# rewritten only where a test must differ from a deployment (ports, the
# addresses of the identity provider and of the API, file paths: the rules
# are in examples/README.md and in rewrite() below), checked with nginx -t,
# started (master and workers, as the example says), and sent the requests
# that prove what the example's comments claim.
#
# One more nginx, the stub, plays every identity provider (over TLS, with
# a certificate for all their names, generated here and trusted through
# the rewritten proxy_ssl_trusted_certificate) and the APIs behind the
# gateways (plain HTTP: it answers with the request headers it received).
# The identity providers log each call (server name, method, URI, content
# type, Authorization, body) to logs/idp.log, so that tests can count the
# calls and see what the gateway sent.
#
# Test::Nginx starts one nginx from one server block; examples are whole
# nginx.conf files, so this suite is a plain Test::More script (it runs
# under prove like the others) that starts both nginx itself, as its own
# children (daemon off).
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (our module and the echo module; default: build/
# and Debian's echo module), TEST_NGINX_SERVER_PORT (ours are it + 70 to
# + 74; default 2370..2374), TEST_NGINX_SERVROOT (ours is it with
# "-examples" appended; default t/servroot-examples).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use AuthTokenTest;
use Cwd qw(getcwd);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @MODULES = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
@MODULES = (getcwd() . '/build/ngx_http_auth_token_module.so',
            '/usr/lib/nginx/modules/ngx_http_echo_module.so') unless @MODULES;
my ($MODULE) = grep { /ngx_http_auth_token_module/ } @MODULES;
my ($ECHO) = grep { /echo/ } @MODULES;

my $BASE = $ENV{TEST_NGINX_SERVER_PORT} ? $ENV{TEST_NGINX_SERVER_PORT} + 70 : 2370;
# the gateway, make run's demo upstream (its port + 1), the stub's APIs and
# identity providers, and a port where nothing listens (an identity
# provider that is down, the resolver)
my ($PORT, $DEMO_PORT, $API_PORT, $IDP_PORT, $DEAD_PORT)
    = ($BASE, $BASE + 1, $BASE + 2, $BASE + 3, $BASE + 4);

my $ROOT = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '-examples';
$ROOT = getcwd() . "/$ROOT" unless $ROOT =~ m{^/};
$ROOT =~ s{/+$}{};

my $EXAMPLES = getcwd() . '/examples';
my $KEYS = AuthTokenTest::keys_dir();
my $STUB = "$ROOT/stub";
my $PKI = "$ROOT/pki";
my $IDPLOG = "$STUB/logs/idp.log";

# every name the stub answers for over TLS (one certificate for all)
my @IDP_NAMES = qw(example.logto.app acme.logto.app globex.logto.app
                   api.agilicus.com idp.example.com auth.example.com
                   sso.example.com);

plan skip_all => "$NGINX is not executable" unless -x $NGINX;
plan skip_all => 'our module is needed (TEST_NGINX_LOAD_MODULES)'
    unless $MODULE && -f $MODULE;
plan skip_all => 'the echo module is needed (TEST_NGINX_LOAD_MODULES)'
    unless $ECHO && -f $ECHO;

my %PID;    # name => pid of an nginx we started (stub, gateway)

END {
    my $status = $?;
    stop_nginx($_) for keys %PID;
    $? = $status;
}

$SIG{INT} = $SIG{TERM} = sub { stop_nginx($_) for keys %PID; exit 1 };
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
    make_path(dirname($f));
    open my $fh, '>', "$f.tmp" or die "cannot write $f: $!\n";
    print $fh $data;
    close $fh or die "cannot write $f: $!\n";
    rename "$f.tmp", $f or die "cannot rename $f.tmp: $!\n";    # atomic for readers
}

sub port_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 0.5);
    return !$s;
}

sub run_quiet {
    my (@cmd) = @_;
    my $out = '';
    my $pid = open(my $fh, '-|') // die "fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    local $/;
    $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

# Starts nginx as our child (daemon off): $name for %PID, its prefix, its
# configuration, the ports it must listen on.
sub start_nginx {
    my ($name, $prefix, $conf, @ports) = @_;
    return start_child($name, $prefix,
                       [$NGINX, '-p', "$prefix/", '-c', $conf,
                        '-e', "$prefix/logs/error.log", '-g', 'daemon off;'],
                       @ports);
}

# Runs @$cmd as our child (it must exec nginx in the foreground), with its
# output in $prefix/logs/stderr, until it listens on @ports.
sub start_child {
    my ($name, $prefix, $cmd, @ports) = @_;
    my $errlog = "$prefix/logs/error.log";
    my @cmd = @$cmd;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        # our child: SIGTERM when we die (PR_SET_PDEATHSIG)
        eval { require 'syscall.ph'; syscall(&SYS_prctl, 1, 15) };
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$prefix/logs/stderr";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    $PID{$name} = $pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $PID{$name};
            diag("$name failed to start:\n"
                 . slurp("$prefix/logs/stderr") . slurp($errlog));
            return 0;
        }
        return 1 unless grep { port_free($_) } @ports;
        sleep 0.01;
    }
    diag("$name does not listen on @ports:\n" . slurp("$prefix/logs/stderr") . slurp($errlog));
    return 0;
}

sub stop_nginx {
    my $name = shift;
    my $p = delete $PID{$name} or return;
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

# A request to the gateway: req(METHOD, PATH, header lines...)
#   -> { status, headers => { lc name => value }, body, raw }
# from the address $FROM when it is set (127.0.0.2: another client)
our $FROM;
sub req {
    my ($method, $path, @headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT,
                                  Proto => 'tcp', Timeout => 5,
                                  ($FROM ? (LocalAddr => $FROM) : ()))
        or return { status => 0, headers => {}, body => '', raw => "connect: $!" };
    $s->autoflush(1);
    print $s join("\r\n", "$method $path HTTP/1.0", 'Host: api.example.com',
                  @headers, '', '');
    my $raw = '';
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    my $deadline = time + 10;
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
    return { status => $status // 0, headers => \%h, body => $body // '',
             raw => $raw };
}

sub get { req('GET', @_) }

# The request headers the API (the stub's echo backend) received, from
# the body of a proxied answer: { lc name => [values] }, and the request
# line as {line}.
sub upstream_headers {
    my $res = shift;
    my ($line, @lines) = split /\r\n/, $res->{body};
    my %h = (line => $line // '');
    for (@lines) { push @{ $h{lc $1} }, $2 if /^([^:]+):\s*(.*)$/ }
    return \%h;
}

# The one value of a header the API received, or undef.
sub up {
    my ($h, $name) = @_;
    my $v = $h->{lc $name} or return undef;
    return join "\n", @$v;
}

# The identity providers' calls so far: lines "server method uri ct auth body"
sub idp_calls {
    my $server = shift;
    return grep { /\S/ && (!defined $server || /^\Q$server\E /) }
           split /\n/, slurp($IDPLOG);
}

sub bearer_token {
    my (%a) = @_;
    return AuthTokenTest::jwt(%a);
}

sub www_is {
    my ($res, $want, $name) = @_;
    is($res->{headers}{'www-authenticate'}, $want, $name);
}

# ------------------------------------------------- the examples' rewrite
#
# An example is deployed as written. For the test, and only there:
#
#   1. modules/ngx_http_auth_token_module.so  -> the module under test; or
#      "include /etc/nginx/modules-enabled/*.conf;" (Debian's package): the
#      test writes the package's load file there, for the module under test
#   2. "listen 443 ssl;"                      -> "listen 127.0.0.1:<port>;"
#      (plain HTTP; the certificate files are still loaded by nginx -t)
#   3. upstream "server <name>:443"           -> the stub's TLS port: every
#      upstream server on port 443 is an identity provider
#   4. upstream "server <a.b.c.d>:<port>"     -> the stub's API port: every
#      upstream server given by address is the API
#   5. paths: /etc/nginx/ -> <dir>/conf/, /var/log/nginx/ -> <dir>/logs/,
#      /run/nginx.pid -> <dir>/logs/nginx.pid,
#      /etc/ssl/certs/ca-certificates.crt -> the stub's certificate
#   6. after "http {": the five *_temp_path under <dir> (nginx's defaults
#      are system directories)
#   7. "resolver <addresses> [parameters]"    -> "resolver 127.0.0.1:<a port
#      where nothing listens> [parameters]"
#
# Every rule must apply at least once where the example has that kind of
# line, and afterwards nothing may point outside the test directory: no
# address but 127.0.0.1 (allow and deny name clients, not destinations:
# they are left as they are), no path under /etc, /var or /run, no
# proxy_pass to a name that is not an upstream of the file.

sub rewrite {
    my ($text, $dir) = @_;
    my @problems;

    (my $code0 = $text) =~ s{(?:^|(?<=\s))#[^\n]*}{}g;
    push @problems, 'no load_module of the module'
        unless $code0 =~ m{^\s*load_module\s+modules/ngx_http_auth_token_module\.so\s*;}m
            || $code0 =~ m{^\s*include\s+/etc/nginx/modules-enabled/\*\.conf\s*;}m;
    $text =~ s{\bmodules/ngx_http_auth_token_module\.so\b}{$MODULE}g;

    $text =~ s{^(\s*)listen\s+443\s+ssl\s*;}{$1listen 127.0.0.1:$PORT;}mg
        or push @problems, 'no "listen 443 ssl;"';

    $text =~ s{^(\s*)server\s+([A-Za-z][A-Za-z0-9.-]*:443|\d+\.\d+\.\d+\.\d+:\d+)\b}
              {"${1}server 127.0.0.1:" . ($2 =~ /:443$/ ? $IDP_PORT : $API_PORT)}mge;

    $text =~ s{^(\s*)resolver\s+([^;]*);}{
        my ($indent, @args) = ($1, split ' ', $2);
        "${indent}resolver " . join(' ', "127.0.0.1:$DEAD_PORT", grep { /=/ } @args) . ';'
    }mge;

    $text =~ s{/etc/ssl/certs/ca-certificates\.crt\b}{$PKI/idp.crt}g;
    $text =~ s{/etc/nginx/}{$dir/conf/}g;
    $text =~ s{/var/log/nginx/}{$dir/logs/}g;
    $text =~ s{/run/nginx\.pid\b}{$dir/logs/nginx.pid}g;

    my $temps = join '', map { "    ${_}_temp_path $dir/temp/$_;\n" }
                qw(client_body proxy fastcgi uwsgi scgi);
    $text =~ s/^http\s*\{\n/http \{\n$temps/m
        or push @problems, 'no "http {" line';

    # what is left must stay inside the test
    (my $code = $text) =~ s{(?:^|(?<=\s))#[^\n]*}{}g;
    my %upstreams = map { $_ => 1 } $code =~ /^\s*upstream\s+(\S+)\s*\{/mg;
    for my $srv ($code =~ /\bserver\s+([^\s;{]+)/g) {
        push @problems, "upstream server $srv was not rewritten"
            unless $srv =~ /^127\.0\.0\.1:\d+$/;
    }
    for my $url ($code =~ /\bproxy_pass\s+([^\s;]+)/g) {
        my ($host) = $url =~ m{^https?://([^/:]+)} or next;
        push @problems, "proxy_pass $url: not an upstream of the file"
            unless $upstreams{$host} || $host eq '127.0.0.1';
    }
    for my $path ($code =~ m{(?<![\w.:/])(/(?:etc|var|run)/[^\s;]*)}g) {
        push @problems, "path outside the test: $path";
    }
    (my $dests = $code) =~ s{(?<![\w-])(?:allow|deny)\s[^;]*;}{}g;
    for my $addr ($dests =~ /\b(\d+\.\d+\.\d+\.\d+)\b/g) {
        push @problems, "address $addr" unless $addr eq '127.0.0.1';
    }

    return ($text, @problems);
}

# Rewrites examples/$file into $ROOT/$name/conf/nginx.conf, provides the
# files it names (certificates, and %files relative to /etc/nginx/), runs
# nginx -t and starts it. Returns true when the gateway runs.
sub deploy {
    my ($file, %files) = @_;
    (my $name = $file) =~ s/\.conf$//;
    my $dir = "$ROOT/$name";
    make_path(map { "$dir/$_" } qw(conf logs temp));

    my ($text, @problems) = rewrite(slurp("$EXAMPLES/$file"), $dir);
    is(join("\n", @problems), '', "$file: rewritten for the test, nothing points outside it");

    # the certificates it names: the test certificate
    for my $d (['ssl_certificate', 'gateway.crt'], ['ssl_certificate_key', 'gateway.key']) {
        for my $path ($text =~ /^\s*$d->[0]\s+(\S+);/mg) {
            make_path(dirname($path));
            copy("$PKI/$d->[1]", $path) or die "copy to $path: $!\n";
        }
    }
    # Debian's package: its load file, for the module under test
    $files{'modules-enabled/50-mod-http-auth-token.conf'} = "load_module $MODULE;\n"
        if $text =~ m{^\s*include\s+\Q$dir\E/conf/modules-enabled/\*\.conf\s*;}m;
    while (my ($rel, $data) = each %files) {
        spew("$dir/conf/$rel", $data);
    }
    spew("$dir/conf/nginx.conf", $text);

    my ($rc, $out) = run_quiet($NGINX, '-t', '-p', "$dir/", '-c', "$dir/conf/nginx.conf",
                               '-e', "$dir/logs/error.log", '-g', 'daemon off;');
    is($rc, 0, "$file: nginx -t") or diag($out);
    return 0 if $rc;

    unlink $IDPLOG;    # the stub reopens it on USR1
    kill 'USR1', $PID{stub};
    sleep 0.1;

    return ok(start_nginx('gateway', $dir, "$dir/conf/nginx.conf", $PORT),
              "$file: started");
}

sub undeploy {
    my $file = shift;
    (my $name = $file) =~ s/\.conf$//;
    stop_nginx('gateway');
    my $log = slurp("$ROOT/$name/logs/error.log");
    my @bad = grep { /\[(?:alert|crit|emerg)\]|exited on signal/ } split /^/, $log;
    is(join('', @bad), '', "$file: no alert, crit, emerg or crash in the error log");
}

# ---------------------------------------------------------------- the stub

sub write_stub {
    my $load = join '', map { "load_module $_;\n" } $ECHO;
    my $temps = join '', map { "    ${_}_temp_path $STUB/temp/$_;\n" }
                qw(client_body proxy fastcgi uwsgi scgi);
    my $names = join ' ', @IDP_NAMES;
    spew("$STUB/conf/nginx.conf", <<"_EOC_");
$load
master_process off;
error_log $STUB/logs/error.log info;
pid $STUB/logs/nginx.pid;

events {
    worker_connections 256;
}

http {
$temps
    default_type application/json;
    access_log off;
    lingering_close off;    # log the call before the gateway sees the end of the answer

    log_format idp escape=none '\$server_name \$request_method \$request_uri '
                               'ct=\$content_type auth=\$http_authorization body=\$request_body';

    ssl_certificate     $PKI/idp.crt;
    ssl_certificate_key $PKI/idp.key;

    # --- the APIs behind the gateways: the request line and headers
    server {
        listen 127.0.0.1:$API_PORT;
        server_name api;
        underscores_in_headers on;
        location / {
            default_type text/plain;
            echo -n \$echo_client_request_headers;
        }
    }

    # --- Logto: the JWKS is a file the test replaces (rotation)
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name example.logto.app;
        access_log $IDPLOG idp;
        location = /oidc/jwks { alias $STUB/html/logto-jwks.json; }
    }

    # --- two Logto tenants, each its own JWKS (files the test writes)
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name acme.logto.app;
        access_log $IDPLOG idp;
        location = /oidc/jwks { alias $STUB/html/logto-acme-jwks.json; }
    }
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name globex.logto.app;
        access_log $IDPLOG idp;
        location = /oidc/jwks { alias $STUB/html/logto-globex-jwks.json; }
    }

    # --- a Keycloak realm found by discovery: the document (a file the
    #     test writes) names the JWKS and the introspection endpoint;
    #     introspection: a JWT is active, anything else is not
    map \$request_body \$sso_introspect {
        default          inactive;
        '~^token=eyJ'    active;
    }
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name sso.example.com;
        access_log $IDPLOG idp;
        location = /realms/acme/.well-known/openid-configuration {
            alias $STUB/html/sso-discovery.json;
        }
        location = /realms/acme/protocol/openid-connect/certs {
            alias $STUB/html/sso-jwks.json;
        }
        location = /realms/acme/protocol/openid-connect/token/introspect {
            echo_read_request_body;
            echo_exec /introspect/\$sso_introspect;
        }
        location = /introspect/active {
            echo '{"active":true,"sub":"kc-alice","iss":"https://sso.example.com/realms/acme","aud":["orders-api","account"],"client_id":"orders-web","exp":4102444800}';
        }
        location = /introspect/inactive { echo '{"active":false}'; }
    }

    # --- Agilicus: status-code introspection, JSON reissue; the answer is
    #     chosen by the token or the org_id in the JSON body
    map \$request_body \$agilicus_introspect {
        default                   unknown;
        '~"token":"ag-alice"'     alice;
        '~"token":"ag-revoked"'   revoked;
    }
    map \$request_body \$agilicus_reissue {
        default                   unknown;
        '~"org_id":"acme"'        acme;
        '~"org_id":"globex"'      denied;
    }
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name api.agilicus.com;
        access_log $IDPLOG idp;
        location = /v1/tokens/introspect {
            echo_read_request_body;
            echo_exec /introspect/\$agilicus_introspect;
        }
        location = /introspect/alice {
            echo '{"sub":"u-alice","email":"alice\@example.com","org":"org-home","roles":{"orders":["viewer"]},"exp":4102444800}';
        }
        location = /introspect/revoked { echo_status 410; echo '{"error":"token revoked"}'; }
        location = /introspect/unknown { echo_status 404; echo '{"error":"no such token"}'; }
        location = /v1/tokens/reissue {
            echo_read_request_body;
            echo_exec /reissue/\$agilicus_reissue;
        }
        location = /reissue/acme { echo '{"token":"ag-acme-token-of-alice","expires_in":600}'; }
        location = /reissue/denied { echo_status 403; echo '{"error":"no permission in this organisation"}'; }
        location = /reissue/unknown { echo_status 400; echo '{"error":"stub: unknown org"}'; }
    }

    # --- an RFC 8693 provider: JWKS, token exchange by audience; and RFC
    #     7662 introspection (deployment.conf): the answer is chosen by the
    #     token, op-slow answers after 3 s
    map \$request_body \$idp_exchange {
        default                                 unknown;
        "~audience=https%3A%2F%2Forders\\."       orders;
        "~audience=https%3A%2F%2Fbilling\\."      billing;
    }
    map \$request_body \$idp_introspect {
        default                  inactive;
        '~^token=op-alice&'      alice;
        '~^token=op-slow&'       slow;
    }
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name idp.example.com;
        access_log $IDPLOG idp;
        location = /.well-known/jwks.json { alias $STUB/html/idp-jwks.json; }
        location = /oauth2/token {
            echo_read_request_body;
            echo_exec /exchange/\$idp_exchange;
        }
        location = /exchange/orders {
            echo '{"access_token":"orders-token-of-user-42","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":300}';
        }
        location = /exchange/billing { echo_status 400; echo '{"error":"invalid_target"}'; }
        location = /exchange/unknown { echo_status 400; echo '{"error":"invalid_request"}'; }
        location = /oauth2/introspect {
            echo_read_request_body;
            echo_exec /introspect/\$idp_introspect;
        }
        location = /introspect/alice {
            echo '{"active":true,"sub":"svc-reports","client_id":"reports","scope":"reports:read","iss":"https://idp.example.com","aud":"https://api.example.com","exp":4102444800}';
        }
        location = /introspect/slow { echo_sleep 3; echo '{"active":false}'; }
        location = /introspect/inactive { echo '{"active":false}'; }
    }

    # --- a provider with a "switch tenant" API: JWKS, switch by tenant_id
    map \$request_body \$tenant_case {
        default                      unknown;
        '~"tenant_id":"acme"'        acme;
        '~"tenant_id":"initech"'     initech;
        '~"tenant_id":"globex"'      globex;
    }
    server {
        listen 127.0.0.1:$IDP_PORT ssl;
        server_name auth.example.com;
        access_log $IDPLOG idp;
        location = /.well-known/jwks.json { alias $STUB/html/idp-jwks.json; }
        location = /v1/tenants/switch {
            echo_read_request_body;
            echo_exec /switch/\$tenant_case;
        }
        location = /switch/acme { echo '{"access_token":"tenant-acme-token","token_type":"Bearer","expires_in":300}'; }
        location = /switch/initech { echo '{"access_token":"tenant-initech-token","token_type":"Bearer","expires_in":300}'; }
        location = /switch/globex { echo_status 403; echo '{"error":"access_denied","error_description":"not a member of this tenant"}'; }
        location = /switch/unknown { echo_status 400; echo '{"error":"invalid_request"}'; }
    }
}
_EOC_
}

sub openssl_cert {
    my ($name, @sans) = @_;
    my $san = join ',', map { "DNS:$_" } @sans;
    my ($rc, $out) = run_quiet('openssl', 'req', '-x509', '-newkey', 'ec',
        '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
        '-subj', "/CN=$sans[0]", '-addext', "subjectAltName=$san",
        '-keyout', "$PKI/$name.key", '-out', "$PKI/$name.crt");
    die "openssl req failed: $out\n" if $rc;
}

# ------------------------------------------------------------- the tokens

my $JSON = JSON::PP->new->canonical;

# A JWKS with keys of t/keys/jwks.json, by kid.
my %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return $JSON->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

# ----------------------------------------------------------------- the test

die "refusing to use $ROOT\n" unless $ROOT =~ /servroot[^\/]*-examples$/;
remove_tree($ROOT);
make_path("$STUB/logs", "$STUB/temp", "$STUB/html", $PKI);

for my $p ($PORT, $DEMO_PORT, $API_PORT, $IDP_PORT, $DEAD_PORT) {
    BAIL_OUT("port $p is in use") unless port_free($p);
}

openssl_cert('idp', @IDP_NAMES);
openssl_cert('gateway', 'api.example.com');

write_stub();
ok(start_nginx('stub', $STUB, "$STUB/conf/nginx.conf", $API_PORT, $IDP_PORT),
   'the stub (identity providers and APIs) started')
    or BAIL_OUT('the stub did not start');

# The rewrite's guard itself: what it cannot rewrite is reported.
{
    my (undef, @problems) = rewrite(<<'_EOC_', "$ROOT/guard");
load_module modules/ngx_http_auth_token_module.so;
http {
    upstream idp { server idp.example.com:8443; }
    server {
        listen 443 ssl;
        auth_token_jwks_file /usr/local/etc/jwks.json;
        location / { proxy_pass https://idp.example.com/x; }
        location /a { proxy_pass http://10.1.2.3:80; }
        location /b { auth_token_jwks_file /etc/keys/jwks.json; }
        location /c { allow 10.0.0.0/8; deny all; }
        resolver 10.0.0.2 [2001:db8::1]:53 valid=30s;
    }
}
_EOC_
    is(join("\n", @problems), join("\n",
        'upstream server idp.example.com:8443 was not rewritten',
        'proxy_pass https://idp.example.com/x: not an upstream of the file',
        'proxy_pass http://10.1.2.3:80: not an upstream of the file',
        'path outside the test: /etc/keys/jwks.json',
        'address 10.1.2.3'),
       'the rewrite reports what it leaves pointing outside the test');
}

my @RUN = @ARGV ? @ARGV : qw(makerun logto multitenant discovery agilicus rfc8693
                              tenant scheme migrated deployment);
my %TESTS;

# ===================================================== logto-jwks-rotation

$TESTS{logto} = sub {
    my $file = 'logto-jwks-rotation.conf';

    # Logto's JWKS before the rotation: one EC key (ES384); the rotation
    # below switches to RSA, as the Console allows
    spew("$STUB/html/logto-jwks.json", jwks('ec384'));

    deploy($file) or return;

    my %claims = (iss => 'https://example.logto.app/oidc',
                  aud => 'https://api.example.com',
                  sub => 'u-alice', client_id => 'app-web',
                  scope => 'read:orders write:orders',
                  roles => ['admin', 'editor'],
                  tenant => { id => 't-42', plan => 'pro' });
    my $old = bearer_token(alg => 'ES384', key => 'ec384', kid => 'ec384',
                           claims => \%claims);

    # a valid token: 200, the identity headers upstream, not the token,
    # not the client's own X-User
    my $t0 = time;
    my $res = get('/orders/42', "Authorization: Bearer $old", 'X-User: mallory');
    is($res->{status}, 200, 'logto: a valid token: 200');
    my $h = upstream_headers($res);
    is($h->{line}, 'GET /orders/42 HTTP/1.1', 'logto: the API got the request');
    is(up($h, 'X-User'), 'u-alice', 'logto: X-User is the token\'s sub (the client\'s copy is gone)');
    is(up($h, 'X-Client-Id'), 'app-web', 'logto: X-Client-Id');
    is(up($h, 'X-Scope'), 'read:orders write:orders', 'logto: X-Scope');
    is(up($h, 'X-Roles'), 'admin,editor', 'logto: X-Roles, from the JWT customizer');
    is(up($h, 'X-Tenant-Id'), 't-42', 'logto: X-Tenant-Id, a nested custom claim');
    is(up($h, 'X-Plan'), 'pro', 'logto: X-Plan');
    is(up($h, 'Authorization'), undef, 'logto: the token does not reach the API');
    is(scalar idp_calls('example.logto.app'), 1, 'logto: one JWKS fetch');

    # the customizer's claims gate locations
    is(get('/admin/users', "Authorization: Bearer $old")->{status}, 200,
       'logto: roles has admin: /admin/ 200');
    my $editor = bearer_token(alg => 'ES384', key => 'ec384', kid => 'ec384',
        claims => { %claims, roles => ['editor'], tenant => { id => 't-7', plan => 'free' } });
    $res = get('/admin/users', "Authorization: Bearer $editor");
    is($res->{status}, 403, 'logto: roles without admin: /admin/ 403');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token does not meet the requirements"',
           'logto: 403 insufficient_scope');
    is(get('/exports/x', "Authorization: Bearer $old")->{status}, 200, 'logto: plan pro: /exports/ 200');
    is(get('/exports/x', "Authorization: Bearer $editor")->{status}, 403, 'logto: plan free: /exports/ 403');

    # refusals
    $res = get('/orders/42');
    is($res->{status}, 401, 'logto: no token: 401');
    www_is($res, 'Bearer realm="api"', 'logto: no token: the bare challenge');

    my $expired = bearer_token(alg => 'ES384', key => 'ec384', kid => 'ec384',
        claims => { %claims, iat => time - 7200, exp => time - 3600 });
    $res = get('/orders/42', "Authorization: Bearer $expired");
    is($res->{status}, 401, 'logto: expired: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token expired"',
           'logto: expired: "Token expired"');

    my $other_api = bearer_token(alg => 'ES384', key => 'ec384', kid => 'ec384',
        claims => { %claims, aud => 'https://billing.example.com' });
    $res = get('/orders/42', "Authorization: Bearer $other_api");
    is($res->{status}, 401, 'logto: a token for another API resource: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
           'logto: "Token audience not accepted"');

    is(get('/_logto/jwks')->{status}, 404, 'logto: the JWKS location is internal');
    is(get('/health')->{status}, 200, 'logto: /health needs no token');

    # Rotation. Logto publishes the new key in front of the old one and
    # signs with it at once; the gateway's last fetch is older than the
    # refetch interval (5 s), as it is in real life.
    my $wait = $t0 + 5.3 - time;
    sleep $wait if $wait > 0;
    spew("$STUB/html/logto-jwks.json", jwks('rsa2', 'ec384'));

    my $new = bearer_token(alg => 'RS256', key => 'rsa2', kid => 'rsa2',
                           claims => { %claims, sub => 'u-bob' });
    $res = get('/orders/43', "Authorization: Bearer $new");
    is($res->{status}, 200, 'logto: rotation: a token of the new key, right after it is published: 200');
    is(up(upstream_headers($res), 'X-User'), 'u-bob', 'logto: rotation: its identity reaches the API');
    is(get('/orders/42', "Authorization: Bearer $old")->{status}, 200,
       'logto: rotation: the previous key\'s tokens still work');
    is(scalar idp_calls('example.logto.app'), 2, 'logto: rotation: one more JWKS fetch');

    my $forged = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256', claims => \%claims);
    $res = get('/orders/42', "Authorization: Bearer $forged");
    is($res->{status}, 401, 'logto: a key Logto never published: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
           'logto: "Unknown signing key"');

    undeploy($file);
};

# The text of docs/$doc between "<!-- examples/$file -->" and the end of
# the nginx block that follows it
sub shown_in {
    my ($doc, $file) = @_;
    my ($shown) = slurp(getcwd() . "/docs/$doc")
                  =~ /<!-- examples\/\Q$file\E -->\n```nginx\n(.*?)```\n/s;
    return $shown;
}

# ===================================================== logto-multi-tenant

$TESTS{multitenant} = sub {
    my $file = 'logto-multi-tenant.conf';

    is(shown_in('directives.md', $file), slurp("$EXAMPLES/$file"),
       "multitenant: docs/directives.md shows examples/$file as it is");

    # each tenant its own keys: acme RSA, globex EC
    spew("$STUB/html/logto-acme-jwks.json", jwks('rsa1'));
    spew("$STUB/html/logto-globex-jwks.json", jwks('ec256'));

    deploy($file) or return;

    my $ACME = 'https://acme.logto.app/oidc';
    my $GLOBEX = 'https://globex.logto.app/oidc';
    my %claims = (aud => 'https://api.example.com', client_id => 'app-web',
                  scope => 'read:orders');
    my %at = (header => { typ => 'at+jwt' });
    my $acme = bearer_token(%at, alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                            claims => { %claims, iss => $ACME, sub => 'u-alice' });
    my $globex = bearer_token(%at, alg => 'ES256', key => 'ec256', kid => 'ec256',
                              claims => { %claims, iss => $GLOBEX, sub => 'u-bob' });

    # an issuer that is not listed: refused before any call to Logto
    my $other = bearer_token(%at, alg => 'RS256', key => 'rsa1', kid => 'rsa1',
        claims => { %claims, iss => 'https://initech.logto.app/oidc', sub => 'u-eve' });
    my $res = get('/orders/1', "Authorization: Bearer $other");
    is($res->{status}, 401, 'multitenant: a token of another tenant: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
           'multitenant: "Token issuer not accepted"');
    my $none = bearer_token(%at, alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                            claims => { %claims, sub => 'u-eve' });
    is(get('/orders/1', "Authorization: Bearer $none")->{status}, 401,
       'multitenant: a token without "iss": 401');
    is(scalar idp_calls(), 0, 'multitenant: no call to Logto for them');

    # each tenant's token: 200, with its tenant
    $res = get('/orders/1', "Authorization: Bearer $acme", 'X-Tenant: globex');
    is($res->{status}, 200, 'multitenant: a token of tenant acme: 200');
    my $h = upstream_headers($res);
    is(up($h, 'X-User'), 'u-alice', 'multitenant: acme: X-User');
    is(up($h, 'X-Tenant'), 'acme', 'multitenant: acme: X-Tenant (the client\'s copy is replaced)');
    is(up($h, 'Authorization'), undef, 'multitenant: acme: the token does not reach the API');

    $res = get('/orders/2', "Authorization: Bearer $globex");
    is($res->{status}, 200, 'multitenant: a token of tenant globex: 200');
    $h = upstream_headers($res);
    is(up($h, 'X-User'), 'u-bob', 'multitenant: globex: X-User');
    is(up($h, 'X-Tenant'), 'globex', 'multitenant: globex: X-Tenant');

    is(join("\n", idp_calls()), join("\n",
        'acme.logto.app GET /oidc/jwks ct= auth= body=',
        'globex.logto.app GET /oidc/jwks ct= auth= body='),
       'multitenant: one JWKS fetch per tenant, each from its own endpoint');

    # cross-tenant: acme's issuer, globex's key (and kid)
    my $cross = bearer_token(%at, alg => 'ES256', key => 'ec256', kid => 'ec256',
                             claims => { %claims, iss => $ACME, sub => 'u-mallory' });
    $res = get('/orders/1', "Authorization: Bearer $cross");
    is($res->{status}, 401, 'multitenant: a token claiming acme, signed with globex\'s key: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Unknown signing key"',
           'multitenant: "Unknown signing key" (acme has no such key)');
    is(scalar idp_calls('acme.logto.app'), 2,
       'multitenant: the unknown kid fetched acme\'s JWKS again (a rotation?), once');
    is(scalar idp_calls('globex.logto.app'), 1, 'multitenant: globex\'s was not asked');
    $cross = bearer_token(%at, alg => 'ES256', key => 'ec256', kid => 'ec256',
                          claims => { %claims, iss => $ACME, sub => 'u-mallory2' });
    is(get('/orders/1', "Authorization: Bearer $cross")->{status}, 401,
       'multitenant: again: 401');
    is(scalar idp_calls('acme.logto.app'), 2,
       'multitenant: again: no more fetches (the kid was looked for)');

    # an ID token of acme, same keys: not an access token
    my $id = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
        claims => { iss => $ACME, aud => 'https://api.example.com', sub => 'u-alice',
                    nonce => 'n-0S6_WzA2Mj', azp => 'app-web' });
    $res = get('/orders/1', "Authorization: Bearer $id");
    is($res->{status}, 401, 'multitenant: an ID token (typ JWT) of acme: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token is not an access token"',
           'multitenant: "Token is not an access token"');

    $res = get('/orders/1');
    is($res->{status}, 401, 'multitenant: no token: 401');
    www_is($res, 'Bearer realm="api"', 'multitenant: no token: the bare challenge');
    my $noscope = bearer_token(%at, alg => 'ES256', key => 'ec256', kid => 'ec256',
        claims => { %claims, iss => $GLOBEX, scope => 'profile' });
    is(get('/orders/1', "Authorization: Bearer $noscope")->{status}, 403,
       'multitenant: without read:orders: 403');

    for my $uri ('/_logto/acme/jwks', '/_logto/globex/jwks') {
        is(get($uri)->{status}, 404, "multitenant: $uri is internal");
    }
    like(slurp("$ROOT/logto-multi-tenant/logs/access.log"),
         qr{"GET /orders/2 HTTP/1\.0" 200 iss="https://globex\.logto\.app/oidc" sub="u-bob" token=valid},
         'multitenant: the access log names the issuer');
    undeploy($file);
};

# ========================================================= oidc-discovery

$TESTS{discovery} = sub {
    my $file = 'oidc-discovery.conf';

    is(shown_in('directives.md', $file), slurp("$EXAMPLES/$file"),
       "discovery: docs/directives.md shows examples/$file as it is");

    my $ISS = 'https://sso.example.com/realms/acme';
    my $OIDC = "$ISS/protocol/openid-connect";
    spew("$STUB/html/sso-discovery.json", $JSON->encode({
        issuer => $ISS,
        authorization_endpoint => "$OIDC/auth",
        token_endpoint => "$OIDC/token",
        introspection_endpoint => "$OIDC/token/introspect",
        userinfo_endpoint => "$OIDC/userinfo",
        jwks_uri => "$OIDC/certs",
        response_types_supported => ['code'],
        subject_types_supported => ['public'],
        id_token_signing_alg_values_supported => ['RS256', 'ES256'] }));
    spew("$STUB/html/sso-jwks.json", jwks('rsa2', 'ec256'));

    deploy($file) or return;

    my %claims = (iss => $ISS, aud => ['orders-api', 'account'], sub => 'kc-alice',
                  azp => 'orders-web', scope => 'openid profile');
    my $tok = bearer_token(alg => 'RS256', key => 'rsa2', kid => 'rsa2', claims => \%claims);

    my $res = get('/api/orders', "Authorization: Bearer $tok", 'X-User: mallory');
    is($res->{status}, 200, 'discovery: a token of the discovered issuer: 200');
    my $h = upstream_headers($res);
    is(up($h, 'X-User'), 'kc-alice', 'discovery: X-User (the client\'s copy is gone)');
    is(up($h, 'Authorization'), undef, 'discovery: the token does not reach the API');
    is(join("\n", idp_calls()), join("\n",
        'sso.example.com GET /realms/acme/.well-known/openid-configuration ct= auth= body=',
        'sso.example.com GET /realms/acme/protocol/openid-connect/certs ct= auth= body='),
       'discovery: the document, then the keys at the jwks_uri it names');

    is(get('/api/orders', "Authorization: Bearer $tok")->{status}, 200,
       'discovery: again: 200');
    my $ec = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                          claims => { %claims, sub => 'kc-bob' });
    is(up(upstream_headers(get('/api/orders', "Authorization: Bearer $ec")), 'X-User'),
       'kc-bob', 'discovery: another key of the realm: 200');
    is(scalar idp_calls(), 2, 'discovery: no more calls');

    # another issuer, the same keys: refused
    my $other = bearer_token(alg => 'RS256', key => 'rsa2', kid => 'rsa2',
        claims => { %claims, iss => 'https://sso.example.com/realms/other' });
    $res = get('/api/orders', "Authorization: Bearer $other");
    is($res->{status}, 401, 'discovery: a token of another realm: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token issuer not accepted"',
           'discovery: "Token issuer not accepted"');
    my $noaud = bearer_token(alg => 'RS256', key => 'rsa2', kid => 'rsa2',
                             claims => { %claims, aud => 'account' });
    www_is(get('/api/orders', "Authorization: Bearer $noaud"),
           'Bearer realm="api", error="invalid_token", error_description="Token audience not accepted"',
           'discovery: a token without the API\'s audience: "Token audience not accepted"');

    # /admin/: introspected at the endpoint the document named, with the
    # gateway's credentials
    $res = get('/admin/users', "Authorization: Bearer $tok");
    is($res->{status}, 200, 'discovery: /admin/: the token, active at Keycloak: 200');
    is(up(upstream_headers($res), 'X-User'), 'kc-alice', 'discovery: /admin/: X-User from the answer');
    my $basic = 'Basic ' . MIME::Base64::encode_base64('api-gateway:change-me', '');
    is(join("\n", grep { /introspect/ } idp_calls()),
       'sso.example.com POST /realms/acme/protocol/openid-connect/token/introspect '
       . "ct=application/x-www-form-urlencoded auth=$basic body=token=$tok&token_type_hint=access_token",
       'discovery: /admin/: one introspection call, at the introspection_endpoint of the document');
    $res = get('/admin/users', 'Authorization: Bearer kc-opaque-1');
    is($res->{status}, 401, 'discovery: /admin/: a token Keycloak says is not active: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token is not active"',
           'discovery: /admin/: "Token is not active"');
    is(scalar(grep { /\.well-known/ } idp_calls()), 1, 'discovery: the document was fetched once');

    for my $uri ('/_discovery', '/_jwks', '/_introspect') {
        is(get($uri)->{status}, 404, "discovery: $uri is internal");
    }
    like(slurp("$ROOT/oidc-discovery/logs/access.log"),
         qr{"GET /api/orders HTTP/1\.0" 200 sub="kc-alice" token=valid jwks_uri="\Q$OIDC\E/certs"},
         'discovery: $auth_token_jwks_uri in the access log');
    # (values in log lines are shortened to 64 bytes)
    like(slurp("$ROOT/oidc-discovery/logs/error.log"),
         qr{discovery document "/_discovery" loaded: issuer "\Q$ISS\E", jwks_uri "\Q$OIDC\E/cert},
         'discovery: the error log says what the document named (notice)');

    # the provider goes down, then nginx -s reload: the document and the
    # keys are fetched again at once, fail, and the last good ones serve
    my $dir = "$ROOT/oidc-discovery";
    my $conf = slurp("$dir/conf/nginx.conf");
    (my $down = $conf) =~ s{127\.0\.0\.1:$IDP_PORT\b}{127.0.0.1:$DEAD_PORT}g;
    reload_gateway($dir, $down, 'discovery: provider down');
    my $carol = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                             claims => { %claims, sub => 'kc-carol' });
    $res = get('/api/orders', "Authorization: Bearer $carol");
    is($res->{status}, 200,
       'discovery: provider down, after a reload: a new token: 200 (the last good document and keys)');
    is(up(upstream_headers($res), 'X-User'), 'kc-carol', 'discovery: provider down: X-User');
    like(slurp("$dir/logs/error.log"),
         qr{discovery document "/_discovery" fetch failed: .*keeping the last good document},
         'discovery: provider down: "fetch failed ... keeping the last good document"');
    undeploy($file);
};

# ============================================ agilicus-introspect-reissue

$TESTS{agilicus} = sub {
    my $file = 'agilicus-introspect-reissue.conf';
    deploy($file) or return;

    # a request for an organisation: introspected, reissued for it, and
    # only the reissued token reaches the API
    my $res = get('/v1/orgs/acme/orders', 'Authorization: Bearer ag-alice');
    is($res->{status}, 200, 'agilicus: an active token, an organisation of the user: 200');
    my $h = upstream_headers($res);
    is(up($h, 'Authorization'), 'Bearer ag-acme-token-of-alice',
       'agilicus: the API gets the token reissued for the organisation');
    is(up($h, 'X-User'), 'u-alice', 'agilicus: X-User from the introspection answer');
    is(up($h, 'X-Email'), 'alice@example.com', 'agilicus: X-Email');
    is(up($h, 'X-Org-Id'), 'acme', 'agilicus: X-Org-Id');
    is(join("\n", idp_calls('api.agilicus.com')),
       join("\n",
            'api.agilicus.com POST /v1/tokens/introspect ct=application/json auth= body={"token":"ag-alice"}',
            'api.agilicus.com POST /v1/tokens/reissue ct=application/json auth= body={"token":"ag-alice","org_id":"acme"}'),
       'agilicus: introspect then reissue, both with JSON bodies');

    $res = get('/v1/orgs/acme/orders', 'Authorization: Bearer ag-alice');
    is($res->{status}, 200, 'agilicus: again: 200');
    is(up(upstream_headers($res), 'Authorization'), 'Bearer ag-acme-token-of-alice',
       'agilicus: again: the same reissued token');
    is(scalar idp_calls('api.agilicus.com'), 2, 'agilicus: again: from the cache, no call');

    $res = get('/v1/orgs/globex/orders', 'Authorization: Bearer ag-alice');
    is($res->{status}, 403, 'agilicus: an organisation the user has no permission in: 403');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token exchange refused for this target"',
           'agilicus: "Token exchange refused for this target"');

    $res = get('/profile', 'Authorization: Bearer ag-alice');
    is($res->{status}, 200, 'agilicus: outside /v1/orgs/: 200');
    $h = upstream_headers($res);
    is(up($h, 'Authorization'), undef, 'agilicus: outside /v1/orgs/: no token upstream');
    is(up($h, 'X-User'), 'u-alice', 'agilicus: outside /v1/orgs/: X-User');

    $res = get('/v1/orgs/acme/orders', 'Authorization: Bearer ag-revoked');
    is($res->{status}, 401, 'agilicus: revoked (410): 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token has been revoked"',
           'agilicus: "Token has been revoked"');
    is(scalar(grep { /reissue/ } idp_calls('api.agilicus.com')), 2,
       'agilicus: a revoked token is never reissued');

    $res = get('/profile', 'Authorization: Bearer ag-nobody');
    is($res->{status}, 401, 'agilicus: unknown (404): 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token is not active"',
           'agilicus: "Token is not active"');

    is(get('/_agilicus/introspect')->{status}, 404, 'agilicus: the introspection location is internal');
    undeploy($file);
};

# ======================================================= rfc8693-exchange

# application/x-www-form-urlencoded, as a strict encoder writes it
sub enc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

$TESTS{rfc8693} = sub {
    my $file = 'rfc8693-exchange.conf';
    spew("$STUB/html/idp-jwks.json", jwks('rsa1', 'ec256'));
    deploy($file) or return;

    my %claims = (iss => 'https://idp.example.com', aud => 'https://api.example.com',
                  sub => 'user-42', scope => 'orders billing');
    my $tok = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1', claims => \%claims);

    my $res = get('/orders/7', "Authorization: Bearer $tok");
    is($res->{status}, 200, 'rfc8693: a valid token: 200');
    my $h = upstream_headers($res);
    is(up($h, 'Authorization'), 'Bearer orders-token-of-user-42',
       'rfc8693: the orders service gets the exchanged token, not the client\'s');
    is(up($h, 'X-User'), 'user-42', 'rfc8693: X-User');

    my @calls = idp_calls('idp.example.com');
    is(scalar @calls, 2, 'rfc8693: one JWKS fetch, one exchange');
    my $basic = 'Basic ' . MIME::Base64::encode_base64('api-gateway:change-me', '');
    is($calls[1],
       'idp.example.com POST /oauth2/token ct=application/x-www-form-urlencoded '
       . "auth=$basic body="
       . 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange'
       . '&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token'
       . '&subject_token=' . enc($tok)
       . '&audience=' . enc('https://orders.internal.example.com')
       . '&scope=' . enc('orders:read'),
       'rfc8693: the exchange: the RFC 8693 form with the service as audience, the gateway\'s credentials');

    for (1 .. 3) {
        $res = get('/orders/7', "Authorization: Bearer $tok");
    }
    is(up(upstream_headers($res), 'Authorization'), 'Bearer orders-token-of-user-42',
       'rfc8693: more requests: the same exchanged token');
    is(scalar idp_calls('idp.example.com'), 2, 'rfc8693: more requests: from the cache, no call');

    $res = get('/billing/invoices', "Authorization: Bearer $tok");
    is($res->{status}, 403, 'rfc8693: the provider refuses the billing audience (invalid_target): 403');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token exchange refused for this target"',
           'rfc8693: "Token exchange refused for this target"');

    my $narrow = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                              claims => { %claims, scope => 'orders' });
    $res = get('/billing/invoices', "Authorization: Bearer $narrow");
    is($res->{status}, 403, 'rfc8693: a token without the billing scope: 403 before any exchange');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token lacks a required scope", scope="billing"',
           'rfc8693: "Token lacks a required scope"');

    my $expired = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                               claims => { %claims, exp => time - 60 });
    $res = get('/orders/7', "Authorization: Bearer $expired");
    is($res->{status}, 401, 'rfc8693: expired: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token expired"',
           'rfc8693: "Token expired"');
    is(scalar(grep { m{/oauth2/token} } idp_calls('idp.example.com')), 2,
       'rfc8693: refused tokens are never exchanged');

    is(get('/_idp/token')->{status}, 404, 'rfc8693: the exchange location is internal');
    undeploy($file);
};

# ========================================================== tenant-switch

$TESTS{tenant} = sub {
    my $file = 'tenant-switch.conf';
    spew("$STUB/html/idp-jwks.json", jwks('rsa1', 'ec256'));
    deploy($file) or return;

    my %claims = (iss => 'https://auth.example.com', aud => 'api',
                  sub => 'alice', home_tenant => 'acme');
    my $tok = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256', claims => \%claims);

    my $res = get('/api/projects', "Authorization: Bearer $tok", 'X-Tenant: initech');
    is($res->{status}, 200, 'tenant: X-Tenant of a tenant the user is in: 200');
    my $h = upstream_headers($res);
    is(up($h, 'Authorization'), 'Bearer tenant-initech-token', 'tenant: the API gets the tenant\'s token');
    is(up($h, 'X-Tenant'), 'initech', 'tenant: X-Tenant');
    is(up($h, 'X-User'), 'alice', 'tenant: X-User');
    my @switch = grep { m{/v1/tenants/switch} } idp_calls('auth.example.com');
    is(join("\n", @switch),
       'auth.example.com POST /v1/tenants/switch ct=application/json '
       . qq(auth=Bearer $tok body={"token":"$tok","tenant_id":"initech"}),
       'tenant: the switch call: JSON body, the client\'s token as Bearer');

    $res = get('/api/projects', "Authorization: Bearer $tok");
    is($res->{status}, 200, 'tenant: no X-Tenant: 200');
    $h = upstream_headers($res);
    is(up($h, 'Authorization'), 'Bearer tenant-acme-token', 'tenant: no X-Tenant: the home tenant\'s token');
    is(up($h, 'X-Tenant'), 'acme', 'tenant: no X-Tenant: X-Tenant is the home tenant');

    $res = get('/api/projects', "Authorization: Bearer $tok", 'X-Tenant: globex');
    is($res->{status}, 403, 'tenant: a tenant the user is not in: 403');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token exchange refused for this target"',
           'tenant: "Token exchange refused for this target"');

    my $homeless = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                                claims => { %claims, home_tenant => undef });
    $res = get('/api/projects', "Authorization: Bearer $homeless");
    is($res->{status}, 403, 'tenant: no X-Tenant and no home tenant: 403');
    www_is($res, 'Bearer realm="api", error="insufficient_scope", error_description="Token does not meet the requirements"',
           'tenant: no tenant at all: "Token does not meet the requirements"');
    is(up(upstream_headers(get('/api/projects', "Authorization: Bearer $homeless", 'X-Tenant: acme')), 'Authorization'),
       'Bearer tenant-acme-token', 'tenant: no home tenant, X-Tenant: the tenant\'s token');

    $res = get('/api/projects', "Authorization: Bearer $tok", 'X-Tenant: ../admin');
    is($res->{status}, 400, 'tenant: a malformed X-Tenant: 400');

    $res = get('/api/projects', 'X-Tenant: initech');
    is($res->{status}, 401, 'tenant: no token: 401');
    www_is($res, 'Bearer realm="api"', 'tenant: no token: the bare challenge');

    my $expired = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                               claims => { %claims, exp => time - 60 });
    $res = get('/api/projects', "Authorization: Bearer $expired", 'X-Tenant: initech');
    is($res->{status}, 401, 'tenant: expired: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token expired"',
           'tenant: "Token expired"');

    is(scalar(grep { m{/v1/tenants/switch} } idp_calls('auth.example.com')), 4,
       'tenant: one switch call per client token and tenant, none without a tenant or for refused tokens');
    undeploy($file);
};

# ========================================================== custom-scheme

$TESTS{scheme} = sub {
    my $file = 'custom-scheme.conf';
    deploy($file, 'auth-token/jwks.json' => jwks('ec256', 'rsa1')) or return;

    my %claims = (iss => 'https://issuer.example.com', aud => 'reports', sub => 'carol');
    my $tok = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256', claims => \%claims);

    my $res = get('/reports/q3', "Authorization: JWT $tok");
    is($res->{status}, 200, 'scheme: "Authorization: JWT <token>": 200');
    my $h = upstream_headers($res);
    is(up($h, 'X-User'), 'carol', 'scheme: X-User');
    is(up($h, 'Authorization'), undef, 'scheme: the token does not reach the API');

    is(get('/reports/q3', "Authorization: jwt $tok")->{status}, 200,
       'scheme: the scheme in another letter case: 200');

    my $expired = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                               claims => { %claims, iat => time - 120, exp => time - 1 });
    $res = get('/reports/q3', "Authorization: JWT $expired");
    is($res->{status}, 401, 'scheme: expired: 401');
    www_is($res, 'JWT realm="reports", error="invalid_token", error_description="Token expired"',
           'scheme: expired: the exact answer, in the scheme "JWT"');
    is($res->{headers}{'content-type'}, 'text/html', 'scheme: expired: nginx\'s own 401 page');

    $res = get('/reports/q3', "Authorization: Bearer $tok");
    is($res->{status}, 401, 'scheme: the token with "Bearer": no token, 401');
    www_is($res, 'JWT realm="reports"', 'scheme: the bare challenge in the scheme "JWT"');

    my $bad = $tok;
    substr($bad, -10, 1) = substr($bad, -10, 1) eq 'A' ? 'B' : 'A';    # in the signature
    $res = get('/reports/q3', "Authorization: JWT $bad");
    is($res->{status}, 401, 'scheme: a bad signature: 401');
    www_is($res, 'JWT realm="reports", error="invalid_token", error_description="Signature verification failed"',
           'scheme: "Signature verification failed"');
    undeploy($file);
};

# =============================================== migrated-from-nginx-plus

$TESTS{migrated} = sub {
    my $file = 'migrated-from-nginx-plus.conf';

    # docs/migrating-from-auth_jwt.md shows this file in full: the same text
    my $doc = slurp(getcwd() . '/docs/migrating-from-auth_jwt.md');
    my ($shown) = $doc =~ /<!-- examples\/\Q$file\E -->\n```nginx\n(.*?)```\n/s;
    is($shown, slurp("$EXAMPLES/$file"), "migrated: the documentation shows examples/$file as it is");

    spew("$STUB/html/idp-jwks.json", jwks('rsa1', 'ec256'));
    deploy($file) or return;

    my %claims = (iss => 'https://idp.example.com', aud => ['orders-api', 'web'],
                  sub => 'dave', scope => 'orders:read profile',
                  roles => ['user'], tenant => { id => 't-9' });
    my $tok = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1', claims => \%claims);

    my $res = get('/orders/1', "Authorization: Bearer $tok", 'X-Tenant: t-1');
    is($res->{status}, 200, 'migrated: a valid token: 200');
    my $h = upstream_headers($res);
    is(up($h, 'X-User'), 'dave', 'migrated: X-User');
    is(up($h, 'X-Tenant'), 't-9', 'migrated: X-Tenant, a nested claim (the client\'s copy is gone)');
    is(up($h, 'Authorization'), undef, 'migrated: the token does not reach the API');

    my $noscope = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                               claims => { %claims, scope => 'profile' });
    $res = get('/orders/1', "Authorization: Bearer $noscope");
    is($res->{status}, 403, 'migrated: without orders:read: 403 (was: auth_jwt_require $can_read error=403)');
    www_is($res, 'Bearer realm="orders", error="insufficient_scope", error_description="Token lacks a required scope", scope="orders:read"',
           'migrated: 403 insufficient_scope with the scope');

    my $other = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                             claims => { %claims, iss => 'https://evil.example.com' });
    $res = get('/orders/1', "Authorization: Bearer $other");
    is($res->{status}, 401, 'migrated: another issuer: 401 (was: $valid_issuer)');
    www_is($res, 'Bearer realm="orders", error="invalid_token", error_description="Token issuer not accepted"',
           'migrated: "Token issuer not accepted"');

    $res = get('/admin/x', "Authorization: Bearer $tok");
    is($res->{status}, 403, 'migrated: /admin/ without the admin role: 403');
    my $admin = bearer_token(alg => 'ES256', key => 'ec256', kid => 'ec256',
                             claims => { %claims, roles => ['user', 'admin'] });
    is(get('/admin/x', "Authorization: Bearer $admin")->{status}, 200, 'migrated: /admin/ with the admin role: 200');

    my $expired = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                               claims => { %claims, exp => time - 45 });
    $res = get('/orders/1', "Authorization: Bearer $expired");
    www_is($res, 'Bearer realm="orders", error="invalid_token", error_description="Token expired"',
           'migrated: expired beyond the 30 s leeway: "Token expired"');
    my $late = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                            claims => { %claims, exp => time - 5 });
    is(get('/orders/1', "Authorization: Bearer $late")->{status}, 200,
       'migrated: expired 5 s ago, within the leeway: 200');

    is(get('/public/x')->{status}, 200, 'migrated: /public/ needs no token');
    is(scalar idp_calls('idp.example.com'), 1, 'migrated: one JWKS fetch');
    undeploy($file);
};

# ============================================================== deployment

# Reloads the gateway of $dir with the configuration $text (nginx -t
# first), and waits until its master has started a new generation of
# workers and told the old ones to stop accepting.
sub generations {
    my $dir = shift;
    return scalar(() = slurp("$dir/logs/error.log") =~ /start worker processes$/mg);
}

sub reload_gateway {
    my ($dir, $text, $name) = @_;
    spew("$dir/conf/nginx.conf", $text);
    my ($rc, $out) = run_quiet($NGINX, '-t', '-p', "$dir/", '-c', "$dir/conf/nginx.conf",
                               '-e', "$dir/logs/error.log", '-g', 'daemon off;');
    is($rc, 0, "$name: nginx -t") or diag($out);
    my $before = generations($dir);
    kill 'HUP', $PID{gateway};
    my $deadline = time + 10;
    sleep 0.05 while generations($dir) == $before && time < $deadline;
    sleep 0.3;
    ok(generations($dir) > $before, "$name: reloaded (SIGHUP, as nginx -s reload sends)");
}

$TESTS{deployment} = sub {
    my $file = 'deployment.conf';
    my $dir = "$ROOT/deployment";

    # docs/deployment.md shows both files in full: the same text
    my $doc = slurp(getcwd() . '/docs/deployment.md');
    for my $f ($file, 'auth-token-secrets.conf') {
        my ($shown) = $doc =~ /<!-- examples\/\Q$f\E -->\n```nginx\n(.*?)```\n/s;
        is($shown, slurp("$EXAMPLES/$f"), "deployment: docs/deployment.md shows examples/$f as it is");
    }

    spew("$STUB/html/idp-jwks.json", jwks('rsa1', 'ec256'));
    deploy($file, 'auth-token-secrets.conf' => slurp("$EXAMPLES/auth-token-secrets.conf"))
        or return;
    ok(-f "$dir/conf/modules-enabled/50-mod-http-auth-token.conf",
       'deployment: the module is loaded through modules-enabled, as the package does it');

    my %claims = (iss => 'https://idp.example.com', aud => 'https://api.example.com',
                  sub => 'user-42', client_id => 'web', scope => 'orders:read profile');
    my $tok = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1', claims => \%claims);

    # --- the provider is up

    my $res = get('/v1/profile?x=1', "Authorization: Bearer $tok", 'X-User: mallory');
    is($res->{status}, 200, 'deployment: a valid JWT: 200');
    my $h = upstream_headers($res);
    is($h->{line}, 'GET /v1/profile?x=1 HTTP/1.1', 'deployment: the API gets the request as sent (through @api)');
    is(up($h, 'X-User'), 'user-42', 'deployment: X-User (the client\'s copy is gone)');
    is(up($h, 'X-Client-Id'), 'web', 'deployment: X-Client-Id');
    is(up($h, 'X-Scope'), 'orders:read profile', 'deployment: X-Scope');
    is(up($h, 'Authorization'), undef, 'deployment: the token does not reach the API');
    is(up($h, 'Host'), 'api.example.com', 'deployment: Host as the client sent it');
    is(up($h, 'X-Forwarded-Proto'), 'https', 'deployment: X-Forwarded-Proto');
    is(get('/v1/profile', "Authorization: Bearer $tok")->{status}, 200,
       'deployment: the same token again: 200');

    $res = get('/v1/profile');
    is($res->{status}, 401, 'deployment: no token: 401');
    www_is($res, 'Bearer realm="api"', 'deployment: no token: the bare challenge');

    my $expired = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                               claims => { %claims, exp => time - 120 });
    $res = get('/v1/profile', "Authorization: Bearer $expired");
    is($res->{status}, 401, 'deployment: expired beyond the leeway: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token expired"',
           'deployment: "Token expired"');

    # an opaque token: introspected, with the gateway's credentials
    $res = get('/v1/reports', 'Authorization: Bearer op-alice');
    is($res->{status}, 200, 'deployment: an opaque token, active at the provider: 200');
    $h = upstream_headers($res);
    is(up($h, 'X-User'), 'svc-reports', 'deployment: X-User from the introspection answer');
    is(up($h, 'X-Client-Id'), 'reports', 'deployment: X-Client-Id from the introspection answer');
    $res = get('/v1/reports', 'Authorization: Bearer op-nobody');
    is($res->{status}, 401, 'deployment: an opaque token the provider does not know: 401');
    www_is($res, 'Bearer realm="api", error="invalid_token", error_description="Token is not active"',
           'deployment: "Token is not active"');

    # orders: the exchanged token only
    $res = get('/orders/7', "Authorization: Bearer $tok");
    is($res->{status}, 200, 'deployment: /orders/: 200');
    $h = upstream_headers($res);
    is($h->{line}, 'GET /orders/7 HTTP/1.1', 'deployment: /orders/: the request as sent (through @orders)');
    is(up($h, 'Authorization'), 'Bearer orders-token-of-user-42',
       'deployment: /orders/: the orders service gets the exchanged token, not the client\'s');
    is(up($h, 'X-User'), 'user-42', 'deployment: /orders/: X-User');

    my $basic = 'Basic ' . MIME::Base64::encode_base64('api-gateway:change-me', '');
    my @calls = idp_calls('idp.example.com');
    is(scalar(grep { m{ GET /\.well-known/jwks\.json } } @calls), 1,
       'deployment: one JWKS fetch, with Host idp.example.com (over TLS verified for that name)');
    is(join("\n", grep { m{/oauth2/introspect} } @calls), join("\n",
       "idp.example.com POST /oauth2/introspect ct=application/x-www-form-urlencoded auth=$basic body=token=op-alice&token_type_hint=access_token",
       "idp.example.com POST /oauth2/introspect ct=application/x-www-form-urlencoded auth=$basic body=token=op-nobody&token_type_hint=access_token"),
       'deployment: introspection: one call per opaque token, with the credentials of auth-token-secrets.conf');
    my @exchanges = grep { m{/oauth2/token} } @calls;
    is(scalar @exchanges, 1, 'deployment: one token exchange');
    like($exchanges[0] // '', qr/ auth=\Q$basic\E body=grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&/,
         'deployment: the exchange: RFC 8693, with the gateway\'s credentials');

    # internal, and the operator's locations
    for my $uri ('/_idp/jwks', '/_idp/introspect', '/_idp/token', '/_idp/') {
        is(get($uri, "Authorization: Bearer $tok")->{status}, 404, "deployment: $uri is internal");
    }
    is(get('/healthz')->{status}, 200, 'deployment: /healthz needs no token');
    $res = get('/metrics');
    is($res->{status}, 200, 'deployment: /metrics from an allowed address: 200, no token');
    like($res->{headers}{'content-type'} // '', qr{^text/plain; version=0\.0\.4},
         'deployment: /metrics: Prometheus text');
    {
        local $FROM = '127.0.0.2';
        is(get('/metrics')->{status}, 403, 'deployment: /metrics from another address: 403');
    }

    # a slow provider: 503 after proxy_read_timeout (2 s), one call, and
    # during the back-off that follows the failure is shared
    my $t = time;
    $res = get('/v1/reports', 'Authorization: Bearer op-slow');
    my $took = time - $t;
    is($res->{status}, 503, 'deployment: introspection slower than proxy_read_timeout: 503');
    is($res->{headers}{'www-authenticate'}, undef, 'deployment: 503: no challenge');
    ok($took > 1.5 && $took < 3.5, "deployment: 503 after proxy_read_timeout (took ${\ sprintf '%.1f', $took} s)");
    $t = time;
    is(get('/v1/reports', 'Authorization: Bearer op-slow')->{status}, 503,
       'deployment: the same token during the back-off: 503');
    ok(time - $t < 1, 'deployment: at once, without a call');

    # per subject: burst 40 (nodelay) at 20 r/s; other subjects unaffected
    my $carol = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                             claims => { %claims, sub => 'carol' });
    my @st = map { get('/v1/profile', "Authorization: Bearer $carol")->{status} } 1 .. 150;
    is(join(' ', @st[0 .. 40]), join(' ', (200) x 41), 'deployment: limit_req per subject: the first 41 requests pass');
    ok((grep { $_ == 429 } @st), 'deployment: limit_req per subject: then 429 ('
       . scalar(grep { $_ == 429 } @st) . ' of 150)');
    is(get('/v1/profile', "Authorization: Bearer $tok")->{status}, 200,
       'deployment: limit_req per subject: another subject still passes');
    @st = map { get('/orders/7', "Authorization: Bearer $carol")->{status} } 1 .. 20;
    ok((grep { $_ == 429 } @st), 'deployment: limit_req per subject: in @orders too ('
       . scalar(grep { $_ == 429 } @st) . ' of 20)');

    # the access log: decisions, never the token
    my $access = slurp("$dir/logs/gateway.access.log");
    like($access, qr{"GET /v1/profile\?x=1 HTTP/1\.0" 200 .* sub="user-42" auth=valid cache=MISS }, 'deployment: access log: sub, auth=valid, cache=MISS');
    like($access, qr{"GET /v1/profile HTTP/1\.0" 200 .* sub="user-42" auth=valid cache=HIT }, 'deployment: access log: the same token again: cache=HIT');
    like($access, qr{"GET /v1/reports HTTP/1\.0" 503 .* auth=introspection_failed }, 'deployment: access log: auth=introspection_failed');
    my $sig = (split /\./, $tok)[2];
    unlike($access . slurp("$dir/logs/error.log"), qr/\Q$sig\E|op-alice|Bearer/,
           'deployment: neither log holds a token');

    # --- the provider goes down; nginx -s reload (same zone name and size)

    my $conf = slurp("$dir/conf/nginx.conf");
    (my $down = $conf) =~ s{127\.0\.0\.1:$IDP_PORT\b}{127.0.0.1:$DEAD_PORT}g;
    reload_gateway($dir, $down, 'deployment: provider down');

    is(get('/v1/profile', "Authorization: Bearer $tok")->{status}, 200,
       'deployment: provider down, after a reload: a JWT verified before: 200');
    my $dave = bearer_token(alg => 'RS256', key => 'rsa1', kid => 'rsa1',
                            claims => { %claims, sub => 'dave' });
    $res = get('/v1/profile', "Authorization: Bearer $dave");
    is($res->{status}, 200, 'deployment: provider down: a new JWT: 200, with the last good keys');
    like(slurp("$dir/logs/error.log"), qr/JWKS .* fetch failed: .*keeping the last good keys/,
         'deployment: provider down: "fetch failed ... keeping the last good keys"');
    is(get('/v1/reports', 'Authorization: Bearer op-alice')->{status}, 200,
       'deployment: provider down: an introspection answer still in the zone: 200');
    $res = get('/v1/reports', 'Authorization: Bearer op-new');
    is($res->{status}, 503, 'deployment: provider down: a token never introspected: 503');
    is($res->{headers}{'www-authenticate'}, undef, 'deployment: provider down: 503 without a challenge');
    is(up(upstream_headers(get('/orders/7', "Authorization: Bearer $tok")), 'Authorization'),
       'Bearer orders-token-of-user-42',
       'deployment: provider down: an exchanged token still in the zone is used');
    is(get('/orders/7', "Authorization: Bearer $dave")->{status}, 503,
       'deployment: provider down: a token never exchanged: 503');
    is(get('/v1/profile')->{status}, 401, 'deployment: provider down: no token: still 401');

    # --- a restart while it is down: a new zone, no keys

    stop_nginx('gateway');
    ok(start_nginx('gateway', $dir, "$dir/conf/nginx.conf", $PORT),
       'deployment: restarted while the provider is down') or return;
    $res = get('/v1/profile', "Authorization: Bearer $tok");
    is($res->{status}, 503, 'deployment: after a restart, provider down: no keys: 503');
    is($res->{headers}{'www-authenticate'}, undef, 'deployment: no keys: 503 without a challenge');
    like(slurp("$dir/logs/error.log"), qr/JWKS .* fetch failed: .*no keys yet/,
         'deployment: "fetch failed ... no keys yet"');

    # --- the provider answers, but with a certificate the trusted CA did
    # not sign: TLS verification refuses it

    (my $untrusted = $conf) =~ s{(proxy_ssl_trusted_certificate\s+)\Q$PKI\E/idp\.crt}{$1$PKI/gateway.crt};
    reload_gateway($dir, $untrusted, 'deployment: an untrusted provider certificate');
    sleep 1.2;    # the back-off after the last failure
    is(get('/v1/profile', "Authorization: Bearer $tok")->{status}, 503,
       'deployment: an untrusted provider certificate: 503');
    like(slurp("$dir/logs/error.log"), qr/upstream SSL certificate verify error/,
         'deployment: "upstream SSL certificate verify error"');

    # --- back: a reload, and the keys come without a restart

    reload_gateway($dir, $conf, 'deployment: provider back');
    my $ok = 0;
    for (1 .. 40) {
        $ok = get('/v1/profile', "Authorization: Bearer $tok")->{status} == 200 and last;
        sleep 0.25;
    }
    ok($ok, 'deployment: provider back, after a reload: 200 (within the back-off)');

    undeploy($file);
};

# ==================================================== make run (nginx.conf)

# examples/nginx.conf has @...@ placeholders that examples/run.sh fills
# in; run.sh itself is run here, as "make run" does.
$TESTS{makerun} = sub {
    my $mint = dirname($MODULE) . '/t-mint';
    SKIP: {
        skip "make run: no $mint beside the module", 5 unless -x $mint;
        my $dir = "$ROOT/makerun";
        make_path("$dir/logs");
        ok(start_child('make run', $dir,
                       ['bash', "$EXAMPLES/run.sh", $NGINX, $MODULE, $dir, $PORT],
                       $PORT, $DEMO_PORT),
           'make run: examples/run.sh starts the example gateway') or return;
        my $token;
        for (1 .. 100) {    # printed before nginx starts; read it when there
            ($token) = slurp("$dir/logs/stderr") =~ /Authorization: Bearer ([^\s']+)'/
                and last;
            sleep 0.05;
        }
        ok($token, 'make run: it prints a curl line with a token')
            or diag(slurp("$dir/logs/stderr"));
        my $res = get('/orders', "Authorization: Bearer $token");
        is($res->{body}, qq(upstream received: X-User="alice" X-Scope="read write" Authorization=""\n),
           'make run: the printed token: 200, the identity headers reach the demo upstream');
        www_is(get('/orders'), 'Bearer realm="example"', 'make run: no token: 401');
        is(get('/admin/', "Authorization: Bearer $token")->{status}, 403,
           'make run: the token lacks the admin scope: 403');
        stop_nginx('make run');
    }
};

for my $t (@RUN) {
    $TESTS{$t} or die "no such example test: $t\n";
    $TESTS{$t}->();
}

stop_nginx('stub');
done_testing();
