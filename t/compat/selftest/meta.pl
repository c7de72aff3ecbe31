# Self-test: failing checks must really fail. Runs failing.suite (on its own
# port, TEST_NGINX_SERVER_PORT + 2, and server root) under prove and checks
# each expected "not ok" and that prove reports FAIL. Run all the self-tests
# with t/compat/selftest/run
use strict;
use warnings;
use Test::More;
use File::Path qw(remove_tree);

my $suite = 't/compat/selftest/failing.suite';
my $root  = ($ENV{TEST_NGINX_SERVROOT} || 't/servroot') . '_selftest_fail';
local $ENV{TEST_NGINX_SERVROOT}    = $root;
local $ENV{TEST_NGINX_SERVER_PORT} = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 2;

my $out = `prove -v -I t/compat $suite 2>&1`;
isnt($? >> 8, 0, 'prove exits non-zero on the failing suite');
like($out, qr/^Result: FAIL/m, 'prove reports FAIL');
like($out, qr/exited 255/, 'the suite itself exits non-zero (the unset placeholder)');

my %expect = (
    2  => 'response_body - response is expected',
    3  => 'status code ok',
    4  => 'header X-Test not present in the raw headers',
    5  => 'header X-Test ok',
    6  => 'pattern "this line is not in the error log" should match a line in error.log',
    7  => 'pattern "[error]" should not match any line in error.log',
    8  => 'grep_error_log_out',
    9  => 'nginx must die but it does not',
    10 => 'nginx failed to start',
    11 => 'response_body_like - response is expected',
    12 => 'ERROR: client socket timed out',
    13 => "section '--- tcp_listen' is not supported",
    14 => 'header Content-Type like ok',
    15 => 'pattern ""GET /other HTTP/1.1"" should match a line in access.log',
    16 => 'status code ok',
    17 => "unknown section '--- response_body_likes' (did you mean '--- response_body_like'?)",
    18 => 'the line "---error_code: 404" in --- request is not a section header',
    19 => 'response_body_unlike - response is expected',
    20 => 'response_body_like - response is expected',
    21 => 'header X-Test like ok',
    22 => 'unexpected [crit] in error.log (req 0',
    23 => 'unexpected [alert] in error.log (shutdown',
    24 => 'unexpected [emerg] in error.log (req 0',
    25 => 'an unexpected alert',
    26 => "unknown section '--- respone_body' (did you mean '--- response_body'?)",
);
for my $n (sort { $a <=> $b } keys %expect) {
    my $want = $expect{$n};
    my $hit = grep { /^not ok \d+ - .*\bTEST $n: .*\Q$want\E/ || /^not ok \d+ - \Q$want\E.*TEST $n:/ }
              split /\n/, $out;
    ok($hit, "TEST $n fails: $want");
}
unlike($out, qr/^not ok \d+ - .*TEST 1: /m, 'TEST 1 passes');
like($out, qr/^ok \d+ - .*TEST 16: .* - status code ok/m, 'TEST 16: the first request passes');
like($out, qr/nginx stderr:.*unknown directive "no_such_directive"/s,
     "nginx's own message is shown when it cannot start");
like($out, qr/^ok \d+ - .*TEST 19: .* - response_body_like - /m,
     'TEST 19: response_body_like is checked too, and passes');
like($out, qr/^ok \d+ - .*TEST 25: .* - pattern "the expected alert" matches/m,
     'TEST 25: the [alert] asked for passes');
unlike($out, qr/^not ok \d+ - .*TEST 25: .*the expected alert/m,
     'TEST 25: the [alert] asked for is not reported as unexpected');
like($out, qr/nginx\.pid\\?" failed/, 'TEST 23: the shutdown [alert] is shown');
like($out, qr/No environment TEST_NGINX_SURELY_UNSET_VARIABLE defined/,
     'an unset placeholder aborts with a clear message');
unlike($out, qr/^ok \d+ - .*TEST 27:/m, 'nothing runs after the unset placeholder');

diag($out) if !Test::More->builder->is_passing;
remove_tree($root);
done_testing();
