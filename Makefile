# ngx_http_auth_token_module
#
#   make            build build/ngx_http_auth_token_module.so (and test tools)
#   make run        build, then serve the example gateway in the foreground
#   make test       build, then run the compact runner's self-test, the whole
#                   test suite (t/*.t) and a short pass of every fuzz target
#                   (make fuzz-ci, 20 s each)
#   make bench      measure against a no-auth baseline (docs/performance.md)
#   make fuzz       every fuzz target for FUZZ_TIME seconds (default 60)
#   make asan       the whole suite with the module built with AddressSanitizer
#                   and UBSan, loaded into Debian's nginx
#   make clean
#
# By default the module is built against Debian's nginx (package nginx-dev)
# so that it loads into /usr/sbin/nginx.  To build against an upstream
# source tree instead:  make NGINX_SRC=/path/to/nginx-1.x.y (a release
# tarball's ./configure or a repository tree's auto/configure)
#
# As root on Debian, missing packages are installed with apt-get.

SHELL       := /bin/bash
MODULE      := ngx_http_auth_token_module
BUILD       := $(CURDIR)/build
SO          := $(BUILD)/$(MODULE).so
NGINX       ?= /usr/sbin/nginx
NGINX_SRC   ?=
PORT        ?= 8080
ECHO_MODULE := /usr/lib/nginx/modules/ngx_http_echo_module.so

CC_OPT      := -g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
               -Wall -Wextra -Werror -Wno-unused-parameter

SRCS        := config $(wildcard src/*.c src/*.h)

# "make" alone builds "all", whatever the included files define first
.DEFAULT_GOAL := all

# libFuzzer targets for every parser of outside bytes: make fuzz, fuzz-ci
include fuzz/fuzz.mk
include mk/unit.mk

DEB_PACKAGES := gcc make perl nginx nginx-dev libssl-dev libjansson-dev \
                libjwt-dev libpcre2-dev zlib1g-dev libtest-base-perl \
                libnginx-mod-http-echo libtext-diff-perl valgrind wrk \
                openssl libnginx-mod-http-lua prometheus dpkg-dev \
                debhelper lintian curl python3-grpcio $(FUZZ_PACKAGES)

# installed without their Recommends: for promtool, prometheus would bring
# node-exporter, smartmontools, openipmi, ipmitool... (services among them)
DEB_NO_RECOMMENDS := prometheus

.PHONY: all deps run test bench asan clean

all: $(SO) $(BUILD)/t-mint $(BUILD)/t-unit

deps: $(BUILD)/.deps

$(BUILD)/.deps: Makefile
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	        echo "installing:$$missing"; \
	        export DEBIAN_FRONTEND=noninteractive; \
	        apt-get update -qq || exit 1; \
	        rec=""; norec=""; \
	        for p in $$missing; do \
	            case " $(DEB_NO_RECOMMENDS) " in \
	            *" $$p "*) norec="$$norec $$p" ;; *) rec="$$rec $$p" ;; esac; \
	        done; \
	        if [ -n "$$rec" ]; then \
	            apt-get install -y -qq $$rec >/dev/null || exit 1; fi; \
	        if [ -n "$$norec" ]; then apt-get install -y -qq \
	            --no-install-recommends $$norec >/dev/null || exit 1; fi; \
	    else \
	        echo "missing packages:$$missing" >&2; \
	        echo "install them (Debian: apt-get install$$missing)" \
	             "or run make as root on Debian" >&2; \
	        exit 1; \
	    fi; \
	fi
	@mkdir -p $(BUILD) && touch $@

ifeq ($(NGINX_SRC),)

# Debian's nginx: its own configure flags, so that the module is binary
# compatible with /usr/sbin/nginx

$(BUILD)/nginx/objs/Makefile: $(BUILD)/.deps config
	rm -rf $(BUILD)/nginx
	cp -a /usr/share/nginx/src $(BUILD)/nginx
	cd $(BUILD)/nginx && source ./conf_flags \
	    && ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(CC_OPT)" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

else

$(BUILD)/nginx/objs/Makefile: $(BUILD)/.deps config
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)/nginx
	cd $(NGINX_SRC) && { [ -f configure ] && conf=./configure \
	                     || conf=auto/configure; } && $$conf --with-compat \
	        --builddir=$(BUILD)/nginx/objs \
	        --with-cc-opt="$(CC_OPT)" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

endif

$(SO): $(BUILD)/nginx/objs/Makefile $(SRCS)
	$(MAKE) -C $(if $(NGINX_SRC),$(NGINX_SRC),$(BUILD)/nginx) \
	    -f $(BUILD)/nginx/objs/Makefile modules
	cp $(BUILD)/nginx/objs/$(MODULE).so $@.tmp
	mv -f $@.tmp $@    # a new inode: running nginx keep their mapping

$(BUILD)/t-mint: t/mint.c $(BUILD)/.deps
	$(CC) -O2 -Wall -o $@ t/mint.c -ljwt

# the example gateway: a local JWKS, a demo upstream that echoes the
# identity headers it receives, and ready-made curl lines

run: all
	@bash examples/run.sh "$(NGINX)" "$(SO)" "$(BUILD)/example" "$(PORT)"

# the compact runner's self-test, then the suites: with the real
# Test::Nginx::Socket when installed, else the compact runner

test: all
	@TEST_NGINX_BINARY=$(NGINX) TEST_NGINX_ECHO_MODULE=$(ECHO_MODULE) \
	    t/compat/selftest/run
	@if perl -MTest::Nginx::Socket -e1 2>/dev/null; then inc=""; \
	else inc="-I t/compat"; fi; \
	TEST_NGINX_BINARY=$(NGINX) \
	TEST_NGINX_LOAD_MODULES="$(SO) $(ECHO_MODULE)" \
	prove $$inc t/*.t
	@$(MAKE) --no-print-directory fuzz-ci
	@$(MAKE) --no-print-directory test-mainline

# speed against a no-auth baseline (wrk), or MODE=callgrind for
# instructions per request; writes docs/performance.md

bench: all
	@bash bench/run.sh $(MODE)

# AddressSanitizer and UBSan: the module built with both (its own copy of
# the nginx tree), loaded into Debian's nginx through a wrapper that
# preloads libasan; every report goes to build/asan/log and fails the run.
# Leaks are valgrind's part (make test TEST_NGINX_USE_VALGRIND=1): nginx
# does not free everything at exit.  Note that ASan sees our malloc'ed
# memory and that of OpenSSL and jansson, not the inside of nginx pools.

ASAN_DIR    := $(BUILD)/asan
ASAN_SO     := $(ASAN_DIR)/$(MODULE).so
ASAN_FLAGS  := -fsanitize=address,undefined,float-cast-overflow \
               -fno-sanitize-recover=undefined,float-cast-overflow
ASAN_CC_OPT := -g -O1 -fPIC -fno-omit-frame-pointer $(ASAN_FLAGS) \
               -Wall -Wextra -Werror -Wno-unused-parameter

$(ASAN_DIR)/nginx/objs/Makefile: $(BUILD)/.deps config Makefile
	@[ -z "$(NGINX_SRC)" ] || { echo "make asan: Debian's nginx only" >&2; \
	    exit 1; }
	rm -rf $(ASAN_DIR)/nginx
	mkdir -p $(ASAN_DIR)
	cp -a /usr/share/nginx/src $(ASAN_DIR)/nginx
	cd $(ASAN_DIR)/nginx && source ./conf_flags \
	    && ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(ASAN_CC_OPT)" \
	        --with-ld-opt="$(ASAN_FLAGS)" \
	        --add-dynamic-module=$(CURDIR) >$(ASAN_DIR)/configure.log 2>&1 \
	    || { tail -20 $(ASAN_DIR)/configure.log; exit 1; }

$(ASAN_SO): $(ASAN_DIR)/nginx/objs/Makefile $(SRCS)
	$(MAKE) -C $(ASAN_DIR)/nginx -f $(ASAN_DIR)/nginx/objs/Makefile modules
	cp $(ASAN_DIR)/nginx/objs/$(MODULE).so $@.tmp
	mv -f $@.tmp $@

$(ASAN_DIR)/nginx-asan: Makefile
	@mkdir -p $(ASAN_DIR)
	@{ echo '#!/bin/sh'; \
	   echo '# Debian nginx with libasan preloaded (make asan)'; \
	   echo 'LD_PRELOAD=$(shell $(CC) -print-file-name=libasan.so)'; \
	   echo 'ASAN_OPTIONS=detect_leaks=0:log_path=$(ASAN_DIR)/log/asan'; \
	   echo 'UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_DIR)/log/ubsan'; \
	   echo 'export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS'; \
	   echo 'exec $(NGINX) "$$@"'; } >$@.tmp
	@chmod +x $@.tmp && mv -f $@.tmp $@

asan: $(ASAN_SO) $(ASAN_DIR)/nginx-asan $(BUILD)/t-mint
	@rm -rf $(ASAN_DIR)/log && mkdir -p $(ASAN_DIR)/log
	@if perl -MTest::Nginx::Socket -e1 2>/dev/null; then inc=""; \
	else inc="-I t/compat"; fi; \
	TEST_NGINX_BINARY=$(ASAN_DIR)/nginx-asan \
	TEST_NGINX_LOAD_MODULES="$(ASAN_SO) $(ECHO_MODULE)" \
	prove $$inc $(or $(TESTS),t/*.t); rc=$$?; \
	if ls $(ASAN_DIR)/log/* >/dev/null 2>&1; then \
	    echo "make asan: sanitizer reports:" >&2; \
	    head -50 $(ASAN_DIR)/log/* >&2; exit 1; \
	fi; \
	[ $$rc = 0 ] && echo "make asan: no sanitizer report"; exit $$rc

clean:
	rm -rf $(BUILD) t/servroot*

# sender-constrained tokens: build/t-sender, npm's jose for t/lib/dpop-mint.mjs
include mk/sender.mk

# other nginx versions from their source trees: make test NGINX_VERSION=x,
# make matrix
include mk/versions.mk

# the Debian package libnginx-mod-http-auth-token: make deb, make deb-test
include mk/deb.mk
