# mk/deb.mk: the Debian package libnginx-mod-http-auth-token, from debian/,
# built the way Debian builds its own nginx module packages: debhelper with
# dh-sequence-nginx (package nginx-dev), so that the package depends on the
# nginx ABI it was built against (nginx-abi-1.22.1-7 on Debian 12), ships
# the module in /usr/lib/nginx/modules/ and its load file in
# /usr/share/nginx/modules-available/, enabled through
# /etc/nginx/modules-enabled/.  Included at the end of the top-level Makefile.
#
#   make deb        build/deb/libnginx-mod-http-auth-token_<version>_<arch>.deb
#                   (and the source package), then lintian on both
#   make deb-test   make deb, then t/deb/run: install the package, nginx -t
#                   through modules-enabled with a protected location, a
#                   request, suites against the installed module (DEB_TESTS),
#                   then remove and purge the package; as root only
#
# The version is debian/changelog's (a new entry for each release).  The
# package is built from a copy of the working tree (build/deb/), so that no
# build file lands in debian/ or beside the repository.

DEB_NAME      := libnginx-mod-http-auth-token
DEB_DIR       := $(BUILD)/deb
DEB_VERSION   := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
DEB_ARCH      := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE      := $(DEB_DIR)/$(DEB_NAME)_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_CHANGES   := $(DEB_DIR)/$(DEB_NAME)_$(DEB_VERSION)_$(DEB_ARCH).changes
DEB_TREE      := $(DEB_DIR)/$(DEB_NAME)-$(DEB_VERSION)
DEB_INPUTS    := $(SRCS) $(shell find debian -type f) \
                 $(shell sed 's/\#.*//' debian/$(DEB_NAME).docs)
DEB_TESTS     ?= t/001-sanity.t t/003-algorithms.t
LINTIAN_FLAGS ?= --fail-on error,warning --display-info

.PHONY: deb deb-test

deb: $(DEB_FILE)

$(DEB_FILE): $(DEB_INPUTS) | $(BUILD)/.deps
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_TREE)
	cp -a --parents $(DEB_INPUTS) $(DEB_TREE)/
	cd $(DEB_TREE) && dpkg-buildpackage -us -uc >$(DEB_DIR)/build.log 2>&1 \
	    || { tail -30 $(DEB_DIR)/build.log; exit 1; }
	lintian $(LINTIAN_FLAGS) $(DEB_CHANGES)
	@echo "make deb: $@"

deb-test: $(DEB_FILE) $(BUILD)/t-mint
	@TESTS="$(DEB_TESTS)" bash t/deb/run $(DEB_FILE)
