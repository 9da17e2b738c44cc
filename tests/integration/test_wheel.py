"""A built package carries the notebooks: sdist -> wheel -> fresh venv -> ``capacity report``.

``python -m build`` builds the sdist, then the wheel from the unpacked sdist (so
MANIFEST.in and setup.py's notebook copy are both exercised). The wheel goes into a
new virtualenv with ``--no-deps``; the dependencies come from this venv through a
``.pth`` line naming its site-packages (a directory named in a .pth is put on
sys.path but its own .pth files, among them the editable install's finder, are not
run, so ``capacity`` is imported from the wheel). Everything runs from a directory
outside the repository. Offline: the build uses this venv's setuptools (--no-isolation).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
# small parameters, as in test_notebooks.py (SMALL), plus the quarterly review
SMALL = {
    "explore": ["days=3"],
    "slo_compliance": ["window=7d", "every=1d"],
    "capacity_forecast": ["history_days=120", "horizon_days=30"],
    "quarterly_review": ["history_days=120", "horizon_days=30"],
}


def _run(cmd: list[str | Path], *, timeout: float = 300, check: bool = True, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the fresh venv, the environment to run it with)."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, REPO], timeout=300)
    wheels = list(dist.glob("capacity-*.whl"))
    assert len(wheels) == 1 and list(dist.glob("capacity-*.tar.gz")), sorted(p.name for p in dist.iterdir())

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    # pip of this venv installs into the new one (which has no pip and, yet, no .pth: nothing to uninstall)
    _run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index", wheels[0]])
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (site / "zz_project_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPACITY_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # nbconvert's templates: pip would have put them under the new venv's share/jupyter
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["CAPACITY_DATA_DIR"] = str(REPO / "data")  # reuse the generated sample history (a cache)
    env["CAPACITY_CACHE_DIR"] = str(root / "cache")
    env["HOME"] = str(root / "home")
    (root / "home").mkdir()
    return venv, env


def test_the_wheel_lists_and_renders_every_notebook(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    venv, env = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = _run(
        [
            venv / "bin" / "python",
            "-c",
            "import capacity; from capacity.report.rendering import notebooks_dir; "
            "print(capacity.__file__); print(notebooks_dir())",
        ],
        cwd=elsewhere,
        env=env,
    )
    module, nbdir = probe.stdout.split()
    assert Path(module).is_relative_to(venv), module  # the wheel, not the editable checkout
    assert Path(nbdir).is_relative_to(venv) and Path(nbdir).name == "notebooks", nbdir

    capacity = venv / "bin" / "capacity"
    listing = _run([capacity, "report", "--list"], cwd=elsewhere, env=env).stdout
    listed = [line for line in listing.splitlines() if line and not line.startswith(" ")]
    assert sorted(listed) == NOTEBOOKS == sorted(SMALL)

    def render(name: str) -> subprocess.CompletedProcess[str]:
        params = [a for p in SMALL[name] for a in ("-p", p)]
        return _run([capacity, "report", name, *params, "--out-dir", "out"], cwd=elsewhere, env=env, check=False)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two kernels at a time: CI has two cores
        results = dict(zip(NOTEBOOKS, pool.map(render, NOTEBOOKS), strict=True))
    failed = {n: r.stderr.strip().splitlines()[-1:] for n, r in results.items() if r.returncode != 0}
    assert not failed, failed
    for name in NOTEBOOKS:
        html = elsewhere / "out" / f"{name}.html"
        assert html.is_file(), name
        assert "Traceback" not in html.read_text(), name
        nb = nbformat.read(elsewhere / "out" / f"{name}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, (name, errors)
        assert not any(
            o.get("name") == "stderr" and "Traceback" in o.get("text", "")
            for c in nb.cells
            for o in c.get("outputs", [])
        )


def test_no_notebooks_is_an_error_saying_where_it_looked(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _run(
        [venv / "bin" / "capacity", "report", "--list"],
        cwd=tmp_path,
        env={**env, "CAPACITY_NOTEBOOKS": str(empty)},
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(empty) in lines[0], proc.stderr
