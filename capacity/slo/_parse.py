"""What the spec loaders share: where a problem is (:class:`Ctx`) and the field readers.

Every reader takes the raw YAML value and the field's name and either
returns a checked value or raises the :class:`~capacity.core.errors.SpecError`
that :meth:`Ctx.err` makes: one line naming the file, the SLO (or alert) and
the field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pandas as pd

from ..core.errors import ConfigError, SpecError
from ..core.timeutil import parse_duration
from ..core.windows import check_tz
from ..metrics.promql import parse_selector
from .model import Query

#: a value read from YAML: anything ``yaml.safe_load`` returns
Raw = object
#: a YAML mapping
RawMap = Mapping[str, object]


@dataclass(frozen=True)
class Ctx:
    """Where in a spec a value comes from: the file and the SLO or alert being read."""

    file: str
    name: str | None = None
    what: str = "SLO"  # "SLO" | "alert"

    def named(self, name: str) -> Ctx:
        return Ctx(self.file, name, self.what)

    def err(self, field: str, message: str) -> SpecError:
        where = f"{self.file}: " + (f"{self.what} {self.name!r}: " if self.name else "")
        if self.what == "alert":
            return SpecError(f"{where}{field}: {message}", file=self.file, slo=None, alert=self.name, field=field)
        return SpecError(f"{where}{field}: {message}", file=self.file, slo=self.name, field=field)


def mapping(ctx: Ctx, value: Raw, field: str) -> RawMap:
    if not isinstance(value, Mapping):
        raise ctx.err(field, f"expected a mapping, got {type(value).__name__}")
    return value


def known(
    ctx: Ctx, data: RawMap, allowed: Sequence[str], prefix: str, *, refusal: str = "unknown field (allowed: {})"
) -> None:
    """Refuse the first key of ``data`` not in ``allowed`` (``refusal`` formats the allowed list)."""
    extra = sorted(set(map(str, data)) - set(allowed))
    if extra:
        raise ctx.err(f"{prefix}{extra[0]}", refusal.format(", ".join(allowed)))


def open_named(ctx: Ctx, value: Raw, where: str) -> tuple[Ctx, RawMap, str]:
    """A list item (``where``, e.g. ``slos[2]``) that must be a mapping with a non-empty ``name``:
    the context naming it, its mapping and its name."""
    data = mapping(ctx, value, where)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.err(f"{where}.name", f"every {ctx.what} needs a non-empty name")
    return ctx.named(name), data, name


def number(
    ctx: Ctx,
    value: Raw,
    field: str,
    *,
    lo: float = -math.inf,
    hi: float = math.inf,
    open_lo: bool = False,
    open_hi: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.err(field, f"expected a number, got {value!r}")
    v = float(value)
    if math.isnan(v) or v < lo or v > hi or (open_lo and v == lo) or (open_hi and v == hi):
        lb = "(" if open_lo else "["
        rb = ")" if open_hi else "]"
        raise ctx.err(field, f"{v!r} is out of range {lb}{lo}, {hi}{rb}")
    return v


def duration(ctx: Ctx, value: Raw, field: str, *, zero_ok: bool = False) -> pd.Timedelta:
    if zero_ok and value in (0, "0", "0s", "0m"):
        return pd.Timedelta(0)
    if not isinstance(value, (str, int, float, dt.timedelta)):
        raise ctx.err(field, f"expected a duration (examples: 30s, 5m, 1h30m, 90d, 1w), got {value!r}")
    try:
        return parse_duration(value, field=field)
    except ConfigError as exc:
        raise ctx.err(field, str(exc).split(": ", 1)[-1]) from exc


def time_zone(ctx: Ctx, value: Raw, field: str) -> str:
    tz = str(value)
    try:
        return check_tz(tz)
    except ConfigError as exc:
        raise ctx.err(field, f"unknown time zone {tz!r}") from exc


_COUNTER_SUFFIXES = ("_total", "_bucket", "_count", "_sum")
_NAME_BEFORE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\s*$")


def _after_string(text: str, i: int) -> int:
    """The position after the quoted string that starts at ``text[i]`` (the end of the text when it is not closed)."""
    q, i = text[i], i + 1
    while i < len(text) and text[i] != q:
        i += 2 if text[i] == "\\" and q != "`" else 1
    return min(i + 1, len(text))


def embedded_selectors(text: str) -> list[str]:
    """The selectors with braces in a PromQL expression (``name{...}``, ``{...}``), each up to its
    closing brace or, when it has none, to the end of the text. Quoted strings are skipped: in
    PromQL a brace outside a string opens a selector's matchers."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in "\"'`":
            i = _after_string(text, i)
            continue
        if text[i] == "{":
            name = _NAME_BEFORE.search(text, 0, i)
            j = i + 1
            while j < len(text) and text[j] != "}":
                j = _after_string(text, j) if text[j] in "\"'`" else j + 1
            out.append(text[name.start() if name else i : j + 1])
            i = j
        i += 1
    return out


def query(ctx: Ctx, text: Raw, field: str, counter: bool | None = None) -> Query:
    """A query text. The query, when it is a plain selector, or else every selector with braces
    in it, is parsed here, so a malformed one is a SpecError naming the field rather than an
    error from the server later.

    ``counter=None``: a counter when it looks like one (a ``_total``, ``_bucket``, ``_count`` or
    ``_sum`` selector); a counter must be a plain selector.
    """
    if not isinstance(text, str) or not text.strip():
        raise ctx.err(field, "expected a non-empty query string")
    text = text.strip()
    try:
        sel = parse_selector(text)
        if sel is None:  # an expression: check the selectors in it
            for piece in embedded_selectors(text):
                parse_selector(piece)
    except ConfigError as exc:
        raise ctx.err(field, str(exc)) from exc
    if counter is None:
        counter = text.endswith(_COUNTER_SUFFIXES) or any(f"{s}{{" in text for s in _COUNTER_SUFFIXES)
    if counter and sel is None:
        raise ctx.err(field, f'counter: true needs a plain counter selector like name{{label="v"}}, got {text!r}')
    return Query(text, counter)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def merge(base: Sequence[N], new: Sequence[N]) -> list[N]:
    """``base`` with items of the same name replaced by ``new``'s, then ``new``'s other items."""
    by_name = {x.name: x for x in new}
    out = [by_name.pop(x.name, x) for x in base]
    return out + [x for x in new if x.name in by_name]
