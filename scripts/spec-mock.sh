#!/usr/bin/env bash
# Stoplight Prism, the validating mock server for spec/openrouter.openapi.json, on a free 127.0.0.1 port.
#
#   scripts/spec-mock.sh start              start it; prints OPENROUTER_SPEC_MOCK_URL=http://127.0.0.1:PORT
#                                           (`export "$(scripts/spec-mock.sh start)"` sets it in a shell)
#   scripts/spec-mock.sh stop               stop it (idempotent)
#   scripts/spec-mock.sh run -- CMD ARGS..  start, run CMD with OPENROUTER_SPEC_MOCK_URL set, always stop;
#                                           exits with CMD's status
#
# Prism (pinned in tools/prism/package-lock.json) is installed with `npm ci` on first use.
# Prism serves the spec's paths at the root: point the client at the URL as is (no /api/v1).
# What Prism answers (Prefer: code=NNN, sl-violations, ...): tools/prism/README.md.
# Environment: SPEC_MOCK_STATE_DIR (default target/spec-mock) holds the pid, url and log files;
# SPEC_MOCK_TIMEOUT (default 60) is how many seconds `start` waits for Prism to answer.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRISM_DIR="$ROOT/tools/prism"
PRISM="$PRISM_DIR/node_modules/.bin/prism"
SPEC="$ROOT/spec/openrouter.openapi.json"
STATE_DIR="${SPEC_MOCK_STATE_DIR:-$ROOT/target/spec-mock}"
PID_FILE="$STATE_DIR/pid"
URL_FILE="$STATE_DIR/url"
LOG_FILE="$STATE_DIR/prism.log"
TIMEOUT="${SPEC_MOCK_TIMEOUT:-60}"

log() { echo "spec-mock: $*" >&2; }

install_prism() {
    if [[ ! -x "$PRISM" ]]; then
        log "installing Prism (npm ci in tools/prism)"
        (cd "$PRISM_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
}

prism_version() {
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$PRISM_DIR/node_modules/@stoplight/prism-cli/package.json" | head -n 1
}

free_port() {
    # Ask the kernel for a free port on 127.0.0.1 (bind to port 0), then release it.
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

running_pid() {
    # Prints the pid in the state file if that process is still alive.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        log "already running (pid $pid)"
        echo "OPENROUTER_SPEC_MOCK_URL=$(cat "$URL_FILE")"
        return 0
    fi
    install_prism
    mkdir -p "$STATE_DIR"
    local port url started
    port="$(free_port)"
    url="http://127.0.0.1:$port"
    started=$(date +%s%N)
    # setsid: Prism gets its own process group, so `stop` ends it and any child it forks.
    setsid "$PRISM" mock -h 127.0.0.1 -p "$port" "$SPEC" >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$url" >"$URL_FILE"
    local deadline=$(( $(date +%s) + TIMEOUT ))
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "Prism exited before answering; last lines of $LOG_FILE:"
            tail -n 30 "$LOG_FILE" >&2
            rm -f "$PID_FILE" "$URL_FILE"
            return 1
        fi
        # Any HTTP answer means Prism is listening with the spec loaded.
        # (Node.js, which CI machines have; curl may be missing there.)
        if node -e 'require("http").get(process.argv[1], () => process.exit(0)).on("error", () => process.exit(1)).setTimeout(2000, function () { this.destroy(); })' "$url/" 2>/dev/null; then
            break
        fi
        if (( $(date +%s) >= deadline )); then
            log "Prism did not answer within ${TIMEOUT}s; last lines of $LOG_FILE:"
            tail -n 30 "$LOG_FILE" >&2
            cmd_stop
            return 1
        fi
        sleep 0.2
    done
    local ms=$(( ($(date +%s%N) - started) / 1000000 ))
    log "Prism $(prism_version) up in ${ms} ms (pid $pid, log $LOG_FILE)"
    echo "OPENROUTER_SPEC_MOCK_URL=$url"
}

cmd_stop() {
    local pid
    if pid="$(running_pid)"; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "stopped (pid $pid)"
    fi
    rm -f "$PID_FILE" "$URL_FILE"
}

cmd_run() {
    [[ "${1:-}" == "--" ]] && shift
    if [[ $# -eq 0 ]]; then
        log "usage: $0 run -- COMMAND [ARGS...]"
        return 2
    fi
    trap cmd_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    local line
    line="$(cmd_start)"
    export OPENROUTER_SPEC_MOCK_URL="${line#OPENROUTER_SPEC_MOCK_URL=}"
    echo "$line"
    local status=0
    "$@" || status=$?
    exit "$status"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    run) shift; cmd_run "$@" ;;
    *)
        echo "usage: $0 start | stop | run -- COMMAND [ARGS...]" >&2
        exit 2
        ;;
esac
