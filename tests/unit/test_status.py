"""Statuses: how much history there is against how much is needed, said the same way everywhere."""

from __future__ import annotations

import pandas as pd

from capacity.core.status import NO_DATA, OK, TOO_LITTLE, Status, days, history_length, rows_status, too_little


def test_lengths_read_in_the_unit_that_fits() -> None:
    assert [days(pd.Timedelta(x)) for x in ("90D", "28D", "1D", "36h", "5h", "90min", "12min", "0s")] == [
        "90 d",
        "28 d",
        "1 d",
        "1.5 d",
        "5 h",
        "1.5 h",
        "12 min",
        "0 min",
    ]
    assert too_little(pd.Timedelta("10min"), pd.Timedelta("28D")) == "too little data (have 10 min of 28 d)"


def test_history_length_counts_one_step_per_point() -> None:
    ds = pd.Series(pd.date_range("2026-01-01", periods=48, freq="h", tz="UTC"))
    assert history_length(ds) == pd.Timedelta(days=2)
    assert history_length(ds.iloc[:1]) == pd.Timedelta(0) and history_length(ds.iloc[:0]) == pd.Timedelta(0)
    assert history_length(ds.sample(frac=1, random_state=1)) == pd.Timedelta(days=2)  # order does not matter


def test_status_of_a_history() -> None:
    ds = pd.Series(pd.date_range("2026-01-01", periods=24, freq="h", tz="UTC"))
    assert Status.of_history(ds, pd.Timedelta(days=1)).ok
    got = Status.of_history(ds, pd.Timedelta(days=7), "request_rate")
    assert got == Status(TOO_LITTLE, "request_rate: too little data (have 1 d of 7 d)")
    assert Status.of_history(ds.iloc[:0], pd.Timedelta(days=1)).status == NO_DATA


def test_a_table_of_rules_is_ok_when_one_was_computed_and_names_the_rest() -> None:
    t = pd.DataFrame(
        {
            "rule": ["cpu", "disk", "memory"],
            "status": ["crosses within horizon", "no data", TOO_LITTLE],
            "note": ["", "no series 'disk_free_ratio'", "memory_utilization: too little data (have 2 d of 28 d)"],
        }
    )
    got = rows_status(t, "status", "rule", "threshold")
    assert got.status == OK and got.reason.startswith("not computed: disk: no series")
    assert "memory: memory_utilization: too little data (have 2 d of 28 d)" in got.reason
    worst = rows_status(t.iloc[1:], "status", "rule", "threshold")
    assert worst.status == TOO_LITTLE and worst.reason.startswith("no threshold has enough data: ")
    assert rows_status(t.iloc[1:2], "status", "rule", "threshold").status == NO_DATA
    assert rows_status(t.iloc[:0], "status", "rule", "threshold").status == NO_DATA
