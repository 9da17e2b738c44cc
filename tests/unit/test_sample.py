"""The bundled Artisan Platform history and the sample source.

Expected numbers come from the design (growth rates, runbook thresholds) and
from hand-worked PromQL semantics, never from the generator's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as cframe
from capacity.core.errors import ConfigError, QueryError, UnknownMetricError
from capacity.metrics.catalog import default_catalog
from capacity.metrics.histogram import histogram_quantile
from capacity.sample import generator as _sample_gen
from capacity.sample import source as sample
from capacity.sample import store as _sample_store
from capacity.sample.evaluator import RECIPES, extrapolated_rate, instant_values
from capacity.sample.source import SPAN, TIMEZONE, SampleSource, metric_kinds, raw_history
from capacity.sources.base import Source

UTC = "UTC"
MIN = pd.Timedelta(minutes=1)


@pytest.fixture(scope="module")
def src() -> SampleSource:
    return SampleSource(cache=False)  # generated once in memory for the module


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A private data dir: the Parquet cache is written once for the module."""
    d = tmp_path_factory.mktemp("capacity-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAPACITY_DATA_DIR", str(d))
        yield d


def ts(t) -> pd.Timestamp:
    t = pd.Timestamp(t)
    return t.tz_localize(UTC) if t.tzinfo is None else t


def pull(src, metric, start, end, step="1m"):
    return src.fetch(metric, ts(start), ts(end), pd.Timedelta(step))


def series(src, metric, start, end, step="1m") -> pd.Series:
    f = pull(src, metric, start, end, step).frame
    return pd.Series(f["y"].to_numpy(), index=pd.DatetimeIndex(f["ds"]))


def longest_run(mask: pd.Series, start, end) -> pd.Timedelta:
    """Longest stretch of consecutive grid minutes where ``mask`` holds (missing = False)."""
    grid = pd.date_range(ts(start), ts(end), freq="min")
    m = mask.reindex(grid, fill_value=False).to_numpy(bool)
    best = run = 0
    for v in m:
        run = run + 1 if v else 0
        best = max(best, run)
    return best * MIN


# ----------------------------------------------------------------- contract


def test_span_and_timezone():
    assert SPAN == (pd.Timestamp("2025-08-01T00:00:00Z"), pd.Timestamp("2026-10-01T00:00:00Z"))
    assert (SPAN[1] - SPAN[0]) == pd.Timedelta(days=426)
    assert TIMEZONE == "America/New_York"


def test_sample_source_follows_protocol(src):
    assert isinstance(src, Source) and src.name == "sample" and src.span() == SPAN


def test_raw_history_is_canonical_and_labelled(cache_dir):
    frame, labels = raw_history("2026-09-01", "2026-09-03")
    cframe.validate(frame, name="raw_history")
    assert frame["ds"].min() >= pd.Timestamp("2026-09-01", tz=UTC)
    assert frame["ds"].max() < pd.Timestamp("2026-09-03", tz=UTC)
    assert (frame["ds"].dt.second == 0).all()
    assert 40 <= labels["unique_id"].nunique() <= 60
    assert 'http_requests_total{handler="/api",method="GET",status="2xx"}' in set(labels["unique_id"])
    kinds = metric_kinds()
    assert set(labels["__name__"]) == set(kinds)
    assert set(kinds.values()) == {"counter", "gauge", "histogram"}
    # each unique_id is the Prometheus series id of its labels
    for row in labels.to_dict("records"):
        lbl = {k: v for k, v in row.items() if k not in ("unique_id", "__name__") and isinstance(v, str)}
        assert cframe.series_id(row["__name__"], lbl) == row["unique_id"]
    les = set(labels.loc[labels["__name__"] == "http_request_duration_seconds_bucket", "le"])
    assert les == {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"}


def test_generator_kinds_match_metric_kinds(src):
    raws, _ = src._history._generated()
    assert {r.name: r.kind for r in raws} == metric_kinds()


def test_generation_is_deterministic(src):
    again, _ = _sample_store.ordered(_sample_gen.generate())
    first, _ = src._history._generated()
    assert len(first) == len(again)
    for a, b in zip(first, again, strict=False):
        assert a.name == b.name and a.labels == b.labels
        np.testing.assert_array_equal(a.values, b.values)
        np.testing.assert_array_equal(a.present, b.present)


def test_recipes_render_exactly_the_catalog_queries():
    cat = default_catalog()
    assert set(RECIPES) == set(cat)
    for name, recipe in RECIPES.items():
        assert recipe.promql() == cat[name].query, name


# ------------------------------------------------------------ PromQL semantics


def test_histogram_quantile_hand_worked():
    les = np.array([0.1, 0.5, np.inf])
    counts = np.array([[50.0, 90.0, 100.0]])  # one point, three buckets
    assert histogram_quantile(0.25, les, counts)[0] == pytest.approx(0.05)  # 0 + 0.1 * 25/50
    assert histogram_quantile(0.7, les, counts)[0] == pytest.approx(0.3)  # 0.1 + 0.4 * 20/40
    assert histogram_quantile(0.95, les, counts)[0] == pytest.approx(0.5)  # in +Inf: top finite bound
    assert np.isnan(histogram_quantile(0.5, les, np.zeros((1, 3))))[0]
    # non-monotonic input is made monotonic first: [50, 40, 100] acts like [50, 50, 100]
    assert histogram_quantile(0.5, les, np.array([[50.0, 40.0, 100.0]]))[0] == pytest.approx(0.1)


def test_instant_values_take_the_latest_sample_within_five_minutes():
    t = np.array([0, 60_000, 400_000])  # ms
    v = np.array([1.0, 2.0, 3.0])
    grid = np.array([-1, 0, 59_999, 300_000, 360_000, 360_001, 400_000, 700_000, 700_001])
    ok, val = instant_values(t, v, grid)
    assert ok.tolist() == [False, True, True, True, True, False, True, True, False]
    assert val[ok].tolist() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert np.isnan(val[~ok]).all()
    none_ok, none_val = instant_values(np.zeros(0, np.int64), np.zeros(0), grid)
    assert not none_ok.any() and np.isnan(none_val).all()


def test_extrapolated_rate_hand_worked():
    t = np.arange(0, 11) * 60_000  # a sample every minute, counter +6 per minute (0.1/s)
    v = 1000.0 + 6.0 * np.arange(11)
    ok, r = extrapolated_rate(t, v, np.array([600_000]))
    assert ok[0] and r[0] == pytest.approx(0.1)  # aligned window: 6 samples cover 300 s exactly
    ok, r = extrapolated_rate(t, v, np.array([570_000]))  # 5 samples span 240 s, 30 s to each edge
    assert r[0] == pytest.approx(24 * (300 / 240) / 300)
    v2 = v.copy()
    v2[8:] = 6.0 * np.arange(1, 4)  # restart at minute 8: 6, 12, 18
    ok, r = extrapolated_rate(t, v2, np.array([600_000]))  # increase: (1042-1030) + 6 + 12 = 30 over 300 s
    assert r[0] == pytest.approx(30 / 300)
    ok, _ = extrapolated_rate(t, v, np.array([60_000 * 30]))  # no sample in the window
    assert not ok[0]


def test_request_rate_equals_independent_increase(src):
    start, end = "2026-06-10 12:00", "2026-06-10 14:00"  # a Wednesday without deploy, restart or gap
    got = series(src, "request_rate", start, end)
    sel = pull(src, 'http_requests_total{handler=~"/.*"}', "2026-06-10 11:50", end).frame
    wide = sel.pivot(index="ds", columns="unique_id", values="y")
    expected = (wide - wide.shift(5)).sum(axis=1, min_count=1).dropna() / 300.0  # 5 minutes of increase
    expected = expected[got.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_instant_lookup_semantics(src):
    minute = series(src, "pg_up", "2026-01-20 02:50", "2026-01-20 03:20")
    # the postgres exporter is unreachable from 03:00: the last sample is 02:59, and a
    # lookup at t finds it while 02:59 >= t - 5m (Prometheus 2.x: lookback inclusive)
    half = series(src, "pg_up", "2026-01-20 02:50:30", "2026-01-20 03:20", step="1m")
    assert minute.index.max() == pd.Timestamp("2026-01-20 03:04", tz=UTC)
    assert half.index.max() == pd.Timestamp("2026-01-20 03:03:30", tz=UTC)
    lag = pull(src, "pg_replication_lag_seconds", "2026-06-01 10:00", "2026-06-01 10:05", "30s").frame
    minute_vals = pull(src, "pg_replication_lag_seconds", "2026-06-01 10:00", "2026-06-01 10:05", "1m").frame
    # a lookup at hh:mm:30 sees the hh:mm sample
    np.testing.assert_array_equal(lag["y"].to_numpy()[1::2], minute_vals["y"].to_numpy()[:-1])


# ---------------------------------------------------------------- shape


def test_business_hours_and_weekends(src):
    wed = series(src, "request_rate", "2026-06-10 00:00", "2026-06-11 00:00")  # EDT = UTC-4
    sat = series(src, "request_rate", "2026-06-13 00:00", "2026-06-14 00:00")
    business = wed.between_time("14:00", "21:00").mean()  # 10:00-17:00 local
    night = wed.between_time("06:00", "09:00").mean()  # 02:00-05:00 local
    assert business > 4 * night
    assert sat.mean() < 0.7 * wed.mean()


def test_business_hours_follow_daylight_saving(src):
    # 13:30 UTC is 09:30 local in July (EDT) but 08:30 local in January (EST): busier in July
    ratio = {}
    for day in ("2026-01-14", "2026-07-15"):
        s = series(src, "request_rate", f"{day} 00:00", f"{day} 23:59")
        ratio[day] = s.between_time("13:25", "13:35").mean() / s.between_time("15:00", "20:00").mean()
    assert ratio["2026-07-15"] > 0.8 > ratio["2026-01-14"]


def _growth_per_day(s: pd.Series) -> float:
    days = (s.index - s.index[0]) / pd.Timedelta(days=1)
    return float(np.polyfit(days, np.log(s.to_numpy()), 1)[0])


def test_growth_rates(src):
    users = series(src, "users_total", "2025-08-02", "2026-09-30", "1D")
    quarterly = np.exp(_growth_per_day(users) * 365.25 / 4)
    assert 1.55 < quarterly < 1.75  # ~65% a quarter: faster than the +50% plan
    db = series(src, "db_size_bytes", "2025-08-02", "2026-09-30", "1D")
    yearly = np.exp(_growth_per_day(db) * 365)
    assert 1.5 < yearly < 1.7  # ~60% a year: slower than the +100% plan
    storage = series(src, "file_storage_bytes", "2026-07-01", "2026-09-30", "1D")
    quota = series(src, "file_storage_quota_bytes", "2026-09-30", "2026-09-30", "1D").iloc[-1]
    months_to_quota = np.log(quota / storage.iloc[-1]) / _growth_per_day(storage) / 30.44
    assert 6 < months_to_quota < 9
    free = series(src, "disk_free_ratio", "2025-08-02", "2026-09-30", "1D")
    assert free.iloc[:30].mean() > 0.4 and 0.1 < free.iloc[-3:].mean() < 0.2  # the DB volume heads for 10%


# ---------------------------------------------------------------- incidents (September 2026)

SEPT = ("2026-09-01", "2026-09-30 23:59")


@pytest.mark.parametrize(
    "metric, above, threshold, at_least",
    [
        ("error_ratio", True, 0.05, pd.Timedelta(minutes=6)),
        ("latency_p95_seconds", True, 0.5, pd.Timedelta(hours=2)),
        ("latency_mean_seconds", True, 2.0, pd.Timedelta(minutes=11)),
        ("memory_utilization", True, 0.9, pd.Timedelta(minutes=11)),
        ("cpu_utilization", True, 0.8, pd.Timedelta(minutes=31)),
        ("cache_miss_ratio", True, 0.5, pd.Timedelta(minutes=16)),
        ("disk_free_ratio", False, 0.1, pd.Timedelta(hours=1)),
        ("file_upload_failure_ratio", True, 0.1, pd.Timedelta(minutes=6)),
        ("backup_job_failures", True, 0.0, pd.Timedelta(hours=1)),
        ("tls_cert_expiry_seconds", False, 7 * 86400.0, pd.Timedelta(hours=1)),
        ("db_slow_queries_rate", True, 0.1, pd.Timedelta(minutes=10)),
    ],
)
def test_september_incident_crosses_runbook_threshold(src, metric, above, threshold, at_least):
    s = series(src, metric, *SEPT)
    mask = s > threshold if above else s < threshold
    assert longest_run(mask, *SEPT) >= at_least


def test_incident_table_lists_one_of_each_kind_in_september():
    table = sample.incidents()
    sept = table[(table["start"] >= "2026-09-01") & (table["end"] <= "2026-10-01")]
    assert {
        "outage",
        "error_spike",
        "latency_regression",
        "latency_severe",
        "memory_pressure",
        "cpu_saturation",
        "cache_flush",
        "disk_filling",
        "slow_queries",
        "upload_failures",
        "backup_failure",
        "tls_late_renewal",
    } <= set(sept["kind"])
    assert (table["end"] > table["start"]).all() and str(table["start"].dt.tz) == "UTC"


def test_september_outage(src):
    up = series(src, "service_up", *SEPT)
    assert longest_run(up == 0, *SEPT) >= pd.Timedelta(minutes=18)
    down = up[up == 0].index
    rate = series(src, "request_rate", down.min(), down.max())
    assert len(rate) < len(down)  # no requests: the series stops while the API is down


# A quiet month: no incident of any kind between these times (the incident table says so, checked below).
QUIET = ("2026-08-01", "2026-08-31 23:59")


def test_quiet_month_has_no_incident():
    t = sample.incidents()
    assert not ((t["end"] > ts(QUIET[0])) & (t["start"] < ts(QUIET[1]))).any()


def test_slow_queries_are_rare_outside_incidents(src):
    # "queries taking >5s" is an alert condition, not the weather: in a quiet month the 5-minute rate is
    # above zero in well under 1% of minutes (a few strays and bursts), and the SlowDatabaseQueries rule
    # (rate > 0 for 5m = 6 consecutive evaluations) holds for a handful of stretches at most
    rate = series(src, "db_slow_queries_rate", *QUIET)
    above = rate > 0
    assert above.mean() < 0.01
    grid = pd.date_range(ts(QUIET[0]), ts(QUIET[1]), freq="min")
    held = above.reindex(grid, fill_value=False).to_numpy(bool)
    starts = np.flatnonzero(held & ~np.concatenate([[False], held[:-1]]))
    ends = np.flatnonzero(held & ~np.concatenate([held[1:], [False]]))
    firing = int(((ends - starts + 1) >= 6).sum())
    assert firing <= 5


def test_upload_failures_are_rare_outside_incidents(src):
    # enough uploads that one failure is not a 10% ratio: more than 10 in every 5 minutes, even on weekend nights
    f = pull(src, 'artisan_file_uploads_total{result="success"}', *QUIET).frame
    ok = pd.Series(f["y"].to_numpy(), index=pd.DatetimeIndex(f["ds"]))
    per_5m = ok.diff(5).dropna()
    per_5m = per_5m[per_5m >= 0]  # leave out the windows holding a counter reset (weekly deploy)
    assert len(per_5m) > 40000 and per_5m.quantile(0.001) > 10
    ratio = series(src, "file_upload_failure_ratio", *QUIET)
    assert ratio.mean() < 0.01  # baseline well under 1% failed
    assert longest_run(ratio > 0.1, *QUIET) < pd.Timedelta(minutes=6)  # FileUploadFailures (for: 5m) never fires


def test_cpu_stays_in_range_at_night_and_leaves_it_at_peaks_as_traffic_grows(src):
    # the runbook's normal range is 30-60%: nights do not fall below it (the node's floor of background work),
    # while traffic growth pushes business-hour peaks above 60% more often in 2026Q3 than in 2025Q4
    early = series(src, "cpu_utilization", "2025-10-01", "2025-12-31 23:59")
    late = series(src, "cpu_utilization", "2026-07-01", "2026-09-30 23:59")
    for s in (early, late):
        assert (s < 0.3).mean() < 0.02
    assert (late > 0.6).mean() > 2 * (early > 0.6).mean()
    assert (late > 0.6).mean() > 0.10  # the default cpu-in-range SLO (90%) is missed in 2026Q3: a capacity finding
    assert (early > 0.6).mean() < 0.05


def test_baselines_are_normal_outside_incidents(src):
    day = "2026-08-12"  # an ordinary Wednesday
    assert series(src, "error_ratio", day, f"{day} 23:59").max() < 0.01
    assert series(src, "latency_p95_seconds", day, f"{day} 23:59").max() < 0.5
    assert series(src, "cache_hit_ratio", day, f"{day} 23:59").min() > 0.9
    assert series(src, "service_up", day, f"{day} 23:59").min() == 1


# ---------------------------------------------------------------- resets and gaps


def test_counter_resets_and_gaps_present(cache_dir):
    frame, labels = raw_history("2026-09-01", "2026-10-01")
    reqs = frame[frame["unique_id"] == 'http_requests_total{handler="/api",method="GET",status="2xx"}']
    assert (np.diff(reqs["y"].to_numpy()) < 0).sum() >= 4  # weekly deploys + outage + leak fix
    per_series = frame.groupby("unique_id", observed=True).size()
    full = 30 * 1440
    assert (per_series < full).all()  # Prometheus itself was down for a few minutes
    api_ok = 'http_requests_total{handler="/api",method="GET",status="2xx"}'
    assert per_series['up{job="artisan-api"}'] > per_series[api_ok]


# ---------------------------------------------------------------- selectors and errors


def test_selector_matching(src):
    got = pull(src, 'http_requests_total{status=~"5.."}', "2026-06-01", "2026-06-01 00:10")
    assert set(got.frame["unique_id"]) == {
        'http_requests_total{handler="/api",method="GET",status="5xx"}',
        'http_requests_total{handler="/api",method="POST",status="5xx"}',
    }
    assert set(got.labels["status"]) == {"5xx"}
    cframe.validate(got.frame)
    ups = pull(src, '{__name__="up",job!="artisan-api"}', "2026-06-01", "2026-06-01 00:10")
    assert got.frame["unique_id"].nunique() == 2 and ups.frame["unique_id"].nunique() == 3
    none = pull(src, 'up{job="nope"}', "2026-06-01", "2026-06-01 00:10")
    assert len(none.frame) == 0


def test_catalog_truth_frame(src):
    got = pull(src, "request_rate", "2026-06-01", "2026-06-02", "1h")
    cframe.validate(got.frame)
    assert set(got.frame["unique_id"]) == {"request_rate"} and len(got.frame) == 25
    assert list(got.labels["unique_id"]) == ["request_rate"]


def test_catalog_entry_grouped_by_le_gives_one_series_per_bucket(src):
    """request_duration_buckets (``sum by (le)``): one series per bucket, named as a Prometheus source
    names them; cumulative in le, and the +Inf bucket counts every request (request_rate)."""
    got = pull(src, "request_duration_buckets", "2026-06-01", "2026-06-02", "5m")
    cframe.validate(got.frame)
    les = ["+Inf", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5"]
    want = [f'request_duration_buckets{{le="{le}"}}' for le in les]
    assert list(got.labels["unique_id"]) == want and list(got.labels["le"]) == les
    wide = got.frame.pivot(index="ds", columns="unique_id", values="y")
    assert len(wide) == 289 and not wide.isna().any().any()
    by_le = wide[[f'request_duration_buckets{{le="{le}"}}' for le in les[1:] + les[:1]]].to_numpy()
    assert (np.diff(by_le, axis=1) >= -1e-9).all()
    total = series(src, "request_rate", "2026-06-01", "2026-06-02", "5m")
    np.testing.assert_allclose(wide['request_duration_buckets{le="+Inf"}'].to_numpy(), total.to_numpy(), rtol=1e-12)


def test_unknown_name_suggests(src):
    with pytest.raises(UnknownMetricError) as info:
        pull(src, "request_rat", "2026-06-01", "2026-06-02")
    assert "request_rate" in str(info.value)


def test_complex_promql_is_refused_naming_the_query(src):
    q = "sum(rate(http_requests_total[1h]))"
    with pytest.raises(ConfigError) as info:
        pull(src, q, "2026-06-01", "2026-06-02")
    assert q in str(info.value) and "catalog names and plain selectors" in str(info.value)


def test_malformed_selector(src):
    with pytest.raises(QueryError):
        pull(src, 'up{job="x"', "2026-06-01", "2026-06-02")


def test_parquet_cache_round_trip(cache_dir, src):
    cached, labels = raw_history("2026-09-07", "2026-09-09")
    assert list((cache_dir / "sample").glob("*.tmp")) == []
    assert len(list((cache_dir / "sample").glob("raw-*.parquet"))) == 1
    fresh, fresh_labels = sample._raw_frame(src._history, ts("2026-09-07"), ts("2026-09-09"))  # in memory
    pd.testing.assert_frame_equal(cached, fresh)
    pd.testing.assert_frame_equal(labels, fresh_labels)
    a = (
        SampleSource()
        .fetch(
            "latency_p95_seconds",
            pd.Timestamp("2026-09-15 12:00", tz=UTC),
            pd.Timestamp("2026-09-15 20:00", tz=UTC),
            pd.Timedelta("5m"),
        )
        .frame
    )
    b = pull(src, "latency_p95_seconds", "2026-09-15 12:00", "2026-09-15 20:00", "5m").frame
    pd.testing.assert_frame_equal(a, b)
