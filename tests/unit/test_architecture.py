"""The layering the README's architecture section describes, checked on the source itself."""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "capacity"


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (p, is_pkg)
    return out


def _imports(mod: str, path: Path, is_pkg: bool, mods: dict[str, tuple[Path, bool]]) -> set[str]:
    """Modules of the package that ``mod`` imports (at module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in mods:
                    found.add(sub)
                elif target in mods and not sub.endswith("._valuesc"):  # the optional C extension
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in mods)
    found.discard(mod)
    return found


def test_no_import_cycles() -> None:
    mods = _modules()
    graph = {m: _imports(m, p, pkg, mods) for m, (p, pkg) in mods.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n) :] + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_engines_do_not_reach_up() -> None:
    """slo/ and forecasting/ are pure: they never import sources, app, cli or report."""
    mods = _modules()
    for m, (p, pkg) in mods.items():
        if m.startswith(("capacity.slo", "capacity.forecasting", "capacity.core", "capacity.metrics")):
            bad = {
                n
                for n in _imports(m, p, pkg, mods)
                if n.startswith(("capacity.sources", "capacity.app", "capacity.cli", "capacity.report", "capacity.api"))
            }
            assert not bad, f"{m} imports {sorted(bad)}"


def test_cli_and_api_go_through_app() -> None:
    """The ways in call use cases, not sources or the SLO engine's fetch step of their own."""
    mods = _modules()
    for m, (p, pkg) in mods.items():
        if m.startswith("capacity.cli") or m == "capacity.api":
            bad = {
                n
                for n in _imports(m, p, pkg, mods)
                if n.startswith("capacity.slo.engine") or n == "capacity.sources.base"
            }
            assert not bad, f"{m} imports {sorted(bad)}"


def test_notebooks_import_only_the_public_packages() -> None:
    allowed = ("capacity", "capacity.app", "capacity.report")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        for cell in cells:
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
                )
                for name in names:
                    if name.startswith("capacity"):
                        assert name in allowed, f"{nb.name} imports {name}"


def test_reports_present_and_compute_nothing() -> None:
    """report/ shows results: it never calls the forecasting pipeline or the SLO engine itself."""
    mods = _modules()
    for m, (p, pkg) in mods.items():
        if m.startswith("capacity.report"):
            bad = {
                n
                for n in _imports(m, p, pkg, mods)
                if n.startswith(
                    ("capacity.forecasting", "capacity.slo.engine", "capacity.slo.overtime", "capacity.app")
                )
            }
            assert not bad, f"{m} imports {sorted(bad)}"


def test_import_capacity_stays_light() -> None:
    """``import capacity`` (and so every forecasting worker process) loads no plotting or notebook stack."""
    import subprocess
    import sys

    heavy = "('plotly', 'papermill', 'nbconvert', 'jupyter_client')"
    code = f"import capacity, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
