# Finding 1 of the audit (docs/security.md): the request's header list is
# rebuilt in the request's memory, never from a list on the stack, so a
# module that adds request headers after the access phase (here Lua's
# ngx.req.set_header) works beside ours: with a header token (the default
# auth_token_pass_token off removes it for the upstream) and claim headers,
# header lists long enough to need a new part, in the access phase (after
# auth_token) and in the content phase.  Before the fix the worker died with
# SIGSEGV in ngx_http_lua_set_input_header (the runner fails a block on
# "exited on signal"; run under valgrind too).  Also: Lua in the access
# phase sees the claim header, never the client's copy (finding 2).
#
# Loads Debian's Lua module per block, as t/021-lua-smoke.t explains, and
# is skipped when it cannot.

use lib 't/lib';
use Test::Nginx::Socket;
use AuthTokenTest;
use File::Temp ();

our $NDK = $ENV{TEST_NGINX_NDK_MODULE} // '/usr/lib/nginx/modules/ndk_http_module.so';
our $LUA = $ENV{TEST_NGINX_LUA_MODULE} // '/usr/lib/nginx/modules/ngx_http_lua_module.so';

# the load_module lines a block needs (none for a module that
# TEST_NGINX_LOAD_MODULES loads already: nginx refuses a second load)
our $LOAD = join '', map { "load_module $_;\n" }
            grep { index($ENV{TEST_NGINX_LOAD_MODULES} // '', $_) < 0 } $NDK, $LUA;

# why this suite cannot run here, or undef
sub lua_unusable {
    -f $NDK or return "no NDK module at $NDK (Debian: libnginx-mod-http-ndk)";
    -f $LUA or return "no Lua module at $LUA (Debian: libnginx-mod-http-lua)";
    my $nginx = $ENV{TEST_NGINX_BINARY}
        || (grep { -x } map { "$_/nginx" } split /:/, $ENV{PATH} // '')[0]
        || '/usr/sbin/nginx';
    my $dir = File::Temp->newdir;
    open my $fh, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $fh "${LOAD}pid $dir/nginx.pid;\nevents {}\n";
    close $fh;
    my $out = `'$nginx' -t -p '$dir/' -c '$dir/nginx.conf' -e '$dir/error.log' 2>&1`;
    return "the Lua module does not fit $nginx: $1"
        if $out =~ /(\S[^\n]*(?:is not binary compatible|version \d+ instead of \d+)[^\n]*)/;
    return undef;    # any other failure shows in the blocks
}

if (my $why = lua_unusable()) {
    plan skip_all => $why;
} else {
    plan 'no_plan';
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(main_config => $LOAD . ($block->main_config // ''));
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: content_by_lua adds 40 request headers to a request (a few headers) whose header list auth_token rebuilt (Authorization removed, claim header added)
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        content_by_lua_block {
            for i = 1, 40 do
                ngx.req.set_header("X-Added-" .. i, tostring(i))
            end
            local h = ngx.req.get_headers(100)
            ngx.say("x-user=", h["x-user"], " added-1=", h["x-added-1"],
                    " added-40=", h["x-added-40"],
                    " authorization=", tostring(h["authorization"]))
        }
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer() . "\nX-User: spoofed"
--- response_body
x-user=user-42 added-1=1 added-40=40 authorization=nil
--- no_error_log
[error]



=== TEST 1b: the same with 25 more client headers (a list of several parts)
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        content_by_lua_block {
            for i = 1, 40 do
                ngx.req.set_header("X-Added-" .. i, tostring(i))
            end
            local h = ngx.req.get_headers(100)
            ngx.say("x-user=", h["x-user"], " added-1=", h["x-added-1"],
                    " added-40=", h["x-added-40"],
                    " authorization=", tostring(h["authorization"]))
        }
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer() . "\nX-User: spoofed\n" . CORE::join "", map { "X-Filler-$_: v\n" } 1 .. 25
--- response_body
x-user=user-42 added-1=1 added-40=40 authorization=nil
--- no_error_log
[error]



=== TEST 2: the same with the reissued token and a cookie token: every rebuild is in the request's memory
--- http_config
    auth_token_zone tokens:1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /exchange {
            echo_read_request_body;
            echo '{"access_token":"downstream-1","expires_in":600}';
        }
    }
--- config
    location = /t {
        auth_token "api" token=$cookie_at;
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        auth_token_reissue_request /_exchange;
        content_by_lua_block {
            for i = 1, 30 do
                ngx.req.set_header("X-Added-" .. i, "v")
            end
            ngx.req.set_header("X-User", "changed-by-lua")
            local h = ngx.req.get_headers(100)
            ngx.say("x-user=", h["x-user"], " auth=", h["authorization"],
                    " added-30=", h["x-added-30"])
        }
    }
    location = /_exchange {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/exchange;
    }
--- request
GET /t
--- more_headers eval
my $t = AuthTokenTest::bearer() =~ s/^Authorization: Bearer //r;
"Cookie: at=$t"
--- response_body
x-user=changed-by-lua auth=Bearer downstream-1 added-30=v
--- no_error_log
[error]



=== TEST 3: access_by_lua (after auth_token) adds headers and sees the claim, never the client's copy of X-User
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-user=[$http_x_user] x-from-lua=[$http_x_from_lua] x-lua-saw=[$http_x_lua_saw]";
        }
    }
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        access_by_lua_block {
            ngx.req.set_header("X-Lua-Saw", ngx.var.http_x_user)
            for i = 1, 25 do
                ngx.req.set_header("X-From-Lua", tostring(i))
            end
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/b;
    }
--- request
GET /t
--- more_headers eval
"X-User: admin\n" . AuthTokenTest::bearer(claims => { sub => "alice" })
--- response_body
x-user=[alice] x-from-lua=[25] x-lua-saw=[alice]
--- no_error_log
[error]
