# Debian's Lua module (libnginx-mod-http-lua) works beside ours, loaded the
# way suites that need Lua load it: per block, through --- main_config (not
# TEST_NGINX_LOAD_MODULES), the NDK module first (without it the Lua module
# does not even load: "undefined symbol: ndk_set_var_value"):
#
#     load_module /usr/lib/nginx/modules/ndk_http_module.so;
#     load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
#
# Nothing else is needed: Debian builds the module with
# /usr/share/lua/5.1/?.lua as its default path (where lua-resty-core is) and
# it loads resty.core by itself. A block that sets lua_package_path must end
# it with ";;" to keep that default.
#
# access_by_lua* runs at the end of the access phase (the Lua module's
# default), so after auth_token: a refused token never reaches Lua.
#
# Skipped when the modules are absent (TEST_NGINX_NDK_MODULE and
# TEST_NGINX_LUA_MODULE name other files), or built for another nginx than
# TEST_NGINX_BINARY.

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

=== TEST 1: content_by_lua_block and ngx.req.set_header; resty.core is loaded
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.set_header("X-A", "b")
            ngx.say("x-a=", ngx.var.http_x_a, " ", ngx.req.get_headers()["x-a"])
            ngx.say("resty.core ", package.loaded["resty.core"] and "loaded" or "missing")
        }
    }
--- request
GET /t
--- response_body
x-a=b b
resty.core loaded
--- no_error_log
[error]
[warn]



=== TEST 2: a header set by access_by_lua_block replaces the client's upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo "x-a=[$http_x_a]";
        }
    }
--- config
    location = /t {
        access_by_lua_block {
            ngx.req.set_header("X-A", "from-lua")
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers
X-A: from-client
--- response_body
x-a=[from-lua]
--- no_error_log
[error]



=== TEST 3: with auth_token: content_by_lua sees the token's identity, not the client's X-User
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        auth_token_claim_header X-User sub;
        content_by_lua_block {
            ngx.say("sub=", ngx.var.auth_token_claim_sub, " x-user=", ngx.var.http_x_user)
        }
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer() . "\nX-User: spoofed"
--- response_body
sub=user-42 x-user=user-42
--- no_error_log
[error]



=== TEST 4: access_by_lua_block runs after auth_token: it sees the accepted token
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        access_by_lua_block {
            ngx.req.set_header("X-Seen", ngx.var.auth_token_status .. " " .. ngx.var.auth_token_claim_sub)
        }
        content_by_lua_block {
            ngx.say("seen: ", ngx.var.http_x_seen)
        }
    }
--- request
GET /t
--- more_headers eval
AuthTokenTest::bearer()
--- response_body
seen: valid user-42
--- no_error_log
[error]



=== TEST 5: no token: 401 before any Lua runs
--- config
    location = /t {
        auth_token "api";
        auth_token_jwks_file $TEST_NGINX_KEYS/jwks.json;
        access_by_lua_block {
            ngx.log(ngx.WARN, "lua access ran")
        }
        content_by_lua_block {
            ngx.say("lua content ran")
        }
    }
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api"
--- response_body_unlike: lua content ran
--- no_error_log
lua access ran
