"""``capacity forecast`` and ``capacity backtest`` on a user's own CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capacity.cli import main


@pytest.fixture
def one_series_csv(tmp_path: Path) -> Path:
    ds = pd.date_range("2026-01-01", periods=120, freq="D", tz="UTC")
    y = 100 + 2 * np.arange(120) + 5 * (np.arange(120) % 7 == 0)
    path = tmp_path / "mine.csv"
    pd.DataFrame({"timestamp": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": y}).to_csv(path, index=False)
    return path


def test_forecast_json_on_a_one_series_file(one_series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "forecast",
            "--source",
            str(one_series_csv),
            "--horizon",
            "14d",
            "--models",
            "drift,naive",
            "--format",
            "json",
            "--jobs",
            "1",
        ]
    )
    assert rc == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 28 and {r["model"] for r in records} == {"drift", "naive"}
    drift = [r for r in records if r["model"] == "drift"]
    assert drift[0]["ds"].startswith("2026-05-01")  # the day after the last of 120 days from Jan 1
    first, last = 100 + 5, 100 + 2 * 119 + 5 * (119 % 7 == 0)  # day 0 and day 119 (= 17 weeks) carry the +5
    slope = (last - first) / 119  # drift: the line through the first and last points
    assert drift[-1]["mean"] == pytest.approx(last + 14 * slope)
    assert all(r["lo-95"] <= r["lo-80"] <= r["mean"] <= r["hi-80"] <= r["hi-95"] for r in records)


def test_backtest_marks_the_chosen_model(one_series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "backtest",
            "--source",
            str(one_series_csv),
            "--horizon",
            "7d",
            "--windows",
            "3",
            "--models",
            "naive,drift",
            "--format",
            "json",
            "--jobs",
            "1",
        ]
    )
    assert rc == 0
    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"naive", "drift", "published"}
    assert rows["drift"]["chosen"] and not rows["naive"]["chosen"]  # the series rises 2/day: naive lags
    # what 'forecast' would have published from each origin, chosen on the history before it
    assert not rows["published"]["chosen"] and rows["published"]["windows"] == 3
    assert "drift" in rows["published"]["picked"] and rows["naive"]["picked"] == ""
    assert {"mase", "smape", "coverage-80", "coverage-95", "winkler-80", "winkler-95"} <= set(rows["drift"])


def test_too_short_history_is_one_line_error(one_series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["backtest", "--source", str(one_series_csv), "--horizon", "60d", "--windows", "3", "--jobs", "1"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "too short" in err[0] and "mine" in err[0]


def test_bad_options_are_named(one_series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forecast", "--source", str(one_series_csv), "--horizon", "soon"]) == 2
    assert "--horizon" in capsys.readouterr().err
    assert main(["forecast", "--source", str(one_series_csv), "--horizon", "7d", "--models", "prophet"]) == 2
    assert "unknown forecast model 'prophet'" in capsys.readouterr().err


def test_many_series_file_needs_a_metric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ds = pd.date_range("2026-01-01", periods=30, freq="D", tz="UTC")
    frame = pd.concat([pd.DataFrame({"unique_id": u, "ds": ds, "y": np.arange(30.0)}) for u in ("a", "b")])
    path = tmp_path / "two.csv"
    frame.to_csv(path, index=False)
    assert main(["forecast", "--source", str(path), "--horizon", "3d"]) == 2
    assert "holds 2 series" in capsys.readouterr().err


def test_a_series_shorter_than_the_horizon_needs_is_not_forecast(tmp_path):
    import capacity

    # 45 minutes of one series and 3 days of another, forecast a day ahead
    ds = pd.date_range("2026-11-01", periods=3 * 24 * 60, freq="min", tz="UTC")
    long = pd.DataFrame({"unique_id": "long", "ds": ds, "y": 1.0 + (ds.hour == 12)})
    short = pd.DataFrame({"unique_id": "short", "ds": ds[-45:], "y": 0.5 - 0.01 * np.arange(45)})
    src = tmp_path / "two.csv"
    pd.concat([long, short]).to_csv(src, index=False)
    out = tmp_path / "fc.csv"
    rc = main(["forecast", "long", "short", "--source", str(src), "--horizon", "1d", "--out", str(out)])
    assert rc == 1  # computed what it could; one series was not
    fc = pd.read_csv(out)
    assert set(fc["unique_id"]) == {"long"}
    got = capacity.app.forecast.forecast(capacity.app.forecast.Inputs(["short", "long"], source=src), "1d")
    assert got.skipped == {"short": "too little data (have 45 min of 1 d)"}
    assert any("short: not forecast: too little data (have 45 min of 1 d)" in w for w in got.warnings)
    rc = main(["forecast", "short", "--source", str(src), "--horizon", "1d"])
    assert rc == 2


def test_more_jobs_than_cpus_are_clamped_and_said(one_series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from os import cpu_count

    rc = main(["forecast", "--source", str(one_series_csv), "--horizon", "7d", "--jobs", "100000", "--format", "csv"])
    assert rc == 0
    err = capsys.readouterr().err
    assert f"--jobs 100000: this machine has {cpu_count()} CPU" in err and f"using {cpu_count()}" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--season", "0"], "--season: a period is a number of steps, at least 1"),
        (["--season=-1"], "got -1"),
        (["--jobs", "0"], "--jobs: must be at least 1"),
    ],
)
def test_bad_season_and_jobs_are_one_line_errors(
    one_series_csv: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    assert main(["forecast", "--source", str(one_series_csv), "--horizon", "7d", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_the_table_says_a_series_note_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ds = pd.date_range("2026-01-01", periods=40, freq="h", tz="UTC")
    path = tmp_path / "short.csv"
    y = 10 + np.sin(np.arange(40) / 3)
    pd.DataFrame({"timestamp": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": y}).to_csv(path, index=False)
    base = ["forecast", "--source", str(path), "--horizon", "12h", "--jobs", "1"]
    assert main([*base, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    (note,) = {r["note"] for r in records}
    # a history too short for the full backtest: the note every row carries as a record
    assert len(records) == 12 and "too short to backtest" in note
    assert main(base) == 0
    out = capsys.readouterr().out
    assert out.count(note) == 1 and len(out.splitlines()) == 13  # the header and twelve rows
