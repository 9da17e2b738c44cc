"""The README's Python examples run exactly as written (on the bundled sample history)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block after {heading!r}"
    return match.group(1)


def test_forecasting_block_runs_as_written() -> None:
    code = _python_block_after("## Forecasting")
    names: dict[str, object] = {}
    exec(compile(code, "README.md (Forecasting)", "exec"), names)  # noqa: S102 - our own README
    # every name the block uses is defined in it (was: peak_load(hourly_request_rate, ...) with no such variable)
    assert isinstance(names["frame"], pd.DataFrame)


def test_time_to_threshold_example_finds_its_series() -> None:
    import capacity

    code = _python_block_after("## Forecasting")
    line = next(ln for ln in code.splitlines() if ln.startswith("levels = "))
    names: dict[str, object] = {"capacity": capacity}
    exec(line, names)  # noqa: S102
    table = capacity.time_to_threshold(names["levels"], "365d")  # type: ignore[arg-type]
    pulled = table[table["threshold"].isin(["disk", "db_size"])]
    # the example is about crossings: the thresholds whose series it pulls are evaluated, not "no data"
    assert len(pulled) == 2 and (pulled["status"] != "no data").all(), table[["threshold", "status", "note"]]


@pytest.mark.parametrize("heading", ["## Files"])
def test_files_block_runs_as_written(heading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(README.parent)  # the README's paths are relative to the checkout
    names: dict[str, object] = {}
    exec(compile(_python_block_after(heading), f"README.md ({heading})", "exec"), names)  # noqa: S102
    views = names["views"]
    assert isinstance(views, pd.DataFrame) and len(views) > 40  # a year of weekly points


def test_app_block_runs_as_written_and_matches_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's ``capacity.app`` example gives what the CLI command it names prints."""
    import json

    from capacity.cli import main

    names: dict[str, object] = {}
    code = _python_block_after("The same use cases the CLI and the notebooks run")
    exec(compile(code, "README.md (app)", "exec"), names)  # noqa: S102 - our own README
    app = names["app"]
    table = app.slo.compliance(names["req"]).table  # type: ignore[attr-defined]
    assert main(["slo", "--month", "2026-08", "--month", "2026-09", "--format", "json"]) == 0
    cli = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert list(cli["slo"]) == list(table["slo"]) and list(cli["window"]) == list(table["window"])
    assert cli["compliance"].to_numpy() == pytest.approx(table["compliance"].to_numpy(), rel=1e-12, nan_ok=True)


def test_headroom_block_runs_as_written() -> None:
    code = _python_block_after("## Headroom")
    names: dict[str, object] = {}
    exec(compile(code, "README.md (Headroom)", "exec"), names)  # noqa: S102 - our own README
    table = names["h"].table  # type: ignore[attr-defined]
    assert table.loc[0, "latency_status"] == "ok" and table.loc[0, "latency_max_rate"] > table.loc[0, "today_peak"]
