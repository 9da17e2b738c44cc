"""The configuration in effect for one call: catalog, SLO spec, planning rules, time zone.

Every use case takes a :class:`Project` (``None`` means :func:`current`), so a catalog override
or another spec reaches the API, every CLI command and every notebook through the same object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from ..forecasting.rules import Planning, load_rules
from ..metrics.catalog import Catalog, catalog
from ..slo.loader import default_spec, load_spec
from ..slo.model import Spec

__all__ = ["Project", "current"]


@dataclass(frozen=True)
class Project:
    """What a team sets once. Build with :func:`current` and change with :meth:`with_spec`."""

    catalog: Catalog
    spec: Spec
    rules: Planning
    tz: str = field(default="")

    @property
    def time_zone(self) -> str:
        """The platform's time zone: the project's, else the SLO spec's."""
        return self.tz or self.spec.tz

    def with_spec(self, spec: Spec | str | os.PathLike[str] | None) -> Project:
        """This project with another SLO spec (a Spec, or a capacity/v1 / OpenSLO path); None keeps it."""
        if spec is None:
            return self
        return replace(self, spec=spec if isinstance(spec, Spec) else load_spec(spec))


def current(
    *,
    spec: Spec | str | os.PathLike[str] | None = None,
    catalog_path: str | os.PathLike[str] | None = None,
    tz: str | None = None,
) -> Project:
    """The project in effect: the bundled defaults, the catalog overridden by ``catalog_path`` or
    ``$CAPACITY_CATALOG``, and ``spec`` when given."""
    cat = catalog(catalog_path)
    base = Project(catalog=cat, spec=default_spec(), rules=load_rules(), tz=tz or "")
    return base.with_spec(spec)


def resolve(project: Project | None) -> Project:
    """``project``, or :func:`current` when None."""
    return project if project is not None else current()
