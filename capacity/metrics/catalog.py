"""The metric catalog: runbook Key Metrics as named PromQL queries.

The defaults live in ``capacity/defaults/catalog.yaml``. A user file of the
same shape overrides any field of an entry or adds entries::

    version: 1
    metrics:
      request_rate:
        query: sum(rate(http_requests_total{job="my-api"}[5m]))
      checkout_rate:          # a new entry needs query, unit, kind and group
        query: sum(rate(checkout_total[5m]))
        unit: 1/s
        kind: counter
        group: business
        step: 1h

:func:`catalog` reads ``path`` or else the file named by ``$CAPACITY_CATALOG``
over the defaults.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import yamlio
from ..core.errors import ConfigError, PromQLSyntaxError, UnknownMetricError
from ..core.timeutil import format_duration, parse_duration
from .promql import parse_selector

__all__ = ["Metric", "Catalog", "KINDS", "ENV_VAR", "catalog", "default_catalog", "load_catalog"]

KINDS = ("counter", "gauge", "histogram")
ENV_VAR = "CAPACITY_CATALOG"
_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FIELDS = ("query", "unit", "kind", "step", "group", "title", "description", "lower", "upper")
_REQUIRED = ("query", "unit", "kind", "group")


@dataclass(frozen=True)
class Metric:
    """One catalog entry (validated)."""

    name: str
    query: str
    unit: str
    kind: str
    step: pd.Timedelta
    group: str
    description: str = ""
    lower: float | None = None
    upper: float | None = None
    #: what charts and reports call it ("Registered users"); empty: the name in words
    title: str = ""

    @property
    def display(self) -> str:
        """The entry's title, else its name in words (``users_total`` -> ``Users total``)."""
        if self.title:
            return self.title
        words = self.name.replace("_", " ").strip()
        return words[:1].upper() + words[1:]


class Catalog(Mapping[str, Metric]):
    """An immutable, name-keyed collection of :class:`Metric` entries."""

    __slots__ = ("_entries", "source")

    def __init__(self, entries: Mapping[str, Metric] | None = None, *, source: str = "defaults") -> None:
        self._entries: dict[str, Metric] = dict(entries or {})
        self.source = source

    def __getitem__(self, name: str) -> Metric:
        return self.get(name)

    def get(self, name: str, default: Any = None) -> Metric:
        """The entry called ``name``; raises UnknownMetricError suggesting close names."""
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        if default is not None:
            return default
        raise unknown_metric(name, self._entries)

    def find(self, name: str) -> Metric | None:
        """The entry called ``name`` or None."""
        return self._entries.get(name)

    def names(self) -> list[str]:
        return list(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:
        return f"Catalog({len(self)} metrics from {self.source})"

    def to_frame(self) -> pd.DataFrame:
        """One row per entry, for display."""
        rows = [
            {
                "name": m.name,
                "group": m.group,
                "kind": m.kind,
                "unit": m.unit,
                "step": format_duration(m.step),
                "lower": m.lower,
                "upper": m.upper,
                "query": m.query,
                "description": m.description,
            }
            for m in self._entries.values()
        ]
        cols = ["name", "group", "kind", "unit", "step", "lower", "upper", "query", "description"]
        return pd.DataFrame.from_records(rows, columns=cols)


def unknown_metric(name: str, known: Mapping[str, Any] | list[str]) -> UnknownMetricError:
    """An UnknownMetricError for ``name`` suggesting the closest of ``known``."""
    names = sorted(known)
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.6)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else "; see 'capacity pull --list' or capacity.catalog().names()"
    )
    return UnknownMetricError(f"unknown metric {name!r}{hint}", name=name, known=names, suggestions=close)


# ------------------------------------------------------------------ validation


def _err(file: str, entry: str | None, field: str | None, problem: str) -> ConfigError:
    where = file
    if entry is not None:
        where += f": metric {entry!r}"
    if field is not None:
        where += f", field {field!r}"
    return ConfigError(f"{where}: {problem}", file=file, entry=entry, field=field)


def _bound(file: str, name: str, field: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        raise _err(file, name, field, f"must be a number or null, got {value!r}")
    return float(value)


def _entry(file: str, name: str, raw: Mapping[str, Any], base: Metric | None) -> Metric:
    unknown = [k for k in raw if k not in _FIELDS]
    if unknown:
        raise _err(file, name, str(unknown[0]), f"unknown field (known fields: {', '.join(_FIELDS)})")
    if base is None:
        missing = [k for k in _REQUIRED if k not in raw]
        if missing:
            raise _err(file, name, missing[0], "missing (a new entry needs query, unit, kind and group)")
    vals: dict[str, Any] = (
        {f.name: getattr(base, f.name) for f in fields(Metric)}
        if base
        else {
            "name": name,
            "step": pd.Timedelta(minutes=1),
            "description": "",
            "title": "",
            "lower": None,
            "upper": None,
        }
    )
    for key in ("query", "unit", "group", "description", "title"):
        if key in raw:
            v = raw[key]
            if not isinstance(v, str) or (key not in ("description", "title") and not v.strip()):
                raise _err(file, name, key, f"must be a non-empty string, got {v!r}")
            vals[key] = v.strip()
    if "kind" in raw:
        if raw["kind"] not in KINDS:
            raise _err(file, name, "kind", f"must be one of {', '.join(KINDS)}, got {raw['kind']!r}")
        vals["kind"] = raw["kind"]
    if "step" in raw:
        try:
            vals["step"] = parse_duration(raw["step"], field="step")
        except ConfigError as exc:
            raise _err(file, name, "step", str(exc)) from exc
    for key in ("lower", "upper"):
        if key in raw:
            vals[key] = _bound(file, name, key, raw[key])
    if vals["lower"] is not None and vals["upper"] is not None and vals["lower"] > vals["upper"]:
        raise _err(file, name, "lower", f"lower bound {vals['lower']} is above upper bound {vals['upper']}")
    try:
        parse_selector(vals["query"])  # a malformed plain selector is caught here, not at the server
    except PromQLSyntaxError as exc:
        raise _err(file, name, "query", str(exc)) from exc
    return Metric(**vals)


def parse_catalog(doc: Any, *, file: str, base: Catalog | None = None) -> Catalog:
    """Validate a parsed YAML document and merge it over ``base``."""
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise _err(file, None, None, f"expected a mapping with a 'metrics' key, got {type(doc).__name__}")
    extra = [k for k in doc if k not in ("version", "metrics")]
    if extra:
        raise _err(file, None, str(extra[0]), "unknown top-level key (expected version, metrics)")
    if doc.get("version", 1) != 1:
        raise _err(file, None, "version", f"unsupported catalog version {doc.get('version')!r} (expected 1)")
    metrics = doc.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise _err(file, None, "metrics", f"must be a mapping of name to entry, got {type(metrics).__name__}")
    entries = dict(base._entries) if base is not None else {}
    for name, raw in metrics.items():
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise _err(file, str(name), None, "metric names must match [a-zA-Z_][a-zA-Z0-9_]*")
        if not isinstance(raw, Mapping):
            raise _err(file, name, None, f"entry must be a mapping of fields, got {type(raw).__name__}")
        entries[name] = _entry(file, name, raw, entries.get(name))
    return Catalog(entries, source=file)


@functools.cache
def default_catalog() -> Catalog:
    """The bundled catalog (``capacity/defaults/catalog.yaml``)."""
    ref = resources.files("capacity").joinpath("defaults/catalog.yaml")
    text = ref.read_text(encoding="utf-8")
    return parse_catalog(
        yamlio.parse(text, file="capacity/defaults/catalog.yaml", what="catalog"), file="capacity/defaults/catalog.yaml"
    )


def load_catalog(path: str | os.PathLike[str], base: Catalog | None = None) -> Catalog:
    """``base`` (default: the bundled catalog) with the entries of the YAML file at ``path`` merged over it."""
    p = Path(path)
    doc = yamlio.read(p, what="catalog")
    return parse_catalog(doc, file=str(p), base=default_catalog() if base is None else base)


def catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalog in effect: defaults, overridden by ``path`` or else by ``$CAPACITY_CATALOG``."""
    if path is not None:
        return load_catalog(path)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        if not Path(env).is_file():
            raise ConfigError(f"{ENV_VAR}={env}: catalog file not found", file=env, field=ENV_VAR)
        return load_catalog(env)
    return default_catalog()
