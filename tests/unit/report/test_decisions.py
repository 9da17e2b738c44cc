"""The review's first screen: relative dates, SLO meanings, computed recommendations, merged incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.report import decisions as dc
from capacity.slo.loader import default_spec

TODAY = pd.Timestamp("2026-12-01T09:30Z")


@pytest.mark.parametrize(
    ("due", "words"),
    [
        ("2026-12-23T00:00Z", "in 22 days"),
        ("2026-12-02T23:00Z", "in 1 day"),
        ("2026-12-01T00:00Z", "today"),
        ("2026-10-01T00:00Z", "overdue since 2026-10-01 (61 days)"),
        (pd.NaT, ""),
    ],
)
def test_dates_are_relative_to_the_day_the_report_is_read(due, words):
    assert dc.relative(pd.Timestamp(due) if due is not pd.NaT else due, TODAY) == words


def test_each_default_slo_says_what_good_means():
    spec = default_spec()
    meaning = {s.name: dc.good_means(s, "ratio" if s.sli.kind == "gauge_range" else "") for s in spec.slos}
    assert meaning["error-rate"] == "bad events < 1% of all"
    assert meaning["latency-p95"] == "p95 < 500 ms"
    assert meaning["latency-p95-timeslice"] == "each minute's p95 < 500 ms, 99% of minutes"
    assert meaning["cpu-in-range"].startswith("30") and "cpu_utilization <= 60" in meaning["cpu-in-range"]
    assert meaning["db-connections"] == "usage < 80% of capacity, 99% of minutes"


def _inside(values: np.ndarray, k: float, lo: float, hi: float) -> float:
    x = values / k
    return float(((x >= lo) & (x <= hi)).mean())


def test_the_range_factor_is_the_smallest_change_that_meets_the_objective():
    rng = np.random.default_rng(7)
    values = rng.uniform(0.40, 0.75, 20_000)  # 43% of minutes above 0.60
    k = dc.range_scale(values, 0.30, 0.60, 0.90)
    assert k is not None and k > 1
    assert _inside(values, k, 0.30, 0.60) >= 0.90  # it meets the objective...
    assert _inside(values, k - 0.01, 0.30, 0.60) < 0.90  # ...and one step less would not
    low = rng.uniform(0.15, 0.28, 20_000)  # over-provisioned: remove capacity
    k_low = dc.range_scale(low, 0.30, 0.60, 0.90)
    assert k_low is not None and k_low < 1 and _inside(low, k_low, 0.30, 0.60) >= 0.90
    assert dc.range_scale(np.full(100, 0.45), 0.30, 0.60, 0.90) == 1.0
    assert dc.range_scale(np.r_[np.full(50, 0.01), np.full(50, 0.99)], 0.30, 0.60, 0.90) is None  # too spread


def _compliance(slo: str, compliance: float, met: bool, used: float, above: float = np.nan) -> dict:
    start, end = pd.Timestamp("2026-07-01T04:00Z"), pd.Timestamp("2026-10-01T04:00Z")
    return {
        "slo": slo,
        "status": "ok",
        "compliance": compliance,
        "met": met,
        "budget_consumed": used,
        "share_above": above,
        "share_below": 0.0,
        "start": start,
        "end": end,
    }


def test_a_missed_range_slo_gets_the_capacity_it_needs_from_its_data():
    ds = pd.date_range("2026-07-01T04:01Z", periods=10_000, freq="min")
    rng = np.random.default_rng(3)
    y = rng.uniform(0.35, 0.70, len(ds))
    data = {"cpu_utilization": pd.DataFrame({"unique_id": "cpu_utilization", "ds": ds, "y": y})}
    rows = pd.DataFrame(
        [
            _compliance("cpu-in-range", 0.71, False, 2.9, above=0.29),
            _compliance("error-rate", 0.995, True, 0.5),  # met, half its budget: no action
            _compliance("cache-hit-rate", 0.91, True, 0.9),  # met but 90% used: at risk
        ]
    )
    got = dc.slo_actions(rows, default_spec(), data)
    assert got["slo"].tolist() == ["cpu-in-range", "cache-hit-rate"]
    cpu = got.iloc[0]
    k = dc.range_scale(y, 0.30, 0.60, 0.90)
    assert k is not None
    assert cpu["priority"] == 1 and cpu["action"].startswith(
        f"Add {round((k - 1) * 100)}% capacity for cpu_utilization"
    )
    assert "71% against 90%" in cpu["evidence"] and "29% of minutes above the range" in cpu["evidence"]
    assert got.iloc[1]["priority"] == 3 and got.iloc[1]["action"].startswith("Watch:")


def _episode(series, severity, start, end, peak):
    return {"alert": f"{series}:{severity}", "series": series, "severity": severity,
            "start": pd.Timestamp(start), "end": pd.Timestamp(end), "peak": peak}  # fmt: skip


def test_incidents_merge_page_episodes_with_threshold_alerts_that_overlap():
    burn = pd.DataFrame(
        [
            _episode("latency", "page", "2026-09-15T13:08Z", "2026-09-15T19:04Z", 100.0),
            _episode("latency", "page", "2026-09-15T13:21Z", "2026-09-15T19:28Z", 14.4),
            _episode("latency", "ticket", "2026-09-15T13:43Z", "2026-09-16T00:56Z", 8.3),  # not a page
            _episode("db", "page", "2026-09-15T16:08Z", "2026-09-15T16:39Z", 41.7),
        ]
    )
    alerts = pd.DataFrame(
        {
            "start": pd.to_datetime(["2026-09-15T19:35Z", "2026-09-24T07:44Z"]),
            "end": pd.to_datetime(["2026-09-15T19:50Z", "2026-09-25T10:00Z"]),
            "alerts": ["HighLatency", "LowDiskSpace"],
        }
    )
    got = dc.incidents(burn, alerts)
    assert len(got) == 2
    first = got.iloc[0]
    assert first["page"] and first["what"] == "latency, db, HighLatency"  # within 15 minutes: one incident
    assert first["start"] == pd.Timestamp("2026-09-15T13:08Z") and first["end"] == pd.Timestamp("2026-09-15T19:50Z")
    assert first["minutes"] == 402 and first["peak_burn"] == 100.0
    assert not got.iloc[1]["page"] and got.iloc[1]["what"] == "LowDiskSpace"


def test_the_summary_names_every_missed_slo_and_dates_actions_against_today():
    comp = pd.DataFrame(
        [_compliance("cpu-in-range", 0.88, False, 1.18, above=0.12), _compliance("error-rate", 0.997, True, 0.3)]
    )
    slo_acts = pd.DataFrame(
        [{"priority": 1, "area": "SLOs", "action": "Add 4% capacity", "evidence": "e", "due": pd.NaT, "slo": "cpu"}]
    )
    cap = pd.DataFrame(
        [
            {"priority": 2, "by": pd.Timestamp("2026-10-11T00:00Z"), "action": "Grow the disks", "reason": "disk"},
            {"priority": 3, "by": pd.Timestamp("2026-12-23T00:00Z"), "action": "Watch the pool", "reason": "db"},
        ]
    )
    inc = dc.incidents(pd.DataFrame(), pd.DataFrame())
    s = dc.summary(comp, inc, cap, slo_acts, today=TODAY)
    slos = s.areas.set_index("area").loc["SLOs"]
    assert slos["status"] == "missed" and "missed: cpu-in-range" in slos["detail"] and "1 of 2 met" in slos["detail"]
    assert s.actions["action"].tolist() == ["Add 4% capacity", "Grow the disks", "Watch the pool"]
    assert s.actions["when"].tolist() == ["now", "overdue since 2026-10-11 (51 days)", "in 22 days"]
    areas = s.areas.set_index("area")["detail"]
    assert areas["Incidents"].startswith("0 incidents, 0 with a page-level burn-rate alert")
    assert areas["Capacity"].startswith("2 capacity actions; first: Grow the disks")


def test_quarters_compare_with_a_direction_word():
    cur = pd.DataFrame(
        [
            _compliance("cpu-in-range", 0.88, False, 1.18),
            _compliance("error-rate", 0.997, True, 0.3),
            _compliance("latency", 0.999, True, 0.02),
            {**_compliance("cache", np.nan, False, np.nan), "status": "too little data"},
            _compliance("new-slo", 0.99, True, 0.1),  # not in the quarter before
        ]
    )
    prev = pd.DataFrame(
        [
            _compliance("cpu-in-range", 0.93, True, 0.7),
            _compliance("error-rate", 0.992, True, 0.8),
            _compliance("latency", 0.9992, True, 0.01),
            _compliance("cache", 0.95, True, 0.5),
        ]
    )
    eps = pd.DataFrame([_episode("error-rate", "page", "2026-09-01T00:00Z", "2026-09-01T01:00Z", 15.0)])
    prev_eps = pd.DataFrame(
        [
            _episode("error-rate", "page", "2026-05-01T00:00Z", "2026-05-01T01:00Z", 15.0),
            _episode("error-rate", "page", "2026-05-09T00:00Z", "2026-05-09T01:00Z", 15.0),
            _episode("error-rate", "ticket", "2026-05-09T00:00Z", "2026-05-10T01:00Z", 2.0),
        ]
    )
    got = dc.compare_quarters(cur, prev, eps, prev_eps).set_index("slo")
    assert got["direction"].to_dict() == {
        "cpu-in-range": "worse",
        "error-rate": "better",
        "latency": "same",  # 0.02 points: within the "same" band
        "cache": "not scored",  # too little data this quarter
        "new-slo": "no comparison",
    }
    assert got.loc["cpu-in-range", "change"] == pytest.approx(-0.05)
    assert got.loc["error-rate", "pages"] == 1 and got.loc["error-rate", "previous_pages"] == 2  # tickets not counted
    assert np.isnan(got.loc["cache", "change"])


def test_growth_compares_with_the_quarter_before():
    now = pd.DataFrame({"series": ["users", "db", "disk", "new"], "pct": [59.1, 11.4, 5.0, 3.0]})
    before = pd.DataFrame({"series": ["users", "db", "disk"], "pct": [40.0, 11.0, 9.0]})
    got = dc.compare_growth(now, before).set_index("series")
    assert got["direction"].to_dict() == {"users": "faster", "db": "same", "disk": "slower", "new": "no comparison"}
    assert got.loc["users", "growth"] == pytest.approx(0.591) and got.loc["users", "previous_growth"] == 0.40


def test_a_quiet_review_claims_only_what_it_judged():
    inc = dc.incidents(pd.DataFrame(), pd.DataFrame())
    none = pd.DataFrame(columns=["priority", "area", "action", "evidence", "due", "slo"])
    cap = pd.DataFrame(columns=["priority", "by", "action", "reason"])
    met = pd.DataFrame([_compliance("error-rate", 0.997, True, 0.3), _compliance("latency-p95", 0.99, True, 0.2)])
    forecast = pd.DataFrame({"status": ["not within horizon", "not within horizon"]})
    s = dc.summary(met, inc, cap, none, today=TODAY, thresholds=forecast)
    assert s.actions.empty and s.quiet.startswith("**No action needed**: every SLO met")
    assert s.areas.set_index("area").loc["SLOs", "status"] == "met"

    young = met.assign(status="too little data", compliance=np.nan, met=pd.NA)  # a server minutes old
    thin = pd.DataFrame({"status": ["too little data", "no data"]})
    policy = pd.DataFrame({"slo": ["error-rate", "latency-p95"], "used": np.nan, "verdict": "", "action": ""})
    s = dc.summary(young, inc, cap, none, today=TODAY, thresholds=thin, policy=policy)
    assert "No action needed" not in s.quiet and "every SLO met" not in s.quiet
    assert s.quiet == (
        "**Nothing could be judged**: 2 of 2 SLOs could not be scored, 2 of 2 thresholds could not be "
        "forecast (each section says why)."
    )
    areas = s.areas.set_index("area")
    assert areas.loc["SLOs", "status"] == "not scored" and "0 of 2 met; 2 not scored" in areas.loc["SLOs", "detail"]
    assert areas.loc["Budget policy", "status"] == "none" and areas.loc["Budget policy", "detail"] == "no SLO scored"
    assert areas.loc["Capacity", "status"] == "not forecast" and "2 not forecast" in areas.loc["Capacity", "detail"]

    half = pd.concat([met.head(1), young.tail(1)], ignore_index=True)
    s = dc.summary(half, inc, cap, none, today=TODAY, thresholds=forecast, policy=policy.assign(verdict=["normal", ""]))
    assert s.quiet == (
        "**No action found, but not everything could be judged**: 1 of 2 SLOs could not be scored (each "
        "section says why); every SLO that was scored met its objective, no threshold forecast to be crossed."
    )
    assert s.areas.set_index("area").loc["Budget policy", "detail"] == "every SLO at normal cadence (1 not scored)"

    plan = pd.DataFrame({"rule": ["users", "db"], "verdict": ["within plan", "too little data"]})
    s = dc.summary(met, inc, cap, none, today=TODAY, thresholds=forecast, plan=plan)
    assert s.quiet == (
        "**No action found, but not everything could be judged**: 1 of 2 growth rules could not be checked (each "
        "section says why); every SLO met, no threshold forecast to be crossed, every growth rule that was "
        "checked covers the forecast."
    )
