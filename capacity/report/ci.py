"""``capacity forecast --ci``: the capacity forecast as files a CI job publishes.

:func:`ci_report` takes a history frame (catalog names as ``unique_id``),
asks :func:`capacity.forecast.planning.time_to_threshold` when each planning
threshold is crossed, and writes into ``out_dir`` (atomically):

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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import ReportError
from ..core.files import write_atomic
from .forecast_views import daily_extreme
from .summary import CiSummary, from_time_to_threshold, no_data, summarize, to_json, to_markdown

__all__ = ["CiResult", "threshold_metrics", "ci_report", "write_pngs", "MARKDOWN", "JSON"]

MARKDOWN, JSON = "capacity-forecast.md", "capacity-forecast.json"


@dataclass(frozen=True)
class CiResult:
    summary: CiSummary
    markdown: Path
    json: Path
    charts: tuple[Path, ...]
    no_data: tuple[str, ...]


def threshold_metrics(rules: Any = None) -> list[str]:
    """Catalog names the planning thresholds read (their metric and the series they are relative to)."""
    from ..forecasting.rules import load_rules

    r = rules or load_rules()
    names = [t.metric for t in r.thresholds] + [t.relative_to for t in r.thresholds if t.relative_to]
    return list(dict.fromkeys(names))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "chart"


def _charts(
    frame: pd.DataFrame,
    summary: CiSummary,
    horizon: pd.Timedelta,
    units: Mapping[str, str],
    rules: Any,
    forecast_options: Mapping[str, Any],
) -> list[tuple[str, Any]]:
    from ..forecasting import auto_forecast
    from . import figures

    by_rule = {t.name: t for t in rules.thresholds}
    out: list[tuple[str, Any]] = []
    t = summary.table
    row: Any  # a row of the summary table: a record of mixed columns
    for row in t[t["within"] | t["within_early"]].itertuples(index=False):
        rule = by_rule.get(row.rule)
        if rule is None:
            continue
        hist = daily_extreme(frame, rule.metric, rule.direction)
        fc, _ = auto_forecast(hist, horizon, executor="serial", **forecast_options)
        fig = figures.fan_chart(
            hist.tail(180),
            fc,
            title=f"{rule.text}: {rule.metric}, daily {('min' if rule.direction == 'below' else 'max')}",
            unit=units.get(rule.metric, ""),
            threshold=float(row.threshold),
            threshold_label=rule.name,
        )
        out.append((row.name, (f"capacity-forecast-{_slug(rule.name)}.png", fig)))
    ttt = pd.DataFrame({"name": t["name"], "days": t["days"], "days_lo": t["days_early"], "days_hi": t["days"]})
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
        # A headless browser occasionally stalls at start-up; one fresh attempt with the
        # remaining time is cheaper than a failed job. Two stalls in a row are reported.
        proc = None
        for attempt in (1, 2):
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "capacity.report._png_worker", str(work)],
                    capture_output=True,
                    text=True,
                    timeout=timeout / 2,
                )
                break
            except subprocess.TimeoutExpired:
                if attempt == 2:
                    raise ReportError(
                        f"PNG export did not finish within {timeout:g} s in two attempts (chromium hung?)", notebook=""
                    ) from None
        assert proc is not None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise ReportError(f"PNG export failed: {last}", notebook="")
        finals = []
        for _, (name, _) in items:
            final = out_dir / name
            os.replace(work / f"{Path(name).stem}.png", final)
            finals.append(final)
    return finals


def ci_report(
    frame: pd.DataFrame,
    *,
    horizon: pd.Timedelta,
    source: str,
    out_dir: str | os.PathLike[str] = "reports",
    units: Mapping[str, str] | None = None,
    rules: Any = None,
    charts: bool = True,
    forecast_options: Mapping[str, Any] | None = None,
) -> CiResult:
    """Forecast the planning thresholds over ``horizon`` and write the Markdown, JSON and charts."""
    from ..forecasting.planning import time_to_threshold
    from ..forecasting.rules import load_rules

    rules = rules or load_rules()
    opts = dict(forecast_options or {})
    units = dict(units or {})
    ttt = time_to_threshold(frame, horizon, rules=rules, **opts)
    as_of = pd.Timestamp(frame["ds"].max())
    summary = summarize(from_time_to_threshold(ttt, units), as_of=as_of, horizon=horizon, source=source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = _charts(frame, summary, horizon, units, rules, opts) if charts else []
    pngs = write_pngs(items, out)
    md = to_markdown(summary, {name: file for name, (file, _) in items})
    missing = no_data(ttt)
    if missing:
        md += f"\nNo data for: {', '.join(missing)}.\n"
    json_path = write_atomic(out / JSON, to_json(summary))
    md_path = write_atomic(out / MARKDOWN, md)
    return CiResult(summary, md_path, json_path, tuple(pngs), tuple(missing))
