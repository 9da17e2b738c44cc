"""Faults: a real Prometheus killed mid-pull, answers 500/429, timeouts, a server that
hangs, cut-short and wrongly shaped answers, warnings in answers.

The kill is real (SIGKILL of the daemon's own PID, from the progress callback
after the second piece arrived). 500/429 answers, injected warnings and broken
bodies come from :class:`~capacity.testing.faults.FaultTransport`, placed in front
of the production transport (plain http, http.client) that the source would use
itself: the one place a fake is used, for faults a real server does not produce on
demand; every other request of those tests goes through the production path, to
the real server. Timeouts are real: the hanging server is a real socket that
accepts connections and never answers.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from capacity.core.errors import ConnectionFailed, QueryError, RetriesExhausted, SourceError
from capacity.metrics.promql import selector
from capacity.sources.prometheus._plainhttp import PlainTransport
from capacity.sources.prometheus.cache import CacheKey, PullCache
from capacity.sources.prometheus.source import PrometheusSource
from capacity.testing.faults import WARNING, WRONG_SHAPE, FaultTransport, Reply

from .test_prometheus_pull import assert_same, lookup_truth, recording

pytestmark = pytest.mark.integration


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
    rec = recording(again.url)
    src2 = PrometheusSource(again.url, cache_dir=tmp_path, max_points=1000, transport=rec)
    got = src2.fetch(selector(name), start, end, step)
    asked = [tuple(int(round(float(r.params[k]) * 1e9)) for k in ("start", "end")) for r in rec.sent]
    assert all(hi < a or lo > b for lo, hi in asked for a, b in entry.covered)  # nothing fetched twice
    assert sum((hi - lo) // step.value + 1 for lo, hi in asked) + covered_points == n_points  # nothing missed
    assert_same(got.frame, _truth(srv, name, start, end, step))


def _plain(faults: FaultTransport) -> PlainTransport:
    """The production plain-http transport behind ``faults`` (it must be the one)."""
    assert isinstance(faults.inner, PlainTransport)
    return faults.inner


def test_500_then_429_are_retried_and_the_data_is_right(prometheus, tmp_path):
    faults = FaultTransport.around(prometheus.url, [Reply(500), Reply(429, {"Retry-After": "0.2"}), "pass"])
    src = PrometheusSource(prometheus.url, cache=False, transport=faults, retries=3, backoff=0.01, concurrency=1)
    waits: list[tuple[object, float]] = []
    src.client.on_retry = lambda status, delay: waits.append((status, delay))
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=6), pd.Timedelta("1m")
    got = src.fetch(selector("redis_memory_used_bytes"), start, end, step)
    assert faults.actions == ["500", "429", "pass"]
    assert waits[0][0] == 500 and waits[1] == (429, 0.2)  # Retry-After honoured
    assert_same(got.frame, _truth(prometheus, "redis_memory_used_bytes", start, end, step))
    assert _plain(faults).sent == 1 and _plain(faults).opened == 1  # the real answer came over plain http


def test_persistent_500_is_reported_with_attempts_and_status(prometheus):
    faults = FaultTransport.around(prometheus.url, [Reply(503)] * 10)
    src = PrometheusSource(prometheus.url, cache=False, transport=faults, retries=2, backoff=0.01)
    with pytest.raises(RetriesExhausted) as err:
        src.fetch("up", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert err.value.attempts == 3 and err.value.status == 503 and faults.actions == ["503"] * 3
    assert prometheus.url in str(err.value) and "'up'" in str(err.value) and "HTTP 503" in str(err.value)


def test_a_real_timeout_is_retried_then_succeeds(prometheus):
    """The first attempt goes, through the plain-http transport, to a socket that never
    answers: its own timeout fires; the retry gets the real answer."""
    faults = FaultTransport.around(prometheus.url, ["hang", "pass"])
    src = PrometheusSource(prometheus.url, cache=False, transport=faults, timeout=0.5, retries=2, backoff=0.01)
    waits: list[object] = []
    src.client.on_retry = lambda status, delay: waits.append(status)
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=2), pd.Timedelta("1m")
    got = src.fetch(selector("up"), start, end, step)
    assert faults.actions == ["hang", "pass"] and waits == ["timeout"]
    assert _plain(faults).sent == 2 and _plain(faults).opened == 2  # both attempts sent by the plain-http transport
    assert_same(got.frame, _truth(prometheus, "up", start, end, step))


def test_refused_connection_is_retried_then_succeeds(prometheus):
    faults = FaultTransport.around(prometheus.url, ["refuse", "pass"])
    src = PrometheusSource(prometheus.url, cache=False, transport=faults, retries=1, backoff=0.01)
    waits: list[object] = []
    src.client.on_retry = lambda status, delay: waits.append(status)
    got = src.fetch(selector("up"), prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert faults.actions == ["refuse", "pass"] and waits == ["connection"] and len(got.frame) > 0


def test_hanging_server_times_out_and_is_reported(tmp_path):
    with socket.socket() as hang:  # accepts connections (kernel backlog), never answers
        hang.bind(("127.0.0.1", 0))
        hang.listen(16)
        url = f"http://127.0.0.1:{hang.getsockname()[1]}"
        src = PrometheusSource(url, cache_dir=tmp_path, timeout=0.3, retries=1, backoff=0.01)
        assert isinstance(src.transport, PlainTransport)
        with pytest.raises(RetriesExhausted) as err:
            src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-01T01:00Z"), pd.Timedelta("1m"))
    assert err.value.status == "timeout" and err.value.attempts == 2 and url in str(err.value)
    assert "no answer within 0.3 s" in str(err.value)
    assert not list(Path(tmp_path).glob("*.arrow"))  # nothing cached from a failed pull


@pytest.mark.parametrize("fault,says", [("truncate", "cannot read the answer"), (WRONG_SHAPE, "expected a matrix")])
def test_broken_answers_are_clear_errors_naming_url_and_query(prometheus, fault, says):
    faults = FaultTransport.around(prometheus.url, [fault])
    src = PrometheusSource(prometheus.url, cache=False, transport=faults, retries=3)
    with pytest.raises(SourceError) as err:
        src.fetch(selector("up"), prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    text = str(err.value)
    assert says in text and prometheus.url in text and repr(selector("up")) in text and "\n" not in text
    assert err.value.context["query"] == selector("up") and len(faults.sent) == 1  # not retried


def test_bad_query_is_not_retried(prometheus):
    rec = recording(prometheus.url)
    src = PrometheusSource(prometheus.url, cache=False, transport=rec, retries=4)
    with pytest.raises(QueryError):
        src.fetch("rate(up[5m]", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert len(rec.sent) == 1 and _plain(rec).sent == 1


def test_warnings_are_surfaced(prometheus):
    faults = FaultTransport.around(prometheus.url, ["warn"])
    src = PrometheusSource(prometheus.url, cache=False, transport=faults)
    got = src.fetch("up", prometheus.start, prometheus.start + pd.Timedelta(hours=1), pd.Timedelta("1m"))
    assert got.warnings == (WARNING,)
    assert len(got.frame) > 0 and _plain(faults).sent == 1


def test_long_queries_are_posted(prometheus):
    """A query longer than a URL should carry goes as a POST form, through the plain-http transport."""
    rec = recording(prometheus.url)
    query = selector("up") + " or " + " or ".join(f'up{{job="absent-{i:04d}"}}' for i in range(200))
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=2), pd.Timedelta("1m")
    got = PrometheusSource(prometheus.url, cache=False, transport=rec).fetch(query, start, end, step)
    assert [r.method for r in rec.sent] == ["POST"] and _plain(rec).sent == 1
    labels = prometheus.labels
    assert sorted(got.labels["unique_id"]) == sorted(labels.loc[labels["__name__"] == "up", "unique_id"])


def _fail_http_requests(url: str, params: Mapping[str, str]) -> Reply | None:
    """HTTP 503 for one query, the real answer for the others."""
    return Reply(503, body=b"unavailable") if params["query"] == selector("http_requests_total") else None


def test_many_metrics_one_failing_keeps_the_others_cached(prometheus, tmp_path):
    names = ["pg_stat_activity_count", "http_requests_total", "pg_up"]  # raw series (no catalog name)
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(hours=30), pd.Timedelta("1m")
    faults = FaultTransport.around(prometheus.url, rule=_fail_http_requests)
    src = PrometheusSource(
        prometheus.url, cache_dir=tmp_path, transport=faults, max_points=500, concurrency=1, retries=1, backoff=0.01
    )
    with pytest.raises(RetriesExhausted) as err:
        src.fetch_many([(selector(n), start, end, step) for n in names])
    assert "http_requests_total" in str(err.value) and err.value.status == 503 and "unavailable" in str(err.value)
    assert "503" in faults.actions and _plain(faults).sent == faults.actions.count("pass") > 0
    cache = PullCache(tmp_path)
    grid_key = lambda n: CacheKey(prometheus.url, selector(n), int(step.value), start.value % step.value)  # noqa: E731
    first = cache.load(grid_key(names[0]))  # finished before the failure: whole, right, and cached
    assert first is not None and first.covered == [(start.value, end.value)]
    assert_same(first.frame, _truth(prometheus, names[0], start, end, step))
    assert cache.load(grid_key(names[1])) is None  # nothing of the failing query
    assert not list(Path(tmp_path).glob("*.tmp"))
    # the next pull (no fault) fetches the rest only, and everything is right
    rec = recording(prometheus.url)
    src2 = PrometheusSource(prometheus.url, cache_dir=tmp_path, transport=rec, max_points=500)
    got = src2.fetch_many([(selector(n), start, end, step) for n in names])
    assert rec.sent and not any(r.params["query"] == selector(names[0]) for r in rec.sent)
    for n, pulled in zip(names, got, strict=False):
        assert_same(pulled.frame, _truth(prometheus, n, start, end, step))
