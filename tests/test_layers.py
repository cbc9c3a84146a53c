"""The package's imports point down its layers only (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).parents[1] / "aicontagion"

LAYERS = {  # rank: a module may import from its own folder and from lower ranks only
    "core": 0,
    "network": 1,
    "scenarios": 2,
    "mechanisms": 3,
    "agents": 4,
    "policies": 4,
    "results": 4,
    "model": 5,
    "sim": 6,
    "runs": 7,
    "viz": 7,
    "validation": 7,
    "demo": 8,
    "cli": 8,
    "__main__": 9,
    "__init__": 9,
}
LAZY_OK = {"cli.py", "__main__.py"}  # a command line may import lazily to start fast


def _unit(module: str) -> str:
    """The layer unit of a dotted module name: its folder under the package, or the top module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(imported aicontagion module, line, inside a function)`` of a file."""
    tree = ast.parse(path.read_text())
    inner = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            inner |= {id(n) for n in ast.walk(fn)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aicontagion"):
            mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            mods = [m for m in mods if m.count(".") >= 1] or [node.module]
            out += [(node.module, node.lineno, id(node) in inner)]
            if node.module == "aicontagion":
                out += [(f"aicontagion.{a.name}", node.lineno, id(node) in inner) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in inner) for a in node.names if a.name.startswith("aicontagion")]
    return out


def _files():
    return sorted(PKG.rglob("*.py"))


def _unit_of_file(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_imports_point_down_the_layers():
    bad = []
    for path in _files():
        here = _unit_of_file(path)
        for module, line, _ in _imports(path):
            there = _unit(module)
            if there == "__init__" or there == here:
                continue
            if LAYERS[there] >= LAYERS[here]:
                bad.append(f"{path.relative_to(PKG.parent)}:{line} ({here}) imports {module} ({there})")
    assert not bad, "upward or sideways imports:\n" + "\n".join(bad)


def test_no_package_imports_inside_functions():
    bad = [
        f"{p.relative_to(PKG.parent)}:{line}"
        for p in _files()
        if p.name not in LAZY_OK
        for _, line, inner in _imports(p)
        if inner
    ]
    assert not bad, bad


def test_no_private_names_across_modules():
    bad = []
    for path in _files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aicontagion"):
                bad += [
                    f"{path.relative_to(PKG.parent)}: {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
    assert not bad, bad


def test_every_folder_is_a_known_layer_with_a_readme():
    folders = {p.name for p in PKG.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders <= set(LAYERS), folders - set(LAYERS)
    tops = {p.stem for p in PKG.glob("*.py")}
    assert tops <= set(LAYERS) and len(tops) <= 10, tops
    for f in folders - {"scenarios"} | {"scenarios"}:
        assert (PKG / f / "README.md").is_file(), f"{f}/ has no README.md"
