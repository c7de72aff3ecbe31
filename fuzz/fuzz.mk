# fuzz/fuzz.mk: libFuzzer targets with AddressSanitizer and UBSan, for every
# parser that sees outside bytes (fuzz/README.md).  Included by the
# top-level Makefile:
#
#   make fuzz-build           build build/fuzz/fuzz_<target>
#   make fuzz                 build, then run each target FUZZ_TIME seconds
#                             (default 60), one after another
#   make fuzz-ci              the same, 20 seconds each
#   make fuzz FUZZ_TARGETS=jwt FUZZ_TIME=600
#
# The module's parser files are compiled unchanged with clang against
# Debian's nginx headers and the configure output of build/nginx/objs
# (made by the module's own build, hence the dependency on $(SO));
# fuzz/ngx_fuzz_shim.c stands in for the nginx core they call.

FUZZ_PACKAGES := clang-14 libclang-rt-14-dev

# included before the including Makefile's own first target: its default
# goal stays (restored at the end of this file)
FUZZ_GOAL    := $(.DEFAULT_GOAL)

BUILD        ?= $(CURDIR)/build
FUZZ_CC      ?= clang-14
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= authorization jwt jwks introspect reissue dpop discovery
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NGX     ?= /usr/share/nginx/src

FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                -Wall -Wextra -Werror -Wno-unused-parameter \
                -Wno-sign-compare -Wno-missing-field-initializers
FUZZ_INCS    := -I $(FUZZ_NGX)/src/core -I $(FUZZ_NGX)/src/event \
                -I $(FUZZ_NGX)/src/event/modules -I $(FUZZ_NGX)/src/os/unix \
                -I $(FUZZ_NGX)/src/http -I $(FUZZ_NGX)/src/http/modules \
                -I $(FUZZ_NGX)/src/http/v2 -I $(BUILD)/nginx/objs \
                -I $(CURDIR)/src -I $(CURDIR)/fuzz
FUZZ_LIBS    := -lcrypto -ljansson

# the module's pure core: the fuzzed parsers and all they call, no stubs
FUZZ_MODULE  := encoding json jwa jwk jws claims oauth \
                dpop htu thumbprint
FUZZ_OBJS    := $(FUZZ_MODULE:%=$(FUZZ_DIR)/obj/ngx_http_auth_token_%.o) \
                $(FUZZ_DIR)/obj/ngx_fuzz.o $(FUZZ_DIR)/obj/ngx_fuzz_shim.o
FUZZ_HEADERS := $(wildcard src/*.h) fuzz/ngx_fuzz.h
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-ci fuzz-build
.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/ngx_http_auth_token_%.o: src/ngx_http_auth_token_%.c \
        $(FUZZ_HEADERS) | $(SO)
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INCS) \
	    -o $@ $<

$(FUZZ_DIR)/obj/ngx_fuzz.o: fuzz/ngx_fuzz.c $(FUZZ_HEADERS) | $(SO)
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INCS) \
	    -DNGX_FUZZ_JWKS='"$(CURDIR)/t/keys/jwks.json"' -o $@ $<

$(FUZZ_DIR)/obj/ngx_fuzz_shim.o: fuzz/ngx_fuzz_shim.c $(FUZZ_HEADERS) | $(SO)
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INCS) \
	    -o $@ $<

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS) $(FUZZ_HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_INCS) \
	    -DNGX_FUZZ_KEYS='"$(CURDIR)/t/keys"' -o $@ $< \
	    $(FUZZ_OBJS) $(FUZZ_LIBS)

fuzz: fuzz-build
	@bash fuzz/run.sh "$(FUZZ_DIR)" "$(FUZZ_TIME)" $(FUZZ_TARGETS)

fuzz-ci: FUZZ_TIME = 20
fuzz-ci: fuzz-build
	@bash fuzz/run.sh "$(FUZZ_DIR)" "$(FUZZ_TIME)" $(FUZZ_TARGETS)

.DEFAULT_GOAL := $(FUZZ_GOAL)
