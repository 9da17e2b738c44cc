"""``capacity headroom`` end to end: the table, json, the what-if, and errors that name the option."""

from __future__ import annotations

import json

import pytest
import yaml

from capacity.cli import main


def test_table_and_json_on_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["headroom", "--no-forecast"]) == 0
    out = capsys.readouterr().out
    assert "latency SLO holds to" in out and "req/s (80%:" in out
    assert main(["headroom", "--no-forecast", "--format", "json", "--traffic", "+50%", "--replicas", "5"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["service"] == "api" and row["status"] == "ok"
    assert row["whatif_replicas"] == 5 and row["whatif_traffic"] == 0.5
    assert row["whatif_load"] == pytest.approx(row["today_peak"] * 1.5)


@pytest.mark.parametrize(
    "argv,words",
    [
        (["--traffic", "lots"], "--traffic: expected a change like +20%"),
        (["--traffic=-100%"], "would leave no traffic"),
        (["--replicas", "0"], "--replicas: expected a positive number"),
        (["--horizon", "soon"], "horizon"),
    ],
)
def test_bad_options_are_one_line_errors(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["headroom", "--no-forecast", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_bad_services_file_is_named(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "services.yaml"
    bad.write_text(yaml.safe_dump({"services": {"web": {"throughput": "request_rate", "workers": 0}}}))
    assert main(["headroom", "--services", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: services.web.workers" in err


def test_a_service_without_a_histogram_answers_what_it_can_and_exits_1(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "services.yaml"
    f.write_text(
        yaml.safe_dump({"services": {"web": {"throughput": "request_rate", "cpu": "cpu_utilization", "replicas": 3}}})
    )
    assert main(["headroom", "--services", str(f), "--no-forecast"]) == 1
    captured = capsys.readouterr()
    assert "web: latency: no data for the latency histogram (not configured)" in captured.err
    assert "188 req/s" in captured.out or "req/s (80%:" in captured.out
