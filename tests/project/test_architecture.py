"""Every import in the package keeps the layering that ARCHITECTURE.md draws."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "smsc_soap"
FACE = {"smsc_soap", "smsc_soap.__main__"}
"""The package's face, which loads public names from every layer."""
APART = {"sandbox", "gateway"}
"""Programs of one layer that must not import each other."""


def layers() -> dict[str, int]:
    """Each top-level package or module of ``smsc_soap`` and its layer, from the table."""
    table = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    found: dict[str, int] = {}
    for row in re.finditer(r"^\| (\d+) \|[^\n]*\| ([^|\n]+) \|$", table, re.M):
        for name in re.findall(r"`(\w+)`", row.group(2)):
            found[name] = int(row.group(1))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The ``smsc_soap`` modules ``path`` imports, at its top or within a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module or "")
    return {name for name in found if name.split(".")[0] == "smsc_soap"}


def top(module: str) -> str:
    """The top-level package or module of ``smsc_soap`` that ``module`` is in."""
    return module.split(".")[1] if "." in module else module


def test_the_table_places_every_package_and_module() -> None:
    placed = layers()
    present = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem not in {"__init__", "__main__"})
        or (path / "__init__.py").exists()
    }
    assert present == set(placed)


def test_the_top_level_holds_only_the_public_surface_and_packages() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules == {
        "__init__",
        "__main__",
        "async_client",
        "callbacks",
        "client",
        "errors",
        "models",
        "options",
    }


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    placed = layers()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        if importer in FACE:
            continue
        own = top(importer)
        for imported in imports(path):
            other = top(imported)
            # The face's public names come from the client's layer and below.
            layer = placed["client"] if imported == "smsc_soap" else placed[other]
            if layer > placed[own]:
                wrong.append(f"{importer} (layer {placed[own]}) imports {imported}")
            elif own in APART and other in APART and own != other:
                wrong.append(f"{importer} imports {imported}")
    assert wrong == []


def test_the_check_finds_an_import_from_above(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from smsc_soap.gateway import app\n")
    assert imports(module) == {"smsc_soap.gateway"}
    assert layers()["gateway"] > layers()["runtime"]
