"""Which series describe a service's load, and what it must keep: the services spec, validated once
into frozen :class:`Service` objects (``capacity/defaults/services.yaml``; a team's own in
``services:`` of capacity.yaml, a file or inline).

Each series is a catalog name or a PromQL expression. ``replicas`` is a number, or a series giving
it over time (the last value is today's capacity). Unknown keys and bad values are refused naming
the file, the service and the field.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from ..core import yamlio
from ..core.errors import ConfigError
from ..core.timeutil import format_duration, parse_duration

__all__ = ["Objective", "Service", "default_services", "load_services", "parse_services"]

_SERIES = ("throughput", "latency_buckets", "latency_mean", "concurrency", "cpu")
_KEYS = (*_SERIES, "title", "replicas", "workers", "objective", "cpu_range", "step", "history")


@dataclass(frozen=True)
class Objective:
    """The latency SLO the headroom is measured against: the ``quantile`` under ``latency`` seconds."""

    quantile: float = 0.95
    latency: float = 0.5

    @property
    def text(self) -> str:
        q = f"p{self.quantile * 100:g}"
        ms = self.latency * 1000
        return f"{q} < {ms:g} ms" if ms < 10_000 else f"{q} < {self.latency:g} s"


@dataclass(frozen=True)
class Service:
    """One service's load series and limits."""

    name: str
    throughput: str
    title: str = ""
    latency_buckets: str | None = None
    latency_mean: str | None = None
    concurrency: str | None = None
    cpu: str | None = None
    #: replicas (or cores) serving the throughput: a count, or a series of it
    replicas: float | str = 1.0
    #: requests one replica serves at once (the shape of its queue)
    workers: int = 1
    objective: Objective = Objective()
    #: the CPU utilisation range to stay in (None: no CPU limit)
    cpu_range: tuple[float, float] | None = (0.30, 0.60)
    step: pd.Timedelta = pd.Timedelta(minutes=5)
    history: pd.Timedelta = pd.Timedelta(days=28)

    @property
    def display(self) -> str:
        return self.title or self.name

    def queries(self) -> dict[str, str]:
        """Role -> series for every series the service names."""
        out = {role: getattr(self, role) for role in _SERIES if getattr(self, role)}
        if isinstance(self.replicas, str):
            out["replicas"] = self.replicas
        return out


def _err(file: str, where: str, problem: str) -> ConfigError:
    return ConfigError(f"{file}: {where}: {problem}", file=file, field=where)


def _number(file: str, where: str, v: Any, lo: float, hi: float, *, open_lo: bool = False) -> float:
    bad = isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo < v if open_lo else lo <= v) or v > hi
    if bad:
        side = f"above {lo:g}" if open_lo else f"from {lo:g}"
        raise _err(file, where, f"expected a number {side} to {hi:g}, got {v!r}")
    return float(v)


def _service(file: str, name: str, raw: Any) -> Service:
    where = f"services.{name}"
    if not isinstance(raw, Mapping):
        raise _err(file, where, f"expected a mapping of settings, got {type(raw).__name__}")
    unknown = [str(k) for k in raw if k not in _KEYS]
    if unknown:
        raise _err(file, f"{where}.{unknown[0]}", f"unknown setting (known: {', '.join(_KEYS)})")
    if not raw.get("throughput"):
        raise _err(file, f"{where}.throughput", "missing: the request rate (a catalog name or PromQL)")
    series: dict[str, Any] = {}
    for role in _SERIES:
        v = raw.get(role)
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise _err(file, f"{where}.{role}", f"expected a catalog name or a PromQL expression, got {v!r}")
        series[role] = v.strip() if isinstance(v, str) else None
    replicas: float | str = 1.0
    rv = raw.get("replicas", 1)
    if isinstance(rv, str) and rv.strip():
        replicas = rv.strip()
    else:
        replicas = _number(file, f"{where}.replicas", rv, 0, 1e6, open_lo=True)
    workers = raw.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 100_000:
        raise _err(
            file, f"{where}.workers", f"expected a whole number of requests served at once (>= 1), got {workers!r}"
        )
    obj = raw.get("objective") or {}
    if not isinstance(obj, Mapping) or any(k not in ("quantile", "latency") for k in obj):
        raise _err(file, f"{where}.objective", "expected {quantile: 0.95, latency: 0.5} (latency in seconds)")
    objective = Objective(
        _number(file, f"{where}.objective.quantile", obj.get("quantile", 0.95), 0, 1, open_lo=True),
        _number(file, f"{where}.objective.latency", obj.get("latency", 0.5), 0, 86400, open_lo=True),
    )
    if objective.quantile >= 1:
        raise _err(file, f"{where}.objective.quantile", "expected a quantile below 1 (0.95 = p95)")
    cr = raw.get("cpu_range", [0.30, 0.60])
    cpu_range = None
    if cr is not None:
        if not isinstance(cr, (list, tuple)) or len(cr) != 2:
            raise _err(file, f"{where}.cpu_range", f"expected [low, high] utilisation (0.3, 0.6), got {cr!r}")
        lo = _number(file, f"{where}.cpu_range", cr[0], 0, 1)
        hi = _number(file, f"{where}.cpu_range", cr[1], 0, 1, open_lo=True)
        if lo >= hi:
            raise _err(file, f"{where}.cpu_range", f"low {lo:g} is not below high {hi:g}")
        cpu_range = (lo, hi)
    try:
        step = parse_duration(raw.get("step", "5m"), field=f"{where}.step")
        history = parse_duration(raw.get("history", "28d"), field=f"{where}.history")
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}", file=file, field=exc.context.get("field")) from None
    if history <= step:
        raise _err(file, f"{where}.history", f"{format_duration(history)} is not longer than the step")
    title = raw.get("title", "")
    return Service(
        name=name,
        title=str(title) if title else "",
        replicas=replicas,
        workers=workers,
        objective=objective,
        cpu_range=cpu_range,
        step=step,
        history=history,
        **series,
    )


def parse_services(doc: Any, *, file: str = "services") -> tuple[Service, ...]:
    """Services from a document ``{version: 1, services: {name: {...}}}`` (or the bare mapping of services)."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{file}: expected a mapping with 'services'", file=file)
    if "services" in doc:
        if doc.get("version", 1) != 1:
            raise _err(file, "version", f"unsupported version {doc.get('version')!r} (expected 1)")
        extra = [str(k) for k in doc if k not in ("version", "services")]
        if extra:
            raise _err(file, extra[0], "unknown key (known: version, services)")
        doc = doc["services"]
    if not isinstance(doc, Mapping) or not doc:
        raise _err(file, "services", "expected at least one service (name: {throughput: ..., ...})")
    return tuple(_service(file, str(name), raw) for name, raw in doc.items())


@functools.cache
def default_services() -> tuple[Service, ...]:
    """The bundled platform's services (``capacity/defaults/services.yaml``), parsed once per process."""
    text = resources.files("capacity.defaults").joinpath("services.yaml").read_text(encoding="utf-8")
    name = "capacity/defaults/services.yaml"
    return parse_services(yamlio.parse(text, file=name, what="services"), file=name)


def load_services(path: str | os.PathLike[str]) -> tuple[Service, ...]:
    name = os.fspath(path)
    return parse_services(yamlio.read(name, what="services"), file=name)
