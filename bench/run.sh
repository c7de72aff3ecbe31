#!/bin/bash
#
# bench/run.sh - speed of ngx_http_auth_token_module against plain nginx
#
#   make bench                      (= bash bench/run.sh)
#   make bench MODE=callgrind       (= bash bench/run.sh callgrind)
#
# make builds build/ngx_http_auth_token_module.so and build/t-mint first;
# this script builds nothing.  As root on Debian it installs the packages it
# needs (wrk, curl, valgrind, the echo module, ...) when they are missing.
#
# Default mode (wrk): one nginx (1 worker pinned to CPU 0, access_log off)
# with a location per configuration, all answering "ok" through the echo
# module (never `return`, which runs before the access phase):
#
#   baseline                no auth
#   baseline-header         no auth, the RS256 token header sent anyway
#                           (what the bigger request alone costs; no target)
#   rs256|es256|eddsa|hs256 a valid token; "cached" with the verified-token
#                           cache on (auth_token_cache_valid 10m, the
#                           default), "uncached" with it off
#   introspect-warm         an opaque token, RFC 7662 introspection against
#                           a second server block, answer cached (warm)
#   rs256-1000              1,000 distinct RS256 tokens in rotation, cached
#   dpop-es256              DPoP (auth_token_dpop on): a fresh ES256 proof per
#                           request (bench/dpop-proofs.mjs, bench/wrk.lua
#                           dpop=), its access token (RS256) cached
#   mtls-header             certificate binding (auth_token_cert_binding on)
#                           with the certificate forwarded in a header by a
#                           load balancer (URL-escaped PEM), token cached
#
# wrk runs on CPU 1 (taskset -c 1 wrk -t1 -c$CONNECTIONS -d$DURATION
# --latency).  ROUNDS rounds; each round measures baseline first, then every
# other configuration (the order rotates from round to round), each after a
# 1 s warm-up, so that drift of the machine hits all alike.  Per
# configuration: median requests/s over the rounds, median p50 and p99, and
# the median of the per-round ratios to that round's baseline.
#
# Limits: openssl speed (same run, CPU 0) gives t_verify per algorithm;
# limit = 1 / (1/baseline_rps + t_verify) is what an uncached request could
# reach at best.  Also measured: how many verified tokens fit in a 10 MB
# zone (distinct tokens until the oldest is evicted, see capacity.lua), and
# the worker's RSS after 10,000 and after 1,000,000 requests.
#
# callgrind mode: nginx as a single process (master_process off) under
# valgrind --tool=callgrind; per configuration two runs, one with W warm-up
# requests and one with W + CG_REQUESTS; instructions per request =
# (Ir(W + N) - Ir(W)) / N, the Ir of start-up, warm-up and shutdown
# cancelling out.
#
# The report goes to stdout (Markdown) and to docs/performance.md: the wrk
# mode rewrites the file (keeping an earlier callgrind section), callgrind
# mode replaces only its own section.  Progress goes to stderr.  Work files:
# build/bench/.
#
# Environment knobs:
#   ROUNDS=3 DURATION=10 CONNECTIONS=50 PORT=8090 (PORT+1 is used too)
#   QUICK=1            smoke test: 1 round of 2 s, 100,000 requests for RSS
#   RSS_REQUESTS=1000000  CAPACITY_TOKENS=60000 (doubled until enough)
#   CG_REQUESTS=2000   NGINX_CPU=0 WRK_CPU=1  NGINX=/usr/sbin/nginx
#   OUT=docs/performance.md  (where the report is written; OUT= to skip)
#   ONLY="dpop-es256 mtls-header"  measure only these configurations (and
#                      the baseline); no capacity or RSS measurement; the
#                      report goes into a "## Partial run" section of OUT,
#                      which the next full run of that mode drops

set -euo pipefail

MODE=${1:-wrk}
case $MODE in wrk|callgrind) ;; *)
    echo "usage: $0 [callgrind]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
B=$ROOT/build/bench
SO=$ROOT/build/ngx_http_auth_token_module.so
ECHO_SO=/usr/lib/nginx/modules/ngx_http_echo_module.so
JWKS=$ROOT/t/keys/jwks.json

NGINX=${NGINX:-/usr/sbin/nginx}
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    ROUNDS=${ROUNDS:-1}; DURATION=${DURATION:-2}
    RSS_REQUESTS=${RSS_REQUESTS:-100000}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-8090}
PORT2=$((PORT + 1))
RSS_REQUESTS=${RSS_REQUESTS:-1000000}
RSS_FIRST=10000
CAPACITY_TOKENS=${CAPACITY_TOKENS:-60000}
CAPACITY_MAX=640000
CG_REQUESTS=${CG_REQUESTS:-2000}
NGINX_CPU=${NGINX_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
OUT=${OUT-$ROOT/docs/performance.md}
ZONE_SIZE=10m
CG_HEADING='## Instructions per request (callgrind)'
ONLY=${ONLY:-}
SENDER=$ROOT/t/keys/sender
DPOP_HTU=http://bench/dpop

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }


# --- what must be there ----------------------------------------------------

# need PACKAGE:COMMAND-or-/PATH ...: installs what is missing (root, Debian)
need() {
    local spec pkg what missing=()
    for spec; do
        pkg=${spec%%:*} what=${spec#*:}
        if [[ $what == /* ]]; then
            [[ -e $what ]] || missing+=("$pkg")
        else
            command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
        fi
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) == 0 && -f /etc/debian_version ]]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null \
            || die "apt-get install ${missing[*]} failed"
    else
        die "missing: ${missing[*]} (apt-get install ${missing[*]}, or run as root)"
    fi
}

need nginx:"$NGINX" libnginx-mod-http-echo:$ECHO_SO wrk:wrk curl:curl \
     openssl:openssl util-linux:taskset perl:perl
[[ $MODE == callgrind ]] && need valgrind:valgrind

[[ -f $SO && -x $ROOT/build/t-mint ]] \
    || die "$SO or build/t-mint missing: run make (make bench builds them)"

if (($(nproc) < 2)); then
    say "warning: $(nproc) CPU: nginx and wrk share it, figures mean little"
    WRK_CPU=$NGINX_CPU
fi

mkdir -p "$B"/{logs,tmp,tokens,runs,cg}


# --- tokens ----------------------------------------------------------------

# mint_many ALG N FILE: reuses a file with enough tokens minted within 7 days
# (they are valid for 30) from the current keys
mint_many() {
    local alg=$1 n=$2 f=$3
    if [[ -f $f && $f -nt $JWKS ]] && (($(wc -l <"$f") >= n)) \
       && [[ -z $(find "$f" -mtime +7) ]]; then
        return
    fi
    say "minting $n $alg tokens into ${f#$ROOT/}"
    perl "$BENCH/mint.pl" many "$alg" "$n" "$f" || die "minting failed"
}

declare -A TOKEN
for alg in RS256 ES256 EdDSA HS256; do
    f=$B/tokens/one-$alg.txt
    mint_many "$alg" 1 "$f"
    TOKEN[$alg]=$(head -1 "$f")
done
TOKEN[opaque]=bench-opaque-token-0123456789abcdefABCDEF
ROTATION=$B/tokens/rs256-1000.txt
mint_many RS256 1000 "$ROTATION"

# sender-constrained tokens (jose through t/lib/AuthTokenSender.pm: make
# installs it), reused while younger than 7 days
[[ -d $ROOT/t/node_modules/jose ]] && command -v node >/dev/null \
    || die "t/node_modules/jose or node missing: run make (make bench runs it)"
DPOP_TOKEN=$B/tokens/dpop-token.txt
MTLS=$B/tokens/mtls.txt
for f in "$DPOP_TOKEN:dpop" "$MTLS:mtls"; do
    if [[ ! -s ${f%%:*} || -n $(find "${f%%:*}" -mtime +7) ]]; then
        say "minting ${f#*:} token into ${f%%:*}"
        perl "$BENCH/mint.pl" "${f#*:}" "${f%%:*}" || die "minting failed"
    fi
done
TOKEN[MTLS]=$(head -1 "$MTLS")
MTLS_CERT=$(sed -n 2p "$MTLS")

# DPoP proofs: each is good for one request of an nginx (the zone
# remembers its jti until nginx stops); bench/wrk.lua dpop= takes the next
# one, and DPOP_STATE says where the previous run stopped (reset when
# nginx starts).  Their iat is in the past (see bench/dpop-proofs.mjs):
# reused while younger than 12 hours.  check() uses DPOP_CHECK's.
DPOP_PROOFS=$B/tokens/dpop-proofs.txt
DPOP_CHECK=$B/tokens/dpop-check.txt
DPOP_STATE=$B/dpop.state

# mint_proofs N: at least N proofs in DPOP_PROOFS
mint_proofs() {
    local n=$1
    if [[ -f $DPOP_PROOFS && $DPOP_PROOFS -nt $DPOP_TOKEN ]] \
       && (($(wc -l <"$DPOP_PROOFS") >= n)) \
       && [[ -z $(find "$DPOP_PROOFS" -mmin +720) ]]; then
        return
    fi
    say "minting $n DPoP proofs into ${DPOP_PROOFS#$ROOT/}"
    node "$BENCH/dpop-proofs.mjs" "$SENDER/dpop-ec256.pem" "$DPOP_TOKEN" \
        "$DPOP_HTU" "$n" "$DPOP_PROOFS" b || die "minting proofs failed"
}

if [[ ! -f $DPOP_CHECK || $DPOP_CHECK -ot $DPOP_TOKEN
      || -n $(find "$DPOP_CHECK" -mmin +720) ]]; then
    node "$BENCH/dpop-proofs.mjs" "$SENDER/dpop-ec256.pem" "$DPOP_TOKEN" \
        "$DPOP_HTU" 1 "$DPOP_CHECK" c || die "minting proofs failed"
fi


# --- the configurations ----------------------------------------------------
#
# id, location, token (a TOKEN key, or "" for none), extra wrk script
# arguments, kind (how the row is judged: base, cached, uncached,
# introspect, default), algorithm (for the limit), label

CONFIG_IDS=()
declare -A LOC TOK SARGS KIND ALG LABEL HDR

# add_config ID LOCATION TOKEN SCRIPT_ARGS KIND ALG LABEL [HEADER]: with
# ONLY set, only the baseline and the configurations it names
add_config() {
    if [[ -n $ONLY && $1 != baseline && " $ONLY " != *" $1 "* ]]; then
        return
    fi
    CONFIG_IDS+=("$1")
    LOC[$1]=$2 TOK[$1]=$3 SARGS[$1]=$4 KIND[$1]=$5 ALG[$1]=$6 LABEL[$1]=$7
    HDR[$1]=${8:-}
}

# HAVE_CACHE_DIRECTIVE=1: the build knows auth_token_cache_valid;
# HAVE_BINDING=1: auth_token_dpop and auth_token_cert_binding
define_configs() {
    local a alg
    CONFIG_IDS=()
    add_config baseline /baseline "" "" base - "baseline (no auth)"
    # what the bigger request alone costs (the header is parsed, not checked)
    add_config baseline-header /baseline RS256 "" info - \
        "baseline + an RS256 token header, not checked"
    for alg in RS256 ES256 EdDSA HS256; do
        a=${alg,,}
        if ((HAVE_CACHE_DIRECTIVE)); then
            add_config "$a-cached" "/$a-cached" "$alg" "" cached "$alg" \
                "$alg, cache on"
            add_config "$a-uncached" "/$a-uncached" "$alg" "" uncached "$alg" \
                "$alg, cache off"
        else
            add_config "$a" "/$a" "$alg" "" default "$alg" "$alg"
        fi
    done
    add_config introspect-warm /introspect opaque "" introspect - \
        "introspection, warm cache"
    if ((HAVE_CACHE_DIRECTIVE)); then
        add_config rs256-1000 /rs256-cached "" "tokens=$ROTATION" cached \
            RS256 "RS256, 1,000 tokens rotating, cache on"
    else
        add_config rs256-1000 /rs256 "" "tokens=$ROTATION" default \
            RS256 "RS256, 1,000 tokens rotating"
    fi
    if ((HAVE_BINDING)); then
        add_config dpop-es256 /dpop "" \
            "dpop=$DPOP_PROOFS token=$DPOP_TOKEN state=$DPOP_STATE" \
            uncached ES256 "ES256 DPoP proof + cached access token"
        add_config mtls-header /mtls MTLS "" cached - \
            "mTLS binding, certificate from a header, cache on" \
            "X-Client-Cert: $MTLS_CERT"
        # the same requests to /baseline: what nginx alone pays for them
        add_config dpop-headers /baseline "" \
            "proof=$DPOP_CHECK token=$DPOP_TOKEN" info - \
            "baseline + a DPoP request's headers, not checked"
        add_config mtls-headers /baseline MTLS "" info - \
            "baseline + an mTLS request's headers, not checked" \
            "X-Client-Cert: $MTLS_CERT"
    fi
    if [[ -n $ONLY ]]; then
        local id
        for id in $ONLY; do
            [[ -n ${LOC[$id]:-} ]] || die "ONLY: no configuration \"$id\""
        done
    fi
}


# --- nginx -----------------------------------------------------------------

# gen_conf workers|single: the whole nginx.conf on stdout
gen_conf() {
    local mode=$1 alg a loc

    if [[ $mode == single ]]; then
        printf 'daemon off;\nmaster_process off;\n'
    else
        printf 'daemon off;\nworker_processes 1;\n'
        printf 'worker_cpu_affinity %s;\n' \
            "$(perl -e 'printf "%b", 1 << $ARGV[0]' "$NGINX_CPU")"
    fi

    cat <<EOF
pid $B/logs/nginx.pid;
error_log $B/logs/error.log error;

load_module $SO;
load_module $ECHO_SO;

events {
    worker_connections 1024;
}

http {
    access_log off;
    default_type text/plain;

    client_body_temp_path $B/tmp/body;
    proxy_temp_path $B/tmp/proxy;
    fastcgi_temp_path $B/tmp/fastcgi;
    uwsgi_temp_path $B/tmp/uwsgi;
    scgi_temp_path $B/tmp/scgi;

    auth_token_zone bench:$ZONE_SIZE;
    auth_token_jwks_file $JWKS;

    server {
        listen 127.0.0.1:$PORT;

        location = /baseline {
            echo "ok";
        }

EOF
    for alg in RS256 ES256 EdDSA HS256; do
        a=${alg,,}
        if ((HAVE_CACHE_DIRECTIVE)); then
            for loc in cached uncached; do
                cat <<EOF
        location = /$a-$loc {
            auth_token "bench";
            auth_token_cache_valid $([[ $loc == cached ]] && echo 10m || echo off);
            echo "ok";
        }

EOF
            done
        else
            cat <<EOF
        location = /$a {
            auth_token "bench";
            echo "ok";
        }

EOF
        fi
    done
    ((HAVE_CACHE_DIRECTIVE)) && cat <<EOF
        # capacity of the zone: X-Cache says HIT or MISS
        location = /capacity {
            auth_token "bench";
            add_header X-Cache \$auth_token_cache always;
            echo "ok";
        }

EOF
    cat <<EOF
EOF
    ((HAVE_BINDING)) && cat <<EOF
        # a fresh proof per request (each jti once); the proofs of
        # bench/dpop-proofs.mjs are up to a day old
        location = /dpop {
            auth_token "bench";
            auth_token_dpop on;
            auth_token_dpop_origin http://bench;
            auth_token_dpop_window 1d;
            echo "ok";
        }

        # the certificate as a TLS-terminating load balancer forwards it
        location = /mtls {
            auth_token "bench";
            auth_token_cert_binding on;
            auth_token_client_cert \$http_x_client_cert encoding=escaped;
            echo "ok";
        }

EOF
    cat <<EOF
        # an opaque token (no dots) is not a JWT: it goes to introspection
        location = /introspect {
            auth_token "bench";
            auth_token_introspect_request /_introspect;
            auth_token_introspect_cache_valid 1h;
            echo "ok";
        }

        location = /_introspect {
            internal;
            proxy_pass http://127.0.0.1:$PORT2/introspect;
        }
    }

    # the identity provider's introspection endpoint
    server {
        listen 127.0.0.1:$PORT2;

        location = /introspect {
            default_type application/json;
            echo_read_request_body;
            echo '{"active":true,"sub":"bench","exp":4102444800}';
        }
    }
}
EOF
}

nginx_args() { echo -p "$B/" -c "$1" -e "$B/logs/error.log"; }

# writes the configuration, decides HAVE_CACHE_DIRECTIVE with nginx -t
prepare_conf() {
    local mode=$1 conf=$2 out
    HAVE_CACHE_DIRECTIVE=1
    HAVE_BINDING=1
    gen_conf "$mode" >"$conf"
    if ! out=$("$NGINX" -t $(nginx_args "$conf") 2>&1) \
       && grep -q 'auth_token_dpop\|auth_token_cert_binding' <<<"$out"; then
        say "this build does not know auth_token_dpop: no DPoP or mTLS rows"
        HAVE_BINDING=0
        gen_conf "$mode" >"$conf"
    fi
    if ! out=$("$NGINX" -t $(nginx_args "$conf") 2>&1); then
        if grep -q 'auth_token_cache_valid' <<<"$out"; then
            say "this build does not know auth_token_cache_valid:" \
                "no cache on/off rows, one row per algorithm"
            HAVE_CACHE_DIRECTIVE=0
            gen_conf "$mode" >"$conf"
            out=$("$NGINX" -t $(nginx_args "$conf") 2>&1) \
                || die "nginx -t $conf failed:"$'\n'"$out"
        else
            die "nginx -t $conf failed:"$'\n'"$out"
        fi
    fi
    define_configs
}

port_busy() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

NGX_PID=
# start_nginx CONF [wrapper command ...]: nginx in the foreground, our child
start_nginx() {
    local conf=$1 i
    shift
    for i in "$PORT" "$PORT2"; do
        port_busy "$i" && die "port $i is in use (set PORT=...)"
    done
    : >"$B/logs/error.log"
    rm -f "$DPOP_STATE"     # a fresh zone: every proof is new again
    "$@" "$NGINX" $(nginx_args "$conf") &
    NGX_PID=$!
    for ((i = 0; i < 600; i++)); do
        port_busy "$PORT" && port_busy "$PORT2" && return 0
        kill -0 "$NGX_PID" 2>/dev/null || break
        sleep 0.1
    done
    stop_nginx
    die "nginx did not start: $(tail -5 "$B/logs/error.log")"
}

stop_nginx() {
    [[ -n $NGX_PID ]] || return 0
    kill -QUIT "$NGX_PID" 2>/dev/null || true
    wait "$NGX_PID" 2>/dev/null || true
    NGX_PID=
}

trap 'stop_nginx' EXIT
trap 'exit 130' INT TERM

worker_pid() {
    local c
    c=$(cat "/proc/$NGX_PID/task/$NGX_PID/children" 2>/dev/null || true)
    [[ -n $c ]] || c=$(ps -o pid= --ppid "$NGX_PID")
    echo $c
}

# rss_kb FIELD: VmRSS, RssAnon, RssShmem of the worker, in kB
rss_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$(worker_pid)/status"; }

# --- requests --------------------------------------------------------------

url() { echo "http://127.0.0.1:$PORT${LOC[$1]}"; }

# wrk_args ID [script args ...]: sets W to the wrk arguments for ID
wrk_args() {
    local id=$1
    shift
    W=()
    [[ -n ${TOK[$id]} ]] \
        && W+=(-H "Authorization: Bearer ${TOKEN[${TOK[$id]}]}")
    [[ -n ${HDR[$id]} ]] && W+=(-H "${HDR[$id]}")
    local sargs=(${SARGS[$id]} "$@")
    if ((${#sargs[@]})); then
        W+=(-s "$BENCH/wrk.lua" "$(url "$id")" -- "${sargs[@]}")
    else
        W+=("$(url "$id")")
    fi
}

# check ID: one request must answer 200 "ok" (it also warms the config up)
check() {
    local id=$1 tok code h=()
    if [[ -n ${TOK[$id]} ]]; then
        tok=${TOKEN[${TOK[$id]}]}
    elif [[ ${SARGS[$id]} == tokens=* ]]; then
        tok=$(head -1 "$ROTATION")
    fi
    [[ -n ${tok:-} ]] && h=(-H "Authorization: Bearer $tok")
    [[ -n ${HDR[$id]} ]] && h+=(-H "${HDR[$id]}")
    if [[ ${SARGS[$id]} == dpop=* ]]; then
        h=(-H "Authorization: DPoP $(head -1 "$DPOP_TOKEN")"
           -H "DPoP: $(head -1 "$DPOP_CHECK")")
    fi
    code=$(curl -s -o "$B/runs/check.body" -w '%{http_code}' "${h[@]}" \
                "$(url "$id")") || true
    [[ $code == 200 && $(cat "$B/runs/check.body") == ok ]] \
        || die "$id: ${LOC[$id]} answered $code, not 200 ok:" \
               "$(tail -3 "$B/logs/error.log")"
}

# count_requests ID N [connections]: exactly N requests with -c1, about N
# with more; prints how many completed
count_requests() {
    local id=$1 n=$2 c=${3:-1} out
    wrk_args "$id" "count=$n"
    out=$(taskset -c "$WRK_CPU" wrk -t1 -c"$c" -d3600s --timeout 60s \
              "${W[@]}") || die "wrk failed: $out"
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
        die "$id: not all answers were 200:"$'\n'"$out"
    fi
    perl -ne 'print $1 if /^\s*(\d+) requests in/' <<<"$out"
}


# --- wrk mode --------------------------------------------------------------

FACTS=
fact() { printf '%s\t%s\n' "$1" "$2" >>"$FACTS"; }

run_wrk_mode() {
    local conf=$B/nginx.conf r i id n order f results=$B/results.tsv
    FACTS=$B/facts.tsv
    : >"$results"
    : >"$FACTS"

    prepare_conf workers "$conf"
    ((HAVE_CACHE_DIRECTIVE)) \
        || fact note "This build does not know auth_token_cache_valid: one row per algorithm with the module's default behaviour, judged against the uncached limit."

    # the limits first, on the nginx CPU while the machine is quiet
    say "openssl speed (about 12 s)"
    {
        taskset -c "$NGINX_CPU" openssl speed -mr -seconds 1 \
            rsa2048 ecdsap256 ed25519
        taskset -c "$NGINX_CPU" openssl speed -mr -seconds 1 -hmac sha256
    } >"$B/speed.txt" 2>&1 || die "openssl speed failed: $(tail -3 "$B/speed.txt")"
    fact hs256_input_len "$(perl -e '$_ = shift; s/\.[^.]*\z//; print length' \
                            "${TOKEN[HS256]}")"

    # a proof per request: no run can go faster than one ES256
    # verification per request, so this many are enough (10 % to spare)
    if [[ -n ${LOC[dpop-es256]:-} ]]; then
        mint_proofs "$(R=$ROUNDS D=$DURATION perl -ne '
                           printf "%d", $ENV{R} * ($ENV{D} + 1) * $2 * 1.1
                                        + 1000
                               if /^\+F4:\d+:256:([\d.]+):([\d.]+)/' \
                           "$B/speed.txt")"
    fi

    start_nginx "$conf"
    for id in "${CONFIG_IDS[@]}"; do check "$id"; done

    n=${#CONFIG_IDS[@]}
    for ((r = 1; r <= ROUNDS; r++)); do
        # baseline first, then the others from a rotating starting point
        order=(baseline)
        for ((i = 0; i < n - 1; i++)); do
            order+=("${CONFIG_IDS[1 + (i + r - 1) % (n - 1)]}")
        done
        for id in "${order[@]}"; do
            say "round $r/$ROUNDS: $id"
            wrk_args "$id"
            taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d1s "${W[@]}" \
                >/dev/null
            f=$B/runs/r$r-$id.txt
            taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
                --latency "${W[@]}" >"$f" || die "wrk failed: $(cat "$f")"
            printf '%s\t%s\t%s\n' "$r" "$id" \
                "$(perl "$BENCH/report.pl" parse "$f")" >>"$results"
        done
    done
    stop_nginx

    if [[ -z $ONLY ]]; then
        measure_capacity
        measure_rss
    fi

    for id in "${CONFIG_IDS[@]}"; do
        printf 'config\t%s\t%s\t%s\t%s\n' "$id" "${KIND[$id]}" "${ALG[$id]}" \
            "${LABEL[$id]}" >>"$FACTS"
    done
    machine_facts
    fact method "$(method_text)"

    perl "$BENCH/report.pl" wrk "$FACTS" "$results" "$B/speed.txt" \
        >"$B/report.md" || die "report failed"
    cat "$B/report.md"
    write_out wrk "$B/report.md"
}

# Distinct HS256 tokens (cheapest to mint; the cache entry does not depend
# on the algorithm) until the oldest is evicted; see bench/capacity.lua.
measure_capacity() {
    local n=$CAPACITY_TOKENS f=$B/tokens/hs256-many.txt out cap first bad
    if ! ((HAVE_CACHE_DIRECTIVE)); then
        fact capacity "not measured: no verified-token cache in this build"
        return
    fi
    while :; do
        mint_many HS256 "$n" "$f"
        say "capacity: $n distinct tokens into a fresh $ZONE_SIZE zone"
        start_nginx "$B/nginx.conf"
        out=$(taskset -c "$WRK_CPU" wrk -t1 -c1 -d3600s --timeout 60s \
                  -s "$BENCH/capacity.lua" \
                  "http://127.0.0.1:$PORT/capacity" -- "$f" "$n") \
            || die "wrk (capacity) failed: $out"
        stop_nginx
        cap=$(sed -n 's/^capacity\(>*=\)//p' <<<"$out")
        first=$(sed -n 's/^first_probe=//p' <<<"$out")
        bad=$(sed -n 's/^bad=//p' <<<"$out")
        if [[ $bad != 0 ]]; then
            fact capacity "not measured: $bad of the requests were not answered 200"
            return
        fi
        if [[ $first != HIT ]]; then
            fact capacity "not measured: the token stored last answered X-Cache: '${first}', not HIT"
            return
        fi
        if grep -q '^capacity>=' <<<"$out"; then
            if ((n * 2 <= CAPACITY_MAX)); then
                n=$((n * 2))
                continue
            fi
            fact capacity ">= $n tokens (all $n distinct tokens stayed cached)"
            return
        fi
        fact capacity_tokens "$cap"
        fact capacity_sent "$n"
        fact capacity_zone "$ZONE_SIZE"
        return
    done
}

# RSS of the worker after RSS_FIRST and after RSS_REQUESTS requests
measure_rss() {
    local id n1 n2 rss1 rss2 anon1 anon2 shm1 shm2
    id=rs256-cached
    ((HAVE_CACHE_DIRECTIVE)) || id=rs256
    say "RSS: $RSS_FIRST, then $RSS_REQUESTS requests ($id), fresh nginx"
    start_nginx "$B/nginx.conf"
    n1=$(count_requests "$id" "$RSS_FIRST" "$CONNECTIONS")
    rss1=$(rss_kb VmRSS) anon1=$(rss_kb RssAnon) shm1=$(rss_kb RssShmem)
    n2=$(count_requests "$id" $((RSS_REQUESTS - n1)) "$CONNECTIONS")
    rss2=$(rss_kb VmRSS) anon2=$(rss_kb RssAnon) shm2=$(rss_kb RssShmem)
    stop_nginx
    fact rss "$id	$n1	$rss1	$anon1	$shm1	$((n1 + n2))	$rss2	$anon2	$shm2"
}

machine_facts() {
    local rev dirty=
    fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
    fact cpus "$(nproc)"
    fact nginx_cpu "$NGINX_CPU"
    fact cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    fact kernel "$(uname -sr)"
    fact os "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}")"
    fact nginx "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
    fact openssl "$(openssl version)"
    fact wrk "$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain -- src config 2>/dev/null) ]] \
        && dirty=" + uncommitted changes in src/"
    fact module "$rev$dirty"
    fact knobs "ROUNDS=$ROUNDS DURATION=${DURATION}s CONNECTIONS=$CONNECTIONS$([[ $QUICK == 1 ]] && echo ' QUICK=1')"
}

method_text() {
    cat <<EOF
One nginx $( "$NGINX" -v 2>&1 | sed 's/^nginx version: nginx\///'), 1 worker pinned to CPU $NGINX_CPU (worker_cpu_affinity), access_log off, error_log at error; every location answers "ok" with the echo module (never \`return\`, which runs before the access phase). \`auth_token_zone bench:$ZONE_SIZE\` and \`auth_token_jwks_file t/keys/jwks.json\` at http level. wrk pinned to CPU $WRK_CPU: \`taskset -c $WRK_CPU wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency\`, after a 1 s warm-up per run. $ROUNDS round(s); each round runs the baseline first, then the other configurations in an order rotating from round to round. Per configuration: the median over rounds of requests/s, p50 and p99 latency, and of the ratio to the baseline of the same round. Introspection: an opaque token, answered by a second server block (\`{"active":true,...}\`), \`auth_token_introspect_cache_valid 1h\`, warmed by one request. The 1,000-token rotation uses bench/wrk.lua (the next token per request; this costs wrk about 3 % of its rate, measured against the baseline location). DPoP: \`auth_token_dpop on\`, a token (RS256) bound to the key of t/keys/sender/dpop-ec256.pem, cached after its first request, and a new ES256 proof with every request (bench/wrk.lua dpop=, the proofs of bench/dpop-proofs.mjs: a proof is good for one request, so the run never repeats one; wrk formats each request), judged against the ES256 limit: one ES256 signature per request. mTLS: \`auth_token_cert_binding on\` with \`auth_token_client_cert \$http_x_client_cert encoding=escaped\`, the certificate (t/keys/sender/client.pem) URL-escaped in a header as a TLS-terminating load balancer forwards it (wrk has no client certificates), token cached.
EOF
}


# --- callgrind mode --------------------------------------------------------

# cg_run ID TOTAL WARM OUT: nginx under callgrind, WARM then TOTAL-WARM
# requests; sets CG_IR to the Ir total (no $(...): this starts nginx, and
# the EXIT trap that stops it on an error is not inherited by subshells)
cg_run() {
    local id=$1 total=$2 warm=$3 out=$4
    rm -f "$out"
    start_nginx "$B/nginx-single.conf" taskset -c "$NGINX_CPU" \
        valgrind --tool=callgrind --callgrind-out-file="$out" \
                 --log-file="$out.log"
    ((warm > 0)) && count_requests "$id" "$warm" >/dev/null
    ((total > warm)) && count_requests "$id" $((total - warm)) >/dev/null
    stop_nginx
    CG_IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    [[ -n $CG_IR ]] || die "no Ir total in $out (see $out.log)"
}

run_callgrind_mode() {
    local id warm ir_w ir_t results=$B/callgrind.tsv
    FACTS=$B/cg-facts.tsv

    prepare_conf single "$B/nginx-single.conf"
    : >"$results"
    : >"$FACTS"

    # the same checks with the normal configuration
    prepare_conf workers "$B/nginx.conf"
    start_nginx "$B/nginx.conf"
    for id in "${CONFIG_IDS[@]}"; do check "$id"; done
    stop_nginx

    [[ -n ${LOC[dpop-es256]:-} ]] && mint_proofs $((CG_REQUESTS + 100))

    for id in "${CONFIG_IDS[@]}"; do
        warm=1
        [[ ${SARGS[$id]} == tokens=* ]] && warm=$(wc -l <"$ROTATION")
        say "callgrind: $id ($warm warm-up, then $CG_REQUESTS requests)"
        cg_run "$id" "$warm" "$warm" "$B/cg/$id-warm.out"
        ir_w=$CG_IR
        cg_run "$id" $((warm + CG_REQUESTS)) "$warm" "$B/cg/$id-run.out"
        ir_t=$CG_IR
        callgrind_annotate --threshold=100 --auto=no "$B/cg/$id-warm.out" \
            >"$B/cg/$id-warm.txt" 2>/dev/null || true
        callgrind_annotate --threshold=100 --auto=no "$B/cg/$id-run.out" \
            >"$B/cg/$id-run.txt" 2>/dev/null || true
        perl "$BENCH/report.pl" cgtop "$B/cg/$id-warm.txt" \
            "$B/cg/$id-run.txt" "$CG_REQUESTS" >"$B/cg/$id.top.txt"
        printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$warm" "$CG_REQUESTS" \
            "$ir_w" "$ir_t" >>"$results"
    done

    for id in "${CONFIG_IDS[@]}"; do
        printf 'config\t%s\t%s\t%s\t%s\n' "$id" "${KIND[$id]}" "${ALG[$id]}" \
            "${LABEL[$id]}" >>"$FACTS"
    done
    fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
    fact valgrind "$(valgrind --version)"
    fact module "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    fact requests "$CG_REQUESTS"
    fact cgdir "$B/cg"

    perl "$BENCH/report.pl" callgrind "$FACTS" "$results" >"$B/callgrind.md" \
        || die "report failed"
    cat "$B/callgrind.md"
    write_out callgrind "$B/callgrind.md"
}


# --- the report file -------------------------------------------------------

# strip_partial MODE: stdin without the "## Partial run (MODE..." sections
strip_partial() {
    M=$1 perl -ne '
        $skip = /^## Partial run \(\Q$ENV{M}\E\b/ if /^## /;
        print unless $skip'
}

# write_out wrk|callgrind FILE: wrk replaces OUT but keeps its callgrind
# section; callgrind replaces only that section; both drop the partial
# runs of their mode.  With ONLY, FILE becomes a "## Partial run (MODE,
# ONLY=...)" section (its headings one level down) at the end of OUT,
# replacing the previous one of that mode.
write_out() {
    local mode=$1 new=$2 old=
    [[ -n $OUT ]] || return 0
    [[ -f $OUT ]] && old=$(cat "$OUT")
    mkdir -p "$(dirname "$OUT")"
    {
        if [[ -n $ONLY ]]; then
            if [[ -n $old ]]; then
                strip_partial "$mode" <<<"$old" \
                    | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
            else
                echo "# Performance"
            fi
            echo
            echo "## Partial run ($mode, ONLY=$ONLY)"
            echo
            echo "\`ONLY=\"$ONLY\" make bench$([[ $mode == callgrind ]] \
                  && echo ' MODE=callgrind')\`: these configurations and the" \
                 "baseline only, measured as below; the next full run of" \
                 "this mode replaces this section."
            echo
            grep -v '^# Performance$\|^Generated by `make bench`' "$new" \
                | sed 's/^## /### /' | cat -s
        elif [[ $mode == wrk ]]; then
            cat "$new"
            # what the figures mean, kept by hand next to this script
            if [[ -f $BENCH/analysis.md ]]; then
                echo
                cat "$BENCH/analysis.md"
            fi
            if grep -qxF "$CG_HEADING" <<<"$old"; then
                echo
                sed -n "/^${CG_HEADING//\//\\/}\$/,\$p" <<<"$old" \
                    | strip_partial wrk
            fi
        else
            if [[ -n $old ]]; then
                sed "/^${CG_HEADING//\//\\/}\$/,\$d" <<<"$old" \
                    | strip_partial callgrind \
                    | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
            else
                echo "# Performance"
            fi
            echo
            cat "$new"
        fi
    } >"$OUT.tmp"
    mv "$OUT.tmp" "$OUT"
    say "written to ${OUT#$ROOT/}"
}


if [[ $MODE == callgrind ]]; then
    run_callgrind_mode
else
    run_wrk_mode
fi
