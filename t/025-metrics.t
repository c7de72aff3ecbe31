# Metrics (auth_token_metrics, auth_token_metrics_label): with a master and
# two workers, every counter moves exactly as the requests sent, summed
# over both workers (the reuseport fan-out of t/015 spreads the requests),
# and survives a reload (SIGHUP sent by the block itself, through Lua);
# the Prometheus text and the JSON form say the same; every family:
#   - decisions by location label, result and reason ($auth_token_status),
#     counted once per policy (not again after an internal redirect to a
#     location of the same policy, nor for a subrequest that inherits it);
#   - the verified-token, introspection and reissue caches: hits, misses,
#     stale answers, stores, evictions; zone full events, bytes, entries;
#   - identity-provider calls by endpoint and outcome (ok, refused, error,
#     timeout), the call-duration histogram (consistent with the calls),
#     requests that waited for another's call (single flight);
#   - per remote key set: keys, age, fetch failures, unknown-kid fetches,
#     with names that are valid label values and unique;
#   - signature verifications by algorithm.
# Also: the configuration checks (no zone, format=, label names), methods
# (POST 405, HEAD), content types, allow/deny, and that a scrape never
# shows a token, a claim value or a secret.
#
# Checks of a scrape are perl functions run by the response_body_like
# regex itself (a (??{ }) group, see holds() below), so that they work
# unchanged under the real Test::Nginx and the compact runner: scrape()
# parses the text form, scrape_json() the JSON form, and both compare with
# the same expectations; every counter that an expectation does not name
# must be 0, so that a stray increment fails as surely as a missing one.
#
# Every block gets (see the preprocessor below):
#   - a fake identity provider on $TEST_NGINX_RAND_PORT_1 (http_config),
#     logging its calls to logs/idp.log, serving
#       /keys/NAME          the fixtures in t/keys
#       /NAME               html/idp/NAME (user_files, or PUT below)
#       /introspect         RFC 7662: the answer is chosen by the token
#                           (map $idp_answer); unknown tokens are inactive
#       /slow/SECS          /introspect after SECS seconds
#       /fail               a 500
#       /slowfail/SECS      a 500 after SECS seconds
#       /breakable          /introspect, or a 500 while html/idp/broken
#                           exists
#       /exchange           RFC 8693: a new token, or a 400 invalid_target
#                           for audience=deny-target
#       /slowkeys/SECS/NAME /keys/NAME after SECS seconds
#       /status/CODE        an empty answer with that status
#   - helper locations in the main server (config), with auth_token off:
#       /metrics, /metrics.json  the two forms
#       /both               both, one after the other (for agree())
#       /error-log, /idp-log
#       /sleep?s=SECS       a non-blocking pause between two requests
#       PUT /idp-admin/NAME html/idp/NAME (WebDAV)
#   - /api: a location labelled "api" with t/keys/jwks.json, that answers
#     "$auth_token_status $pid" also for refusals (error_page).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest;
use JSON::PP ();
use File::Temp ();

master_on();
workers(2);
worker_connections(1024);

our $IDP = <<'_EOC_';
    log_format idp '$request_method $request_uri';

    map $request_body $idp_answer {
        ~^token=active1&        '{"active":true,"sub":"alice","exp":4102444800}';
        ~^token=active2&        '{"active":true,"sub":"bob","exp":4102444800}';
        ~^token=opaque-Zq9t&    '{"active":true,"sub":"sub-XyZzY-42","email":"mail-QwErT@example.com","exp":4102444800}';
        default                 '{"active":false}';
    }

    map $request_body $xcase {
        default                 ok;
        ~deny-target            target;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name idp;
        lingering_close off;
        access_log $TEST_NGINX_SERVER_ROOT/logs/idp.log idp;
        root $TEST_NGINX_SERVER_ROOT/html/idp;
        default_type application/json;

        location /keys/ { alias $TEST_NGINX_KEYS/; }
        location ~ ^/slowkeys/([0-9.]+)/(.+)$ { echo_sleep $1; echo_location /keys/$2; }
        location = /introspect { echo_read_request_body; echo $idp_answer; }
        location ~ ^/slow/([0-9.]+)$ { echo_read_request_body; echo_sleep $1; echo $idp_answer; }
        location = /fail { echo_read_request_body; echo_status 500; echo '{}'; }
        location ~ ^/slowfail/([0-9.]+)$ { echo_read_request_body; echo_sleep $1; echo_status 500; echo '{}'; }
        location = /breakable {
            if (-f $document_root/broken) {
                return 500;
            }
            echo_read_request_body;
            echo $idp_answer;
        }
        location = /exchange { echo_read_request_body; echo_exec /case/$xcase; }
        location = /case/ok { echo '{"access_token":"downstream-1","token_type":"Bearer","expires_in":600}'; }
        location = /case/target { echo_status 400; echo '{"error":"invalid_target"}'; }
        location = /status/500 { return 500; }
        location = /status/404 { return 404; }
    }
_EOC_

our $TOOLS = <<'_EOC_';

    location = /metrics { auth_token off; auth_token_metrics; }
    location = /metrics.json { auth_token off; auth_token_metrics format=json; }
    location = /both {
        auth_token off;
        echo_location /metrics;
        echo_location /metrics.json;
    }
    location = /error-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
    location = /idp-log { auth_token off; alias $TEST_NGINX_SERVER_ROOT/logs/idp.log; }
    location = /sleep { auth_token off; echo_sleep $arg_s; echo "slept"; }
    location /idp-admin/ {
        auth_token off;
        alias $TEST_NGINX_SERVER_ROOT/html/idp/;
        dav_methods PUT DELETE;
    }
    location /api {
        auth_token "api";
        auth_token_metrics_label api;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        error_page 401 403 503 = /status;
        echo "$auth_token_status $pid";
    }
    location = /status { internal; echo "$auth_token_status $pid"; }
_EOC_

our $NDK = $ENV{TEST_NGINX_NDK_MODULE} // '/usr/lib/nginx/modules/ndk_http_module.so';
our $LUA = $ENV{TEST_NGINX_LUA_MODULE} // '/usr/lib/nginx/modules/ngx_http_lua_module.so';

# the load_module lines of a block that needs Lua (t/021-lua-smoke.t)
our $LOAD_LUA = join '', map { "load_module $_;\n" }
                grep { index($ENV{TEST_NGINX_LOAD_MODULES} // '', $_) < 0 } $NDK, $LUA;

# why Lua cannot be used here, or ''
sub lua_unusable {
    -f $NDK or return "no NDK module at $NDK";
    -f $LUA or return "no Lua module at $LUA";
    my $nginx = $ENV{TEST_NGINX_BINARY}
        || (grep { -x } map { "$_/nginx" } split /:/, $ENV{PATH} // '')[0]
        || '/usr/sbin/nginx';
    my $dir = File::Temp->newdir;
    open my $fh, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $fh "${LOAD_LUA}pid $dir/nginx.pid;\nevents {}\n";
    close $fh;
    my $out = `'$nginx' -t -p '$dir/' -c '$dir/nginx.conf' -e '$dir/error.log' 2>&1`;
    return "the Lua module does not fit $nginx"
        if $out =~ /is not binary compatible|version \d+ instead of \d+/;
    return '';
}

our $NO_LUA = lua_unusable();

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $IDP . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS) if defined $block->config;
    $block->set_value(main_config => $LOAD_LUA . ($block->main_config // ''))
        if $block->name =~ /\[lua\]/;
    # html/idp must exist for the WebDAV PUT
    $block->set_value(user_files => ">>> idp/README\nfiles of the IdP\n" . ($block->user_files // ''));
});

# ---------------------------------------------------------------- tokens

our $FAR = 4102444800;    # 2100-01-01
our $OK = AuthTokenTest::jwt(alg => 'RS256', claims => { sub => 'fan', exp => $FAR });
our $OK2 = AuthTokenTest::jwt(alg => 'RS256', claims => { sub => 'fan2', exp => $FAR });
our $EXPIRED = AuthTokenTest::jwt(alg => 'ES256', claims => { exp => 1000000000 });
our $UNKNOWN = AuthTokenTest::jwt(alg => 'RS256', kid => 'nope', claims => { exp => $FAR });
our $SECRET = AuthTokenTest::jwt(alg => 'ES256',
    claims => { sub => 'sub-XyZzY-42', email => 'mail-QwErT@example.com', exp => $FAR });

# HS256 tokens of the key "hs1" in t/keys/jwks.json, each with its own
# sub (u1 ... uN), signed here (t/020-zone-pressure.t)
sub flood {
    my ($n) = @_;
    return map {
        my $input = AuthTokenTest::b64url('{"alg":"HS256","kid":"hs1","typ":"JWT"}') . '.'
                  . AuthTokenTest::b64url(qq({"sub":"u$_","aud":"api","exp":$FAR}));
        $input . '.' . AuthTokenTest::b64url(AuthTokenTest::sign('HS256', $input, key => 'hmac1'));
    } 1 .. $n;
}

our @FLOOD = flood(200);

# A JWKS with some of the keys of t/keys/jwks.json, in this order.
our %KEY = map { $_->{kid} => $_ } @{ JSON::PP->new->decode(
    AuthTokenTest::slurp(AuthTokenTest::key_path('jwks.json')))->{keys} };

sub jwks {
    return JSON::PP->new->canonical->encode({ keys => [map { $KEY{$_} // die "no key $_\n" } @_] });
}

# ---------------------------------------------------------------- traffic

# /NAME: requests to TARGET of this server, each with its own bearer token
# (undef: no Authorization header), one after another (or all at once with
# async => 1), through a reuseport listener on $TEST_NGINX_RAND_PORT_2, so
# that the kernel spreads them over both workers; their bodies
# concatenated, in order.  The listener is there once per server: reuse
# => 1 for the second fan-out of a block.
sub fanout {
    my (%o) = @_;
    my $name = $o{name} // 'fanout';
    my $target = $o{target} // '/api';
    my $cmd = $o{async} ? 'echo_location_async' : 'echo_location';
    my @tok = @{ $o{tokens} };
    my $s = $o{reuse} ? ''
          : "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n";
    $s .= "    location = /$name {\n        auth_token off;\n"
        . join('', map { "        $cmd /$name-$_;\n" } 1 .. @tok) . "    }\n";
    for my $i (1 .. @tok) {
        my $h = defined $tok[$i - 1] ? "Bearer $tok[$i - 1]" : '';
        $s .= "    location = /$name-$i {\n        auth_token off;\n"
            . "        proxy_set_header Authorization \"$h\";\n"
            . "        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2$target;\n    }\n";
    }
    return $s;
}

# ---------------------------------------------------------------- checks

# A regex that matches a response body when $check->(body) returns '' (and
# fails, with the reason as a diagnostic, otherwise).  The check runs in a
# (??{ }) group: inside it, $_ is the string being matched.
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

my $LABELS = qr/\{(?:[a-z_]+="(?:[^"\\\n]|\\.)*",?)*\}/;

# The Prometheus text form: { 'name{labels}' => value }.  Dies on a line
# that is neither a comment nor a sample, a series seen twice, a sample
# before its family's # HELP and # TYPE, a family described twice, a name
# without the auth_token_ prefix, a counter without _total.
sub prom_series {
    my ($text) = @_;
    my (%s, %help, %type);
    for my $l (split /\n/, $text) {
        if (my ($what, $f, $text) = $l =~ /^# (HELP|TYPE) (\S+) (.+)$/) {
            my $h = $what eq 'HELP' ? \%help : \%type;
            die "$what $f twice\n" if $h->{$f};
            $h->{$f} = $text;
            die "$f: not auth_token_\n" unless $f =~ /^auth_token_[a-z_]+$/;
            next if $what eq 'HELP';
            die "$f: unknown type $text\n" unless $text =~ /^(?:counter|gauge|histogram)$/;
            die "$f: a counter without _total\n" if $text eq 'counter' && $f !~ /_total$/;
            next;
        }
        $l =~ /^([a-z_]+)($LABELS)? (-?\d+(?:\.\d+)?)$/ or die "not a sample line: [$l]\n";
        my ($name, $key, $v) = ($1, $1 . ($2 // ''), $3);
        my $family = $name;
        $family =~ s/_(?:bucket|sum|count)$// unless $type{$name};
        die "$key before its # TYPE\n" unless $type{$family} && $help{$family};
        die "$key twice\n" if exists $s{$key};
        $s{$key} = $v;
    }
    return \%s;
}

# The JSON form, as the same series.
sub json_series {
    my ($text) = @_;
    my $j = JSON::PP->new->decode($text);
    my %s;
    for my $d (@{ $j->{decisions} }) {
        $s{qq{auth_token_decisions_total{location="$d->{location}",result="$d->{result}",reason="$d->{reason}"}}}
            = $d->{count};
    }
    for my $c (keys %{ $j->{caches} }) {
        for my $op (keys %{ $j->{caches}{$c} }) {
            $s{qq{auth_token_cache_${op}_total{cache="$c"}}} = $j->{caches}{$c}{$op};
        }
    }
    for my $e (keys %{ $j->{idp} }) {
        my $i = $j->{idp}{$e};
        for my $o (keys %{ $i->{calls} }) {
            $s{qq{auth_token_idp_calls_total{endpoint="$e",outcome="$o"}}} = $i->{calls}{$o};
        }
        $s{qq{auth_token_idp_waits_total{endpoint="$e"}}} = $i->{waits};
        my $h = $i->{duration_seconds};
        for my $le (keys %{ $h->{buckets} }) {
            $s{qq{auth_token_idp_call_duration_seconds_bucket{endpoint="$e",le="$le"}}} = $h->{buckets}{$le};
        }
        $s{qq{auth_token_idp_call_duration_seconds_sum{endpoint="$e"}}} = $h->{sum};
        $s{qq{auth_token_idp_call_duration_seconds_count{endpoint="$e"}}} = $h->{count};
    }
    for my $k (@{ $j->{key_sets} }) {
        my $l = qq{{jwks="$k->{jwks}"}};
        $s{"auth_token_jwks_keys$l"} = $k->{keys};
        $s{"auth_token_jwks_age_seconds$l"} = $k->{age_seconds} if defined $k->{age_seconds};
        $s{"auth_token_jwks_fetch_failures_total$l"} = $k->{fetch_failures};
        $s{"auth_token_jwks_unknown_kid_fetches_total$l"} = $k->{unknown_kid_fetches};
    }
    my $z = $j->{zone};
    my $zl = qq{zone="$z->{name}"};
    $s{"auth_token_zone_size_bytes{$zl}"} = $z->{size_bytes};
    $s{"auth_token_zone_used_bytes{$zl}"} = $z->{used_bytes};
    $s{"auth_token_zone_full_total{$zl}"} = $z->{full};
    for my $t (keys %{ $z->{entries} }) {
        $s{qq{auth_token_zone_entries{$zl,type="$t"}}} = $z->{entries}{$t};
    }
    for my $a (keys %{ $j->{signature_verifications} }) {
        $s{qq{auth_token_signature_verifications_total{alg="$a"}}} = $j->{signature_verifications}{$a};
    }
    return \%s;
}

# Gauges: not expected to be 0 when an expectation does not name them.
my $GAUGES = qr/^auth_token_(?:zone_(?:size|used)_bytes|zone_entries|jwks_keys|jwks_age_seconds)\{/;

# '' when the series have the values of %$want (numbers, or regexes for
# the value) and every other counter is 0, unless it matches a regex of
# @$any; else what differs.  Also: each histogram is consistent with the
# calls it counts.
sub compare {
    my ($s, $want, $any) = @_;
    my @why;
    for my $k (sort keys %$want) {
        my ($v, $w) = ($s->{$k}, $want->{$k});
        if (!defined $v) {
            push @why, "no $k (want $w)";
        } elsif (ref $w eq 'Regexp' ? $v !~ $w : $v != $w) {
            push @why, "$k is $v, want $w";
        }
    }
    for my $k (sort keys %$s) {
        next if exists $want->{$k} || $k =~ $GAUGES || grep { $k =~ $_ } @$any;
        push @why, "$k is $s->{$k}, want 0" if $s->{$k} != 0;
    }
    for my $e (qw(introspection reissue jwks)) {
        my $calls = 0;
        $calls += $s->{qq{auth_token_idp_calls_total{endpoint="$e",outcome="$_"}}} // 0
            for qw(ok refused error timeout);
        my $count = $s->{qq{auth_token_idp_call_duration_seconds_count{endpoint="$e"}}} // -1;
        push @why, "$e: $calls calls, histogram count $count" if $calls != $count;
        my $prev = 0;
        for my $le (qw(0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf)) {
            my $b = $s->{qq{auth_token_idp_call_duration_seconds_bucket{endpoint="$e",le="$le"}}};
            if (!defined $b || $b < $prev) {
                push @why, "$e: bucket $le is " . ($b // 'missing') . " after $prev";
                last;
            }
            $prev = $b;
        }
        push @why, "$e: bucket +Inf $prev, count $count" if $prev != $count;
    }
    return join '; ', @why;
}

# a scrape, text or JSON, with these values (see compare)
sub scrape {
    my ($want, @any) = @_;
    return holds('scrape', sub { compare(prom_series($_[0]), $want, \@any) });
}

sub scrape_json {
    my ($want, @any) = @_;
    return holds('scrape_json', sub { compare(json_series($_[0]), $want, \@any) });
}

# /both: the text form and the JSON form of the same moment hold the same
# series with the same values (a key set's age may have turned a second)
sub agree {
    return holds('agree', sub {
        my ($text, $json) = $_[0] =~ /\A(.*?\n)(\{.*)\z/s or return 'not text then JSON';
        my ($t, $j) = (prom_series($text), json_series($json));
        my @why;
        for my $k (sort keys %$t) {
            if (!exists $j->{$k}) {
                push @why, "$k only in the text form";
            } elsif ($t->{$k} != $j->{$k}
                     && !($k =~ /^auth_token_jwks_age_seconds/ && abs($t->{$k} - $j->{$k}) <= 1))
            {
                push @why, "$k: $t->{$k} in text, $j->{$k} in JSON";
            }
        }
        push @why, map { "$_ only in the JSON form" } grep { !exists $t->{$_} } sort keys %$j;
        push @why, 'fewer than 80 series' if keys %$t < 80;
        return join '; ', @why;
    });
}

# the answers of a fan-out: every line "STATUS PID" with these statuses in
# this order, and both workers among the pids
sub fanned {
    my (@status) = @_;
    return holds('fan-out', sub {
        my @l = split /\n/, $_[0];
        my @why;
        push @why, scalar(@l) . " answers, want " . scalar(@status) if @l != @status;
        my %pid;
        for my $i (0 .. $#l) {
            my ($st, $pid) = $l[$i] =~ /^(\S*) (\d+)$/ or do { push @why, "answer $i: [$l[$i]]"; next };
            push @why, "answer $i: $st, want $status[$i]" if $st ne $status[$i];
            $pid{$pid}++;
        }
        push @why, "served by " . scalar(keys %pid) . " worker(s)" if keys %pid != 2;
        return join '; ', @why;
    });
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: decisions by label, result and reason, exactly as sent, over both workers; the verified-token cache; signature verifications by alg
24 requests to /api (labelled "api") through the fan-out: (3 expired, 2
accepted, 1 unknown key) x 4; 2 without a token to an unlabelled
location; 1 with too small a scope to a location labelled "admin".  The
same token accepted 8 times and once more at /admin: one miss, 8 hits,
one store, one RS256 verification; the expired token is verified (ES256)
12 times and never stored; the unknown key is a miss, with no
verification.
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => [($main::EXPIRED, $main::EXPIRED, $main::EXPIRED, $main::OK, $main::OK, $main::UNKNOWN) x 4])
. q{
    location /other {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        echo ok;
    }
    location /admin {
        auth_token "api";
        auth_token_metrics_label admin;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_scope admin;
        echo ok;
    }
}
--- request eval
["GET /fanout", "GET /other", "GET /other", "GET /admin", "GET /metrics", "GET /metrics.json", "GET /both"]
--- more_headers eval
["", "", "", "Authorization: Bearer $main::OK", "", "", ""]
--- error_code eval
[200, 401, 401, 403, 200, 200, 200]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="api",result="accepted",reason="valid"}' => 8,
    'auth_token_decisions_total{location="api",result="refused",reason="unknown_key"}' => 4,
    'auth_token_decisions_total{location="api",result="refused",reason="expired"}' => 12,
    'auth_token_decisions_total{location="",result="refused",reason="missing"}' => 2,
    'auth_token_decisions_total{location="admin",result="refused",reason="insufficient_scope"}' => 1,
    'auth_token_cache_hits_total{cache="token"}' => 8,
    'auth_token_cache_misses_total{cache="token"}' => 17,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
    'auth_token_signature_verifications_total{alg="ES256"}' => 12,
    'auth_token_zone_entries{zone="tokens",type="verified_token"}' => 1,
    'auth_token_zone_entries{zone="tokens",type="introspection"}' => 0,
    'auth_token_zone_entries{zone="tokens",type="reissue"}' => 0,
    'auth_token_zone_entries{zone="tokens",type="key_set"}' => 0,
    'auth_token_zone_size_bytes{zone="tokens"}' => 1048576,
    'auth_token_zone_used_bytes{zone="tokens"}' => qr/^[1-9]\d{3,5}$/,
);
[main::fanned(('expired', 'expired', 'expired', 'valid', 'valid', 'unknown_key') x 4),
 "401 Authorization Required", "401 Authorization Required", "403 Forbidden",
 main::scrape(\%WANT), main::scrape_json(\%WANT), main::agree()]
--- response_headers eval
["", "", "", "", "Content-Type: text/plain; version=0.0.4; charset=utf-8",
 "Content-Type: application/json", ""]
--- no_error_log
[error]
[warn]



=== TEST 2: [lua] the counts survive a reload: after SIGHUP the new workers add to them (and find the verified token in the zone)
One request (/sequence) that sends the fan-out of TEST 1 (served by the
workers of the first configuration), then SIGHUP to the master (Lua:
kill(getppid(), SIGHUP)), waits 1.5 s and sends it again (served by the
new workers: the old ones stopped listening); all the pids of the second
fan-out are new.  The counts are those of both fan-outs.  Skipped without
Lua, and under valgrind (the new workers' start-up outlasts the pause).
--- skip_eval: 12: $main::NO_LUA || $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
my @t = (($main::EXPIRED, $main::EXPIRED, $main::EXPIRED, $main::OK, $main::OK, $main::UNKNOWN) x 4);
main::fanout(name => 'before', tokens => \@t)
. main::fanout(name => 'after', tokens => \@t, reuse => 1)
. q{
    location = /sequence {
        auth_token off;
        echo_location /before;
        echo_location /reload;
        echo_sleep 1.5;
        echo_location /after;
    }
    location = /reload {
        auth_token off;
        content_by_lua_block {
            local ffi = require "ffi"
            pcall(ffi.cdef, "int kill(int pid, int sig); int getppid(void);")
            ngx.say(ffi.C.kill(ffi.C.getppid(), 1) == 0 and "reloading"
                    or "kill failed")
        }
    }
}
--- request eval
["GET /sequence", "GET /metrics", "GET /metrics.json", "GET /error-log"]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="api",result="accepted",reason="valid"}' => 16,
    'auth_token_decisions_total{location="api",result="refused",reason="unknown_key"}' => 8,
    'auth_token_decisions_total{location="api",result="refused",reason="expired"}' => 24,
    'auth_token_cache_hits_total{cache="token"}' => 15,
    'auth_token_cache_misses_total{cache="token"}' => 33,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
    'auth_token_signature_verifications_total{alg="ES256"}' => 24,
    'auth_token_zone_entries{zone="tokens",type="verified_token"}' => 1,
);
my @st = (('expired', 'expired', 'expired', 'valid', 'valid', 'unknown_key') x 4);
[main::holds('reload', sub {
     my ($before, $after) = $_[0] =~ /\A(.*)reloading\n(.*)\z/s or return "no reloading line";
     my %old = map { /(\d+)$/ ? ($1 => 1) : () } split /\n/, $before;
     my %new = map { /(\d+)$/ ? ($1 => 1) : () } split /\n/, $after;
     return CORE::join '; ', grep { length }
         (keys %old != 2 ? "before: " . keys(%old) . " workers" : ''),
         (keys %new != 2 ? "after: " . keys(%new) . " workers" : ''),
         (grep { $old{$_} } keys %new) ? "an old worker served after the reload" : '',
         (CORE::join("\n", map { (split / /)[0] } split /\n/, $before) ne CORE::join("\n", @st) ? "before: statuses" : ''),
         (CORE::join("\n", map { (split / /)[0] } split /\n/, $after) ne CORE::join("\n", @st) ? "after: statuses" : '');
 }),
 main::scrape(\%WANT), main::scrape_json(\%WANT),
 qr/signal 1 \(SIGHUP\) received.*reconfiguring.*gracefully shutting down/s]
--- no_error_log
[error]
--- timeout: 10



=== TEST 3: introspection: cache misses, hits and stores; calls ok, refused, error and timeout; the duration histogram
active1 three times (a miss, a store, two hits: one call, ok), an
inactive token twice (the refusal is stored and hit: one call, refused),
active2 at an endpoint that answers 500 (error) and at one that is too
slow for proxy_read_timeout 300ms (timeout, 504).  Three fast calls in the
0.25 s bucket, the timeout above it; the sum at least 0.3 s.
--- skip_eval: 30: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /intro {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_introspect;
        add_header X-Cache $auth_token_cache always;
        echo "$auth_token_status";
    }
    location /intro-fail {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_fail;
        echo "$auth_token_status";
    }
    location /intro-slow {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_slow;
        echo "$auth_token_status";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /_fail {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fail;
    }
    location = /_slow {
        internal;
        proxy_read_timeout 300ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/2;
    }
--- request eval
["GET /intro", "GET /intro", "GET /intro", "GET /intro", "GET /intro",
 "GET /intro-fail", "GET /intro-slow", "GET /metrics", "GET /metrics.json", "GET /both"]
--- more_headers eval
[("Authorization: Bearer active1") x 3, ("Authorization: Bearer nobody1") x 2,
 ("Authorization: Bearer active2") x 2, "", "", ""]
--- error_code eval
[200, 200, 200, 401, 401, 503, 503, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT", "X-Cache: MISS", "X-Cache: HIT", "", "", "", "", ""]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="intro",result="accepted",reason="valid"}' => 3,
    'auth_token_decisions_total{location="intro",result="refused",reason="inactive"}' => 2,
    'auth_token_decisions_total{location="intro",result="error",reason="introspection_failed"}' => 2,
    'auth_token_cache_misses_total{cache="introspection"}' => 4,
    'auth_token_cache_hits_total{cache="introspection"}' => 3,
    'auth_token_cache_stores_total{cache="introspection"}' => 2,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="ok"}' => 1,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="refused"}' => 1,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="error"}' => 1,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="timeout"}' => 1,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="introspection",le="0.25"}' => 3,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="introspection",le="+Inf"}' => 4,
    'auth_token_idp_call_duration_seconds_count{endpoint="introspection"}' => 4,
    'auth_token_idp_call_duration_seconds_sum{endpoint="introspection"}' => qr/^(?:0\.[3-9]\d*|[1-9][\d.]*)$/,
    'auth_token_zone_entries{zone="tokens",type="introspection"}' => 4,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_bucket\{endpoint="introspection"/);
["valid", "valid", "valid", "401 Authorization", "401 Authorization", "503 Service", "503 Service",
 main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any), main::agree()]
--- timeout: 10



=== TEST 4: introspection: stale answers, after the request's own failed call and while the provider backs off
cache_valid 1s, stale_if_error 60s: active1 is stored (a miss, a call);
1.1 s later the provider fails: the next request's call fails (a miss, an
error) and it is served the stale answer (stale); the one after it, during
the back-off, is served the stale answer without a call (stale).
--- skip_eval: 21: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /intro {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_cache_valid 1s;
        auth_token_introspect_stale_if_error 60s;
        add_header X-Cache $auth_token_cache always;
        echo "$auth_token_status";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/breakable;
    }
--- request eval
["GET /intro", "GET /sleep?s=1.1", "PUT /idp-admin/broken\nbroken", "GET /intro", "GET /intro",
 "GET /metrics", "GET /metrics.json"]
--- more_headers eval
["Authorization: Bearer active1", "", "", ("Authorization: Bearer active1") x 2, "", ""]
--- error_code eval
[200, 200, 201, 200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "", "", "X-Cache: STALE", "X-Cache: STALE", "", ""]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="",result="accepted",reason="valid"}' => 3,
    'auth_token_cache_misses_total{cache="introspection"}' => 2,
    'auth_token_cache_stores_total{cache="introspection"}' => 1,
    'auth_token_cache_stale_total{cache="introspection"}' => 2,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="ok"}' => 1,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="error"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="introspection"/);
["valid", "slept", "", "valid", "valid", main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any)]



=== TEST 5: reissue: cache misses, hits and stores; calls ok and refused
The same client token, reissued for audience "a" twice (a miss and a
store, then a hit: one call, ok) and for "deny-target" twice (the denial
is stored: one call, refused; then a hit).  The client token itself: one
verification, then verified-token cache hits.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /x {
        auth_token "api";
        auth_token_metrics_label x;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience $arg_aud;
        echo "$auth_token_status";
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /x?aud=a", "GET /x?aud=a", "GET /x?aud=deny-target", "GET /x?aud=deny-target",
 "GET /metrics", "GET /metrics.json", "GET /both"]
--- more_headers eval
[("Authorization: Bearer $main::OK") x 4, "", "", ""]
--- error_code eval
[200, 200, 403, 403, 200, 200, 200]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="x",result="accepted",reason="valid"}' => 2,
    'auth_token_decisions_total{location="x",result="refused",reason="reissue_denied"}' => 2,
    'auth_token_cache_misses_total{cache="reissue"}' => 2,
    'auth_token_cache_hits_total{cache="reissue"}' => 2,
    'auth_token_cache_stores_total{cache="reissue"}' => 2,
    'auth_token_idp_calls_total{endpoint="reissue",outcome="ok"}' => 1,
    'auth_token_idp_calls_total{endpoint="reissue",outcome="refused"}' => 1,
    'auth_token_cache_misses_total{cache="token"}' => 1,
    'auth_token_cache_hits_total{cache="token"}' => 3,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
    'auth_token_zone_entries{zone="tokens",type="reissue"}' => 2,
    'auth_token_zone_entries{zone="tokens",type="verified_token"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="reissue"/);
["valid", "valid", "403 Forbidden", "403 Forbidden",
 main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any), main::agree()]
--- no_error_log
[error]



=== TEST 6: single flight, introspection: 10 requests at once over both workers wait for one call
The provider answers after 0.5 s: one call, one miss and one store; the
other 9 requests wait for it (9 waits) and are then served from the zone
(9 hits).
--- skip_eval: 12: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => [("active1") x 10], target => '/intro', async => 1)
. q{
    location /intro {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_introspect;
        echo "$auth_token_status $pid";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/0.5;
    }
}
--- request eval
["GET /fanout", "GET /metrics", "GET /metrics.json", "GET /idp-log"]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="intro",result="accepted",reason="valid"}' => 10,
    'auth_token_cache_misses_total{cache="introspection"}' => 1,
    'auth_token_cache_stores_total{cache="introspection"}' => 1,
    'auth_token_cache_hits_total{cache="introspection"}' => 9,
    'auth_token_idp_waits_total{endpoint="introspection"}' => 9,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="ok"}' => 1,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="introspection",le="0.25"}' => 0,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="introspection",le="+Inf"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="introspection"/);
[main::fanned(("valid") x 10), main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any),
 "\\APOST /slow/0.5\\n\\z"]
--- no_error_log
[error]
[warn]
--- timeout: 10



=== TEST 7: single flight while the provider fails: the 9 requests that waited share the failure (no hits)
The call fails after 0.5 s: one miss, one call (error), 9 waits; nothing
is stored and the failure shared with the waiting requests is not served
from the cache.
--- skip_eval: 12: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => [("active1") x 10], target => '/intro', async => 1)
. q{
    location /intro {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_introspect;
        error_page 503 = /status;
        echo "$auth_token_status $pid";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slowfail/0.5;
    }
}
--- request eval
["GET /fanout", "GET /metrics", "GET /metrics.json", "GET /idp-log"]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="intro",result="error",reason="introspection_failed"}' => 10,
    'auth_token_cache_misses_total{cache="introspection"}' => 1,
    'auth_token_idp_waits_total{endpoint="introspection"}' => 9,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="error"}' => 1,
    'auth_token_zone_entries{zone="tokens",type="introspection"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="introspection"/);
[main::fanned(("introspection_failed") x 10), main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any),
 "\\APOST /slowfail/0.5\\n\\z"]
--- timeout: 10



=== TEST 8: single flight, auth_token_lock_timeout: requests that give up waiting make calls of their own (misses, not stored)
lock_timeout 300ms, the provider answers after 1 s: the first request
calls (a miss, stored), the 3 others wait (3 waits), give up after 300 ms
and call on their own (3 misses, 3 calls, not stored).
--- skip_eval: 12: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => [("active1") x 4], target => '/intro', async => 1)
. q{
    location /intro {
        auth_token "api";
        auth_token_metrics_label intro;
        auth_token_introspect_request /_introspect;
        auth_token_lock_timeout 300ms;
        echo "$auth_token_status $pid";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow/1;
    }
}
--- request eval
["GET /fanout", "GET /metrics", "GET /metrics.json", "GET /idp-log"]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="intro",result="accepted",reason="valid"}' => 4,
    'auth_token_cache_misses_total{cache="introspection"}' => 4,
    'auth_token_cache_stores_total{cache="introspection"}' => 1,
    'auth_token_idp_waits_total{endpoint="introspection"}' => 3,
    'auth_token_idp_calls_total{endpoint="introspection",outcome="ok"}' => 4,
    'auth_token_zone_entries{zone="tokens",type="introspection"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="introspection"/);
[main::holds('4 answers', sub { $_[0] =~ /\A(?:valid \d+\n){4}\z/ ? '' : 'not 4 valid answers' }),
 main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any),
 "\\A(?:POST /slow/1\\n){4}\\z"]
--- timeout: 10



=== TEST 9: single flight, remote key set: 10 first requests at once over both workers wait for one fetch
The key set arrives after 0.5 s: one call (ok); 9 requests wait for it.
Each request looked for its token in the verified-token cache before the
keys were there: 10 misses, 10 RS256 verifications, 10 stores of the same
entry.
--- skip_eval: 12: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => [($main::OK) x 10], target => '/remote', async => 1)
. q{
    location /remote {
        auth_token "api";
        auth_token_metrics_label remote;
        auth_token_jwks_request /_jwks;
        echo "$auth_token_status $pid";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slowkeys/0.5/jwks.json;
    }
}
--- request eval
["GET /fanout", "GET /metrics", "GET /metrics.json", "GET /idp-log"]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="remote",result="accepted",reason="valid"}' => 10,
    'auth_token_idp_waits_total{endpoint="jwks"}' => 9,
    'auth_token_idp_calls_total{endpoint="jwks",outcome="ok"}' => 1,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="jwks",le="0.25"}' => 0,
    'auth_token_idp_call_duration_seconds_bucket{endpoint="jwks",le="+Inf"}' => 1,
    'auth_token_cache_misses_total{cache="token"}' => 10,
    'auth_token_cache_stores_total{cache="token"}' => 10,
    'auth_token_signature_verifications_total{alg="RS256"}' => 10,
    'auth_token_jwks_keys{jwks="/_jwks"}' => 8,
    'auth_token_jwks_age_seconds{jwks="/_jwks"}' => qr/^[01]$/,
    'auth_token_zone_entries{zone="tokens",type="key_set"}' => 1,
    'auth_token_zone_entries{zone="tokens",type="verified_token"}' => 1,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="jwks"/);
[main::fanned(("valid") x 10), main::scrape(\%WANT, @any), main::scrape_json(\%WANT, @any),
 "\\AGET /slowkeys/0.5/jwks.json\\n\\z"]
--- no_error_log
[error]
[warn]
--- timeout: 10



=== TEST 10: remote key sets: keys, age, fetch failures, unknown-kid fetches; names as label values
/remote's key set (3 keys) is fetched by the first request (a call, ok),
then a token with an unknown kid fetches it again (an unknown-kid fetch,
ok) and is refused.  Two per-tenant key sets (/_t/$http_x_tenant) fail
(404: fetch failures, errors, no keys, no age): one for "acme", one for a
tenant with a quote, a backslash, a space, a "#" and a UTF-8 letter,
percent-encoded in its name.  1.1 s later the age of /remote's key set is
1 (or 2).
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /remote {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "$auth_token_status";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/three.json;
    }
    location /tenant {
        auth_token "api";
        auth_token_jwks_request /_t/$http_x_tenant;
        echo "$auth_token_status";
    }
    location /_t/ {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/status/404;
    }
--- user_files eval
">>> idp/three.json\n" . main::jwks(qw(rsa1 ec256 ed1)) . "\n"
--- request eval
["GET /remote", "GET /remote", "GET /tenant", "GET /tenant", "GET /sleep?s=1.1",
 "GET /metrics", "GET /metrics.json", "GET /both"]
--- more_headers eval
["Authorization: Bearer $main::OK", "Authorization: Bearer $main::UNKNOWN",
 "Authorization: Bearer $main::OK\nX-Tenant: acme",
 "Authorization: Bearer $main::OK\nX-Tenant: a\"b\\c d#e\xc3\xa9",
 "", "", "", ""]
--- error_code eval
[200, 401, 503, 503, 200, 200, 200, 200]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="",result="accepted",reason="valid"}' => 1,
    'auth_token_decisions_total{location="",result="refused",reason="unknown_key"}' => 1,
    'auth_token_decisions_total{location="",result="error",reason="keys_unavailable"}' => 2,
    'auth_token_idp_calls_total{endpoint="jwks",outcome="ok"}' => 2,
    'auth_token_idp_calls_total{endpoint="jwks",outcome="error"}' => 2,
    'auth_token_jwks_keys{jwks="/_jwks"}' => 3,
    'auth_token_jwks_age_seconds{jwks="/_jwks"}' => qr/^[12]$/,
    'auth_token_jwks_fetch_failures_total{jwks="/_jwks"}' => 0,
    'auth_token_jwks_unknown_kid_fetches_total{jwks="/_jwks"}' => 1,
    'auth_token_jwks_keys{jwks="/_t/acme"}' => 0,
    'auth_token_jwks_fetch_failures_total{jwks="/_t/acme"}' => 1,
    'auth_token_jwks_unknown_kid_fetches_total{jwks="/_t/acme"}' => 0,
    'auth_token_jwks_keys{jwks="/_t/a%22b%5Cc%20d%23e%C3%A9"}' => 0,
    'auth_token_jwks_fetch_failures_total{jwks="/_t/a%22b%5Cc%20d%23e%C3%A9"}' => 1,
    'auth_token_jwks_unknown_kid_fetches_total{jwks="/_t/a%22b%5Cc%20d%23e%C3%A9"}' => 0,
    'auth_token_cache_misses_total{cache="token"}' => 2,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
    'auth_token_zone_entries{zone="tokens",type="key_set"}' => 3,
);
my @any = (qr/^auth_token_idp_call_duration_seconds_(?:bucket|sum|count)\{endpoint="jwks"/);
my $ages = main::holds('ages', sub {
    my @age = grep { /^auth_token_jwks_age_seconds\{/ } split /\n/, $_[0];
    return @age == 1 ? '' : "age samples: @age";
});
["valid", "401 Authorization", "503 Service", "503 Service", "slept",
 qr/${\ main::scrape(\%WANT, @any)}$ages/, main::scrape_json(\%WANT, @any), main::agree()]
--- timeout: 10



=== TEST 11: key-set names are unique: the same URI in two servers, and URIs that are alike in their first 128 bytes
Both servers fetch "/_jwks" (their own providers: 8 and 3 keys): each
name gets "#" and 8 hex digits of its key.  Two URIs of 150 bytes that
differ after 140: "..." after 128 bytes, and the same suffix rule.
--- http_config
    auth_token_zone tokens:1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        server_name second;
        location /remote {
            auth_token "api";
            auth_token_jwks_request /_jwks;
            echo "$auth_token_status";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/three.json;
        }
    }
--- config eval
my $long = '/_long/' . ('x' x 133);
my $c = q{
    location /remote {
        auth_token "api";
        auth_token_jwks_request /_jwks;
        echo "$auth_token_status";
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/keys/jwks.json;
    }
    location /second {
        auth_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/remote;
    }
    location /long1 {
        auth_token "api";
        auth_token_jwks_request LONG1111111111;
        echo "$auth_token_status";
    }
    location /long2 {
        auth_token "api";
        auth_token_jwks_request LONG2222222222;
        echo "$auth_token_status";
    }
    location /_long/ {
        internal;
        rewrite ^ /three.json break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
};
$c =~ s/LONG/$long/g;
$c
--- user_files eval
">>> idp/three.json\n" . main::jwks(qw(rsa1 ec256 ed1)) . "\n"
--- request eval
["GET /remote", "GET /second", "GET /long1", "GET /long2", "GET /both"]
--- more_headers eval
[("Authorization: Bearer $main::OK") x 4, ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
my $names = main::holds('names', sub {
     my ($text) = $_[0] =~ /\A(.*?\n)\{/s;
     my %keys = map { /^auth_token_jwks_keys\{jwks="([^"]*)"\} (\d+)$/ ? ($1 => $2) : () } split /\n/, $text;
     my @jwks = sort grep { m{^/_jwks} } keys %keys;
     my @long = sort grep { m{^/_long} } keys %keys;
     my $x128 = '/_long/' . ('x' x 121);
     return "names: @{[ sort keys %keys ]}" unless keys %keys == 4
         && @jwks == 2 && $jwks[0] =~ m{^/_jwks#[0-9a-f]{8}$} && $jwks[1] =~ m{^/_jwks#[0-9a-f]{8}$}
         && "@keys{@jwks}" =~ /^(?:8 3|3 8)$/
         && @long == 2 && $long[0] =~ /^\Q$x128\E\.\.\.#[0-9a-f]{8}$/ && $long[1] =~ /^\Q$x128\E\.\.\.#[0-9a-f]{8}$/
         && $long[0] ne $long[1];
     return '';
});
["valid", "valid", "valid", "valid", qr/${\ main::agree()}$names/]
--- no_error_log
[error]
[warn]



=== TEST 12: a full zone: evictions and full-zone events; stores, misses and entries stay consistent
200 distinct valid tokens through a 32k zone, one after another: 200
misses, verifications and stores; the zone holds a few of them, every
other one was evicted (evictions = stores - entries), each eviction
happened for an allocation (1 <= full <= evictions); the "zone is full"
warning is logged.
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;
--- config eval
main::fanout(tokens => \@main::FLOOD)
--- request eval
["GET /fanout", "GET /metrics", "GET /metrics", "GET /metrics.json", "GET /both", "GET /error-log"]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="api",result="accepted",reason="valid"}' => 200,
    'auth_token_cache_misses_total{cache="token"}' => 200,
    'auth_token_cache_stores_total{cache="token"}' => 200,
    'auth_token_signature_verifications_total{alg="HS256"}' => 200,
    'auth_token_zone_size_bytes{zone="tokens"}' => 32768,
    'auth_token_cache_evictions_total{cache="token"}' => qr/^1\d\d$/,
    'auth_token_zone_full_total{zone="tokens"}' => qr/^[1-9]\d*$/,
);
my $consistent = main::holds('evictions', sub {
    my $s = main::prom_series($_[0]);
    my ($stores, $ev, $n, $full, $used) = map { $s->{$_} }
        'auth_token_cache_stores_total{cache="token"}', 'auth_token_cache_evictions_total{cache="token"}',
        'auth_token_zone_entries{zone="tokens",type="verified_token"}', 'auth_token_zone_full_total{zone="tokens"}',
        'auth_token_zone_used_bytes{zone="tokens"}';
    return "stores $stores, evictions $ev, entries $n" if $stores != $ev + $n || $n < 1;
    return "full $full, evictions $ev" if $full < 1 || $full > $ev;
    return "used $used" if $used > 32768 || $used < 16384;
    return '';
});
[main::fanned(("valid") x 200), main::scrape(\%WANT), $consistent, main::scrape_json(\%WANT), main::agree(),
 qr/\[warn\][^\n]*auth_token: zone "tokens" is full/]
--- timeout: 20



=== TEST 13: the same flood through a zone big enough: no eviction, no full-zone event
--- http_config
    auth_token_zone tokens:1m;
--- config eval
main::fanout(tokens => \@main::FLOOD)
--- request eval
["GET /fanout", "GET /metrics"]
--- response_body_like eval
[main::fanned(("valid") x 200), main::scrape({
    'auth_token_decisions_total{location="api",result="accepted",reason="valid"}' => 200,
    'auth_token_cache_misses_total{cache="token"}' => 200,
    'auth_token_cache_stores_total{cache="token"}' => 200,
    'auth_token_signature_verifications_total{alg="HS256"}' => 200,
    'auth_token_zone_entries{zone="tokens",type="verified_token"}' => 200,
})]
--- no_error_log
[warn]
--- timeout: 20



=== TEST 14: one decision per policy: not again after an internal redirect to a location of the same policy, nor for subrequests that inherit it
/tf: try_files to a named location of the same policy (one decision);
/ssi: two subrequests to a location of the same policy (one decision);
/two: try_files to a location that also requires a scope (another
policy: a second decision, refused).  The token is verified once; the
locations of another policy find it in the cache.
--- http_config
    auth_token_zone tokens:1m;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config
    location /tf {
        auth_token "api";
        auth_token_metrics_label tf;
        try_files /nonexistent @fallback;
    }
    location @fallback {
        auth_token "api";
        auth_token_metrics_label tf;
        echo "fallback $auth_token_status";
    }
    location /ssi {
        auth_token "api";
        auth_token_metrics_label ssi;
        echo_location /ssi/part;
        echo_location /ssi/part;
    }
    location /ssi/part {
        auth_token "api";
        auth_token_metrics_label ssi;
        echo "part $auth_token_status";
    }
    location /two {
        auth_token "api";
        auth_token_metrics_label two;
        try_files /nonexistent @strict;
    }
    location @strict {
        auth_token "api";
        auth_token_metrics_label strict;
        auth_token_scope admin;
        echo "strict";
    }
--- request eval
["GET /tf", "GET /ssi", "GET /two", "GET /metrics", "GET /metrics.json"]
--- more_headers eval
[("Authorization: Bearer $main::OK") x 3, "", ""]
--- error_code eval
[200, 200, 403, 200, 200]
--- response_body_like eval
my %WANT = (
    'auth_token_decisions_total{location="tf",result="accepted",reason="valid"}' => 1,
    'auth_token_decisions_total{location="ssi",result="accepted",reason="valid"}' => 1,
    'auth_token_decisions_total{location="two",result="accepted",reason="valid"}' => 1,
    'auth_token_decisions_total{location="strict",result="refused",reason="insufficient_scope"}' => 1,
    'auth_token_cache_misses_total{cache="token"}' => 1,
    'auth_token_cache_hits_total{cache="token"}' => 3,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
);
["\\Afallback valid\\n\\z", "\\Apart valid\\npart valid\\n\\z", "403 Forbidden",
 main::scrape(\%WANT), main::scrape_json(\%WANT)]
--- no_error_log
[error]



=== TEST 15: a scrape never shows a token, a claim value or a secret
A JWT with a distinctive sub and email, an opaque token introspected with
client credentials (the answer has the same claims), a reissued token:
none of them, none of their parts, no claim value and no client secret
in either form.
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /jwt {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_reissue_request /_exchange;
        auth_token_reissue_param audience a;
        auth_token_reissue_client_id gw-id-Hj7;
        auth_token_reissue_client_secret rs-s3cr3t-Pw-88;
        echo "$auth_token_claim_sub";
    }
    location /opaque {
        auth_token "api";
        auth_token_introspect_request /_introspect;
        auth_token_introspect_client_id gw-id-Hj7;
        auth_token_introspect_client_secret s3cr3t-Pw-77;
        echo "$auth_token_claim_sub";
    }
    location = /_introspect {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/introspect;
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request eval
["GET /jwt", "GET /opaque", "GET /metrics", "GET /metrics.json"]
--- more_headers eval
["Authorization: Bearer $main::SECRET", "Authorization: Bearer opaque-Zq9t", "", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_body_unlike eval
my $secrets = CORE::join '|', map { quotemeta } split(/\./, $main::SECRET),
    qw(XyZzY QwErT opaque Zq9t s3cr3t gw-id downstream-1 alice);
["never in a body", "never in a body", qr/$secrets/, qr/$secrets/]
--- response_body_like eval
["\\Asub-XyZzY-42\\n\\z", "\\Asub-XyZzY-42\\n\\z", qr/auth_token_idp_calls_total\{endpoint="reissue",outcome="ok"\} 1\n/,
 qr/"introspection":\{"calls":\{"ok":1,/]
--- no_error_log
[error]



=== TEST 16: methods: POST and PUT 405, HEAD the headers only; the content types of both forms
--- http_config
    auth_token_zone tokens:1m;
--- config
--- request eval
["POST /metrics\nx=1", "PUT /metrics.json\n{}", "HEAD /metrics", "HEAD /metrics.json", "GET /metrics.json"]
--- error_code eval
[405, 405, 200, 200, 200]
--- response_headers eval
["", "", "Content-Type: text/plain; version=0.0.4; charset=utf-8",
 "Content-Type: application/json", "Content-Type: application/json"]
--- response_body_like eval
["405 Not Allowed", "405 Not Allowed", "\\A\\z", "\\A\\z", qr/\A\{"decisions":\[\],"caches":\{.*\}\n\z/s]
--- no_error_log
[error]



=== TEST 17: the metrics location is protected like any other: allow/deny, or a token when auth_token applies to it
auth_token at server level applies to a metrics location that does not
turn it off: 401 without a token, 200 with one; allow/deny: 403 from
another address, 200 from 127.0.0.1.
--- http_config
    auth_token_zone tokens:1m;
--- config
    auth_token "api";
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
    location = /m-token { auth_token_metrics; }
    location = /m-denied { auth_token off; allow 192.0.2.1; deny all; auth_token_metrics; }
    location = /m-allowed { auth_token off; allow 127.0.0.1; deny all; auth_token_metrics; }
--- request eval
["GET /m-token", "GET /m-token", "GET /m-denied", "GET /m-allowed"]
--- more_headers eval
["", "Authorization: Bearer $main::OK", "", ""]
--- error_code eval
[401, 200, 403, 200]
--- response_body_like eval
["401 Authorization", "# TYPE auth_token_decisions_total counter\n", "403 Forbidden",
 qr/\Qauth_token_decisions_total{location="",result="accepted",reason="valid"} 1\E\n/]



=== TEST 18: auth_token_metrics_label is inherited (http, server, location); 63 names (edge, api and 61 more) are allowed
--- http_config
    auth_token_zone tokens:1m;
    auth_token_metrics_label edge;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
CORE::join '', q{
    location /inherit { auth_token "api"; echo ok; }
}, map { "    location /l$_ { auth_token \"api\"; auth_token_metrics_label n$_; echo ok; }\n" } 1 .. 61
--- request eval
["GET /inherit", "GET /l61", "GET /l61", "GET /metrics"]
--- more_headers eval
[("Authorization: Bearer $main::OK") x 3, ""]
--- response_body_like eval
["ok", "ok", "ok", main::scrape({
    'auth_token_decisions_total{location="edge",result="accepted",reason="valid"}' => 1,
    'auth_token_decisions_total{location="n61",result="accepted",reason="valid"}' => 2,
    'auth_token_cache_misses_total{cache="token"}' => 1,
    'auth_token_cache_hits_total{cache="token"}' => 2,
    'auth_token_cache_stores_total{cache="token"}' => 1,
    'auth_token_signature_verifications_total{alg="RS256"}' => 1,
})]



=== TEST 19: config: auth_token_metrics without auth_token_zone is refused
--- config
    location = /m { auth_token_metrics; }
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics" needs "auth_token_zone"/



=== TEST 20: config: an unknown format= is refused
--- http_config
    auth_token_zone tokens:1m;
--- config
    location = /m { auth_token_metrics format=openmetrics; }
--- must_die
--- error_log eval
qr/\[emerg\] invalid parameter "format=openmetrics": format=prometheus or format=json expected/



=== TEST 21: config: auth_token_metrics in a location with another content handler is refused
--- http_config
    auth_token_zone tokens:1m;
--- config
    location = /m { proxy_pass http://127.0.0.1:1; auth_token_metrics; }
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics" directive is duplicate: the location has a content handler already/



=== TEST 22: config: auth_token_metrics followed by another content handler in its location is refused
--- http_config
    auth_token_zone tokens:1m;
--- config
    location = /m { auth_token_metrics; proxy_pass http://127.0.0.1:1; }
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics" and another content handler in the location "\/m"/



=== TEST 23: config: a label name with a character outside letters, digits and "_-./:" is refused
--- http_config
    auth_token_zone tokens:1m;
--- config
    location /a { auth_token_metrics_label "a b"; }
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics_label" directive takes letters, digits and "_-\.\/:" only/



=== TEST 24: config: a label name of 65 characters is refused (64 is the most)
--- http_config
    auth_token_zone tokens:1m;
--- config eval
"    location /a { auth_token_metrics_label " . ('a' x 64) . "; }\n"
. "    location /b { auth_token_metrics_label " . ('b' x 65) . "; }\n"
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics_label" directive needs a name of 1 to 64 characters in .*nginx\.conf:\d+/



=== TEST 25: config: a 64th label name is refused (api and 63 more)
--- http_config
    auth_token_zone tokens:1m;
--- config eval
CORE::join '', map { "    location /l$_ { auth_token_metrics_label n$_; }\n" } 1 .. 63
--- must_die
--- error_log eval
qr/\[emerg\] "auth_token_metrics_label" directive is given too many names \(63 at most\)/
