# Self-test: failing checks must really fail. Runs failing.suite (on its own
# port and server root) under prove and checks each expected "not ok" and
# that prove reports FAIL. Run from the project root:
#   prove -I t/compat t/compat/selftest/*.pl
use strict;
use warnings;
use Test::More;
use File::Path qw(remove_tree);

my $suite = 't/compat/selftest/failing.suite';
my $root  = 't/servroot_selftest_fail';
local $ENV{TEST_NGINX_SERVROOT}    = $root;
local $ENV{TEST_NGINX_SERVER_PORT} = 1986;

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
like($out, qr/No environment TEST_NGINX_SURELY_UNSET_VARIABLE defined/,
     'an unset placeholder aborts with a clear message');
unlike($out, qr/^ok \d+ - .*TEST 17:/m, 'nothing runs after the unset placeholder');

diag($out) if !Test::More->builder->is_passing;
remove_tree($root);
done_testing();
