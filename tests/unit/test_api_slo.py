"""``capacity.slo_compliance`` / ``capacity.alert_replay``: the analyst's one-call path
gives what the CLI prints (same engine, same fetch) and rejects ambiguous windows."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import capacity
from capacity.core.errors import ConfigError


def _cli_json(*args: str) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "capacity", *args, "--format", "json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_compliance_equals_cli_for_a_calendar_month():
    ours = capacity.slo_compliance(month="2026-09")
    cli = pd.DataFrame(_cli_json("slo", "--month", "2026-09"))
    assert list(ours["slo"]) == list(cli["slo"])
    assert ours["compliance"].to_numpy() == pytest.approx(cli["compliance"].to_numpy(), rel=1e-12)
    assert list(ours["met"]) == list(cli["met"])
    # September 2026 in America/New_York: 30 local days
    assert (ours["end"] - ours["start"]).iloc[0] == pd.Timedelta(days=30)


def test_alert_replay_equals_cli_for_a_month():
    ours = capacity.alert_replay(month="2026-09")
    cli = pd.DataFrame(_cli_json("alerts", "--month", "2026-09"))
    assert sorted(ours["alert"]) == sorted(cli["alert"])
    assert "ServiceDown" in set(ours["alert"])


def test_one_window_kind_at_a_time():
    with pytest.raises(ConfigError, match="one of window, month or quarter"):
        capacity.slo_compliance(window="7d", month="2026-09")


def test_rolling_window_ends_at_the_sample_end_by_default():
    out = capacity.slo_compliance(window="7d", slos=["error-rate"])
    assert list(out["slo"]) == ["error-rate"]
    assert out["end"].iloc[0] == pd.Timestamp("2026-10-01T00:00:00Z")
    assert out["end"].iloc[0] - out["start"].iloc[0] == pd.Timedelta(days=7)
