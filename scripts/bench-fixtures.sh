#!/usr/bin/env bash
# Generates the benchmark fixtures (deterministic, from spec/openapi.yaml) into
# target/bench-fixtures/ (or $BENCH_FIXTURES_DIR, or the first argument):
# models.json, chat_completion.json, responses_result.json, generation.json, chat_stream.sse,
# manifest.json. Installs the generator's one dependency (tools/bench-fixtures) on first use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tools/bench-fixtures"
if [[ ! -d "$DIR/node_modules/yaml" ]]; then
    (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
exec node "$DIR/generate.mjs" "$@"
