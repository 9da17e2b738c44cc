"""``capacity forecast --ci``: the capacity forecast as files a CI job publishes.

:func:`write_ci` takes the verdict :func:`capacity.app.forecast.forecast_ci`
computed (when each planning threshold is crossed, and the forecasts behind the
thresholds at risk) and writes into ``out_dir`` (atomically):

- ``capacity-forecast.md``: GitHub-flavoured Markdown for a job summary or a
  pull-request comment, with PNG charts beside it
  (``capacity-forecast-<rule>.png`` fan charts of the thresholds crossed or at
  risk, and ``capacity-forecast-time-to-threshold.png``);
- ``capacity-forecast.json``: the same verdict for machines.

Exit status (see :func:`summary.exit_code`): 0 when no threshold is crossed
within the horizon, 1 when one is.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import ReportError
from ..core.files import write_atomic
from .summary import CiSummary, md_escape, to_json, to_markdown

__all__ = ["JSON", "MARKDOWN", "CiResult", "Fan", "write_ci", "write_pngs"]

MARKDOWN, JSON = "capacity-forecast.md", "capacity-forecast.json"


@dataclass(frozen=True)
class CiResult:
    summary: CiSummary
    markdown: Path
    json: Path
    charts: tuple[Path, ...]
    no_data: tuple[str, ...]  # the thresholds not forecast
    reasons: Mapping[str, str] = field(default_factory=dict)  # and why
    chart_trouble: str = ""  # why the PNG charts were not drawn (the files say so too)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "chart"


@dataclass(frozen=True)
class Fan:
    """One threshold's fan chart: its daily history and forecast, the level and the rule behind it."""

    name: str  # the summary row's name (``Disk space below 10% free (disk)``)
    rule: Any  # capacity.forecasting.rules.Threshold
    level: float
    history: pd.DataFrame
    forecast: pd.DataFrame


def _charts(
    summary: CiSummary, fans: Sequence[Fan], horizon: pd.Timedelta, units: Mapping[str, str], tz: str = "UTC"
) -> list[tuple[str, Any]]:
    from . import figures

    out: list[tuple[str, Any]] = []
    for fan in fans:
        rule = fan.rule
        fig = figures.fan_chart(
            fan.history.tail(180),
            fan.forecast,
            title=f"{rule.text}: {rule.metric}, worst of each day ({('min' if rule.direction == 'below' else 'max')})",
            x_title=f"date (days in {tz})",
            unit=units.get(rule.metric, ""),
            threshold=fan.level,
            threshold_label=rule.name,
        )
        out.append((fan.name, (f"capacity-forecast-{_slug(rule.name)}.png", fig)))
    t = summary.table
    if t.empty:
        return out
    # the same numbers as the Markdown and JSON: mean, and the 95% bounds (the optimistic one may not
    # cross within the horizon: NaN, drawn to the horizon's end)
    ttt = pd.DataFrame({"name": t["name"], "days": t["days"], "days_lo": t["days_early"], "days_hi": t["days_late"]})
    days = horizon / pd.Timedelta(days=1)
    out.append(
        (
            "Time to threshold",
            (
                "capacity-forecast-time-to-threshold.png",
                figures.time_to_threshold(
                    ttt, horizon_days=days, title=f"Days until each threshold is crossed (horizon {days:g} d)"
                ),
            ),
        )
    )
    return out


def write_pngs(items: list[tuple[str, tuple[str, Any]]], out_dir: Path, *, timeout: float = 300.0) -> list[Path]:
    """Export ``(label, (file name, figure))`` items as PNGs into ``out_dir``.

    kaleido drives the system's chromium; it runs in a child process bounded by ``timeout``
    seconds, so a browser that hangs becomes a ReportError instead of a stuck CI job.
    """
    import json
    import subprocess
    import sys

    from .output import find_chromium

    if not items:
        return []
    if find_chromium() is None:
        raise ReportError("PNG charts need chromium (Debian package 'chromium') on PATH or BROWSER_PATH", notebook="")
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".charts.") as tmp:
        work = Path(tmp)
        sizes = {}
        for _, (name, fig) in items:
            stem = Path(name).stem
            (work / f"{stem}.json").write_text(fig.to_json())
            sizes[stem] = [1000, int(fig.layout.height or 460)]
        (work / "sizes.json").write_text(json.dumps(sizes))
        # A headless browser occasionally stalls at start-up, or (on a loaded machine) ends
        # without writing every image; one fresh attempt is cheaper than a failed job.
        pngs = [work / f"{Path(name).stem}.png" for _, (name, _) in items]
        why = ""
        for _attempt in (1, 2):
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "capacity.report._png_worker", str(work)],
                    capture_output=True,
                    text=True,
                    timeout=timeout / 2,
                )
            except subprocess.TimeoutExpired:
                why = f"did not finish within {timeout / 2:g} s (chromium hung?)"
                continue
            lost = [p.name for p in pngs if not p.exists()]
            if proc.returncode == 0 and not lost:
                break
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            why = last if proc.returncode != 0 else f"chromium wrote no {', '.join(lost)}"
        else:
            raise ReportError(f"PNG export failed twice: {why}", notebook="")
        finals = []
        for _, (name, _) in items:
            final = out_dir / name
            os.replace(work / f"{Path(name).stem}.png", final)
            finals.append(final)
    return finals


def write_ci(
    summary: CiSummary,
    fans: Sequence[Fan],
    *,
    horizon: pd.Timedelta,
    out_dir: str | os.PathLike[str] = "reports",
    units: Mapping[str, str] | None = None,
    missing: Sequence[str] | Mapping[str, str] = (),
    charts: bool = True,
    tz: str = "UTC",
) -> CiResult:
    """Write the CI verdict (computed by :func:`capacity.app.forecast.forecast_ci`) as Markdown,
    JSON and PNG charts into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = _charts(summary, fans, horizon, dict(units or {}), tz) if charts else []
    chart_trouble = ""
    try:
        pngs = write_pngs(items, out)
    except ReportError as exc:  # the verdict and its files matter more than its pictures
        pngs, items, chart_trouble = [], [], str(exc)
    md = to_markdown(summary, {name: file for name, (file, _) in items}, not_forecast=len(missing))
    if chart_trouble:
        md += f"\n_Charts could not be drawn: {md_escape(chart_trouble)}._\n"
    why = dict(missing) if isinstance(missing, Mapping) else {}
    if missing:
        said = (md_escape(f"{n} ({why[n]})" if why.get(n) else n) for n in missing)
        md += "\nNot forecast: " + "; ".join(said) + ".\n"
    json_path = write_atomic(out / JSON, to_json(summary, missing))
    md_path = write_atomic(out / MARKDOWN, md)
    return CiResult(summary, md_path, json_path, tuple(pngs), tuple(missing), why, chart_trouble)
