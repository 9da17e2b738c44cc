"""How a headroom row is said (CLI table, review and CI sentences), from hand-made rows."""

from __future__ import annotations

import math

import pandas as pd

from capacity.loadmodels.answers import COLUMNS
from capacity.present.headroom import sentence, view, whatif_text, when_text


def _row(**changes) -> pd.Series:
    base = {c: math.nan for c in COLUMNS}
    base.update(
        service="api", title="API", status="ok", note="", objective="p95 < 500 ms", replicas=3.0, today_peak=200.0,
        limit="latency", max_rate=300.0, max_rate_lo=290.0, max_rate_hi=310.0, headroom=0.5,
        latency_status="ok", latency_max_rate=300.0, latency_max_rate_lo=290.0, latency_max_rate_hi=310.0,
        cpu_status="not set", breaks_status="breaks within horizon", latency_breaks_status="breaks within horizon",
        breaks=pd.Timestamp("2027-03-10", tz="UTC"), breaks_early=pd.Timestamp("2027-02-01", tz="UTC"),
        breaks_late=pd.NaT, latency_breaks=pd.Timestamp("2027-03-10", tz="UTC"),
        latency_breaks_early=pd.Timestamp("2027-02-01", tz="UTC"), latency_breaks_late=pd.NaT, replicas_needed=4.0,
        capacity_change=1 / 3,
        whatif_holds=None,
    )  # fmt: skip
    base.update(changes)
    return pd.Series(base)


def test_a_limit_reached_within_the_horizon_is_dated_with_its_range() -> None:
    row = _row()
    assert when_text(row, "UTC", "latency_") == "2027-03-10 (80%: 2027-02-01 to after the horizon)"
    text = sentence(row, "UTC", pd.Timestamp("2027-06-30", tz="UTC"))
    assert "holds up to 300 req/s (80%: 290–310) at 3 replicas" in text
    assert "breaks around 2027-03-10" in text and "50% headroom" in text
    assert "4 replicas (+33%) hold it through 2027-06-30" in text


def test_over_the_limit_says_by_how_much_not_a_negative_headroom() -> None:
    cpu = {"cpu_status": "ok", "cpu_max_rate": 200.0, "cpu_max_rate_lo": 195.0, "cpu_max_rate_hi": 205.0}
    row = _row(
        today_peak=240.0, headroom=200 / 240 - 1, limit="cpu", max_rate=200.0, breaks_status="already over", **cpu
    )
    text = sentence(row)
    assert "the CPU range binds first, at 200 req/s (80%: 195–205)" in text
    assert "today's peak 240 req/s is 20% over it" in text and "-" not in text.split("over it")[0][-30:]
    assert "replicas (+33%) hold both" in text


def test_no_answer_says_why() -> None:
    row = _row(status="too little data", note="too little load variation to fit: the rate ran from 40 to 45")
    assert sentence(row) == (
        "API: no headroom answer (too little data: too little load variation to fit: the rate ran from 40 to 45)"
    )


def test_the_cli_view_and_the_what_if() -> None:
    row = _row(whatif_replicas=4.0, whatif_traffic=0.2, whatif_load=240.0, whatif_latency=0.31, whatif_latency_lo=0.29,
               whatif_latency_hi=0.33, whatif_cpu=0.5, whatif_holds=True)  # fmt: skip
    assert whatif_text(row) == "240 req/s (+20%) on 4 replicas: p95 0.31 s (80%: 0.29–0.33), CPU 50%: holds"
    table = view(pd.DataFrame([row]))
    assert table.loc[0, "latency SLO holds to"] == "300 req/s (80%: 290–310)"
    assert table.loc[0, "CPU range holds to"] == "not set" and table.loc[0, "headroom"] == "+50%"
    assert table.loc[0, "what-if"].endswith(": holds")
