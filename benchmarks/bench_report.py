"""Rendering the quarterly review, cold, beside papermill running an empty notebook (the floor).

Each render is a fresh ``python -m capacity report quarterly_review`` process, as ``make report``
runs it; the first with an empty sample data directory (the bundled history is generated, as on
a fresh clone), the second with the generated history on disk. The floor is papermill executing
a notebook with one empty cell on the same kernel (this interpreter), in a fresh process too.
The breakdown comes from the executed notebook: papermill records each cell's duration, and the
quarterly review's cells are tagged ``phase-data``, ``phase-slo`` and ``phase-forecast``; the rest
of the cells is presentation, and the rest of the wall time (interpreter and kernel start,
papermill, nbconvert's HTML export, writing) is rendering.

Targets: under 60 s, and an HTML report under 10 MB.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

TARGET_SECONDS = 60.0
TARGET_BYTES = 10 * 10**6
PHASES = ("phase-data", "phase-slo", "phase-forecast")

_EMPTY = """
import sys
import nbformat
import papermill as pm
from capacity.report.rendering import KERNEL_NAME, ThisInterpreterKernelManager
nb = nbformat.v4.new_notebook()
cell = nbformat.v4.new_code_cell("")
cell.metadata["tags"] = ["parameters"]
nb.cells = [cell, nbformat.v4.new_code_cell("")]
nbformat.write(nb, sys.argv[1])
pm.execute_notebook(sys.argv[1], sys.argv[2], kernel_name=KERNEL_NAME, language="python", progress_bar=False,
                    kernel_manager_class=ThisInterpreterKernelManager)
"""


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return took


def _floor(tmp: Path, env: dict[str, str], runs: int = 3) -> float:
    script = tmp / "empty.py"
    script.write_text(_EMPTY)
    return statistics.median(
        _timed([sys.executable, str(script), str(tmp / "empty.ipynb"), str(tmp / f"empty-out{i}.ipynb")], env)
        for i in range(runs)
    )


def _breakdown(executed: Path) -> dict[str, float]:
    nb = nbformat.read(executed, as_version=4)
    out = {p: 0.0 for p in PHASES}
    out["presentation"] = 0.0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        took = float(cell.metadata.get("papermill", {}).get("duration") or 0.0)
        tags = [t for t in cell.metadata.get("tags", []) if t in PHASES]
        out[tags[0] if tags else "presentation"] += took
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as d:
        tmp = Path(d)
        env = dict(os.environ, CAPACITY_DATA_DIR=str(tmp / "data"), CAPACITY_CACHE_DIR=str(tmp / "cache"))
        floor = _floor(tmp, env)
        render = [sys.executable, "-m", "capacity", "report", "quarterly_review", "--out-dir", str(tmp / "reports")]
        first = _timed(render, env)  # empty data dir: the bundled history is generated first
        second = _timed(render, env)  # history on disk
        html = tmp / "reports" / "quarterly_review.html"
        executed = tmp / "reports" / "quarterly_review.ipynb"
        phases = _breakdown(executed)
        cells = sum(phases.values())
        size_html, size_nb = html.stat().st_size, executed.stat().st_size

    print(f"floor: papermill, empty notebook, fresh process      {floor:7.2f} s")
    print(f"quarterly review, cold (history generated first)     {first:7.2f} s   {first / floor:6.1f}x floor")
    print(f"quarterly review, cold process, history on disk      {second:7.2f} s   {second / floor:6.1f}x floor")
    print("breakdown of the second render:")
    for name, label in (
        ("phase-data", "data (pulls)"),
        ("phase-slo", "SLO"),
        ("phase-forecast", "forecast"),
        ("presentation", "setup and presentation cells"),
    ):
        print(f"  {label:<34} {phases[name]:7.2f} s   {phases[name] / second:6.1%}")
    rest = second - cells
    print(
        f"  {'rendering (start, papermill, HTML)':<34} {rest:7.2f} s   {rest / second:6.1%}"
        f"   ({rest / floor:.1f}x floor)"
    )
    print(f"report: HTML {size_html / 1e6:.2f} MB, notebook {size_nb / 1e6:.2f} MB")
    ok_time = max(first, second) < TARGET_SECONDS
    ok_size = size_html < TARGET_BYTES
    print(
        f"targets: render < {TARGET_SECONDS:.0f} s {'met' if ok_time else 'MISSED'}; "
        f"HTML < {TARGET_BYTES / 1e6:.0f} MB {'met' if ok_size else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
