"""The corpus, by class of input: each module's ``CASES`` (ids unique across modules)."""

from __future__ import annotations

from ..harness import Case
from . import arguments, cache, files, headroom, outputs, servers, specs

CASES: list[Case] = [
    *arguments.CASES,
    *files.CASES,
    *specs.CASES,
    *outputs.CASES,
    *servers.CASES,
    *cache.CASES,
    *headroom.CASES,
]
_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), sorted({i for i in _ids if _ids.count(i) > 1})
