# Self-test: master process with 2 workers, repeat_each(2), log_level, an
# explicit plan, TEST_NGINX_LOAD_MODULES. All the self-tests: t/compat/selftest/run

# this suite loads echo through TEST_NGINX_LOAD_MODULES (first lines of
# nginx.conf); like the real harness, it is read when the module is loaded
BEGIN {
    $ENV{TEST_NGINX_LOAD_MODULES} = $ENV{TEST_NGINX_ECHO_MODULE}
        // '/usr/lib/nginx/modules/ngx_http_echo_module.so';
}
use Test::Nginx::Socket;

master_on();
workers(2);
repeat_each(2);
log_level('info');
worker_connections(128);
env_to_nginx('SELFTEST_VAR=from-env-to-nginx');

plan tests => repeat_each() * blocks() * 2;

run_tests();

__DATA__

=== TEST 1: two worker processes were started (the grep sees them on the first round only)
--- config
    location = /t { echo ok; }
--- request
GET /t
--- grep_error_log eval
qr/start worker process(?= \d)/
--- grep_error_log_out eval
["start worker process\nstart worker process\n", ""]



=== TEST 2: a request answered by one of the workers
--- config
    location = /t { echo "pid $pid"; }
--- request
GET /t
--- response_body_like: ^pid \d+$
