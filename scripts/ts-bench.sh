#!/usr/bin/env bash
# The official TypeScript SDK on the benchmark fixtures (tools/ts-bench/bench.mjs): typed decode
# and SSE figures, one line each. Arguments go to bench.mjs, e.g. `--serve` for the loopback
# getGeneration figures, `--runs N`. Installs the pinned SDK and generates the fixtures first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tools/ts-bench"
if [[ ! -d "$DIR/node_modules/@openrouter/sdk" ]]; then
    (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
"$ROOT/scripts/bench-fixtures.sh" >&2
exec node "$DIR/bench.mjs" "$@"
