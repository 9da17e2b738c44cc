"""Relative times (``now``, ``now-1h``, a server's defaulted end) floored to the step: whole grids on
:00/:15/:30/:45, and a second run that asks for the same grid is answered by the pull cache."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from capacity.app import history
from capacity.core import timeutil
from capacity.sources.prometheus.source import FRESH, PrometheusSource
from capacity.sources.prometheus.transport import Answer, Method
from capacity.testing.faults import FaultTransport

URL = "http://127.0.0.1:9"  # never contacted: the inner transport answers


class TimeSeriesServer:
    """Answers ``query_range`` like Prometheus answers ``time()``: one series, value = the timestamp."""

    def send(
        self, method: Method, url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float
    ) -> Answer:
        assert url.endswith("/api/v1/query_range"), url
        start, end, step = (float(params[k]) for k in ("start", "end", "step"))
        n = int((end - start) // step) + 1
        values = [[start + i * step, repr(start + i * step)] for i in range(n)]
        body = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]}}
        return Answer(200, {"content-type": "application/json"}, json.dumps(body).encode(), url)

    def close(self) -> None:
        pass


def _source(tmp_path) -> tuple[PrometheusSource, FaultTransport]:
    faults = FaultTransport(TimeSeriesServer())
    return PrometheusSource(URL, transport=faults, cache_dir=tmp_path / "cache", retries=0), faults


def _starts(faults: FaultTransport) -> list[pd.Timestamp]:
    return [pd.Timestamp(float(s.params["start"]), unit="s", tz="UTC") for s in faults.sent]


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock the range is read against, a day ago at an odd sub-second time (so that all of the
    range is older than the source's freshness edge, which reads the real clock)."""
    at = (pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=1)).floor("1h") + pd.Timedelta(minutes=54, seconds=26.161)
    monkeypatch.setattr(timeutil, "now", lambda: at)
    return at


def test_now_minus_1h_on_15s_is_241_points_on_the_quarter_minutes_and_the_rerun_hits_the_cache(tmp_path, frozen_now):
    src, faults = _source(tmp_path)
    got = history.pull("time()", source=src, start="now-1h", step="15s")
    src.close()
    ds = got.frame["ds"]
    assert len(got.frame) == 241
    assert set(ds.dt.second) == {0, 15, 30, 45} and (ds.dt.microsecond == 0).all() and (ds.dt.nanosecond == 0).all()
    assert got.end == frozen_now.floor("15s") and got.start == got.end - pd.Timedelta(hours=1)
    assert ds.iloc[0] == got.start and ds.iloc[-1] == got.end
    np.testing.assert_array_equal(got.frame["y"].to_numpy(), ds.astype("int64").to_numpy() / 1e9)  # time()
    assert len(faults.sent) == 1

    again, faults2 = _source(tmp_path)  # a new process, the same cache directory
    second = history.pull("time()", source=again, start="now-1h", step="15s")
    again.close()
    assert faults2.sent == []  # all of it from the cache
    pd.testing.assert_frame_equal(second.frame, got.frame)
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 1  # one key: the same grid


def test_a_defaulted_server_end_is_now_floored_to_the_step(tmp_path, frozen_now):
    src, faults = _source(tmp_path)
    got = history.pull("time()", source=src, step="5m")  # start: 7 days before the end
    src.close()
    assert got.end == frozen_now.floor("5min") and got.start == got.end - history.DEFAULT_LENGTH
    assert len(got.frame) == 7 * 288 + 1
    start, end = history.time_range(src, "now-1h", None, step=pd.Timedelta(seconds=15))
    assert (start, end) == (frozen_now.floor("15s") - pd.Timedelta(hours=1), frozen_now.floor("15s"))


def test_explicit_times_are_kept_as_given(tmp_path, frozen_now):
    src, _ = _source(tmp_path)
    t0 = "2026-09-01T00:00:07Z"
    start, end = history.time_range(src, t0, "2026-09-01T01:00:07Z", step=pd.Timedelta(minutes=1))
    assert (start, end) == (pd.Timestamp(t0), pd.Timestamp("2026-09-01T01:00:07Z"))
    start, end = history.time_range(src, t0, "now", step=pd.Timedelta(minutes=1))  # mixed: only `now` moves
    assert start == pd.Timestamp(t0) and end == frozen_now.floor("1min")
    src.close()


def test_each_metric_is_floored_to_its_own_step_against_one_now(tmp_path, frozen_now):
    src, faults = _source(tmp_path)
    got = history.pull(["users_total", "request_rate"], source=src, start="now-3d")  # catalog steps: 1d and 1m
    src.close()
    steps = {float(s.params["step"]) for s in faults.sent}
    assert steps == {86400.0, 60.0}
    for s in faults.sent:
        step = float(s.params["step"])
        assert float(s.params["end"]) <= frozen_now.timestamp()
        assert float(s.params["start"]) % step == 0 and float(s.params["end"]) % step == 0
    assert got.start == (frozen_now - pd.Timedelta(days=3)).floor("1D")  # the widest of the two
    assert got.end == frozen_now.floor("1min")


def test_a_second_live_run_fetches_only_the_fresh_tail(tmp_path):
    """Against the real clock: whatever the time, the rerun asks only for what is newer than the
    first run's freshness edge (the rest comes from the same cache file)."""
    src, _ = _source(tmp_path)
    first = history.pull("time()", source=src, start="now-1h", step="15s")
    src.close()
    again, faults = _source(tmp_path)
    second = history.pull("time()", source=again, start="now-1h", step="15s")
    again.close()
    assert len(first.frame) == len(second.frame) == 241
    assert all(t >= first.end - FRESH - pd.Timedelta(seconds=15) for t in _starts(faults))
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 1
