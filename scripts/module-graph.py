#!/usr/bin/env python3
"""The module graph of `src/`: which module uses which, and no circle in it.

Reads every `crate::…` and `super::…` path in the library's sources (comments and doc text
skipped), resolves names re-exported by `src/lib.rs` and `src/core.rs` to the module that
defines them, and prints the edges between the crate's top-level modules and between the
submodules of `core`. Exits 1 when either graph has a circle. `--dot` prints Graphviz instead.

A module's own tests (`#[cfg(test)] mod tests`) may use anything and are not counted.
"""
import os
import re
import sys
from pathlib import Path

SRC = Path(os.environ.get("MODULE_GRAPH_SRC") or Path(__file__).resolve().parent.parent / "src")
PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{[^}]*\})")


def module_of(file: Path) -> list[str]:
    rel = file.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def code_lines(text: str) -> str:
    """The text without comments and without a trailing `#[cfg(test)] mod tests { … }`."""
    text = re.split(r"#\[cfg\(test\)\]\s*mod tests\b", text)[0]
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def reexports(file: Path, base: list[str]) -> dict[str, list[str]]:
    """`pub use x::{A, B}` in `file` (a module at `base`): name -> the module it comes from."""
    out = {}
    text = code_lines(file.read_text())
    for m in re.finditer(r"pub(?:\(crate\))?\s+use\s+([^;]+);", text):
        spec = " ".join(m.group(1).split())
        head, _, names = spec.partition("::{")
        if names:
            items = [n.strip() for n in names.rstrip("}").split(",") if n.strip()]
        else:
            head, _, last = spec.rpartition("::")
            items = [last]
        path = [p for p in head.split("::") if p]
        if path and path[0] == "crate":
            target = path[1:]
        else:
            target = base + path
        for item in items:
            out[item.split(" as ")[-1].strip()] = target
    return out


def main() -> int:
    dot = "--dot" in sys.argv
    root_names = reexports(SRC / "lib.rs", [])
    core_names = reexports(SRC / "core.rs", ["core"])
    edges: set[tuple[str, str]] = set()
    for file in sorted(SRC.rglob("*.rs")):
        me = module_of(file)
        text = code_lines(file.read_text())
        for m in PATH.finditer(text):
            kind, rest = m.group(1), m.group(2)
            names = [n for n in re.split(r"[:{}, ]+", rest) if n]
            if kind == "crate":
                target = names[:2]
                if target and target[0] in root_names:
                    target = root_names[target[0]][:2]
            else:
                parent = me[:-1] if file.name not in ("mod.rs", "lib.rs") else me[:-1]
                target = parent + names[:1]
                if parent == ["core"] and names and names[0] in core_names:
                    target = core_names[names[0]]
            if not target:
                continue
            if target[:1] == ["core"] and len(target) > 1 and target[1] in core_names:
                target = core_names[target[1]]
            # Top level: first segment; inside core: the submodule (when it is one).
            a = "::".join(me[:2]) if me[:1] == ["core"] else (me[0] if me else "lib")
            b = target[0]
            if b == "core" and len(target) > 1 and (SRC / "core" / f"{target[1]}.rs").exists():
                b = f"core::{target[1]}"
            known = (SRC / f"{target[0]}.rs").exists() or (SRC / target[0]).is_dir()
            if known and a != b:
                edges.add((a, b))
    # Compare at two levels: top-level modules, and the submodules of core.
    def top(n: str) -> str:
        return n.split("::")[0]

    graphs = {
        "crate": {(top(a), top(b)) for a, b in edges if top(a) != top(b) and a != "lib"},
        "core": {(a, b) for a, b in edges if a.startswith("core::") and b.startswith("core::")},
    }
    if dot:
        print("digraph modules {")
        for a, b in sorted(graphs["crate"] | graphs["core"]):
            print(f'  "{a}" -> "{b}";')
        print("}")
    failed = False
    for name, g in graphs.items():
        print(f"{name}:")
        nodes = sorted({n for e in g for n in e})
        for n in nodes:
            uses = sorted(b for a, b in g if a == n)
            print(f"  {n} -> {', '.join(uses) if uses else '(nothing)'}")
        cycle = find_cycle(g)
        if cycle:
            print(f"  CIRCLE: {' -> '.join(cycle)}")
            failed = True
        else:
            print("  no circle")
    return 1 if failed else 0


def find_cycle(edges: set[tuple[str, str]]):
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, [])):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if state.get(m) is None:
                found = visit(m)
                if found:
                    return found
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(graph):
        if state.get(n) is None:
            found = visit(n)
            if found:
                return found
    return None


if __name__ == "__main__":
    sys.exit(main())
