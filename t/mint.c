/*
 * t/mint.c - test-only JWT minter built on libjwt (independent of the module).
 *
 *   mint ALG KEYFILE HEADER_JSON PAYLOAD_JSON
 *
 * ALG      HS256/384/512, RS256/384/512, ES256/384/512 or "none"
 * KEYFILE  file holding the key bytes: PEM private key (RS/ES) or the raw
 *          HMAC secret (HS); ignored for "none" (pass "-" or anything)
 * HEADER_JSON  JSON object of extra header fields, e.g. {"kid":"rsa1"};
 *          "alg" and "typ" are refused: libjwt 1.10 always writes the real
 *          alg and "typ":"JWT" (none: {"alg":"none"} only, empty signature)
 * PAYLOAD_JSON JSON object of claims
 *
 * Prints the compact token followed by a newline.  Exits non-zero with a
 * message on stderr on any error.
 *
 * Build: cc -O2 -Wall -o build/t-mint t/mint.c -ljwt
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jwt.h>

static void
die(const char *what, int err)
{
    if (err) {
        fprintf(stderr, "mint: %s: %s\n", what, strerror(err));
    } else {
        fprintf(stderr, "mint: %s\n", what);
    }
    exit(1);
}

static unsigned char *
read_file(const char *path, size_t *lenp)
{
    FILE           *fp;
    unsigned char  *buf = NULL, *nbuf;
    size_t          len = 0, cap = 0, n;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "mint: cannot open key file \"%s\": %s\n",
                path, strerror(errno));
        exit(1);
    }

    for ( ;; ) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            nbuf = realloc(buf, cap + 1);
            if (nbuf == NULL) {
                die("out of memory", 0);
            }
            buf = nbuf;
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0) {
            break;
        }
    }

    if (ferror(fp)) {
        fprintf(stderr, "mint: cannot read key file \"%s\"\n", path);
        exit(1);
    }
    fclose(fp);

    buf[len] = '\0';
    *lenp = len;
    return buf;
}

int
main(int argc, char **argv)
{
    jwt_t          *jwt = NULL;
    jwt_alg_t       alg;
    unsigned char  *key = NULL;
    size_t          keylen = 0;
    char           *out;
    int             rc, i;
    char           *hv;
    static const char *fixed[] = { "alg", "typ" };

    if (argc != 5) {
        fprintf(stderr,
                "usage: %s ALG KEYFILE HEADER_JSON PAYLOAD_JSON\n"
                "  ALG: HS256|HS384|HS512|RS256|RS384|RS512|"
                "ES256|ES384|ES512|none\n", argv[0]);
        return 2;
    }

    if (strcmp(argv[1], "none") == 0) {
        alg = JWT_ALG_NONE;
    } else {
        alg = jwt_str_alg(argv[1]);
        if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE) {
            fprintf(stderr, "mint: unsupported alg \"%s\"\n", argv[1]);
            return 1;
        }
    }

    if (alg != JWT_ALG_NONE) {
        key = read_file(argv[2], &keylen);
        if (keylen == 0) {
            fprintf(stderr, "mint: key file \"%s\" is empty\n", argv[2]);
            return 1;
        }
        if (keylen > 0x7fffffff) {
            die("key file too large", 0);
        }
    }

    rc = jwt_new(&jwt);
    if (rc != 0 || jwt == NULL) {
        die("jwt_new", rc ? rc : ENOMEM);
    }

    if (argv[3][0] != '\0') {
        rc = jwt_add_headers_json(jwt, argv[3]);
        if (rc != 0) {
            fprintf(stderr, "mint: bad HEADER_JSON (must be a JSON object): "
                    "%s\n", strerror(rc));
            return 1;
        }

        /* libjwt 1.10 silently overwrites these when encoding */
        for (i = 0; i < 2; i++) {
            hv = jwt_get_headers_json(jwt, fixed[i]);
            if (hv != NULL) {
                fprintf(stderr, "mint: HEADER_JSON must not set \"%s\": "
                        "libjwt writes it itself (\"alg\" from ALG, "
                        "\"typ\":\"JWT\")\n", fixed[i]);
                return 1;
            }
        }
    }

    if (argv[4][0] != '\0') {
        rc = jwt_add_grants_json(jwt, argv[4]);
        if (rc != 0) {
            fprintf(stderr, "mint: bad PAYLOAD_JSON (must be a JSON object): "
                    "%s\n", strerror(rc));
            return 1;
        }
    }

    rc = jwt_set_alg(jwt, alg, key, (int) keylen);
    if (rc != 0) {
        fprintf(stderr, "mint: jwt_set_alg(%s): %s\n", argv[1], strerror(rc));
        return 1;
    }

    errno = 0;
    out = jwt_encode_str(jwt);
    if (out == NULL) {
        fprintf(stderr, "mint: signing failed (%s): %s (wrong key type for "
                "the alg?)\n", argv[1], errno ? strerror(errno) : "error");
        return 1;
    }

    if (printf("%s\n", out) < 0 || fflush(stdout) != 0) {
        die("write to stdout failed", errno);
    }

    free(out);
    jwt_free(jwt);

    if (key != NULL) {
        memset(key, 0, keylen);
        free(key);
    }

    return 0;
}
