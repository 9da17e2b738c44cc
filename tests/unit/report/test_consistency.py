"""One threshold, one set of numbers: the review's table, the CI JSON, the CI Markdown and the CI
bar chart's labels give the same crossing dates and intervals when they learn from the same history
(each is parsed back from what a reader sees, then compared)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from capacity.app import forecast as app_forecast
from capacity.app import headroom as app_headroom
from capacity.app import review
from capacity.forecasting.thresholds import threshold_metrics
from capacity.report import ci

H = pd.Timedelta(days=90)


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    out = tmp_path_factory.mktemp("ci")
    # the sample's threshold metrics over 120 days, hourly: the same frame reaches both views
    inputs = app_forecast.Inputs(source="sample", start="2026-06-03", end="2026-10-01", step="1h")
    result = app_forecast.forecast_ci(inputs, H, out_dir=out, charts=False)
    hist = inputs.history(H, "test", threshold_metrics(), require_all=False, allow_empty=True)
    # the services' latency SLO at forecast load: the same rows the review's capacity phase adds
    extra = app_headroom.threshold_rows(app_headroom.headroom(source="sample", end=inputs.end, horizon=H))
    th = review.thresholds(hist.frame, H, source="sample", extra=extra)
    return result, th, out


def _date(v) -> pd.Timestamp | None:
    return None if v is None else pd.Timestamp(v).normalize()


def test_the_review_table_and_the_ci_json_agree(views):
    result, th, out = views
    doc = json.loads((out / "capacity-forecast.json").read_text())
    rows = {r["rule"]: r for r in doc["thresholds"]}
    table = th.table.set_index("threshold")
    assert rows, "nothing was forecast"
    for rule, r in rows.items():
        t = table.loc[rule]
        if t["status"] == "already crossed":
            assert _date(r["crossing"]) == _date(t["last_ds"])
            continue
        for mine, theirs in (("crossing", "most_likely"), ("crossing_early", "earliest"), ("crossing_late", "latest")):
            want = None if pd.isna(t[theirs]) else pd.Timestamp(t[theirs]).normalize()
            assert _date(r[mine]) == want, (rule, mine, r[mine], t[theirs])
    # and the verdicts: the review's own summary of the same table says the same
    assert th.verdict.crossed == doc["crossed"] and th.verdict.at_risk == doc["at_risk"]


def test_the_markdown_shows_the_json_dates(views):
    result, th, out = views
    doc = json.loads((out / "capacity-forecast.json").read_text())
    md = (out / "capacity-forecast.md").read_text().replace("\\", "")
    for r in doc["thresholds"]:
        row = next(line for line in md.splitlines() if line.startswith("|") and r["name"] in line)
        for key, days in (("crossing", "days"), ("crossing_early", "days_early")):
            if r[key] is None or r[days] > H / pd.Timedelta(days=1):
                continue
            shown = f"{pd.Timestamp(r[key]):%Y-%m-%d} (in {r[days]:,.0f} d)"
            assert shown in row, (shown, row)


def test_the_bar_chart_labels_show_the_json_days(views):
    result, th, out = views
    doc = json.loads((out / "capacity-forecast.json").read_text())
    items = ci._charts(result.summary, [], H, {})
    fig = dict(items)["Time to threshold"][1]
    texts = [str(a.text) for a in fig.layout.annotations]
    assert any(r["within"] for r in doc["thresholds"]), "no threshold crosses: the check would be empty"
    for r in doc["thresholds"]:
        if not r["within"]:
            continue
        want = f"{r['days']:.0f} d (95%: {max(r['days_early'], 0):.0f}"
        assert any(want in t for t in texts), (want, texts)
        if r["days_late"] is not None:
            assert any(f"{want} to {r['days_late']:.0f} d)" in t for t in texts), (r, texts)
