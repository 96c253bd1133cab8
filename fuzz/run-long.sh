#!/usr/bin/env bash
# The long fuzz runs (issue 15: at least 10 million executions per target): each target in turn,
# niced, with its corpus; the libFuzzer summary of each is in logs/<target>.log.
set -u
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
BIN=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release
for t in ${TARGETS:-retry_after sse_decoder error_body typed_decode}; do
    mkdir -p "corpus/$t" "artifacts/$t" logs
    nice -n 10 "$BIN/$t" "corpus/$t" -runs="$RUNS" -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
        > "logs/$t.log" 2>&1
    echo "$t: exit $? $(grep -E '^Done|stat::number_of_executed_units' "logs/$t.log" | tr '\n' ' ')"
done
