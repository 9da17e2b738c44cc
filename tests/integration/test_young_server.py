"""A server minutes old (the session's scraping Prometheus, first used by test_discovery): ``capacity
init`` and then every command and report finish, saying ``too little data`` where a verdict needs more."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
import requests

from capacity.cli import main
from capacity.testing.servers import Server

pytestmark = pytest.mark.integration


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _wait_for_minutes(prom: Server, minutes: float) -> None:
    """Until the scraping server holds ``minutes`` of its own ``up`` (scraped every second)."""
    deadline = time.monotonic() + minutes * 60 + 60
    want = int(minutes * 60 * 0.9)
    while time.monotonic() < deadline:
        got = requests.get(
            prom.url + "/api/v1/query",
            params={"query": 'count_over_time(up{job="prometheus"}[1h])'},
            timeout=5,
        ).json()["data"]["result"]
        if got and float(got[0]["value"][1]) >= want:
            return
        time.sleep(2)
    pytest.fail(f"{prom.url} did not gather {minutes} minutes of samples")


def _first_sample(prom: Server) -> float:
    """Unix time of the scraping server's first sample (its head block's start: a server this young has
    nothing older)."""
    stats = requests.get(prom.url + "/api/v1/status/tsdb", timeout=5).json()["data"]["headStats"]
    return float(stats["minTime"]) / 1000


def _html_text(path) -> str:
    import html
    import re

    page = path.read_text()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_server_minutes_old_gives_statuses_in_every_command_and_report(scraping, tmp_path, monkeypatch, capsys):
    """``capacity init`` then every command and report with the generated file, on a server with a few
    minutes of history: each finishes, and says ``too little data`` (with how much there is) where a
    verdict would need more; nothing is shown as met, missed or forecast."""
    _, prom = scraping
    # 3 minutes: a counter SLI needs two points of the 1-minute grid with data to count one minute of
    # events, and the first grid point with data can be 2 minutes after the first scrape
    _wait_for_minutes(prom, 3)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    rc, _, err = _run(["init", "--source", prom.url], capsys)
    assert rc == 0, err

    rc, out, err = _run(["slo", "--format", "json"], capsys)
    rows = {r["slo"]: r for r in json.loads(out)}
    assert rc == 1 and "Traceback" not in err and "error:" not in err, err  # incomplete, not an error
    # no 5xx answered yet: no bad event seen, not a query without data
    assert "no bad event seen (counted as none)" in err and "no data for 'prometheus_http_requests_total" not in err
    for name in ("cpu-in-range", "memory-in-range", "latency-p95", "error-rate"):
        assert rows[name]["status"] == "too little data", rows[name]
        assert rows[name]["met"] is None and rows[name]["budget_remaining"] is None
        assert "of the window, need 50%" in rows[name]["reason"]

    rc, out, err = _run(["alerts", "--format", "json"], capsys)
    assert rc in (0, 1) and "error:" not in err, err

    rc, out, err = _run(["forecast", "--ci", "--horizon", "30d", "--ci-dir", "ci"], capsys)
    assert rc == 2 and "error: no threshold could be forecast" in err, err
    doc = json.loads((tmp_path / "ci" / "capacity-forecast.json").read_text())
    assert doc["status"] == "not forecast" and set(doc["missing"]) == {"cpu", "memory", "disk", "latency_slo_api"}
    reasons = dict(doc["missing_reasons"])
    # the service init mapped: minutes of load, too few to fit a curve (said with the range or points seen)
    assert reasons.pop("latency_slo_api").startswith("too little data"), doc["missing_reasons"]
    for why in reasons.values():  # the server has minutes of each: not "no data"
        assert "too little data (have " in why and " min of 28 d)" in why, why

    rc, out, err = _run(["headroom", "--format", "json"], capsys)
    (row,) = json.loads(out)
    assert rc == 1 and "error:" not in err and row["service"] == "api", err
    assert row["status"] == "too little data" and row["latency_max_rate"] is None, row
    # ending on the 5-minute grid point before the first sample: the pulls find nothing at all, and the
    # server's span of the request rate still makes it too little data, not "no data for replicas"
    # (which of the two a young server met depended on the minute the test ran)
    first = _first_sample(prom)
    end = pd.Timestamp(first, unit="s", tz="UTC").floor("5min").strftime("%Y-%m-%dT%H:%M:%SZ")
    rc, out, err = _run(["headroom", "--end", end, "--format", "json"], capsys)
    (row,) = json.loads(out)
    assert rc == 1 and "error:" not in err, err
    assert row["status"] == "too little data", row
    assert "of the request rate (request_rate): the models need 12 points 5m apart" in row["note"], row
    assert row["note"].count("the models need") == 1, row  # the reason the three models share, said once

    for name in ("quarterly_review", "capacity_forecast", "slo_compliance", "explore"):
        rc, _, err = _run(["report", name, "--out-dir", "reports"], capsys)
        assert rc == 0, err
    review = _html_text(tmp_path / "reports" / "quarterly_review.html")
    assert "(partial quarter)" in review  # 'latest' on a server: the quarter in progress, from its data
    assert "0 of 4 SLOs met their objective" in review and "4 had too little data to judge" in review
    # nothing judged is not "every SLO met": the summary and the recommendations say what could not be
    assert "every SLO met" not in review.replace("every SLO that was scored", "") and "No action needed" not in review
    assert "4 of 4 SLOs could not be scored" in review and "SLOs: not scored" in review
    for section in ("The heat map", "The peak-load forecast", "The time-to-threshold charts"):
        assert f"{section}: left out (too little data)" in review, section
    assert "request_rate: too little data (have " in review and " min of 2 d)" in review
    assert "Traceback" not in review and "Error" not in review
    forecast = _html_text(tmp_path / "reports" / "capacity_forecast.html")
    assert "No threshold could be forecast (too little data)" in forecast
    slo_page = _html_text(tmp_path / "reports" / "slo_compliance.html")
    assert "The charts over time: left out (too little data)" in slo_page
