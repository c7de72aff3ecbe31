# mk/sender.mk: the test tools of sender-constrained tokens (DPoP, RFC 9449;
# certificate-bound tokens, RFC 8705).  Included by the top-level Makefile,
# after fuzz/fuzz.mk (whose FUZZ_MODULE and FUZZ_INCS it uses).
#
#   build/t-sender      the pure functions of src/ngx_http_auth_token_dpop.c,
#                       _htu.c and _thumbprint.c, linked with the pure core
#                       and fuzz/ngx_fuzz_shim.c (no nginx), ASan and UBSan: "t-sender selftest" has
#                       the RFC examples, t/028-sender-pure.t runs it and
#                       its tools against OpenSSL's command line and jose
#   t/node_modules      npm's jose, pinned by t/package-lock.json, for
#                       t/lib/dpop-mint.mjs (DPoP keys, proofs and bound
#                       tokens, independent of the module)
#
#   make sender-test    only those: t-sender selftest and t/028
#
# make (and make deps), make test and make asan build and install both;
# make clean removes them.

SENDER_BIN   := $(BUILD)/t-sender
SENDER_SRCS  := t/sender/sender.c fuzz/ngx_fuzz_shim.c \
                $(FUZZ_MODULE:%=src/ngx_http_auth_token_%.c)
SENDER_JOSE  := $(BUILD)/.jose

.PHONY: sender-test sender-clean

all deps: $(SENDER_JOSE)
all test asan: $(SENDER_BIN) $(SENDER_JOSE)
clean: sender-clean

# configured nginx headers come with the module's own build ($(SO))

$(SENDER_BIN): $(SENDER_SRCS) $(wildcard src/*.h) mk/sender.mk | $(SO)
	$(CC) -g -O1 -fno-omit-frame-pointer \
	    -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	    -Wno-missing-field-initializers $(FUZZ_INCS) \
	    -o $@ $(SENDER_SRCS) -lcrypto -ljansson

# Node.js and npm: on the machine, or Debian's (npm is a package of its own
# there; a nodejs from elsewhere brings its own npm, and Debian's npm would
# conflict with it, hence a look at the commands, not at dpkg)

$(SENDER_JOSE): t/package.json t/package-lock.json | $(BUILD)/.deps
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	        echo "installing: nodejs npm"; \
	        export DEBIAN_FRONTEND=noninteractive; \
	        apt-get update -qq && apt-get install -y -qq nodejs npm \
	            >/dev/null || exit 1; \
	    else \
	        echo "node and npm are needed for t/lib/dpop-mint.mjs" >&2; \
	        exit 1; \
	    fi; \
	fi
	cd t && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

sender-test: $(SENDER_BIN) $(SENDER_JOSE)
	$(SENDER_BIN) selftest
	prove t/028-sender-pure.t

sender-clean:
	rm -rf t/node_modules
