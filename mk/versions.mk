# mk/versions.mk: the module and its whole suite on the nginx versions users
# run, each built from its official source tree.  Included at the end of the
# top-level Makefile.
#
#   make test NGINX_VERSION=1.31.4   unpack nginx-1.31.4.tar.gz into
#                       build/nginx-1.31.4, build nginx there (--with-compat,
#                       the modules of Debian's nginx) with Debian's echo
#                       module and this module as dynamic modules, then run
#                       the whole suite against that nginx (and fuzz-ci)
#   make test-suite NGINX_VERSION=1.31.4   the same without the fuzz pass
#   make nginx NGINX_VERSION=1.31.4        only the build
#   make matrix         Debian's nginx and every tarball, one line each;
#                       logs in build/matrix/ (MATRIX_VERSIONS=... for some)
#   make test-mainline  the suite on the newest tarball (the end of make test)
#
# NGINX_VERSION empty or Debian's own version (1.22.1) means Debian's nginx,
# as in a plain make test.  The tarballs are the source trees in
# NGINX_TARBALLS (default ../shared/nginx-src), in nginx's repository layout
# (auto/configure) or as release tarballs (./configure).  TESTS=t/003*.t
# narrows a suite.  The echo module that the suites use comes from Debian's
# source package libnginx-mod-http-echo (apt-get source, deb-src for bookworm
# main added under /etc/apt/sources.list.d/ when none is there).

NGINX_TARBALLS ?= $(abspath $(CURDIR)/../shared/nginx-src)
NGINX_VERSION  ?=

# versions of the tarballs, oldest first; the newest is the mainline
UPSTREAM_VERSIONS := $(shell ls $(NGINX_TARBALLS)/nginx-*.tar.gz 2>/dev/null \
                       | sed 's|.*/nginx-||; s|\.tar\.gz$$||' | sort -V)
NGINX_MAINLINE    := $(lastword $(UPSTREAM_VERSIONS))

# the flags of Debian's nginx without its paths (conf_flags of nginx-dev):
# the same modules in every version, and those the suites use (debug log,
# auth_request, dav)
UPSTREAM_CONF_FLAGS := --with-compat --with-debug --with-pcre-jit \
    --with-http_ssl_module --with-http_stub_status_module \
    --with-http_realip_module --with-http_auth_request_module \
    --with-http_v2_module --with-http_dav_module --with-http_slice_module \
    --with-threads

ECHO_PACKAGE := libnginx-mod-http-echo
ECHO_SRC     := $(BUILD)/echo-nginx-module
DEB_SRC_LIST := /etc/apt/sources.list.d/bookworm-src.sources
MATRIX_DIR   := $(BUILD)/matrix

# the whole suite against one nginx: $(1) binary, $(2) modules to load
define run_suite
	@if perl -MTest::Nginx::Socket -e1 2>/dev/null; then inc=""; \
	else inc="-I t/compat"; fi; \
	TEST_NGINX_BINARY=$(1) TEST_NGINX_LOAD_MODULES="$(2)" \
	prove $$inc $(or $(TESTS),t/*.t)
endef

# an apt command that waits while another process holds the apt lock
APT_RETRY = for i in $$(seq 30); do $(1) && break; \
            [ $$i = 30 ] && exit 1; echo "apt busy, retrying" >&2; sleep 5; done

.PHONY: nginx test-suite test-mainline matrix
.PRECIOUS: $(BUILD)/nginx-%/src/core/nginx.h $(BUILD)/nginx-%/objs/Makefile \
           $(BUILD)/nginx-%/objs/nginx

ifeq ($(NGINX_VERSION),)
UP_DIR :=
else ifneq ($(wildcard $(NGINX_TARBALLS)/nginx-$(NGINX_VERSION).tar.gz),)
UP_DIR := $(BUILD)/nginx-$(NGINX_VERSION)
else ifeq ($(NGINX_VERSION),$(shell $(NGINX) -v 2>&1 | sed -n 's|.*nginx/||p'))
UP_DIR :=
else
$(error NGINX_VERSION=$(NGINX_VERSION): no $(NGINX_TARBALLS)/nginx-$(NGINX_VERSION).tar.gz (tarballs: $(or $(UPSTREAM_VERSIONS),none)))
endif

ifeq ($(UP_DIR),)

# Debian's nginx: what the Makefile's own test uses
nginx: all
test-suite: all
	$(call run_suite,$(NGINX),$(SO) $(ECHO_MODULE))

else

UP_NGINX   := $(UP_DIR)/objs/nginx
UP_MODULES := $(UP_DIR)/objs/$(MODULE).so $(UP_DIR)/objs/ngx_http_echo_module.so

nginx: $(UP_NGINX)

test-suite: $(UP_NGINX) $(BUILD)/t-mint
	$(call run_suite,$(UP_NGINX),$(UP_MODULES))

# make test NGINX_VERSION=x: the Makefile's test recipe with this nginx
test: $(UP_NGINX)
test: NGINX = $(UP_NGINX)
test: SO = $(UP_DIR)/objs/$(MODULE).so
test: ECHO_MODULE = $(UP_DIR)/objs/ngx_http_echo_module.so

endif

# the source tree, unpacked as it is (git layout: auto/configure)
$(BUILD)/nginx-%/src/core/nginx.h: $(NGINX_TARBALLS)/nginx-%.tar.gz
	rm -rf $(BUILD)/nginx-$*
	mkdir -p $(BUILD)/nginx-$*
	tar -xzf $< -C $(BUILD)/nginx-$* --strip-components=1
	touch $@

# Debian's echo module, with Debian's patches applied
$(ECHO_SRC)/config: | $(BUILD)/.deps
	rm -rf $(ECHO_SRC) $(BUILD)/debsrc
	mkdir -p $(BUILD)/debsrc
	cd $(BUILD)/debsrc \
	&& if ! apt-get source -qq --download-only $(ECHO_PACKAGE) 2>/dev/null; \
	then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "no deb-src for bookworm main: enable it (as root," \
	             "make test NGINX_VERSION=... does) or put the echo" \
	             "module's source in $(ECHO_SRC)" >&2; exit 1; \
	    fi; \
	    if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list \
	            /etc/apt/sources.list.d/; then \
	        echo "adding $(DEB_SRC_LIST) (deb-src for bookworm main)"; \
	        printf '%s\n' \
	            '# added by ngx_http_auth_token_module (mk/versions.mk)' \
	            'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
	            'Suites: bookworm' 'Components: main' \
	            'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
	            >$(DEB_SRC_LIST); \
	    fi; \
	    $(call APT_RETRY,apt-get update -qq); \
	    apt-get source -qq --download-only $(ECHO_PACKAGE) || exit 1; \
	fi
	dpkg-source -x $(BUILD)/debsrc/$(ECHO_PACKAGE)_*.dsc $(ECHO_SRC) >/dev/null
	test -f $@

# nginx, the echo module and this module in one --with-compat build;
# CC_OPT as for Debian's build, so that a new warning in any version fails
$(BUILD)/nginx-%/objs/Makefile: $(BUILD)/nginx-%/src/core/nginx.h \
        $(ECHO_SRC)/config config | $(BUILD)/.deps
	cd $(BUILD)/nginx-$* \
	&& { [ -f configure ] && conf=./configure || conf=auto/configure; } \
	&& $$conf $(UPSTREAM_CONF_FLAGS) --with-cc-opt="$(CC_OPT)" \
	    --add-dynamic-module=$(ECHO_SRC) --add-dynamic-module=$(CURDIR) \
	    >configure.log 2>&1 \
	|| { tail -20 configure.log; exit 1; }

$(BUILD)/nginx-%/objs/nginx: $(BUILD)/nginx-%/objs/Makefile $(SRCS)
	$(MAKE) -C $(BUILD)/nginx-$* -f objs/Makefile binary modules
	touch $@

# the newest tarball's suite: the last part of make test (CI); skipped
# without tarballs (a clone without ../shared) except in CI
test-mainline:
ifneq ($(NGINX_VERSION),)
	@true    # make test NGINX_VERSION=x has just run the suite on x
else ifeq ($(NGINX_MAINLINE),)
	@echo "test-mainline: no nginx tarballs in $(NGINX_TARBALLS): skipped" >&2
	@[ -z "$(CI)" ] || { echo "CI: the mainline suite must run" >&2; exit 1; }
else
	@echo "=== the whole suite on nginx $(NGINX_MAINLINE) (newest tarball)"
	@$(MAKE) --no-print-directory test-suite NGINX_VERSION=$(NGINX_MAINLINE)
endif

# one line per version (MATRIX_VERSIONS="1.24.0 1.22.1" for some only);
# exit status 1 if any line is not ok
matrix: $(BUILD)/.deps
	@mkdir -p $(MATRIX_DIR); fail=0; \
	debian=$$($(NGINX) -v 2>&1 | sed -n 's|.*nginx/||p'); \
	for v in $(or $(MATRIX_VERSIONS),"$$debian" $(UPSTREAM_VERSIONS)); do \
	    if [ "$$v" = "$$debian" ]; then name="$$v (Debian)"; else name=$$v; fi; \
	    printf '%-16s' "$$name"; \
	    start=$$(date +%s); \
	    if ! $(MAKE) --no-print-directory nginx NGINX_VERSION=$$v \
	            >$(MATRIX_DIR)/$$v.build.log 2>&1; then \
	        echo "build FAILED (build/matrix/$$v.build.log)"; fail=1; continue; \
	    fi; \
	    printf 'build ok (%s s)  ' $$(( $$(date +%s) - start )); \
	    start=$$(date +%s); \
	    if $(MAKE) --no-print-directory test-suite NGINX_VERSION=$$v \
	            >$(MATRIX_DIR)/$$v.suite.log 2>&1; then res=ok; \
	    else res=FAILED; fail=1; fi; \
	    tests=$$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' \
	             $(MATRIX_DIR)/$$v.suite.log); \
	    echo "suite $$res ($${tests:-no} tests, $$(( $$(date +%s) - start )) s)$$( \
	          [ $$res = ok ] || echo '  build/matrix/'$$v.suite.log)"; \
	done; \
	exit $$fail
