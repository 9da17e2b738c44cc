"""The three ways in (``capacity.*``, the CLI, the notebooks' ``capacity.app``) agree on the same inputs.

Each test runs the API and the CLI (in-process, ``capacity.cli.main``) on the same inputs and
compares what they give; the first two pin bugs of the time each entry point planned on its own.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import capacity
from capacity.cli import main
from capacity.core.errors import SourceWarning

OPENSLO_28D = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: errors}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{status=~"5.."}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: api
  indicatorRef: errors
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> pd.DataFrame:
    assert main([*args, "--format", "json"]) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out))


def test_an_openslo_28d_slo_gets_its_own_window_in_api_and_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "openslo.yaml"
    spec.write_text(OPENSLO_28D)
    ours = capacity.slo_compliance(spec=spec)
    cli = _cli_json(capsys, "slo", "--spec", str(spec))
    assert (ours["end"] - ours["start"]).iloc[0] == pd.Timedelta(days=28)
    assert pd.Timestamp(cli["start"].iloc[0]) == ours["start"].iloc[0]
    assert pd.Timestamp(cli["end"].iloc[0]) == ours["end"].iloc[0]
    assert cli["compliance"].to_numpy() == pytest.approx(ours["compliance"].to_numpy(), rel=1e-12)


def test_the_api_warns_on_a_range_with_no_data_as_the_cli_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(SourceWarning, match="no data for 'request_rate'"):
        frame = capacity.pull("request_rate", start="2020-01-01", end="2020-01-02", step="1h")
    assert frame.empty
    assert main(["pull", "request_rate", "--start", "2020-01-01", "--end", "2020-01-02", "--step", "1h"]) == 0
    assert "warning: no data for 'request_rate'" in capsys.readouterr().err


def test_pull_frames_and_labels_agree(tmp_path: Path) -> None:
    args = [
        "pull",
        "request_rate",
        "error_ratio",
        "http_requests_total",
        "--start",
        "2026-09-01",
        "--end",
        "2026-09-01T06:00:00Z",
        "--step",
        "1h",
    ]
    out, labels = tmp_path / "f.parquet", tmp_path / "l.parquet"
    assert main([*args, "--out", str(out), "--labels", str(labels)]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sample has every metric: nothing to warn about
        got = capacity.history(
            ["request_rate", "error_ratio", "http_requests_total"],
            start="2026-09-01",
            end="2026-09-01T06:00:00Z",
            step="1h",
        )
    pd.testing.assert_frame_equal(pd.read_parquet(out), got.frame, check_categorical=False)
    pd.testing.assert_frame_equal(pd.read_parquet(labels), got.labels, check_dtype=False, check_categorical=False)
    assert got.labels["unique_id"].is_unique


def test_alert_windows_agree(capsys: pytest.CaptureFixture[str]) -> None:
    ours = capacity.alert_replay(window="7d", end="2026-09-20T00:00:00Z")
    cli = _cli_json(capsys, "alerts", "--window", "7d", "--end", "2026-09-20T00:00:00Z")
    assert sorted(ours["alert"]) == sorted(cli["alert"])
    assert [pd.Timestamp(t) for t in cli["start"]] == list(ours["start"])


def test_forecast_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["users_total", "--horizon", "7d", "--start", "2026-06-01", "--models", "naive,drift"]
    cli = _cli_json(capsys, "forecast", *args)
    fc = capacity.app.forecast
    got = fc.forecast(fc.Inputs(["users_total"], start="2026-06-01"), "7d", fc.Models(["naive", "drift"]))
    assert cli["mean"].to_numpy() == pytest.approx(got.forecast["mean"].to_numpy(), rel=1e-12)
    assert [pd.Timestamp(t) for t in cli["ds"]] == list(got.forecast["ds"])


def test_one_default_end_rule() -> None:
    """The end of a source's data, else now floored to the minute: for pulls, SLO windows and forecasts."""
    from capacity.app.history import default_end
    from capacity.core.timeutil import now

    src = capacity.source("sample")
    assert default_end(src) == src.span()[1]

    class Server:
        name = "server"

        def span(self) -> None:
            return None

    got = default_end(Server())  # type: ignore[arg-type]  # only span() is asked
    assert got == got.floor("1min") and now() - got < pd.Timedelta(minutes=2)
