"""Faults: a real Prometheus killed mid-pull, answers 500/429, a server that hangs,
warnings in answers.

The kill is real (SIGKILL of the daemon's own PID, from the progress callback
after the second piece arrived). 500/429 answers and injected warnings come
from a transport adapter placed in front of the real server: the one place a
fake is used, for faults a real server does not produce on demand. The hanging
server is a real socket that accepts connections and never answers.
"""
from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pandas as pd
import pytest
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from capacity.core.errors import ConnectionFailed, QueryError, RetriesExhausted
from capacity.metrics.promql import selector
from capacity.sources.prometheus.cache import CacheKey, PullCache
from capacity.sources.prometheus.source import PrometheusSource

from .test_prometheus_pull import assert_same, counting_session, lookup_truth

pytestmark = pytest.mark.integration


class FaultAdapter(HTTPAdapter):
    """Answers from a script, one action per request, then passes through to the real server.

    Actions: ``(status, headers)`` a canned error answer; ``"warn"`` the real answer
    with a warning added; ``"timeout"`` a read timeout; ``"pass"`` the real answer.
    """

    def __init__(self, script: list) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        with self._lock:
            action = self.script.pop(0) if self.script else "pass"
            self.sent.append(action if isinstance(action, str) else str(action[0]))
        if action == "timeout":
            raise requests.exceptions.ReadTimeout("read timed out (injected)", request=request)
        if isinstance(action, tuple):
            status, headers = action
            resp = requests.Response()
            resp.status_code = status
            resp.reason = "injected"
            resp.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
            resp._content = json.dumps({"status": "error", "errorType": "internal", "error": "injected fault"}).encode()
            resp.url, resp.request = request.url, request
            return resp
        resp = super().send(request, *args, **kwargs)
        if action == "warn":
            body = json.loads(resp.content)
            body["warnings"] = ["injected: remote store unavailable, results may be partial"]
            resp._content = json.dumps(body).encode()
        return resp


def _session(script: list) -> tuple[requests.Session, FaultAdapter]:
    adapter = FaultAdapter(script)
    s = requests.Session()
    s.mount("http://", adapter)
    return s, adapter


def _truth(srv, name: str, start, end, step) -> pd.DataFrame:
    uids = srv.labels.loc[srv.labels["__name__"] == name, "unique_id"]
    return pd.concat([lookup_truth(srv.raw, u, start, end, step) for u in uids], ignore_index=True)


def test_server_killed_mid_pull_then_restarted(prometheus_factory, tmp_path):
    srv = prometheus_factory()
    name, step = "http_requests_total", pd.Timedelta("1m")
    start, end = srv.start + pd.Timedelta(days=2), srv.start + pd.Timedelta(days=9)
    calls = []

    def kill_after_two_pieces(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:  # initial call + two pieces
            srv.server.kill()

    src = PrometheusSource(srv.url, cache_dir=tmp_path, max_points=1000, concurrency=1, retries=2, backoff=0.05)
    with pytest.raises((ConnectionFailed, RetriesExhausted)) as err:
        src.fetch(selector(name), start, end, step, progress=kill_after_two_pieces)
    assert srv.url in str(err.value) and "\n" not in str(err.value)
    assert err.value.attempts == 3

    # the cache holds exactly what arrived, whole and right; no temporary file is left
    key = CacheKey(srv.url, selector(name), int(step.value), start.value % step.value)
    entry = PullCache(tmp_path).load(key)
    assert entry is not None and not list(Path(tmp_path).glob("*.tmp"))
    covered_points = sum((b - a) // step.value + 1 for a, b in entry.covered)
    n_points = (end - start) // step + 1
    assert 2000 <= covered_points < n_points  # two pieces of 1000 points (one more may have finished while stopping)
    for a, b in entry.covered:
        lo, hi = pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")
        part = entry.frame[(entry.frame["ds"] >= lo) & (entry.frame["ds"] <= hi)]
        assert_same(part, _truth(srv, name, lo, hi, step))

    # restart on the same port and TSDB: the next pull fetches only what is missing, exactly right
    again = prometheus_factory(tsdb_dir=srv.tsdb_dir, port=srv.server.port)
    session, seen = counting_session()
    src2 = PrometheusSource(again.url, cache_dir=tmp_path, max_points=1000, session=session)
    got = src2.fetch(selector(name), start, end, step)
    asked = [tuple(int(round(float(r.url.split(f"{k}=")[1].split("&")[0]) * 1e9)) for k in ("start", "end")) for r in seen]
    assert all(hi < a or lo > b for lo, hi in asked for a, b in entry.covered)  # nothing fetched twice
    assert sum((hi - lo) // step.value + 1 for lo, hi in asked) + covered_points == n_points  # nothing missed
    assert_same(got.frame, _truth(srv, name, start, end, step))


def test_500_then_429_are_retried_and_the_data_is_right(prometheus, tmp_path):
    session, adapter = _session([(500, {}), (429, {"Retry-After": "0.2"}), "pass"])
    src = PrometheusSource(prometheus.url, cache=False, session=session, retries=3, backoff=0.01, concurrency=1)
    waits: list[tuple[object, float]] = []
    src.transport.on_retry = lambda status, delay: waits.append((status, delay))
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=6), pd.Timedelta("1m")
    got = src.fetch(selector("redis_memory_used_bytes"), start, end, step)
    assert adapter.sent == ["500", "429", "pass"]
    assert waits[0][0] == 500 and waits[1] == (429, 0.2)  # Retry-After honoured
    assert_same(got.frame, _truth(prometheus, "redis_memory_used_bytes", start, end, step))


def test_persistent_500_is_reported_with_attempts_and_status(prometheus):
    session, adapter = _session([(503, {})] * 10)
    src = PrometheusSource(prometheus.url, cache=False, session=session, retries=2, backoff=0.01)
    with pytest.raises(RetriesExhausted) as err:
        src.fetch("up", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert err.value.attempts == 3 and err.value.status == 503 and len(adapter.sent) == 3
    assert prometheus.url in str(err.value) and "'up'" in str(err.value) and "HTTP 503" in str(err.value)


def test_timeout_is_retried_then_succeeds(prometheus):
    session, adapter = _session(["timeout", "pass"])
    src = PrometheusSource(prometheus.url, cache=False, session=session, retries=2, backoff=0.01)
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=2), pd.Timedelta("1m")
    got = src.fetch(selector("up"), start, end, step)
    assert adapter.sent == ["timeout", "pass"]
    assert_same(got.frame, _truth(prometheus, "up", start, end, step))


def test_hanging_server_times_out_and_is_reported(tmp_path):
    with socket.socket() as hang:  # accepts connections (kernel backlog), never answers
        hang.bind(("127.0.0.1", 0))
        hang.listen(16)
        url = f"http://127.0.0.1:{hang.getsockname()[1]}"
        src = PrometheusSource(url, cache_dir=tmp_path, timeout=0.3, retries=1, backoff=0.01)
        with pytest.raises(RetriesExhausted) as err:
            src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T01:00Z"), pd.Timedelta("1m"))
    assert err.value.status == "timeout" and err.value.attempts == 2 and url in str(err.value)
    assert not list(Path(tmp_path).glob("*.arrow"))  # nothing cached from a failed pull


def test_bad_query_is_not_retried(prometheus):
    session, seen = counting_session()
    src = PrometheusSource(prometheus.url, cache=False, session=session, retries=4)
    with pytest.raises(QueryError):
        src.fetch("rate(up[5m]", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert len(seen) == 1


def test_warnings_are_surfaced(prometheus):
    session, _ = _session(["warn"])
    src = PrometheusSource(prometheus.url, cache=False, session=session)
    got = src.fetch("up", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert got.warnings == ("injected: remote store unavailable, results may be partial",)
    assert len(got.frame) > 0


class FailQuery(HTTPAdapter):
    """Passes every request through to the real server, except those for one query: HTTP 503."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle, self.sent = needle, []

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        failing = self.needle in requests.utils.unquote(request.url)
        self.sent.append(failing)
        if not failing:
            return super().send(request, *args, **kwargs)
        resp = requests.Response()
        resp.status_code, resp.reason, resp._content = 503, "injected", b"unavailable"
        resp.url, resp.request = request.url, request
        return resp


def test_many_metrics_one_failing_keeps_the_others_cached(prometheus, tmp_path):
    names = ["pg_stat_activity_count", "http_requests_total", "pg_up"]  # raw series (no catalog name)
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=30), pd.Timedelta("1m")
    adapter = FailQuery('query=http_requests_total&')
    session = requests.Session()
    session.mount("http://", adapter)
    src = PrometheusSource(prometheus.url, cache_dir=tmp_path, session=session, max_points=500, concurrency=1,
                           retries=1, backoff=0.01)
    with pytest.raises(RetriesExhausted) as err:
        src.fetch_many([(selector(n), start, end, step) for n in names])
    assert "http_requests_total" in str(err.value) and err.value.status == 503
    cache = PullCache(tmp_path)
    grid_key = lambda n: CacheKey(prometheus.url, selector(n), int(step.value), start.value % step.value)  # noqa: E731
    first = cache.load(grid_key(names[0]))  # finished before the failure: whole, right, and cached
    assert first is not None and first.covered == [(start.value, end.value)]
    assert_same(first.frame, _truth(prometheus, names[0], start, end, step))
    assert cache.load(grid_key(names[1])) is None  # nothing of the failing query
    assert not list(Path(tmp_path).glob("*.tmp"))
    # the next pull (no fault) fetches the rest only, and everything is right
    session2, seen = counting_session()
    src2 = PrometheusSource(prometheus.url, cache_dir=tmp_path, session=session2, max_points=500)
    got = src2.fetch_many([(selector(n), start, end, step) for n in names])
    assert not any(selector(names[0]) in requests.utils.unquote(r.url) for r in seen)
    for n, pulled in zip(names, got):
        assert_same(pulled.frame, _truth(prometheus, n, start, end, step))
