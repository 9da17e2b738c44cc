"""Parsing of times and durations used by the API and the CLI.

No default is computed at import time: ``now()`` is read at call time.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd

from .errors import ConfigError

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


TimeLike = str | dt.datetime | pd.Timestamp | float | int
"""What :func:`parse_time` reads."""

#: what a relative time (``now``, ``now-7d``) is floored to when no step is known
RELATIVE_FLOOR = pd.Timedelta(minutes=1)

ACCEPTED = "RFC 3339 like 2026-10-01T00:00:00Z, a date like 2026-10-01, a Unix time like 1790000000, or now-7d"
"""The time forms :func:`parse_time` reads, as error messages list them."""

_RELATIVE_RE = re.compile(r"now(?:\s*-\s*(\S+))?")
# year first: 2026-10-01, optionally followed by a time (2026-10-01T00:00:00Z, 2026-10-01 02:30)
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ].*)?")


def now() -> pd.Timestamp:
    """The current time in UTC, read when called."""
    return pd.Timestamp.now(tz="UTC").as_unit("ns")


#: the longest duration taken anywhere (steps, windows, horizons, history): nothing in capacity planning
#: spans a century, and longer ones overflowed pandas' nanosecond timestamps deep inside a computation
MAX_DURATION_DAYS = 36_525


def _bounded(td: pd.Timedelta, text: object, field: str) -> pd.Timedelta:
    if td > pd.Timedelta(days=MAX_DURATION_DAYS):
        raise ConfigError(f"{field}: {text!r} is longer than 100 years", field=field)
    return td


def parse_duration(text: str | int | float | dt.timedelta | pd.Timedelta, *, field: str = "duration") -> pd.Timedelta:
    """Parse ``'90d'``, ``'1h30m'``, ``'5m'``, ``'300'`` (seconds) or a timedelta (at most a century)."""
    if isinstance(text, (pd.Timedelta, dt.timedelta)):
        td = pd.Timedelta(text)
        if pd.isna(td) or td <= pd.Timedelta(0):
            raise ConfigError(f"{field}: duration must be positive, got {text!r}", field=field)
        return _bounded(td, text, field)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text) or text <= 0:
            raise ConfigError(f"{field}: duration must be positive, got {text!r}", field=field)
        if text > MAX_DURATION_DAYS * 86400:
            raise ConfigError(f"{field}: {text!r} is longer than 100 years", field=field)
        return pd.Timedelta(seconds=float(text))
    s = str(text).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return parse_duration(float(s), field=field)
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if s and pos == len(s) and total <= 0:
        raise ConfigError(f"{field}: duration must be positive, got {text!r}", field=field)
    if pos != len(s) or not s:
        raise ConfigError(
            f"{field}: cannot read {text!r} as a duration (examples: 30s, 5m, 1h30m, 90d, 1w)", field=field
        )
    if not math.isfinite(total) or total > MAX_DURATION_DAYS * 86400:
        raise ConfigError(f"{field}: {text!r} is longer than 100 years", field=field)
    return pd.Timedelta(seconds=total)


def format_duration(td: pd.Timedelta, *, weeks: bool = True) -> str:
    """Shortest Prometheus-style duration string: ``5m``, ``1h``, ``3d``, ``90s``;
    with ``weeks=False`` whole weeks stay in days (``7d``, as people write windows)."""
    secs = int(round(td.total_seconds()))
    units = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60))
    for unit, size in units if weeks else units[1:]:
        if secs and secs % size == 0:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def _from_epoch(seconds: float, text: object, field: str) -> pd.Timestamp:
    if not math.isfinite(seconds):
        raise ConfigError(f"{field}: {text!r} is not a time", field=field)
    try:
        return pd.Timestamp(seconds, unit="s", tz="UTC").as_unit("ns")
    except (ValueError, OverflowError) as exc:  # OutOfBoundsDatetime is a ValueError
        raise ConfigError(f"{field}: Unix time {text!r} is out of range", field=field) from exc


def is_relative(text: object) -> bool:
    """Whether ``text`` is a time relative to now (``now``, ``now-7d``): such a time is floored to the step."""
    return isinstance(text, str) and _RELATIVE_RE.fullmatch(text.strip()) is not None


def floor_time(ts: pd.Timestamp, step: pd.Timedelta | None = None) -> pd.Timestamp:
    """``ts`` floored to a whole multiple of ``step`` since the Unix epoch (None: :data:`RELATIVE_FLOOR`),
    in UTC: ``now-1h`` on a 15s step lands on :00/:15/:30/:45 with no sub-second part."""
    size = int((step if step is not None else RELATIVE_FLOOR).value)
    if size <= 0:
        raise ConfigError(f"step: must be positive, got {step!r}", field="step")
    ns = int(ts.tz_convert("UTC").as_unit("ns").value) if ts.tzinfo is not None else int(ts.as_unit("ns").value)
    return pd.Timestamp(ns - ns % size, tz="UTC").as_unit("ns")


def parse_time(
    text: TimeLike,
    *,
    field: str = "time",
    tz: str = "UTC",
    step: pd.Timedelta | None = None,
    at: pd.Timestamp | None = None,
) -> pd.Timestamp:
    """Parse RFC 3339 (``2026-10-01T00:00:00Z``), a date (``2026-10-01``, midnight in ``tz``),
    a Unix timestamp, ``now`` or ``now-7d``; return a UTC Timestamp.

    Relative times are read against ``at`` (default: :func:`now`, read when called) and floored
    to ``step`` (default :data:`RELATIVE_FLOOR`) by :func:`floor_time`, so that repeated pulls land
    on the same grid; other times are returned as given. Day-first or month-first dates
    (``01-09-2026``, ``1/9/2026``) are refused: they are ambiguous.
    """
    if isinstance(text, pd.Timestamp):
        ts = text
    elif isinstance(text, dt.datetime):
        ts = pd.Timestamp(text)
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        return _from_epoch(float(text), text, field)
    else:
        s = str(text).strip()
        m = _RELATIVE_RE.fullmatch(s)
        if m:
            base = at if at is not None else now()
            ts = base - parse_duration(m.group(1), field=field) if m.group(1) else base
            return floor_time(ts, step)
        if re.fullmatch(r"\d{9,11}(?:\.\d+)?", s):
            return _from_epoch(float(s), text, field)
        if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}", s):
            raise ConfigError(
                f"{field}: {text!r} is ambiguous (day or month first?); write the date year first, "
                f"2026-10-01 (use {ACCEPTED})",
                field=field,
            )
        if not _ISO_RE.fullmatch(s):
            raise ConfigError(f"{field}: cannot read {text!r} as a time (use {ACCEPTED})", field=field)
        try:
            ts = pd.Timestamp(s)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{field}: cannot read {text!r} as a time (use {ACCEPTED})", field=field) from exc
        if pd.isna(ts):  # Timestamp('NaT') is NaT
            raise ConfigError(f"{field}: {text!r} is not a time", field=field)
    try:
        # a local time skipped or repeated by a DST change gives NaT on every pandas (left to raise,
        # pandas 3 raises a ValueError but pandas 2 pytz's InvalidTimeError, which is not one)
        local = ts.tz_localize(tz, ambiguous="NaT", nonexistent="NaT") if ts.tzinfo is None else ts
        utc = local.tz_convert("UTC").as_unit("ns") if isinstance(local, pd.Timestamp) else None
    except (ValueError, OverflowError) as exc:  # out of the ns range (1677..2262)
        raise ConfigError(f"{field}: {text!r} is out of range or does not exist in {tz}", field=field) from exc
    if utc is None:
        raise ConfigError(
            f"{field}: {text!r} does not exist in {tz} or is ambiguous there (a DST change); give it with an offset",
            field=field,
        )
    return utc


def format_time(ts: pd.Timestamp | dt.datetime | str) -> str:
    """A UTC time for messages, to the second (sub-seconds dropped): ``2026-10-01T00:00:00Z``."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
