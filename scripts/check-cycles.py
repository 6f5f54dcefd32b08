#!/usr/bin/env python3
"""No two files of one module tree use each other: a cycle between sibling modules means neither
can be read (or moved) without the other. For every crate and nested module directory, reads each
file's code (comments and doc links left out), collects the sibling modules it names through
`crate::`, `super::` or a `use` group, and fails naming every pair that names each other.

usage: python3 scripts/check-cycles.py
"""
import itertools
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def code(path):
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//"))


def siblings_named(text, modules):
    named = set(re.findall(r"\b(?:crate|super)::(\w+)", text))
    for group in re.findall(r"use (?:crate|super)::\{([^;]*)\};", text, re.S):
        named |= set(re.findall(r"(?:^|[,{\s])(\w+)(?=::|\s*[,}]|\s*$)", group))
    return named & modules


def main():
    problems = []
    for directory in sorted({p.parent for p in ROOT.glob("**/src/**/*.rs")}):
        if "target" in directory.parts or "node_modules" in directory.parts:
            continue
        files = {p.stem: p for p in directory.glob("*.rs") if p.stem not in ("lib", "main", "mod")}
        modules = set(files)
        uses = {m: siblings_named(code(p), modules) - {m} for m, p in files.items()}
        for a, b in itertools.combinations(sorted(modules), 2):
            if b in uses[a] and a in uses[b]:
                problems.append(f"{directory.relative_to(ROOT)}: {a}.rs and {b}.rs use each other")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print("no cycles between sibling modules")


main()
