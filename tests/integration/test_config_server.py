"""The project file reaches a real Prometheus: its catalog overrides and additions are what is queried."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import capacity
from capacity.cli import main

pytestmark = pytest.mark.integration


def test_catalog_entries_of_the_config_are_what_the_server_is_asked(prometheus, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    (tmp_path / "capacity.yaml").write_text(
        f"""\
source: {prometheus.url}
catalog:
  request_rate: {{query: 'sum(rate(http_requests_total{{status="5xx"}}[5m]))'}}  # overridden
  all_requests: {{query: 'sum(rate(http_requests_total[5m]))', unit: 1/s, kind: counter, group: application}}  # added
"""
    )
    start, end = "2026-09-15T12:00:00Z", "2026-09-15T13:00:00Z"
    overridden = capacity.pull("request_rate", start=start, end=end)
    added = capacity.pull("all_requests", start=start, end=end)
    errors = capacity.pull('sum(rate(http_requests_total{status="5xx"}[5m]))', start=start, end=end)
    plain = capacity.pull("sum(rate(http_requests_total[5m]))", start=start, end=end)
    assert len(overridden) == 61 and overridden["y"].to_numpy() == pytest.approx(errors["y"].to_numpy(), rel=1e-12)
    assert added["y"].to_numpy() == pytest.approx(plain["y"].to_numpy(), rel=1e-12)
    assert (added["y"] > overridden["y"]).all()
    # the CLI reads the same file: no --source, no sample notice, the addition is a catalog name
    assert main(["pull", "all_requests", "--start", start, "--end", end, "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = pd.DataFrame(json.loads(out.out))
    assert rows["y"].to_numpy() == pytest.approx(plain["y"].to_numpy(), rel=1e-12)
    assert "bundled sample" not in out.err
