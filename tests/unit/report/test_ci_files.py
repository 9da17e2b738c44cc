"""The CI files are written even when the charts cannot be drawn: the verdict matters more."""

from __future__ import annotations

import json

import pandas as pd

import capacity
from capacity.core.errors import ReportError
from capacity.report import ci
from capacity.report.summary import from_time_to_threshold, summarize


def test_a_failed_png_export_leaves_the_verdict_and_says_why(tmp_path, monkeypatch):
    levels = capacity.pull(["disk_free_ratio"], start="2026-06-01", end="2026-10-01", step="1h")
    ttt = capacity.time_to_threshold(levels, "90d")
    summary = summarize(
        from_time_to_threshold(ttt), as_of=levels["ds"].max(), horizon=pd.Timedelta(days=90), source="sample"
    )
    assert len(summary.table)  # something to chart

    def broken(items, out_dir, **kw):  # chromium died under load: a fault the real browser gives only now and then
        raise ReportError("PNG export failed twice: chromium wrote no time-to-threshold.png", notebook="")

    monkeypatch.setattr(ci, "write_pngs", broken)
    got = ci.write_ci(summary, [], horizon=pd.Timedelta(days=90), out_dir=tmp_path)
    assert got.charts == () and "chromium wrote no" in got.chart_trouble
    doc = json.loads(got.json.read_text())
    assert doc["thresholds"] and doc["status"] in ("ok", "crossed")
    md = got.markdown.read_text()
    assert "Charts could not be drawn: PNG export failed twice" in md and "](capacity-forecast" not in md
