#!/usr/bin/env python3
"""Writes src/core/operations.rs: the operation id of each method and path template of the
pinned spec, which hooks and tracing report (the generated functions do not pass it).

    python3 scripts/operation-table.py

`cargo test --lib operation_table` fails when the table and spec/openrouter.openapi.json differ.
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
spec = json.loads((root / "spec/openrouter.openapi.json").read_text())
rows = []
for path, item in spec["paths"].items():
    for method, op in item.items():
        if method in ("get", "put", "post", "delete", "patch", "head", "options"):
            rows.append((method.upper(), path, op["operationId"]))
rows.sort(key=lambda r: (r[1], r[0]))
out = [
    "//! The operation id of each method and path template of the pinned spec, which hooks and",
    "//! tracing report: written by `scripts/operation-table.py` from `spec/openrouter.openapi.json`",
    "//! (a unit test fails when they differ). Only a program that registers a hook or enables",
    "//! `tracing` links it.",
    "",
    "/// `(method, path template, operation id)`, sorted by path.",
    "pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[",
]
for m, p, i in rows:
    out.append(f'    ("{m}", "{p}", "{i}"),')
out.append("];")
(root / "src/core/operations.rs").write_text("\n".join(out) + "\n")
print(f"{len(rows)} operations")
