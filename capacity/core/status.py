"""What every SLO, alert, growth rule, threshold and report section says about its data.

``ok``: computed. ``no data``: the source has no sample of a metric it needs. ``too little data``:
there is some, less than the computation needs; the reason says how much there is and how much it
needs (``too little data (have 0.1 d of 28 d)``). Nothing with either of the last two is shown as a
verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "NO_DATA",
    "OK",
    "TOO_LITTLE",
    "UNAVAILABLE",
    "Status",
    "days",
    "history_length",
    "rows_status",
    "too_little",
]

OK, NO_DATA, TOO_LITTLE = "ok", "no data", "too little data"
#: the statuses that mean "not computed"
UNAVAILABLE = frozenset({NO_DATA, TOO_LITTLE})

_DAY = pd.Timedelta(days=1)


def days(span: pd.Timedelta) -> str:
    """``28 d``, ``1.5 d``, ``5.2 h``, ``12 min``: a length in days, or hours or minutes below a day."""
    d = span / _DAY
    if d >= 10:
        return f"{d:,.0f} d"
    if d >= 1:
        return f"{d:.1f} d".replace(".0 d", " d")
    h = span / pd.Timedelta(hours=1)
    if h >= 1:
        return f"{h:.1f} h".replace(".0 h", " h")
    return f"{span / pd.Timedelta(minutes=1):.0f} min"


def too_little(have: pd.Timedelta, needs: pd.Timedelta) -> str:
    """``too little data (have 0.1 d of 28 d)``."""
    return f"{TOO_LITTLE} (have {days(have)} of {days(needs)})"


def history_length(ds: pd.Series) -> pd.Timedelta:
    """How much history the timestamps ``ds`` cover: first to last, plus one typical step (one point
    stands for its step); zero for no timestamps."""
    t = pd.Series(pd.to_datetime(ds, utc=True)).dropna().sort_values()
    if t.empty:
        return pd.Timedelta(0)
    step = pd.Timedelta(t.diff().median()) if len(t) > 1 else pd.Timedelta(0)
    return pd.Timedelta(t.iloc[-1] - t.iloc[0]) + step


@dataclass(frozen=True)
class Status:
    """A status and the sentence that says why it is not ``ok``."""

    status: str = OK
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def of_history(cls, ds: pd.Series, needs: pd.Timedelta, what: str = "") -> Status:
        """``ok`` when ``ds`` covers ``needs``; else ``no data`` / ``too little data`` with the reason."""
        lead = f"{what}: " if what else ""
        have = history_length(ds)
        if pd.Series(ds).dropna().empty:
            return cls(NO_DATA, f"{lead}no data")
        if have < needs:
            return cls(TOO_LITTLE, lead + too_little(have, needs))
        return cls()


def rows_status(table: pd.DataFrame, col: str, name: str, what: str, *, note: str = "note") -> Status:
    """The status of a table of rules (SLOs, thresholds, growth rules) as a whole: ``ok`` when one row
    was computed (its ``col`` is neither no data nor too little data), with a reason naming the rows
    that were not; else the worse status, with each row's reason (``note``) after its ``name``."""
    if table.empty:
        return Status(NO_DATA, f"no {what} to show")
    bad = table[table[col].isin(UNAVAILABLE)]
    why = "; ".join(f"{r[name]}: {r[note] or r[col]}" for _, r in bad.iterrows())
    if len(bad) < len(table):
        return Status(OK, f"not computed: {why}" if len(bad) else "")
    state = NO_DATA if (bad[col] == NO_DATA).all() else TOO_LITTLE
    return Status(state, f"no {what} has enough data: {why}")
