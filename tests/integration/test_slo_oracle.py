"""The SLO engine against Prometheus itself, on the bundled history backfilled
into a real Prometheus 2.42 (fixture ``prometheus``: 2026-08-20 .. 2026-10-01).

What is compared, and why the tolerances are what they are:

* Counter SLIs (ratio, latency threshold from buckets, cache hits): the engine
  sums the increases between consecutive samples whose later sample lies in
  the window ``(start, end]``. Prometheus 2.x ``increase(x[W])`` at ``end``
  takes the samples in ``[end-W, end]`` and *extrapolates* toward the range
  edges. When every series has a sample exactly on both edges the
  extrapolation factor is exactly 1 and the two agree to float rounding
  (relative 1e-9: only summation order differs). When a series has a scrape
  gap at an edge (or starts/ends inside the window) Prometheus extrapolates;
  ``prom_increase`` below reproduces Prometheus' extrapolatedRate from the raw
  samples, and the test shows Prometheus = that model (1e-9) while the engine
  keeps the exact count of observed increases (no invented events).
* Burn rates: ``sum(increase(bad[w])) / sum(increase(total[w])) / (1 - objective)``
  with ``query_range`` at 1-minute steps, compared at every step whose window
  edges have samples for every series (relative 1e-9); the steps left out are
  counted and must be few.
* Time-slice SLIs: the engine fed with Prometheus' own 1-minute values of the
  catalog expression counts exactly the minutes
  ``count_over_time((Q > bool x)[W-1s:1m])`` counts (integers, equal). ``W-1s``
  makes Prometheus' closed subquery range ``[t-W, t]`` the engine's ``(t-W, t]``.
* Generated recording rules: evaluated by ``promtool tsdb create-blocks-from
  rules`` and read back from Prometheus, they equal the engine's error ratios
  (see the test for the evaluation-offset reasoning). promtool 2.42 backfills
  recording rules only (no ALERTS series), so alerts are checked with
  ``query_range`` + ``for:`` and with ``promtool test rules``.
* Alert replay: the engine's episodes equal those derived from Prometheus
  evaluating the same condition at every minute (``query_range`` of
  ``(Q) > threshold``) with ``for:`` applied by the straightforward rule, and
  Prometheus' rule engine itself (``promtool test rules``) agrees minute by
  minute on a real incident.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
import yaml

from capacity.cli.rules import catalog_queries
from capacity.core.windows import Window
from capacity.metrics.catalog import default_catalog
from capacity.slo import default_spec, parse_spec, rules_yaml
from capacity.slo.engine import burn_rate_series, compliance, replay_alerts
from capacity.slo.rules import alert_rule
from capacity.slo.series import select
from capacity.testing.servers import binary

pytestmark = pytest.mark.integration

END = pd.Timestamp("2026-09-30T23:59:00Z")  # the last sample of the history
START = END - pd.Timedelta(days=30)
MIN = pd.Timedelta(minutes=1)


# --------------------------------------------------------------------------- helpers


def instant(url: str, expr: str, t: pd.Timestamp) -> list[tuple[dict, float]]:
    r = requests.get(f"{url}/api/v1/query", params={"query": expr, "time": t.timestamp()}, timeout=120)
    r.raise_for_status()
    return [(x["metric"], float(x["value"][1])) for x in r.json()["data"]["result"]]


def scalar(url: str, expr: str, t: pd.Timestamp) -> float:
    res = instant(url, expr, t)
    assert len(res) == 1, (expr, res)
    return res[0][1]


def query_range(url: str, expr: str, start: pd.Timestamp, end: pd.Timestamp, step: str = "60") -> pd.Series:
    """One-series query_range as a Series indexed by UTC timestamps (chunks of <= 10000 points)."""
    parts = []
    t = start
    while t <= end:
        e = min(end, t + pd.Timedelta(minutes=9999))
        r = requests.get(
            f"{url}/api/v1/query_range",
            params={"query": expr, "start": t.timestamp(), "end": e.timestamp(), "step": step},
            timeout=300,
        )
        r.raise_for_status()
        res = r.json()["data"]["result"]
        assert len(res) <= 1, (expr, len(res))
        if res:
            v = np.array(res[0]["values"], dtype=float)
            parts.append(pd.Series(v[:, 1], index=pd.to_datetime(v[:, 0], unit="s", utc=True)))
        t = e + MIN
    return pd.concat(parts) if parts else pd.Series(dtype=float)


def as_frame(uid: str, s: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": s.index.as_unit("ns"), "y": s.to_numpy(dtype=float)})


def counter_data(prom, queries):
    return {q: select(prom.raw, prom.labels, q) for q in queries}


def prom_increase(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Prometheus 2.x ``sum(increase(x[end-start]))`` at ``end`` computed from raw samples
    (promql/functions.go extrapolatedRate: closed range, counter resets, extrapolation
    to the edges up to 1.1 average intervals else half an interval, not below zero)."""
    total = 0.0
    rs, re_ = start.value / 1e9, end.value / 1e9
    for _, g in frame.groupby("unique_id"):
        g = g[(g.ds >= start) & (g.ds <= end)]
        if len(g) < 2:
            continue
        ts = g.ds.astype("int64").to_numpy() / 1e9
        v = g.y.to_numpy()
        d = np.diff(v)
        result = v[-1] - v[0] + v[:-1][d < 0].sum()
        to_start, to_end = ts[0] - rs, re_ - ts[-1]
        sampled = ts[-1] - ts[0]
        avg = sampled / (len(ts) - 1)
        if result > 0 and v[0] >= 0:
            to_zero = sampled * (v[0] / result)
            to_start = min(to_start, to_zero)
        thr = avg * 1.1
        interval = sampled + (to_start if to_start < thr else avg / 2) + (to_end if to_end < thr else avg / 2)
        total += result * interval / sampled
    return total


def edges_covered(frame: pd.DataFrame, times: pd.DatetimeIndex) -> np.ndarray:
    """Whether every series of ``frame`` has a sample at each of ``times``."""
    ok = np.ones(len(times), dtype=bool)
    for _, g in frame.groupby("unique_id"):
        ok &= np.isin(times.as_unit("ns").asi8, g.ds.astype("int64").to_numpy())
    return ok


# --------------------------------------------------------------------------- compliance


COUNTER_SLOS = {
    # slo name: (bad expr, total expr) in PromQL
    "error-rate": ('sum(increase(http_requests_total{status="5xx"}[30d]))', "sum(increase(http_requests_total[30d]))"),
    "latency-p95": (
        'sum(increase(http_request_duration_seconds_bucket{le="+Inf"}[30d])) - sum(increase(http_request_duration_seconds_bucket{le="0.5"}[30d]))',  # noqa: E501 (a literal query / response body)
        'sum(increase(http_request_duration_seconds_bucket{le="+Inf"}[30d]))',
    ),
    "cache-hit-rate": (
        "sum(increase(redis_keyspace_misses_total[30d]))",
        "sum(increase(redis_keyspace_hits_total[30d])) + sum(increase(redis_keyspace_misses_total[30d]))",
    ),
}


@pytest.mark.parametrize("name", sorted(COUNTER_SLOS))
def test_counter_compliance_equals_promql(prometheus, name):
    spec = default_spec()
    slo = spec.slo(name)
    data = counter_data(prometheus, [q.text for q in slo.sli.queries()])
    for q, f in data.items():
        assert len(f), q
        # both window edges sampled for every series: Prometheus' extrapolation factor is exactly 1
        assert edges_covered(f, pd.DatetimeIndex([START, END])).all(), q
    w = Window("2026-09", START, END, "rolling")
    row = compliance(spec, data, [w], [name]).iloc[0]
    bad_q, total_q = COUNTER_SLOS[name]
    p_bad, p_total = scalar(prometheus.url, bad_q, END), scalar(prometheus.url, total_q, END)
    assert row.total == pytest.approx(p_total, rel=1e-9)
    assert row.bad == pytest.approx(p_bad, rel=1e-9, abs=1e-6)
    assert row.compliance == pytest.approx(1 - p_bad / p_total, rel=0, abs=1e-12)
    assert row.budget_consumed == pytest.approx((p_bad / p_total) / (1 - slo.objective), rel=1e-9)
    assert bool(row.met) == (1 - p_bad / p_total >= slo.objective)


def test_extrapolation_difference_is_explained(prometheus):
    """A window starting inside a scrape gap: Prometheus extrapolates, the engine does not."""
    data = counter_data(prometheus, ["http_requests_total"])
    f = data["http_requests_total"]
    one = f[f.unique_id == f.unique_id.iloc[0]]
    ds = one.ds.sort_values()
    gaps = ds[ds.diff() > pd.Timedelta(minutes=2)]
    gaps = gaps[(gaps > pd.Timestamp("2026-08-25T00:00Z")) & (gaps < pd.Timestamp("2026-09-28T00:00Z"))]
    assert len(gaps), "the bundled history has scrape gaps"
    gap_end = gaps.iloc[0]
    start = gap_end - pd.Timedelta(minutes=1)  # inside the gap: no sample at the window start
    end = start + pd.Timedelta(days=2)
    spec = default_spec()
    w = Window("x", start, end, "rolling")
    spec_total = parse_spec(
        {
            "apiVersion": "capacity/v1",
            "slos": [
                {
                    "name": "t",
                    "objective": 0.9,
                    "sli": {
                        "kind": "ratio",
                        "bad": {"query": 'http_requests_total{status="5xx"}', "counter": True},
                        "total": {"query": "http_requests_total", "counter": True},
                    },
                }
            ],
        },
        file="t",
    )
    d2 = counter_data(prometheus, ['http_requests_total{status="5xx"}', "http_requests_total"])
    row = compliance(spec_total, d2, [w]).iloc[0]
    p_total = scalar(prometheus.url, "sum(increase(http_requests_total[2d]))", end)
    model = prom_increase(f, start, end)
    assert p_total == pytest.approx(model, rel=1e-9)  # the documented model is Prometheus' behaviour
    # the engine counts the increases it observed: those whose later sample is in (start, end]
    observed = sum(
        float(np.clip(np.diff(g.y.to_numpy()), 0, None).sum() + g.y.to_numpy()[1:][np.diff(g.y.to_numpy()) < 0].sum())
        for _, g in f[(f.ds > start - pd.Timedelta(hours=1)) & (f.ds <= end)].groupby("unique_id")
        for g in [g[g.ds >= g.ds[g.ds <= start].max()] if (g.ds <= start).any() else g]
    )
    assert row.total == pytest.approx(observed, rel=1e-12)
    assert abs(row.total - p_total) / p_total > 1e-6  # they really differ here, by the extrapolation
    assert abs(row.total - p_total) / p_total < 5e-3  # and only by it: bounded by the gap over the window
    del spec


@pytest.mark.parametrize("window", ["5m", "1h", "6h"])
def test_burn_rates_equal_promql(prometheus, window):
    spec = default_spec()
    slo = spec.slo("error-rate")
    data = counter_data(prometheus, [q.text for q in slo.sli.queries()])
    t0, t1 = pd.Timestamp("2026-09-03T00:00Z"), pd.Timestamp("2026-09-04T00:00Z")  # the 2026-09-03 error spike
    ours = burn_rate_series(spec, data, t0, t1, ["error-rate"])
    ours = ours[ours.window == window].set_index("ds").burn_rate
    expr = (
        f'(sum(increase(http_requests_total{{status="5xx"}}[{window}])) / sum(increase(http_requests_total[{window}])))'
        f" / (1 - {slo.objective!r})"
    )
    theirs = query_range(prometheus.url, expr, t0, t1)
    w = pd.Timedelta(window)
    times = ours.index
    f = data["http_requests_total"]
    ok = edges_covered(f, times) & edges_covered(f, times - w)
    both = ok & ours.notna().to_numpy() & times.isin(theirs.index)
    assert both.sum() >= 0.95 * len(times), f"only {both.sum()} of {len(times)} steps have sampled edges"
    a = ours.to_numpy()[both]
    b = theirs.reindex(times[both]).to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # the spike (12% errors for 25 minutes against a 1% budget) burns at ~12x over 5m, ~5x over 1h, ~0.8x over 6h
    assert np.nanmax(a) > {"5m": 10, "1h": 4, "6h": 0.5}[window]


# --------------------------------------------------------------------------- time slices


def test_gauge_range_counts_equal_promql(prometheus):
    spec = default_spec()
    spec.slo("cpu-in-range")  # the SLO this test checks exists
    q = default_catalog()["cpu_utilization"].query
    t0 = END - pd.Timedelta(days=7)
    values = query_range(prometheus.url, q, t0 - MIN, END)
    data = {"cpu_utilization": as_frame("cpu_utilization", values)}
    w = Window("7d", t0, END, "rolling")
    row = compliance(spec, data, [w], ["cpu-in-range"]).iloc[0]
    rng = "[604799s:1m]"
    above = scalar(prometheus.url, f"sum_over_time((({q}) > bool 0.6){rng})", END)
    below = scalar(prometheus.url, f"sum_over_time((({q}) < bool 0.3){rng})", END)
    count = scalar(prometheus.url, f"count_over_time(({q}){rng})", END)
    assert row.total == count
    assert row.share_above * row.total == pytest.approx(above, abs=1e-9)
    assert row.share_below * row.total == pytest.approx(below, abs=1e-9)
    assert row.good == count - above - below
    assert row.no_data_minutes == 7 * 1440 - count


# --------------------------------------------------------------------------- alert replay


def _for_episodes(
    holds: pd.Series, for_: pd.Timedelta, score_from: pd.Timestamp
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Firing episodes from the minutes at which the condition held (Prometheus for: rule, straightforward loop)."""
    out, active_at, firing_since, prev = [], None, None, None
    for t in holds.index:
        if prev is not None and t - prev != MIN:  # a minute without a result: the alert is gone
            if firing_since is not None:
                out.append((firing_since, prev + MIN))
            active_at = firing_since = None
        if active_at is None:
            active_at = t
        if firing_since is None and t - active_at >= for_:
            firing_since = t
        prev = t
    if firing_since is not None:
        out.append((firing_since, prev + MIN))
    return [(s, e) for s, e in out if e > score_from]


@pytest.mark.parametrize(
    "name",
    [
        "HighErrorRate",
        "ServiceDown",
        "HighMemoryUsage",
        "HighCPUUsage",
        "LowDiskSpace",
        "SSLCertificateExpiry",
        "FailedBackups",
        "FileUploadFailures",
        "SlowDatabaseQueries",
        "HighResponseTime",
        "HighCacheMissRate",
    ],
)
def test_alert_episodes_equal_prometheus_evaluation(prometheus, name):
    spec = default_spec()
    a = next(x for x in spec.alerts if x.name == name)
    q = default_catalog()[a.metric.text].query
    t0 = pd.Timestamp("2026-09-01T00:00Z")
    warm = t0 - pd.Timedelta(hours=4)
    values = query_range(prometheus.url, q, warm, END)
    ours = replay_alerts(spec, {a.metric.text: as_frame(a.metric.text, values)}, t0, END, [name])
    holds = query_range(prometheus.url, alert_rule(a, catalog_queries())["expr"], warm, END)
    theirs = _for_episodes(holds, a.for_, t0)
    got = list(zip(ours.start, ours.end, strict=False))
    assert got == theirs
    assert len(theirs) >= 1, f"the September history has a {name} incident"


def test_for_semantics_match_prometheus_rule_engine(prometheus, tmp_path: Path):
    """promtool test rules (Prometheus' own rule evaluation) on the raw series of the
    2026-09-03 error spike: at every minute, HighErrorRate fires exactly when the replay says so."""
    spec = default_spec()
    a = next(x for x in spec.alerts if x.name == "HighErrorRate")
    t0, t1 = pd.Timestamp("2026-09-03T14:00Z"), pd.Timestamp("2026-09-03T16:30Z")
    f = select(prometheus.raw, prometheus.labels, "http_requests_total")
    f = f[(f.ds >= t0) & (f.ds <= t1)]
    minutes = pd.date_range(t0, t1, freq="1min")
    series = []
    for uid, g in f.groupby("unique_id"):
        v = pd.Series(g.y.to_numpy(), index=g.ds).reindex(minutes)
        series.append({"series": uid, "values": " ".join("_" if np.isnan(x) else repr(float(x)) for x in v)})
    rule = alert_rule(a, catalog_queries())
    (tmp_path / "rules.yaml").write_text(rules_yaml({"groups": [{"name": "g", "interval": "1m", "rules": [rule]}]}))
    values = query_range(prometheus.url, default_catalog()["error_ratio"].query, t0, t1)
    # the replay on Prometheus' values of the same window (the rule engine starts cold at t0 too)
    eps = replay_alerts(
        parse_spec(
            {
                "apiVersion": "capacity/v1",
                "alerts": [
                    {
                        "name": a.name,
                        "metric": "error_ratio",
                        "op": a.op,
                        "threshold": a.threshold,
                        "for": "5m",
                        "priority": a.priority,
                        "response": a.response,
                    }
                ],
            },
            file="x",
        ),
        {"error_ratio": as_frame("error_ratio", values)},
        t0,
        t1,
    )
    firing = set()
    for s, e in zip(eps.start, eps.end, strict=False):
        firing |= set(pd.date_range(s, e - MIN, freq="1min"))
    assert firing, "the spike makes HighErrorRate fire"
    exp = [{"exp_labels": dict(rule["labels"]), "exp_annotations": dict(rule["annotations"])}]
    checks = [
        {"eval_time": f"{int((t - t0) / MIN)}m", "alertname": a.name, "exp_alerts": exp if t in firing else []}
        for t in minutes[10:]
    ]
    (tmp_path / "test.yaml").write_text(
        yaml.safe_dump(
            {
                "rule_files": ["rules.yaml"],
                "evaluation_interval": "1m",
                "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": checks}],
            },
            sort_keys=False,
        )
    )
    r = subprocess.run(
        [binary("promtool"), "test", "rules", str(tmp_path / "test.yaml")], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]


def test_cli_against_the_prometheus_source(prometheus, capsys):
    """`capacity slo --source URL` pulls the raw counters through Prometheus' API and
    lands on the numbers PromQL gives (window edges sampled: no extrapolation)."""
    import json

    from capacity.cli import main

    end = END
    rc = main(
        [
            "slo",
            "--source",
            prometheus.url,
            "--no-cache",
            "--window",
            "7d",
            "--end",
            end.isoformat(),
            "--slo",
            "error-rate",
            "--format",
            "json",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    (row,) = json.loads(capsys.readouterr().out)
    p_bad = scalar(prometheus.url, 'sum(increase(http_requests_total{status="5xx"}[7d]))', end)
    p_total = scalar(prometheus.url, "sum(increase(http_requests_total[7d]))", end)
    assert row["total"] == pytest.approx(p_total, rel=1e-9)
    assert row["bad"] == pytest.approx(p_bad, rel=1e-9)
    assert row["compliance"] == pytest.approx(1 - p_bad / p_total, abs=1e-12)


def test_generated_recording_rules_equal_engine_error_ratios(
    prometheus_factory, pristine_blocks, prometheus, tmp_path: Path
):
    """The recording rules `capacity rules` writes, evaluated by promtool
    (`tsdb create-blocks-from rules`) and read back from a Prometheus, equal the
    engine's error ratios.

    promtool evaluates a group at ``start + offset + k x interval`` where the
    offset comes from the group's hash (like the rule manager), so evaluations
    fall between the 1-minute samples. At such a time ``t'`` the range
    ``[t' - W, t']`` holds the samples of minutes ``floor(t') - W + 1m ..
    floor(t')``: the engine's sum over the ``W/1m - 1`` steps ending at
    ``floor(t')``. Prometheus extrapolates every series by the same factor
    there, which cancels in the ratio; compared where every series is sampled
    at both ends (relative 1e-9).
    """
    import shutil

    from capacity.slo.budget import window_sums
    from capacity.slo.engine import evaluate_events
    from capacity.slo.rules import slo_rules

    spec = default_spec()
    slo = spec.slo("error-rate")
    groups = [g for g in slo_rules(spec, slo, catalog_queries()) if g["name"].endswith("-recordings")]
    for g in groups:
        g["rules"] = [
            r for r in g["rules"] if r["record"] in ("slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h")
        ]
    (tmp_path / "rec.yaml").write_text(rules_yaml({"groups": groups}))
    t0, t1 = pd.Timestamp("2026-09-03T12:00Z"), pd.Timestamp("2026-09-03T18:00Z")
    out = tmp_path / "blocks"
    r = subprocess.run(
        [
            binary("promtool"),
            "tsdb",
            "create-blocks-from",
            "rules",
            f"--start={int(t0.timestamp())}",
            f"--end={int(t1.timestamp())}",
            f"--url={prometheus.url}",
            f"--output-dir={out}",
            "--eval-interval=60s",
            str(tmp_path / "rec.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
    tsdb = tmp_path / "tsdb"
    shutil.copytree(pristine_blocks, tsdb)
    for block in out.iterdir():
        if block.is_dir():
            shutil.copytree(block, tsdb / block.name)
    prom2 = prometheus_factory(tsdb_dir=tsdb)
    data = counter_data(prometheus, [q.text for q in slo.sli.queries()])
    ((_, ev),) = evaluate_events(spec, data, t0 - pd.Timedelta(hours=2), t1, ["error-rate"])
    f = data["http_requests_total"]
    compared = 0
    for window in ("5m", "1h"):
        res = requests.get(
            f"{prom2.url}/api/v1/query",
            params={
                "query": f'slo:sli_error:ratio_rate{window}{{slo="error-rate"}}[{int((t1 - t0).total_seconds())}s]',
                "time": t1.timestamp(),
            },
            timeout=120,
        ).json()["data"]["result"]
        vals = np.array(res[0]["values"], dtype=float)
        assert len(vals) > 300
        evald = pd.to_datetime(vals[:, 0], unit="s", utc=True)
        assert (evald != evald.floor("1min")).all()  # evaluations fall between the samples
        floor_t = evald.floor("1min")
        k = int(pd.Timedelta(window) / MIN) - 1
        ratio = window_sums(ev.bad, k) / window_sums(ev.total, k)
        mine = ratio[[ev.grid.index(t) for t in floor_t]]
        ok = edges_covered(f, floor_t) & edges_covered(f, floor_t - (k - 1) * MIN) & edges_covered(f, floor_t - k * MIN)
        np.testing.assert_allclose(mine[ok], vals[ok, 1], rtol=1e-9, atol=1e-15)
        compared += int(ok.sum())
    assert compared > 600


def test_timeslice_quantiles_equal_histogram_quantile(prometheus):
    """The latency time-slice SLI's per-minute p95 equals Prometheus'
    ``histogram_quantile(0.95, sum by (le) (increase(bucket[1m])))``: over a closed
    1-minute range with both samples present there is no extrapolation."""
    from capacity.slo.engine import evaluate_events

    spec = default_spec()
    slo = spec.slo("latency-p95-timeslice")
    data = counter_data(prometheus, [slo.sli.buckets.text])
    t0, t1 = pd.Timestamp("2026-09-10T00:00Z"), pd.Timestamp("2026-09-11T00:00Z")
    ((_, ev),) = evaluate_events(spec, data, t0 - MIN, t1, [slo.name])
    theirs = query_range(
        prometheus.url,
        "histogram_quantile(0.95, sum by (le) (increase(http_request_duration_seconds_bucket[1m])))",
        t0,
        t1,
    )
    f = data[slo.sli.buckets.text]
    times = theirs.index
    ok = edges_covered(f, times) & edges_covered(f, times - MIN)
    mine = ev.value[[ev.grid.index(t) for t in times]]
    assert ok.sum() > 1300
    np.testing.assert_allclose(mine[ok], theirs.to_numpy()[ok], rtol=1e-9)
    # and the SLI's verdict per minute is that value against 0.5 s
    good = ev.good[[ev.grid.index(t) for t in times]]
    assert (good[ok] == (theirs.to_numpy()[ok] <= 0.5)).all()
