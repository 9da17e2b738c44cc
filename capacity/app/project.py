"""The configuration in effect for one call: source, catalog, SLO spec, planning rules, time zone.

Every use case takes a :class:`Project` (``None`` means :func:`current`), so the project file
(:mod:`.config`, ``capacity.yaml``), a catalog override or another spec reaches the API, every CLI
command and every notebook through the same object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from ..forecasting.rules import Planning, load_rules, parse_rules
from ..loadmodels.spec import Service, default_services, load_services, parse_services
from ..metrics.catalog import Catalog, catalog, parse_catalog
from ..slo.load_v1 import parse_spec
from ..slo.loader import default_spec, load_spec
from ..slo.model import Spec
from ..sources import Source, kind
from ..sources import resolve as resolve_source
from . import config as _config

__all__ = ["DEFAULT_COVERAGE_FLOOR", "Project", "current", "resolve", "source_of"]

#: below this share of a window with data, an SLO is "too little data", never met or missed
DEFAULT_COVERAGE_FLOOR = 0.5


@dataclass(frozen=True)
class Project:
    """What a team sets once. Build with :func:`current` and change with :meth:`with_spec`."""

    catalog: Catalog
    spec: Spec
    rules: Planning
    tz: str = field(default="")
    #: where series come from when a call names no source: the config's, else the bundled sample
    source: str = "sample"
    #: the config file this project was read from (None: the bundled defaults)
    config: Path | None = None
    coverage_floor: float = DEFAULT_COVERAGE_FLOOR
    #: the pull cache's size limit in bytes (the config's ``cache: {max_size: ...}``; None: the cache's default)
    cache_max_size: int | None = None
    #: bounds on one command's work (the config's ``limits:``)
    limits: _config.Limits = field(default_factory=_config.Limits)
    #: the services whose headroom is measured (the config's ``services:``, else the bundled platform's)
    services: tuple[Service, ...] = field(default_factory=default_services)

    @property
    def time_zone(self) -> str:
        """The platform's time zone: the config's, else the project's SLO spec's."""
        return self.zone_for(self.spec)

    def zone_for(self, spec: Spec) -> str:
        """Calendar windows' and reports' time zone with ``spec``: the config's ``timezone``, else the spec's."""
        return self.tz or spec.tz

    @property
    def uses_sample_by_default(self) -> bool:
        """True when nothing (no config) named a source: calls without one read the bundled sample."""
        return self.config is None or self.source == "sample"

    def with_spec(self, spec: Spec | str | os.PathLike[str] | None) -> Project:
        """This project with another SLO spec (a Spec, or a capacity/v1 / OpenSLO path); None keeps it."""
        if spec is None:
            return self
        return replace(self, spec=spec if isinstance(spec, Spec) else load_spec(spec))

    def with_limits(self, **changes: Any) -> Project:
        """This project with some limits changed (``max_points=...``); None values keep the current ones."""
        given = {k: v for k, v in changes.items() if v is not None}
        if not given:
            return self
        try:
            return replace(self, limits=_config.parse_limits(given, where="limits", base=self.limits))
        except ValueError as exc:
            raise ConfigError(str(exc), field=str(exc).split(":", 1)[0]) from None

    def with_services(self, services: Any) -> Project:
        """This project with other services: Service objects, a services file, or a mapping
        ``{name: {throughput: ..., ...}}``; None keeps them."""
        if services is None:
            return self
        if isinstance(services, Mapping):
            return replace(self, services=parse_services(dict(services), file="services"))
        if isinstance(services, (str, os.PathLike)):
            return replace(self, services=load_services(services))
        items = tuple(services)
        if not items or not all(isinstance(s, Service) for s in items):
            raise ConfigError("services: expected a mapping, a file path or Service objects", field="services")
        return replace(self, services=items)

    def with_rules(self, rules: Planning | str | os.PathLike[str] | None) -> Project:
        """This project with other planning rules (a Planning, or a path); None keeps them."""
        if rules is None:
            return self
        return replace(self, rules=rules if isinstance(rules, Planning) else load_rules(rules))


def _spec(cfg: _config.Config) -> Spec:
    if cfg.slos is None:
        return default_spec()
    if isinstance(cfg.slos, Path):
        return load_spec(cfg.slos)
    doc = {"apiVersion": "capacity/v1", "kind": "SLOSpec", **dict(cfg.slos)}
    return parse_spec(doc, file=f"{cfg.path}: slos", base=default_spec())


def _rules(cfg: _config.Config) -> Planning:
    if cfg.planning is None:
        return load_rules()
    if isinstance(cfg.planning, Path):
        return load_rules(cfg.planning)
    return parse_rules(dict(cfg.planning), file=f"{cfg.path}: planning")


def _services(cfg: _config.Config) -> tuple[Service, ...]:
    if cfg.services is None:
        return default_services()
    if isinstance(cfg.services, Path):
        return load_services(cfg.services)
    return parse_services(dict(cfg.services), file=f"{cfg.path}: services")


def current(
    *,
    config: str | os.PathLike[str] | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
    planning: Planning | str | os.PathLike[str] | None = None,
    catalog_path: str | os.PathLike[str] | None = None,
    tz: str | None = None,
) -> Project:
    """The project in effect: the config file (``config``, ``$CAPACITY_CONFIG`` or ``./capacity.yaml``;
    none: the bundled defaults), the catalog overridden by ``catalog_path`` or ``$CAPACITY_CATALOG`` and
    then by the config's ``catalog:``, and ``spec``, ``planning`` and ``tz`` when given."""
    path = _config.find(config)
    cfg = _config.load(path) if path is not None else _config.Config()
    cat = catalog(catalog_path)
    if cfg.catalog:
        cat = parse_catalog({"metrics": dict(cfg.catalog)}, file=f"{cfg.path}: catalog", base=cat)
    base = Project(
        catalog=cat,
        spec=_spec(cfg),
        rules=_rules(cfg),
        tz=tz or cfg.timezone or "",
        source=cfg.source or "sample",
        config=cfg.path,
        coverage_floor=DEFAULT_COVERAGE_FLOOR if cfg.coverage_floor is None else cfg.coverage_floor,
        cache_max_size=cfg.cache_max_size,
        limits=cfg.limits,
        services=_services(cfg),
    )
    return base.with_spec(spec).with_rules(planning)


def resolve(project: Project | None) -> Project:
    """``project``, or :func:`current` when None."""
    return project if project is not None else current()


def source_of(source: str | os.PathLike[str] | Source | None, project: Project | None = None, **options: Any) -> Source:
    """The Source ``source`` names, or the project's when None (``options`` go to its constructor).

    A server resolves catalog names with the project's catalog (its overrides and additions) and
    keeps its pull cache within the project's ``cache: {max_size: ...}``, its reads within the
    project's ``limits`` (timeout, longest Retry-After)."""
    proj = resolve(project)
    spec = source if source is not None else proj.source
    if isinstance(spec, (str, os.PathLike)) and kind(spec) == "server":
        options.setdefault("catalog", proj.catalog)
        if proj.cache_max_size is not None:
            options.setdefault("cache_max_size", proj.cache_max_size)
        options.setdefault("timeout", proj.limits.timeout)
        options.setdefault("max_retry_wait", proj.limits.max_retry_wait)
    return resolve_source(spec, **options)
