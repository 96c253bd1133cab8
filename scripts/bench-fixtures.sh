#!/usr/bin/env bash
# Generates the benchmark fixtures (deterministic, from spec/openrouter.openapi.json) into
# target/bench-fixtures/ (or $BENCH_FIXTURES_DIR, or the first argument):
# models.json, chat_completion.json, responses_result.json, generation.json, chat_stream.sse,
# manifest.json. Needs only Node.js.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tools/bench-fixtures"
exec node "$DIR/generate.mjs" "$@"
