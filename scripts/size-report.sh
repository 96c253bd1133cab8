#!/usr/bin/env bash
# Size report: builds with the size profile (opt-level z, fat LTO, 1 CGU, panic abort, strip)
#   probe-min   examples/size_probe, --no-default-features --features generations,webpki-roots
#   probe-full  examples/size_probe, default features
#   probe-client examples/size_probe_client (the same call through the client object), as probe-min
#   probe-mock  examples/size_probe as probe-min plus feature mock (compiled in, not called)
#   floor       benches/floor (GET /generation written directly on hyper + rustls + serde_json)
# and prints the bytes of each and the ratios probe/floor.
#
#   scripts/size-report.sh            warm builds in $CARGO_TARGET_DIR (default target/)
#   scripts/size-report.sh --cold     each build in a fresh, empty target dir, timed (one run each)
#   scripts/size-report.sh --check    also exit 1 if a ratio misses its target
#                                     (probe-min <= 1.05x floor, probe-full <= 1.10x floor,
#                                     probe-client and probe-mock <= 1.01x probe-min)
#
# Until examples/size_probe.rs exists the probe rows are skipped and only the floor is built.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COLD=0
CHECK=0
for arg in "$@"; do
    case "$arg" in
        --cold) COLD=1 ;;
        --check) CHECK=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "size-report: unknown argument $arg" >&2; exit 2 ;;
    esac
done

WARM_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
COLD_DIRS=()
LOG_DIR="$(mktemp -d /tmp/size-report-logs-XXXXXX)"
cleanup() { for d in "${COLD_DIRS[@]+"${COLD_DIRS[@]}"}" "$LOG_DIR"; do rm -rf "$d"; done; }
trap cleanup EXIT

declare -A BYTES SECS

# build NAME BINARY_RELATIVE_TO_TARGET CARGO_ARGS...
build() {
    local name="$1" bin="$2"
    shift 2
    local target="$WARM_TARGET"
    if ((COLD)); then
        target="$(mktemp -d /tmp/size-report-XXXXXX)"
        COLD_DIRS+=("$target")
    fi
    local t0 t1
    t0=$(date +%s%N)
    local log="$LOG_DIR/$name.log"
    if ! CARGO_TARGET_DIR="$target" cargo build --profile size "$@" >"$log" 2>&1; then
        echo "size-report: build of $name failed: cargo build --profile size $*" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    BYTES[$name]=$(stat -c %s "$target/size/$bin")
    SECS[$name]=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    if ((COLD)); then
        rm -rf "$target"
    fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

MODE="warm builds"
((COLD)) && MODE="cold builds, one run each"
echo "size-report: profile size; $(rustc --version); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $MODE"

ROWS=(floor)
build floor floor --manifest-path "$ROOT/benches/floor/Cargo.toml" --locked
if [[ -f "$ROOT/examples/size_probe.rs" ]]; then
    ROWS=(probe-min probe-full probe-client probe-mock floor)
    build probe-min examples/size_probe --manifest-path "$ROOT/Cargo.toml" --example size_probe \
        --no-default-features --features generations,webpki-roots
    build probe-client examples/size_probe_client --manifest-path "$ROOT/Cargo.toml" \
        --example size_probe_client --no-default-features --features generations,webpki-roots
    build probe-full examples/size_probe --manifest-path "$ROOT/Cargo.toml" --example size_probe
    build probe-mock examples/size_probe --manifest-path "$ROOT/Cargo.toml" --example size_probe \
        --no-default-features --features generations,webpki-roots,mock
else
    echo "size-report: examples/size_probe.rs not found; reporting the floor only"
fi

declare -A LABEL=(
    [probe-min]="size_probe --no-default-features --features generations,webpki-roots"
    [probe-full]="size_probe (default features)"
    [probe-client]="size_probe_client: the same call through the client object (vs probe-min)"
    [probe-mock]="size_probe as probe-min with feature mock on, not called (vs probe-min)"
    [floor]="floor (benches/floor)"
)
declare -A TARGET=([probe-min]=1.05 [probe-full]=1.10 [probe-client]=1.01 [probe-mock]=1.01)
# What each ratio is taken against.
declare -A BASE=([probe-min]=floor [probe-full]=floor [probe-client]=probe-min [probe-mock]=probe-min)

missed=0
for name in "${ROWS[@]}"; do
    line=$(printf '%-13s %9d bytes' "$name:" "${BYTES[$name]}")
    if [[ "$name" != floor ]]; then
        base=${BASE[$name]}
        r=$(ratio "${BYTES[$name]}" "${BYTES[$base]}")
        ok=$(awk -v r="$r" -v t="${TARGET[$name]}" 'BEGIN { print (r <= t) ? "ok" : "MISSED" }')
        [[ "$ok" == ok ]] || missed=1
        line+=$(printf '  %sx %s (target <= %sx: %s)' "$r" "$base" "${TARGET[$name]}" "$ok")
    fi
    if ((COLD)); then
        line+=$(printf '  cold build %s s' "${SECS[$name]}")
    fi
    echo "$line  ${LABEL[$name]}"
done

if ((CHECK && missed)); then
    echo "size-report: a size ratio missed its target" >&2
    exit 1
fi
