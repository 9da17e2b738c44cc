"""The slo / alerts / rules commands end to end on a CSV file source."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from capacity.cli import main
from capacity.core import frame as F

T0 = pd.Timestamp("2026-09-01T00:00:00Z")
N = 2 * 24 * 60 + 1  # two days of minutes, both ends


@pytest.fixture()
def files(tmp_path):
    ds = pd.date_range(T0, periods=N, freq="1min")
    req = np.arange(N) * 100.0  # 100 requests a minute
    bad_inc = np.zeros(N)
    bad_inc[1440 + 60 : 1440 + 120] = 50.0  # day 2, 01:00-02:00 UTC: 50% errors for an hour
    bad = np.cumsum(bad_inc)
    mem = np.full(N, 0.5)
    mem[1440 + 600 : 1440 + 630] = 0.95  # 30 minutes above 90%
    frame = F.concat(
        [F.from_arrays("req_total", ds, req), F.from_arrays("bad_total", ds, bad), F.from_arrays("mem", ds, mem)]
    )
    data = tmp_path / "data.csv"
    frame.assign(ds=frame.ds.dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "capacity/v1",
                "tz": "UTC",
                "slos": [
                    {
                        "name": "errors",
                        "objective": 0.99,
                        "window": "1d",
                        "sli": {
                            "kind": "ratio",
                            "bad": {"query": "bad_total", "counter": True},
                            "total": {"query": "req_total", "counter": True},
                        },
                    }
                ],
                "alerts": [
                    {
                        "name": "HighMemoryUsage",
                        "metric": "mem",
                        "op": ">",
                        "threshold": 0.9,
                        "for": "10m",
                        "priority": "high",
                        "response": "immediate",
                    }
                ],
            }
        )
    )
    return data, spec


def test_slo_json_window(files, capsys):
    data, spec = files
    rc = main(["slo", "--spec", str(spec), "--source", str(data), "--window", "1d", "--format", "json"])
    assert rc == 0
    (row,) = json.loads(capsys.readouterr().out)
    # day 2: 144000 requests, 3000 errors -> 0.979166..., budget 1% = 1440 errors, 3000/1440 consumed
    assert row["slo"] == "errors" and row["total"] == 144000 and row["bad"] == 3000
    assert row["compliance"] == pytest.approx(1 - 3000 / 144000)
    assert row["met"] is False
    assert row["budget_consumed"] == pytest.approx(3000 / 1440)
    assert row["start"] == "2026-09-02T00:00:00Z" and row["end"] == "2026-09-03T00:00:00Z"
    assert row["no_data_minutes"] == 0


def test_slo_default_window_and_table(files, capsys):
    data, spec = files
    assert main(["slo", "--spec", str(spec), "--source", str(data), "--end", "2026-09-02T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "errors" in out and "compliance" in out
    assert "True" in out  # day 1 had no errors


def test_slo_month_window_reports_missing_data(files, capsys):
    data, spec = files
    # exit 1: computed, but the window is below the coverage floor (said on stderr)
    assert main(["slo", "--spec", str(spec), "--source", str(data), "--month", "2026-09", "--format", "csv"]) == 1
    out = capsys.readouterr()
    df = pd.read_csv(__import__("io").StringIO(out.out))
    # the file covers 2 of September's 30 days: the rest is no data, not good
    assert df.loc[0, "no_data_minutes"] == 30 * 1440 - 2 * 1440
    # 7% of the window seen: too little to call it met or missed
    assert df.loc[0, "status"] == "too little data" and pd.isna(df.loc[0, "met"])
    assert "too little data (have 7% of the window, need 50%)" in out.err
    # the first sample sits on the window start (outside (start, end]): 2880 increments of 100 inside
    assert df.loc[0, "total"] == 2 * 144000


def test_alerts_replay_json(files, capsys):
    data, spec = files
    assert main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--format", "json"]) == 0
    (ep,) = json.loads(capsys.readouterr().out)
    # above 0.9 from 10:00 to 10:29 on day 2: pending 10:00, firing 10:10, resolved 10:30
    assert (
        ep["alert"] == "HighMemoryUsage"
        and ep["start"] == "2026-09-02T10:10:00Z"
        and ep["end"] == "2026-09-02T10:30:00Z"
    )
    assert ep["duration_seconds"] == 1200 and ep["peak"] == 0.95 and ep["priority"] == "high"


def test_alerts_summary_and_burn(files, capsys):
    data, spec = files
    assert (
        main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--burn", "--format", "json"])
        == 0
    )
    eps = json.loads(capsys.readouterr().out)
    names = {e["alert"] for e in eps}
    # 50% errors against a 1% budget is a burn of 50 (> 14.4 and > 6): both page rows fire
    assert {"HighMemoryUsage", "errors:page-1h", "errors:page-6h"} <= names
    assert (
        main(
            [
                "alerts",
                "--spec",
                str(spec),
                "--source",
                str(data),
                "--window",
                "1d",
                "--summary",
                "month",
                "--format",
                "json",
            ]
        )
        == 0
    )
    (s,) = json.loads(capsys.readouterr().out)
    assert s == {
        "period": "2026-09",
        "priority": "high",
        "alert": "HighMemoryUsage",
        "episodes": 1,
        "firing_seconds": 1200.0,
    }


def _with_alerting(spec, level):
    doc = yaml.safe_load(spec.read_text())
    doc["slos"][0]["alerting"] = {"burn_rate": level}
    spec.write_text(yaml.safe_dump(doc))
    return spec


@pytest.mark.parametrize(
    "level, burn_rows",
    [
        ("page", {"errors:page-1h", "errors:page-6h"}),
        # the same hour of 50% errors: the page rows are dropped; the ticket row needs 3 days of history
        # and the file holds 2, so nothing fires
        ("ticket", set()),
        ("none", set()),
    ],
)
def test_alerts_burn_table_and_rules_table_follow_alerting(files, capsys, level, burn_rows):
    data, spec = files
    spec = _with_alerting(spec, level)
    assert (
        main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--burn", "--format", "json"])
        == 0
    )
    names = {e["alert"] for e in json.loads(capsys.readouterr().out)}
    assert names == {"HighMemoryUsage"} | burn_rows
    assert (
        main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--burn", "--summary", "month"])
        == 0
    )
    table = capsys.readouterr().out
    assert ("errors:page-1h" in table) == (level == "page")
    assert main(["rules", "--spec", str(spec), "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    burn = sorted(r["labels"] for r in rules if r["name"] == "SLOBurnRate")
    expected = {
        "page": [
            "slo=errors,burn_window=page-1h,severity=page",
            "slo=errors,burn_window=page-6h,severity=page",
            "slo=errors,burn_window=ticket-3d,severity=ticket",
        ],
        "ticket": ["slo=errors,burn_window=ticket-3d,severity=ticket"],
        "none": [],
    }[level]
    assert burn == expected
    assert sum(r["kind"] == "record" for r in rules) == 6  # the recordings stay at every level


def test_bad_alerting_value_is_one_line_error(files, capsys):
    data, spec = files
    spec = _with_alerting(spec, "pager")
    assert main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--burn"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "spec.yaml" in err and "'errors'" in err and "alerting.burn_rate" in err


def test_bad_spec_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: capacity/v1\nslos:\n  - name: x\n    objective: 2\n    sli: {kind: ratio, bad: a_total, total: b_total}\n"  # noqa: E501 (a literal spec)
    )
    assert main(["slo", "--spec", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.yaml" in err and "'x'" in err and "objective" in err


def test_rules_out_is_written_atomically(tmp_path, capsys, files):
    _, spec = files
    out = tmp_path / "rules.yaml"
    out.write_text("old")
    assert main(["rules", "--spec", str(spec), "--out", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    assert [g["name"] for g in doc["groups"]] == [
        "capacity-slo-errors-recordings",
        "capacity-slo-errors-alerts",
        "capacity-runbook-alerts",
    ]
    # a failing run leaves the old file alone
    assert main(["rules", "--spec", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert yaml.safe_load(out.read_text()) == doc


# ------------------------------------------------------------------ table presentation (display only)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (1320.0, "22m"),
        (660, "11m"),
        (94560.0, "1d 2h 16m"),
        (45.0, "45s"),
        (3600.0, "1h"),
        (3660.0, "1h 1m"),
        (86460.0, "1d 0h 1m"),
        (0.0, "0s"),
        (float("nan"), ""),
        (90061.0, "1d 1h 1m"),  # 1d 1h 1m 1s: three units shown
    ],
)
def test_human_duration(seconds, text):
    from capacity.present import Col
    from capacity.present.text import formatter

    human_duration = formatter(Col("duration", "seconds"))
    assert human_duration(seconds) == text


def test_percent_never_rounds_a_partial_share_to_0_or_100():
    from capacity.present import Col
    from capacity.present.text import formatter

    def percent(digits, trim=False):  # the CLI tables' percentages: blank when missing
        return formatter(Col("share", "ratio_trim" if trim else "ratio", digits))

    assert percent(2)(0.99) == "99.00%" and percent(3, trim=True)(0.99) == "99%"
    assert percent(3)(0.9967649) == "99.676%"  # 99.67649: to three decimals
    assert percent(1)(-0.0001) == "0.0%"  # no negative zero
    assert percent(1)(-0.178) == "-17.8%"
    assert percent(2)(0.99997) == ">99.99%" and percent(2)(1.0) == "100.00%"
    assert percent(1)(0.0003) == "<0.1%" and percent(1)(0.0) == "0.0%"
    assert percent(1)(float("nan")) == ""


def test_slo_table_shows_percentages_and_counts(files, capsys):
    data, spec = files
    assert main(["slo", "--spec", str(spec), "--source", str(data), "--window", "1d"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert "budget left" in header and "no data" in header
    # 3000 bad of 144000: 97.917% compliant; 3000 / 1440 allowed = 208.3% consumed -> -108.3% left
    cells = row.split()
    assert "97.917%" in cells and "-108.3%" in cells and "3,000" in cells and "1,440" in cells and "99%" in cells
    assert "0s" in cells and "100.00%" in cells  # no minute without data, full coverage


def test_alert_tables_show_durations_json_keeps_seconds(files, capsys):
    data, spec = files
    assert main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d", "--summary", "month"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "firing" and row.split()[-1] == "20m"  # 1200 s
    assert main(["alerts", "--spec", str(spec), "--source", str(data), "--window", "1d"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert "duration" in header and "20m" in row.split()
    # the peak of a metric outside the catalog is a plain number
    assert "0.95" in row.split()


def test_runs_out_says_when_each_budget_ends_at_its_current_rate(capsys):
    import json

    from capacity.cli import main

    assert main(["slo", "--runs-out", "--format", "json"]) == 0
    rows = {r["slo"]: r for r in json.loads(capsys.readouterr().out)}
    cpu = rows["cpu-in-range"]  # overspent over its 30 days in the bundled history
    assert cpu["verdict"] == "exhausted" and cpu["budget_remaining"] < 0
    for r in rows.values():
        assert r["verdict"] in ("exhausted", "runs out", "not this window", "not burning", "no data")
        if r["verdict"] == "runs out":  # within the window: left x 30 days / rate
            assert r["days_left"] == pytest.approx(r["budget_remaining"] * 30 / r["burn_rate"], rel=1e-6)
    assert main(["slo", "--runs-out", "--burn-rates"]) == 2
    assert "--runs-out and --burn-rates" in capsys.readouterr().err
