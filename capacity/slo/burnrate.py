"""Multiwindow, multi-burn-rate alert tables (SRE Workbook ch. 5), kept as data.

The default table lives in ``capacity/defaults/burn_rates.yaml``; a user can
supply another with :func:`load_burn_rates`. A row alerts when the burn rate
over both its long and its short window exceeds ``factor``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import yamlio
from ..core.errors import ConfigError
from ..core.timeutil import parse_duration

SEVERITIES = ("page", "ticket")
#: an SLO's ``alerting.burn_rate``: the most urgent burn-rate alert it may raise
#: (page: every row of the table; ticket: only the table's ticket rows; none: no burn-rate alert)
BURN_ALERTING = ("page", "ticket", "none")


@dataclass(frozen=True)
class BurnRateWindow:
    name: str
    severity: str
    long: pd.Timedelta
    short: pd.Timedelta
    factor: float
    budget_consumed: float  # share of the period's budget spent when this row fires at its long window


@dataclass(frozen=True)
class BurnRateTable:
    period: pd.Timedelta
    rows: tuple[BurnRateWindow, ...]

    def windows(self) -> tuple[pd.Timedelta, ...]:
        """Every distinct window of the table, shortest first."""
        return tuple(sorted({w for r in self.rows for w in (r.long, r.short)}))

    @property
    def longest(self) -> pd.Timedelta:
        return max(r.long for r in self.rows)

    def rows_for(self, alerting: str) -> tuple[BurnRateWindow, ...]:
        """The rows an SLO with ``alerting.burn_rate = alerting`` alerts on (see BURN_ALERTING).

        ``ticket`` drops the page rows rather than relabelling them: a fast-burn
        condition demoted to a ticket would only duplicate the slow-burn row.
        """
        if alerting not in BURN_ALERTING:
            raise ValueError(f"alerting must be one of {', '.join(BURN_ALERTING)}, got {alerting!r}")
        if alerting == "page":
            return self.rows
        if alerting == "ticket":
            return tuple(r for r in self.rows if r.severity == "ticket")
        return ()


def _duration(value: object, field: str) -> pd.Timedelta:
    if not isinstance(value, (str, int, float, dt.timedelta)):
        raise ConfigError(f"{field}: cannot read {value!r} as a duration (examples: 5m, 1h, 3d)", field=field)
    return parse_duration(value, field=field)


def parse_burn_rates(data: object, *, file: str = "<burn rates>") -> BurnRateTable:
    """Validate a burn-rate table mapping; ``factor`` may be omitted and derived
    from ``budget_consumed * period / long``; when both are given they must agree."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{file}: a burn-rate table must be a mapping with period and alerts", file=file, field="burn_rates"
        )
    try:
        period = _duration(data.get("period", "30d"), "period")
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}", file=file, field="period") from exc
    rows_in = data.get("alerts")
    if not isinstance(rows_in, list) or not rows_in:
        raise ConfigError(f"{file}: alerts: expected a non-empty list of windows", file=file, field="alerts")
    rows = []
    for i, r in enumerate(rows_in):
        f = f"alerts[{i}]"
        if not isinstance(r, Mapping):
            raise ConfigError(f"{file}: {f}: expected a mapping", file=file, field=f)
        extra = sorted(set(r) - {"name", "severity", "long", "short", "factor", "budget_consumed"})
        if extra:
            raise ConfigError(f"{file}: {f}.{extra[0]}: unknown field", file=file, field=f"{f}.{extra[0]}")
        sev = r.get("severity")
        if sev not in SEVERITIES:
            raise ConfigError(
                f"{file}: {f}.severity: expected page or ticket, got {sev!r}", file=file, field=f"{f}.severity"
            )
        try:
            long_ = _duration(r.get("long"), f"{f}.long")
            short = _duration(r.get("short"), f"{f}.short")
        except ConfigError as exc:
            raise ConfigError(f"{file}: {exc}", file=file, field=getattr(exc, "field", f)) from exc
        if short >= long_:
            raise ConfigError(
                f"{file}: {f}.short: {short} must be shorter than long {long_}", file=file, field=f"{f}.short"
            )
        given: dict[str, float | None] = {}
        for key in ("budget_consumed", "factor"):
            val = r.get(key)
            if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float)) or not val > 0):
                raise ConfigError(
                    f"{file}: {f}.{key}: expected a positive number, got {val!r}", file=file, field=f"{f}.{key}"
                )
            given[key] = None if val is None else float(val)
        consumed, factor = given["budget_consumed"], given["factor"]
        if consumed is not None:
            derived = consumed * (period / long_)
            if factor is None:
                factor = derived
            elif abs(factor - derived) > 1e-9 * max(1.0, derived):
                raise ConfigError(
                    f"{file}: {f}.factor: {r.get('factor')} disagrees with budget_consumed {r.get('budget_consumed')} "
                    f"x period {period} / long {long_} = {derived:g}",
                    file=file,
                    field=f"{f}.factor",
                )
        elif factor is not None:
            consumed = factor * (long_ / period)
        else:
            raise ConfigError(f"{file}: {f}: give factor or budget_consumed", file=file, field=f)
        rows.append(BurnRateWindow(str(r.get("name") or f"{sev}-{i}"), sev, long_, short, factor, consumed))
    return BurnRateTable(period, tuple(rows))


def load_burn_rates(path: str | os.PathLike[str]) -> BurnRateTable:
    p = Path(path)
    return parse_burn_rates(yamlio.read(p, what="burn-rate table"), file=str(p))


def default_burn_rates() -> BurnRateTable:
    """The SRE Workbook table: 14.4 over 1h/5m and 6 over 6h/30m page, 1 over 3d/6h tickets."""
    return load_burn_rates(Path(__file__).resolve().parent.parent / "defaults" / "burn_rates.yaml")
