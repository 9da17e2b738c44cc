"""Pieces of the Prometheus source that need no server: grid cutting, answer parsing, naming."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as F
from capacity.core.errors import ConfigError
from capacity.sources.prometheus import _matrix
from capacity.sources.prometheus._chunks import make_grid, merge, missing, pieces
from capacity.sources.prometheus._matrix import Piece, _fast, merge_frames, parse, rename_series
from capacity.sources.prometheus.source import PrometheusSource, _secs

T0 = pd.Timestamp("2026-09-01T00:00:00Z")
MIN = 60 * 10**9


@pytest.mark.parametrize(
    "n_steps,step_s,max_points",
    [(0, 60, 5), (1, 60, 1), (10_000, 60, 11_000), (11_000, 60, 11_000), (12_345, 15, 997), (100, 3600, 7)],
)
def test_pieces_cover_every_grid_point_once_within_budget(n_steps, step_s, max_points):
    start = T0 + pd.Timedelta(seconds=17)
    end = start + pd.Timedelta(seconds=step_s * n_steps + step_s - 1)  # end between two points
    grid = make_grid(start, end, pd.Timedelta(seconds=step_s))
    assert grid.n == n_steps + 1
    plan = pieces(missing(grid, []), max_points)
    points = np.concatenate([np.arange(a, b + 1) for a, b in plan])
    np.testing.assert_array_equal(points, np.arange(grid.n))  # no duplicate, no gap, in order
    assert all(b - a + 1 <= max_points for a, b in plan)
    assert len(plan) == math.ceil(grid.n / max_points)
    lo, hi = grid.interval(*plan[0])
    assert lo == start.value and (hi - lo) % (step_s * 10**9) == 0  # on the step grid


def test_missing_runs_skip_covered_intervals():
    grid = make_grid(T0, T0 + pd.Timedelta(minutes=99), pd.Timedelta(minutes=1))
    iv = lambda a, b: (T0.value + a * MIN, T0.value + b * MIN)  # noqa: E731
    assert missing(grid, [iv(10, 19), iv(20, 29), iv(50, 200)]) == [(0, 9), (30, 49)]
    assert missing(grid, [iv(-50, -1)]) == [(0, 99)]
    assert missing(grid, [iv(0, 99)]) == []
    assert merge([iv(20, 29), iv(0, 9), iv(10, 12)], MIN) == [iv(0, 12), iv(20, 29)]
    # an interval on another phase covers only the grid points it contains
    assert missing(grid, [(T0.value + 30 * 10**9, T0.value + 90 * 10**9)]) == [(0, 0), (2, 99)]


BODY = {
    "status": "success",
    "data": {
        "resultType": "matrix",
        "result": [
            {
                "metric": {"__name__": "m", "job": "a"},
                "values": [
                    [1788220800, "1.5"],
                    [1788220860.123, "NaN"],
                    [1788220920, "+Inf"],
                    [1788220980, "-Inf"],
                    [1788221040, "1e-300"],
                ],
            },
            {"metric": {"job": 'b"},"values":[[1,"2"]]}'}, "values": [[1788220800, "7"], [1788220860, "0.1"]]},
        ],
    },
    "warnings": ["w1"],
    "infos": ["i1"],
}


@pytest.fixture(params=["c", "arrow"])
def reader(request, monkeypatch):
    """Run a test with the C values reader and again with the Arrow one (its fallback)."""
    if request.param == "arrow":
        monkeypatch.setattr(_matrix, "_valuesc", None)
    else:
        assert _matrix._valuesc is not None, (
            "the C reader capacity/sources/_valuesc.c was not built (pip install -e . needs a C compiler)"
        )
    return request.param


@pytest.mark.parametrize("compact", [True, False], ids=["compact (fast path)", "spaced (json path)"])
def test_parse_values_specials_labels_and_range(compact, reader):
    raw = json.dumps(BODY, separators=(",", ":") if compact else (", ", ": ")).encode()
    p = Piece(0, 3)
    lo, hi = 1788220800 * 10**9, 1788220980 * 10**9
    assert _fast(raw, lo, hi, Piece(0, 3)) is compact  # which path is exercised
    parse(raw, lo, hi, p)
    ns, y = p.series['m{job="a"}']
    assert list(ns) == [1788220800 * 10**9, 1788220860123 * 10**6, 1788220920 * 10**9, 1788220980 * 10**9]
    assert y[0] == 1.5 and math.isnan(y[1]) and y[2] == math.inf and y[3] == -math.inf and y.dtype == np.float64
    odd = 'b"},"values":[[1,"2"]]}'
    rid = F.series_id(None, {"job": odd})
    assert p.labels[rid] == {"job": odd}
    np.testing.assert_array_equal(p.series[rid][1], [7.0, 0.1])
    assert p.warnings == ["w1", "i1"]


def test_fast_path_reads_floats_exactly(reader):
    rng = np.random.default_rng(7)
    y = rng.standard_normal(5000) * 10.0 ** rng.integers(-300, 300, 5000)
    body = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {}, "values": [[1788220800 + 60 * i, repr(float(v))] for i, v in enumerate(y)]}],
        },
    }
    p = Piece(0, 4999)
    parse(json.dumps(body, separators=(",", ":")).encode(), 0, 2**62, p)
    np.testing.assert_array_equal(p.series["{}"][1], y)


def test_fast_path_splits_many_series_at_the_right_rows(reader):
    # single-point series, a series starting after the previous one ended, NaN values at series edges:
    # every series gets exactly its own samples (read back from the body itself)
    t = 1788220800
    series = [
        ({"job": "a"}, [[t, "NaN"]]),
        ({"job": "b"}, [[t + 600, "2"], [t + 660, "NaN"]]),
        ({"job": "c"}, [[t, "3"]]),
        ({"job": "d"}, [[t + 60 * i, str(i)] for i in range(50)] + [[t + 3000, "+Inf"]]),
        ({"job": "e"}, [[t + 3000, "-1e-5"]]),
    ]
    body = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": m, "values": v} for m, v in series]},
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    p = Piece(0, 50)
    assert _fast(raw, 0, 2**62, p)
    assert len(p.series) == len(series)
    for metric, values in series:
        ns, y = p.series[F.series_id(None, metric)]
        assert list(ns) == [ts * 10**9 for ts, _ in values]
        np.testing.assert_array_equal(y, [float(v) for _, v in values])


def test_merge_frames_later_wins_and_sorts():
    ds = pd.date_range(T0, periods=4, freq="1min", tz="UTC")
    a = F.from_arrays("b", ds, [1.0, 2, 3, 4])
    b = F.from_arrays("a", ds[2:], [9.0, 9])
    c = F.from_arrays("b", ds[1:3], [20.0, 30])
    out = merge_frames(a, b, c)
    assert list(out["unique_id"]) == ["a", "a", "b", "b", "b", "b"]
    np.testing.assert_array_equal(out["y"].to_numpy(), [9, 9, 1, 20, 30, 4])
    F.validate(out)
    renamed = rename_series(out, {"a": "z", "b": "b"})
    assert list(renamed["unique_id"]) == ["b", "b", "b", "b", "z", "z"]
    F.validate(renamed)


def test_seconds_are_sent_with_millisecond_precision():
    assert _secs(1788220800 * 10**9) == "1788220800"
    assert _secs(1788220800_123_000_000) == "1788220800.123"
    assert _secs(15 * 10**9) == "15"


def test_unique_ids(tmp_path):
    src = PrometheusSource("http://127.0.0.1:9", cache=False)
    empty = pd.DataFrame(
        {
            "unique_id": pd.Series([], dtype=object),
            "ds": pd.Series([], dtype="datetime64[ns, UTC]"),
            "y": pd.Series([], dtype=float),
        }
    )
    _, t = src._name(empty, {"{}": {}}, "sum(rate(x[5m]))", "request_rate")
    assert list(t["unique_id"]) == ["request_rate"]
    _, t = src._name(empty, {'{le="1"}': {"le": "1"}, '{le="2"}': {"le": "2"}}, "q", "lat")
    assert list(t["unique_id"]) == ['lat{le="1"}', 'lat{le="2"}']
    _, t = src._name(empty, {'up{job="a"}': {"__name__": "up", "job": "a"}}, "up", None)
    assert list(t["unique_id"]) == ['up{job="a"}']
    _, t = src._name(empty, {"{}": {}}, "sum(up)", None)
    assert list(t["unique_id"]) == ["sum(up)"]


def test_bad_options_and_steps():
    with pytest.raises(ConfigError):
        PrometheusSource("http://127.0.0.1:9", max_points=0)
    with pytest.raises(ConfigError):
        PrometheusSource("ftp://127.0.0.1:9")
    src = PrometheusSource("http://127.0.0.1:9", cache=False)
    with pytest.raises(ConfigError):
        src.fetch("up", T0, T0 + pd.Timedelta(hours=1), pd.Timedelta(microseconds=500))
    with pytest.raises(ConfigError):
        src.fetch("  ", T0, T0 + pd.Timedelta(hours=1), pd.Timedelta("1m"))
