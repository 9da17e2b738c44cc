"""Figures: titled, with units, readable without colour, built from tidy frames."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as cf
from capacity.core.errors import DataError
from capacity.report import figures, table_html, write_png

EVIL = "<b>x</b><script>alert(1)</script>|*_[y](http://e)"


def _two_series():
    ds = pd.date_range("2026-07-01", periods=48, freq="h", tz="UTC")
    return cf.concat([cf.from_arrays("a", ds, np.arange(48.0)), cf.from_arrays(EVIL, ds, np.arange(48.0) * 2)])


def _assert_titled(fig, unit_fragment: str):
    assert fig.layout.title.text
    assert unit_fragment in (fig.layout.yaxis.title.text or "") + (fig.layout.xaxis.title.text or "")


def _lines_differ_without_colour(fig):
    styles = [(t.line.dash, t.marker.symbol) for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert len(set(styles)) == len(styles), styles


def test_series_lines_escape_names_and_differ_by_dash():
    fig = figures.series_lines(_two_series(), title="load", unit="1/s")
    _assert_titled(fig, "1/s")
    _lines_differ_without_colour(fig)
    names = [t.name for t in fig.data]
    assert "<script>" not in "".join(names) and "&lt;script&gt;" in "".join(names)


def test_heatmap_places_values_by_local_hour_and_weekday_across_dst():
    tz = "America/New_York"
    # four weeks across the November DST change, built from local wall-clock times
    local = pd.date_range("2026-10-19", periods=28 * 24, freq="h", tz=tz)
    y = local.hour + 100.0 * local.day_of_week  # the oracle: value encodes its local cell
    frame = cf.from_arrays("request_rate", local.tz_convert("UTC"), y)
    fig = figures.business_hours_heatmap(frame, title="requests", unit="1/s", tz=tz)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (7, 24)
    expected = np.arange(24)[None, :] + 100.0 * np.arange(7)[:, None]
    np.testing.assert_allclose(z, expected)
    assert list(fig.data[0].y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert fig.data[0].texttemplate  # values printed in cells
    rect = [s for s in fig.layout.shapes if s.type == "rect"][0]
    assert (rect.x0, rect.x1, rect.y0, rect.y1) == (8.5, 17.5, -0.5, 4.5)  # 09-18 Mon-Fri
    _assert_titled(fig, tz)


def test_compliance_marks_points_under_target_with_markers():
    ds = pd.date_range("2026-07-01", periods=5, freq="D", tz="UTC")
    frame = pd.DataFrame(
        {"slo": "error-rate", "ds": ds, "compliance": [0.999, 0.995, 0.98, 0.991, 0.9995], "target": 0.99}
    )
    fig = figures.compliance_over_time(frame)
    under = [t for t in fig.data if t.mode == "markers"]
    assert len(under) == 1 and list(under[0].y) == pytest.approx([98.0])
    target = [t for t in fig.data if t.line.dash == "dash" and "target" in (t.name or "")]
    assert target and list(target[0].y) == pytest.approx([99.0, 99.0])
    _assert_titled(fig, "%")


def test_budget_burndown_has_zero_line():
    ds = pd.date_range("2026-07-01", periods=3, freq="D", tz="UTC")
    fig = figures.budget_burndown(pd.DataFrame({"slo": ["s"] * 3, "ds": ds, "budget_remaining": [1.0, 0.4, -0.2]}))
    assert list(fig.data[0].y) == pytest.approx([100, 40, -20])
    assert any(s.y0 == 0 and s.y1 == 0 for s in fig.layout.shapes)
    _assert_titled(fig, "%")


def test_timelines_use_patterns_per_severity_and_exact_durations():
    eps = pd.DataFrame(
        {
            "slo": ["error-rate", "latency", "error-rate"],
            "start": pd.to_datetime(["2026-07-01 00:00", "2026-07-02 00:00", "2026-07-03 00:00"], utc=True),
            "end": pd.to_datetime(["2026-07-01 02:00", "2026-07-02 00:30", "2026-07-03 06:00"], utc=True),
            "severity": ["page", "ticket", "page"],
            "burn_rate": [14.4, 3.0, 15.0],
        }
    )
    fig = figures.burn_rate_episodes(eps)
    assert [t.name for t in fig.data] == ["page", "ticket"]
    assert fig.data[0].marker.pattern.shape != fig.data[1].marker.pattern.shape
    assert list(fig.data[0].x) == [2 * 3600e3, 6 * 3600e3]  # ms
    assert list(fig.data[0].text) == ["14.4x", "15.0x"]
    alerts = eps.rename(columns={"slo": "alert"})
    fig2 = figures.alert_timeline(alerts)
    assert fig2.layout.title.text and fig2.layout.xaxis.type == "date"


def test_fan_chart_bands_and_threshold():
    hist = pd.DataFrame({"ds": pd.date_range("2026-01-01", periods=10, freq="D", tz="UTC"), "y": np.arange(10.0)})
    ds = pd.date_range("2026-01-11", periods=5, freq="D", tz="UTC")
    m = np.arange(10.0, 15.0)
    fc = pd.DataFrame({"ds": ds, "mean": m, "lo-80": m - 1, "hi-80": m + 1, "lo-95": m - 2, "hi-95": m + 2})
    fig = figures.fan_chart(hist, fc, title="disk", unit="bytes", threshold=13.5, threshold_label="volume size")
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert "80% interval" in names and "95% interval" in names and "forecast (mean)" in names
    mean = [t for t in fig.data if t.name == "forecast (mean)"][0]
    assert mean.line.dash == "dash"
    assert any(s.y0 == 13.5 for s in fig.layout.shapes)
    assert any("volume size" in (a.text or "") for a in fig.layout.annotations)
    with pytest.raises(DataError) as info:
        figures.fan_chart(hist, fc.drop(columns="hi-95"), title="t", unit="u")
    assert info.value.column == "hi-95"


def test_time_to_threshold_caps_at_horizon_and_labels():
    table = pd.DataFrame(
        {
            "name": ["disk", "db", EVIL],
            "days": [30.0, np.nan, 120.0],
            "days_lo": [20.0, np.nan, 90.0],
            "days_hi": [45.0, np.nan, 200.0],
        }
    )
    fig = figures.time_to_threshold(table, horizon_days=90)
    bar = fig.data[0]
    assert list(bar.x) == [30.0, 90.0, 90.0]
    assert list(bar.text) == ["30 d", "not within 90 d", "not within 90 d"]
    assert list(bar.error_x.array) == [15.0, 0.0, 0.0] and list(bar.error_x.arrayminus) == [10.0, 0.0, 0.0]
    assert bar.y[0] == "disk" and "&lt;script&gt;" in bar.y[1] and bar.y[2] == "db"  # soonest first, none last


def test_table_html_escapes_label_values():
    out = table_html(pd.DataFrame({"series": [EVIL], "value": [1.5]}))
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>" not in out


def test_png_export_with_system_chromium(tmp_path):
    fig = figures.series_lines(_two_series(), title="load", unit="1/s")
    path = write_png(fig, tmp_path / "x.png", width=640, height=360)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (640, 360)


def test_table_html_shows_times_readably():
    t = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-10-25", None], utc=True),
            "at": pd.to_datetime(["2026-10-25 14:10", "2026-10-26 00:00"], utc=True),
        }
    )
    out = table_html(t)
    assert "<td>2026-10-25</td>" in out and "<td>2026-10-25 14:10 UTC</td>" in out
    assert "<td>2026-10-26 00:00 UTC</td>" in out and "<td>–</td>" in out


def test_ci_png_export_writes_files_and_bounds_a_hung_browser(tmp_path):
    from capacity.core.errors import ReportError
    from capacity.report.ci import write_pngs

    fig = figures.series_lines(_two_series(), title="load", unit="1/s")
    (out,) = write_pngs([("load", ("a.png", fig))], tmp_path)
    assert out == tmp_path / "a.png" and out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ReportError) as info:
        write_pngs([("load", ("b.png", fig))], tmp_path, timeout=0.01)  # the child cannot start that fast
    assert "did not finish within" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_time_to_threshold_labels_clear_of_bars_and_whiskers():
    table = pd.DataFrame(
        {"name": ["disk", "db"], "days": [30.0, np.nan], "days_lo": [20.0, np.nan], "days_hi": [45.0, np.nan]}
    )
    fig = figures.time_to_threshold(table, horizon_days=90)
    at = {a.text: a for a in fig.layout.annotations}
    label = at["30 d (95%: 20 to 45 d)"]
    assert label.x == 45.0 and label.xanchor == "left"  # past the whisker's end, not on it
    assert at["not within 90 d"].x == 90.0
    assert at["horizon 90 d"].yref == "paper" and at["horizon 90 d"].yanchor == "bottom"  # above the bars


def test_unit_axes_use_si_bytes_and_percent_and_heatmap_label_sits_above_the_grid():
    hist = pd.DataFrame({"ds": pd.date_range("2026-09-01", periods=3, freq="D", tz="UTC"), "y": [1e11, 2e11, 3e11]})
    fc = pd.DataFrame(
        {
            "ds": pd.date_range("2026-09-04", periods=2, freq="D", tz="UTC"),
            "mean": [4e11, 5e11],
            "lo-80": [3e11, 4e11],
            "hi-80": [5e11, 6e11],
            "lo-95": [2e11, 3e11],
            "hi-95": [6e11, 7e11],
        }
    )
    fig = figures.fan_chart(hist, fc, title="db", unit="bytes", threshold=6e11, threshold_label="volume")
    assert fig.layout.yaxis.tickformat == "~s" and fig.layout.yaxis.ticksuffix == "B"  # 200GB, not 200B
    assert any(a.text == "volume: 600 GB" for a in fig.layout.annotations)
    ratio = figures.series_lines(_two_series(), title="cpu", unit="ratio")
    assert ratio.layout.yaxis.tickformat.endswith("%")
    frame = pd.DataFrame(
        {"unique_id": "x", "ds": pd.date_range("2026-10-05", periods=7 * 24, freq="h", tz="UTC"), "y": 1.0}
    )
    heat = figures.business_hours_heatmap(frame, title="load", unit="1/s", tz="UTC")
    label = [a for a in heat.layout.annotations if "business hours" in a.text][0]
    assert label.y == -0.5 and label.yanchor == "bottom"  # the top edge of the reversed grid, outside the cells


def test_compliance_targets_labelled_once_outside_the_lines():
    ds = pd.date_range("2026-09-01", periods=3, freq="D", tz="UTC")
    frame = pd.concat(
        [
            pd.DataFrame({"slo": s, "ds": ds, "compliance": 0.995, "target": t})
            for s, t in (("a", 0.99), ("b", 0.99), ("c", 0.95))
        ]
    )
    fig = figures.compliance_over_time(frame)
    labels = sorted(a.text for a in fig.layout.annotations if a.text.startswith("target"))
    assert labels == ["target 95%", "target 99%"]
    assert all(a.xref == "paper" and a.x == 1 and a.xanchor == "left" for a in fig.layout.annotations)


def test_time_axes_in_the_report_zone_keep_exact_durations():
    tz = "America/New_York"
    frame = pd.DataFrame(
        {"unique_id": "x", "ds": pd.to_datetime(["2026-09-03 15:06", "2026-09-03 16:06"], utc=True), "y": [1.0, 2.0]}
    )
    fig = figures.series_lines(frame, title="x", unit="1/s", tz=tz)
    assert list(pd.to_datetime(fig.data[0].x)) == [pd.Timestamp("2026-09-03 11:06"), pd.Timestamp("2026-09-03 12:06")]
    assert fig.layout.xaxis.title.text == "time (America/New_York)"
    # an alert across the November DST change: bar starts at local wall time, lasts the real 3 hours
    eps = pd.DataFrame(
        {
            "alert": ["A"],
            "start": [pd.Timestamp("2026-11-01 05:00", tz="UTC")],
            "end": [pd.Timestamp("2026-11-01 08:00", tz="UTC")],
            "severity": ["high"],
        }
    )
    gantt = figures.alert_timeline(eps, tz=tz)
    assert pd.Timestamp(gantt.data[0].base[0]) == pd.Timestamp("2026-11-01 01:00")  # 01:00 EDT
    assert list(gantt.data[0].x) == [3 * 3600e3]
    assert list(gantt.data[0].customdata[0]) == ["2026-11-01 01:00 EDT", "2026-11-01 03:00 EST"]


def test_compliance_panels_are_one_per_slo_on_the_quarter_axis():
    from capacity.report.figures import compliance_panels

    ds = pd.date_range("2026-07-02", periods=60, freq="D", tz="UTC")
    frame = pd.concat(
        [
            pd.DataFrame({"slo": "a", "ds": ds, "compliance": np.linspace(0.995, 0.999, 60), "target": 0.99}),
            pd.DataFrame({"slo": "b", "ds": ds, "compliance": np.linspace(0.92, 0.86, 60), "target": 0.90}),
            pd.DataFrame({"slo": "c", "ds": ds, "compliance": 1.0, "target": 0.95}),
        ]
    )
    q = (pd.Timestamp("2026-07-01T04:00Z"), pd.Timestamp("2026-10-01T04:00Z"))
    fig = compliance_panels(frame, tz="America/New_York", x_range=q)
    titles = [a.text for a in fig.layout.annotations if a.text in ("a", "b", "c")]
    assert titles == ["a", "b", "c"]
    # every panel ends at the quarter's end (local wall clock), not at the last point
    for axis in ("xaxis", "xaxis2", "xaxis3"):
        assert pd.Timestamp(fig.layout[axis].range[1]) == pd.Timestamp("2026-10-01 00:00")
    # days under target are marked in b only
    marked = [t for t in fig.data if t.mode == "markers"]
    assert len(marked) == 1 and marked[0].name == "b under target"
    assert len(marked[0].x) == int((np.linspace(0.92, 0.86, 60) < 0.90).sum())
    # each panel has its own y range around its data and target
    assert fig.layout.yaxis.range[0] > 98 and fig.layout.yaxis2.range[0] < 86
