#!/usr/bin/env python3
"""Lists module cycles inside each crate: an edge A -> B when a file of top-level module A
names `crate::B` (in a path or a `use crate::{…}` list). Exit 1 if any crate has a cycle.

Usage: python3 scripts/module-cycles.py   (from the repository root)
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")


def top_module(src, path):
    rel = os.path.relpath(path, src)
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def reexports(src):
    """Names lib.rs re-exports (`pub use m::{A, B}`), by the module that defines them."""
    lib = os.path.join(src, "lib.rs")
    out = {}
    if os.path.exists(lib):
        text = strip_comments(open(lib, encoding="utf-8").read())
        for m, names in re.findall(r"pub use ([a-z_][a-z0-9_]*)::\{?([^;]*?)\}?;", text):
            for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", names):
                out[n] = m
    return out


def edges(src):
    graph = {}
    names_of = reexports(src)
    for dirpath, _, files in os.walk(src):
        for f in files:
            # Unit tests in a file of their own (`#[cfg(test)] mod tests;`) may reach anywhere.
            if not f.endswith(".rs") or f == "tests.rs":
                continue
            path = os.path.join(dirpath, f)
            a = top_module(src, path)
            if a in ("lib", "main"):
                continue
            text = strip_comments(open(path, encoding="utf-8").read())
            # Leave out unit tests: they may reach anywhere.
            text = re.split(r"#\[cfg\(test\)\]", text)[0]
            names = set(re.findall(r"\bcrate::([A-Za-z_][A-Za-z0-9_]*)", text))
            for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
                names.update(re.findall(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)", group))
            names = {names_of.get(n, n) for n in names}
            graph.setdefault(a, set()).update(n for n in names if n != a)
    return graph


def cycles(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    found = False
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if not os.path.isdir(src):
            continue
        graph = edges(src)
        for comp in cycles(graph):
            found = True
            inside = "; ".join(
                f"{a} -> {', '.join(sorted(b for b in graph[a] if b in comp))}" for a in comp
            )
            print(f"{crate}: {' <-> '.join(comp)}  ({inside})")
    if not found:
        print("no module cycles in any crate")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
