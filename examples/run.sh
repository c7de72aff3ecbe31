#!/bin/bash
# Starts the example gateway in the foreground: run.sh NGINX MODULE DIR PORT
set -euo pipefail

nginx=$1
module=$2
dir=$3
port=$4
upstream=$((port + 1))
examples=$(cd "$(dirname "$0")" && pwd)
mint=$(dirname "$module")/t-mint

mkdir -p "$dir"
sed -e "s|@MODULE@|$module|g" -e "s|@PREFIX@|$dir|g" \
    -e "s|@EXAMPLES@|$examples|g" -e "s|@PORT@|$port|g" \
    -e "s|@UPSTREAM_PORT@|$upstream|g" \
    "$examples/nginx.conf" > "$dir/nginx.conf"

# a token from the demo identity provider, valid for a day
now=$(date +%s)
token=$("$mint" RS256 "$examples/demo-key.pem" '{"kid":"demo"}' \
    "{\"iss\":\"https://idp.example.com\",\"aud\":\"api\",\"sub\":\"alice\",\"scope\":\"read write\",\"iat\":$now,\"exp\":$((now + 86400))}")

"$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e stderr

cat <<MSG

Example gateway on http://127.0.0.1:$port (Ctrl-C stops it). Try:

  # a valid token: 200, the upstream receives X-User and X-Scope
  curl -i -H 'Authorization: Bearer $token' http://127.0.0.1:$port/orders

  # no token: 401 with WWW-Authenticate: Bearer realm="example"
  curl -i http://127.0.0.1:$port/orders

  # the token lacks the "admin" scope: 403 insufficient_scope
  curl -i -H 'Authorization: Bearer $token' http://127.0.0.1:$port/admin/

MSG

exec "$nginx" -p "$dir" -c "$dir/nginx.conf" -e stderr
