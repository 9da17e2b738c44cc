"""The project file (capacity.yaml) reaches the API, every CLI command and the use cases the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import capacity
from capacity.app import project
from capacity.cli import main
from capacity.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
WIKI = ROOT / "data/real/wikipedia-pageviews/wp_R_daily_views.csv"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    monkeypatch.delenv("CAPACITY_CATALOG", raising=False)
    return tmp_path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[dict[str, object]], str]:
    assert main([*args, "--format", "json"]) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def test_a_catalog_override_reaches_list_rules_and_the_project(in_tmp: Path, capsys) -> None:
    (in_tmp / "capacity.yaml").write_text("catalog:\n  disk_free_ratio: {query: 'min(my_disk_free)'}\n")
    rows, _ = _json(capsys, "pull", "--list")
    assert {r["name"]: r for r in rows}["disk_free_ratio"]  # still listed
    assert project.current().catalog["disk_free_ratio"].query == "min(my_disk_free)"
    assert main(["rules"]) == 0
    assert "min(my_disk_free)" in capsys.readouterr().out


def test_the_config_source_is_used_without_the_sample_notice(in_tmp: Path, capsys) -> None:
    (in_tmp / "capacity.yaml").write_text(f"source: {WIKI}\n")
    rows, err = _json(capsys, "pull", "views", "--step", "7d")
    assert len(rows) > 0 and "bundled sample" not in err
    frame = capacity.pull("views", step="7d")  # the API reads the same file
    assert len(frame) == len(rows)


def test_no_config_and_no_source_says_so_once(in_tmp: Path, capsys) -> None:
    _, err = _json(capsys, "pull", "request_rate", "--start", "2026-09-01", "--end", "2026-09-01T02:00:00Z")
    assert err.count("used the bundled sample history; set --source or capacity.yaml") == 1


def test_inline_slos_extend_the_defaults(in_tmp: Path, capsys) -> None:
    (in_tmp / "capacity.yaml").write_text(
        """\
timezone: Europe/Paris
slos:
  extends: default
  slos:
    - name: cpu-low
      objective: 0.9
      window: 7d
      sli: {kind: gauge_range, metric: cpu_utilization, upper: 0.8}
"""
    )
    rows, _ = _json(capsys, "slo", "--window", "7d")
    assert "cpu-low" in {r["slo"] for r in rows} and "error-rate" in {r["slo"] for r in rows}
    assert project.current().time_zone == "Europe/Paris"


def test_config_named_by_option_and_paths_relative_to_it(in_tmp: Path, capsys) -> None:
    sub = in_tmp / "team"
    sub.mkdir()
    (sub / "planning.yaml").write_text((ROOT / "capacity/defaults/planning.yaml").read_text().replace("0.50", "0.25"))
    (sub / "capacity.yaml").write_text("planning: planning.yaml\n")
    assert project.current(config=sub / "capacity.yaml").rules.growth[0].plan == 0.25
    rows, _ = _json(capsys, "pull", "--list", "--config", str(sub / "capacity.yaml"))
    assert rows


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("sorce: sample\n", "sorce"),
        ("coverage_floor: 2\n", "coverage_floor"),
        ("timezone: Mars/Olympus\n", "timezone"),
        ("catalog: [1, 2]\n", "catalog"),
        ("slos: 12\n", "slos"),
    ],
)
def test_bad_settings_are_refused_naming_file_and_key(in_tmp: Path, capsys, text: str, names: str) -> None:
    (in_tmp / "capacity.yaml").write_text(text)
    with pytest.raises(ConfigError, match=names):
        project.current()
    assert main(["pull", "--list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "capacity.yaml" in err[0] and names in err[0]


def test_a_missing_named_config_is_an_error(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        project.current(config=in_tmp / "nope.yaml")


def test_calendar_windows_are_in_the_config_time_zone(in_tmp: Path, capsys) -> None:
    ny = capacity.slo_compliance(month="2026-09", slos=["error-rate"])
    assert ny["start"].iloc[0] == pd.Timestamp("2026-09-01T04:00:00Z")  # the spec's zone: America/New_York
    (in_tmp / "capacity.yaml").write_text("timezone: UTC\n")
    utc = capacity.slo_compliance(month="2026-09", slos=["error-rate"])
    assert utc["start"].iloc[0] == pd.Timestamp("2026-09-01T00:00:00Z")
    rows, _ = _json(capsys, "slo", "--month", "2026-09", "--slo", "error-rate")
    assert pd.Timestamp(rows[0]["start"]) == utc["start"].iloc[0]


def test_bundled_defaults_are_parsed_once_and_cannot_be_changed_in_place(tmp_path, monkeypatch) -> None:
    """Every command and capacity.pull asks for the project in effect: the bundled SLOs, planning rules and
    services are parsed once per process and shared, so they must be frozen all the way down."""
    import dataclasses

    from capacity.app.project import current

    monkeypatch.chdir(tmp_path)  # no ./capacity.yaml
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    a, b = current(), current()
    assert a.spec is b.spec and a.rules is b.rules and a.services is b.services
    for obj in (
        a.spec,
        a.spec.slos[0],
        a.spec.slos[0].sli,
        a.spec.burn_rates,
        a.rules,
        a.rules.growth[0],
        a.services[0],
    ):
        field = dataclasses.fields(obj)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, None)
    assert isinstance(a.spec.slos, tuple) and isinstance(a.rules.thresholds, tuple) and isinstance(a.services, tuple)
