# mk/unit.mk: unit tests of the module's pure core (t/unit), linked like the
# fuzz targets (fuzz/ngx_fuzz_shim.c stands in for the nginx core), built
# with the system compiler; t/024-unit.t runs build/t-unit (make test).

UNIT_SRCS   := $(wildcard t/unit/*.c)
UNIT_CORE   := encoding json jwa jwk jws claims oauth
UNIT_CFLAGS := -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
               -Wno-sign-compare -Wno-missing-field-initializers

$(BUILD)/t-unit: $(UNIT_SRCS) $(UNIT_CORE:%=src/ngx_http_auth_token_%.c) \
        fuzz/ngx_fuzz_shim.c $(wildcard src/*.h) | $(SO)
	$(CC) $(UNIT_CFLAGS) $(FUZZ_INCS) -o $@ $(UNIT_SRCS) \
	    $(UNIT_CORE:%=src/ngx_http_auth_token_%.c) fuzz/ngx_fuzz_shim.c \
	    $(FUZZ_LIBS)
