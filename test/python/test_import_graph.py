"""The layers' imports only go down (docs/architecture.md): an AST scan of
every module, function-level imports included.

- backends do not import passes (a backend runs IR, whatever made it);
- the core library (``attn_ir`` but its front ends ``cli``, ``api`` and
  ``sweep``)
  imports neither the backends nor the CLI;
- the pattern library imports no dialect (the dialects build on it);
- nothing but the layer assemblies names a system's module: every
  ``importlib.import_module`` call is in ``attn_ir/systems.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"attn_ir": ROOT / "attn_ir", "attn_ir.passes": ROOT / "passes",
            "attn_ir.backends": ROOT / "backends", "attn_ir.testing": ROOT / "testing"}
FRONT_ENDS = ("attn_ir.cli", "attn_ir.api", "attn_ir.sweep")


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            if any(name.startswith(p + ".") for p in PACKAGES if p != package and
                   p.startswith(package + ".")):
                continue
            found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """Modules ``name`` imports, resolved to absolute names (``from X
    import Y`` counts as X and X.Y)."""
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


MODULES = modules()


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(rule) -> list[str]:
    return sorted(f"{name} imports {target}" for name, path in MODULES.items()
                  for target in imports(name, path) if rule(name, target))


def test_the_scan_sees_every_layer():
    for name in ("attn_ir.dialects.attn", "attn_ir.passes.attn_tile",
                 "attn_ir.backends.hwmodel.program", "attn_ir.testing.differential",
                 "attn_ir.patterns.text", "attn_ir.passes.spatten.tile_patterns"):
        assert name in MODULES
    assert "attn_ir.patterns.base" in imports("attn_ir.patterns.text",
                                              MODULES["attn_ir.patterns.text"])


def test_backends_do_not_import_passes():
    assert violations(lambda n, t: _within(n, "attn_ir.backends")
                      and _within(t, "attn_ir.passes")) == []


def test_core_imports_neither_backends_nor_cli():
    def core(name):
        return (_within(name, "attn_ir") and not any(_within(name, p) for p in PACKAGES
                                                      if p != "attn_ir")
                and not any(_within(name, f) for f in FRONT_ENDS))

    assert violations(lambda n, t: core(n) and (
        _within(t, "attn_ir.backends") or _within(t, "attn_ir.cli"))) == []


def test_patterns_do_not_import_dialects():
    assert violations(lambda n, t: _within(n, "attn_ir.patterns")
                      and _within(t, "attn_ir.dialects")) == []


def test_module_names_are_looked_up_in_one_place():
    callers = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr == "import_module"
                    and name != "attn_ir.systems"):
                callers.append(name)
    assert callers == []


@pytest.mark.parametrize("rule", [test_backends_do_not_import_passes,
                                  test_patterns_do_not_import_dialects])
def test_a_violation_is_caught(rule, monkeypatch, tmp_path):
    """The rules fail when a module breaks them (a planted import)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from attn_ir.passes import attn_tile\nfrom attn_ir.dialects import attn\n")
    name = ("attn_ir.backends.bad" if rule is test_backends_do_not_import_passes
            else "attn_ir.patterns.bad")
    monkeypatch.setitem(MODULES, name, bad)
    with pytest.raises(AssertionError):
        rule()


@pytest.mark.parametrize("system", ["spatten", "vitcod", "sparse_flash"])
def test_a_system_is_named_only_where_its_path_says_so(system):
    """One system, one place: outside the systems list, a module that
    mentions a system (in code, comments or docs) has the system's name in
    its path."""
    import re

    word = re.compile(system.replace("_", "[ _-]?"), re.IGNORECASE)
    strays = []
    for folder in ("attn_ir", "passes", "backends"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "attn_ir/systems.py" or system in rel:
                continue
            if word.search(path.read_text()):
                strays.append(rel)
    assert strays == []


def test_the_package_root_holds_only_general_modules():
    modules = sorted(p.stem for p in (ROOT / "attn_ir").glob("*.py"))
    assert len(modules) <= 12, modules
