#!/bin/sh
# Regenerate the sender-constrained test fixtures in this directory with the
# openssl CLI.  The generated files are committed; the tests never run this.
# (A directory of its own: t/keys/generate.sh removes t/keys/*.pem.)
#
#   dpop-ec256.pem, dpop-ec256b.pem   DPoP client keys, P-256 (ES256)
#   dpop-rsa.pem                      DPoP client key, RSA 2048 (RS256, PS256)
#   dpop-ed25519.pem                  DPoP client key, Ed25519 (EdDSA)
#   ca.pem, ca.key                    a test CA for mTLS
#   client.pem, client.key            a client certificate issued by it
#   client2.pem, client2.key          another one (a wrong certificate)
#   server.pem, server.key            localhost / 127.0.0.1, for ssl_*
#   chain.pem                         client.pem then ca.pem: two certificates
#
# Usage: sh t/keys/sender/generate.sh   (from anywhere); prints each client
# certificate's x5t#S256 (base64url SHA-256 of its DER).
set -eu

cd "$(dirname "$0")"

umask 022

rm -f ./*.pem ./*.key ./*.srl

for k in dpop-ec256 dpop-ec256b; do
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out $k.pem
done
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out dpop-rsa.pem
openssl genpkey -quiet -algorithm ED25519 -out dpop-ed25519.pem

# certificates valid for 100 years: test-only, they must not expire under
# the suites
days=36500

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days $days -subj "/CN=auth_token test CA" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null

cert() {
    name=$1 subj=$2 ext=$3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout $name.key -out $name.csr -subj "$subj" 2>/dev/null
    printf '%s\n' "$ext" > $name.ext
    openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key \
        -CAcreateserial -days $days -extfile $name.ext -out $name.pem \
        2>/dev/null
    rm -f $name.csr $name.ext
}

cert client "/CN=client-1" "extendedKeyUsage=clientAuth"
cert client2 "/CN=client-2" "extendedKeyUsage=clientAuth"
cert server "/CN=localhost" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"

cat client.pem ca.pem > chain.pem
rm -f ./*.srl
chmod 644 ./*.key ./*.pem   # test-only keys, as git checks them out

for c in client client2; do
    printf '%s x5t#S256: ' $c
    openssl x509 -in $c.pem -outform DER | openssl dgst -sha256 -binary \
        | openssl base64 -A | tr '+/' '-_' | tr -d '='
    echo
done
