#!/bin/bash
#
# fuzz/run.sh DIR SECONDS TARGET...  (from the top directory; make fuzz)
#
# Runs DIR/fuzz_TARGET for SECONDS each, one after another, niced, on
# DIR/corpus-TARGET (the seeds of fuzz/corpus/TARGET are copied in; what
# the fuzzer adds stays there, out of the repository), with the target's
# dictionary.  Any crash, leak, UBSan report, timeout or out-of-memory is a
# failure: its input is left as DIR/TARGET-crash-* (or -leak-, -timeout-,
# -oom-) and its log in DIR/TARGET.log.  Prints a line per target and
# fails if any target failed.

set -u

dir=$1
seconds=$2
shift 2

failed=""

printf '%-14s %6s %12s %9s %7s %7s %7s  %s\n' target time runs exec/s cov ft \
       corpus result

for t in "$@"; do
    corpus="$dir/corpus-$t"
    log="$dir/$t.log"
    dict=""

    mkdir -p "$corpus"
    cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null

    if [ -f "fuzz/dict/$t.dict" ]; then
        dict="-dict=fuzz/dict/$t.dict"
    fi

    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        nice "$dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
            -print_final_stats=1 -artifact_prefix="$dir/$t-" $dict \
            "$corpus" >"$log" 2>&1
    rc=$?

    stat() {
        sed -n "s/^stat::$1: *//p" "$log" | tail -1
    }

    runs=$(stat number_of_executed_units)
    speed=$(stat average_exec_per_sec)
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    size=$(find "$corpus" -type f | wc -l)

    if [ $rc -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc): see $log"
        failed="$failed $t"
    fi

    printf '%-14s %5ss %12s %9s %7s %7s %7s  %s\n' "$t" "$seconds" \
           "${runs:--}" "${speed:--}" "${cov:--}" "${ft:--}" "$size" \
           "$result"

    if [ $rc -ne 0 ]; then
        grep -m1 -E 'ERROR: |runtime error: |fuzz: check failed|fuzz shim: ' \
            "$log" | sed 's/^/    /'
        ls "$dir/$t"-* 2>/dev/null | sed 's/^/    input: /'
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz: findings in:$failed" >&2
    exit 1
fi
