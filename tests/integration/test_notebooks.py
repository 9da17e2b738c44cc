"""Every shipped notebook executes against the bundled history; secrets stay out of every output.

The notebooks run exactly as ``capacity report NAME`` runs them (papermill on this
interpreter's kernel), with small parameters to keep the suite quick. The
quarterly review itself is rendered (and opened in Chromium) in
test_report_browser.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from capacity.report import available, render

pytestmark = pytest.mark.integration

SMALL = {
    "explore": {"days": 3},
    "slo_compliance": {"window": "7d", "every": "1d"},
    "capacity_forecast": {"history_days": 120, "horizon_days": 30},
}


def _errors(nb_path: Path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    return [
        f"{o.ename}: {o.evalue}"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


def test_every_notebook_is_covered():
    assert set(available()) == set(SMALL) | {"quarterly_review"}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_executes_on_the_bundled_history(name, tmp_path):
    result = render(name, SMALL[name], out_dir=tmp_path)
    assert not _errors(result.notebook)
    page = result.html.read_text()
    assert "Traceback" not in page  # nothing crashed into the page
    executed = nbformat.read(result.notebook, as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    from capacity.report.params import parse_assignments

    given = {k: p.default for k, p in parse_assignments(injected.source).items()}
    assert given == SMALL[name]


def _visible_text(page: str) -> str:
    import re

    return re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page, flags=re.S)


def test_slo_compliance_of_one_slo_over_a_month(tmp_path):
    result = render("slo_compliance", {"slo": "error-rate", "window": "2026-09"}, out_dir=tmp_path)
    text = _visible_text(result.html.read_text())
    assert "error-rate" in text and "latency-p95" not in text
    assert "2026-09" in text


def test_the_forecast_verdict_says_what_it_could_not_forecast(tmp_path):
    """A source with CPU and memory only: the verdict on those two says the other four were not forecast."""
    import capacity

    hist = capacity.pull(["cpu_utilization", "memory_utilization"], start="2026-07-01", end="2026-10-01", step="1h")
    hist.to_csv(tmp_path / "two.csv", index=False)
    params = {**SMALL["capacity_forecast"], "source": str(tmp_path / "two.csv")}
    text = " ".join(_visible_text(render("capacity_forecast", params, out_dir=tmp_path).html.read_text()).split())
    assert "No threshold is crossed within 30 days by the mean forecast (4 not forecast: see the table below)." in text


TOKEN = "cap-test-token-7f3a9c1e5b"  # a value no output could hold by chance


def _files_holding(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits


def test_bearer_token_never_reaches_any_output(prometheus, tmp_path, monkeypatch):
    """Reports and the CI forecast against a real Prometheus with a bearer token configured."""
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", TOKEN)
    cache = Path(os.environ["CAPACITY_CACHE_DIR"])
    out = tmp_path / "reports"
    render("explore", {"source": prometheus.url, "days": 7, "metric": "request_rate"}, out_dir=out)
    render(
        "slo_compliance",
        {"source": prometheus.url, "slo": "error-rate", "window": "7d", "end": prometheus.end.isoformat()},
        out_dir=out,
    )
    ci = subprocess.run(
        [
            sys.executable,
            "-m",
            "capacity",
            "forecast",
            "--ci",
            "--horizon",
            "14d",
            "--source",
            prometheus.url,
            "--start",
            "2026-08-20",
            "--end",
            prometheus.end.isoformat(),
            "--ci-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert ci.returncode in (0, 1), ci.stderr
    assert "wrote" in ci.stdout, ci.stderr[-3000:]  # exit 1 is also what an uncaught exception gives
    assert TOKEN not in ci.stdout + ci.stderr
    produced = sorted(p.name for p in out.iterdir())
    for expected in (
        "explore.html",
        "explore.ipynb",
        "slo_compliance.html",
        "slo_compliance.ipynb",
        "capacity-forecast.md",
        "capacity-forecast.json",
    ):
        assert expected in produced
    assert any(cache.rglob("*")), "the pulls were expected to fill the cache"
    assert _files_holding(out, TOKEN) == [] and _files_holding(cache, TOKEN) == []
    doc = json.loads((out / "capacity-forecast.json").read_text())
    assert doc["source"].startswith("http://127.0.0.1:")


def test_reports_take_the_project_file_spec_and_planning(tmp_path: Path) -> None:
    """``config``, ``spec_file`` and ``planning_file`` reach the notebooks (they used to hard-code the defaults)."""
    cfg = tmp_path / "capacity.yaml"
    cfg.write_text(
        """\
slos:
  extends: default
  slos:
    - name: cpu-below-80
      objective: 0.9
      window: 7d
      sli: {kind: gauge_range, metric: cpu_utilization, upper: 0.8}
"""
    )
    out = tmp_path / "out"
    got = render("slo_compliance", {"config": str(cfg), "window": "7d"}, out_dir=out)
    assert got.html is not None and "cpu-below-80" in got.html.read_text()
    planning = tmp_path / "planning.yaml"
    text = (Path(__file__).resolve().parents[2] / "capacity/defaults/planning.yaml").read_text()
    planning.write_text(text.replace("text: Disk space below 10% free", "text: Disk nearly full (team rule)"))
    got = render(
        "capacity_forecast",
        {"planning_file": str(planning), "history_days": 120, "horizon_days": 30},
        out_dir=out,
    )
    assert got.html is not None and "Disk nearly full (team rule)" in got.html.read_text()
    assert _errors(got.notebook) == []
