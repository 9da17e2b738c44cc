"""Value checks for well-known notebook parameters, run before any kernel starts.

``params.check_parameters`` checks names and types against the notebook's
``parameters`` cell; this registry checks what the values mean (a quarter that
exists, a time zone, a duration, a source that resolves), so a bad value fails
in a second with a message naming the parameter instead of inside a cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.errors import CapacityError, ParameterError


def _source(v: Any) -> None:
    from ..sources import resolve

    resolve(v)


def _quarter(v: Any) -> None:
    if v != "latest":
        from ..core.windows import quarter

        quarter(v)


def _tz(v: Any) -> None:
    from ..core.windows import check_tz

    check_tz(v)


def _duration(v: Any) -> None:
    from ..core.timeutil import parse_duration

    parse_duration(v)


def _time(v: Any) -> None:
    from ..core.timeutil import parse_time

    parse_time(v)


def _positive(v: Any) -> None:
    if not v > 0:
        raise ValueError(f"must be positive, got {v!r}")


def _window(v: Any) -> None:
    from ..core.timeutil import parse_duration
    from ..core.windows import month, quarter

    for parse in (parse_duration, month, quarter):
        try:
            parse(v)
            return
        except CapacityError:
            continue
    raise ValueError(f"{v!r} is neither a rolling length (30d), a month (2026-09) nor a quarter (2026Q3)")


def _spec_file(v: Any) -> None:
    from ..slo import load_spec

    load_spec(v)


#: parameter name -> check of a non-None value (raises on a bad one)
CHECKS: dict[str, Callable[[Any], None]] = {
    "source": _source,
    "quarter": _quarter,
    "tz": _tz,
    "step": _duration,
    "every": _duration,
    "end": _time,
    "window": _window,
    "spec_file": _spec_file,
    "horizon_days": _positive,
    "history_days": _positive,
    "days": _positive,
}


def check_values(values: Mapping[str, Any], *, notebook: str) -> None:
    """Raise ParameterError naming the first parameter whose value is not usable."""
    for name, value in values.items():
        check = CHECKS.get(name)
        if check is None or value is None:
            continue
        try:
            check(value)
        except (CapacityError, ValueError, TypeError) as exc:
            raise ParameterError(
                f"{notebook}: parameter {name}={value!r}: {exc}", notebook=notebook, parameter=name
            ) from exc
