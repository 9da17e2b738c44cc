"""How far back a server's data goes, found with coarse then fine probes (app.span)."""

from __future__ import annotations

import pandas as pd

from capacity.app.span import data_span, metric_spans, missing_status, probe_query, recheck
from capacity.metrics.catalog import default_catalog
from capacity.sources import resolve

FIRST = pd.Timestamp("2026-11-20T13:37:00Z")
NOW = pd.Timestamp("2026-12-01T10:00:00Z")


class Probed:
    """A server whose only series has a sample every minute from FIRST to NOW; it answers
    data_times as Prometheus would for ``count(count_over_time(sel[step]))`` and records the asks."""

    name = "http://probed"

    def __init__(self) -> None:
        self.asked: list[tuple[str, pd.Timedelta]] = []

    def span(self) -> None:
        return None

    def data_times(self, query: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> list[pd.Timestamp]:
        self.asked.append((query, step))
        if "nothing_here" in query:
            return []
        points = pd.date_range(start, end, freq=step)
        return [t for t in points if t >= FIRST and t - step < NOW]  # a sample in (t - step, t]


def test_the_span_is_found_to_the_minute_with_two_queries_per_expression() -> None:
    src = Probed()
    span = data_span(src, ["cpu_utilization"], default_catalog(), end=NOW)  # type: ignore[arg-type]
    assert span is not None
    assert FIRST - pd.Timedelta(minutes=1) <= span[0] <= FIRST and span[1] == NOW
    assert len(src.asked) == 2 and src.asked[0][1] == pd.Timedelta(days=1) and src.asked[1][1] == pd.Timedelta("1min")
    assert src.asked[0][0].startswith("count(")  # the catalog expression, counted


def test_no_data_and_sources_that_know_their_span() -> None:
    assert data_span(Probed(), ["nothing_here"], default_catalog(), end=NOW) is None  # type: ignore[arg-type]
    sample = resolve("sample")
    assert data_span(sample, ["cpu_utilization"], default_catalog()) == sample.span()
    assert metric_spans(sample, ["cpu_utilization"], default_catalog()) == {}


def test_probe_queries_count_samples_of_a_selector_and_series_of_an_expression() -> None:
    assert probe_query('up{job="x"}', pd.Timedelta("1h")) == 'count(count_over_time(up{job="x"}[3600s]))'
    assert probe_query("sum(rate(x[5m]))", pd.Timedelta("1h")) == "count(sum(rate(x[5m])))"


def test_no_data_rows_with_minutes_on_the_server_become_too_little_data() -> None:
    spans = {"cpu_utilization": (NOW - pd.Timedelta(minutes=10), NOW), "disk_free_ratio": None}
    assert missing_status("cpu_utilization", spans, pd.Timedelta(days=28)) == (
        "too little data",
        "cpu_utilization: too little data (have 10 min of 28 d)",
    )
    assert missing_status("disk_free_ratio", spans, pd.Timedelta(days=28))[0] == "no data"
    table = pd.DataFrame(
        {
            "threshold": ["cpu", "disk"],
            "metric": ["cpu_utilization", "disk_free_ratio"],
            "status": ["no data", "no data"],
            "note": ["x", "y"],
        }
    )
    got = recheck(
        table, "status", spans, {"cpu": pd.Timedelta(days=28), "disk": pd.Timedelta(days=28)}, key="threshold"
    )
    assert list(got["status"]) == ["too little data", "no data"] and got.loc[1, "note"] == "y"
    assert list(table["status"]) == ["no data", "no data"]  # the input is not changed


def test_a_metric_met_at_one_grid_point_is_measured_by_its_span() -> None:
    """Minutes of samples that an hourly grid meets at one point: the history is the server's span of
    them (10 min), not the one point's nothing (0 min); a metric with two points is left as pulled."""
    from capacity.app.history import _collect
    from capacity.core import frame as _frame
    from capacity.sources.base import Pulled

    def pulled(uid: str, n: int) -> Pulled:
        ds = pd.date_range(NOW - pd.Timedelta(hours=n - 1), NOW, freq="h").as_unit("ns")
        frame = _frame.validate(pd.DataFrame({"unique_id": pd.Categorical([uid] * n), "ds": ds, "y": 0.5}), name="t")
        return Pulled(frame, pd.DataFrame({"unique_id": [uid]}))

    src = Probed()
    got = _collect(
        src,  # type: ignore[arg-type]
        ["cpu_utilization", "memory_utilization"],
        [pulled("cpu_utilization", 1), pulled("memory_utilization", 2)],
        NOW - pd.Timedelta(days=28),
        NOW,
        default_catalog(),
    )
    assert set(got.spans) == {"cpu_utilization"} and got.missing == ()
    spans = {"cpu_utilization": (NOW - pd.Timedelta(minutes=10), NOW)}
    table = pd.DataFrame(
        {
            "threshold": ["cpu", "memory"],
            "metric": ["cpu_utilization", "memory_utilization"],
            "status": ["too little data", "too little data"],
            "note": ["cpu_utilization: too little data (have 0 min of 28 d)", "as pulled"],
        }
    )
    needs = {"cpu": pd.Timedelta(days=28), "memory": pd.Timedelta(days=28)}
    out = recheck(table, "status", spans, needs, key="threshold")
    assert list(out["note"]) == ["cpu_utilization: too little data (have 10 min of 28 d)", "as pulled"]
