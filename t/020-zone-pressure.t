# Zone pressure: a 32k auth_token_zone (room for a few dozen verified
# tokens) flooded with hundreds of distinct valid JWTs, one after another
# and concurrently over two workers.  The zone stays bounded (the least
# recently used entries are evicted: the first token is a MISS again), every
# request still gets the right answer (200 and its own "sub"), invalid
# tokens never enter the zone (they cannot evict anything), and the full
# zone is logged once (a warning at most once a minute for all workers),
# not once per eviction.
#
# Tokens are HS256, signed here with t/keys/hmac1.key (Digest::SHA), each
# with its own "sub": u1 ... uN.  /api/N (reached through the fan-out) gets
# token N by a map on $uri.
#
# Every block gets (see the preprocessor below):
#   - the map $uri $flood_token (valid tokens) and $bad_token (the same
#     tokens with a broken signature), in http_config;
#   - helper locations in the main server (config):
#       /fanout            N requests to /api/1 ... /api/N (see fanout)
#       /error-log         nginx's error log (for request arrays)

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use AuthTokenTest qw(b64url sign);

master_on();
workers(2);
worker_connections(4096);

our $N = 600;

# an HS256 token of the key "hs1" in t/keys/jwks.json, with sub u$n
sub token {
    my ($n) = @_;
    my $header = '{"alg":"HS256","kid":"hs1","typ":"JWT"}';
    my $payload = '{"sub":"u' . $n . '","aud":"api","exp":'
                . (time() + 3600) . '}';
    my $input = b64url($header) . '.' . b64url($payload);
    return $input . '.' . b64url(sign('HS256', $input, key => 'hmac1'));
}

our @TOKENS = map { token($_) } 0 .. $N;
our @BAD = map { my $t = $_; $t =~ s/.$/$& eq 'A' ? 'B' : 'A'/e; $t } @TOKENS;

our $MAPS = "    map \$uri \$flood_token {\n"
    . join('', map { "        /api/$_ $TOKENS[$_];\n" } 1 .. $N)
    . "        default \"\";\n    }\n"
    . "    map \$uri \$bad_token {\n"
    . join('', map { "        /api/$_ $BAD[$_];\n" } 1 .. $N)
    . "        default \"\";\n    }\n";

our $TOOLS = <<'_EOC_';

    location = /error-log { alias $TEST_NGINX_SERVER_ROOT/logs/error.log; }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => $MAPS . ($block->http_config // ''));
    $block->set_value(config => $block->config . $TOOLS)
        if defined $block->config;
});

# /fanout: $n requests to /api/N of this same server, through a reuseport
# listener so that the kernel spreads them over both workers; concurrent
# ("async") or one after another ("sync").  Bodies concatenated in order.
sub fanout {
    my ($n, $mode) = @_;
    my $cmd = $mode eq 'sync' ? 'echo_location' : 'echo_location_async';
    return join '',
        "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n",
        "    location = /fanout {\n",
        (map { "        $cmd /fan/$_;\n" } 1 .. $n),
        "    }\n",
        "    location /fan/ { proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2/api/; }\n";
}

# the error log holds one "zone is full" warning and nothing worse
our $ONE_WARNING = qr/\A(?!.*\[(?:error|crit|alert|emerg)\])(?!.*signal)(?!.*is full.*is full)(?=.*\[warn\][^\n]*auth_token: zone "tokens" is full: [1-9]\d* least recently used entries evicted since start\n)/s;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: 600 distinct valid tokens one after another through a 32k zone: all 200 with their own sub, the first token evicted, one warning
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
main::fanout($main::N, "sync") . q{
    location = /api {
        auth_token "api";
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /api/ {
        auth_token "api" token=$flood_token;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
}
--- request eval
["GET /api", "GET /api", "GET /fanout", "GET /api", "GET /api", "GET /error-log"]
--- more_headers eval
[("Authorization: Bearer $main::TOKENS[0]") x 2, "",
 ("Authorization: Bearer $main::TOKENS[0]") x 2, ""]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "X-Cache: HIT", "", "X-Cache: MISS", "X-Cache: HIT", ""]
--- response_body_like eval
["\\Asub=\\[u0\\]\\n\\z", "\\Asub=\\[u0\\]\\n\\z",
 "\\A" . CORE::join('', map { "u$_ MISS\\n" } 1 .. $main::N) . "\\z",
 "\\Asub=\\[u0\\]\\n\\z", "\\Asub=\\[u0\\]\\n\\z",
 $main::ONE_WARNING]
--- timeout: 20



=== TEST 2: the same flood, concurrent over both workers: all 200 with their own sub, one warning for both workers
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
main::fanout($main::N, "async") . q{
    location /api/ {
        auth_token "api" token=$flood_token;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
}
--- request eval
["GET /fanout", "GET /fanout", "GET /error-log"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\A" . CORE::join('', map { "u$_ MISS\\n" } 1 .. $main::N) . "\\z",
 # the second round: the last ones may still be there, the first ones not
 "\\A" . CORE::join('', map { "u$_ (?:HIT|MISS)\\n" } 1 .. $main::N) . "\\z",
 $main::ONE_WARNING]
--- timeout: 30



=== TEST 3: a flood of invalid tokens never enters the zone: the cached token stays (HIT), all 600 refused, no warning
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
main::fanout($main::N, "sync") . q{
    location = /api {
        auth_token "api";
        add_header X-Cache $auth_token_cache always;
        echo "sub=[$auth_token_claim_sub]";
    }
    location /api/ {
        auth_token "api" token=$bad_token;
        error_page 401 /refused;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
    location = /refused { internal; echo "refused"; }
}
--- request eval
["GET /api", "GET /fanout", "GET /api", "GET /error-log"]
--- more_headers eval
["Authorization: Bearer $main::TOKENS[0]", "",
 "Authorization: Bearer $main::TOKENS[0]", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache: MISS", "", "X-Cache: HIT", ""]
--- response_body_like eval
["\\Asub=\\[u0\\]\\n\\z", "\\A(?:refused\\n){$main::N}\\z",
 "\\Asub=\\[u0\\]\\n\\z",
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\]).*auth_token: 401: Signature verification failed/s]
--- timeout: 20



=== TEST 4: a zone big enough (1m) for the flood: no eviction, no warning, the second round all HIT
--- log_level: info
--- http_config
    auth_token_zone tokens:1m;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
main::fanout($main::N, "sync") . q{
    location /api/ {
        auth_token "api" token=$flood_token;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
}
--- request eval
["GET /fanout", "GET /fanout", "GET /error-log"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["\\A" . CORE::join('', map { "u$_ MISS\\n" } 1 .. $main::N) . "\\z",
 "\\A" . CORE::join('', map { "u$_ HIT\\n" } 1 .. $main::N) . "\\z",
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])/s]
--- timeout: 20



=== TEST 5: expired entries are only taken back: waves of tokens, each wave expired before the next, fill a 32k zone many times over without a warning
--- log_level: info
--- http_config
    auth_token_zone tokens:32k;
    auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
--- config eval
my $c = "    listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2 reuseport;\n"
      . "    location /fan/ { proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2/api/; }\n"
      . "    location = /sleep { echo_sleep \$arg_s; echo slept; }\n";
for my $w (0 .. 11) {
    $c .= "    location = /wave$w {\n"
        . CORE::join('', map { "        echo_location /fan/" . ($w * 15 + $_) . ";\n" } 1 .. 15)
        . "    }\n";
}
$c . q{
    location /api/ {
        auth_token "api" token=$flood_token;
        auth_token_cache_valid 1s;
        echo "$auth_token_claim_sub $auth_token_cache";
    }
}
--- request eval
[(map { ("GET /wave$_", "GET /sleep?s=1.1") } 0 .. 11), "GET /error-log"]
--- response_body_like eval
[(map { my $w = $_; ("\\A" . CORE::join('', map { "u" . ($w * 15 + $_) . " MISS\\n" } 1 .. 15) . "\\z", "slept") } 0 .. 11),
 qr/\A(?!.*\[(?:warn|error|crit|alert|emerg)\])(?=.*\[notice\])/s]
--- timeout: 40
