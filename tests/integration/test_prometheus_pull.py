"""What capacity pulls from a real Prometheus equals the generator's truth.

The oracle for a plain selector is Prometheus' instant-vector lookup, written
out here independently: at each grid point t the newest raw sample with
t - 5m <= ts <= t (Prometheus 2.x lookback, both ends included), no value if none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prometheus_api_client import PrometheusConnect

from capacity.core.errors import ConnectionFailed, QueryError, UnknownMetricError
from capacity.metrics.catalog import default_catalog
from capacity.metrics.promql import selector
from capacity.sources.prometheus.source import PrometheusSource
from capacity.testing.faults import FaultTransport

pytestmark = pytest.mark.integration
LOOKBACK = np.int64(5 * 60 * 10**9)


def lookup_truth(
    raw: pd.DataFrame, uid: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta
) -> pd.DataFrame:
    """Prometheus' answer for the raw series ``uid`` on the grid start..end/step."""
    part = raw[raw["unique_id"] == uid]
    ts = part["ds"].dt.as_unit("ns").array.asi8
    y = part["y"].to_numpy()
    grid = np.arange(start.value, end.value + 1, step.value, dtype=np.int64)
    idx = np.searchsorted(ts, grid, side="right") - 1
    ok = idx >= 0
    ok[ok] = ts[idx[ok]] >= grid[ok] - LOOKBACK
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.DatetimeIndex(grid[ok].view("datetime64[ns]"), tz="UTC"), "y": y[idx[ok]]}
    )


def recording(url: str) -> FaultTransport:
    """The production transport for ``url`` behind a test transport with no fault:
    ``.sent`` records each request (nothing is faked)."""
    return FaultTransport.around(url)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.reset_index(drop=True)
    want = want.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert list(got["unique_id"]) == list(want["unique_id"])
    assert (got["ds"].dt.as_unit("ns").array.asi8 == want["ds"].dt.as_unit("ns").array.asi8).all()
    np.testing.assert_array_equal(got["y"].to_numpy(), want["y"].to_numpy())  # NaN == NaN here, exact otherwise


# series chosen for their quirks: counter resets, histogram buckets, and the history's scrape gaps
# (2026-09-05 08:30 for 7 minutes: a point exactly 5m after the last sample; 2026-09-08 14:09 for 21 minutes)
CASES = [
    ("http_requests_total", "1m", 14, pd.Timedelta(days=9), 997),
    ("http_request_duration_seconds_bucket", "5m", 0, pd.Timedelta(days=41), 1500),
    ("up", "1h", 0, pd.Timedelta(days=42), 97),
    ("node_filesystem_avail_bytes", "1m", 15, pd.Timedelta(days=3), 300),
]


@pytest.mark.parametrize("name,step,offset_days,length,max_points", CASES, ids=[c[0] + "@" + c[1] for c in CASES])
def test_raw_series_equal_truth_across_chunks(prometheus, name, step, offset_days, length, max_points):
    step_td = pd.Timedelta(step)
    start = prometheus.start + pd.Timedelta(days=offset_days, minutes=7)  # off the hour: pieces start at odd places
    end = min(prometheus.end, start + length)
    src = PrometheusSource(prometheus.url, cache=False, max_points=max_points, concurrency=3)
    got = src.fetch(selector(name), start, end, step_td)
    uids = prometheus.labels.loc[prometheus.labels["__name__"] == name, "unique_id"]
    assert len(uids) >= 1
    want = pd.concat([lookup_truth(prometheus.raw, u, start, end, step_td) for u in uids], ignore_index=True)
    n_grid = (end - start) // step_td + 1
    assert n_grid > 2 * max_points  # the range really was cut into pieces
    assert_same(got.frame, want)
    assert set(got.labels["unique_id"]) == set(uids)
    assert (got.labels["__name__"] == name).all()


def test_one_series_by_escaped_labels(prometheus):
    row = prometheus.labels[prometheus.labels["__name__"] == "http_requests_total"].iloc[0]
    labels = {k: v for k, v in row.items() if k not in ("unique_id", "__name__") and isinstance(v, str) and v}
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(days=2), pd.Timedelta("1m")
    got = PrometheusSource(prometheus.url, cache=False, max_points=1000).fetch(
        selector("http_requests_total", labels), start, end, step
    )
    assert_same(got.frame, lookup_truth(prometheus.raw, row["unique_id"], start, end, step))


def _peer_frame(pc: PrometheusConnect, query: str, start, end, step: pd.Timedelta) -> dict[str, pd.Series]:
    out = {}
    for item in pc.custom_query_range(
        query, start.to_pydatetime(), end.to_pydatetime(), str(int(step.total_seconds()))
    ):
        ts = pd.to_datetime([float(t) for t, _ in item["values"]], unit="s", utc=True)
        out[tuple(sorted(item["metric"].items()))] = pd.Series([float(v) for _, v in item["values"]], index=ts)
    return out


@pytest.mark.parametrize("metric", ["request_rate", "error_ratio", "latency_p95_seconds", "disk_free_ratio"])
def test_catalog_metric_equals_prometheus_api_client(prometheus, metric):
    entry = default_catalog().get(metric)
    step = pd.Timedelta(entry.step)
    start = prometheus.start + pd.Timedelta(days=3)
    end = start + step * 4000  # one peer request (< 11,000 points), several of ours
    got = PrometheusSource(prometheus.url, cache=False, max_points=700).fetch(metric, start, end, step)
    peer = _peer_frame(PrometheusConnect(prometheus.url), entry.query, start, end, step)
    assert len(peer) == got.labels.shape[0] >= 1
    for uid, part in got.frame.groupby("unique_id", sort=True):
        lbl = got.labels.set_index("unique_id").loc[uid].dropna().to_dict()
        want = peer[tuple(sorted(lbl.items()))]
        assert (part["ds"].dt.as_unit("ns").array.asi8 == want.index.as_unit("ns").asi8).all()
        np.testing.assert_array_equal(part["y"].to_numpy(), want.to_numpy())
    if len(peer) == 1 and not got.labels.drop(columns="unique_id").dropna(axis=1).shape[1]:
        assert list(got.frame["unique_id"].unique()) == [metric]


def test_second_pull_reads_only_the_cache(prometheus, tmp_path):
    rec = recording(prometheus.url)
    src = PrometheusSource(prometheus.url, cache_dir=tmp_path, max_points=2000, transport=rec)
    start, end, step = prometheus.start, prometheus.start + pd.Timedelta(days=4), pd.Timedelta("1m")
    first = src.fetch(selector("redis_connected_clients"), start, end, step)
    seen = rec.sent
    n_first = len(seen)
    assert n_first == 3  # 5761 points / 2000 per piece
    again = src.fetch(selector("redis_connected_clients"), start, end, step)
    assert len(seen) == n_first  # no HTTP at all
    pd.testing.assert_frame_equal(first.frame, again.frame)
    pd.testing.assert_frame_equal(first.labels, again.labels)


def test_longer_range_fetches_only_the_missing_part(prometheus, tmp_path):
    rec = recording(prometheus.url)
    src = PrometheusSource(prometheus.url, cache_dir=tmp_path, max_points=5000, transport=rec)
    q, step = selector("pg_stat_activity_count"), pd.Timedelta("1m")
    t0 = prometheus.start + pd.Timedelta(days=10)
    src.fetch(q, t0, t0 + pd.Timedelta(days=1), step)
    rec.sent.clear()
    longer = src.fetch(q, t0 - pd.Timedelta(hours=6), t0 + pd.Timedelta(days=2), step)
    asked = sorted((float(r.params["start"]), float(r.params["end"])) for r in rec.sent)
    day1_lo, day1_hi = t0.timestamp(), (t0 + pd.Timedelta(days=1)).timestamp()
    assert asked[0] == ((t0 - pd.Timedelta(hours=6)).timestamp(), day1_lo - 60)
    assert asked[1][0] == day1_hi + 60 and asked[-1][1] == (t0 + pd.Timedelta(days=2)).timestamp()
    assert all(hi < day1_lo or lo > day1_hi for lo, hi in asked)
    uids = prometheus.labels.loc[prometheus.labels["__name__"] == "pg_stat_activity_count", "unique_id"]
    want = pd.concat(
        [lookup_truth(prometheus.raw, u, t0 - pd.Timedelta(hours=6), t0 + pd.Timedelta(days=2), step) for u in uids]
    )
    assert_same(longer.frame, want)


def test_promql_syntax_error_names_the_query(prometheus):
    with pytest.raises(QueryError) as err:
        PrometheusSource(prometheus.url, cache=False).fetch(
            "sum(rate(http_requests_total[5m])", prometheus.start, prometheus.end, pd.Timedelta("1h")
        )
    assert "sum(rate(http_requests_total[5m])" in str(err.value) and "\n" not in str(err.value)
    assert err.value.query == "sum(rate(http_requests_total[5m])" and err.value.error_type == "bad_data"


def test_unknown_metric_name_is_one_clear_line(prometheus):
    src = PrometheusSource(prometheus.url, cache=False)
    held = src.metric_names()
    assert "http_requests_total" in held and "request_rate" not in held
    with pytest.raises(UnknownMetricError) as err:
        src.fetch("http_request_total", prometheus.start, prometheus.end, pd.Timedelta("1h"))
    text = str(err.value)
    assert "http_request_total" in text and "did you mean http_requests_total" in text and "\n" not in text
    # suggestions name only what the server holds: the catalog's request_rate is not a series here
    with pytest.raises(UnknownMetricError) as err:
        src.fetch("requests_rate", prometheus.start, prometheus.end, pd.Timedelta("1h"))
    assert "request_rate" not in str(err.value).replace("'requests_rate'", "")


def test_unreachable_url_is_one_clear_line(tmp_path):
    from capacity.testing.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    src = PrometheusSource(url, cache_dir=tmp_path, retries=1, backoff=0.01)
    with pytest.raises(ConnectionFailed) as err:
        src.fetch("up", pd.Timestamp("2026-09-01T00:00Z"), pd.Timestamp("2026-09-02T00:00Z"), pd.Timedelta("1m"))
    assert str(err.value) == f"cannot reach {url}: connection refused (gave up after 2 attempts)"
    assert err.value.url == url and err.value.attempts == 2


def test_credentials_are_sent_but_never_stored(prometheus, tmp_path, monkeypatch):
    secret = "Tok-9f8e7d6c5b4a"
    monkeypatch.setenv("CAPACITY_BEARER_TOKEN", secret)
    monkeypatch.setenv("CAPACITY_HEADERS", "X-Scope-OrgID: tenant1")
    rec = recording(prometheus.url)
    src = PrometheusSource(prometheus.url, cache_dir=tmp_path, transport=rec, max_points=500)
    start, end = prometheus.start, prometheus.start + pd.Timedelta(hours=20)
    got = src.fetch(selector("up"), start, end, pd.Timedelta("1m"))
    seen = rec.sent
    assert len(got.frame) and len(seen) == 3 and rec.inner.sent == 3  # sent by the plain-http transport
    src.close()  # cache writes are finished
    assert all(
        r.headers["Authorization"] == f"Bearer {secret}" and r.headers["X-Scope-OrgID"] == "tenant1" for r in seen
    )
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert any(f.suffix == ".arrow" for f in files)
    assert all(secret.encode() not in f.read_bytes() and secret not in f.name for f in files)
    assert secret not in repr(src) and secret not in repr(got)
    assert (
        b"x-scope-orgid=tenant1" in next(f for f in files if f.suffix == ".arrow").read_bytes()
    )  # tenant keys the cache


def test_the_last_minutes_before_now_are_not_cached_as_complete(prometheus, tmp_path):
    from capacity.sources.prometheus.cache import CacheKey, PullCache
    from capacity.sources.prometheus.source import FRESH

    q, step = selector("up", {"job": "artisan-api"}), pd.Timedelta("1m")
    end = pd.Timestamp.now(tz="UTC").floor("min")
    start = end - pd.Timedelta(hours=1)
    src = PrometheusSource(prometheus.url, cache_dir=tmp_path)
    assert len(src.fetch(q, start, end, step).frame) == 0  # the history ends in October
    src.close()
    covered = PullCache(tmp_path).coverage(CacheKey(prometheus.url, q, int(step.value), start.value % step.value))
    assert covered and covered[0][0] == start.value
    assert covered[-1][1] <= (pd.Timestamp.now(tz="UTC") - FRESH).value < end.value
    assert covered[-1][1] >= (end - FRESH - 2 * step).value  # everything older than the margin is kept


def test_fetch_many_equals_one_fetch_per_metric(prometheus, tmp_path):
    """Pieces of several metrics in one stream (3 in flight across metric boundaries)
    give the same frames, labels and progress totals as one fetch at a time."""
    names = ["http_requests_total", "redis_memory_used_bytes", "up", "node_cpu_seconds_total"]
    start, end, step = (
        prometheus.start + pd.Timedelta(hours=3),
        prometheus.start + pd.Timedelta(days=2),
        pd.Timedelta("1m"),
    )
    seen: list[tuple[int, int]] = []
    many = PrometheusSource(prometheus.url, cache_dir=tmp_path / "many", max_points=700, concurrency=3)
    got = many.fetch_many([(selector(n), start, end, step) for n in names], progress=lambda d, t: seen.append((d, t)))
    one = PrometheusSource(prometheus.url, cache=False, max_points=700)
    n_grid = (end - start) // step + 1
    assert seen[0] == (0, 4 * n_grid) and seen[-1] == (4 * n_grid, 4 * n_grid)
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    for n, pulled in zip(names, got, strict=False):
        alone = one.fetch(selector(n), start, end, step)
        assert_same(pulled.frame, alone.frame.sort_values(["unique_id", "ds"]))
        pd.testing.assert_frame_equal(pulled.labels, alone.labels)
        uids = prometheus.labels.loc[prometheus.labels["__name__"] == n, "unique_id"]
        want = pd.concat([lookup_truth(prometheus.raw, u, start, end, step) for u in uids], ignore_index=True)
        assert_same(pulled.frame, want)
    many.close()
    # all from the cache now: the same frames, no request
    rec = recording(prometheus.url)
    warm = PrometheusSource(prometheus.url, cache_dir=tmp_path / "many", transport=rec)
    for pulled, again in zip(got, warm.fetch_many([(selector(n), start, end, step) for n in names]), strict=False):
        pd.testing.assert_frame_equal(pulled.frame, again.frame)
    assert rec.sent == []
