"""The code's layout as the README describes it: one package per stage, each saying what it owns, and a
module map ("How it fits together") that names every module there is and nothing that is not."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

SECTION = re.compile(r"^## How it fits together\n(.*?)^## ", re.S | re.M)


def _module_map() -> set[str]:
    """Every path the README's module map names (a row may name a .py and its data file)."""
    section = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8")).group(1)
    named = set()
    for row in re.findall(r"^\| (.+?) \|", section, re.M):
        paths = re.findall(r"`([\w/.]+\.(?:py|js|csv))`", row)
        folder = paths[0].rsplit("/", 1)[0] if paths and "/" in paths[0] else ""
        named |= {p if "/" in p or not folder else f"{folder}/{p}" for p in paths}
    return named


def _tree() -> set[str]:
    files = {p.relative_to(ROOT).as_posix() for ext in ("py", "js", "csv") for p in (ROOT / "geo").rglob(f"*.{ext}")}
    return {f for f in files if not f.endswith(("__init__.py", "__main__.py"))} | {"dashboard.py"}


def test_the_module_map_names_every_module_and_only_those():
    named, tree = _module_map(), _tree()
    assert not tree - named, f"modules missing from README 'How it fits together': {sorted(tree - named)}"
    assert not named - tree, f"README names modules that do not exist: {sorted(named - tree)}"


def test_every_package_says_what_it_owns():
    for init in sorted((ROOT / "geo").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 8, f"{init.relative_to(ROOT)} has no docstring saying what it owns"
