"""What a new user runs into: bad options of forecast/backtest/slo are refused by name, help tells the truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capacity.cli import build_parser, main


@pytest.fixture
def daily_csv(tmp_path: Path) -> Path:
    ds = pd.date_range("2026-01-01", periods=120, freq="D", tz="UTC")
    y = 100 + 2 * np.arange(120) + 5 * (np.arange(120) % 7 == 0)
    path = tmp_path / "mine.csv"
    pd.DataFrame({"timestamp": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": y}).to_csv(path, index=False)
    return path


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize("command", ["forecast", "backtest"])
@pytest.mark.parametrize("windows", ["0", "-1"])
def test_windows_below_one_is_refused(
    daily_csv: Path, command: str, windows: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: forecast --windows 0 fell back to drift with a warning and exit 0
    rc = main([command, "--source", str(daily_csv), "--horizon", "7d", "--windows", windows, "--jobs", "1"])
    assert rc == 2
    assert "--windows" in _one_error_line(capsys)


def test_bad_step_size_names_the_option(daily_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["backtest", "--source", str(daily_csv), "--horizon", "7d", "--step-size", "often", "--jobs", "1"])
    assert rc == 2
    line = _one_error_line(capsys)
    assert "--step-size" in line and "'often'" in line


def _subparsers() -> dict[str, object]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["pull", "slo", "alerts", "rules", "forecast", "backtest", "report"])
def test_help_names_only_options_that_exist(command: str) -> None:
    import re

    sub = _subparsers()[command]
    known = {s for a in sub._actions for s in a.option_strings}  # type: ignore[attr-defined]
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", sub.format_help()))  # type: ignore[attr-defined]
    # other commands' options may be named only together with that command ("as 'capacity forecast' does")
    assert mentioned - known == set(), f"capacity {command} --help names options it does not have"


@pytest.mark.parametrize("command", ["forecast", "backtest"])
def test_history_start_default_is_described_as_it_is(command: str) -> None:
    from capacity.forecasting import model_names

    text = " ".join(_subparsers()[command].format_help().split())  # type: ignore[attr-defined]
    # load_history starts at the source's first point for sample/file sources, not 7 days before --end
    assert "default: 7 days before --end" not in text
    assert "the whole history" in text
    assert all(name in text for name in model_names())


def test_pull_warning_names_the_file_once(tmp_path: Path) -> None:
    import warnings

    import capacity
    from capacity.core.errors import SourceWarning

    path = tmp_path / "naive.csv"
    path.write_text("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 01:00:00,2\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        capacity.pull("naive", source=path, start="2026-01-01", end="2026-01-02")
    texts = [str(w.message) for w in caught if issubclass(w.category, SourceWarning)]
    assert any("no time zone" in t for t in texts), texts
    for t in texts:  # was "file X: naive: file X: timestamps have no time zone..."
        assert t.count(str(path)) == 1, t


@pytest.mark.parametrize("text", ["0d", "0s", "0h0m"])
def test_zero_duration_is_called_not_positive(text: str) -> None:
    from capacity.core.errors import ConfigError
    from capacity.core.timeutil import parse_duration

    # '0d' is well formed; saying "cannot read '0d' as a duration" sent users hunting for a syntax error
    with pytest.raises(ConfigError, match=rf"--window: duration must be positive, got '{text}'"):
        parse_duration(text, field="--window")


def test_zero_step_on_the_command_line(daily_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pull", "mine", "--source", str(daily_csv), "--step", "0s"]) == 2
    assert "--step: duration must be positive, got '0s'" in _one_error_line(capsys)


@pytest.mark.parametrize("command", [["slo"], ["alerts"], ["slo", "--month", "2026-09"]])
def test_unknown_tz_is_refused_for_rolling_windows_too(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # before: 'capacity slo --tz Mars/Olympus' (a rolling window) ignored the zone and exited 0;
    # the zone is checked before the source is read, so no data is pulled
    assert main([*command, "--tz", "Mars/Olympus"]) == 2
    line = _one_error_line(capsys)
    assert "unknown time zone 'Mars/Olympus'" in line


def test_unknown_metric_points_a_cli_user_to_pull_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pull", "qqqqqqqq"]) == 2  # nothing close: the hint must be usable from a shell
    assert "capacity pull --list" in _one_error_line(capsys)


def test_explain_shows_no_nan_for_no_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ds = pd.date_range("2026-01-01", periods=120, freq="D", tz="UTC")
    y = 100 + 2 * np.arange(120) + 5 * (np.arange(120) % 7 == 0)
    whole = pd.DataFrame({"unique_id": "whole", "ds": ds, "y": y})
    gappy = pd.DataFrame({"unique_id": "gappy", "ds": ds, "y": y}).drop(index=[50, 51, 52])  # interpolated: a note
    path = tmp_path / "two.csv"
    pd.concat([whole, gappy]).assign(ds=lambda f: f["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(path, index=False)
    rc = main(
        [
            "forecast",
            "whole",
            "gappy",
            "--source",
            str(path),
            "--horizon",
            "7d",
            "--explain",
            "--jobs",
            "1",
            "--format",
            "csv",
        ]
    )
    assert rc == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().err.strip().splitlines()[1:]}
    assert set(rows) == {"whole", "gappy"}
    assert "interpolated" in rows["gappy"] or "fill" in rows["gappy"], rows["gappy"]
    assert not rows["whole"].rstrip().endswith("NaN")  # no note: a blank cell, not the text NaN


def test_out_directory_is_checked_before_anything_is_written(
    daily_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("keep\n")
    rc = main(
        [
            "pull",
            "mine",
            "--source",
            str(daily_csv),
            "--labels",
            str(labels),
            "--out",
            str(tmp_path / "missing" / "x.csv"),
        ]
    )
    assert rc == 2
    assert "--out" in _one_error_line(capsys)
    assert labels.read_text() == "keep\n"  # was: the labels file replaced, then the --out write failed


def test_bad_labels_file_is_named_as_labels(daily_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pull", "mine", "--source", str(daily_csv), "--labels", "labels.xyz"]) == 2
    line = _one_error_line(capsys)
    assert line.startswith("capacity pull: error: --labels labels.xyz") and "--out" not in line


@pytest.mark.parametrize("command", [["pull", "mine"], ["forecast", "--horizon", "7d"]])
def test_start_after_the_data_says_where_the_data_ends(
    daily_csv: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # 'now-7d' on a file (or the sample) whose data ended long ago: --end defaulted to the data's end
    assert main([*command, "--source", str(daily_csv), "--start", "now-7d"]) == 2
    line = _one_error_line(capsys)
    assert "--end 2026-04-30T00:00:00Z (the end of the data of file" in line and "give --end" in line


def _examples(command: str) -> list[list[str]]:
    """The one-line examples of ``capacity COMMAND --help`` that need no server, as argv lists."""
    import shlex

    lines = []
    for raw in (_subparsers()[command].epilog or "").splitlines():  # type: ignore[attr-defined]
        line = raw.strip()
        if not line.startswith(f"capacity {command}") or line.endswith("\\") or "http" in line:
            continue
        line = line.split("    ")[0]  # drop the trailing comment column
        lines.append(shlex.split(line)[1:])
    return lines


@pytest.mark.parametrize("argv", _examples("pull"), ids=lambda a: " ".join(a)[:60])
def test_pull_help_examples_run(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # data/real/... is relative to the checkout
    argv = [str(tmp_path / a) if a.endswith((".parquet", ".csv")) and not a.startswith("data/") else a for a in argv]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    if "--format" in argv:
        assert out.count('"ds"') > 10  # a year of weekly points, not the last 7 days


@pytest.mark.parametrize(("window", "keyword"), [("2026-09", "month"), ("2026Q3", "quarter")])
def test_calendar_window_passed_as_window_names_the_keyword(window: str, keyword: str) -> None:
    import capacity
    from capacity.core.errors import ConfigError

    # `capacity report slo_compliance -p window=2026-09` works; capacity.slo_compliance(window="2026-09") said only
    # "cannot read '2026-09' as a duration"
    for fn in (capacity.slo_compliance, capacity.alert_replay):
        with pytest.raises(ConfigError, match=rf"pass {keyword}='{window}'"):
            fn(window=window)


@pytest.mark.parametrize(
    "argv",
    [["alerts", "--summary", "week"], ["forecast", "users_total"], ["nosuchcommand"], ["slo", "--no-such-option"]],
)
def test_usage_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    line = _one_error_line(capsys)  # was: the whole usage block, then the error
    assert "error:" in line and "--help" in line


@pytest.mark.parametrize("command", ["pull", "slo", "alerts", "rules", "forecast", "backtest", "report"])
def test_every_command_help_has_examples(command: str) -> None:
    text = _subparsers()[command].format_help()  # type: ignore[attr-defined]
    assert "examples:" in text and f"capacity {command} " in text.split("examples:")[1]


def test_default_format_is_described_as_it_behaves(daily_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # stdout is not a terminal under pytest: the output is still the table, so help must not say "on a terminal"
    assert main(["pull", "mine", "--source", str(daily_csv)]) == 0
    assert capsys.readouterr().out.startswith("unique_id  ds (UTC)")
    help_text = " ".join(_subparsers()["pull"].format_help().split())  # type: ignore[attr-defined]
    assert "default on a terminal" not in help_text


def test_time_to_threshold_ignores_a_partial_last_day() -> None:
    from capacity.forecasting.planning import time_to_threshold

    # hourly CPU peaking at 85% one hour a day, pulled up to an inclusive midnight end: the last "day" is the
    # single 00:00 point (30%); its maximum is not that day's worst hour and must not become the last value
    ds = pd.date_range("2026-01-01", periods=24 * 60 + 1, freq="h", tz="UTC").as_unit("ns")
    cpu = np.where(np.arange(len(ds)) % 24 == 15, 0.85, 0.30)
    out = (
        time_to_threshold(
            pd.DataFrame({"unique_id": "cpu_utilization", "ds": ds, "y": cpu}),
            "30d",
            models=["naive", "seasonal_naive"],
        )
        .set_index("threshold")
        .loc["cpu"]
    )
    assert out["last"] == pytest.approx(0.85)
    assert out["status"] == "already crossed"


def test_thorough_with_models_is_refused_before_pulling(capsys: pytest.CaptureFixture[str]) -> None:
    # nothing listens on port 1: an error about the source would mean the pull ran before the options were checked
    rc = main(
        [
            "forecast",
            "users_total",
            "--source",
            "http://127.0.0.1:1",
            "--horizon",
            "30d",
            "--thorough",
            "--models",
            "naive",
            "--no-cache",
        ]
    )
    assert rc == 2
    assert "--thorough" in _one_error_line(capsys)
