# Self-test of t/compat/Test/Nginx/Socket.pm against plain nginx + the echo
# module (Debian: libnginx-mod-http-echo). Named *.pl so that the project's
# `prove -r t/` does not pick it up. All the self-tests: t/compat/selftest/run
# Valgrind mode (slow): TEST_NGINX_USE_VALGRIND=1 prove -I t/compat t/compat/selftest/basic.pl
BEGIN { delete $ENV{TEST_NGINX_LOAD_MODULES} }    # echo comes through main_config
use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_ECHO_MODULE} //= '/usr/lib/nginx/modules/ngx_http_echo_module.so';
$ENV{TEST_NGINX_GREETING} = 'hello from env';

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->main_config) {
        $block->set_value(main_config => "load_module $ENV{TEST_NGINX_ECHO_MODULE};");
    }
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: 200 with a chunked body; headers present and absent
--- config
    location = /t {
        add_header X-Test yes;
        echo "hello";
    }
--- request
GET /t
--- response_body
hello
--- response_headers
X-Test: yes
x-test: yes
!X-Absent
Content-Type: text/plain
--- raw_response_headers_like: Transfer-Encoding: chunked
--- no_error_log
[error]
[alert]



=== TEST 2: several requests, error_code and response_body arrays
--- config
    location = /a { echo a; }
    location = /forbidden { deny all; echo never; }
--- request eval
["GET /a", "GET /nope", "GET /forbidden"]
--- error_code eval
[200, 404, 403]
--- response_body eval
["a\n", qr/404 Not Found/, qr{<title>403 Forbidden</title>}]



=== TEST 3: user_files served by the static root location, with subdirectories
--- config
--- user_files
>>> foo.txt
plain file
>>> sub/dir/bar.html
<p>$TEST_NGINX_GREETING</p>
--- request eval
["GET /foo.txt", "GET /sub/dir/bar.html", "GET /"]
--- response_body eval
["plain file\n", "<p>hello from env</p>\n", qr/It works!/]
--- response_headers_like eval
["Content-Type: text/plain", "Content-Type: text/html", "Content-Length: \\d+"]



=== TEST 4: must_die on an unknown directive, the reason is in the error log
--- config
    bogus_directive on;
--- must_die
--- error_log
[emerg]
unknown directive "bogus_directive"



=== TEST 5: error_log / no_error_log, literal and eval qr// ($TEST_NGINX_HTML_DIR: compat only)
--- config
    location /static/ { root $TEST_NGINX_HTML_DIR; }
--- request
GET /static/missing.html
--- error_code: 404
--- error_log
/static/missing.html" failed (2: No such file or directory)
--- no_error_log
[alert]
[crit]
this text never appears in any log



=== TEST 6: error_log eval with an array of qr// and strings
--- config
    location /static/ { root $TEST_NGINX_SERVER_ROOT/html; }
--- request
GET /static/gone.html
--- error_code: 404
--- error_log eval
[qr/\[error\] \d+#\d+: \*\d+ open\(\) "[^"]+gone\.html"/, "No such file or directory"]
--- no_error_log eval
[qr/\[emerg\]/]



=== TEST 7: grep_error_log with a regex, checked after each request
--- config
    location /static/ { root $TEST_NGINX_SERVER_ROOT/html; }
--- request eval
["GET /static/x1.html", "GET /static/x2.html"]
--- error_code eval
[404, 404]
--- grep_error_log eval
qr/static\/x\d\.html" failed/
--- grep_error_log_out eval
qr/^static\/x\d\.html" failed\n\z/



=== TEST 8: grep_error_log with a literal string
--- config
    location /static/ { root $TEST_NGINX_SERVER_ROOT/html; }
--- request
GET /static/x3.html
--- error_code: 404
--- grep_error_log: (2: No such file or directory)
--- grep_error_log_out
(2: No such file or directory)



=== TEST 9: second server in http_config on a random port, through proxy_pass
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header X-Backend-Port $server_port;
            echo "backend $uri";
        }
    }
--- config
    location /p/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- request
GET /p/hello
--- response_body
backend /hello
--- response_headers_like
X-Backend-Port: \d+



=== TEST 10: request body, more_headers, Content-Length added
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$http_x_foo] [$content_length] $request_body";
    }
--- more_headers
X-Foo: bar baz
--- request
POST /echo
hello world
--- response_body
[bar baz] [11] hello world



=== TEST 11: pipelined requests on one connection
--- config
    location = /a { echo a; }
    location = /b { echo b; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]



=== TEST 12: raw_request sent as is (HTTP/1.0, no chunking)
--- config
    location = /a { echo a; }
--- raw_request eval
"GET /a HTTP/1.0\r\nHost: whatever\r\n\r\n"
--- response_body
a
--- response_headers
!Transfer-Encoding



=== TEST 13: access_log, response_body_like, timeout and a slow handler
--- config
    location = /slow {
        echo_sleep 0.2;
        echo done;
    }
--- request
GET /slow?x=1
--- timeout: 2
--- response_body_like: ^d.ne$
--- access_log
"GET /slow?x=1 HTTP/1.1" 200



=== TEST 14: $TEST_NGINX_SERVER_PORT expanded in a response check (compat only)
--- config
    location = /port { echo "port $server_port"; }
--- request
GET /port
--- response_body
port $TEST_NGINX_SERVER_PORT



=== TEST 15: HEAD request has no body
--- config
    location = /h { echo something; }
--- request
HEAD /h
--- response_body
--- error_code: 200



=== TEST 16: no config section reuses the previous one
--- request
GET /h
--- response_body
something



=== TEST 17: response_body_like and response_body_unlike in one block: both hold
--- config
    location = /t { echo "hello world"; }
--- request
GET /t
--- response_body_like: ^hello
--- response_body_unlike: goodbye



=== TEST 18: a [crit] line the block asks for through error_log
--- config
    location = /t { proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/no-such.sock; }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[crit\] .*connect\(\) to unix:\S+no-such\.sock failed/



=== TEST 19: the same [crit] line asked for through grep_error_log
--- config
    location = /t { proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/no-such.sock; }
--- request
GET /t
--- error_code: 502
--- grep_error_log eval
qr/\[crit\] \d+#\d+: \*\d+ connect\(\)/
--- grep_error_log_out eval
qr/^\[crit\] \d+#\d+: \*\d+ connect\(\)\n\z/



=== TEST 20: an [alert] at shutdown asked for through shutdown_error_log
(init removes the pid file: nginx's exit says "[alert] unlink() ... failed")
--- config
    location = /t { echo ok; }
--- init
unlink $Test::Nginx::Socket::PidFile or die "unlink: $!";
--- request
GET /t
--- response_body
ok
--- shutdown_error_log eval
qr/\[alert\] .*nginx\.pid" failed \(2: No such file or directory\)/



=== TEST 21: a literal "[alert]" in error_log asks for every [alert] line
--- config
    location = /t { echo ok; }
--- init
open my $fh, '>>', $Test::Nginx::Socket::ErrLogFile or die "$!";
print $fh "2024/01/01 00:00:00 [alert] 1#1: first selftest line\n",
          "2024/01/01 00:00:00 [alert] 1#1: second selftest line\n";
close $fh;
--- request
GET /t
--- response_body
ok
--- error_log
[alert]



=== TEST 22: must_die without error_log: nginx's [emerg] reason is expected
--- config
    bogus_directive on;
--- must_die



=== TEST 23: "[alert]" quoted in another line (a URI) is not an [alert] line
--- config
    location /static/ { root $TEST_NGINX_SERVER_ROOT/html; }
--- request
GET /static/[alert]
--- error_code: 404
--- error_log
/static/[alert]" failed
